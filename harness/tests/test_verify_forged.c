/* Quote verification with quotes this test signs itself: a throwaway root,
 * intermediate and PCK-like leaf made with OpenSSL, an attestation key, and a
 * real quote's body re-signed. Such a quote must verify only against its own
 * root (--trust-root), never against the pinned Intel root; CRLs, the DEBUG
 * attribute and the header checks are exercised on re-signed variants, where
 * the quote signature stays valid and only the check under test can fail. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "evidence/ecdsa.h"
#include "evidence/verify.h"
#include "forge.h"
#include "testutil.h"

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
