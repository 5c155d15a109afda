/* Test helpers; see testutil.h. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/file.h"

extern char **environ;

char *fixture_path(const char *rel)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", TDXH_FIXTURES_DIR, rel), 0);
        return p;
}

char *test_data_path(const char *rel)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", TDXH_TEST_DATA_DIR, rel), 0);
        return p;
}

char *tmpdir_make(void)
{
        const char *base = getenv("TMPDIR");
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/tdxh-test.XXXXXX", base && *base ? base : "/tmp"), 0);
        ck_assert_ptr_nonnull(mkdtemp(p));
        return p;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
        (void)st;
        (void)flag;
        (void)ftw;
        return remove(path);
}

void tmpdir_remove(char *dir)
{
        if (!dir)
                return;
        nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
        free(dir);
}

uint8_t *slurp(const char *path, size_t *ret_len)
{
        FILE *f = fopen(path, "rb");
        uint8_t *buf = NULL;
        size_t len = 0, cap = 0, n;

        ck_assert_msg(f != NULL, "cannot open %s: %s", path, strerror(errno));
        do {
                if (len + 65536 + 1 > cap) {
                        cap = (len + 65536 + 1) * 2;
                        buf = realloc(buf, cap);
                        ck_assert_ptr_nonnull(buf);
                }
                n = fread(buf + len, 1, 65536, f);
                len += n;
        } while (n > 0);
        fclose(f);
        buf[len] = 0;
        if (ret_len)
                *ret_len = len;
        return buf;
}

/* Reads a captured output file; "" when it cannot be read. */
static char *read_text(const char *path)
{
        FILE *f = fopen(path, "rb");
        char *buf = NULL;
        size_t len = 0, cap = 0, n = 0;

        do {
                if (len + 65536 + 1 > cap) {
                        char *p;

                        cap = (len + 65536 + 1) * 2;
                        p = realloc(buf, cap);
                        if (!p)
                                break;
                        buf = p;
                }
                n = f ? fread(buf + len, 1, 65536, f) : 0;
                len += n;
        } while (n > 0);
        if (f)
                fclose(f);
        if (!buf)
                return strdup("");
        buf[len] = 0;
        return buf;
}

/* Spawns argv without a shell and waits at most timeout_s; no Check
 * assertions, so it also works outside a test. -1 when it could not start. */
static int spawn_capture(const char *const *argv, int timeout_s, struct run_result *res)
{
        char out_path[] = "/tmp/tdxh-out.XXXXXX", err_path[] = "/tmp/tdxh-err.XXXXXX";
        posix_spawn_file_actions_t fa;
        pid_t pid;
        int out_fd, err_fd, status = 0, r;
        time_t deadline = time(NULL) + timeout_s;

        out_fd = mkstemp(out_path);
        err_fd = mkstemp(err_path);
        if (out_fd < 0 || err_fd < 0)
                return -1;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
        posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        r = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        while (r == 0) {
                pid_t w = waitpid(pid, &status, WNOHANG);

                if (w == pid)
                        break;
                if (time(NULL) > deadline) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &status, 0);
                        break;
                }
                usleep(10000);
        }
        res->status = r != 0 ? 127 : WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        close(out_fd);
        close(err_fd);
        res->out = read_text(out_path);
        res->err = read_text(err_path);
        unlink(out_path);
        unlink(err_path);
        return r == 0 ? 0 : -1;
}

void run_cmd(struct run_result *res, const char *const *argv, int timeout_s)
{
        ck_assert_msg(spawn_capture(argv, timeout_s, res) == 0, "cannot run %s", argv[0]);
}

void run_tdxh(struct run_result *res, const char *const *argv)
{
        const char *bin = getenv("TDXH_BIN");
        size_t n = 0;
        const char **args;

        ck_assert_msg(bin != NULL, "TDXH_BIN is not set");
        while (argv[n])
                n++;
        args = calloc(n + 2, sizeof(*args));
        ck_assert_ptr_nonnull(args);
        args[0] = bin;
        for (size_t i = 0; i < n; i++)
                args[i + 1] = argv[i];
        run_cmd(res, args, 300);
        free(args);
}

char *reference_kernel_path(void)
{
        char *script = NULL, *path = NULL;
        struct run_result res = { 0 };
        size_t len;

        if (asprintf(&script, "%s/scripts/reference-kernel.sh", TDXH_SOURCE_DIR) < 0)
                return NULL;
        if (spawn_capture((const char *const[]){ script, NULL }, 600, &res) < 0) {
                fprintf(stderr, "cannot run %s\n", script);
                free(script);
                run_result_free(&res);
                return NULL;
        }
        len = strcspn(res.out, "\n");
        if (res.status == 0 && len > 0) {
                res.out[len] = '\0';
                if (access(res.out, R_OK) == 0)
                        path = strdup(res.out);
        }
        if (!path)
                fprintf(stderr, "reference kernel unavailable: %s", res.err);
        run_result_free(&res);
        free(script);
        return path;
}

void run_result_free(struct run_result *res)
{
        free(res->out);
        free(res->err);
        res->out = res->err = NULL;
}

int run_suite(Suite *s)
{
        SRunner *sr = srunner_create(s);
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}

double test_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int test_child_spawn(struct test_child *c, const char *name, const char *const *argv, const char *log_path)
{
        pid_t parent = getpid(), pid;

        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
                int out = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
                sigset_t none;

                setpgid(0, 0);
                prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (getppid() != parent)
                        _exit(127);
                sigemptyset(&none);
                sigprocmask(SIG_SETMASK, &none, NULL);
                if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0)
                        _exit(127);
                execvp(argv[0], (char *const *)argv);
                _exit(127);
        }
        setpgid(pid, pid);
        c->pid = pid;
        c->name = name;
        return 0;
}

int test_child_wait_until(struct test_child *c, double deadline, int *status)
{
        for (;;) {
                pid_t w = waitpid(c->pid, status, WNOHANG);

                if (w == c->pid) {
                        c->pid = 0;
                        return 0;
                }
                if (w < 0)
                        return -errno;
                if (test_now() > deadline)
                        return -ETIMEDOUT;
                usleep(50 * 1000);
        }
}

void test_child_stop(struct test_child *c)
{
        int status;

        if (c->pid <= 0)
                return;
        kill(-c->pid, SIGTERM);
        if (test_child_wait_until(c, test_now() + 5, &status) == 0)
                return;
        kill(-c->pid, SIGKILL);
        waitpid(c->pid, &status, 0);
        c->pid = 0;
}

int test_child_run(const char *name, const char *const *argv, const char *log_path, int timeout_s,
              struct buf *why)
{
        _cleanup_free_ char *text = NULL;
        struct test_child c = { 0 };
        size_t len = 0;
        int status = 0, r = test_child_spawn(&c, name, argv, log_path);

        if (r < 0) {
                buf_printf(why, "%s: cannot start: %s", name, strerror(-r));
                return r;
        }
        r = test_child_wait_until(&c, test_now() + timeout_s, &status);
        if (r < 0) {
                test_child_stop(&c);
                buf_printf(why, "%s: no exit within %d s", name, timeout_s);
                return r;
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
                buf_printf(why, "%s: exit status 0x%x: ", name, status);
                if (file_read_all(log_path, 1u << 20, &text, &len, NULL) == 0)
                        buf_puts(why, text + (len > 1000 ? len - 1000 : 0));
                return -EIO;
        }
        return 0;
}

/* Readiness is the control socket accepting a connection, not a sleep. */
int test_child_wait_socket(struct test_child *c, const char *path, double deadline, struct buf *why)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int status;

        if (strlen(path) >= sizeof(sa.sun_path)) {
                buf_printf(why, "socket path too long: %s", path);
                return -ENAMETOOLONG;
        }
        memcpy(sa.sun_path, path, strlen(path) + 1);
        for (;;) {
                int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

                if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
                        close(fd);
                        return 0;
                }
                if (fd >= 0)
                        close(fd);
                if (test_child_wait_until(c, test_now(), &status) == 0) {
                        buf_printf(why, "%s exited (status 0x%x) before %s accepted", c->name, status, path);
                        return -EIO;
                }
                if (test_now() > deadline) {
                        buf_printf(why, "%s did not accept within the deadline", path);
                        return -ETIMEDOUT;
                }
                usleep(50 * 1000);
        }
}
