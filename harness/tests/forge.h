/* Throwaway PKI and signed test quotes for the verification tests: a root,
 * an intermediate and a PCK-like leaf made with the fake PKI's certificate
 * maker (fakes/fake_pki.h; the leaf carries the SGX extension of a real PCK
 * certificate, so TCB matching works against real collateral values), an
 * attestation key and a TCB signing certificate; quotes are the body of a
 * real quote re-signed with these keys. */
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evidence/verify.h"

#define LEAF_SERIAL 1001

struct pki {
        EVP_PKEY *root_key, *inter_key, *leaf_key, *att_key;
        X509 *root, *inter, *leaf;
        char *dir;
        char *root_pem;  /* path of the root certificate */
        char *chain_pem; /* leaf || intermediate || root as text */
        EVP_PKEY *tcb_key;  /* the TCB signing key ... */
        X509 *tcb_signer;   /* ... and its certificate, issued by the root */
        char *tcb_chain_pem; /* path of tcb_signer || root */
};

/* Makes the keys and certificates and writes root.pem and tcb-chain.pem into
 * a new temporary directory p->dir. */
void pki_init(struct pki *p);
void pki_done(struct pki *p);

/* Options for editing the quote before it is signed. */
struct forge {
        uint16_t att_key_type; /* 0: keep */
        bool debug;
        bool vendor_zero;
        bool qe_report_data_upper; /* a non-zero byte in QE report_data[32:64] */
};

/* The v4 fixture quote's body and QE report, re-signed with p's keys. */
uint8_t *forge_quote(const struct pki *p, const struct forge *f, size_t *ret_len);

/* Parses bytes and verifies it with o into res (assertions on failure). */
void verify_forged(const uint8_t *bytes, size_t len, const struct verify_opts *o,
                   struct verify_result *res);

/* The check of that name (asserted to exist). */
const struct verify_check *check(const struct verify_result *res, const char *name);

/* Every check passed but the one named (which failed). */
void assert_only_failure(const struct verify_result *res, const char *name);

/* Writes a CRL by issuer into p->dir/name, revoking serial `revoked` (0: none). */
char *write_crl(const struct pki *p, X509 *issuer, EVP_PKEY *key, long revoked,
                const char *name);
