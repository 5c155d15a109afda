/* Certificate chain checks for quote verification: trust anchors (the
 * pinned Intel SGX Root CA key or roots from a file), validity time, CRLs.
 * Internal to the evidence module; the public entry is verify.h. */
#pragma once

#include <openssl/x509.h>
#include <stdbool.h>

#include "core/err.h"
#include "evidence/verify.h"

struct chain_trust {
        STACK_OF(X509) *roots; /* from a file; NULL: the pinned Intel root key */
        STACK_OF(X509_CRL) *crls; /* NULL or empty: no revocation checks */
        enum verify_time_mode time_mode;
        time_t at;
};

/* Loads the trust root file and the CRL files named by o. */
int chain_trust_load(struct chain_trust *t, const struct verify_opts *o, struct tdxh_err *e);
void chain_trust_done(struct chain_trust *t);

/* Verifies chain (leaf first; the rest are candidates for the path) and
 * appends the check `name`, and the check `crl_name` when CRLs were loaded
 * and crl_name is not NULL. pck_profile adds the Intel PCK naming rule (the leaf's CN
 * names an SGX PCK certificate) when the Intel root is the anchor.
 * *ret_passed (optional) says whether the chain (and CRL) checks passed.
 * 0 or -ENOMEM. */
int chain_verify(const struct chain_trust *t, STACK_OF(X509) *chain, const char *name,
                 bool pck_profile, const char *crl_name, struct verify_result *res,
                 bool *ret_passed);
