/* Observed evidence from files (real fixture logs, register JSON) and
 * golden files recorded from it (`tdxh golden record`). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "fixture_events.h"
#include "compare/observed.h"
#include "testutil.h"

static char *dir;

static char *write_tmp(const char *name, const char *text)
{
        char *path = NULL;

        ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
        ck_assert_int_eq(file_write_atomic(path, text, strlen(text), 0644, NULL), 0);
        return path;
}

/* {"rtmr0": ..., "rtmr3": ...} with the trustee boot's registers, rtmr2
 * replaced by other when given. */
static char *registers_json(const char *name, const char *rtmr2)
{
        char *text = NULL, *path;

        ck_assert_int_ge(asprintf(&text,
                                  "{\"kind\": \"quote\", \"rtmr0\": \"%s\", \"rtmr1\": \"%s\", \"rtmr2\": \"%s\", "
                                  "\"rtmr3\": \"%s\"}",
                                  fixture_trustee_rtmr_hex[0], fixture_trustee_rtmr_hex[1],
                                  rtmr2 ? rtmr2 : fixture_trustee_rtmr_hex[2], fixture_trustee_rtmr_hex[3]),
                         0);
        path = write_tmp(name, text);
        free(text);
        return path;
}

static void setup(void)
{
        dir = tmpdir_make();
}

static void teardown(void)
{
        tmpdir_remove(dir);
}

START_TEST(test_observed_reads_log_and_registers)
{
        char *log = fixture_path("trustee/CCEL_data_ovmf"), *regs = registers_json("regs.json", NULL);
        const char *paths[] = { log, regs };
        struct observed o;
        struct diff_observed v;
        struct tdxh_err e = { 0 };

        ck_assert_msg(observed_load(paths, 2, &o, &e) == 0, "%s", e.msg);
        ck_assert(o.have_log);
        ck_assert_uint_eq(o.log.n_events, 20);
        ck_assert_str_eq(o.log_name, log);
        ck_assert(!o.have_reg[GOLDEN_MRTD]);
        ck_assert(o.have_reg[GOLDEN_RTMR2]);
        ck_assert_ptr_nonnull(strstr(o.reg_source, "registers "));
        observed_view(&o, &v);
        ck_assert_ptr_eq(v.log, &o.log);
        ck_assert(v.have_reg[GOLDEN_RTMR0]);
        observed_free(&o);
        free(log);
        free(regs);
}
END_TEST

START_TEST(test_observed_reads_dstack_bundle_as_log)
{
        char *p = fixture_path("dstack/tdx-lite-getquote.json");
        const char *paths[] = { p };
        struct observed o;
        struct tdxh_err e = { 0 };

        ck_assert_msg(observed_load(paths, 1, &o, &e) == 0, "%s", e.msg);
        ck_assert(o.have_log);
        ck_assert_uint_eq(o.log.n_events, 29);
        observed_free(&o);
        free(p);
}
END_TEST

START_TEST(test_observed_rejects_conflicts_and_junk)
{
        char *a = registers_json("a.json", NULL);
        char *b = registers_json("b.json", "00" "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000");
        char *log = fixture_path("trustee/CCEL_data_ovmf");
        char *junk = write_tmp("junk.bin", "this is not evidence");
        char *badhex = write_tmp("bad.json", "{\"rtmr1\": \"12zz\"}");
        struct observed o;
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(observed_load((const char *[]){ a, b }, 2, &o, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "b.json: rtmr2 differs from the value in registers ") != NULL, "%s", e.msg);
        err_clear(&e);
        ck_assert_int_eq(observed_load((const char *[]){ log, log }, 2, &o, &e), -EEXIST);
        ck_assert_msg(strstr(e.msg, "a second event log") != NULL, "%s", e.msg);
        err_clear(&e);
        ck_assert_int_lt(observed_load((const char *[]){ junk }, 1, &o, &e), 0);
        ck_assert_msg(strstr(e.msg, "junk.bin: not a quote, TD report, event log or register JSON") != NULL,
                      "%s", e.msg);
        err_clear(&e);
        ck_assert_int_eq(observed_load((const char *[]){ badhex }, 1, &o, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "bad.json: rtmr1: not 96 hex digits") != NULL, "%s", e.msg);
        err_clear(&e);
        ck_assert_int_lt(observed_load((const char *[]){ "/nonexistent/evidence" }, 1, &o, &e), 0);
        ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/evidence"));
        free(a);
        free(b);
        free(log);
        free(junk);
        free(badhex);
}
END_TEST

START_TEST(test_observed_records_a_golden_file)
{
        char *log = fixture_path("trustee/CCEL_data_ovmf"), *regs = registers_json("regs.json", NULL);
        char *out = NULL;
        struct observed o;
        struct golden g, back;
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(observed_load((const char *[]){ log, regs }, 2, &o, &e), 0);
        ck_assert_msg(observed_to_golden(&o, "tdx-edk2-202302-qemu-10.1", &g, &e) == 0, "%s", e.msg);
        ck_assert_str_eq(g.profile_name, "tdx-edk2-202302-qemu-10.1");
        ck_assert_str_eq(g.edk2, "202302");
        ck_assert_str_eq(g.page_add, "per-page");
        ck_assert_uint_eq(g.n_events, 20);
        ck_assert_str_eq(g.events[16].what, "cmdline");
        ck_assert(!g.regs[GOLDEN_MRTD].present);
        ck_assert(g.regs[GOLDEN_RTMR3].present && g.regs[GOLDEN_RTMR3].known);
        /* Written and read back, it matches the evidence it came from. */
        ck_assert_int_ge(asprintf(&out, "%s/golden.json", dir), 0);
        ck_assert_int_eq(golden_save(&g, out, &e), 0);
        ck_assert_msg(golden_load(out, &back, &e) == 0, "%s", e.msg);
        {
                struct diff_observed v;
                struct diff_result d;

                observed_view(&o, &v);
                ck_assert_int_eq(diff_run(&back, &v, &d, &e), 0);
                ck_assert(d.match);
                ck_assert_uint_eq(d.n_compared, 4);
                diff_result_free(&d);
        }
        golden_free(&back);
        golden_free(&g);
        observed_free(&o);
        free(out);
        free(log);
        free(regs);
}
END_TEST

START_TEST(test_observed_record_refuses_inconsistent_evidence)
{
        char *log = fixture_path("trustee/CCEL_data_ovmf");
        char *regs = registers_json("regs.json", "11" "1111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111");
        struct observed o;
        struct golden g;
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(observed_load((const char *[]){ log, regs }, 2, &o, &e), 0);
        ck_assert_int_eq(observed_to_golden(&o, NULL, &g, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "the event log does not replay to rtmr2 of registers ") != NULL, "%s", e.msg);
        err_clear(&e);
        ck_assert_int_eq(observed_to_golden(&o, "no-such-profile", &g, &e), -EINVAL);
        observed_free(&o);
        free(log);
        free(regs);
}
END_TEST

/* A file no reader takes is named with what is wrong with it, in one line:
 * never "not a TCG2 crypto-agile log" for what is no log at all. */
START_TEST(test_observed_says_what_a_file_is_not)
{
        static const struct {
                const char *name, *text;
                const char *message; /* after "PATH: " */
        } cases[] = {
                { "empty", "", "empty file" },
                { "blank.json", "  \n", "empty file" },
                { "hello.txt", "hello, world\n", "not a quote, TD report, event log or register JSON" },
                { "object.json", "{\"name\": \"x\"}", "not a quote, TD report, event log or register JSON" },
                { "list.json", "[]", "empty event log (the list has no events)" },
                { "dstack.json", "{\"event_log\": []}", "empty event log (the list has no events)" },
                { "cut.json", "{\"rtmr0\": \"00", "line 1, column 14 (byte 13): the JSON text ends there, "
                                                 "unfinished (truncated?)" },
                { "golden.json", "{\"schema\": \"tdxh-golden/1\", \"registers\": {}}",
                  "a golden file where evidence was expected" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *path = write_tmp(cases[i].name, cases[i].text), *want = NULL;
                struct observed o;
                struct tdxh_err e = { 0 };

                ck_assert_int_ge(asprintf(&want, "%s: %s", path, cases[i].message), 0);
                ck_assert_int_eq(observed_load((const char *[]){ path }, 1, &o, &e), -EINVAL);
                ck_assert_str_eq(e.msg, want);
                free(want);
                free(path);
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("observed");
        TCase *tc = tcase_create("observed");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_observed_reads_log_and_registers);
        tcase_add_test(tc, test_observed_reads_dstack_bundle_as_log);
        tcase_add_test(tc, test_observed_rejects_conflicts_and_junk);
        tcase_add_test(tc, test_observed_says_what_a_file_is_not);
        tcase_add_test(tc, test_observed_records_a_golden_file);
        tcase_add_test(tc, test_observed_record_refuses_inconsistent_evidence);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
