/* Reading and writing the kernel's pseudo files (sysfs, securityfs, configfs,
 * fw_cfg) and small regular files. Pseudo files report a size of 0 or 4096
 * whatever they hold, so they are read with read() until end of file, never
 * mapped. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Reads the whole file, at most max bytes (more: -EFBIG). The buffer is
 * malloc'd and NUL-terminated (the NUL is not counted). */
int sysfile_read(const char *path, size_t max, uint8_t **ret, size_t *ret_len,
                 struct tdxh_err *e);

/* Reads a file that must hold exactly len bytes (-EINVAL otherwise). */
int sysfile_read_exact(const char *path, uint8_t *out, size_t len, struct tdxh_err *e);

/* Writes len bytes with a single write() at offset 0, as sysfs attributes
 * require, to an existing file (no O_CREAT, no temporary file). */
int sysfile_write(const char *path, const void *data, size_t len, struct tdxh_err *e);

/* Reads a small text file and parses it as an unsigned decimal number. */
int sysfile_read_u64(const char *path, uint64_t *ret, struct tdxh_err *e);
