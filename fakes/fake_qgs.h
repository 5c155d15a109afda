/* The fake quote generation service: the messages QEMU's `tdx-guest` object
 * exchanges with Intel's QGS over its quote-generation-socket, and a signer
 * that turns a TDREPORT into a real-layout TDX v4 quote signed under the
 * fake PKI (fake_pki.h). The program is fakes/qgs/tdxh-fake-qgs.c.
 *
 * Framing, from QEMU target/i386/kvm/tdx-quote-generator.[ch] (QEMU 10.1;
 * qemu/qemu commit 43ba160cb4bbb193560eb0d2d7decc4b5fc599fe) and Intel DCAP
 * (intel/SGXDataCenterAttestationPrimitives) QuoteGeneration/quote_wrapper/
 * qgs_msg_lib/inc/qgs_msg_lib.h and qgs_msg_lib.cpp (commit
 * 3c3ecb7fd7d0533f32dd039d128e8660cfe5025e) and qgs/qgs_server.cpp (commit
 * 2562057f6a3149c03f5985826ffaba978ece58c2); fakes/README.md has the
 * details. Every message travels as a
 * 4-byte big-endian length, then the message; a message is a 16-byte
 * little-endian header {u16 major_version, u16 minor_version, u32 type,
 * u32 size (the whole message, header included), u32 error_code} and a body:
 *
 *   GET_QUOTE_REQ  (type 0)  u32 report_size (not 0), u32 id_list_size,
 *                            report (the 1024-byte TDREPORT), id list
 *   GET_QUOTE_RESP (type 1)  u32 selected_id_size, u32 quote_size,
 *                            selected id, quote; an error response has
 *                            error_code != 0 and both sizes 0
 *
 * QEMU sends version 1.1, an empty id list, one request per connection, and
 * accepts only a 1.1 GET_QUOTE_RESP with error_code 0, no selected id and a
 * quote filling the rest of the message. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "fakes/fake_pki.h"

#define QGS_PREFIX_LEN 4u    /* big-endian length of the message that follows */
#define QGS_HEADER_LEN 16u
#define QGS_GET_QUOTE_LEN 24u /* header and the two sizes, request and response alike */
#define QGS_MSG_MAJOR 1u
#define QGS_MSG_MINOR 1u
/* Largest message accepted: QEMU's TDX_GET_QUOTE_MAX_BUF_LEN, the most it
 * relays between guest and QGS. */
#define QGS_MSG_MAX_LEN (128u * 1024)

enum qgs_msg_type {
        QGS_GET_QUOTE_REQ = 0,
        QGS_GET_QUOTE_RESP = 1,
        QGS_GET_COLLATERAL_REQ = 2,
        QGS_GET_COLLATERAL_RESP = 3,
        QGS_GET_PLATFORM_INFO_REQ = 4,
        QGS_GET_PLATFORM_INFO_RESP = 5,
        QGS_MSG_TYPE_MAX,
};

/* qgs_msg_error_t: QGS_MSG_MK_ERROR(x) = 0x00012000 | x. */
enum qgs_msg_error {
        QGS_MSG_SUCCESS = 0,
        QGS_MSG_ERROR_UNEXPECTED = 0x12001,
        QGS_MSG_ERROR_OUT_OF_MEMORY = 0x12002,
        QGS_MSG_ERROR_INVALID_PARAMETER = 0x12003,
        QGS_MSG_ERROR_INVALID_VERSION = 0x12004,
        QGS_MSG_ERROR_INVALID_TYPE = 0x12005,
        QGS_MSG_ERROR_INVALID_SIZE = 0x12006,
        QGS_MSG_ERROR_INVALID_CODE = 0x12007,
};

/* "INVALID_SIZE" for QGS_MSG_ERROR_INVALID_SIZE, "?" for an unknown code. */
const char *qgs_error_name(uint32_t code);

struct qgs_header {
        uint16_t major_version;
        uint16_t minor_version;
        uint32_t type;
        uint32_t size;
        uint32_t error_code;
};

/* Pointers point into the parsed frame. */
struct qgs_get_quote_req {
        struct qgs_header header;
        uint32_t report_size;
        uint32_t id_list_size;
        const uint8_t *report;
        const uint8_t *id_list; /* NULL when id_list_size is 0 */
};

struct qgs_get_quote_resp {
        struct qgs_header header;
        uint32_t selected_id_size; /* always 0: QEMU sends no id list */
        uint32_t quote_size;
        const uint8_t *quote; /* NULL in an error response */
};

/* The message length of a frame from its prefix. -EINVAL when it is below a
 * header's 16 bytes or above QGS_MSG_MAX_LEN: the stream cannot be trusted
 * past such a prefix. */
int qgs_frame_len(const uint8_t prefix[QGS_PREFIX_LEN], uint32_t *ret_len, struct tdxh_err *e);

/* Parses exactly one frame (prefix and message) holding a GET_QUOTE_REQ.
 * Every length is checked against the bytes there are; -EINVAL with the
 * offset in the frame and the field in e, and in *ret_qgs_error (may be NULL)
 * the QGS error code a response should carry. ret->header holds what could
 * be read of the header even on failure (to answer in kind). */
int qgs_get_quote_req_parse(const uint8_t *frame, size_t len, struct qgs_get_quote_req *ret,
                            uint32_t *ret_qgs_error, struct tdxh_err *e);

/* Parses exactly one frame holding a GET_QUOTE_RESP as QEMU checks one
 * (version 1.1, sizes adding up, no selected id) and as DCAP does (an error
 * response carries no data, a success response a quote). An error response
 * parses (0): the caller looks at header.error_code. */
int qgs_get_quote_resp_parse(const uint8_t *frame, size_t len, struct qgs_get_quote_resp *ret,
                             struct tdxh_err *e);

/* Builders append one frame to out (version 1.1). 0, -EINVAL (a size that
 * does not fit the message limit), -ENOMEM. */
int qgs_get_quote_req_build(struct buf *out, const uint8_t *report, uint32_t report_size,
                            const uint8_t *id_list, uint32_t id_list_size);
int qgs_get_quote_resp_build(struct buf *out, const uint8_t *quote, size_t quote_size);
/* An error response of resp_type (GET_QUOTE_RESP, GET_COLLATERAL_RESP or
 * GET_PLATFORM_INFO_RESP) sized as DCAP's qgs_msg_gen_error_resp() sizes it,
 * all fields after the header zero. */
int qgs_error_resp_build(struct buf *out, uint32_t resp_type, uint32_t error_code);

/* The markings of a fake quote, besides the QE vendor id
 * (QUOTE_FAKE_QE_VENDOR_TEXT, evidence/quote.h) and the FAKE names of the
 * PKI: the header's user_data, the QE report's ISV fields and reserved
 * bytes, and the QE authentication data. */
#define FAKE_QGS_USER_DATA "tdxh-FAKE-QUOTE"              /* 20 bytes, NUL-padded */
#define FAKE_QGS_QE_ISVPRODID 0xfa4eu
#define FAKE_QGS_QE_MARK "tdxh FAKE QE report - not Intel" /* QE report reserved bytes 262.. */
#define FAKE_QGS_QE_AUTH_DATA "tdxh FAKE QE auth data - not Intel"

/* Signs a TDREPORT (1024 bytes, evidence/tdreport.h) into a v4 quote: the
 * header with the fake QE vendor id and user_data, the TD quote body from the
 * report's TEE_TCB_INFO, TDINFO and REPORTDATA signed by p's attestation key,
 * a fake QE report binding that key and the QE auth data, signed by the PCK
 * leaf key, and the PEM chain leaf, intermediate, root (certification data
 * type 5). A report whose TEE_TCB_INFO or TDINFO hash does not match its
 * content is refused (-EINVAL), as the real QE refuses a report whose MAC
 * does not verify. *ret is owned by the caller. */
int fake_qgs_sign(const struct fake_pki *p, const uint8_t *tdreport, size_t len, uint8_t **ret,
                  size_t *ret_len, struct tdxh_err *e);

/* What the service did with one request. */
struct fake_qgs_outcome {
        uint32_t qgs_error;     /* 0: a quote was sent; else the error code sent */
        uint8_t report_data[64]; /* of the quote, when one was sent */
        size_t quote_len;
};

/* Answers one request frame: parses it, signs the TDREPORT and appends the
 * GET_QUOTE_RESP frame to resp, or appends an error response and says why in
 * e (offset and field). 0 whenever a response was appended (an error
 * response included); -ENOMEM otherwise. */
int fake_qgs_handle(const struct fake_pki *p, const uint8_t *frame, size_t len, struct buf *resp,
                    struct fake_qgs_outcome *ret, struct tdxh_err *e);
