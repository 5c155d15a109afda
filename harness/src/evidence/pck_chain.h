/* The PCK certificate chain carried in a quote (TDX-REFERENCE §6.4, §6.5
 * item 5): PEM parsing, readable summaries, and the Intel SGX extension of
 * the PCK leaf. Chain verification itself is in verify_chain.c. */
#pragma once

#include <json-c/json.h>
#include <openssl/x509.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

static inline void x509_stack_freep(STACK_OF(X509) **s)
{
        if (*s)
                sk_X509_pop_free(*s, X509_free);
}
#define _cleanup_x509_stack_ __attribute__((cleanup(x509_stack_freep)))

static inline void x509_freep(X509 **x)
{
        X509_free(*x);
}
#define _cleanup_x509_ __attribute__((cleanup(x509_freep)))

/* Parses every PEM certificate in pem[0, len) in order (leaf first for a
 * quote). Text between certificates is ignored; a damaged certificate, or no
 * certificate at all, is an error. */
int pem_certs_parse(const char *pem, size_t len, STACK_OF(X509) **ret, struct tdxh_err *e);

/* Reads a PEM file of certificates (a trust root, a TCB signing chain). */
int pem_certs_load(const char *path, STACK_OF(X509) **ret, struct tdxh_err *e);

/* One-line RFC 2253 text of a subject or issuer name, into out. */
void x509_name_text(const X509_NAME *name, char *out, size_t size);

/* The subject's common name (or the whole subject when it has none). */
void x509_subject_cn(const X509 *cert, char *out, size_t size);

/* SHA-256 of the DER SubjectPublicKeyInfo of cert. */
int x509_spki_sha256(const X509 *cert, uint8_t out[32]);

/* JSON array [{subject, issuer, not_before, not_after, spki_sha256}]. */
int pck_chain_to_json(STACK_OF(X509) *chain, json_object **ret);

/* The Intel SGX extension (OID 1.2.840.113741.1.13.1) of a PCK leaf: the
 * fields TCB matching needs. */
struct sgx_pck_ext {
        uint8_t fmspc[6];
        uint8_t pceid[2];
        uint8_t cpusvn[16];      /* the 16 SGX TCB component SVNs */
        uint16_t pcesvn;
};

/* Decodes the extension; -ENOENT when the certificate has none. */
int sgx_pck_ext_parse(const X509 *leaf, struct sgx_pck_ext *ret, struct tdxh_err *e);
