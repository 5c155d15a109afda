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

void run_argv(struct run_result *res, const char *const *argv, int timeout_s)
{
        char out_path[] = "/tmp/tdxh-out.XXXXXX", err_path[] = "/tmp/tdxh-err.XXXXXX";
        posix_spawn_file_actions_t fa;
        pid_t pid;
        int out_fd, err_fd, status = 0;
        time_t deadline = time(NULL) + timeout_s;

        out_fd = mkstemp(out_path);
        err_fd = mkstemp(err_path);
        ck_assert(out_fd >= 0 && err_fd >= 0);
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_adddup2(&fa, out_fd, 1);
        posix_spawn_file_actions_adddup2(&fa, err_fd, 2);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        ck_assert_msg(posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ) == 0,
                      "cannot run %s", argv[0]);
        posix_spawn_file_actions_destroy(&fa);
        for (;;) {
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
        res->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        close(out_fd);
        close(err_fd);
        res->out = (char *)slurp(out_path, NULL);
        res->err = (char *)slurp(err_path, NULL);
        unlink(out_path);
        unlink(err_path);
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
        run_argv(res, args, 300);
        free(args);
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
