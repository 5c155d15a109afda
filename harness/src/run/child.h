/* Child processes: the one way tdxh runs another program.
 *
 * A child is started from an argv (never through a shell) with an explicit
 * environment, its standard streams connected to /dev/null, a file or a
 * given fd, and every other descriptor closed. It gets an empty signal mask
 * and default signal dispositions, PR_SET_PDEATHSIG(SIGKILL) so it dies if
 * tdxh is killed outright, and its own process group (or the group given),
 * so that stopping it also stops whatever it forked. The parent holds a
 * pidfd and waits on it with poll() and a deadline; nothing here blocks
 * without one.
 *
 * Lifecycle of struct child:
 *
 *   struct child c = CHILD_INIT;              idle: pid 0, nothing to release
 *   child_spawn(&c, &opts, &e)               running: pid and pidfd valid,
 *                                            child_running() is true
 *   child_wait(&c, &deadline, sw, &e)        exited and reaped: status valid
 *     or child_terminate(&c, grace, term)    TERM, then KILL to the group; reaped
 *   child_done(&c)                           releases; if still running,
 *                                            SIGKILL to the group and reap
 *
 * child_done() is the cleanup (_cleanup_child_), so a child cannot outlive
 * the scope that owns it on any path, including errors and cancellations.
 * A leader's process group never outlives the leader: when the leader has
 * exited, remaining members get SIGKILL before the leader is reaped (the
 * unreaped leader pins the group id, so the signal cannot hit a stranger). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "core/err.h"
#include "run/deadline.h"
#include "run/signals.h"

/* Where one standard stream of a child goes. Zero-initialised: /dev/null. */
struct child_io {
        enum { CHILD_IO_NULL = 0, CHILD_IO_FD, CHILD_IO_FILE } kind;
        int fd;           /* CHILD_IO_FD: duplicated, stays owned by the caller */
        const char *path; /* CHILD_IO_FILE: created or truncated, mode 0600; for
                           * stdin opened read-only. stdout and stderr naming
                           * the same path share one open file. */
};

struct child_opts {
        const char *name;         /* label in messages; NULL: basename of argv[0] */
        const char *const *argv;  /* argv[0]: a path, or a name looked up in $PATH */
        const char *const *envp;  /* NULL: the clean environment (child_clean_env) */
        struct child_io in, out, err;
        const int *keep_fds;      /* passed to the child under the same numbers */
        size_t n_keep_fds;
        pid_t pgid;               /* 0: a new group led by the child; else join it */
        const char *cwd;          /* NULL: inherit */
};

enum child_stop_stage {
        CHILD_STOP_NONE = 0,  /* still running, or never stopped */
        CHILD_STOP_EXITED,    /* exited on its own (before the stop or within its
                               * grace period) */
        CHILD_STOP_TERM,      /* ended after SIGTERM */
        CHILD_STOP_KILL,      /* ended after SIGKILL */
};

struct child {
        pid_t pid;                /* > 0 once spawned; kept after reaping for messages */
        pid_t pgid;               /* its process group */
        int pidfd;                /* -1 when not running */
        bool leads_group;         /* pgid == pid: signals go to the whole group */
        bool reaped;
        int status;               /* wait status, valid once reaped */
        enum child_stop_stage stop_stage;
        uint64_t started_ns, exited_ns; /* CLOCK_MONOTONIC */
        char name[32];
};
#define CHILD_INIT { .pidfd = -1 }

/* The environment children get unless the caller passes one: a fixed PATH
 * and LC_ALL=C, so that output parsed by tdxh is not translated. */
extern const char *const child_clean_env[];

/* Resolves argv[0] the way child_spawn() does: a name without '/' is looked
 * up in the caller's $PATH (or the clean PATH when unset). Returns a new
 * string, or -ENOENT with "NAME: not found in PATH" / -EACCES. */
int child_resolve_program(const char *program, char **ret, struct tdxh_err *e);

/* Starts the child. On failure nothing is left running and c stays idle:
 * -ENOENT (no such program), -EACCES/-ENOEXEC (cannot execute), each with
 * a one-line message naming the program. */
int child_spawn(struct child *c, const struct child_opts *o, struct tdxh_err *e);

/* Spawned and not yet reaped. */
bool child_running(const struct child *c);

/* Has the child exited (it is then reaped)? Never blocks. */
bool child_exited(struct child *c);

/* Waits until the child exits and reaps it. -ETIMEDOUT when the deadline
 * passes (the child keeps running), -ECANCELED when sw reports a signal.
 * sw may be NULL. */
int child_wait(struct child *c, const struct deadline *d, struct signal_watch *sw,
               struct tdxh_err *e);

/* The stop path: waits grace_ms for the child to exit by itself (the caller
 * asked it to, e.g. through the guest agent), then sends SIGTERM and waits
 * term_ms, then SIGKILL and waits a fixed 5 s; signals go to the whole
 * group when the child leads it. Not interruptible by signals: this is what
 * runs after one. Returns 0 once reaped (stop_stage says which step ended
 * it), -ETIMEDOUT if even SIGKILL did not end it in time. */
int child_terminate(struct child *c, uint64_t grace_ms, uint64_t term_ms, struct tdxh_err *e);

/* Sends sig to the child (to its group when it leads one). 0, or -ESRCH
 * once it has been reaped. */
int child_signal(struct child *c, int sig);

/* "exited with status 1", "killed by signal 9 (Killed)", "running". */
void child_describe(const struct child *c, char *out, size_t len);

/* True when the child was reaped and exited with status 0. */
bool child_succeeded(const struct child *c);

/* Kills (SIGKILL to the group) and reaps a running child, closes the pidfd
 * and returns the struct to CHILD_INIT. Safe on an idle or reaped child. */
void child_done(struct child *c);
#define _cleanup_child_ __attribute__((cleanup(child_done)))

/* Runs argv to completion with stdout and stderr captured together (at most
 * max_out bytes are kept, the rest discarded), within the deadline (killed
 * and reaped when it passes). Non-zero exit is an error whose message ends
 * with the last line of the output. *ret_out is a NUL-terminated string. */
int child_run_capture(const char *const *argv, size_t max_out, const struct deadline *d,
                      struct signal_watch *sw, char **ret_out, struct tdxh_err *e);
