/* The reports in a real browser: headless Chromium loads the HTML report and
 * the JUnit XML written from the fixture report (fixture_events.h) and the
 * test reads back the DOM Chromium built (--dump-dom): the tables, the
 * highlighted rows and the hostile event text as text, not markup; and the
 * XML parsed by Chromium's XML parser without errors. Skipped (77) where
 * Chromium is not installed. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fixture_events.h"
#include "testutil.h"

#define CHROMIUM "/usr/bin/chromium"
#define DEADLINE_S 120

extern char **environ;

static char *dir;

/* After Chromium exits: its helpers, reparented to us (we are a subreaper),
 * are killed with the group and reaped. */
static void reap_group(pid_t pgid)
{
        time_t until = time(NULL) + 10;

        kill(-pgid, SIGKILL);
        while (time(NULL) <= until) {
                pid_t w = waitpid(-1, NULL, WNOHANG);

                if (w < 0 && errno == ECHILD)
                        return;
                if (w <= 0)
                        usleep(20000);
        }
}

/* Runs Chromium on file:// path without a shell, in its own process group,
 * and returns what --dump-dom printed. The whole group is killed at the
 * deadline and after Chromium exits, so no helper process outlives the test. */
static char *dump_dom(const char *path)
{
        char *profile = tmpdir_make(), *url = NULL, *out_path = NULL, *user_data = NULL;
        char *argv[] = { (char *)CHROMIUM, (char *)"--headless", (char *)"--no-sandbox",
                         (char *)"--disable-gpu", (char *)"--disable-quic", (char *)"--no-first-run",
                         (char *)"--disable-background-networking", (char *)"--disable-component-update",
                         (char *)"--disable-sync", NULL, (char *)"--dump-dom", NULL, NULL };
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        time_t deadline = time(NULL) + DEADLINE_S;
        int out_fd, status = 0;
        pid_t pid;
        char *dom;

        ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), 0);
        ck_assert_int_ge(asprintf(&user_data, "--user-data-dir=%s", profile), 0);
        ck_assert_int_ge(asprintf(&url, "file://%s", path), 0);
        ck_assert_int_ge(asprintf(&out_path, "%s/dom.out", dir), 0);
        argv[9] = user_data;
        argv[11] = url;
        out_fd = open(out_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ck_assert_int_ge(out_fd, 0);
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
        posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawnattr_init(&attr);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&attr, 0);
        ck_assert_int_eq(posix_spawn(&pid, CHROMIUM, &fa, &attr, argv, environ), 0);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        close(out_fd);
        for (;;) {
                pid_t w = waitpid(pid, &status, WNOHANG);

                if (w == pid)
                        break;
                if (time(NULL) > deadline) {
                        kill(-pid, SIGKILL);
                        waitpid(pid, &status, 0);
                        reap_group(pid);
                        ck_abort_msg("chromium did not finish within %d s", DEADLINE_S);
                }
                usleep(20000);
        }
        reap_group(pid);
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "chromium failed: status %d", status);
        dom = (char *)slurp(out_path, NULL);
        free(user_data);
        free(url);
        free(out_path);
        tmpdir_remove(profile);
        return dom;
}

static size_t count(const char *hay, const char *needle)
{
        size_t n = 0;

        for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
                n++;
        return n;
}

static char *write_reports(void)
{
        struct report rep;
        struct tdxh_err e = { 0 };
        char *sub = NULL;

        fixture_report(&rep);
        ck_assert_int_ge(asprintf(&sub, "%s/report", dir), 0);
        ck_assert_msg(report_write_dir(&rep, sub, &e) == 0, "%s", e.msg);
        report_free(&rep);
        return sub;
}

START_TEST(test_html_report_renders_in_chromium)
{
        char *sub = write_reports(), *path = NULL, *dom;

        ck_assert_int_ge(asprintf(&path, "%s/report.html", sub), 0);
        dom = dump_dom(path);
        ck_assert_ptr_nonnull(strstr(dom, "<title>tdxh report</title>"));
        ck_assert_ptr_nonnull(strstr(dom, "<body data-result=\"fail\">"));
        ck_assert_ptr_nonnull(strstr(dom, "2 scenarios, 8 checks: 4 passed, 2 failed, 1 errors, 1 skipped"));
        /* One section per register of the golden file, one row per event. */
        ck_assert_uint_eq(count(dom, "<section class=\"register "), 4);
        ck_assert_uint_eq(count(dom, "<tr class=\"row "), 20);
        ck_assert_uint_eq(count(dom, "<tr class=\"row row-changed\" data-status=\"changed\">"), 1);
        ck_assert_uint_eq(count(dom, "data-status=\"same\""), 19);
        ck_assert_ptr_nonnull(strstr(dom, "data-register=\"rtmr1\" data-status=\"mismatch\""));
        ck_assert_ptr_nonnull(strstr(dom, "<li class=\"cause conf-likely\" data-kind=\"kernel\">"));
        /* The hostile text is text in the DOM: escaped on serialisation,
         * and no element was created from it. */
        ck_assert_ptr_nonnull(strstr(dom, "File(&lt;script&gt;alert(1)&lt;/script&gt; &amp; \"q\" 'a' "
                                          "\\xff\\xfe ]]&gt; `|*_)"));
        ck_assert_ptr_null(strstr(dom, "<script"));
        /* The styles are inline. */
        ck_assert_ptr_nonnull(strstr(dom, "tr.row-changed { background: var(--changed-bg); }"));
        free(dom);
        free(path);
        free(sub);
}
END_TEST

START_TEST(test_junit_report_parses_in_chromium)
{
        char *sub = write_reports(), *path = NULL, *dom;

        ck_assert_int_ge(asprintf(&path, "%s/report.xml", sub), 0);
        dom = dump_dom(path);
        ck_assert_ptr_null(strstr(dom, "parsererror"));
        ck_assert_ptr_nonnull(strstr(dom, "testsuites"));
        ck_assert_ptr_nonnull(strstr(dom, "RTMR1 differs from the golden file"));
        free(dom);
        free(path);
        free(sub);
}
END_TEST

static void setup(void)
{
        dir = tmpdir_make();
}

static void teardown(void)
{
        tmpdir_remove(dir);
        dir = NULL;
}

int main(void)
{
        Suite *s = suite_create("report-html");
        TCase *tc = tcase_create("chromium");

        if (access(CHROMIUM, X_OK) != 0) {
                fprintf(stderr, "%s not installed: skipped\n", CHROMIUM);
                return 77;
        }
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, DEADLINE_S * 2 + 30);
        tcase_add_test(tc, test_html_report_renders_in_chromium);
        tcase_add_test(tc, test_junit_report_parses_in_chromium);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
