/* Throwaway PKI and signed test quotes; see forge.h. */
#include "forge.h"

#include <errno.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/digest.h"
#include "core/file.h"
#include "evidence/ecdsa.h"
#include "evidence/pck_chain.h"
#include "evidence/quote_build.h"
#include "fakes/fake_pki.h"
#include "testutil.h"

/* A certificate made by the fake PKI's certificate maker (fakes/fake_pki.h),
 * with the fixed serials the CRL tests revoke by. */
static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                       bool ca, long serial, X509_EXTENSION *extra)
{
        const struct fake_cert_spec spec = {
                .cn = cn,
                .key = key,
                .issuer = issuer,
                .issuer_key = issuer_key,
                .ca = ca,
                .serial = (uint64_t)serial,
                .extra = extra,
        };
        X509 *x = NULL;

        ck_assert_int_eq(fake_pki_cert_new(&spec, &x), 0);
        return x;
}

static char *cert_pem(X509 *x)
{
        char *pem = NULL;
        size_t len;

        ck_assert_int_eq(fake_pki_certs_pem(&x, 1, &pem, &len), 0);
        return pem;
}

/* The SGX extension of the real PCK certificate in the v4 fixture quote. */
static X509_EXTENSION *real_sgx_extension(void)
{
        _cleanup_free_ char *path = fixture_path("go-tdx-guest/ccel/cos-113-tdx-quote.dat");
        _cleanup_free_ uint8_t *bytes = NULL;
        STACK_OF(X509) *chain = NULL;
        X509_EXTENSION *ext;
        ASN1_OBJECT *oid;
        struct quote q;
        size_t len;
        int idx;

        bytes = slurp(path, &len);
        ck_assert_int_eq(quote_parse(bytes, len, &q, NULL), 0);
        ck_assert_int_eq(pem_certs_parse(q.pck_chain_pem, q.pck_chain_pem_len, &chain, NULL), 0);
        oid = OBJ_txt2obj("1.2.840.113741.1.13.1", 1);
        idx = X509_get_ext_by_OBJ(sk_X509_value(chain, 0), oid, -1);
        ck_assert_int_ge(idx, 0);
        ext = X509_EXTENSION_dup(X509_get_ext(sk_X509_value(chain, 0), idx));
        ASN1_OBJECT_free(oid);
        sk_X509_pop_free(chain, X509_free);
        return ext;
}

static char *write_pem(const struct pki *p, const char *name, const char *text)
{
        char *path = NULL;

        ck_assert_int_ge(asprintf(&path, "%s/%s", p->dir, name), 0);
        ck_assert_int_eq(file_write_atomic(path, text, strlen(text), 0644, NULL), 0);
        return path;
}

void pki_init(struct pki *p)
{
        _cleanup_free_ char *leaf = NULL, *inter = NULL, *root = NULL, *tcb = NULL;
        _cleanup_free_ char *tcb_chain = NULL;
        X509_EXTENSION *sgx = real_sgx_extension();

        p->root_key = EVP_EC_gen("P-256");
        p->inter_key = EVP_EC_gen("P-256");
        p->leaf_key = EVP_EC_gen("P-256");
        p->att_key = EVP_EC_gen("P-256");
        p->tcb_key = EVP_EC_gen("P-256");
        ck_assert(p->root_key && p->inter_key && p->leaf_key && p->att_key && p->tcb_key);
        p->root = make_cert("Throwaway Root CA", p->root_key, NULL, NULL, true, 1, NULL);
        p->inter = make_cert("Throwaway PCK Platform CA", p->inter_key, p->root, p->root_key,
                             true, 2, NULL);
        p->leaf = make_cert("Throwaway SGX PCK Certificate", p->leaf_key, p->inter,
                            p->inter_key, false, LEAF_SERIAL, sgx);
        p->tcb_signer = make_cert("Throwaway TCB Signing", p->tcb_key, p->root, p->root_key,
                                  false, 3, NULL);
        X509_EXTENSION_free(sgx);
        leaf = cert_pem(p->leaf);
        inter = cert_pem(p->inter);
        root = cert_pem(p->root);
        tcb = cert_pem(p->tcb_signer);
        ck_assert_int_ge(asprintf(&p->chain_pem, "%s%s%s", leaf, inter, root), 0);
        ck_assert_int_ge(asprintf(&tcb_chain, "%s%s", tcb, root), 0);
        p->dir = tmpdir_make();
        p->root_pem = write_pem(p, "root.pem", root);
        p->tcb_chain_pem = write_pem(p, "tcb-chain.pem", tcb_chain);
}

void pki_done(struct pki *p)
{
        EVP_PKEY_free(p->root_key);
        EVP_PKEY_free(p->inter_key);
        EVP_PKEY_free(p->leaf_key);
        EVP_PKEY_free(p->att_key);
        EVP_PKEY_free(p->tcb_key);
        X509_free(p->root);
        X509_free(p->inter);
        X509_free(p->leaf);
        X509_free(p->tcb_signer);
        free(p->root_pem);
        free(p->chain_pem);
        free(p->tcb_chain_pem);
        tmpdir_remove(p->dir);
}

/* Signs the body and QE report of the real v4 quote with the throwaway keys. */
uint8_t *forge_quote(const struct pki *p, const struct forge *f, size_t *ret_len)
{
        _cleanup_free_ uint8_t *orig = NULL, *out = NULL;
        _cleanup_free_ char *path = fixture_path("go-tdx-guest/ccel/cos-113-tdx-quote.dat");
        static const uint8_t zero_vendor[16];
        uint8_t auth[32], qe_report[384], key_auth[96];
        struct quote q;
        size_t len;

        orig = slurp(path, &len);
        ck_assert_int_eq(quote_parse(orig, len, &q, NULL), 0);
        memset(auth, 0xa5, sizeof(auth));
        memcpy(qe_report, q.qe_report, sizeof(qe_report));
        if (f->qe_report_data_upper) {
                ck_assert_int_eq(ecdsa_p256_key_to_raw(p->att_key, key_auth), 0);
                memcpy(key_auth + 64, auth, 32);
                ck_assert_int_eq(digest_buf(DIGEST_SHA256, key_auth, sizeof(key_auth),
                                            qe_report + 320),
                                 0);
                memset(qe_report + 352, 0, 32);
                qe_report[383] = 1;
        }
        if (f->debug)
                q.body.td_attributes[0] |= 1;
        const struct quote_build b = {
                .version = 4,
                .att_key_type = f->att_key_type,
                .qe_vendor_id = f->vendor_zero ? zero_vendor : NULL,
                .body = &q.body,
                .att_key = p->att_key,
                .qe_report = qe_report,
                .keep_qe_report_data = f->qe_report_data_upper,
                .pck_key = p->leaf_key,
                .qe_auth_data = auth,
                .qe_auth_data_len = sizeof(auth),
                .pck_chain_pem = p->chain_pem,
                .pck_chain_pem_len = strlen(p->chain_pem),
        };
        ck_assert_int_eq(quote_build(&b, &out, ret_len), 0);
        return TAKE_PTR(out);
}

void verify_forged(const uint8_t *bytes, size_t len, const struct verify_opts *o,
                          struct verify_result *res)
{
        _cleanup_verify_ctx_ struct verify_ctx *ctx = NULL;
        struct tdxh_err e = { 0 };
        struct quote q;

        ck_assert_msg(quote_parse(bytes, len, &q, &e) == 0, "%s", e.msg);
        ck_assert_msg(verify_ctx_new(o, &ctx, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(verify_quote(ctx, &q, res), 0);
}

const struct verify_check *check(const struct verify_result *res, const char *name)
{
        const struct verify_check *c = verify_find(res, name);

        ck_assert_msg(c != NULL, "no check %s", name);
        return c;
}

void assert_only_failure(const struct verify_result *res, const char *name)
{
        for (size_t i = 0; i < res->n_checks; i++) {
                const struct verify_check *c = &res->checks[i];
                bool want = strcmp(c->name, name) != 0;

                ck_assert_msg(c->passed == want, "%s %s: %s", c->name,
                              c->passed ? "passed" : "failed", c->detail);
        }
        check(res, name);
}

char *write_crl(const struct pki *p, X509 *issuer, EVP_PKEY *key, long revoked,
                       const char *name)
{
        X509_CRL *crl = X509_CRL_new();
        ASN1_TIME *t = X509_gmtime_adj(NULL, -60);
        char *path = NULL;
        FILE *f;

        ck_assert(crl && t);
        X509_CRL_set_version(crl, 1);
        X509_CRL_set_issuer_name(crl, X509_get_subject_name(issuer));
        X509_CRL_set1_lastUpdate(crl, t);
        if (revoked) {
                X509_REVOKED *rv = X509_REVOKED_new();
                ASN1_INTEGER *serial = ASN1_INTEGER_new();

                ASN1_INTEGER_set(serial, revoked);
                X509_REVOKED_set_serialNumber(rv, serial);
                X509_REVOKED_set_revocationDate(rv, t);
                ck_assert_int_eq(X509_CRL_add0_revoked(crl, rv), 1);
                ASN1_INTEGER_free(serial);
        }
        X509_gmtime_adj(t, 3600);
        X509_CRL_set1_nextUpdate(crl, t);
        X509_CRL_sort(crl);
        ck_assert_int_gt(X509_CRL_sign(crl, key, EVP_sha256()), 0);
        ck_assert_int_ge(asprintf(&path, "%s/%s", p->dir, name), 0);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(PEM_write_X509_CRL(f, crl), 1);
        fclose(f);
        ASN1_TIME_free(t);
        X509_CRL_free(crl);
        return path;
}

