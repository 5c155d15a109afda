/* tdxh boot end to end on the fake platform: the minimal image matches its
 * golden file; a changed command line and a changed memory size are
 * mismatches explained by their cause; and every fault (QEMU missing or
 * failing, swtpm killed, an agent that never answers, SIGINT) ends with
 * exit 3, a one-line reason, a report naming the failure (a kernel panic
 * before the hello is read from the host instead: test_it_tdxh_agentless)
 * and nothing left running or lying around. */
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

#include "core/buf.h"
#include "core/file.h"
#include "run/child.h"
#include "run/deadline.h"
#include "it_tdxh.h"
#include "testutil.h"



/* Run directories have neutral names, so that a reason found in the output
 * is the reason and not the directory's name. */
static char *new_rundir(const char *name)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/run-%s", it_work, name), 0);
        return p;
}



/* The runtime directory (sockets, TPM state) that the run used, from the
 * swtpm argv in its facts: "--tpmstate /tmp/tdxh-XXXXXX/tpm". */
static void assert_runtime_removed(const char *rundir)
{
        json_object *facts = it_load_json(rundir, "facts.json"), *host, *argv, *setup;
        const char *state = NULL;

        if (json_object_object_get_ex(facts, "host", &host) &&
            json_object_object_get_ex(host, "argv", &argv) &&
            json_object_object_get_ex(argv, "swtpm_setup", &setup))
                for (size_t i = 0; i + 1 < json_object_array_length(setup); i++)
                        if (strcmp(json_object_get_string(json_object_array_get_idx(setup, i)),
                                   "--tpmstate") == 0)
                                state = json_object_get_string(json_object_array_get_idx(setup, i + 1));
        if (state) {
                char *dir = strdup(state), *slash = strrchr(dir, '/');
                struct stat st;

                *slash = '\0';
                ck_assert_msg(stat(dir, &st) != 0, "runtime directory %s was left behind", dir);
                free(dir);
        }
        json_object_put(facts);
}

static void assert_nothing_left(const char *rundir)
{
        char desc[2048];

        ck_assert_msg(it_processes_mentioning(rundir, desc, sizeof(desc)) == 0,
                      "processes left running: %s", desc);
        assert_runtime_removed(rundir);
}


/* One line on stderr for the failure (besides progress lines, which CI
 * suppresses). */
static void assert_one_line_reason(const struct run_result *r, const char *fragment)
{
        const char *nl = strchr(r->err, '\n');

        ck_assert_msg(strstr(r->err, fragment) != NULL, "stderr '%s' lacks '%s'", r->err, fragment);
        ck_assert_msg(nl && nl[1] == '\0', "more than one line on stderr: '%s'", r->err);
}

START_TEST(test_boot_matches_the_images_golden_file)
{
        char *run = new_rundir("match");
        struct run_result r;
        json_object *rep, *scen, *facts, *host, *v;
        char *report = NULL;

        run_tdxh(&r, (const char *[]){ "boot", "--image", it_image, "--out", run, NULL });
        ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "verdict: match"));
        ck_assert_ptr_nonnull(strstr(r.out, "report (HTML):"));
        ck_assert_ptr_nonnull(strstr(r.out, "report (JUnit):"));
        run_result_free(&r);
        ck_assert_int_ge(asprintf(&report, "%s/report", run), 0);
        rep = it_load_json(report, "report.json");
        ck_assert(json_object_object_get_ex(rep, "scenarios", &scen));
        ck_assert(json_object_object_get_ex(json_object_array_get_idx(scen, 0), "facts", &facts));
        ck_assert(json_object_object_get_ex(facts, "host", &host));
        ck_assert(json_object_object_get_ex(host, "qemu", &v));
        ck_assert_ptr_nonnull(strstr(json_object_to_json_string(v), "QEMU emulator version"));
        ck_assert_ptr_nonnull(strstr(json_object_to_json_string(host), "\"swtpm\""));
        ck_assert_ptr_nonnull(strstr(json_object_to_json_string(host), "\"sha256\""));
        json_object_put(rep);
        {
                char *junit = NULL, *text;

                ck_assert_int_ge(asprintf(&junit, "%s/report.xml", report), 0);
                text = (char *)slurp(junit, NULL);
                ck_assert_ptr_nonnull(strstr(text, "<testsuite"));
                ck_assert_ptr_null(strstr(text, "<failure"));
                free(text);
                free(junit);
        }
        json_object_put(it_load_json(run, "evidence/registers.json"));
        assert_nothing_left(run);
        free(report);
        free(run);
}
END_TEST

/* tdxh reproduce of a run boots what it recorded again and gets the same
 * mismatch and registers back; a recorded file that changed since is bad
 * input, refused before anything boots. */
static void reproduce_the_mismatch(const char *run)
{
        char *again = new_rundir("cmdline-again"), *copy = new_rundir("cmdline-changed");
        char *facts = NULL, *text = NULL, *at;
        struct run_result r;
        size_t len;

        run_tdxh(&r, (const char *[]){ "reproduce", run, "--out", again, NULL });
        ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "the first run was a mismatch, this one is a mismatch; "
                                            "every register is the same: the result reproduces"));
        run_result_free(&r);
        assert_nothing_left(again);

        /* The same run, but its facts say another kernel was booted. */
        ck_assert_int_eq(mkdir(copy, 0700), 0);
        ck_assert_int_ge(asprintf(&facts, "%s/facts.json", run), 0);
        text = (char *)slurp(facts, &len);
        at = strstr(text, "\"kernel\"");
        ck_assert_ptr_nonnull(at);
        at = strstr(at, "\"sha256\": \"");
        ck_assert_ptr_nonnull(at);
        at[11] = at[11] == '0' ? '1' : '0';
        free(facts);
        ck_assert_int_ge(asprintf(&facts, "%s/facts.json", copy), 0);
        ck_assert_int_eq(file_write_atomic(facts, text, len, 0644, NULL), 0);
        run_tdxh(&r, (const char *[]){ "reproduce", copy, NULL });
        ck_assert_msg(r.status == 2, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_msg(strstr(r.err, "the kernel the run used") && strstr(r.err, "has changed since"), "%s",
                      r.err);
        run_result_free(&r);
        free(facts);
        free(text);
        free(again);
        free(copy);
}

/* `tdxh golden search RUNDIR` finds the input the run changed, from the
 * image's golden file and its recorded inputs alone, and the golden file it
 * writes matches the run's evidence. */
static void search_finds(const char *run, const char *change)
{
        char *golden = NULL, *found = NULL, *regs = NULL, *log = NULL;
        struct run_result r;

        ck_assert_int_ge(asprintf(&golden, "%s/golden/fake.json", it_image), 0);
        ck_assert_int_ge(asprintf(&found, "%s/found.json", run), 0);
        run_tdxh(&r, (const char *[]){ "golden", "search", run, "--golden", golden, "-o", found, NULL });
        ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_msg(strstr(r.out, change), "no '%s' in:\n%s", change, r.out);
        ck_assert_ptr_nonnull(strstr(r.out, "result: these inputs reproduce the evidence"));
        run_result_free(&r);
        ck_assert_int_ge(asprintf(&regs, "%s/evidence/registers.json", run), 0);
        ck_assert_int_ge(asprintf(&log, "%s/evidence/binary_bios_measurements", run), 0);
        run_tdxh(&r, (const char *[]){ "diff", found, regs, log, NULL });
        ck_assert_msg(r.status == 0, "exit %d\n%s", r.status, r.out);
        run_result_free(&r);
        free(golden);
        free(found);
        free(regs);
        free(log);
}

START_TEST(test_boot_with_a_changed_cmdline_names_the_command_line)
{
        char *run = new_rundir("cmdline");
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "boot", "--image", it_image, "--out", run, "--cmdline",
                                       "console=ttyS0 quiet panic=-2", NULL });
        ck_assert_msg(r.status == 1, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "verdict: mismatch"));
        ck_assert_ptr_nonnull(strstr(r.out, "command line changed"));
        ck_assert_ptr_nonnull(strstr(r.out, "golden 'console=ttyS0 quiet panic=-1 initrd=initrd'"));
        ck_assert_ptr_nonnull(strstr(r.out, "observed 'console=ttyS0 quiet panic=-2 initrd=initrd'"));
        run_result_free(&r);
        assert_nothing_left(run);
        search_finds(run, "cmdline changed: golden 'console=ttyS0 quiet panic=-1', observed "
                          "'console=ttyS0 quiet panic=-2'");
        reproduce_the_mismatch(run);
        free(run);
}
END_TEST

START_TEST(test_boot_with_other_memory_names_the_memory_size)
{
        /* 1 GiB instead of the golden 2 GiB: on the fake platform QEMU patches
         * the kernel's setup header with an initrd address below 1 GiB. */
        char *run = new_rundir("memory");
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "boot", "--image", it_image, "--out", run, "--memory", "1G",
                                       NULL });
        ck_assert_msg(r.status == 1, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "memory size changed"));
        ck_assert_ptr_nonnull(strstr(r.out, "golden 2G, observed 1G"));
        run_result_free(&r);
        assert_nothing_left(run);
        search_finds(run, "memory changed: golden 2G, observed 1G");
        {
                /* The report says how to predict what this boot measured. */
                char *path = NULL, *md;
                size_t len;

                ck_assert_int_ge(asprintf(&path, "%s/report/summary.md", run), 0);
                md = (char *)slurp(path, &len);
                ck_assert_msg(strstr(md, "**Reproduce**: memory changed: golden 2G, observed 1G"), "%s", md);
                ck_assert_ptr_nonnull(strstr(md, "--memory 1G --vcpus 1"));
                free(md);
                free(path);
        }
        free(run);
}
END_TEST

static void expect_infra_failure(const char *name, const char *const *extra, const char *fragment)
{
        const char *argv[24] = { "boot", "--image", it_image, "--out", NULL };
        char *run = new_rundir(name);
        struct run_result r;
        size_t n = 4;

        argv[n++] = run;
        for (size_t i = 0; extra[i]; i++)
                argv[n++] = extra[i];
        argv[n] = NULL;
        run_tdxh(&r, argv);
        ck_assert_msg(r.status == 3, "exit %d\n%s\n%s", r.status, r.out, r.err);
        assert_one_line_reason(&r, fragment);
        ck_assert_ptr_nonnull(strstr(r.out, "verdict: infrastructure failure"));
        run_result_free(&r);
        it_assert_report_names_failure(run, fragment);
        assert_nothing_left(run);
        free(run);
}

START_TEST(test_boot_fails_3_when_qemu_is_missing)
{
        expect_infra_failure("fault1", (const char *[]){ "--qemu", "/nonexistent/qemu-system-x86_64",
                                                         NULL },
                             "/nonexistent/qemu-system-x86_64");
}
END_TEST

START_TEST(test_boot_fails_3_when_qemu_does_not_start)
{
        expect_infra_failure("fault2", (const char *[]){ "--qemu", "/bin/false", NULL }, "/bin/false");
}
END_TEST

START_TEST(test_boot_fails_3_when_the_agent_never_answers)
{
        /* TCG takes longer than 2 s to reach the agent: the deadline fires. */
        expect_infra_failure("fault3", (const char *[]){ "--timeout", "2", NULL }, "2 s");
}
END_TEST

/* Starts tdxh boot in the background; returns once `process` (qemu or
 * swtpm) of this run is running. */
static void start_boot(struct child *c, const char *run, const char *log, const char *process)
{
        const char *argv[] = { "boot", "--image", it_image, "--out", run, NULL };
        char needle[4200];

        if (strcmp(process, "qemu") == 0)
                snprintf(needle, sizeof(needle), "%s/console.log", run);
        else
                snprintf(needle, sizeof(needle), "file=%s/swtpm.log", run);
        it_start_tdxh(c, argv, log, needle);
}

static void expect_background_failure(const char *name, int signal_to_tdxh, const char *fragment)
{
        char *run = new_rundir(name), *log = NULL, *needle = NULL;
        _cleanup_child_ struct child c = CHILD_INIT;
        struct deadline d = deadline_in_ms(120000);

        ck_assert_int_ge(asprintf(&log, "%s/%s.log", it_work, name), 0);
        if (signal_to_tdxh) {
                start_boot(&c, run, log, "qemu");
                kill(c.pid, signal_to_tdxh);
        } else {
                pid_t swtpm;

                start_boot(&c, run, log, "swtpm");
                ck_assert_int_ge(asprintf(&needle, "file=%s/swtpm.log", run), 0);
                swtpm = it_pid_mentioning(needle);
                ck_assert_int_gt(swtpm, 0);
                kill(swtpm, SIGKILL);
        }
        if (child_wait(&c, &d, NULL, NULL) < 0) {
                child_terminate(&c, 0, 5000, NULL);
                ck_abort_msg("tdxh boot did not end");
        }
        ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 3, "status 0x%x", c.status);
        {
                char *text = (char *)slurp(log, NULL);

                ck_assert_msg(strstr(text, fragment) != NULL, "output '%s' lacks '%s'", text, fragment);
                free(text);
        }
        it_assert_report_names_failure(run, fragment);
        assert_nothing_left(run);
        free(needle);
        free(log);
        free(run);
}

START_TEST(test_boot_fails_3_on_sigint_and_cleans_up)
{
        expect_background_failure("fault5", SIGINT, "SIGINT");
}
END_TEST

START_TEST(test_boot_fails_3_when_swtpm_is_killed)
{
        expect_background_failure("fault6", 0, "swtpm");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("tdxh_boot");
        TCase *tc = tcase_create("tdxh_boot");
        int status;

        if (access("/usr/share/ovmf/OVMF.fd", R_OK) != 0)
                return 77;
        tcase_add_unchecked_fixture(tc, it_image_setup, it_image_teardown);
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, test_boot_matches_the_images_golden_file);
        tcase_add_test(tc, test_boot_with_a_changed_cmdline_names_the_command_line);
        tcase_add_test(tc, test_boot_with_other_memory_names_the_memory_size);
        tcase_add_test(tc, test_boot_fails_3_when_qemu_is_missing);
        tcase_add_test(tc, test_boot_fails_3_when_qemu_does_not_start);
        tcase_add_test(tc, test_boot_fails_3_when_the_agent_never_answers);
        tcase_add_test(tc, test_boot_fails_3_on_sigint_and_cleans_up);
        tcase_add_test(tc, test_boot_fails_3_when_swtpm_is_killed);
        suite_add_tcase(s, tc);
        status = run_suite(s);
        return status;
}
