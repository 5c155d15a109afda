/* TCB collateral: TCB Info and QE Identity documents signed by a throwaway
 * TCB signing key (signature over the exact member bytes, freshness, match
 * with the PCK certificate and QE report), the TCB status rules, and the
 * pieces under them (member spans, the PCK SGX extension, quote building). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/file.h"
#include "core/hex.h"
#include "evidence/collateral.h"
#include "evidence/collateral_json.h"
#include "evidence/ecdsa.h"
#include "evidence/quote_build.h"
#include "forge.h"
#include "testutil.h"

/* What the throwaway collateral says; zero values give documents that match
 * the forged quote (PCK of FMSPC 00806f050000, PCESVN 11, CPUSVN 07 07 02 02
 * 03 01 00 03; TEE_TCB_SVN 04 01 07: module TDX_01 at SVN 4). */
struct spec {
        const char *fmspc;
        const char *next_update;
        unsigned pcesvn;           /* of the newest platform level */
        const char *module_levels; /* tcbLevels of TDX_01 */
        unsigned qe_prodid;
        bool tamper;
        bool no_pceid;
        bool pretty;
};

static const char sgx_svns[] = "{\"svn\":7},{\"svn\":7},{\"svn\":2},{\"svn\":2},{\"svn\":3},"
                               "{\"svn\":1},{\"svn\":0},{\"svn\":3},{\"svn\":0},{\"svn\":0},"
                               "{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0},"
                               "{\"svn\":0}";
static const char tdx_svns[] = "{\"svn\":4},{\"svn\":1},{\"svn\":7},{\"svn\":0},{\"svn\":0},"
                               "{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0},"
                               "{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0},"
                               "{\"svn\":0}";
static const char zero_svns[] = "{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0},"
                                "{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0},"
                                "{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0},{\"svn\":0},"
                                "{\"svn\":0}";
static const char zero48[] = "000000000000000000000000000000000000000000000000"
                             "000000000000000000000000000000000000000000000000";

/* Writes {"KEY": member, "signature": hex} signed by the TCB key. */
static char *write_signed(const struct pki *p, const char *name, const char *key,
                          const char *member, const struct spec *s)
{
        _cleanup_free_ char *text = NULL;
        uint8_t sig[64];
        char sig_hex[129];
        char *path = NULL;

        ck_assert_int_eq(ecdsa_p256_sign(p->tcb_key, member, strlen(member), sig), 0);
        hex_encode(sig, sizeof(sig), sig_hex);
        ck_assert_int_ge(asprintf(&text, s->pretty ? "{\n  \"%s\" : %s ,\n  \"signature\": \"%s\"\n}\n"
                                                   : "{\"%s\":%s,\"signature\":\"%s\"}",
                                  key, member, sig_hex),
                         0);
        if (s->tamper)
                strstr(text, "\"tcbEvaluationDataNumber\":1")[26] = '2';
        ck_assert_int_ge(asprintf(&path, "%s/%s", p->dir, name), 0);
        ck_assert_int_eq(file_write_atomic(path, text, strlen(text), 0644, NULL), 0);
        return path;
}

static char *write_tcb_info(const struct pki *p, const struct spec *s)
{
        _cleanup_free_ char *m = NULL;

        ck_assert_int_ge(
                asprintf(&m,
                         "{\"id\":\"TDX\",\"version\":3,\"issueDate\":\"2020-01-01T00:00:00Z\","
                         "\"nextUpdate\":\"%s\",\"fmspc\":\"%s\",%s\"tcbType\":0,"
                         "\"tcbEvaluationDataNumber\":1,\"tdxModule\":{\"mrsigner\":\"%s\","
                         "\"attributes\":\"0000000000000000\",\"attributesMask\":"
                         "\"FFFFFFFFFFFFFFFF\"},\"tdxModuleIdentities\":[{\"id\":\"TDX_01\","
                         "\"mrsigner\":\"%s\",\"attributes\":\"0000000000000000\","
                         "\"attributesMask\":\"FFFFFFFFFFFFFFFF\",\"tcbLevels\":%s}],"
                         "\"tcbLevels\":[{\"tcb\":{\"sgxtcbcomponents\":[%s],\"pcesvn\":%u,"
                         "\"tdxtcbcomponents\":[%s]},\"tcbDate\":\"2024-01-01T00:00:00Z\","
                         "\"tcbStatus\":\"UpToDate\"},{\"tcb\":{\"sgxtcbcomponents\":[%s],"
                         "\"pcesvn\":0,\"tdxtcbcomponents\":[%s]},\"tcbDate\":"
                         "\"2018-01-01T00:00:00Z\",\"tcbStatus\":\"OutOfDate\","
                         "\"advisoryIDs\":[\"INTEL-SA-00001\"]}]}",
                         s->next_update ? s->next_update : "2099-01-01T00:00:00Z",
                         s->fmspc ? s->fmspc : "00806F050000",
                         s->no_pceid ? "" : "\"pceId\":\"0000\",", zero48, zero48,
                         s->module_levels ? s->module_levels
                                          : "[{\"tcb\":{\"isvsvn\":4},\"tcbDate\":"
                                            "\"2024-01-01T00:00:00Z\",\"tcbStatus\":"
                                            "\"UpToDate\"}]",
                         sgx_svns, s->pcesvn ? s->pcesvn : 11, tdx_svns, zero_svns, zero_svns),
                0);
        return write_signed(p, "tcb-info.json", "tcbInfo", m, s);
}

/* The TD_QE identity matching the QE report of quote q. */
static char *write_qe_identity(const struct pki *p, const struct quote *q, const struct spec *s)
{
        _cleanup_free_ char *m = NULL;
        struct qe_report_fields f;
        char misc[9], attr[33], signer[65];

        quote_qe_report_fields(q, &f);
        hex_encode(q->qe_report + 16, 4, misc);
        hex_encode(f.attributes, 16, attr);
        hex_encode(f.mrsigner, 32, signer);
        ck_assert_int_ge(
                asprintf(&m,
                         "{\"id\":\"TD_QE\",\"version\":2,\"issueDate\":\"2020-01-01T00:00:00Z\","
                         "\"nextUpdate\":\"2099-01-01T00:00:00Z\",\"tcbEvaluationDataNumber\":1,"
                         "\"miscselect\":\"%s\",\"miscselectMask\":\"FFFFFFFF\","
                         "\"attributes\":\"%s\",\"attributesMask\":"
                         "\"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF\",\"mrsigner\":\"%s\","
                         "\"isvprodid\":%u,\"tcbLevels\":[{\"tcb\":{\"isvsvn\":%u},"
                         "\"tcbDate\":\"2024-01-01T00:00:00Z\",\"tcbStatus\":\"UpToDate\"}]}",
                         misc, attr, signer, s->qe_prodid ? s->qe_prodid : f.isvprodid,
                         f.isvsvn),
                0);
        return write_signed(p, "qe-identity.json", "enclaveIdentity", m,
                            &(struct spec){ .pretty = s->pretty });
}

/* Verifies a forged quote with collateral made from s. */
static void verify_with(const struct pki *p, const struct spec *s, const char *accept,
                        struct verify_result *res)
{
        _cleanup_free_ uint8_t *bytes = NULL;
        _cleanup_free_ char *tcb = NULL, *qe = NULL;
        struct quote q;
        size_t len;

        bytes = forge_quote(p, &(struct forge){ 0 }, &len);
        ck_assert_int_eq(quote_parse(bytes, len, &q, NULL), 0);
        tcb = write_tcb_info(p, s);
        qe = write_qe_identity(p, &q, s);
        const struct verify_opts o = {
                .trust_root = p->root_pem,
                .tcb_info = tcb,
                .qe_identity = qe,
                .tcb_chain = p->tcb_chain_pem,
                .accept_tcb = accept,
        };
        verify_forged(bytes, len, &o, res);
}

START_TEST(test_collateral_up_to_date_platform_passes)
{
        struct pki p = { 0 };

        pki_init(&p);
        for (int pretty = 0; pretty < 2; pretty++) {
                _cleanup_verify_result_ struct verify_result res = VERIFY_RESULT_INIT;

                verify_with(&p, &(struct spec){ .pretty = pretty }, NULL, &res);
                ck_assert_msg(verify_passed(&res), "%s / %s", check(&res, "tcb-info")->detail,
                              check(&res, VERIFY_TCB_STATUS)->detail);
                ck_assert_ptr_nonnull(check(&res, "tcb-signing-chain"));
                ck_assert_ptr_nonnull(check(&res, VERIFY_QE_IDENTITY));
                ck_assert_ptr_nonnull(strstr(check(&res, VERIFY_TCB_STATUS)->detail,
                                             "UpToDate (TCB level of 2024-01-01T00:00:00Z"));
                ck_assert_ptr_nonnull(strstr(check(&res, VERIFY_TCB_STATUS)->detail,
                                             "module TDX_01 isvsvn 4: UpToDate"));
        }
        pki_done(&p);
}
END_TEST

START_TEST(test_collateral_statuses_and_acceptance)
{
        const struct {
                struct spec s;
                const char *accept;
                bool passed;
                const char *detail;
        } cases[] = {
                /* the module is behind: OutOfDate, unless the user accepts it */
                { { .module_levels = "[{\"tcb\":{\"isvsvn\":5},\"tcbDate\":\"2025-01-01T00:00:00Z\","
                                     "\"tcbStatus\":\"UpToDate\"},{\"tcb\":{\"isvsvn\":2},"
                                     "\"tcbDate\":\"2023-01-01T00:00:00Z\",\"tcbStatus\":"
                                     "\"OutOfDate\"}]" },
                  NULL, false, "OutOfDate (TCB level of 2024-01-01T00:00:00Z: UpToDate; module "
                               "TDX_01 isvsvn 4: OutOfDate" },
                { { .module_levels = "[{\"tcb\":{\"isvsvn\":2},\"tcbDate\":\"2023-01-01T00:00:00Z\","
                                     "\"tcbStatus\":\"OutOfDate\"}]" },
                  "UpToDate,OutOfDate", true, "OutOfDate" },
                /* the PCESVN is below the newest level: the older level applies */
                { { .pcesvn = 12 }, NULL, false,
                  "OutOfDate (TCB level of 2018-01-01T00:00:00Z: OutOfDate INTEL-SA-00001" },
                { { .module_levels = "[{\"tcb\":{\"isvsvn\":9},\"tcbDate\":\"2025-01-01T00:00:00Z\","
                                     "\"tcbStatus\":\"UpToDate\"}]" },
                  NULL, false, "TcbNotSupported" },
        };
        struct pki p = { 0 };

        pki_init(&p);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_verify_result_ struct verify_result res = VERIFY_RESULT_INIT;
                const struct verify_check *c;

                verify_with(&p, &cases[i].s, cases[i].accept, &res);
                c = check(&res, VERIFY_TCB_STATUS);
                ck_assert_msg(c->passed == cases[i].passed && strstr(c->detail, cases[i].detail),
                              "case %zu: %s", i, c->detail);
                ck_assert(check(&res, VERIFY_TCB_INFO)->passed);
        }
        pki_done(&p);
}
END_TEST

START_TEST(test_collateral_document_problems_fail_named_checks)
{
        const struct {
                struct spec s;
                const char *check, *detail;
        } cases[] = {
                { { .tamper = true }, VERIFY_TCB_INFO, "signature does not verify" },
                { { .fmspc = "90C06F000000" }, VERIFY_TCB_INFO,
                  "FMSPC 90c06f000000, the PCK certificate's is 00806f050000" },
                { { .next_update = "2021-01-01T00:00:00Z" }, VERIFY_TCB_INFO,
                  "expired (nextUpdate 2021-01-01T00:00:00Z)" },
                { { .qe_prodid = 3 }, VERIFY_QE_IDENTITY, "QE ISVPRODID 2, expected 3" },
        };
        struct pki p = { 0 };

        pki_init(&p);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_verify_result_ struct verify_result res = VERIFY_RESULT_INIT;
                const struct verify_check *c;

                verify_with(&p, &cases[i].s, NULL, &res);
                c = check(&res, cases[i].check);
                ck_assert_msg(!c->passed && strstr(c->detail, cases[i].detail), "case %zu: %s",
                              i, c->detail);
                c = check(&res, VERIFY_TCB_STATUS);
                ck_assert_msg(!c->passed && strstr(c->detail, "not computed"), "case %zu: %s", i,
                              c->detail);
                ck_assert(check(&res, VERIFY_QUOTE_SIG)->passed);
        }
        pki_done(&p);
}
END_TEST

START_TEST(test_collateral_malformed_document_is_bad_input)
{
        _cleanup_verify_ctx_ struct verify_ctx *ctx = NULL;
        _cleanup_free_ char *tcb = NULL;
        struct tdxh_err e = { 0 };
        struct pki p = { 0 };

        pki_init(&p);
        tcb = write_tcb_info(&p, &(struct spec){ .no_pceid = true });
        const struct verify_opts o = {
                .trust_root = p.root_pem,
                .tcb_info = tcb,
                .tcb_chain = p.tcb_chain_pem,
        };
        ck_assert_int_eq(verify_ctx_new(&o, &ctx, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "tcb-info.json: tcbInfo.pceId: missing"));
        /* no signing chain */
        err_clear(&e);
        ck_assert_int_eq(verify_ctx_new(&(struct verify_opts){ .tcb_info = tcb }, &ctx, &e),
                         -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "--tcb-chain"));
        pki_done(&p);
}
END_TEST

START_TEST(test_tcb_status_rules)
{
        struct tcb_level levels[2] = {
                { .pcesvn = 10, .tdx = { 0, 0, 3 }, .date = "new", .status = "UpToDate" },
                { .pcesvn = 5, .date = "old", .status = "ConfigurationNeeded" },
        };
        struct isv_level mod_levels[] = { { 6, "UpToDate" }, { 2, "OutOfDate" } };
        struct tcb_info t = {
                .levels = levels,
                .n_levels = 2,
                .modules = &(struct module_identity){ .id = "TDX_01",
                                                      .levels = mod_levels,
                                                      .n_levels = 2 },
                .n_modules = 1,
        };
        struct sgx_pck_ext pck = { .pcesvn = 10 };
        struct td_quote_body body = { .tee_tcb_svn = { 6, 1, 3 } };
        char status[TCB_STATUS_LEN], why[256];

        ck_assert_int_eq(tcb_status_compute(&t, &pck, &body, NULL, status, why, sizeof(why)), 0);
        ck_assert_str_eq(status, "UpToDate");
        ck_assert_int_eq(tcb_status_compute(&t, &pck, &body, "OutOfDate", status, why,
                                            sizeof(why)),
                         0);
        ck_assert_str_eq(status, "OutOfDate");
        ck_assert_int_eq(tcb_status_compute(&t, &pck, &body, "Revoked", status, why, sizeof(why)),
                         0);
        ck_assert_str_eq(status, "Revoked");
        /* TDX component 2 below the new level: the old level, ConfigurationNeeded, and an
         * out-of-date module turns it into OutOfDateConfigurationNeeded */
        body.tee_tcb_svn[2] = 2;
        body.tee_tcb_svn[0] = 3;
        ck_assert_int_eq(tcb_status_compute(&t, &pck, &body, NULL, status, why, sizeof(why)), 0);
        ck_assert_str_eq(status, "OutOfDateConfigurationNeeded");
        /* module version 2 has no identity */
        body.tee_tcb_svn[1] = 2;
        ck_assert_int_eq(tcb_status_compute(&t, &pck, &body, NULL, status, why, sizeof(why)), 0);
        ck_assert_str_eq(status, "TdxModuleMismatch");
        ck_assert_ptr_nonnull(strstr(why, "no TDX module identity TDX_02"));
        /* module version 0: components 0 and 1 count, the tdxModule entry is used */
        body.tee_tcb_svn[1] = 0;
        body.tee_tcb_svn[2] = 3;
        ck_assert_int_eq(tcb_status_compute(&t, &pck, &body, NULL, status, why, sizeof(why)), 0);
        ck_assert_str_eq(status, "UpToDate");
        /* PCESVN below every level */
        pck.pcesvn = 4;
        ck_assert_int_eq(tcb_status_compute(&t, &pck, &body, NULL, status, why, sizeof(why)), 0);
        ck_assert_str_eq(status, "TcbNotSupported");
}
END_TEST

START_TEST(test_json_member_span_finds_exact_bytes)
{
        const char *doc = " { \"a\" : [1, {\"x\":\"}\\\"\"}], \"tcbInfo\" :\t{\"k\": [\"]\"]} , "
                          "\"signature\":\"00\" }";
        size_t off, len;

        ck_assert_int_eq(json_member_span(doc, strlen(doc), "tcbInfo", &off, &len), 0);
        ck_assert_int_eq((int)len, 12);
        ck_assert_int_eq(strncmp(doc + off, "{\"k\": [\"]\"]}", len), 0);
        ck_assert_int_eq(json_member_span(doc, strlen(doc), "signature", &off, &len), 0);
        ck_assert_int_eq(strncmp(doc + off, "\"00\"", len), 0);
        ck_assert_int_eq(json_member_span(doc, strlen(doc), "x", &off, &len), -ENOENT);
        ck_assert_int_eq(json_member_span("[1]", 3, "x", &off, &len), -EINVAL);
        ck_assert_int_eq(json_member_span("{\"x\":{", 6, "x", &off, &len), -EINVAL);
}
END_TEST

START_TEST(test_pck_extension_of_real_leaves)
{
        static const struct {
                const char *quote, *fmspc, *cpusvn;
                unsigned pcesvn;
        } want[] = {
                { "go-tdx-guest/ccel/cos-113-tdx-quote.dat", "00806f050000",
                  "07070202030100030000000000000000", 11 },
                { "go-tdx-guest/quote_v5_sample.dat", "90c06f000000", NULL, 0 },
        };

        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                _cleanup_free_ char *path = fixture_path(want[i].quote);
                _cleanup_free_ uint8_t *bytes = NULL;
                _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
                struct sgx_pck_ext x;
                struct quote q;
                char hex[33];
                size_t len;

                bytes = slurp(path, &len);
                ck_assert_int_eq(quote_parse(bytes, len, &q, NULL), 0);
                ck_assert_int_eq(pem_certs_parse(q.pck_chain_pem, q.pck_chain_pem_len, &chain,
                                                 NULL),
                                 0);
                ck_assert_int_eq(sgx_pck_ext_parse(sk_X509_value(chain, 0), &x, NULL), 0);
                hex_encode(x.fmspc, 6, hex);
                ck_assert_str_eq(hex, want[i].fmspc);
                ck_assert_uint_eq(x.pceid[0] | x.pceid[1], 0);
                if (want[i].cpusvn) {
                        hex_encode(x.cpusvn, 16, hex);
                        ck_assert_str_eq(hex, want[i].cpusvn);
                        ck_assert_uint_eq(x.pcesvn, want[i].pcesvn);
                }
                /* the root has no such extension */
                ck_assert_int_eq(sgx_pck_ext_parse(sk_X509_value(chain, 2), &x, NULL), -ENOENT);
        }
}
END_TEST

START_TEST(test_quote_build_v5_round_trips)
{
        _cleanup_free_ uint8_t *bytes = NULL, *v5 = NULL;
        _cleanup_free_ char *path = fixture_path("go-tdx-guest/quote_v5_sample.dat");
        struct pki p = { 0 };
        struct quote q, back;
        size_t len, v5_len;

        pki_init(&p);
        bytes = slurp(path, &len);
        ck_assert_int_eq(quote_parse(bytes, len, &q, NULL), 0);
        const struct quote_build b = {
                .version = 5,
                .user_data = q.user_data,
                .body = &q.body,
                .att_key = p.att_key,
                .qe_report = q.qe_report,
                .pck_key = p.leaf_key,
                .qe_auth_data = q.qe_auth_data,
                .qe_auth_data_len = q.qe_auth_data_len,
                .pck_chain_pem = p.chain_pem,
                .pck_chain_pem_len = strlen(p.chain_pem),
        };
        ck_assert_int_eq(quote_build(&b, &v5, &v5_len), 0);
        ck_assert_int_eq(quote_parse(v5, v5_len, &back, NULL), 0);
        ck_assert_uint_eq(back.body_type, 3);
        ck_assert_uint_eq(back.signed_len, 702);
        ck_assert_mem_eq(&back.body, &q.body, sizeof(q.body));
        ck_assert_mem_eq(v5, bytes, 702 - 648); /* same header */
        {
                _cleanup_verify_result_ struct verify_result res = VERIFY_RESULT_INIT;

                verify_forged(v5, v5_len, &(struct verify_opts){ .trust_root = p.root_pem },
                              &res);
                ck_assert(verify_passed(&res));
        }
        pki_done(&p);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("collateral");
        TCase *tc = tcase_create("collateral");

        tcase_add_test(tc, test_collateral_up_to_date_platform_passes);
        tcase_add_test(tc, test_collateral_statuses_and_acceptance);
        tcase_add_test(tc, test_collateral_document_problems_fail_named_checks);
        tcase_add_test(tc, test_collateral_malformed_document_is_bad_input);
        tcase_add_test(tc, test_tcb_status_rules);
        tcase_add_test(tc, test_json_member_span_finds_exact_bytes);
        tcase_add_test(tc, test_pck_extension_of_real_leaves);
        tcase_add_test(tc, test_quote_build_v5_round_trips);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
