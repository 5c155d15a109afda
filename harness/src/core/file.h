/* Reading inputs and writing outputs.
 *
 * Inputs of bounded size (firmware, kernel headers, quotes, logs) are mapped
 * read-only; large streams (initrds) are hashed with digest_file() instead and
 * never loaded. Every output goes through a temporary file in the target
 * directory and a rename, so a reader never sees half a file. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"

struct stat;

/* Creates path and its missing parents (mode for each); 0 or -errno. */
int file_mkdir_p(const char *path, mode_t mode);

/* Opens path read-only (O_CLOEXEC) and checks that it is a regular file.
 * Returns the descriptor, its status in *ret_st, or a negative errno with a
 * message naming the file. */
int file_open_regular(const char *path, struct stat *ret_st, struct tdxh_err *e);

struct mapped_file {
        const uint8_t *data; /* NULL for an empty file */
        size_t size;
};

/* Maps path read-only. Fails with -EFBIG (and a message) above max_size. */
int file_map(const char *path, size_t max_size, struct mapped_file *ret, struct tdxh_err *e);
void file_unmap(struct mapped_file *f);
#define _cleanup_mapped_file_ __attribute__((cleanup(file_unmap)))

/* Reads a whole (small) file into a NUL-terminated heap buffer. */
int file_read_all(const char *path, size_t max_size, char **ret, size_t *ret_len,
                  struct tdxh_err *e);

/* An output file being written: data goes to a hidden temporary beside the
 * target; atomic_file_commit() fsyncs and renames it into place, and
 * atomic_file_abort() (also the cleanup) removes it. */
struct atomic_file {
        int fd;
        char *path;
        char *tmp_path;
};
#define ATOMIC_FILE_INIT { .fd = -1 }

int atomic_file_open(struct atomic_file *af, const char *path, mode_t mode, struct tdxh_err *e);
int atomic_file_write(struct atomic_file *af, const void *data, size_t len, struct tdxh_err *e);
int atomic_file_commit(struct atomic_file *af, struct tdxh_err *e);
void atomic_file_abort(struct atomic_file *af);
#define _cleanup_atomic_file_ __attribute__((cleanup(atomic_file_abort)))

/* One-shot atomic write of a buffer. */
int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                      struct tdxh_err *e);
