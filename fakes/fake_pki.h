/* The fake platform's throwaway PKI: what stands in for Intel's PCK
 * certificate hierarchy when the fake quote service signs quotes. A root CA,
 * an intermediate and a PCK-like leaf, all EC P-256 and made with OpenSSL,
 * and a separate attestation key (the key a TD quoting enclave would hold).
 * The leaf carries an SGX extension (OID 1.2.840.113741.1.13.1) built from
 * the documented layout with fake values, so the verifier's PCK parsing and
 * TCB matching run on it as on a real PCK certificate. Every subject name
 * says FAKE and "not Intel", and no such chain can reach Intel's pinned root.
 *
 * A PKI is made once per run (fake_pki_new), saved into a directory
 * (fake_pki_save: certificates 0644, the two signing keys 0600) and loaded
 * back by the process that signs (fake_pki_load). The root and intermediate
 * keys are never written: once the creating process is gone nobody can
 * issue another certificate under the root. */
#pragma once

#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "evidence/pck_chain.h"

#define FAKE_PKI_ROOT_CN "tdxh FAKE root CA - not Intel"
#define FAKE_PKI_INTER_CN "tdxh FAKE PCK platform CA - not Intel"
#define FAKE_PKI_LEAF_CN "tdxh FAKE PCK certificate - not Intel"

/* Files of a saved PKI, relative to its directory. The root is what users
 * pass to `tdxh verify --trust-root`. */
#define FAKE_PKI_ROOT_FILE "fake-root.pem"      /* root certificate, 0644 */
#define FAKE_PKI_CHAIN_FILE "fake-chain.pem"    /* leaf, intermediate, root; 0644 */
#define FAKE_PKI_PCK_KEY_FILE "fake-pck-key.pem" /* leaf key (signs QE reports), 0600 */
#define FAKE_PKI_ATT_KEY_FILE "fake-att-key.pem" /* attestation key (signs quotes), 0600 */

/* The SGX extension values of the fake PCK leaf: FMSPC fa4efa4efa4e and
 * PCEID fa4e ("fake" as far as hex allows; real FMSPCs and PCEID 0000 look
 * nothing like it), all sixteen SGX TCB components and PCESVN zero. */
extern const struct sgx_pck_ext fake_pki_sgx_ext;

struct fake_pki {
        EVP_PKEY *root_key, *inter_key; /* set by fake_pki_new() only; NULL once loaded */
        EVP_PKEY *leaf_key;             /* the PCK leaf's key: signs the QE report */
        EVP_PKEY *att_key;              /* the attestation key: signs the quote */
        X509 *root, *inter, *leaf;
        char *chain_pem;                /* leaf || intermediate || root, NUL-terminated */
        size_t chain_pem_len;           /* strlen(chain_pem) */
};

/* One certificate, for fake_pki_cert_new(). */
struct fake_cert_spec {
        const char *cn;              /* subject common name */
        EVP_PKEY *key;               /* the subject's key pair */
        X509 *issuer;                /* NULL: self-signed */
        EVP_PKEY *issuer_key;        /* the issuer's private key; ignored when self-signed */
        bool ca;                     /* CA (keyCertSign, cRLSign) or end entity (digitalSignature) */
        uint64_t serial;             /* 0: 63 random bits */
        const X509_EXTENSION *extra; /* one more extension (the SGX one), or NULL */
};

/* Issues a v3 certificate valid from an hour ago for 365 days, signed with
 * ECDSA-SHA256: basic constraints and key usage (critical), subject key id,
 * and authority key id when not self-signed. *ret is owned by the caller.
 * 0, -EINVAL (no key, no CN), -ENOMEM or -EIO (OpenSSL refused). */
int fake_pki_cert_new(const struct fake_cert_spec *s, X509 **ret);

/* The SGX extension of a PCK certificate (Intel SGX PCK Certificate and CRL
 * Profile Specification §1.3.5) holding x: PPID (16 bytes spelling FAKE),
 * TCB (components 1-16, PCESVN, CPUSVN), PCE-ID, FMSPC, SGX type 0
 * (standard). Non-critical, like Intel's. */
int fake_pki_sgx_ext_new(const struct sgx_pck_ext *x, X509_EXTENSION **ret);

/* The PEM text of n certificates in order; *ret is NUL-terminated, owned by
 * the caller. */
int fake_pki_certs_pem(X509 *const *certs, size_t n, char **ret, size_t *ret_len);

/* Makes a new PKI in memory: fresh keys, the three certificates (random
 * serials, the leaf with fake_pki_sgx_ext) and the chain text. */
int fake_pki_new(struct fake_pki **ret, struct tdxh_err *e);

/* Writes the root certificate as PEM to path (atomically, 0644). */
int fake_pki_write_root(const struct fake_pki *p, const char *path, struct tdxh_err *e);

/* Writes the FAKE_PKI_*_FILE files into dir, creating dir (0700) when it
 * does not exist. Errors name the file. */
int fake_pki_save(const struct fake_pki *p, const char *dir, struct tdxh_err *e);

/* Loads what fake_pki_save() wrote, and refuses what cannot be used or
 * trusted: a missing or damaged file, a key readable by group or others, a
 * chain that is not leaf -> intermediate -> root by signature, a root that
 * differs from FAKE_PKI_ROOT_FILE, a leaf key that is not the leaf's, keys
 * that are not EC P-256. Errors name the file. */
int fake_pki_load(const char *dir, struct fake_pki **ret, struct tdxh_err *e);

void fake_pki_free(struct fake_pki *p);
static inline void fake_pki_freep(struct fake_pki **p)
{
        fake_pki_free(*p);
}
#define _cleanup_fake_pki_ __attribute__((cleanup(fake_pki_freep)))
