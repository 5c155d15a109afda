/* tdxh diff and tdxh explain as a user runs them: a golden file recorded
 * from the real trustee log, evidence files derived from it, exit codes 0/1/2,
 * text, JSON and report directories. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "core/json_util.h"
#include "fixture_events.h"
#include "compare/observed.h"
#include "testutil.h"

static char *dir, *golden, *good, *kernel_changed, *bad_regs;

static char *tmp_path(const char *name)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
        return p;
}

/* golden.json recorded from the log; kernel.json: the log with the kernel
 * digest changed (as `tdxh inspect --json` writes logs); regs.json: the
 * boot's registers with RTMR2 wrong. */
static void setup(void)
{
        const char *paths[1];
        struct observed o;
        struct golden g;
        json_object *j = NULL;
        struct tdxh_err e = { 0 };
        char *text = NULL;

        dir = tmpdir_make();
        good = fixture_path("trustee/CCEL_data_ovmf");
        golden = tmp_path("golden.json");
        kernel_changed = tmp_path("kernel.json");
        bad_regs = tmp_path("regs.json");
        paths[0] = good;
        ck_assert_int_eq(observed_load(paths, 1, &o, &e), 0);
        ck_assert_int_eq(observed_to_golden(&o, "tdx-edk2-202302-qemu-10.1", &g, &e), 0);
        ck_assert_int_eq(golden_save(&g, golden, &e), 0);
        for (size_t i = 0; i < o.log.n_events; i++)
                if (strcmp(o.log.events[i].what, "kernel") == 0)
                        o.log.events[i].sha384[0] ^= 0xff;
        ck_assert_int_eq(evlog_to_json(&o.log, &j), 0);
        ck_assert_int_eq(json_write(j, kernel_changed, &e), 0);
        json_object_put(j);
        ck_assert_int_ge(asprintf(&text, "{\"rtmr0\": \"%s\", \"rtmr1\": \"%s\", \"rtmr2\": \"%s\", \"rtmr3\": \"%s\"}",
                                  fixture_trustee_rtmr_hex[0], fixture_trustee_rtmr_hex[1],
                                  fixture_trustee_rtmr_hex[0], fixture_trustee_rtmr_hex[3]),
                         0);
        ck_assert_int_eq(file_write_atomic(bad_regs, text, strlen(text), 0644, NULL), 0);
        free(text);
        golden_free(&g);
        observed_free(&o);
}

static void teardown(void)
{
        tmpdir_remove(dir);
        free(good);
        free(golden);
        free(kernel_changed);
        free(bad_regs);
}

START_TEST(test_cli_diff_match_exits_0)
{
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "diff", golden, good, NULL });
        ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "RTMR1: match 775b9f6b"));
        ck_assert_ptr_nonnull(strstr(r.out, "result: the evidence matches the golden file\n"));
        run_result_free(&r);
}
END_TEST

START_TEST(test_cli_diff_mismatch_exits_1_with_rows)
{
        struct run_result r;
        json_object *j, *regs;

        run_tdxh(&r, (const char *[]){ "diff", golden, kernel_changed, NULL });
        ck_assert_int_eq(r.status, 1);
        ck_assert_ptr_nonnull(strstr(r.out, "RTMR1: MISMATCH\n"));
        ck_assert_ptr_nonnull(strstr(r.out, "    ~ changed        0        0  EV_EFI_BOOT_SERVICES_APPLICATION kernel"));
        ck_assert_ptr_null(strstr(r.out, "causes:"));
        run_result_free(&r);

        run_tdxh(&r, (const char *[]){ "diff", "--json", golden, kernel_changed, NULL });
        ck_assert_int_eq(r.status, 1);
        j = json_tokener_parse(r.out);
        ck_assert_ptr_nonnull(j);
        ck_assert_str_eq(json_object_get_string(json_object_object_get(j, "schema")), "tdxh-diff/1");
        ck_assert(!json_object_get_boolean(json_object_object_get(j, "match")));
        regs = json_object_object_get(j, "registers");
        ck_assert_str_eq(json_object_get_string(json_object_object_get(json_object_array_get_idx(regs, 2), "status")),
                         "mismatch");
        json_object_put(j);
        run_result_free(&r);
}
END_TEST

START_TEST(test_cli_explain_names_the_cause)
{
        struct run_result r;
        json_object *j, *causes;

        run_tdxh(&r, (const char *[]){ "explain", golden, kernel_changed, NULL });
        ck_assert_int_eq(r.status, 1);
        ck_assert_ptr_nonnull(strstr(r.out, "  causes:\n    [likely] RTMR1 event 0 (kernel, "
                                            "EV_EFI_BOOT_SERVICES_APPLICATION): kernel image changed"));
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ "explain", "--json", golden, kernel_changed, NULL });
        ck_assert_int_eq(r.status, 1);
        j = json_tokener_parse(r.out);
        ck_assert_ptr_nonnull(j);
        ck_assert_str_eq(json_object_get_string(json_object_object_get(j, "schema")), "tdxh-explain/1");
        causes = json_object_object_get(j, "causes");
        ck_assert_uint_eq(json_object_array_length(causes), 1);
        ck_assert_str_eq(json_object_get_string(json_object_object_get(json_object_array_get_idx(causes, 0), "kind")),
                         "kernel");
        json_object_put(j);
        run_result_free(&r);
}
END_TEST

START_TEST(test_cli_explain_reports_log_not_replaying_first)
{
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "explain", golden, good, bad_regs, NULL });
        ck_assert_int_eq(r.status, 1);
        ck_assert_msg(strncmp(r.out, "The event log does not replay to RTMR2 of the evidence", 54) == 0, "%s", r.out);
        ck_assert_ptr_nonnull(strstr(r.out, "[certain] RTMR2: the event log does not replay to the observed value"));
        run_result_free(&r);
}
END_TEST

START_TEST(test_cli_explain_checks_named_inputs)
{
        struct run_result r;
        char *initrd = tmp_path("initrd.img");

        ck_assert_int_eq(file_write_atomic(initrd, "not this initrd", 15, 0644, NULL), 0);
        run_tdxh(&r, (const char *[]){ "explain", golden, good, "--initrd", initrd, NULL });
        ck_assert_msg(r.status == 0, "%s", r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "  inputs:\n    NOT RTMR2 event 1 (initrd): does not correspond to --initrd "));
        run_result_free(&r);
        /* The TD HOB needs a firmware, and this golden file names none. */
        run_tdxh(&r, (const char *[]){ "explain", golden, good, "--memory", "4G", NULL });
        ck_assert_int_eq(r.status, 2);
        ck_assert_ptr_nonnull(strstr(r.err, "--memory: the TD HOB depends on the firmware"));
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ "explain", golden, good, "--memory", "lots", NULL });
        ck_assert_int_eq(r.status, 2);
        run_result_free(&r);
        free(initrd);
}
END_TEST

START_TEST(test_cli_explain_finds_the_matching_profile)
{
        struct run_result r;
        char *alt = tmp_path("alt.json");
        const char *paths[1] = { kernel_changed };
        struct observed o;
        struct golden g;

        /* A golden file "for another profile" that is the evidence itself. */
        ck_assert_int_eq(observed_load(paths, 1, &o, NULL), 0);
        ck_assert_int_eq(observed_to_golden(&o, "tdx-edk2-202411-qemu-10.1", &g, NULL), 0);
        ck_assert_int_eq(golden_save(&g, alt, NULL), 0);
        run_tdxh(&r, (const char *[]){ "explain", golden, kernel_changed, "--alternative", alt, NULL });
        ck_assert_int_eq(r.status, 1);
        ck_assert_ptr_nonnull(strstr(r.out, "causes:\n  [certain] the evidence matches another profile: all 4 "
                                            "compared registers match profile tdx-edk2-202411-qemu-10.1"));
        ck_assert_ptr_nonnull(strstr(r.out, "profiles tried (best fitting first):\n  tdx-edk2-202411-qemu-10.1"));
        run_result_free(&r);
        golden_free(&g);
        observed_free(&o);
        free(alt);
}
END_TEST

/* Two alternatives of the golden file's profile: told apart by file,
 * ranked by how many events they match, and the best one named. */
START_TEST(test_cli_explain_ranks_alternatives_by_events)
{
        struct run_result r;
        char *near = tmp_path("near.json");
        const char *paths[1] = { kernel_changed };
        struct observed o;
        struct golden g;
        char *want = NULL;

        /* near: every event of the evidence, but an RTMR0 value that none
         * folds to; the other alternative is the golden file itself, whose
         * kernel event differs. Both match 3 of 4 registers. */
        ck_assert_int_eq(observed_load(paths, 1, &o, NULL), 0);
        ck_assert_int_eq(observed_to_golden(&o, "tdx-edk2-202302-qemu-10.1", &g, NULL), 0);
        g.regs[GOLDEN_RTMR0].value[0] ^= 1;
        ck_assert_int_eq(golden_save(&g, near, NULL), 0);
        run_tdxh(&r, (const char *[]){ "explain", golden, kernel_changed, "--alternative", golden,
                                       "--alternative", near, NULL });
        ck_assert_int_eq(r.status, 1);
        ck_assert_int_ge(asprintf(&want, "profiles tried (best fitting first):\n  %-32s 3 of 4 "
                                         "registers, ", "tdx-edk2-202302-qemu-10.1"), 0);
        ck_assert_msg(strstr(r.out, want), "%s", r.out);
        ck_assert_msg(strstr(r.out, "[possible] another profile comes closer: profile "
                                    "tdx-edk2-202302-qemu-10.1 (") && strstr(r.out, "near.json) fits best"),
                      "%s", r.out);
        /* near first: all its events match */
        ck_assert_msg(strstr(r.out, "near.json\n") < strstr(r.out, "golden.json\n"), "%s", r.out);
        free(want);
        run_result_free(&r);
        golden_free(&g);
        observed_free(&o);
        free(near);
}
END_TEST

START_TEST(test_cli_bad_input_exits_2)
{
        struct run_result r;
        char *junk = tmp_path("junk");

        ck_assert_int_eq(file_write_atomic(junk, "junk", 4, 0644, NULL), 0);
        run_tdxh(&r, (const char *[]){ "diff", golden, NULL });
        ck_assert_int_eq(r.status, 2);
        ck_assert_ptr_nonnull(strstr(r.err, "expected a golden file and at least one evidence file"));
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ "diff", golden, junk, NULL });
        ck_assert_int_eq(r.status, 2);
        ck_assert_ptr_nonnull(strstr(r.err, "not a quote, TD report, event log or register JSON"));
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ "diff", junk, good, NULL });
        ck_assert_int_eq(r.status, 2);
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ "diff", "--firmware", "x", golden, good, NULL });
        ck_assert_int_eq(r.status, 2);
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ "explain", "--help", NULL });
        ck_assert_int_eq(r.status, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "--alternative FILE"));
        run_result_free(&r);
        free(junk);
}
END_TEST

START_TEST(test_cli_report_dir_writes_every_format)
{
        struct run_result r;
        char *rd = tmp_path("report"), *xml = NULL;
        const char *names[] = { "report.xml", "report.json", "summary.md", "report.html" };
        uint8_t *data;

        run_tdxh(&r, (const char *[]){ "explain", "--report-dir", rd, golden, kernel_changed, NULL });
        ck_assert_int_eq(r.status, 1);
        run_result_free(&r);
        for (size_t i = 0; i < 4; i++) {
                free(xml);
                ck_assert_int_ge(asprintf(&xml, "%s/%s", rd, names[i]), 0);
                ck_assert_int_eq(access(xml, R_OK), 0);
        }
        free(xml);
        ck_assert_int_ge(asprintf(&xml, "%s/report.xml", rd), 0);
        data = slurp(xml, NULL);
        ck_assert_ptr_nonnull(strstr((char *)data, "<testcase name=\"rtmr1\""));
        ck_assert_ptr_nonnull(strstr((char *)data, "<failure message=\"RTMR1 differs from the golden file: RTMR1 "
                                                   "event 0 (kernel, EV_EFI_BOOT_SERVICES_APPLICATION): kernel "
                                                   "image changed"));
        free(data);
        free(xml);
        free(rd);
}
END_TEST

/* The evidence of a boot as a JSON event log: the events of golden file
 * path (digests not predicted get one of their own). */
static void golden_as_log(const char *golden_path, const char *log_path)
{
        struct golden g;
        struct evlog l = { .format = EVLOG_JSON };
        json_object *j = NULL;

        ck_assert_int_eq(golden_load(golden_path, &g, NULL), 0);
        l.events = calloc(g.n_events, sizeof(*l.events));
        ck_assert_ptr_nonnull(l.events);
        for (size_t i = 0; i < g.n_events; i++) {
                struct evlog_event *ev = &l.events[l.n_events];

                *ev = (struct evlog_event){ .index = i, .pcr = (uint32_t)g.events[i].rtmr + 1,
                                            .rtmr = g.events[i].rtmr, .type = g.events[i].type,
                                            .has_sha384 = true, .what = g.events[i].what,
                                            .detail = g.events[i].detail };
                if (g.events[i].digest_known)
                        memcpy(ev->sha384, g.events[i].digest, 48);
                else
                        memset(ev->sha384, (int)i, 48);
                l.n_events++;
        }
        ck_assert_int_eq(evlog_to_json(&l, &j), 0);
        ck_assert_int_eq(json_write(j, log_path, NULL), 0);
        json_object_put(j);
        free(l.events);
        golden_free(&g);
}

/* Done when: a golden file computed for 2 GiB against the evidence of a
 * 4 GiB boot names the memory size, and --memory 4G matches it. */
START_TEST(test_cli_golden_2g_against_evidence_4g)
{
        char *g2 = tmp_path("g2.json"), *g4 = tmp_path("g4.json"), *log4 = tmp_path("log4.json");
        const char *compute[] = { "golden", "compute", "--profile", "tdx-edk2-202411-qemu-10.1", "--firmware",
                                  "/usr/share/ovmf/OVMF.fd", "--memory", "2G", "-o", g2, NULL };
        struct run_result r;

        run_tdxh(&r, compute);
        ck_assert_msg(r.status == 0, "%s", r.err);
        run_result_free(&r);
        compute[7] = "4G";
        compute[9] = g4;
        run_tdxh(&r, compute);
        ck_assert_msg(r.status == 0, "%s", r.err);
        run_result_free(&r);
        golden_as_log(g4, log4);

        run_tdxh(&r, (const char *[]){ "explain", g2, log4, "--memory", "4G", NULL });
        ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
        /* The cause and the input check agree. */
        ck_assert_ptr_nonnull(strstr(r.out, "[certain] RTMR0 event 0 (td-hob, EV_EFI_HANDOFF_TABLES2): memory "
                                            "size changed: golden 2G, observed 4G"));
        ck_assert_ptr_nonnull(strstr(r.out, "ok  RTMR0 event 0 (td-hob): corresponds to --memory 4G"));
        /* The ACPI digests the golden file could not predict are unchecked. */
        ck_assert_ptr_nonnull(strstr(r.out, "? unchecked"));
        run_result_free(&r);
        /* No input named: the golden file's own firmware (still on disk with
         * its recorded digest) gives the TD HOB of every usual size. */
        run_tdxh(&r, (const char *[]){ "explain", g2, log4, NULL });
        ck_assert_msg(r.status == 1, "%s%s", r.out, r.err);
        ck_assert_msg(strstr(r.out, "[certain] RTMR0 event 0 (td-hob, EV_EFI_HANDOFF_TABLES2): memory "
                                    "size changed: golden 2G, observed 4G"),
                      "%s", r.out);
        ck_assert_ptr_nonnull(strstr(r.out, "ok  RTMR0 event 0 (td-hob): corresponds to memory 4G "
                                            "(tried, no --memory given)"));
        run_result_free(&r);
        free(g2);
        free(g4);
        free(log4);
}
END_TEST

/* Real quotes: a golden file recorded from the COS-113 quote and its log
 * matches that evidence; the dstack boot (another firmware) does not. */
START_TEST(test_cli_quote_evidence)
{
        char *log = fixture_path("go-tdx-guest/ccel/ccel_data.dat");
        char *quote = fixture_path("go-tdx-guest/ccel/cos-113-tdx-quote.dat");
        char *dstack = fixture_path("dstack/tdx-lite-getquote.json");
        char *cos = tmp_path("cos.json");
        struct observed o;
        struct golden g;
        struct run_result r;

        ck_assert_int_eq(observed_load((const char *[]){ log, quote }, 2, &o, NULL), 0);
        ck_assert_int_eq(observed_to_golden(&o, "tdx-edk2-202411-qemu-pre", &g, NULL), 0);
        ck_assert_int_eq(golden_save(&g, cos, NULL), 0);
        run_tdxh(&r, (const char *[]){ "diff", cos, log, quote, NULL });
        ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "MRTD: match dae67181"));
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ "explain", cos, dstack, NULL });
        ck_assert_int_eq(r.status, 1);
        ck_assert_ptr_nonnull(strstr(r.out, "the event log replays to the observed value"));
        ck_assert_ptr_nonnull(strstr(r.out, "[likely] MRTD: firmware image changed"));
        ck_assert_ptr_nonnull(strstr(r.out, "[likely] RTMR0 event 1 (cfv, EV_EFI_PLATFORM_FIRMWARE_BLOB2): "
                                            "firmware changed"));
        run_result_free(&r);
        golden_free(&g);
        observed_free(&o);
        free(log);
        free(quote);
        free(dstack);
        free(cos);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("cli-compare");
        TCase *tc = tcase_create("cli-compare");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_cli_diff_match_exits_0);
        tcase_add_test(tc, test_cli_diff_mismatch_exits_1_with_rows);
        tcase_add_test(tc, test_cli_explain_names_the_cause);
        tcase_add_test(tc, test_cli_explain_reports_log_not_replaying_first);
        tcase_add_test(tc, test_cli_explain_checks_named_inputs);
        tcase_add_test(tc, test_cli_explain_finds_the_matching_profile);
        tcase_add_test(tc, test_cli_explain_ranks_alternatives_by_events);
        tcase_add_test(tc, test_cli_bad_input_exits_2);
        tcase_add_test(tc, test_cli_report_dir_writes_every_format);
        tcase_add_test(tc, test_cli_golden_2g_against_evidence_4g);
        tcase_add_test(tc, test_cli_quote_evidence);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
