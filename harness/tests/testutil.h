/* Helpers shared by the Check test programs: fixture paths, temporary
 * directories, and running the tdxh binary as a user would. */
#pragma once

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/buf.h"

/* Path of a file under ../shared/fixtures (static buffer per call site is
 * not used: the result is malloc'd and owned by the caller). */
char *fixture_path(const char *rel);

/* Path of a file under harness/tests/data. */
char *test_data_path(const char *rel);

/* Creates a fresh temporary directory; tmpdir_remove() deletes it recursively. */
char *tmpdir_make(void);
void tmpdir_remove(char *dir);

/* Result of running tdxh. */
struct run_result {
        int status; /* exit code, or 128+signal */
        char *out;  /* captured stdout, NUL-terminated */
        char *err;  /* captured stderr */
};

/* Runs $TDXH_BIN with argv (NULL-terminated, without argv[0]), no shell,
 * a 300 s deadline. */
void run_tdxh(struct run_result *res, const char *const *argv);
/* Runs argv[0] (searched in PATH) with argv, no shell, stdin from /dev/null,
 * output captured; killed after timeout_s seconds. */
void run_cmd(struct run_result *res, const char *const *argv, int timeout_s);
void run_result_free(struct run_result *res);

/* Path of the pinned reference kernel (scripts/reference-kernel.sh, which
 * fetches it on first use), or NULL when it cannot be had on this machine. */
char *reference_kernel_path(void);

/* Reads a whole file; aborts the test on failure. */
uint8_t *slurp(const char *path, size_t *ret_len);

/* Adds tcase to a new suite and runs it; returns the process exit status. */
int run_suite(Suite *s);

/* Child processes of integration tests (QEMU, swtpm). None of these use
 * Check assertions, so a test can stop and reap everything it started before
 * it asserts anything. Failures are described in `why`. */
struct test_child {
        pid_t pid; /* 0 once reaped */
        const char *name;
};

/* Monotonic seconds. */
double test_now(void);

/* fork/exec of argv (PATH searched, no shell): stdin /dev/null, stdout and
 * stderr to log_path, its own process group, SIGKILL when this process dies.
 * 0 or a negative errno. */
int test_child_spawn(struct test_child *c, const char *name, const char *const *argv, const char *log_path);

/* Waits until the monotonic deadline: 0 with *status once reaped, or
 * -ETIMEDOUT while it still runs. */
int test_child_wait_until(struct test_child *c, double deadline, int *status);

/* SIGTERM to the group, 5 s grace, then SIGKILL; always reaps. No-op when
 * already reaped. */
void test_child_stop(struct test_child *c);

/* Runs to completion within timeout_s; 0 only for exit status 0. */
int test_child_run(const char *name, const char *const *argv, const char *log_path, int timeout_s,
              struct buf *why);

/* Waits until the Unix socket at path accepts a connection, failing early if
 * the child exits. */
int test_child_wait_socket(struct test_child *c, const char *path, double deadline, struct buf *why);
