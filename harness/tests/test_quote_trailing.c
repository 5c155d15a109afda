/* A quote file with bytes after the quote: go-tdx-guest's production quote
 * tdx_prod_quote_SPR_E4.dat has a text line appended for testing. inspect
 * shows the quote and warns once; verify refuses it in one line, as
 * docs/verify.md says; the quote before the bytes verifies; zero padding
 * (cos-113-tdx-quote.dat) is no trailing data. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "evidence/quote.h"
#include "testutil.h"

#define SPR "go-tdx-guest/tdx_prod_quote_SPR_E4.dat"
#define SPR_QUOTE_LEN 0x1347u /* 4935: the quote ends where the text begins */
#define SPR_TRAILING 39u      /* "\nextra bytes(only for testing purpose)\n" */
#define SPR_MRTD "6363b8043668a3ad953278e10389574d326c6749fb78aa810ecd9336923db86f22fc00b8dcd404bc10d5e119d7215cbb"
#define AT "2026-06-01T00:00:00Z"

static bool one_line(const char *s)
{
        const char *nl = strchr(s, '\n');

        return nl && nl[1] == '\0';
}

START_TEST(test_parse_refuses_trailing_data_and_any_trailing_records_it)
{
        _cleanup_free_ char *path = fixture_path(SPR);
        _cleanup_free_ char *cos = fixture_path("go-tdx-guest/ccel/cos-113-tdx-quote.dat");
        size_t len, cos_len;
        _cleanup_free_ uint8_t *bytes = slurp(path, &len), *padded = slurp(cos, &cos_len);
        struct tdxh_err e = { 0 };
        struct quote q;

        ck_assert_uint_eq(len, SPR_QUOTE_LEN + SPR_TRAILING);
        ck_assert_int_eq(quote_parse(bytes, len, &q, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "offset 0x1347"));
        ck_assert_int_eq(quote_parse_any_trailing(bytes, len, &q, NULL), 0);
        ck_assert_uint_eq(q.quote_len, SPR_QUOTE_LEN);
        ck_assert_uint_eq(q.trailing_len, SPR_TRAILING);
        ck_assert(q.trailing_data);
        /* zero padding is not trailing data, with either entry point */
        ck_assert_int_eq(quote_parse(padded, cos_len, &q, NULL), 0);
        ck_assert(!q.trailing_data);
        ck_assert_int_eq(quote_parse_any_trailing(padded, cos_len, &q, NULL), 0);
        ck_assert(!q.trailing_data);
        ck_assert_uint_eq(q.trailing_len, 8000 - 4935);
}
END_TEST

START_TEST(test_inspect_decodes_the_quote_and_warns_once)
{
        _cleanup_free_ char *path = fixture_path(SPR);
        struct run_result r;
        json_object *o, *v;

        run_tdxh(&r, (const char *[]){ "inspect", path, NULL });
        ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
        ck_assert_int_eq(strncmp(r.out, "Quote ", 6), 0);
        ck_assert_ptr_nonnull(strstr(r.out, SPR_MRTD));
        ck_assert_msg(one_line(r.err), "not one line: %s", r.err);
        ck_assert_ptr_nonnull(strstr(r.err, "39 bytes after the end of the quote (offset 0x1347)"));
        run_result_free(&r);

        run_tdxh(&r, (const char *[]){ "inspect", "--json", path, NULL });
        ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
        ck_assert(one_line(r.err));
        o = json_tokener_parse(r.out);
        ck_assert_ptr_nonnull(o);
        ck_assert(json_object_object_get_ex(o, "trailing_data", &v) && json_object_get_boolean(v));
        ck_assert(json_object_object_get_ex(o, "trailing_len", &v));
        ck_assert_int_eq(json_object_get_int(v), SPR_TRAILING);
        ck_assert(json_object_object_get_ex(o, "mrtd", &v));
        ck_assert_str_eq(json_object_get_string(v), SPR_MRTD);
        json_object_put(o);
        run_result_free(&r);
}
END_TEST

START_TEST(test_verify_refuses_in_one_line_and_the_cut_quote_verifies)
{
        _cleanup_free_ char *path = fixture_path(SPR);
        char *dir = tmpdir_make(), *cut = NULL;
        size_t len;
        _cleanup_free_ uint8_t *bytes = slurp(path, &len);
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "verify", "--quote", path, "--at", AT, NULL });
        ck_assert_int_eq(r.status, 2);
        ck_assert_str_eq(r.out, "");
        ck_assert_msg(one_line(r.err), "not one line: %s", r.err);
        ck_assert_ptr_nonnull(strstr(r.err, path));
        ck_assert_ptr_nonnull(strstr(r.err, "offset 0x1347: 39 bytes after the end of the quote are "
                                            "not zero padding; verify refuses"));
        run_result_free(&r);

        /* docs/verify.md: cut at the offset given, and the quote verifies */
        ck_assert_int_ge(asprintf(&cut, "%s/cut.dat", dir), 0);
        ck_assert_int_eq(file_write_atomic(cut, bytes, SPR_QUOTE_LEN, 0644, NULL), 0);
        run_tdxh(&r, (const char *[]){ "verify", "--quote", cut, "--at", AT, NULL });
        ck_assert_msg(r.status == 0, "exit %d: %s%s", r.status, r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "verdict: pass"));
        run_result_free(&r);
        free(cut);
        tmpdir_remove(dir);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("quote_trailing");
        TCase *tc = tcase_create("quote_trailing");

        tcase_add_test(tc, test_parse_refuses_trailing_data_and_any_trailing_records_it);
        tcase_add_test(tc, test_inspect_decodes_the_quote_and_warns_once);
        tcase_add_test(tc, test_verify_refuses_in_one_line_and_the_cut_quote_verifies);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
