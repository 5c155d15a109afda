/* tdxh inspect run as a user would: event logs (the text view, the JSON
 * keys, reading its own JSON back, hex text), the CCEL table, quotes (binary,
 * hex, a dstack GetQuote response bound to its log), a TD report, and one
 * line and exit 2 for bad input. */
#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "testutil.h"

static const char cos_rtmr0[] = "3fa2f61f395b7f5feefb4ec2df61297f109ad8abcd6410c1"
                                "b7df60f21f37b19297fc35e544039c7e1edece752afd17f6";
static const char dstack_rtmr3[] = "6f24c170d0fd63fc2b1b53202eea47b013978437fa6982cf"
                                   "5e0438ff95c208994aaa0f4ebab2e3a66824b5b56869137e";

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

static const char *get_str(json_object *o, const char *key)
{
        return json_object_get_string(get(o, key));
}

START_TEST(test_inspect_ccel_json_has_documented_keys)
{
        _cleanup_free_ char *path = fixture_path("go-tdx-guest/ccel/ccel_data.dat");
        _cleanup_json_ json_object *o =
                run_json((const char *[]){ "inspect", path, "--json", NULL });
        static const char *const keys[] = { "index", "offset", "rtmr", "pcr",  "type",
                                            "digest", "what", "data",  "raw" };
        json_object *events, *replayed, *ev;

        ck_assert_str_eq(get_str(o, "kind"), "event-log");
        ck_assert_str_eq(get_str(o, "format"), "ccel");
        ck_assert(json_object_object_get_ex(o, "events", &events));
        ck_assert_uint_eq(json_object_array_length(events), 43);
        ev = json_object_array_get_idx(events, 0);
        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                ck_assert_msg(json_object_object_get_ex(ev, keys[i], NULL), "event key %s",
                              keys[i]);
        ck_assert_str_eq(get_str(ev, "type"), "EV_EFI_HANDOFF_TABLES2");
        ck_assert_str_eq(get_str(ev, "what"), "td-hob");
        ck_assert(json_object_object_get_ex(o, "replayed", &replayed));
        ck_assert_str_eq(get_str(replayed, "rtmr0"), cos_rtmr0);
        ck_assert(json_object_object_get_ex(o, "counts", NULL));
        ck_assert(json_object_object_get_ex(o, "algorithms", NULL));
}
END_TEST

START_TEST(test_inspect_text_shows_events_and_registers)
{
        _cleanup_free_ char *path = fixture_path("trustee/CCEL_data_ovmf");
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "inspect", path, NULL });
        ck_assert_int_eq(r.status, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "events       20: RTMR0 14, RTMR1 4, RTMR2 2"));
        ck_assert_ptr_nonnull(strstr(r.out, "EV_EFI_BOOT_SERVICES_APPLICATION"));
        ck_assert_ptr_nonnull(
                strstr(r.out, "VenMedia(1428F772-B64A-441E-B8C3-9EBDD7F893C7)/File(kernel)"));
        ck_assert_ptr_nonnull(strstr(r.out, "RTMR2  94eaf7a7bf398ed8d888c91057ae0261802e4f3df084"));
        run_result_free(&r);
}
END_TEST

START_TEST(test_inspect_dstack_log_replays_rtmr3)
{
        _cleanup_free_ char *path = fixture_path("dstack/tdx-lite-getquote.json");
        _cleanup_json_ json_object *o = run_json(
                (const char *[]){ "inspect", path, "--format", "json", "--json", NULL });
        json_object *replayed;

        ck_assert_str_eq(get_str(o, "format"), "json");
        ck_assert(json_object_object_get_ex(o, "replayed", &replayed));
        ck_assert_str_eq(get_str(replayed, "rtmr3"), dstack_rtmr3);
}
END_TEST

START_TEST(test_inspect_reads_its_own_json_back)
{
        _cleanup_free_ char *path = fixture_path("go-tdx-guest/ccel/ccel_data.dat");
        _cleanup_free_ char *out = NULL;
        char *dir = tmpdir_make();
        _cleanup_json_ json_object *again = NULL;
        struct run_result r;
        json_object *replayed;
        FILE *f;

        run_tdxh(&r, (const char *[]){ "inspect", path, "--json", NULL });
        ck_assert_int_eq(r.status, 0);
        ck_assert_int_ge(asprintf(&out, "%s/log.json", dir), 0);
        f = fopen(out, "w");
        ck_assert_ptr_nonnull(f);
        fputs(r.out, f);
        fclose(f);
        run_result_free(&r);
        again = run_json((const char *[]){ "inspect", out, "--json", NULL });
        ck_assert_str_eq(get_str(again, "format"), "ccel");
        ck_assert(json_object_object_get_ex(again, "replayed", &replayed));
        ck_assert_str_eq(get_str(replayed, "rtmr0"), cos_rtmr0);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_inspect_ccel_table)
{
        _cleanup_free_ char *path = fixture_path("go-tdx-guest/ccel/ccel_table.dat");
        _cleanup_free_ char *area = fixture_path("go-tdx-guest/ccel/ccel_data.dat");
        _cleanup_json_ json_object *o =
                run_json((const char *[]){ "inspect", path, "--json", NULL });
        _cleanup_json_ json_object *l = run_json(
                (const char *[]){ "inspect", area, "--ccel-table", path, "--json", NULL });
        json_object *t;

        ck_assert_str_eq(get_str(o, "kind"), "ccel-table");
        ck_assert_str_eq(get_str(o, "laml"), "0x40000");
        ck_assert_str_eq(get_str(o, "lasa"), "0xbedbf000");
        ck_assert(json_object_object_get_ex(l, "ccel_table", &t));
        ck_assert_str_eq(get_str(t, "signature"), "CCEL");
}
END_TEST

/* Writes the first n bytes of fixture rel as line-wrapped hex text into dir. */
static char *write_hex(const char *dir, const char *rel, size_t n)
{
        _cleanup_free_ char *path = fixture_path(rel);
        _cleanup_free_ uint8_t *data = NULL;
        char *hex = NULL;
        size_t len;
        FILE *f;

        data = slurp(path, &len);
        ck_assert_int_ge(asprintf(&hex, "%s/input.hex", dir), 0);
        f = fopen(hex, "w");
        ck_assert_ptr_nonnull(f);
        for (size_t i = 0; i < n && i < len; i++)
                fprintf(f, "%02x%s", data[i], i % 32 == 31 ? "\n" : "");
        fclose(f);
        return hex;
}

START_TEST(test_inspect_event_log_as_hex_text)
{
        char *dir = tmpdir_make();
        _cleanup_free_ char *hex = write_hex(dir, "trustee/CCEL_data_ovmf", 2200);
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "inspect", hex, NULL });
        ck_assert_int_eq(r.status, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "events       20:"));
        ck_assert_ptr_nonnull(strstr(r.out, "RTMR0  8566f998798db09443b244c62de9a3041fb02e2e"));
        run_result_free(&r);
        tmpdir_remove(dir);
}
END_TEST

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
        char *dir = tmpdir_make();
        _cleanup_free_ char *hex = write_hex(dir, "go-tdx-guest/quote_v5_sample.dat", SIZE_MAX);
        _cleanup_json_ json_object *o =
                run_json((const char *[]){ "inspect", hex, "--json", NULL });

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

static void expect_one_line_error(const char *const *argv, const char *path, const char *what)
{
        struct run_result r;
        const char *nl;

        run_tdxh(&r, argv);
        ck_assert_int_eq(r.status, 2);
        ck_assert_str_eq(r.out, "");
        nl = strchr(r.err, '\n');
        ck_assert_msg(nl && nl[1] == '\0', "not one line: %s", r.err);
        ck_assert_msg(strstr(r.err, path) && strstr(r.err, what), "%s", r.err);
        run_result_free(&r);
}

START_TEST(test_inspect_bad_input_is_one_line_and_exit_2)
{
        char *dir = tmpdir_make();
        _cleanup_free_ char *garbage = NULL, *cut = NULL, *json = NULL;
        _cleanup_free_ char *ccel = fixture_path("trustee/CCEL_data_ovmf");
        _cleanup_free_ uint8_t *data = NULL;
        size_t len;
        FILE *f;

        ck_assert_int_ge(asprintf(&garbage, "%s/garbage.bin", dir), 0);
        f = fopen(garbage, "w");
        fputs("this is not evidence of anything\n", f);
        fclose(f);
        expect_one_line_error((const char *[]){ "inspect", garbage, NULL }, garbage,
                              "not a quote, TD report, CCEL table or event log");

        /* a CCEL area cut inside its fourth event */
        data = slurp(ccel, &len);
        ck_assert_int_ge(asprintf(&cut, "%s/cut.bin", dir), 0);
        f = fopen(cut, "w");
        fwrite(data, 1, 0x19f + 40, f);
        fclose(f);
        expect_one_line_error((const char *[]){ "inspect", cut, NULL }, cut, "offset 0x");

        ck_assert_int_ge(asprintf(&json, "%s/bad.json", dir), 0);
        f = fopen(json, "w");
        fputs("[{\"imr\": 7, \"event_type\": 1, \"digest\": \"\"}]", f);
        fclose(f);
        expect_one_line_error((const char *[]){ "inspect", json, NULL }, json, "imr");

        expect_one_line_error((const char *[]){ "inspect", "/nonexistent/x", NULL },
                              "/nonexistent/x", "cannot open");
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_inspect_usage_errors_exit_2)
{
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "inspect", NULL });
        ck_assert_int_eq(r.status, 2);
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ "inspect", "a", "--format", "yaml", NULL });
        ck_assert_int_eq(r.status, 2);
        ck_assert_ptr_nonnull(strstr(r.err, "unknown format"));
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ "inspect", "--help", NULL });
        ck_assert_int_eq(r.status, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "Usage: tdxh inspect"));
        run_result_free(&r);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("inspect");
        TCase *tc = tcase_create("inspect");

        tcase_add_test(tc, test_inspect_ccel_json_has_documented_keys);
        tcase_add_test(tc, test_inspect_text_shows_events_and_registers);
        tcase_add_test(tc, test_inspect_dstack_log_replays_rtmr3);
        tcase_add_test(tc, test_inspect_reads_its_own_json_back);
        tcase_add_test(tc, test_inspect_ccel_table);
        tcase_add_test(tc, test_inspect_event_log_as_hex_text);
        tcase_add_test(tc, test_inspect_bad_input_is_one_line_and_exit_2);
        tcase_add_test(tc, test_inspect_usage_errors_exit_2);
        tcase_add_test(tc, test_inspect_binary_quote);
        tcase_add_test(tc, test_inspect_quote_as_hex_text);
        tcase_add_test(tc, test_inspect_dstack_response_binds_log_to_quote);
        tcase_add_test(tc, test_inspect_tdreport);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
