/* Helpers shared by the Check test programs: fixture paths, temporary
 * directories, and running the tdxh binary as a user would. */
#pragma once

#include <check.h>
#include <stddef.h>
#include <stdint.h>

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
/* Runs argv[0] (a path) with argv, no shell, stdin from /dev/null, killing
 * it after timeout_s seconds. */
void run_argv(struct run_result *res, const char *const *argv, int timeout_s);
void run_result_free(struct run_result *res);

/* Reads a whole file; aborts the test on failure. */
uint8_t *slurp(const char *path, size_t *ret_len);

/* Adds tcase to a new suite and runs it; returns the process exit status. */
int run_suite(Suite *s);
