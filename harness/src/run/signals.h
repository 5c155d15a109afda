/* SIGINT, SIGTERM and SIGHUP as events instead of asynchronous handlers.
 *
 * signal_watch_begin() blocks the three signals and opens a signalfd for
 * them, so a signal never interrupts code at a random point: it makes the fd
 * readable, every wait in the run layer polls that fd next to what it waits
 * for, returns -ECANCELED, and the normal cleanup paths (stop children,
 * remove temporary files) run as on any other error. The caller (a command)
 * then exits with TDXH_EXIT_INFRA.
 *
 * State: there is no global variable. The one process-wide thing touched is
 * the signal mask, which is process state by nature; the caller owns the
 * struct, and only one watch may be active at a time. It must be begun
 * before any thread is created (the mask is inherited by threads) and the
 * children the run layer spawns get an empty mask and default dispositions
 * back (see child.h), so they still die on SIGTERM. */
#pragma once

#include <signal.h>
#include <stdbool.h>

struct signal_watch {
        int fd;            /* signalfd (O_CLOEXEC|O_NONBLOCK); -1 when inactive */
        int received;      /* first signal seen, 0 if none yet */
        sigset_t old_mask; /* restored by signal_watch_end() */
};
#define SIGNAL_WATCH_INIT { .fd = -1 }

/* Blocks SIGINT, SIGTERM, SIGHUP and opens the signalfd. 0 or -errno. */
int signal_watch_begin(struct signal_watch *sw);

/* Reads any pending signal from the fd (never blocks) and returns whether a
 * signal has been received since begin. NULL or inactive: false. */
bool signal_watch_pending(struct signal_watch *sw);

/* Drains the fd (so the signals do not kill the process when unblocked),
 * closes it and restores the previous mask. `received` stays valid. Safe on
 * an inactive watch; this is the cleanup. */
void signal_watch_end(struct signal_watch *sw);
#define _cleanup_signal_watch_ __attribute__((cleanup(signal_watch_end)))

/* The signal set the watch handles (for tests and for child.c). */
void signal_watch_set(sigset_t *set);
