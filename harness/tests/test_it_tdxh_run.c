/* tdxh run end to end on the fake platform, with the scenario library of
 * scenarios/: the main scenario passes and its quote verifies with the run's
 * fake root and not with Intel's; tampering scenarios fail exactly at their
 * expected steps and say why; a step that fails unexpectedly is exit 1; and
 * faults (QEMU killed, swtpm killed, the fake quote service killed, a guest
 * that never answers or panics, SIGINT and SIGTERM during --jobs 2) end with
 * exit 3 (130 for SIGINT), a report naming the failure, nothing left
 * running and no secret in the run directory. */
#include <dirent.h>
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/file.h"
#include "it_tdxh.h"
#include "proc_check.h"
#include "run/child.h"
#include "run/deadline.h"
#include "testutil.h"


static char *scenario(const char *name)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/scenarios/%s.yaml", TDXH_SOURCE_DIR, name), 0);
        return p;
}

static char *path_in(const char *dir, const char *name)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
        return p;
}

/* A scenario file of the test's own. */
static char *write_scenario(const char *name, const char *text)
{
        char *p = NULL;
        struct tdxh_err e = { 0 };

        ck_assert_int_ge(asprintf(&p, "%s/%s.yaml", it_work, name), 0);
        ck_assert_msg(file_write_atomic(p, text, strlen(text), 0644, &e) == 0, "%s", e.msg);
        return p;
}

/* Every step of the scenario report of dir has the given statuses, in order. */
static void assert_steps(const char *rundir, const char *const *statuses)
{
        char *dir = path_in(rundir, "report");
        json_object *rep = it_load_json(dir, "report.json"), *scen, *checks;
        size_t n = 0;

        ck_assert(json_object_object_get_ex(rep, "scenarios", &scen));
        ck_assert(json_object_object_get_ex(json_object_array_get_idx(scen, 0), "checks", &checks));
        while (statuses[n])
                n++;
        ck_assert_uint_eq(json_object_array_length(checks), n);
        for (size_t i = 0; i < n; i++) {
                json_object *c = json_object_array_get_idx(checks, i), *st, *msg;

                ck_assert(json_object_object_get_ex(c, "status", &st));
                ck_assert(json_object_object_get_ex(c, "message", &msg));
                ck_assert_msg(strcmp(json_object_get_string(st), statuses[i]) == 0,
                              "step %zu: %s, expected %s: %s", i, json_object_get_string(st), statuses[i],
                              json_object_get_string(msg));
        }
        json_object_put(rep);
        free(dir);
}

/* The message of step i of the scenario report of dir. */
static char *step_message(const char *rundir, size_t i)
{
        char *dir = path_in(rundir, "report"), *m;
        json_object *rep = it_load_json(dir, "report.json"), *scen, *checks, *msg;

        ck_assert(json_object_object_get_ex(rep, "scenarios", &scen));
        ck_assert(json_object_object_get_ex(json_object_array_get_idx(scen, 0), "checks", &checks));
        ck_assert(json_object_object_get_ex(json_object_array_get_idx(checks, i), "message", &msg));
        m = strdup(json_object_get_string(msg));
        json_object_put(rep);
        free(dir);
        return m;
}

/* Nothing of the run is left: no process mentions its directories, no
 * runtime directory of it, and none of its secrets' files landed in it. */
static void assert_nothing_left(const char *out)
{
        char desc[2048];
        char *cmd = NULL;
        struct run_result r;

        ck_assert_msg(it_processes_mentioning(out, desc, sizeof(desc)) == 0, "left running: %s", desc);
        /* No private key, TPM state or socket in the run directory. */
        ck_assert_int_ge(asprintf(&cmd, "find '%s' -name '*key*.pem' -o -name 'tpm2-00.permall' -o "
                                        "-type s -o -name '.*.tmp*'", out), 0);
        run_cmd(&r, (const char *[]){ "/bin/sh", "-c", cmd, NULL }, 30);
        ck_assert_msg(r.status == 0 && r.out[0] == '\0', "left in the run directory: %s", r.out);
        run_result_free(&r);
        free(cmd);
}

START_TEST(test_run_main_scenario_passes_and_its_quote_is_fake)
{
        char *sc = scenario("measure-extend-quote-seal"), *out = path_in(it_work, "main"),
             *run = path_in(out, "measure-extend-quote-seal"), *root = path_in(run, "fake-root.pem"),
             *quote = NULL;
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "run", sc, "--image", it_image, "--out", out, NULL });
        ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "verdict: pass"));
        run_result_free(&r);
        assert_steps(run, (const char *[]){ "pass", "pass", "pass", "pass", "pass", "pass", "pass", NULL });
        quote = path_in(run, "steps/05-quote/quote.dat");
        run_tdxh(&r, (const char *[]){ "verify", "--quote", quote, "--trust-root", root, NULL });
        ck_assert_msg(r.status == 0, "verify with the fake root: exit %d\n%s%s", r.status, r.out, r.err);
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ "verify", "--quote", quote, NULL });
        ck_assert_msg(r.status == 1, "verify with Intel's root: exit %d\n%s%s", r.status, r.out, r.err);
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ "inspect", quote, NULL });
        ck_assert_msg(r.status == 0 && strcasestr(r.out, "fake"), "inspect does not say fake:\n%s", r.out);
        run_result_free(&r);
        assert_nothing_left(out);
        free(quote);
        free(root);
        free(run);
        free(out);
        free(sc);
}
END_TEST

START_TEST(test_run_seal_tamper_cmdline_fails_where_expected)
{
        char *sc = scenario("seal-tamper-cmdline"), *out = path_in(it_work, "tamper"),
             *run = path_in(out, "seal-tamper-cmdline"), *m;
        struct run_result r;
        json_object *sc_json;
        size_t measure = 0;

        run_tdxh(&r, (const char *[]){ "run", sc, "--image", it_image, "--out", out, NULL });
        ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
        run_result_free(&r);
        /* The measure after the reboot is refused, and names the command line. */
        sc_json = it_load_json(run, "report/report.json");
        {
                json_object *scen, *checks;

                ck_assert(json_object_object_get_ex(sc_json, "scenarios", &scen));
                ck_assert(json_object_object_get_ex(json_object_array_get_idx(scen, 0), "checks", &checks));
                for (size_t i = 0; i < json_object_array_length(checks); i++) {
                        json_object *msg;

                        ck_assert(json_object_object_get_ex(json_object_array_get_idx(checks, i),
                                                            "message", &msg));
                        if (strstr(json_object_get_string(msg), "refused, as expected: mismatch"))
                                measure = i;
                }
        }
        json_object_put(sc_json);
        ck_assert_msg(measure > 0, "no measure step was refused");
        m = step_message(run, measure);
        ck_assert_msg(strstr(m, "refused, as expected") && strstr(m, "command line changed"), "%s", m);
        free(m);
        assert_nothing_left(out);
        free(run);
        free(out);
        free(sc);
}
END_TEST

START_TEST(test_run_unexpected_failure_is_exit_1_and_named)
{
        char *sc = write_scenario("unexpected",
                                  "name: unexpected\n"
                                  "steps:\n"
                                  "  - boot: {cmdline: \"console=ttyS0 quiet panic=-1 loglevel=3\"}\n"
                                  "  - measure: {}\n");
        char *out = path_in(it_work, "unexpected"), *run = path_in(out, "unexpected"), *m;
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "run", sc, "--image", it_image, "--out", out, NULL });
        ck_assert_msg(r.status == 1, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "verdict: fail"));
        run_result_free(&r);
        assert_steps(run, (const char *[]){ "pass", "fail", NULL });
        m = step_message(run, 1);
        ck_assert_msg(strstr(m, "command line changed") && strstr(m, "loglevel=3"), "%s", m);
        free(m);
        assert_nothing_left(out);
        free(run);
        free(out);
        free(sc);
}
END_TEST

START_TEST(test_run_bad_scenario_is_exit_2_before_anything_boots)
{
        char *sc = write_scenario("typo", "name: typo\nsteps:\n  - boot: {}\n  - mesure: {}\n");
        char *out = path_in(it_work, "typo");
        struct run_result r;
        struct stat st;

        run_tdxh(&r, (const char *[]){ "run", sc, "--image", it_image, "--out", out, NULL });
        ck_assert_msg(r.status == 2, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_msg(strstr(r.err, "typo.yaml:4:") && strstr(r.err, "did you mean 'measure'"), "%s", r.err);
        ck_assert_msg(stat(out, &st) != 0, "a run directory was made for a scenario that does not parse");
        run_result_free(&r);
        free(out);
        free(sc);
}
END_TEST

/* A scenario that fails as a whole with exit 3 and names fragment. */
static void expect_infra(const char *name, const char *text, const char *fragment)
{
        char *sc = write_scenario(name, text), *out = path_in(it_work, name);
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "run", sc, "--image", it_image, "--out", out, NULL });
        ck_assert_msg(r.status == 3, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "verdict: infrastructure failure"));
        run_result_free(&r);
        it_assert_report_names_failure(out, fragment);
        assert_nothing_left(out);
        free(out);
        free(sc);
}

START_TEST(test_run_agent_that_never_answers_is_exit_3)
{
        expect_infra("silent", "name: silent\nsteps:\n  - boot: {timeout: 2}\n  - measure: {}\n", "2 s");
}
END_TEST

START_TEST(test_run_kernel_panic_is_exit_3)
{
        expect_infra("panic",
                     "name: panic\nsteps:\n"
                     "  - boot: {cmdline: \"console=ttyS0 panic=-1 rdinit=/nonexistent\"}\n"
                     "  - measure: {}\n",
                     "panic");
}
END_TEST

/* Starts `tdxh run` of text in the background, waits for needle (a process
 * of the run), does what `act` says to it, and expects exit `code`. */
static void background_fault(const char *name, const char *text, const char *needle_prefix,
                             const char *needle_rel,
                             int code, const char *fragment, void (*act)(struct child *c, pid_t target))
{
        char *sc = write_scenario(name, text), *out = path_in(it_work, name), *log = NULL, *needle = NULL;
        _cleanup_child_ struct child c = CHILD_INIT;
        struct deadline d = deadline_in_ms(300000);
        char *text_out;

        ck_assert_int_ge(asprintf(&log, "%s/%s.log", it_work, name), 0);
        ck_assert_int_ge(asprintf(&needle, "%s%s/%s", needle_prefix, out, needle_rel), 0);
        it_start_tdxh(&c, (const char *[]){ "run", sc, "--image", it_image, "--out", out, NULL }, log, needle);
        act(&c, it_pid_mentioning(needle));

        if (child_wait(&c, &d, NULL, NULL) < 0) {
                child_terminate(&c, 0, 5000, NULL);
                ck_abort_msg("tdxh run did not end");
        }
        text_out = (char *)slurp(log, NULL);
        ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == code, "status 0x%x\n%s",
                      c.status, text_out);
        ck_assert_msg(strstr(text_out, fragment), "output lacks '%s':\n%s", fragment, text_out);
        free(text_out);
        it_assert_report_names_failure(out, fragment);
        assert_nothing_left(out);
        free(needle);
        free(log);
        free(out);
        free(sc);
}

static void kill_target(struct child *c, pid_t target)
{
        (void)c;
        ck_assert_int_gt(target, 0);
        ck_assert_int_eq(kill(target, SIGKILL), 0);
}

/* The quote service of this run: the child of tdxh run named tdxh-fake-qgs
 * (other tests run services of their own at the same time). */
static void kill_qgs(struct child *c, pid_t target)
{
        DIR *d = opendir("/proc");
        struct dirent *de;
        bool killed = false;

        (void)target;
        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d))) {
                char comm[64], state;
                pid_t ppid, pgrp;

                if (de->d_name[0] < '0' || de->d_name[0] > '9' ||
                    proc_stat_read((pid_t)strtol(de->d_name, NULL, 10), comm, &state, &ppid, &pgrp) < 0)
                        continue;
                if (ppid == c->pid && strcmp(comm, "tdxh-fake-qgs") == 0) {
                        ck_assert_int_eq(kill((pid_t)strtol(de->d_name, NULL, 10), SIGKILL), 0);
                        killed = true;
                }
        }
        closedir(d);
        ck_assert_msg(killed, "no tdxh-fake-qgs under tdxh run");
}

static void send_sigint(struct child *c, pid_t target)
{
        (void)target;
        ck_assert_int_eq(kill(c->pid, SIGINT), 0);
}

static void send_sigterm(struct child *c, pid_t target)
{
        (void)target;
        ck_assert_int_eq(kill(c->pid, SIGTERM), 0);
}

START_TEST(test_run_qemu_killed_during_boot_is_exit_3)
{
        background_fault("qemu-killed", "name: qemu-killed\nsteps:\n  - boot: {}\n  - measure: {}\n",
                         "", "qemu-killed/boot-1/console.log", 3, "QEMU", kill_target);
}
END_TEST

START_TEST(test_run_swtpm_killed_mid_scenario_is_exit_3)
{
        background_fault("swtpm-killed", "name: swtpm-killed\nsteps:\n  - boot: {}\n  - measure: {}\n",
                         "file=", "swtpm-killed/boot-1/swtpm.log", 3, "swtpm", kill_target);
}
END_TEST

START_TEST(test_run_fake_qgs_killed_is_exit_3)
{
        /* The service starts with the first quote and lives for the
         * scenario: killed while the guest reboots, the second quote fails. */
        background_fault("qgs-killed",
                         "name: qgs-killed\nsteps:\n  - boot: {}\n  - quote: {}\n  - reboot: {}\n"
                         "  - quote: {}\n",
                         "", "qgs-killed/boot-2/console.log", 3, "tdxh-fake-qgs", kill_qgs);
}
END_TEST

START_TEST(test_run_full_run_directory_is_exit_3_without_partial_files)
{
        char *sc = write_scenario("full", "name: full\nsteps:\n  - boot: {}\n  - measure: {}\n");
        char *mnt = path_in(it_work, "full-fs"), *out = path_in(mnt, "out"), *cmd = NULL;
        struct run_result r;

        /* A 64 KiB file system fills up with the first boot's logs. */
        ck_assert_int_eq(mkdir(mnt, 0755), 0);
        run_cmd(&r, (const char *[]){ "mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", mnt, NULL }, 30);
        if (r.status != 0) {
                fprintf(stderr, "not checked here: cannot mount a small tmpfs (%s)\n", r.err);
                run_result_free(&r);
                goto out;
        }
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ "run", sc, "--image", it_image, "--out", out, NULL });
        ck_assert_msg(r.status == 3, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_msg(strstr(r.err, "No space left on device"), "%s", r.err);
        run_result_free(&r);
        ck_assert_int_ge(asprintf(&cmd, "find '%s' -name '.*'", out), 0);
        run_cmd(&r, (const char *[]){ "/bin/sh", "-c", cmd, NULL }, 30);
        ck_assert_msg(r.status == 0 && r.out[0] == '\0', "partial files left: %s", r.out);
        run_result_free(&r);
        assert_nothing_left(out);
        run_cmd(&r, (const char *[]){ "umount", mnt, NULL }, 30);
        ck_assert_msg(r.status == 0, "umount: %s", r.err);
        run_result_free(&r);
out:
        free(cmd);
        free(out);
        free(mnt);
        free(sc);
}
END_TEST

/* Two scenarios at once; the signal arrives while both guests boot. */
static void jobs_signal(const char *name, void (*act)(struct child *, pid_t), int code,
                        const char *fragment)
{
        char *a = write_scenario("jobs-a", "name: jobs-a\nsteps:\n  - boot: {}\n  - measure: {}\n");
        char *b = write_scenario("jobs-b", "name: jobs-b\nsteps:\n  - boot: {}\n  - measure: {}\n");
        char *out = path_in(it_work, name), *log = NULL, *needle = NULL, *text;
        _cleanup_child_ struct child c = CHILD_INIT;
        struct deadline d = deadline_in_ms(300000);

        ck_assert_int_ge(asprintf(&log, "%s/%s.log", it_work, name), 0);
        ck_assert_int_ge(asprintf(&needle, "%s/jobs-b/boot-1/console.log", out), 0);
        it_start_tdxh(&c, (const char *[]){ "run", a, b, "--jobs", "2", "--image", it_image, "--out", out,
                                            NULL },
                      log, needle);
        act(&c, 0);
        if (child_wait(&c, &d, NULL, NULL) < 0) {
                child_terminate(&c, 0, 5000, NULL);
                ck_abort_msg("tdxh run --jobs 2 did not end");
        }
        text = (char *)slurp(log, NULL);
        ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == code, "status 0x%x\n%s", c.status,
                      text);
        free(text);
        it_assert_report_names_failure(out, fragment);
        assert_nothing_left(out);
        free(needle);
        free(log);
        free(out);
        free(a);
        free(b);
}

START_TEST(test_run_jobs_2_sigint_is_130_and_cleans_up)
{
        jobs_signal("jobs-int", send_sigint, 130, "signal");
}
END_TEST

START_TEST(test_run_jobs_2_sigterm_is_3_and_cleans_up)
{
        jobs_signal("jobs-term", send_sigterm, 3, "signal");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("tdxh_run");
        TCase *tc = tcase_create("tdxh_run");

        if (access("/usr/share/ovmf/OVMF.fd", R_OK) != 0)
                return 77;
        tcase_add_unchecked_fixture(tc, it_image_setup, it_image_teardown);
        tcase_set_timeout(tc, 900);
        tcase_add_test(tc, test_run_main_scenario_passes_and_its_quote_is_fake);
        tcase_add_test(tc, test_run_seal_tamper_cmdline_fails_where_expected);
        tcase_add_test(tc, test_run_unexpected_failure_is_exit_1_and_named);
        tcase_add_test(tc, test_run_bad_scenario_is_exit_2_before_anything_boots);
        tcase_add_test(tc, test_run_agent_that_never_answers_is_exit_3);
        tcase_add_test(tc, test_run_kernel_panic_is_exit_3);
        tcase_add_test(tc, test_run_qemu_killed_during_boot_is_exit_3);
        tcase_add_test(tc, test_run_swtpm_killed_mid_scenario_is_exit_3);
        tcase_add_test(tc, test_run_fake_qgs_killed_is_exit_3);
        tcase_add_test(tc, test_run_full_run_directory_is_exit_3_without_partial_files);
        tcase_add_test(tc, test_run_jobs_2_sigint_is_130_and_cleans_up);
        tcase_add_test(tc, test_run_jobs_2_sigterm_is_3_and_cleans_up);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
