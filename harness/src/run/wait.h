/* Waiting for one descriptor while watching everything that should end the
 * wait early: the deadline, a SIGINT/SIGTERM (signals.h), and the death of a
 * child the wait depends on (waiting for QEMU's socket is pointless once
 * QEMU has exited; waiting for the guest agent is pointless once swtpm has
 * died under QEMU). This is the single poll() loop of the run layer's
 * readiness and I/O waits. */
#pragma once

#include <stddef.h>

#include "run/child.h"
#include "run/deadline.h"
#include "run/signals.h"

#define WAIT_MAX_CHILDREN 4

struct wait_watch {
        struct signal_watch *sig;                  /* may be NULL */
        struct child *children[WAIT_MAX_CHILDREN]; /* NULL entries are skipped */
};

/* Waits until fd reports one of events (0; fd -1 waits for nothing but the
 * rest). Otherwise: -ETIMEDOUT at the deadline, -ECANCELED when a signal
 * arrived, -ECHILD when a watched child exited (it is reaped, and
 * *ret_exited, if given, points at it). The checks run before the first
 * poll, so a wait after a signal or a death returns at once. */
int wait_fd(int fd, short events, const struct deadline *d, const struct wait_watch *w,
            struct child **ret_exited);
