/* Observed evidence from files (real fixture logs, register JSON) and
 * golden files recorded from it (`tdxh golden record`). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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

/* A run directory as `tdxh boot` leaves it: facts.json, evidence/. */
static char *run_dir(const char *name, const char *facts, bool evidence)
{
        char *rd = NULL, *p = NULL, *log = fixture_path("trustee/CCEL_data_ovmf");
        uint8_t *data;
        size_t len;

        ck_assert_int_ge(asprintf(&rd, "%s/%s", dir, name), 0);
        ck_assert_int_eq(mkdir(rd, 0755), 0);
        ck_assert_int_ge(asprintf(&p, "%s/facts.json", name), 0);
        free(write_tmp(p, facts));
        free(p);
        if (evidence) {
                ck_assert_int_ge(asprintf(&p, "%s/evidence", rd), 0);
                ck_assert_int_eq(mkdir(p, 0755), 0);
                free(p);
                ck_assert_int_ge(asprintf(&p, "%s/evidence/registers.json", name), 0);
                free(registers_json(p, NULL));
                free(p);
                data = slurp(log, &len);
                ck_assert_int_ge(asprintf(&p, "%s/evidence/binary_bios_measurements", rd), 0);
                ck_assert_int_eq(file_write_atomic(p, data, len, 0644, NULL), 0);
                free(p);
                free(data);
        }
        free(log);
        return rd;
}

/* `golden record RUNDIR`: the run's evidence, and the inputs it booted,
 * which a recorded golden file names as a computed one does. */
START_TEST(test_observed_record_from_a_run_directory)
{
        static const char sha[] = "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a";
        char *log = fixture_path("trustee/CCEL_data_ovmf"), *regs = registers_json("regs.json", NULL);
        char *g0 = NULL, *g1 = NULL, *facts = NULL, *rd;
        struct run_result res;
        struct golden g, want;
        struct tdxh_err e = { 0 };

        ck_assert_int_ge(asprintf(&g0, "%s/g0.json", dir), 0);
        ck_assert_int_ge(asprintf(&g1, "%s/g1.json", dir), 0);
        run_tdxh(&res, (const char *[]){ "golden", "record", log, regs, "--profile",
                                         "tdx-edk2-202411-qemu-10.1", "-o", g0, NULL });
        ck_assert_msg(res.status == 0, "%s", res.err);
        run_result_free(&res);
        ck_assert_int_ge(asprintf(&facts,
                                  "{\"image\": \"/img\", \"golden\": \"%s\", \"cmdline\": \"console=hvc0\","
                                  " \"host\": {\"memory\": \"2G\", \"vcpus\": 2, \"cmdline\": \"console=hvc0\","
                                  " \"firmware\": {\"path\": \"/fw/OVMF.fd\", \"sha256\": \"%s\"},"
                                  " \"kernel\": {\"path\": \"/img/vmlinuz\", \"sha256\": \"%s\"},"
                                  " \"qemu\": {\"path\": \"/usr/bin/qemu\"}}}",
                                  g0, sha, sha),
                         0);
        rd = run_dir("run", facts, true);
        run_tdxh(&res, (const char *[]){ "golden", "record", rd, "-o", g1, NULL });
        ck_assert_msg(res.status == 0, "%s", res.err);
        run_result_free(&res);
        ck_assert_msg(golden_load(g1, &g, &e) == 0, "%s", e.msg);
        ck_assert_msg(golden_load(g0, &want, &e) == 0, "%s", e.msg);
        /* The profile of the golden file the run compared with. */
        ck_assert_str_eq(g.profile_name, "tdx-edk2-202411-qemu-10.1");
        for (int i = 0; i < GOLDEN_NREGS; i++) {
                ck_assert_int_eq(g.regs[i].known, want.regs[i].known);
                ck_assert_mem_eq(g.regs[i].value, want.regs[i].value, SHA384_LEN);
        }
        ck_assert_str_eq(g.kernel.path, "/img/vmlinuz");
        ck_assert(g.kernel.have_sha256 && g.firmware.have_sha256 && !g.initrd.have_sha256);
        ck_assert_uint_eq(g.kernel.sha256[0], 0x2a);
        ck_assert_str_eq(g.cmdline, "console=hvc0");
        ck_assert_uint_eq(g.memory, 2ull << 30);
        ck_assert_uint_eq(g.vcpus, 2);
        golden_free(&g);
        golden_free(&want);
        free(rd);
        free(facts);
        free(g0);
        free(g1);
        free(log);
        free(regs);
}
END_TEST

/* What a run directory can lack, each told in one line (exit 2). */
START_TEST(test_observed_record_from_a_broken_run_directory)
{
        static const struct {
                const char *name, *facts;
                bool evidence, has_facts;
                const char *message;
        } cases[] = {
                { "nofacts", NULL, true, false, "not the run directory of a tdxh boot (no facts.json)" },
                { "noevidence", "{\"host\": {}}", false, true, "/evidence: no registers.json or event log" },
                { "badmem", "{\"host\": {\"memory\": \"lots\"}}", true, true,
                  "facts.json: host.memory: 'lots' is not a memory size" },
                { "badjson", "{\"host\": ", true, true, "facts.json: line 1, column 10" },
                { "gone", "{\"golden\": \"/nonexistent/g.json\", \"host\": {}}", true, true,
                  "--profile NAME is required: the golden file this run compared with is gone" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *rd, *out = NULL;
                struct run_result res;

                rd = run_dir(cases[i].name, cases[i].has_facts ? cases[i].facts : "{}", cases[i].evidence);
                if (!cases[i].has_facts) {
                        char *p = NULL;

                        ck_assert_int_ge(asprintf(&p, "%s/facts.json", rd), 0);
                        ck_assert_int_eq(unlink(p), 0);
                        free(p);
                }
                ck_assert_int_ge(asprintf(&out, "%s/%s.json", dir, cases[i].name), 0);
                /* --profile for all but the case about the profile. */
                run_tdxh(&res, strcmp(cases[i].name, "gone") != 0
                                       ? (const char *[]){ "golden", "record", rd, "-o", out, "--profile", "fake", NULL }
                                       : (const char *[]){ "golden", "record", rd, "-o", out, NULL });
                ck_assert_msg(res.status == 2, "%s: exit %d", cases[i].name, res.status);
                ck_assert_msg(strstr(res.err, cases[i].message), "%s: %s", cases[i].name, res.err);
                ck_assert_msg(access(out, F_OK) != 0, "%s: half-written output", cases[i].name);
                run_result_free(&res);
                free(out);
                free(rd);
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
        tcase_add_test(tc, test_observed_record_from_a_run_directory);
        tcase_add_test(tc, test_observed_record_from_a_broken_run_directory);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
