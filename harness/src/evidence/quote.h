/* TDX quotes, versions 4 and 5 (TDX-REFERENCE §6.2-§6.4): strict parsing of
 * untrusted bytes. Parsing checks structure only; signatures and the
 * certificate chain are checked by verify.h. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define QUOTE_HEADER_LEN 48
#define QUOTE_TEE_TYPE_TDX 0x81u
#define QUOTE_ATT_KEY_ECDSA_P256 2u
#define QUOTE_BODY_TD10 2u /* v5 body type: TDX 1.0 TD report, 584 bytes */
#define QUOTE_BODY_TD15 3u /* v5 body type: TDX 1.5 TD report, 648 bytes */
#define QUOTE_BODY_TD10_LEN 584u
#define QUOTE_BODY_TD15_LEN 648u
#define QUOTE_CERT_PCK_CHAIN 5u /* PEM leaf || intermediate || root */
#define QUOTE_CERT_QE_REPORT 6u /* QE report certification data */
#define QUOTE_QE_REPORT_LEN 384u
/* Largest quote file accepted (TDX-REFERENCE §6.3: do not assume 8 KiB). */
#define QUOTE_MAX_FILE (16u << 20)

/* The QE vendor ID of Intel's quoting enclave. */
extern const uint8_t quote_intel_qe_vendor_id[16];
/* The QE vendor ID of tdxh's fake quote service (fakes/fake_qgs.h): the
 * ASCII bytes "tdxh-FAKE-QE-v1" and a NUL, so that a fake quote says what
 * it is wherever its header is shown, and never passes the vendor check. */
#define QUOTE_FAKE_QE_VENDOR_TEXT "tdxh-FAKE-QE-v1"
extern const uint8_t quote_fake_qe_vendor_id[16];
/* "Intel", "tdxh fake QE (not genuine)" or "unknown", for people. */
const char *quote_qe_vendor_name(const uint8_t vendor_id[16]);

/* The TD report body of a quote (TDX 1.0 fields, plus the TDX 1.5 ones when
 * body_type is 3). Offsets are relative to the body. */
struct td_quote_body {
        uint8_t tee_tcb_svn[16];
        uint8_t mr_seam[48];
        uint8_t mrsigner_seam[48];
        uint8_t seam_attributes[8];
        uint8_t td_attributes[8];
        uint8_t xfam[8];
        uint8_t mr_td[48];
        uint8_t mr_config_id[48];
        uint8_t mr_owner[48];
        uint8_t mr_owner_config[48];
        uint8_t rtmr[4][48];
        uint8_t report_data[64];
        /* TDX 1.5 (body type 3) only */
        bool has_v15;
        uint8_t tee_tcb_svn2[16];
        uint8_t mr_servicetd[48];
};

struct quote {
        /* header */
        uint16_t version;      /* 4 or 5 */
        uint16_t att_key_type; /* 2 = ECDSA P-256 */
        uint32_t tee_type;     /* 0x81 = TDX */
        uint8_t header_reserved[4]; /* QE/PCE SVN in SGX v3 quotes */
        uint8_t qe_vendor_id[16];
        uint8_t user_data[20];
        /* v5 body descriptor (v4: type 2, size 584) */
        uint16_t body_type;
        uint32_t body_size;
        struct td_quote_body body;

        /* signed range: [0, signed_len) of the input */
        const uint8_t *data; /* the input passed to quote_parse() */
        size_t signed_len;
        /* signature data */
        uint32_t signature_data_len;
        uint8_t signature[64];  /* r||s, big-endian */
        uint8_t att_pubkey[64]; /* x||y, big-endian */
        uint16_t cert_type;     /* outer certification data type (6) */
        uint32_t cert_data_len; /* its size */
        uint8_t qe_report[384];
        uint8_t qe_report_signature[64];
        const uint8_t *qe_auth_data; /* points into the input */
        uint16_t qe_auth_data_len;
        uint16_t pck_cert_type; /* inner certification data type (5) */
        uint32_t pck_cert_data_len; /* its size, trailing NULs included */
        const char *pck_chain_pem; /* points into the input; not NUL-terminated */
        size_t pck_chain_pem_len;

        size_t quote_len;    /* bytes of the quote proper */
        size_t trailing_len; /* zero padding after the quote (tolerated, reported) */
        bool trailing_data;  /* quote_parse_any_trailing(): some of the trailing_len
                              * bytes are not zero padding */
};

/* Parses a quote from data (which must outlive *ret: pointers point into it).
 * Errors name the offset and field. */
int quote_parse(const uint8_t *data, size_t len, struct quote *ret, struct tdxh_err *e);

/* The same, for showing a file rather than trusting it: any bytes may follow
 * the quote (a test file with a text line appended, a capture with more
 * after it). They are counted in trailing_len, and trailing_data says when
 * they are not all zero; no signature covers them, so quote_parse() (and
 * tdxh verify) refuses such input. */
int quote_parse_any_trailing(const uint8_t *data, size_t len, struct quote *ret,
                             struct tdxh_err *e);

/* JSON for `tdxh inspect --json`: kind "quote", version, tee_type,
 * mrseam, td_attributes, xfam, mrtd, mrconfigid, mrowner, mrownerconfig,
 * rtmr0..rtmr3, report_data (lowercase hex) and the rest of the fields. */
int quote_to_json(const struct quote *q, json_object **ret);

/* Decodes a quote as users hand it over: raw bytes, hex text (whitespace
 * anywhere, optional 0x prefix), or a JSON object with a "quote" member
 * holding hex or base64 (as dstack's GetQuote response). *ret_bytes is a new
 * buffer owned by the caller; no structure is checked (see quote_parse()). */
int quote_load_buffer(const uint8_t *data, size_t len, uint8_t **ret_bytes, size_t *ret_len,
                      struct tdxh_err *e);
/* quote_load_buffer() over a file of at most QUOTE_MAX_FILE bytes; errors
 * name the file. */
int quote_load_file(const char *path, uint8_t **ret_bytes, size_t *ret_len, struct tdxh_err *e);

/* Fields of the QE report (an SGX report body, TDX-REFERENCE §6.4). */
struct qe_report_fields {
        const uint8_t *cpusvn;      /* 16 */
        uint32_t miscselect;
        const uint8_t *attributes;  /* 16 */
        const uint8_t *mrenclave;   /* 32 */
        const uint8_t *mrsigner;    /* 32 */
        uint16_t isvprodid;
        uint16_t isvsvn;
        const uint8_t *report_data; /* 64 */
};
void quote_qe_report_fields(const struct quote *q, struct qe_report_fields *ret);
