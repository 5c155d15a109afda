/* Error detail carried from the library to the command layer.
 *
 * Library functions return 0 (or a non-negative count) on success and a
 * negative errno on failure. When the caller passes a struct tdxh_err, the
 * function that detected the problem also writes one line saying what was
 * wrong and where (file, offset, field). The innermost message wins; callers
 * may prefix context such as the file name with err_prefix(). The command
 * layer prints the line once and maps the errno to an exit code. */
#pragma once

#include <stddef.h>

/* Process exit codes of every tdxh command. */
enum tdxh_exit {
        TDXH_EXIT_OK = 0,       /* pass / match */
        TDXH_EXIT_MISMATCH = 1, /* measurement mismatch, check or scenario failure */
        TDXH_EXIT_BAD_INPUT = 2, /* usage error or bad input */
        TDXH_EXIT_INFRA = 3,    /* infrastructure failure: a child would not start, timeout */
};

struct tdxh_err {
        int code;       /* negative errno of the first error recorded, 0 if none */
        char msg[1024]; /* one line, no trailing newline */
};

/* Records code and the formatted message in e (if non-NULL and still empty)
 * and returns code, so that callers can write `return err_setf(e, -EINVAL, …)`.
 * code must be negative. */
int err_setf(struct tdxh_err *e, int code, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Prepends formatted context ("FILE: ") to an already recorded message. */
void err_prefix(struct tdxh_err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Clears e for reuse. */
void err_clear(struct tdxh_err *e);

/* Exit code for a negative errno: input problems give TDXH_EXIT_BAD_INPUT,
 * process and time-outs give TDXH_EXIT_INFRA. */
enum tdxh_exit err_exit_code(int code);
