/* The directories of one run.
 *
 * The run directory holds the evidence of the run and survives it: console
 * log, QEMU and swtpm logs, the fake TDX module's fw_cfg files, host facts,
 * later the report. It is --out DIR (created if missing) or a new
 * tdxh-run-XXXXXX under $TMPDIR (or /tmp).
 *
 * The runtime directory holds what must not survive: unix sockets and the
 * swtpm state. Socket paths are limited to 107 bytes, so it is always a
 * short, private (0700) /tmp/tdxh-XXXXXX, whatever $TMPDIR says, and
 * rundir_close() removes it with everything in it on every exit path (it
 * is the cleanup). Only a SIGKILL of tdxh itself can leave it behind. */
#pragma once

#include <stdbool.h>

#include "core/err.h"

struct rundir {
        char *path;    /* run directory (kept) */
        char *runtime; /* private runtime directory (removed by rundir_close) */
};
#define RUNDIR_INIT { 0 }

/* Creates both directories. out may be NULL. */
int rundir_open(struct rundir *rd, const char *out, struct tdxh_err *e);

/* "RUNDIR/name" and "RUNTIME/name" as new strings; NULL on ENOMEM. */
char *rundir_file(const struct rundir *rd, const char *name);
char *rundir_runtime_file(const struct rundir *rd, const char *name);

/* Removes the runtime directory now (once the children using it are
 * gone); rundir_close() then has nothing left to remove there. */
void rundir_remove_runtime(struct rundir *rd);

/* Removes the runtime directory tree (without following symlinks) and
 * frees the strings; the run directory stays. Safe on RUNDIR_INIT. */
void rundir_close(struct rundir *rd);
#define _cleanup_rundir_ __attribute__((cleanup(rundir_close)))

/* Removes a directory tree without following symlinks. 0 or -errno of the
 * first failure (it keeps going). */
int remove_tree(const char *path);
