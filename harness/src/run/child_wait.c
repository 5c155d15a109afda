/* Waiting for, stopping and reaping children; see child.h. */
#include "run/child.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* How long to wait for a SIGKILLed child to be reapable. Only a process
 * stuck in uninterruptible sleep takes longer. */
#define KILL_WAIT_MS 5000

bool child_running(const struct child *c)
{
        return c->pid > 0 && !c->reaped;
}

/* Called once the pidfd reported the exit, so waitpid() returns at once. */
static void reap(struct child *c)
{
        int status = 0;
        pid_t w;

        /* The unreaped leader pins the group id: no stranger can own it yet. */
        if (c->leads_group)
                (void)kill(-c->pgid, SIGKILL);
        do
                w = waitpid(c->pid, &status, 0);
        while (w < 0 && errno == EINTR);
        c->status = w == c->pid ? status : 0;
        c->reaped = true;
        c->exited_ns = mono_now_ns();
        if (c->pidfd >= 0)
                close(c->pidfd);
        c->pidfd = -1;
}

/* Polls the pidfd (and the signal fd) until exit or the deadline.
 * 0: reaped; -ETIMEDOUT; -ECANCELED. */
static int wait_exit(struct child *c, const struct deadline *d, struct signal_watch *sw)
{
        struct pollfd pfd[2] = { { .fd = c->pidfd, .events = POLLIN },
                                 { .fd = sw ? sw->fd : -1, .events = POLLIN } };

        if (!child_running(c))
                return 0;
        for (;;) {
                int n;

                if (signal_watch_pending(sw))
                        return -ECANCELED;
                n = poll(pfd, 2, deadline_poll_ms(d));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (pfd[0].revents) {
                        reap(c);
                        return 0;
                }
                if (n == 0)
                        return -ETIMEDOUT;
        }
}

bool child_exited(struct child *c)
{
        struct deadline now = deadline_in_ms(0);

        if (!child_running(c))
                return c->reaped;
        return wait_exit(c, &now, NULL) == 0;
}

int child_wait(struct child *c, const struct deadline *d, struct signal_watch *sw,
               struct tdxh_err *e)
{
        int r = wait_exit(c, d, sw);

        if (r == -ETIMEDOUT)
                return err_setf(e, r, "%s (pid %d) did not exit in time", c->name, (int)c->pid);
        if (r == -ECANCELED)
                return err_setf(e, r, "interrupted by signal %d while waiting for %s",
                                sw->received, c->name);
        if (r < 0)
                return err_setf(e, r, "waiting for %s: %s", c->name, strerror(-r));
        return 0;
}

int child_signal(struct child *c, int sig)
{
        if (!child_running(c))
                return -ESRCH;
        if (kill(c->leads_group ? -c->pgid : c->pid, sig) < 0)
                return -errno;
        return 0;
}

static int wait_ms(struct child *c, uint64_t ms)
{
        struct deadline d = deadline_in_ms(ms);

        return wait_exit(c, &d, NULL);
}

int child_terminate(struct child *c, uint64_t grace_ms, uint64_t term_ms, struct tdxh_err *e)
{
        if (!child_running(c)) {
                if (c->reaped && c->stop_stage == CHILD_STOP_NONE)
                        c->stop_stage = CHILD_STOP_EXITED;
                return 0;
        }
        if (wait_ms(c, grace_ms) == 0) {
                c->stop_stage = CHILD_STOP_EXITED;
                return 0;
        }
        (void)child_signal(c, SIGTERM);
        if (wait_ms(c, term_ms) == 0) {
                c->stop_stage = CHILD_STOP_TERM;
                return 0;
        }
        (void)child_signal(c, SIGKILL);
        if (wait_ms(c, KILL_WAIT_MS) == 0) {
                c->stop_stage = CHILD_STOP_KILL;
                return 0;
        }
        return err_setf(e, -ETIMEDOUT, "%s (pid %d) survived SIGKILL for %d s", c->name,
                        (int)c->pid, KILL_WAIT_MS / 1000);
}

void child_describe(const struct child *c, char *out, size_t len)
{
        if (!c->reaped)
                snprintf(out, len, c->pid > 0 ? "running" : "not started");
        else if (WIFEXITED(c->status))
                snprintf(out, len, "exited with status %d", WEXITSTATUS(c->status));
        else if (WIFSIGNALED(c->status))
                snprintf(out, len, "killed by signal %d (%s)", WTERMSIG(c->status),
                         strsignal(WTERMSIG(c->status)));
        else
                snprintf(out, len, "ended with wait status 0x%x", (unsigned)c->status);
}

bool child_succeeded(const struct child *c)
{
        return c->reaped && WIFEXITED(c->status) && WEXITSTATUS(c->status) == 0;
}

void child_done(struct child *c)
{
        if (child_running(c)) {
                (void)child_signal(c, SIGKILL);
                (void)wait_ms(c, KILL_WAIT_MS);
        }
        if (c->pidfd >= 0)
                close(c->pidfd);
        *c = (struct child)CHILD_INIT;
}
