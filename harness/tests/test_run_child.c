/* Child processes: spawning, exec failures, deadlines, the stop path, process
 * groups, what the child inherits, and that nothing is left behind. The test
 * binary doubles as the misbehaving child (`--helper MODE`), so no shell is
 * involved anywhere. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "proc_check.h"
#include "run/child.h"
#include "testutil.h"

static char self_exe[4096];

/* ---- helper modes, run as the child ---- */

static int helper(const char *mode)
{
        if (strcmp(mode, "ignore-term") == 0) {
                signal(SIGTERM, SIG_IGN);
                puts("ready");
                fflush(stdout);
                for (;;)
                        pause();
        }
        if (strcmp(mode, "pause") == 0) {
                for (;;)
                        pause();
        }
        if (strcmp(mode, "grandchildren") == 0) {
                for (int i = 0; i < 3; i++) {
                        pid_t p = fork();

                        if (p == 0) {
                                for (;;)
                                        pause();
                        }
                        printf("%d\n", (int)p);
                }
                fflush(stdout);
                for (;;)
                        pause();
        }
        if (strcmp(mode, "two-streams") == 0) {
                for (int i = 0; i < 3; i++) {
                        fprintf(stdout, "out %d\n", i);
                        fflush(stdout);
                        fprintf(stderr, "err %d\n", i);
                }
                _exit(3);
        }
        if (strcmp(mode, "env") == 0) {
                extern char **environ;

                for (char **e = environ; *e; e++)
                        puts(*e);
                fflush(stdout);
                _exit(0); /* no exit-time leak check of the test framework's globals */
        }
        if (strcmp(mode, "state") == 0) {
                char line[256];
                FILE *f = fopen("/proc/self/status", "re");
                DIR *d = opendir("/proc/self/fd");
                struct dirent *de;

                while (f && fgets(line, sizeof(line), f))
                        if (!strncmp(line, "SigBlk:", 7) || !strncmp(line, "SigIgn:", 7))
                                fputs(line, stdout);
                if (f)
                        fclose(f);
                while (d && (de = readdir(d)))
                        if (de->d_name[0] != '.' && strtol(de->d_name, NULL, 10) != dirfd(d))
                                printf("fd %s\n", de->d_name);
                if (d)
                        closedir(d);
                printf("pgid-is-pid %d\n", getpgid(0) == getpid());
                fflush(stdout);
                _exit(0);
        }
        return 99;
}

/* ---- helpers for the tests ---- */

static void become_subreaper(void)
{
        ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
}

static void assert_no_children(void)
{
        char desc[512];
        int n = proc_count(getpid(), -1, desc, sizeof(desc));

        ck_assert_msg(n == 0, "processes left behind: %s", desc);
}

static char *capture(const char *mode, struct deadline d, int *status_ok)
{
        const char *argv[] = { self_exe, "--helper", mode, NULL };
        struct tdxh_err e = { 0 };
        char *out = NULL;
        int r = child_run_capture(argv, 65536, &d, NULL, &out, &e);

        *status_ok = r;
        return out;
}

static void spawn_helper(struct child *c, const char *mode, int out_fd)
{
        const char *argv[] = { self_exe, "--helper", mode, NULL };
        struct tdxh_err e = { 0 };
        struct child_opts o = { .argv = argv, .name = mode };

        if (out_fd >= 0)
                o.out = (struct child_io){ .kind = CHILD_IO_FD, .fd = out_fd };
        ck_assert_msg(child_spawn(c, &o, &e) == 0, "%s", e.msg);
}

/* Reads one line from a pipe with a deadline. */
static void read_line(int fd, char *out, size_t len)
{
        struct deadline d = deadline_in_ms(10000);
        size_t n = 0;

        while (n + 1 < len) {
                struct pollfd p = { .fd = fd, .events = POLLIN };
                ssize_t r;

                ck_assert_int_eq(poll(&p, 1, deadline_poll_ms(&d)), 1);
                r = read(fd, out + n, 1);
                ck_assert_int_eq(r, 1);
                if (out[n] == '\n')
                        break;
                n++;
        }
        out[n] = '\0';
}

/* ---- tests ---- */

START_TEST(test_child_true_succeeds_and_false_reports_status)
{
        const char *t[] = { "true", NULL }, *f[] = { "/bin/false", NULL };
        struct child c = CHILD_INIT;
        struct deadline d = deadline_in_ms(10000);
        struct tdxh_err e = { 0 };
        char desc[96];

        become_subreaper();
        ck_assert_int_eq(child_spawn(&c, &(struct child_opts){ .argv = t }, &e), 0);
        ck_assert_int_eq(child_wait(&c, &d, NULL, &e), 0);
        ck_assert(child_succeeded(&c));
        ck_assert_str_eq(c.name, "true");
        child_done(&c);

        ck_assert_int_eq(child_spawn(&c, &(struct child_opts){ .argv = f }, &e), 0);
        ck_assert_int_eq(child_wait(&c, &d, NULL, &e), 0);
        ck_assert(!child_succeeded(&c));
        child_describe(&c, desc, sizeof(desc));
        ck_assert_str_eq(desc, "exited with status 1");
        child_done(&c);
        assert_no_children();
}
END_TEST

START_TEST(test_child_missing_program_is_enoent_with_name)
{
        const char *a[] = { "/nonexistent/qemu-system-x86_64", NULL };
        const char *b[] = { "tdxh-no-such-program", NULL };
        char *dir = tmpdir_make(), *plain = NULL;
        struct child c = CHILD_INIT;
        struct tdxh_err e = { 0 };

        become_subreaper();
        ck_assert_int_eq(child_spawn(&c, &(struct child_opts){ .argv = a }, &e), -ENOENT);
        ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/qemu-system-x86_64"));
        ck_assert_int_eq(c.pid, 0);
        err_clear(&e);
        ck_assert_int_eq(child_spawn(&c, &(struct child_opts){ .argv = b }, &e), -ENOENT);
        ck_assert_str_eq(e.msg, "tdxh-no-such-program: not found in PATH");
        err_clear(&e);
        /* A file without execute permission (root passes access(X_OK) only
         * when some execute bit is set). */
        ck_assert_int_ge(asprintf(&plain, "%s/plain", dir), 0);
        ck_assert_int_eq(file_write_atomic(plain, "x", 1, 0644, &e), 0);
        ck_assert_int_eq(child_spawn(&c, &(struct child_opts){ .argv = (const char *[]){ plain, NULL } }, &e),
                         -EACCES);
        ck_assert_ptr_nonnull(strstr(e.msg, "not an executable file"));
        assert_no_children();
        free(plain);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_child_exec_failure_after_fork_is_reported)
{
        /* An executable file the kernel cannot run: the errno crosses back
         * through the report pipe and the half-started child is reaped. */
        char *dir = tmpdir_make(), *path = NULL;
        struct child c = CHILD_INIT;
        struct tdxh_err e = { 0 };
        int fd;

        become_subreaper();
        ck_assert_int_ge(asprintf(&path, "%s/not-a-program", dir), 0);
        fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0755);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(write(fd, "\x7f" "ELF junk", 9), 9);
        close(fd);
        ck_assert_int_eq(child_spawn(&c, &(struct child_opts){ .argv = (const char *[]){ path, NULL } }, &e),
                         -ENOEXEC);
        ck_assert_ptr_nonnull(strstr(e.msg, "cannot execute"));
        assert_no_children();
        free(path);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_child_ignoring_sigterm_is_killed_after_term_period)
{
        _cleanup_close_ int rd = -1, wr = -1;
        struct child c = CHILD_INIT;
        struct tdxh_err e = { 0 };
        char line[64];
        int p[2];
        uint64_t t0, ms;

        become_subreaper();
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        rd = p[0];
        wr = p[1];
        spawn_helper(&c, "ignore-term", wr);
        read_line(rd, line, sizeof(line)); /* its handler is in place */
        ck_assert_str_eq(line, "ready");
        t0 = mono_now_ns();
        ck_assert_int_eq(child_terminate(&c, 100, 300, &e), 0);
        ms = elapsed_ms(t0);
        ck_assert_int_eq(c.stop_stage, CHILD_STOP_KILL);
        ck_assert(WIFSIGNALED(c.status) && WTERMSIG(c.status) == SIGKILL);
        ck_assert_msg(ms >= 390 && ms < 3000, "stop took %llu ms", (unsigned long long)ms);
        child_done(&c);
        assert_no_children();
}
END_TEST

START_TEST(test_child_terminate_takes_down_grandchildren)
{
        _cleanup_close_ int rd = -1, wr = -1;
        struct child c = CHILD_INIT;
        struct tdxh_err e = { 0 };
        char line[64], desc[256];
        pid_t grand[3], pgid;
        int p[2];

        become_subreaper();
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        rd = p[0];
        wr = p[1];
        spawn_helper(&c, "grandchildren", wr);
        for (int i = 0; i < 3; i++) {
                read_line(rd, line, sizeof(line));
                grand[i] = (pid_t)strtol(line, NULL, 10);
                ck_assert_int_gt(grand[i], 0);
        }
        pgid = c.pgid;
        ck_assert_int_eq(pgid, c.pid);
        ck_assert_int_eq(proc_count(-1, pgid, desc, sizeof(desc)), 4);
        ck_assert_int_eq(child_terminate(&c, 0, 2000, &e), 0);
        ck_assert_int_eq(c.stop_stage, CHILD_STOP_TERM);
        /* The grandchildren were reparented to this subreaper: each must
         * have died from the group signal. */
        for (int i = 0; i < 3; i++) {
                int fd = pidfd_open(grand[i], 0), st = 0;
                struct pollfd pf = { .fd = fd, .events = POLLIN };

                ck_assert_int_ge(fd, 0);
                ck_assert_int_eq(poll(&pf, 1, 5000), 1);
                close(fd);
                ck_assert_int_eq(waitpid(grand[i], &st, 0), grand[i]);
                ck_assert(WIFSIGNALED(st));
        }
        ck_assert_int_eq(proc_count(-1, pgid, desc, sizeof(desc)), 0);
        child_done(&c);
        assert_no_children();
}
END_TEST

START_TEST(test_child_wait_deadline_leaves_it_running_and_done_kills)
{
        struct child c = CHILD_INIT;
        struct deadline d = deadline_in_ms(100);
        struct tdxh_err e = { 0 };
        uint64_t t0 = mono_now_ns();

        become_subreaper();
        spawn_helper(&c, "pause", -1);
        ck_assert_int_eq(child_wait(&c, &d, NULL, &e), -ETIMEDOUT);
        ck_assert_uint_lt(elapsed_ms(t0), 2000);
        ck_assert(child_running(&c));
        ck_assert(!child_exited(&c));
        child_done(&c);
        ck_assert(!child_running(&c));
        ck_assert_int_eq(c.pidfd, -1);
        assert_no_children();
}
END_TEST

START_TEST(test_child_wait_is_cancelled_by_sigterm)
{
        _cleanup_signal_watch_ struct signal_watch sw = SIGNAL_WATCH_INIT;
        struct child c = CHILD_INIT;
        struct deadline d = deadline_in_ms(20000);
        struct tdxh_err e = { 0 };

        become_subreaper();
        ck_assert_int_eq(signal_watch_begin(&sw), 0);
        spawn_helper(&c, "pause", -1);
        ck_assert_int_eq(kill(getpid(), SIGTERM), 0);
        ck_assert_int_eq(child_wait(&c, &d, &sw, &e), -ECANCELED);
        ck_assert_int_eq(sw.received, SIGTERM);
        ck_assert_ptr_nonnull(strstr(e.msg, "signal 15"));
        ck_assert_int_eq(child_terminate(&c, 0, 1000, &e), 0);
        child_done(&c);
        assert_no_children();
}
END_TEST

START_TEST(test_child_gets_clean_env_mask_and_only_passed_fds)
{
        _cleanup_signal_watch_ struct signal_watch sw = SIGNAL_WATCH_INIT;
        const char *argv[] = { self_exe, "--helper", "state", NULL };
        struct deadline d = deadline_in_ms(10000);
        struct tdxh_err e = { 0 };
        _cleanup_free_ char *out = NULL, *env = NULL;
        int leak, ok;

        become_subreaper();
        /* Blocked and ignored signals must not reach the child, nor must a
         * descriptor opened without O_CLOEXEC. */
        ck_assert_int_eq(signal_watch_begin(&sw), 0);
        signal(SIGPIPE, SIG_IGN);
        leak = open("/dev/null", O_RDONLY);
        ck_assert_int_ge(leak, 0);
        ck_assert_int_eq(child_run_capture(argv, 65536, &d, &sw, &out, &e), 0);
        close(leak);
        signal(SIGPIPE, SIG_DFL);
        ck_assert_msg(strstr(out, "SigBlk:\t0000000000000000\n") != NULL, "%s", out);
        /* Signals 32 and 33 are glibc's own (thread cancellation, setxid):
         * applications cannot change them, and a parent that ignores them
         * (seen under CI runners) passes that on through exec. */
        {
                const char *ign = strstr(out, "SigIgn:\t");
                unsigned long long mask;

                ck_assert_ptr_nonnull(ign);
                mask = strtoull(ign + 8, NULL, 16) & ~((1ull << 31) | (1ull << 32));
                ck_assert_msg(mask == 0, "%s", out);
        }
        ck_assert_msg(strstr(out, "fd 0\nfd 1\nfd 2\npgid-is-pid 1\n") != NULL, "%s", out);
        ck_assert_msg(strstr(out, "fd 3") == NULL, "%s", out);

        env = capture("env", deadline_in_ms(10000), &ok);
        ck_assert_int_eq(ok, 0);
        ck_assert_str_eq(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin\n"
                              "LC_ALL=C\n");
        assert_no_children();
}
END_TEST

START_TEST(test_child_keeps_passed_fd_and_writes_stdout_file)
{
        const char *argv[] = { self_exe, "--helper", "state", NULL };
        char *dir = tmpdir_make(), *path = NULL, *text;
        struct child c = CHILD_INIT;
        struct deadline d = deadline_in_ms(10000);
        struct tdxh_err e = { 0 };
        int keep = open("/dev/null", O_RDONLY | O_CLOEXEC), line;
        char want[32];

        become_subreaper();
        ck_assert_int_ge(keep, 3);
        ck_assert_int_ge(asprintf(&path, "%s/out.txt", dir), 0);
        ck_assert_int_eq(child_spawn(&c,
                                     &(struct child_opts){
                                             .argv = argv,
                                             .out = { .kind = CHILD_IO_FILE, .path = path },
                                             .keep_fds = &keep,
                                             .n_keep_fds = 1,
                                     },
                                     &e),
                         0);
        ck_assert_int_eq(child_wait(&c, &d, NULL, &e), 0);
        ck_assert(child_succeeded(&c));
        text = (char *)slurp(path, NULL);
        line = snprintf(want, sizeof(want), "fd %d\n", keep);
        ck_assert_int_gt(line, 0);
        ck_assert_msg(strstr(text, want) != NULL, "%s", text);
        close(keep);
        free(text);
        free(path);
        tmpdir_remove(dir);
        child_done(&c);
}
END_TEST

START_TEST(test_child_stdout_and_stderr_share_one_log_file)
{
        const char *argv[] = { self_exe, "--helper", "two-streams", NULL };
        char *dir = tmpdir_make(), *path = NULL, *text;
        struct child c = CHILD_INIT;
        struct deadline d = deadline_in_ms(10000);
        struct tdxh_err e = { 0 };
        char desc[64];

        ck_assert_int_ge(asprintf(&path, "%s/both.log", dir), 0);
        ck_assert_int_eq(child_spawn(&c,
                                     &(struct child_opts){
                                             .argv = argv,
                                             .out = { .kind = CHILD_IO_FILE, .path = path },
                                             .err = { .kind = CHILD_IO_FILE, .path = path },
                                     },
                                     &e),
                         0);
        ck_assert_int_eq(child_wait(&c, &d, NULL, &e), 0);
        child_describe(&c, desc, sizeof(desc));
        ck_assert_str_eq(desc, "exited with status 3");
        text = (char *)slurp(path, NULL);
        ck_assert_str_eq(text, "out 0\nerr 0\nout 1\nerr 1\nout 2\nerr 2\n");
        free(text);
        free(path);
        tmpdir_remove(dir);
        child_done(&c);
}
END_TEST

START_TEST(test_child_dies_with_its_parent)
{
        /* An intermediate process spawns the child and is then SIGKILLed:
         * the death signal must take the child down too. */
        int p[2], fd, st;
        pid_t mid, grandchild;
        char line[32];
        struct pollfd pf;

        become_subreaper();
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        mid = fork();
        ck_assert_int_ge(mid, 0);
        if (mid == 0) {
                struct child c = CHILD_INIT;

                close(p[0]);
                spawn_helper(&c, "pause", -1);
                dprintf(p[1], "%d\n", (int)c.pid);
                for (;;)
                        pause();
        }
        close(p[1]);
        read_line(p[0], line, sizeof(line));
        close(p[0]);
        grandchild = (pid_t)strtol(line, NULL, 10);
        fd = pidfd_open(grandchild, 0);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(kill(mid, SIGKILL), 0);
        ck_assert_int_eq(waitpid(mid, &st, 0), mid);
        pf = (struct pollfd){ .fd = fd, .events = POLLIN };
        ck_assert_int_eq(poll(&pf, 1, 5000), 1);
        close(fd);
        ck_assert_int_eq(waitpid(grandchild, &st, 0), grandchild);
        ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        assert_no_children();
}
END_TEST

START_TEST(test_child_run_capture_reports_output_status_and_deadline)
{
        const char *echo[] = { "echo", "hello", NULL };
        const char *ls[] = { "ls", "/nonexistent-tdxh", NULL };
        struct deadline d = deadline_in_ms(10000);
        struct tdxh_err e = { 0 };
        char *out = NULL;
        uint64_t t0;
        int ok;

        become_subreaper();
        ck_assert_int_eq(child_run_capture(echo, 100, &d, NULL, &out, &e), 0);
        ck_assert_str_eq(out, "hello\n");
        free(out);
        out = NULL;
        ck_assert_int_eq(child_run_capture(echo, 3, &d, NULL, &out, &e), 0);
        ck_assert_str_eq(out, "hel");
        free(out);
        out = NULL;
        ck_assert_int_eq(child_run_capture(ls, 4096, &d, NULL, &out, &e), -EIO);
        ck_assert_msg(strstr(e.msg, "exited with status 2: ls: cannot access") != NULL, "%s",
                      e.msg);
        ck_assert_ptr_null(out);
        t0 = mono_now_ns();
        out = capture("pause", deadline_in_ms(200), &ok);
        ck_assert_int_eq(ok, -ETIMEDOUT);
        ck_assert_ptr_null(out);
        ck_assert_uint_lt(elapsed_ms(t0), 6000);
        assert_no_children();
}
END_TEST

int main(int argc, char **argv)
{
        Suite *s = suite_create("run/child");
        TCase *tc = tcase_create("child");
        ssize_t n;

        if (argc == 3 && strcmp(argv[1], "--helper") == 0)
                return helper(argv[2]);
        n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
        if (n <= 0)
                return 1;
        self_exe[n] = '\0';
        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_child_true_succeeds_and_false_reports_status);
        tcase_add_test(tc, test_child_missing_program_is_enoent_with_name);
        tcase_add_test(tc, test_child_exec_failure_after_fork_is_reported);
        tcase_add_test(tc, test_child_ignoring_sigterm_is_killed_after_term_period);
        tcase_add_test(tc, test_child_terminate_takes_down_grandchildren);
        tcase_add_test(tc, test_child_wait_deadline_leaves_it_running_and_done_kills);
        tcase_add_test(tc, test_child_wait_is_cancelled_by_sigterm);
        tcase_add_test(tc, test_child_gets_clean_env_mask_and_only_passed_fds);
        tcase_add_test(tc, test_child_keeps_passed_fd_and_writes_stdout_file);
        tcase_add_test(tc, test_child_stdout_and_stderr_share_one_log_file);
        tcase_add_test(tc, test_child_dies_with_its_parent);
        tcase_add_test(tc, test_child_run_capture_reports_output_status_and_deadline);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
