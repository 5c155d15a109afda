/* Quote verification with quotes this test signs itself: a throwaway root,
 * intermediate and PCK-like leaf made with OpenSSL, an attestation key, and a
 * real quote's body re-signed. Such a quote must verify only against its own
 * root (--trust-root), never against the pinned Intel root; CRLs, the DEBUG
 * attribute and the header checks are exercised on re-signed variants, where
 * the quote signature stays valid and only the check under test can fail. */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/file.h"
#include "evidence/ecdsa.h"
#include "evidence/pck_chain.h"
#include "evidence/verify.h"
#include "testutil.h"

#define LEAF_SERIAL 1001

struct pki {
        EVP_PKEY *root_key, *inter_key, *leaf_key, *att_key;
        X509 *root, *inter, *leaf;
        char *dir;
        char *root_pem;  /* path of the root certificate */
        char *chain_pem; /* leaf || intermediate || root as text */
};

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
        X509V3_CTX ctx;
        X509_EXTENSION *ext;

        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
        ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
        ck_assert_ptr_nonnull(ext);
        ck_assert_int_eq(X509_add_ext(x, ext, -1), 1);
        X509_EXTENSION_free(ext);
}

static X509 *make_cert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *issuer_key,
                       bool ca, long serial)
{
        X509 *x = X509_new();
        X509_NAME *name = X509_NAME_new();

        ck_assert(x && name);
        ck_assert_int_eq(X509_set_version(x, 2), 1);
        ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
        X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1,
                                   0);
        X509_set_subject_name(x, name);
        X509_set_issuer_name(x, issuer ? X509_get_subject_name(issuer) : name);
        X509_NAME_free(name);
        X509_gmtime_adj(X509_getm_notBefore(x), -3600);
        X509_gmtime_adj(X509_getm_notAfter(x), 3600L * 24 * 365);
        ck_assert_int_eq(X509_set_pubkey(x, key), 1);
        issuer = issuer ? issuer : x;
        add_ext(x, issuer, NID_basic_constraints, ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
        add_ext(x, issuer, NID_key_usage,
                ca ? "critical,keyCertSign,cRLSign" : "critical,digitalSignature");
        add_ext(x, issuer, NID_subject_key_identifier, "hash");
        if (issuer != x)
                add_ext(x, issuer, NID_authority_key_identifier, "keyid");
        ck_assert_int_gt(X509_sign(x, issuer_key ? issuer_key : key, EVP_sha256()), 0);
        return x;
}

static char *cert_pem(X509 *x)
{
        BIO *bio = BIO_new(BIO_s_mem());
        char *data, *copy;
        long n;

        ck_assert_int_eq(PEM_write_bio_X509(bio, x), 1);
        n = BIO_get_mem_data(bio, &data);
        copy = strndup(data, (size_t)n);
        BIO_free(bio);
        return copy;
}

static void pki_init(struct pki *p)
{
        _cleanup_free_ char *leaf = NULL, *inter = NULL, *root = NULL;

        p->root_key = EVP_EC_gen("P-256");
        p->inter_key = EVP_EC_gen("P-256");
        p->leaf_key = EVP_EC_gen("P-256");
        p->att_key = EVP_EC_gen("P-256");
        ck_assert(p->root_key && p->inter_key && p->leaf_key && p->att_key);
        p->root = make_cert("Throwaway Root CA", p->root_key, NULL, NULL, true, 1);
        p->inter = make_cert("Throwaway PCK Platform CA", p->inter_key, p->root, p->root_key,
                             true, 2);
        p->leaf = make_cert("Throwaway SGX PCK Certificate", p->leaf_key, p->inter,
                            p->inter_key, false, LEAF_SERIAL);
        leaf = cert_pem(p->leaf);
        inter = cert_pem(p->inter);
        root = cert_pem(p->root);
        ck_assert_int_ge(asprintf(&p->chain_pem, "%s%s%s", leaf, inter, root), 0);
        p->dir = tmpdir_make();
        ck_assert_int_ge(asprintf(&p->root_pem, "%s/root.pem", p->dir), 0);
        ck_assert_int_eq(file_write_atomic(p->root_pem, root, strlen(root), 0644, NULL), 0);
}

static void pki_done(struct pki *p)
{
        EVP_PKEY_free(p->root_key);
        EVP_PKEY_free(p->inter_key);
        EVP_PKEY_free(p->leaf_key);
        EVP_PKEY_free(p->att_key);
        X509_free(p->root);
        X509_free(p->inter);
        X509_free(p->leaf);
        free(p->root_pem);
        free(p->chain_pem);
        tmpdir_remove(p->dir);
}

/* Options for editing the quote before it is signed. */
struct forge {
        uint16_t att_key_type; /* 0: keep */
        bool debug;
        bool vendor_zero;
        bool qe_report_data_upper; /* a non-zero byte in QE report_data[32:64] */
};

/* Signs a copy of the real v4 quote with the throwaway keys. */
static uint8_t *forge_quote(const struct pki *p, const struct forge *f, size_t *ret_len)
{
        _cleanup_free_ uint8_t *orig = NULL;
        _cleanup_free_ char *path = fixture_path("go-tdx-guest/ccel/cos-113-tdx-quote.dat");
        struct buf b = BUF_INIT;
        uint8_t auth[32], att_xy[64], qe_report[384], h[32], key_auth[96];
        size_t len, pem_len = strlen(p->chain_pem), cert_len;
        struct quote q;

        orig = slurp(path, &len);
        ck_assert_int_eq(quote_parse(orig, len, &q, NULL), 0);
        memset(auth, 0xa5, sizeof(auth));
        ck_assert_int_eq(ecdsa_p256_key_to_raw(p->att_key, att_xy), 0);
        memcpy(qe_report, q.qe_report, sizeof(qe_report));
        memcpy(key_auth, att_xy, 64);
        memcpy(key_auth + 64, auth, 32);
        ck_assert_int_eq(digest_buf(DIGEST_SHA256, key_auth, sizeof(key_auth), h), 0);
        memcpy(qe_report + 320, h, 32);
        memset(qe_report + 352, 0, 32);
        if (f->qe_report_data_upper)
                qe_report[383] = 1;

        ck_assert_int_eq(buf_append(&b, orig, q.signed_len), 0);
        if (f->att_key_type)
                b.data[2] = (char)f->att_key_type;
        if (f->debug)
                b.data[48 + 120] |= 1;
        if (f->vendor_zero)
                memset(b.data + 12, 0, 16);
        cert_len = 384 + 64 + 2 + sizeof(auth) + 6 + pem_len;
        ck_assert_int_eq(buf_put_le32(&b, (uint32_t)(134 + cert_len)), 0);
        ck_assert_int_eq(buf_append(&b, (uint8_t[64]){ 0 }, 64), 0); /* signature, below */
        ck_assert_int_eq(buf_append(&b, att_xy, 64), 0);
        ck_assert_int_eq(buf_put_le16(&b, 6), 0);
        ck_assert_int_eq(buf_put_le32(&b, (uint32_t)cert_len), 0);
        ck_assert_int_eq(buf_append(&b, qe_report, sizeof(qe_report)), 0);
        ck_assert_int_eq(ecdsa_p256_sign(p->leaf_key, qe_report, sizeof(qe_report),
                                         (uint8_t *)b.data + b.len),
                         0);
        b.len += 64;
        ck_assert_int_eq(buf_put_le16(&b, sizeof(auth)), 0);
        ck_assert_int_eq(buf_append(&b, auth, sizeof(auth)), 0);
        ck_assert_int_eq(buf_put_le16(&b, 5), 0);
        ck_assert_int_eq(buf_put_le32(&b, (uint32_t)pem_len), 0);
        ck_assert_int_eq(buf_append(&b, p->chain_pem, pem_len), 0);
        ck_assert_int_eq(ecdsa_p256_sign(p->att_key, b.data, q.signed_len,
                                         (uint8_t *)b.data + q.signed_len + 4),
                         0);
        return (uint8_t *)buf_detach(&b, ret_len);
}

/* Verifies a forged quote with opts and returns the result. */
static void verify_forged(const uint8_t *bytes, size_t len, const struct verify_opts *o,
                          struct verify_result *res)
{
        _cleanup_verify_ctx_ struct verify_ctx *ctx = NULL;
        struct tdxh_err e = { 0 };
        struct quote q;

        ck_assert_msg(quote_parse(bytes, len, &q, &e) == 0, "%s", e.msg);
        ck_assert_msg(verify_ctx_new(o, &ctx, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(verify_quote(ctx, &q, res), 0);
}

static const struct verify_check *check(const struct verify_result *res, const char *name)
{
        const struct verify_check *c = verify_find(res, name);

        ck_assert_msg(c != NULL, "no check %s", name);
        return c;
}

/* Every check passed but the one named (which failed). */
static void assert_only_failure(const struct verify_result *res, const char *name)
{
        for (size_t i = 0; i < res->n_checks; i++) {
                const struct verify_check *c = &res->checks[i];
                bool want = strcmp(c->name, name) != 0;

                ck_assert_msg(c->passed == want, "%s %s: %s", c->name,
                              c->passed ? "passed" : "failed", c->detail);
        }
        check(res, name);
}

START_TEST(test_forged_quote_verifies_only_with_its_own_root)
{
        _cleanup_verify_result_ struct verify_result pinned = VERIFY_RESULT_INIT;
        _cleanup_verify_result_ struct verify_result own = VERIFY_RESULT_INIT;
        _cleanup_free_ uint8_t *bytes = NULL;
        struct pki p = { 0 };
        size_t len;

        pki_init(&p);
        bytes = forge_quote(&p, &(struct forge){ 0 }, &len);
        verify_forged(bytes, len, &(struct verify_opts){ 0 }, &pinned);
        assert_only_failure(&pinned, VERIFY_PCK_CHAIN);
        ck_assert_ptr_nonnull(strstr(check(&pinned, VERIFY_PCK_CHAIN)->detail,
                                     "no certificate in the chain has the Intel SGX Root CA "
                                     "key; the chain ends at 'Throwaway Root CA'"));
        verify_forged(bytes, len, &(struct verify_opts){ .trust_root = p.root_pem }, &own);
        ck_assert_msg(verify_passed(&own), "%s", check(&own, VERIFY_PCK_CHAIN)->detail);
        pki_done(&p);
}
END_TEST

START_TEST(test_forged_quote_fails_against_another_root)
{
        _cleanup_verify_result_ struct verify_result res = VERIFY_RESULT_INIT;
        _cleanup_free_ uint8_t *bytes = NULL;
        struct pki p = { 0 }, other = { 0 };
        size_t len;

        pki_init(&p);
        pki_init(&other);
        bytes = forge_quote(&p, &(struct forge){ 0 }, &len);
        verify_forged(bytes, len, &(struct verify_opts){ .trust_root = other.root_pem }, &res);
        assert_only_failure(&res, VERIFY_PCK_CHAIN);
        pki_done(&p);
        pki_done(&other);
}
END_TEST

START_TEST(test_cli_forged_quote_needs_trust_root)
{
        _cleanup_free_ uint8_t *bytes = NULL;
        _cleanup_free_ char *path = NULL;
        struct pki p = { 0 };
        struct run_result r;
        size_t len;

        pki_init(&p);
        bytes = forge_quote(&p, &(struct forge){ 0 }, &len);
        ck_assert_int_ge(asprintf(&path, "%s/forged.dat", p.dir), 0);
        ck_assert_int_eq(file_write_atomic(path, bytes, len, 0644, NULL), 0);
        run_tdxh(&r, (const char *[]){ "verify", "--quote", path, "--trust-root", p.root_pem,
                                       NULL });
        ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.out);
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ "verify", "--quote", path, NULL });
        ck_assert_int_eq(r.status, 1);
        ck_assert_ptr_nonnull(strstr(r.out, "FAIL pck-chain: no certificate in the chain"));
        ck_assert_ptr_nonnull(strstr(r.out, "PASS quote-signature"));
        run_result_free(&r);
        pki_done(&p);
}
END_TEST

static char *write_crl(const struct pki *p, X509 *issuer, EVP_PKEY *key, long revoked,
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

START_TEST(test_forged_quote_crl_checks)
{
        _cleanup_free_ uint8_t *bytes = NULL;
        _cleanup_free_ char *root_crl = NULL, *clean = NULL, *revoking = NULL;
        struct pki p = { 0 };
        size_t len;

        pki_init(&p);
        bytes = forge_quote(&p, &(struct forge){ 0 }, &len);
        root_crl = write_crl(&p, p.root, p.root_key, 0, "root.crl");
        clean = write_crl(&p, p.inter, p.inter_key, 0, "pck-clean.crl");
        revoking = write_crl(&p, p.inter, p.inter_key, LEAF_SERIAL, "pck-revoking.crl");
        const struct {
                const char *crls[2];
                size_t n;
                bool passed;
                const char *detail;
        } cases[] = {
                { { root_crl, clean }, 2, true, "no certificate of the chain is revoked" },
                { { root_crl, revoking }, 2, false, "certificate revoked at depth 0" },
                { { clean }, 1, false, "unable to get certificate CRL at depth 1" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_verify_result_ struct verify_result res = VERIFY_RESULT_INIT;
                const struct verify_opts o = {
                        .trust_root = p.root_pem,
                        .crls = cases[i].crls,
                        .n_crls = cases[i].n,
                };

                verify_forged(bytes, len, &o, &res);
                ck_assert_msg(check(&res, VERIFY_CRL)->passed == cases[i].passed, "case %zu: %s",
                              i, check(&res, VERIFY_CRL)->detail);
                ck_assert_msg(strstr(check(&res, VERIFY_CRL)->detail, cases[i].detail),
                              "case %zu: %s", i, check(&res, VERIFY_CRL)->detail);
                ck_assert(check(&res, VERIFY_PCK_CHAIN)->passed);
        }
        pki_done(&p);
}
END_TEST

START_TEST(test_forged_quote_header_and_policy_checks)
{
        const struct {
                struct forge f;
                const char *fails;
        } cases[] = {
                { { .att_key_type = 3 }, VERIFY_ATT_KEY_TYPE },
                { { .vendor_zero = true }, VERIFY_QE_VENDOR },
                { { .debug = true }, VERIFY_DEBUG },
                { { .qe_report_data_upper = true }, VERIFY_QE_BINDING },
        };
        struct pki p = { 0 };

        pki_init(&p);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_verify_result_ struct verify_result res = VERIFY_RESULT_INIT;
                _cleanup_free_ uint8_t *bytes = NULL;
                size_t len;

                bytes = forge_quote(&p, &cases[i].f, &len);
                verify_forged(bytes, len, &(struct verify_opts){ .trust_root = p.root_pem },
                              &res);
                assert_only_failure(&res, cases[i].fails);
        }
        {
                /* --allow-debug drops the check */
                _cleanup_verify_result_ struct verify_result res = VERIFY_RESULT_INIT;
                _cleanup_free_ uint8_t *bytes = NULL;
                size_t len;

                bytes = forge_quote(&p, &(struct forge){ .debug = true }, &len);
                verify_forged(bytes, len,
                              &(struct verify_opts){ .trust_root = p.root_pem,
                                                     .allow_debug = true },
                              &res);
                ck_assert(verify_passed(&res));
                ck_assert_ptr_null(verify_find(&res, VERIFY_DEBUG));
        }
        pki_done(&p);
}
END_TEST

START_TEST(test_ecdsa_rejects_point_off_curve)
{
        uint8_t xy[64];
        EVP_PKEY *key = NULL;

        memset(xy, 0x11, sizeof(xy));
        ck_assert_int_eq(ecdsa_p256_key_from_raw(xy, &key), -EINVAL);
        ck_assert_ptr_null(key);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("verify_forged");
        TCase *tc = tcase_create("verify_forged");

        tcase_add_test(tc, test_forged_quote_verifies_only_with_its_own_root);
        tcase_add_test(tc, test_forged_quote_fails_against_another_root);
        tcase_add_test(tc, test_cli_forged_quote_needs_trust_root);
        tcase_add_test(tc, test_forged_quote_crl_checks);
        tcase_add_test(tc, test_forged_quote_header_and_policy_checks);
        tcase_add_test(tc, test_ecdsa_rejects_point_off_curve);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
