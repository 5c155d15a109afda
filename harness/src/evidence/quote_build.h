/* Writing and signing TDX quotes (v4, or v5 with a TDX 1.0 or 1.5 body): the
 * inverse of quote_parse(). The harness signs quotes only with keys whose
 * chains end in a throwaway root (tests, the fake platform); such quotes can
 * never verify against the pinned Intel root. */
#pragma once

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evidence/quote.h"

struct quote_build {
        uint16_t version;              /* 4 or 5 */
        uint16_t att_key_type;         /* 0: 2 (ECDSA P-256) */
        uint32_t tee_type;             /* 0: 0x81 (TDX) */
        const uint8_t *qe_vendor_id;   /* 16 bytes; NULL: Intel's */
        const uint8_t *user_data;      /* 20 bytes; NULL: zeros */
        const struct td_quote_body *body; /* has_v15 selects body type 3 (v5 only) */
        EVP_PKEY *att_key;             /* EC P-256 private key: signs header and body */
        const uint8_t *qe_report;      /* 384-byte QE report template; NULL: zeros */
        bool keep_qe_report_data;      /* false: set report_data to the binding hash */
        EVP_PKEY *pck_key;             /* EC P-256 private key: signs the QE report */
        const uint8_t *qe_auth_data;
        uint16_t qe_auth_data_len;
        const char *pck_chain_pem;     /* PEM, leaf first */
        size_t pck_chain_pem_len;
};

/* Serialises and signs; *ret is a new buffer of *ret_len bytes. 0, -EINVAL
 * for unusable parameters, -ENOMEM. */
int quote_build(const struct quote_build *b, uint8_t **ret, size_t *ret_len);
