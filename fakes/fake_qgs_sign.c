/* The fake quoting enclave: a TDREPORT in, a signed v4 quote out, and the
 * service's answer to one request frame; see fake_qgs.h.
 *
 * The quote has the real layout (TDX-REFERENCE §6.2-§6.4, built by
 * evidence/quote_build.c) so that everything downstream parses, verifies and
 * inspects it as it would a real one; what it cannot be is genuine. It is
 * marked in every place a reader or a verifier looks: the QE vendor id
 * "tdxh-FAKE-QE-v1" (never Intel's, so qe-vendor-id fails), user_data, the
 * QE report's ISV fields and reserved bytes, the QE auth data, and a PCK
 * chain whose names say FAKE and whose root is a per-run throwaway (so
 * pck-chain fails against Intel's pinned root). */
#include "fakes/fake_qgs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/le.h"
#include "evidence/quote_build.h"
#include "evidence/tdreport.h"

/* SGX report body offsets of the QE report (TDX-REFERENCE §6.4). */
#define QE_CPUSVN 0
#define QE_ISV_EXT_PROD_ID 32
#define QE_MRENCLAVE 64
#define QE_MRSIGNER 128
#define QE_ISVPRODID 256
#define QE_RESERVED4 262 /* 42 reserved bytes */
#define QE_ISV_FAMILY_ID 304

/* Where the report is in a request frame: prefix, header, two sizes. */
#define REQ_REPORT_OFFSET (QGS_PREFIX_LEN + QGS_GET_QUOTE_LEN)

static void put_text(uint8_t *field, size_t size, const char *text)
{
        size_t n = strlen(text);

        memcpy(field, text, n < size ? n : size);
}

/* The QE report template: the platform's CPUSVN, and markings where a real
 * TD QE has Intel's identity. report_data is set by quote_build(). */
static void fake_qe_report(const struct tdreport *t, uint8_t rep[QUOTE_QE_REPORT_LEN])
{
        memset(rep, 0, QUOTE_QE_REPORT_LEN);
        memcpy(rep + QE_CPUSVN, t->cpusvn, 16);
        put_text(rep + QE_ISV_EXT_PROD_ID, 16, QUOTE_FAKE_QE_VENDOR_TEXT);
        put_text(rep + QE_MRENCLAVE, 32, "tdxh FAKE QE enclave - not Intel");
        put_text(rep + QE_MRSIGNER, 32, "tdxh FAKE QE signer - not Intel");
        le16_put(rep + QE_ISVPRODID, FAKE_QGS_QE_ISVPRODID);
        put_text(rep + QE_RESERVED4, 42, FAKE_QGS_QE_MARK);
        put_text(rep + QE_ISV_FAMILY_ID, 16, QUOTE_FAKE_QE_VENDOR_TEXT);
}

/* The TD quote body of a v4 quote: TEE_TCB_INFO, TDINFO and REPORTDATA. */
static void quote_body(const struct tdreport *t, struct td_quote_body *b)
{
        *b = (struct td_quote_body){ 0 };
        memcpy(b->tee_tcb_svn, t->tee_tcb_svn, sizeof(b->tee_tcb_svn));
        memcpy(b->mr_seam, t->mr_seam, sizeof(b->mr_seam));
        memcpy(b->mrsigner_seam, t->mrsigner_seam, sizeof(b->mrsigner_seam));
        memcpy(b->seam_attributes, t->seam_attributes, sizeof(b->seam_attributes));
        memcpy(b->td_attributes, t->td_attributes, sizeof(b->td_attributes));
        memcpy(b->xfam, t->xfam, sizeof(b->xfam));
        memcpy(b->mr_td, t->mr_td, sizeof(b->mr_td));
        memcpy(b->mr_config_id, t->mr_config_id, sizeof(b->mr_config_id));
        memcpy(b->mr_owner, t->mr_owner, sizeof(b->mr_owner));
        memcpy(b->mr_owner_config, t->mr_owner_config, sizeof(b->mr_owner_config));
        memcpy(b->rtmr, t->rtmr, sizeof(b->rtmr));
        memcpy(b->report_data, t->report_data, sizeof(b->report_data));
}

int fake_qgs_sign(const struct fake_pki *p, const uint8_t *tdreport, size_t len, uint8_t **ret,
                  size_t *ret_len, struct tdxh_err *e)
{
        uint8_t user_data[20] = { 0 }, qe_report[QUOTE_QE_REPORT_LEN];
        struct td_quote_body body;
        struct tdreport t;
        int r;

        r = tdreport_parse(tdreport, len, &t, e);
        if (r < 0)
                return r;
        if (!t.tee_tcb_info_hash_ok)
                return err_setf(e, -EINVAL,
                                "offset 0x20: TEE_TCB_INFO_HASH: not the SHA-384 of TEE_TCB_INFO "
                                "(offset 0x100): a damaged or made-up report");
        if (!t.tee_info_hash_ok)
                return err_setf(e, -EINVAL,
                                "offset 0x50: TEE_INFO_HASH: not the SHA-384 of TDINFO (offset "
                                "0x200): a damaged or made-up report");
        quote_body(&t, &body);
        fake_qe_report(&t, qe_report);
        put_text(user_data, sizeof(user_data), FAKE_QGS_USER_DATA);
        const struct quote_build b = {
                .version = 4,
                .qe_vendor_id = quote_fake_qe_vendor_id,
                .user_data = user_data,
                .body = &body,
                .att_key = p->att_key,
                .qe_report = qe_report,
                .pck_key = p->leaf_key,
                .qe_auth_data = (const uint8_t *)FAKE_QGS_QE_AUTH_DATA,
                .qe_auth_data_len = sizeof(FAKE_QGS_QE_AUTH_DATA) - 1,
                .pck_chain_pem = p->chain_pem,
                .pck_chain_pem_len = p->chain_pem_len,
        };
        r = quote_build(&b, ret, ret_len);
        if (r < 0)
                return err_setf(e, r, "signing the fake quote failed: %s", strerror(-r));
        return 0;
}

/* The response type that answers a request type, for error responses. */
static uint32_t resp_type_for(uint32_t req_type)
{
        if (req_type == QGS_GET_COLLATERAL_REQ || req_type == QGS_GET_PLATFORM_INFO_REQ)
                return req_type + 1;
        return QGS_GET_QUOTE_RESP;
}

static int answer_error(struct buf *resp, uint32_t resp_type, uint32_t code,
                        struct fake_qgs_outcome *ret)
{
        int r = qgs_error_resp_build(resp, resp_type, code);

        if (r < 0)
                return r;
        *ret = (struct fake_qgs_outcome){ .qgs_error = code };
        return 0;
}

int fake_qgs_handle(const struct fake_pki *p, const uint8_t *frame, size_t len, struct buf *resp,
                    struct fake_qgs_outcome *ret, struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *quote = NULL;
        struct qgs_get_quote_req req;
        uint32_t code;
        size_t quote_len;
        int r;

        r = qgs_get_quote_req_parse(frame, len, &req, &code, e);
        if (r < 0)
                return answer_error(resp, resp_type_for(req.header.type), code, ret);
        if (req.report_size != TDREPORT_LEN) {
                err_setf(e, -EINVAL, "offset 0x14: report_size: %u, a TDREPORT is %u bytes",
                         req.report_size, TDREPORT_LEN);
                return answer_error(resp, QGS_GET_QUOTE_RESP, QGS_MSG_ERROR_INVALID_PARAMETER,
                                    ret);
        }
        r = fake_qgs_sign(p, req.report, req.report_size, &quote, &quote_len, e);
        if (r == -EINVAL) {
                err_prefix(e, "offset 0x%x: report: ", (unsigned)REQ_REPORT_OFFSET);
                return answer_error(resp, QGS_GET_QUOTE_RESP, QGS_MSG_ERROR_INVALID_PARAMETER,
                                    ret);
        }
        if (r < 0)
                return answer_error(resp, QGS_GET_QUOTE_RESP,
                                    r == -ENOMEM ? QGS_MSG_ERROR_OUT_OF_MEMORY
                                                 : QGS_MSG_ERROR_UNEXPECTED,
                                    ret);
        r = qgs_get_quote_resp_build(resp, quote, quote_len);
        if (r == -EINVAL) {
                err_setf(e, r, "the quote (%zu bytes) does not fit a message of %u bytes",
                         quote_len, QGS_MSG_MAX_LEN);
                return answer_error(resp, QGS_GET_QUOTE_RESP, QGS_MSG_ERROR_UNEXPECTED, ret);
        }
        if (r < 0)
                return r;
        *ret = (struct fake_qgs_outcome){ .qgs_error = QGS_MSG_SUCCESS, .quote_len = quote_len };
        memcpy(ret->report_data, req.report + 128, sizeof(ret->report_data)); /* REPORTDATA */
        return 0;
}
