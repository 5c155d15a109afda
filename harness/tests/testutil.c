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
#include <sys/stat.h>
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

char *sparse_file(const char *dir, const char *name, uint64_t size)
{
        char *path = NULL;
        int fd;

        ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
        fd = open(path, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0644);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(ftruncate(fd, (off_t)size), 0);
        close(fd);
        return path;
}
