/* Helpers shared by the Check test programs: fixture paths, temporary
 * directories, and running the tdxh binary as a user would. */
#pragma once

#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/buf.h"

/* Path of a real TDX data file under harness/tests/data/real (PROVENANCE.md
 * there gives each file's source); malloc'd, owned by the caller. */
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

/* Creates DIR/NAME of size bytes (all zero, sparse) and returns its path:
 * for inputs of which only the size matters (an initrd to QEMU's kernel
 * header patch). */
char *sparse_file(const char *dir, const char *name, uint64_t size);

/* Reads a whole file; aborts the test on failure. */
uint8_t *slurp(const char *path, size_t *ret_len);

/* Adds tcase to a new suite and runs it; returns the process exit status. */
int run_suite(Suite *s);
