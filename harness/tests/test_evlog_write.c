/* `tdxh inspect --json` streams a log through evlog_write_json(), which
 * writes each event itself for speed; its text must stay exactly what
 * json-c prints for evlog_to_json() (pretty, spaced, '/' unescaped), for the
 * real logs of every format and for strings that need escaping. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "evidence/eventlog.h"
#include "testutil.h"

static char *rendered_by_json_c(const struct evlog *l)
{
        json_object *o = NULL;
        const char *t;
        char *s = NULL;

        ck_assert_int_eq(evlog_to_json(l, &o), 0);
        t = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
                                                      JSON_C_TO_STRING_NOSLASHESCAPE);
        ck_assert_ptr_nonnull(t);
        ck_assert_int_ge(asprintf(&s, "%s\n", t), 0);
        json_object_put(o);
        return s;
}

static char *written(const struct evlog *l)
{
        char *text = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&text, &len);
        struct tdxh_err e = { 0 };

        ck_assert_ptr_nonnull(f);
        ck_assert_msg(evlog_write_json(l, f, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(fclose(f), 0);
        return text;
}

static void assert_same_text(const struct evlog *l, const char *what)
{
        _cleanup_free_ char *want = rendered_by_json_c(l), *got = written(l);
        size_t i = 0;

        while (want[i] && want[i] == got[i])
                i++;
        ck_assert_msg(want[i] == got[i], "%s: differs at byte %zu: json-c '%.60s', written '%.60s'",
                      what, i, want + i, got + i);
}

static const char *const logs[] = {
        "trustee/CCEL_data_ovmf",
        "go-tdx-guest/ccel/ccel_data.dat",
        "dstack/tdx-lite-getquote.json",
};

START_TEST(test_written_json_is_json_c_text_for_real_logs)
{
        _cleanup_free_ char *path = _i < 3 ? fixture_path(logs[_i])
                                           : test_data_path("fake-boot/binary_bios_measurements");
        _cleanup_evlog_ struct evlog l = { 0 };
        struct tdxh_err e = { 0 };

        ck_assert_msg(evlog_load_file(path, &l, &e) == 0, "%s", e.msg);
        ck_assert_uint_gt(l.n_events, 0);
        assert_same_text(&l, path);
}
END_TEST

START_TEST(test_written_json_escapes_as_json_c_does)
{
        static const char *const texts[] = {
                "quote \" backslash \\ slash / tab \t newline \n cr \r",
                "control \x01\x1f form feed \f backspace \b",
                "delete \x7f utf-8 \xc3\xa9 \xe2\x82\xac",
                "",
                "plain text: Boot0001 = HD(1,GPT,...)/File(\\EFI\\BOOT\\BOOTX64.EFI)",
        };
        _cleanup_free_ char *path = fixture_path("dstack/tdx-lite-getquote.json");
        _cleanup_evlog_ struct evlog l = { 0 };
        struct tdxh_err e = { 0 };
        size_t n = sizeof(texts) / sizeof(texts[0]);

        ck_assert_msg(evlog_load_file(path, &l, &e) == 0, "%s", e.msg);
        ck_assert_uint_ge(l.n_events, 2 * n);
        for (size_t i = 0; i < n; i++) {
                struct evlog_event *a = &l.events[2 * i], *b = &l.events[2 * i + 1];

                free(a->detail);
                a->detail = strdup(texts[i]);
                free(b->name);
                b->name = strdup(texts[i]);
                b->what = texts[(i + 1) % n];
                ck_assert(a->detail && b->name && b->what);
        }
        l.events[0].has_sha384 = false; /* a null digest */
        assert_same_text(&l, "edited events");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("evlog_write");
        TCase *tc = tcase_create("evlog_write");

        tcase_add_loop_test(tc, test_written_json_is_json_c_text_for_real_logs, 0, 4);
        tcase_add_test(tc, test_written_json_escapes_as_json_c_does);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
