/* tdxh inspect on quotes and TD reports (needs quote.c and tdreport.c): a
 * binary quote, a quote as hex text, a dstack GetQuote response whose event
 * log is bound to the quote's RTMRs, and a TD report. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "testutil.h"

static json_object *run_json(const char *const *argv)
{
        struct run_result r;
        json_object *o;

        run_tdxh(&r, argv);
        ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
        o = json_tokener_parse(r.out);
        ck_assert_msg(o != NULL, "not JSON: %.200s", r.out);
        run_result_free(&r);
        return o;
}

static json_object *get(json_object *o, const char *key)
{
        json_object *v = NULL;

        ck_assert_msg(json_object_object_get_ex(o, key, &v), "no key %s", key);
        return v;
}

START_TEST(test_inspect_binary_quote)
{
        _cleanup_free_ char *path = fixture_path("go-tdx-guest/ccel/cos-113-tdx-quote.dat");
        _cleanup_json_ json_object *o =
                run_json((const char *[]){ "inspect", path, "--json", NULL });

        ck_assert_str_eq(json_object_get_string(get(o, "kind")), "quote");
        ck_assert_int_eq(json_object_get_int(get(o, "version")), 4);
        ck_assert_str_eq(json_object_get_string(get(o, "rtmr0")),
                         "3fa2f61f395b7f5feefb4ec2df61297f109ad8abcd6410c1"
                         "b7df60f21f37b19297fc35e544039c7e1edece752afd17f6");
}
END_TEST

START_TEST(test_inspect_quote_as_hex_text)
{
        _cleanup_free_ char *path = fixture_path("go-tdx-guest/quote_v5_sample.dat");
        _cleanup_free_ char *hex = NULL;
        _cleanup_free_ uint8_t *data = NULL;
        _cleanup_json_ json_object *o = NULL;
        char *dir = tmpdir_make();
        size_t len;
        FILE *f;

        data = slurp(path, &len);
        ck_assert_int_ge(asprintf(&hex, "%s/quote.hex", dir), 0);
        f = fopen(hex, "w");
        ck_assert_ptr_nonnull(f);
        for (size_t i = 0; i < len; i++)
                fprintf(f, "%02x%s", data[i], i % 30 == 29 ? "\n" : "");
        fclose(f);
        o = run_json((const char *[]){ "inspect", hex, "--json", NULL });
        ck_assert_str_eq(json_object_get_string(get(o, "kind")), "quote");
        ck_assert_int_eq(json_object_get_int(get(o, "version")), 5);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_inspect_dstack_response_binds_log_to_quote)
{
        _cleanup_free_ char *path = fixture_path("dstack/tdx-lite-getquote.json");
        _cleanup_json_ json_object *o =
                run_json((const char *[]){ "inspect", path, "--json", NULL });
        json_object *log = get(o, "event_log");
        struct run_result r;

        ck_assert_str_eq(json_object_get_string(get(o, "kind")), "quote");
        ck_assert(json_object_get_boolean(get(log, "bound")));
        for (int i = 0; i < 4; i++) {
                char key[24];

                snprintf(key, sizeof(key), "rtmr%d_matches_quote", i);
                ck_assert(json_object_get_boolean(get(log, key)));
        }
        run_tdxh(&r, (const char *[]){ "inspect", path, NULL });
        ck_assert_int_eq(r.status, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "the log replays to every RTMR"));
        run_result_free(&r);
}
END_TEST

START_TEST(test_inspect_tdreport)
{
        _cleanup_free_ char *path = fixture_path("intel-dcap/tdreport_for_test.dat");
        _cleanup_json_ json_object *o =
                run_json((const char *[]){ "inspect", path, "--json", NULL });

        ck_assert_str_eq(json_object_get_string(get(o, "kind")), "tdreport");
        ck_assert_str_eq(json_object_get_string(get(o, "rtmr1")),
                         "eac22f0257a3dcce04d13a8ec1e5e89112e1bc649e743845"
                         "f58598f6e13bc7fc62506296235aa300eab6b16292cd8a9c");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("inspect-quote");
        TCase *tc = tcase_create("inspect-quote");

        tcase_add_test(tc, test_inspect_binary_quote);
        tcase_add_test(tc, test_inspect_quote_as_hex_text);
        tcase_add_test(tc, test_inspect_dstack_response_binds_log_to_quote);
        tcase_add_test(tc, test_inspect_tdreport);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
