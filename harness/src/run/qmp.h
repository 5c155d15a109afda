/* A QEMU Machine Protocol client over QEMU's -qmp unix socket, for what the
 * host itself reads of a guest that has no agent: whether it stopped, and
 * its physical memory. QMP speaks one JSON object per line; after the
 * greeting the client must send qmp_capabilities before any command
 * (QEMU docs/interop/qmp-spec.rst, "Capabilities Negotiation"). Commands
 * carry an id that the answer repeats; asynchronous {"event":...} lines in
 * between are skipped. Every wait is bounded by a deadline and a watch. */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "run/wait.h"

#define QMP_LINE_MAX (1u << 20)

struct qmp {
        int fd;        /* connected, non-blocking; -1 when closed */
        struct buf in; /* received bytes not yet consumed */
        int64_t next_id;
};
#define QMP_INIT { .fd = -1, .next_id = 1 }

/* Connects (QEMU is the server; the wait covers its start), reads the
 * greeting and negotiates capabilities. */
int qmp_connect(struct qmp *q, const char *path, const struct deadline *d,
                const struct wait_watch *w, struct tdxh_err *e);

/* Runs COMMAND with args (borrowed, may be NULL). On success *ret_return
 * (may be NULL) is the "return" member, owned by the caller. An "error"
 * answer is -EIO with "qmp: COMMAND: <desc>". */
int qmp_call(struct qmp *q, const char *command, json_object *args, json_object **ret_return,
             const struct deadline *d, const struct wait_watch *w, struct tdxh_err *e);

/* query-status: *ret the run state ("running", "paused", "shutdown",
 * "guest-panicked", ...), malloc'd. */
int qmp_run_state(struct qmp *q, char **ret, const struct deadline *d,
                  const struct wait_watch *w, struct tdxh_err *e);

void qmp_close(struct qmp *q);
