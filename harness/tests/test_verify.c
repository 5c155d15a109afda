/* Quote verification against Intel's root with the real quotes of the
 * fixtures: they verify; every byte of their signed range, changed, is
 * caught; and `tdxh verify` reports checks, exit codes and bad input as a
 * user sees them. Certificates are checked at a fixed date inside every
 * fixture certificate's validity, so the tests do not age. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/file.h"
#include "core/json_util.h"
#include "evidence/verify.h"
#include "testutil.h"

/* 2026-06-01T00:00:00Z: after the newest PCK leaf's notBefore (2026-04-15),
 * before the first notAfter (2031-07-02). */
#define FIXED_TIME ((time_t)1780272000)
#define FIXED_TIME_ARG "2026-06-01"

static const char *const quotes[] = {
        "go-tdx-guest/ccel/cos-113-tdx-quote.dat",
        "go-tdx-guest/quote_v5_sample.dat",
        "dstack/tdx-lite-getquote.json",
};

static uint8_t *load_quote(const char *rel, size_t *len)
{
        _cleanup_free_ char *path = fixture_path(rel);
        struct tdxh_err e = { 0 };
        uint8_t *bytes = NULL;

        ck_assert_msg(quote_load_file(path, &bytes, len, &e) == 0, "%s", e.msg);
        return bytes;
}

static struct verify_ctx *fixed_time_ctx(void)
{
        const struct verify_opts o = { .time_mode = VERIFY_TIME_AT, .at = FIXED_TIME };
        struct verify_ctx *c = NULL;
        struct tdxh_err e = { 0 };

        ck_assert_msg(verify_ctx_new(&o, &c, &e) == 0, "%s", e.msg);
        return c;
}

static void assert_check(const struct verify_result *res, const char *name, bool passed)
{
        const struct verify_check *c = verify_find(res, name);

        ck_assert_msg(c != NULL, "no check %s", name);
        ck_assert_msg(c->passed == passed, "%s %s: %s", name, c->passed ? "passed" : "failed",
                      c->detail);
}

START_TEST(test_verify_real_quotes_verify_to_intel_root)
{
        _cleanup_verify_ctx_ struct verify_ctx *ctx = fixed_time_ctx();
        _cleanup_verify_result_ struct verify_result res = VERIFY_RESULT_INIT;
        _cleanup_free_ uint8_t *bytes = NULL;
        struct quote q;
        size_t len;

        bytes = load_quote(quotes[_i], &len);
        ck_assert_int_eq(quote_parse(bytes, len, &q, NULL), 0);
        ck_assert_int_eq(verify_quote(ctx, &q, &res), 0);
        for (const char *const *n = (const char *const[]){ VERIFY_ATT_KEY_TYPE, VERIFY_TEE_TYPE,
                                                           VERIFY_QE_VENDOR, VERIFY_QUOTE_SIG,
                                                           VERIFY_QE_BINDING, VERIFY_QE_SIG,
                                                           VERIFY_PCK_CHAIN, VERIFY_DEBUG,
                                                           NULL };
             *n; n++)
                assert_check(&res, *n, true);
        ck_assert(verify_passed(&res));
        ck_assert_ptr_nonnull(strstr(verify_find(&res, VERIFY_PCK_CHAIN)->detail,
                                     "Intel SGX PCK Platform CA -> Intel SGX Root CA"));
}
END_TEST

/* Changes every byte of the signed range in turn (two different bit
 * patterns) and requires the quote signature check to fail, unless the
 * change already makes the quote unparseable. */
START_TEST(test_verify_catches_every_changed_byte_of_signed_range)
{
        _cleanup_verify_ctx_ struct verify_ctx *ctx = fixed_time_ctx();
        _cleanup_free_ uint8_t *bytes = NULL;
        size_t len, parsed = 0, rejected = 0;
        struct quote q;

        bytes = load_quote(quotes[_i], &len);
        ck_assert_int_eq(quote_parse(bytes, len, &q, NULL), 0);
        size_t signed_len = q.signed_len;
        for (size_t i = 0; i < signed_len; i++) {
                for (int pattern = 0; pattern < 2; pattern++) {
                        _cleanup_verify_result_ struct verify_result res = VERIFY_RESULT_INIT;
                        uint8_t mask = pattern ? 0xff : 0x01;

                        bytes[i] ^= mask;
                        if (quote_parse(bytes, len, &q, NULL) < 0) {
                                rejected++;
                        } else {
                                parsed++;
                                ck_assert_int_eq(verify_quote(ctx, &q, &res), 0);
                                ck_assert_msg(!verify_passed(&res), "byte %zu ^ 0x%02x passed",
                                              i, mask);
                                assert_check(&res, VERIFY_QUOTE_SIG, false);
                        }
                        bytes[i] ^= mask;
                }
        }
        /* Nearly all changes parse: the check is the signature, not the parser. */
        ck_assert_uint_gt(parsed, rejected * 10);
}
END_TEST

/* The same for the signature data up to the PEM text: signature, keys, QE
 * report, its signature and the auth data are each caught by a named check. */
START_TEST(test_verify_catches_changes_to_signature_data)
{
        _cleanup_verify_ctx_ struct verify_ctx *ctx = fixed_time_ctx();
        _cleanup_free_ uint8_t *bytes = NULL;
        struct quote q;
        size_t len;

        bytes = load_quote(quotes[0], &len);
        ck_assert_int_eq(quote_parse(bytes, len, &q, NULL), 0);
        size_t start = q.signed_len, end = (size_t)((const uint8_t *)q.pck_chain_pem - bytes);
        for (size_t i = start; i < end; i++) {
                _cleanup_verify_result_ struct verify_result res = VERIFY_RESULT_INIT;

                bytes[i] ^= 0x01;
                if (quote_parse(bytes, len, &q, NULL) == 0) {
                        ck_assert_int_eq(verify_quote(ctx, &q, &res), 0);
                        ck_assert_msg(!verify_passed(&res), "byte %zu passed", i);
                }
                bytes[i] ^= 0x01;
        }
}
END_TEST

START_TEST(test_verify_checks_time_unless_told_not_to)
{
        const struct verify_opts early = { .time_mode = VERIFY_TIME_AT, .at = 1500000000 };
        const struct verify_opts ignore = { .time_mode = VERIFY_TIME_IGNORE, .at = 1500000000 };
        _cleanup_free_ uint8_t *bytes = NULL;
        struct quote q;
        size_t len;

        bytes = load_quote(quotes[1], &len);
        ck_assert_int_eq(quote_parse(bytes, len, &q, NULL), 0);
        for (int i = 0; i < 2; i++) {
                _cleanup_verify_ctx_ struct verify_ctx *ctx = NULL;
                _cleanup_verify_result_ struct verify_result res = VERIFY_RESULT_INIT;

                ck_assert_int_eq(verify_ctx_new(i ? &ignore : &early, &ctx, NULL), 0);
                ck_assert_int_eq(verify_quote(ctx, &q, &res), 0);
                assert_check(&res, VERIFY_PCK_CHAIN, i == 1);
                ck_assert_ptr_nonnull(strstr(verify_find(&res, VERIFY_PCK_CHAIN)->detail,
                                             i ? "NOT checked" : "not yet valid"));
        }
}
END_TEST

START_TEST(test_verify_binds_event_log_registers)
{
        _cleanup_verify_result_ struct verify_result res = VERIFY_RESULT_INIT;
        _cleanup_free_ uint8_t *bytes = NULL;
        uint8_t replayed[4][48];
        struct quote q;
        size_t len;

        bytes = load_quote(quotes[0], &len);
        ck_assert_int_eq(quote_parse(bytes, len, &q, NULL), 0);
        memcpy(replayed, q.body.rtmr, sizeof(replayed));
        ck_assert_int_eq(verify_bind_event_log(&res, &q, (const uint8_t(*)[48])replayed, 0xf), 0);
        assert_check(&res, VERIFY_EVENT_LOG, true);
        verify_result_free(&res);
        replayed[2][47] ^= 1;
        ck_assert_int_eq(verify_bind_event_log(&res, &q, (const uint8_t(*)[48])replayed, 0xf), 0);
        assert_check(&res, VERIFY_EVENT_LOG, false);
        ck_assert_ptr_nonnull(strstr(res.checks[0].detail, "rtmr2 differs; rtmr2: quote has "
                                                           "4969684d"));
        verify_result_free(&res);
        /* RTMR2 not selected: the rest still match */
        ck_assert_int_eq(verify_bind_event_log(&res, &q, (const uint8_t(*)[48])replayed, 0xb), 0);
        assert_check(&res, VERIFY_EVENT_LOG, true);
        verify_result_free(&res);
        /* Two differ: both are shown, each with its two values. */
        replayed[0][0] ^= 1;
        ck_assert_int_eq(verify_bind_event_log(&res, &q, (const uint8_t(*)[48])replayed, 0xf), 0);
        assert_check(&res, VERIFY_EVENT_LOG, false);
        ck_assert_ptr_nonnull(strstr(res.checks[0].detail, "rtmr0, rtmr2 differ; rtmr0: quote has "));
        ck_assert_ptr_nonnull(strstr(res.checks[0].detail, "; rtmr2: quote has 4969684d"));
}
END_TEST

START_TEST(test_verify_result_renderings)
{
        _cleanup_verify_result_ struct verify_result res = VERIFY_RESULT_INIT;
        _cleanup_json_ json_object *o = NULL;
        _cleanup_buf_ struct buf text = BUF_INIT;
        json_object *v;

        ck_assert(!verify_passed(&res)); /* nothing checked is not a pass */
        ck_assert_int_eq(verify_add(&res, "a", true, "%s", ""), 0);
        ck_assert_int_eq(verify_add(&res, "b", false, "expected %d got %d\nsecond line", 1, 2),
                         0);
        ck_assert_int_eq(verify_result_format(&res, &text), 0);
        ck_assert_str_eq(text.data, "PASS a\nFAIL b: expected 1 got 2 second line\n"
                                    "verdict: fail\n");
        ck_assert_int_eq(verify_result_to_json(&res, &o), 0);
        ck_assert(json_object_object_get_ex(o, "verdict", &v));
        ck_assert_str_eq(json_object_get_string(v), "fail");
        ck_assert(json_object_object_get_ex(o, "checks", &v));
        v = json_object_array_get_idx(v, 1);
        ck_assert(json_object_object_get_ex(v, "status", &v));
        ck_assert_str_eq(json_object_get_string(v), "fail");
}
END_TEST

START_TEST(test_cli_verify_passes_real_quote_as_json)
{
        _cleanup_free_ char *path = fixture_path(quotes[2]);
        _cleanup_json_ json_object *o = NULL;
        struct run_result r;
        json_object *v;

        run_tdxh(&r, (const char *[]){ "verify", "--quote", path, "--at", FIXED_TIME_ARG,
                                       "--json", NULL });
        ck_assert_msg(r.status == 0, "exit %d: %s%s", r.status, r.out, r.err);
        o = json_tokener_parse(r.out);
        ck_assert_ptr_nonnull(o);
        ck_assert(json_object_object_get_ex(o, "verdict", &v));
        ck_assert_str_eq(json_object_get_string(v), "pass");
        ck_assert(json_object_object_get_ex(o, "checks", &v));
        ck_assert_int_ge(json_object_array_length(v), 8);
        run_result_free(&r);
}
END_TEST

START_TEST(test_cli_verify_wrong_report_data_exits_1)
{
        _cleanup_free_ char *path = fixture_path(quotes[0]);
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "verify", "--quote", path, "--at", FIXED_TIME_ARG,
                                       "--report-data", "00ff", NULL });
        ck_assert_int_eq(r.status, 1);
        ck_assert_ptr_nonnull(strstr(r.out, "FAIL report-data: expected 00ff00"));
        ck_assert_ptr_nonnull(strstr(r.out, "PASS quote-signature"));
        ck_assert_ptr_nonnull(strstr(r.out, "verdict: fail"));
        run_result_free(&r);
        /* the right value (64 zero bytes, given short) passes */
        run_tdxh(&r, (const char *[]){ "verify", "--quote", path, "--at", FIXED_TIME_ARG,
                                       "--report-data", "00", NULL });
        ck_assert_int_eq(r.status, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "PASS report-data"));
        run_result_free(&r);
}
END_TEST

START_TEST(test_cli_verify_binds_event_logs)
{
        _cleanup_free_ char *cos = fixture_path(quotes[0]), *v5 = fixture_path(quotes[1]);
        _cleanup_free_ char *dstack = fixture_path(quotes[2]);
        _cleanup_free_ char *ccel = fixture_path("go-tdx-guest/ccel/ccel_data.dat");
        struct run_result r;

        /* the CCEL of the same boot, and dstack's JSON log (in the same file as its quote) */
        run_tdxh(&r, (const char *[]){ "verify", "--quote", cos, "--at", FIXED_TIME_ARG,
                                       "--event-log", ccel, NULL });
        ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "PASS event-log-replay"));
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ "verify", "--quote", dstack, "--at", FIXED_TIME_ARG,
                                       "--event-log", dstack, NULL });
        ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
        run_result_free(&r);
        /* another machine's log */
        run_tdxh(&r, (const char *[]){ "verify", "--quote", v5, "--at", FIXED_TIME_ARG,
                                       "--event-log", ccel, NULL });
        ck_assert_int_eq(r.status, 1);
        ck_assert_ptr_nonnull(strstr(r.out, "FAIL event-log-replay: rtmr0, rtmr1, rtmr2 differ"));
        run_result_free(&r);
        /* only RTMR3 compared: both are zero */
        run_tdxh(&r, (const char *[]){ "verify", "--quote", v5, "--at", FIXED_TIME_ARG,
                                       "--event-log", ccel, "--rtmrs", "3", NULL });
        ck_assert_int_eq(r.status, 0);
        run_result_free(&r);
}
END_TEST

START_TEST(test_cli_verify_truncated_quote_exits_2_with_one_line)
{
        static const size_t cuts[] = { 0, 30, 47, 600, 640, 1200, 4934 };
        _cleanup_free_ uint8_t *bytes = NULL;
        char *dir = tmpdir_make();
        size_t len;

        bytes = load_quote(quotes[0], &len);
        for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
                _cleanup_free_ char *path = NULL;
                struct run_result r;

                ck_assert_int_ge(asprintf(&path, "%s/cut-%zu.dat", dir, cuts[i]), 0);
                ck_assert_int_eq(file_write_atomic(path, bytes, cuts[i], 0644, NULL), 0);
                run_tdxh(&r, (const char *[]){ "verify", "--quote", path, NULL });
                ck_assert_msg(r.status == 2, "cut %zu: exit %d", cuts[i], r.status);
                ck_assert_msg(strncmp(r.err, "tdxh: ", 6) == 0 && strstr(r.err, path) &&
                                      strchr(r.err, '\n') == r.err + strlen(r.err) - 1,
                              "cut %zu: '%s'", cuts[i], r.err);
                ck_assert_str_eq(r.out, "");
                run_result_free(&r);
        }
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_cli_verify_usage_errors_exit_2)
{
        const char *const bad[][6] = {
                { "verify", NULL },
                { "verify", "--quote", "/nonexistent/q", NULL },
                { "verify", "--quote", "x", "--report-data", "zz" },
                { "verify", "--quote", "x", "--at", "yesterday" },
                { "verify", "--quote", "x", "--rtmrs", "5" },
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                const char *argv[6] = { 0 };
                struct run_result r;

                memcpy(argv, bad[i], sizeof(bad[i]));
                run_tdxh(&r, argv);
                ck_assert_msg(r.status == 2, "case %zu: exit %d", i, r.status);
                ck_assert(r.err[0] != '\0');
                run_result_free(&r);
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("verify");
        TCase *tc = tcase_create("verify");

        tcase_add_loop_test(tc, test_verify_real_quotes_verify_to_intel_root, 0, 3);
        tcase_add_loop_test(tc, test_verify_catches_every_changed_byte_of_signed_range, 0, 3);
        tcase_add_test(tc, test_verify_catches_changes_to_signature_data);
        tcase_add_test(tc, test_verify_checks_time_unless_told_not_to);
        tcase_add_test(tc, test_verify_binds_event_log_registers);
        tcase_add_test(tc, test_verify_result_renderings);
        tcase_add_test(tc, test_cli_verify_passes_real_quote_as_json);
        tcase_add_test(tc, test_cli_verify_wrong_report_data_exits_1);
        tcase_add_test(tc, test_cli_verify_binds_event_logs);
        tcase_add_test(tc, test_cli_verify_truncated_quote_exits_2_with_one_line);
        tcase_add_test(tc, test_cli_verify_usage_errors_exit_2);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
