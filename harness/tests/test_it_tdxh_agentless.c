/* tdxh boot of an image without the agent, end to end on the fake platform
 * (real QEMU, OVMF, swtpm): the minimal image's kernel with an initrd that
 * has no /init, so the kernel panics and resets. The host reads the event
 * log from guest memory and the PCRs from swtpm: they match the golden file
 * computed for that kernel and initrd event for event, the verdict says
 * agentless, and the agent's steps are listed as skipped; a changed command
 * line (given with --no-agent) is a mismatch naming it; the agent image
 * whose kernel panics before the agent starts is read the same way. Nothing
 * is left running. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "it_tdxh.h"
#include "testutil.h"

static char *agentless_image;

static void put_newc(FILE *f, const char *name, unsigned mode, const char *data)
{
        size_t namesize = strlen(name) + 1, len = data ? strlen(data) : 0;
        long pos;

        /* cpio "newc": magic, 13 fields of 8 hex digits, the name, each
         * padded to 4 bytes ([Linux] Documentation/driver-api/early-userspace/buffer-format.rst). */
        fprintf(f, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", 1u, mode, 0u,
                0u, 1u, 0u, len, 0u, 0u, 0u, 0u, namesize, 0u);
        fwrite(name, 1, namesize, f);
        for (pos = ftell(f); pos % 4; pos++)
                fputc(0, f);
        if (len)
                fwrite(data, 1, len, f);
        for (pos = ftell(f); pos % 4; pos++)
                fputc(0, f);
}

/* it_image's kernel and command line with an initrd of one file and no
 * /init, and its golden file computed by tdxh golden compute. */
static char *build_agentless_image(void)
{
        char *dir = NULL, *path = NULL, *golden = NULL, *cmd = NULL, *cmdline;
        struct run_result r;
        FILE *f;

        ck_assert_int_ge(asprintf(&dir, "%s/agentless", it_work), 0);
        ck_assert_int_ge(asprintf(&golden, "%s/golden", dir), 0);
        ck_assert(mkdir(dir, 0755) == 0 && mkdir(golden, 0755) == 0);
        for (int i = 0; i < 2; i++) {
                const char *name = i ? "cmdline" : "vmlinuz";
                char *from = NULL, *to = NULL;
                uint8_t *data;
                size_t len;

                ck_assert_int_ge(asprintf(&from, "%s/%s", it_image, name), 0);
                ck_assert_int_ge(asprintf(&to, "%s/%s", dir, name), 0);
                data = slurp(from, &len);
                ck_assert_int_eq(file_write_atomic(to, data, len, 0644, NULL), 0);
                free(data);
                free(from);
                free(to);
        }
        ck_assert_int_ge(asprintf(&path, "%s/initrd.img", dir), 0);
        f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        put_newc(f, "agentless", 0100644, "an initrd without /init: the kernel panics\n");
        put_newc(f, "TRAILER!!!", 0, NULL);
        ck_assert_int_eq(fclose(f), 0);
        free(path);
        ck_assert_int_ge(asprintf(&path, "%s/cmdline", dir), 0);
        cmdline = (char *)slurp(path, NULL);
        free(path);
        ck_assert_int_ge(asprintf(&cmd, "%s/fake.json", golden), 0);
        ck_assert(chdir(dir) == 0);
        run_tdxh(&r, (const char *[]){ "--quiet", "golden", "compute", "--profile", "fake",
                                       "--firmware", "/usr/share/ovmf/OVMF.fd", "--kernel",
                                       "vmlinuz", "--initrd", "initrd.img", "--cmdline", cmdline,
                                       "--memory", "2G", "--vcpus", "1", "-o", cmd, NULL });
        ck_assert_msg(r.status == 0, "golden compute: %s", r.err);
        run_result_free(&r);
        ck_assert(chdir("/") == 0);
        free(cmdline);
        free(cmd);
        free(golden);
        return dir;
}

static void setup(void)
{
        it_image_setup();
        agentless_image = build_agentless_image();
}

static void teardown(void)
{
        free(agentless_image);
        agentless_image = NULL;
        it_image_teardown();
}

static char *new_rundir(const char *name)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/run-%s", it_work, name), 0);
        return p;
}

static void assert_nothing_left(const char *rundir)
{
        char desc[2048];

        ck_assert_msg(it_processes_mentioning(rundir, desc, sizeof(desc)) == 0,
                      "processes left running: %s", desc);
}

static json_object *scenario_of(const char *run, json_object **ret_report)
{
        char *dir = NULL;
        json_object *rep, *scen;

        ck_assert_int_ge(asprintf(&dir, "%s/report", run), 0);
        rep = it_load_json(dir, "report.json");
        free(dir);
        ck_assert(json_object_object_get_ex(rep, "scenarios", &scen));
        *ret_report = rep;
        return json_object_array_get_idx(scen, 0);
}

static const char *check_status(json_object *scen, const char *name, const char **ret_message)
{
        json_object *checks, *v;

        ck_assert(json_object_object_get_ex(scen, "checks", &checks));
        for (size_t i = 0; i < json_object_array_length(checks); i++) {
                json_object *c = json_object_array_get_idx(checks, i);

                json_object_object_get_ex(c, "name", &v);
                if (strcmp(json_object_get_string(v), name) != 0)
                        continue;
                if (ret_message) {
                        json_object_object_get_ex(c, "message", &v);
                        *ret_message = json_object_get_string(v);
                }
                json_object_object_get_ex(c, "status", &v);
                return json_object_get_string(v);
        }
        ck_abort_msg("no check %s in the report", name);
        return NULL;
}

static int64_t int_at(json_object *o, const char *key)
{
        json_object *v;

        ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
        return json_object_get_int64(v);
}

/* Each of RTMR0-2 compared event by event: every golden event has its
 * observed twin and there is nothing else. */
static void assert_events_match(json_object *scen)
{
        json_object *diff, *regs, *v, *counts;
        int checked = 0;

        ck_assert(json_object_object_get_ex(scen, "diff", &diff));
        ck_assert(json_object_object_get_ex(diff, "registers", &regs));
        for (size_t i = 0; i < json_object_array_length(regs); i++) {
                json_object *reg = json_object_array_get_idx(regs, i);

                json_object_object_get_ex(reg, "name", &v);
                if (strncmp(json_object_get_string(v), "rtmr", 4) != 0 ||
                    strcmp(json_object_get_string(v), "rtmr3") == 0)
                        continue;
                ck_assert(json_object_object_get_ex(reg, "events_compared", &v) &&
                          json_object_get_boolean(v));
                ck_assert(json_object_object_get_ex(reg, "counts", &counts));
                ck_assert_int_gt(int_at(counts, "golden"), 0);
                ck_assert_int_eq(int_at(counts, "same"), int_at(counts, "golden"));
                ck_assert_int_eq(int_at(counts, "observed"), int_at(counts, "golden"));
                checked++;
        }
        ck_assert_int_eq(checked, 3);
}

static void report_boot_time(const char *run, const char *what)
{
        json_object *facts = it_load_json(run, "facts.json"), *t;

        ck_assert(json_object_object_get_ex(facts, "harness_timings_ms", &t));
        fprintf(stderr, "%s: boot to stop %lld ms, host reads %lld ms\n", what,
                (long long)int_at(t, json_object_object_get_ex(t, "boot_to_stop", NULL)
                                             ? "boot_to_stop"
                                             : "boot_to_hello"),
                (long long)(json_object_object_get_ex(t, "host_reads", NULL)
                                    ? int_at(t, "host_reads")
                                    : -1));
        json_object_put(facts);
}

START_TEST(test_agentless_image_matches_its_golden_file_and_lists_skipped_steps)
{
        static const char *const skipped[] = { "agent", "guest-registers", "guest-event-log",
                                               "rtmr3-extend", "quote", "seal" };
        char *run = new_rundir("agentless");
        json_object *rep, *scen, *host, *v;
        const char *msg = NULL;
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "boot", "--image", agentless_image, "--out", run, NULL });
        ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "verdict: agentless match"));
        run_result_free(&r);
        scen = scenario_of(run, &rep);
        ck_assert(json_object_object_get_ex(scen, "name", &v));
        ck_assert_ptr_nonnull(strstr(json_object_get_string(v), "(agentless)"));
        for (size_t i = 0; i < sizeof(skipped) / sizeof(skipped[0]); i++)
                ck_assert_str_eq(check_status(scen, skipped[i], NULL), "skip");
        check_status(scen, "agent", &msg);
        ck_assert_ptr_nonnull(strstr(msg, "Kernel panic"));
        ck_assert_str_eq(check_status(scen, "tpm-pcrs", &msg), "pass");
        ck_assert_ptr_nonnull(strstr(msg, "equal the log's replay"));
        for (int i = 0; i < 3; i++) {
                char name[8];

                snprintf(name, sizeof(name), "rtmr%d", i);
                ck_assert_str_eq(check_status(scen, name, NULL), "pass");
        }
        ck_assert_str_eq(check_status(scen, "mrtd", NULL), "pass");
        assert_events_match(scen);
        json_object_put(rep);
        host = it_load_json(run, "evidence/host.json");
        /* ExitBootServices' two events come from the final events table. */
        ck_assert_int_eq(int_at(host, "final_events"), 2);
        ck_assert(json_object_object_get_ex(host, "pcr_mismatches", &v));
        ck_assert_int_eq(json_object_array_length(v), 0);
        ck_assert(json_object_object_get_ex(host, "pcrs_checked", &v));
        ck_assert_int_ge(json_object_array_length(v), 8);
        json_object_put(host);
        report_boot_time(run, "agentless boot");
        assert_nothing_left(run);
        free(run);
}
END_TEST

START_TEST(test_agentless_changed_cmdline_is_a_mismatch_naming_it)
{
        char *run = new_rundir("agentless-cmdline");
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "boot", "--image", agentless_image, "--out", run,
                                       "--no-agent", "--cmdline", "console=ttyS0 quiet panic=-2",
                                       NULL });
        ck_assert_msg(r.status == 1, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "verdict: agentless mismatch"));
        ck_assert_ptr_nonnull(strstr(r.out, "command line changed"));
        ck_assert_ptr_nonnull(strstr(r.out, "observed 'console=ttyS0 quiet panic=-2 initrd=initrd'"));
        run_result_free(&r);
        report_boot_time(run, "agentless boot, --no-agent");
        assert_nothing_left(run);
        free(run);
}
END_TEST

/* The agent image whose kernel panics before /init: no hello ever comes,
 * and what the firmware and the stub measured is still read and compared. */
START_TEST(test_agent_image_that_panics_is_read_from_the_host)
{
        char *run = new_rundir("panic");
        json_object *rep, *scen;
        const char *msg = NULL;
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "boot", "--image", it_image, "--out", run, "--cmdline",
                                       "console=ttyS0 panic=-1 rdinit=/nonexistent", NULL });
        ck_assert_msg(r.status == 1, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "verdict: agentless mismatch"));
        ck_assert_ptr_nonnull(strstr(r.out, "command line changed"));
        ck_assert_ptr_nonnull(strstr(r.out, "rdinit=/nonexistent"));
        run_result_free(&r);
        scen = scenario_of(run, &rep);
        ck_assert_str_eq(check_status(scen, "agent", &msg), "skip");
        ck_assert_ptr_nonnull(strstr(msg, "panicked"));
        ck_assert_str_eq(check_status(scen, "tpm-pcrs", NULL), "pass");
        ck_assert_str_eq(check_status(scen, "rtmr0", NULL), "pass");
        ck_assert_str_eq(check_status(scen, "rtmr2", NULL), "fail");
        json_object_put(rep);
        assert_nothing_left(run);
        free(run);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("tdxh_agentless");
        TCase *tc = tcase_create("tdxh_agentless");

        if (access("/usr/share/ovmf/OVMF.fd", R_OK) != 0)
                return 77;
        tcase_add_unchecked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, test_agentless_image_matches_its_golden_file_and_lists_skipped_steps);
        tcase_add_test(tc, test_agentless_changed_cmdline_is_a_mismatch_naming_it);
        tcase_add_test(tc, test_agent_image_that_panics_is_read_from_the_host);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
