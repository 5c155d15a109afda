/* TDX quotes, versions 4 and 5 (TDX-REFERENCE §6.2-§6.4): strict parsing of
 * untrusted bytes. Parsing checks structure only; signatures and the
 * certificate chain are checked by verify.h. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

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
        uint8_t qe_vendor_id[16];
        uint8_t user_data[20];
        /* v5 body descriptor (v4: type 2, size 584) */
        uint16_t body_type;
        uint32_t body_size;
        struct td_quote_body body;

        /* signed range: [0, signed_len) of the input */
        size_t signed_len;
        /* signature data */
        uint8_t signature[64];  /* r||s, big-endian */
        uint8_t att_pubkey[64]; /* x||y, big-endian */
        uint16_t cert_type;     /* outer certification data type (6) */
        uint8_t qe_report[384];
        uint8_t qe_report_signature[64];
        const uint8_t *qe_auth_data; /* points into the input */
        uint16_t qe_auth_data_len;
        uint16_t pck_cert_type; /* inner certification data type (5) */
        const char *pck_chain_pem; /* points into the input; not NUL-terminated */
        size_t pck_chain_pem_len;

        size_t quote_len;    /* bytes of the quote proper */
        size_t trailing_len; /* zero padding after the quote (tolerated, reported) */
};

/* Parses a quote from data (which must outlive *ret: pointers point into it).
 * Errors name the offset and field. */
int quote_parse(const uint8_t *data, size_t len, struct quote *ret, struct tdxh_err *e);

/* JSON for `tdxh inspect --json`: kind "quote", version, tee_type,
 * mrseam, td_attributes, xfam, mrtd, mrconfigid, mrowner, mrownerconfig,
 * rtmr0..rtmr3, report_data (lowercase hex) and the rest of the fields. */
int quote_to_json(const struct quote *q, json_object **ret);
