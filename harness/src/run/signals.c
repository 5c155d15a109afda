/* Signals as file-descriptor events; see signals.h. */
#include "run/signals.h"

#include <errno.h>
#include <sys/signalfd.h>
#include <unistd.h>

void signal_watch_set(sigset_t *set)
{
        sigemptyset(set);
        sigaddset(set, SIGINT);
        sigaddset(set, SIGTERM);
        sigaddset(set, SIGHUP);
}

int signal_watch_begin(struct signal_watch *sw)
{
        sigset_t set;
        int fd;

        signal_watch_set(&set);
        *sw = (struct signal_watch)SIGNAL_WATCH_INIT;
        if (sigprocmask(SIG_BLOCK, &set, &sw->old_mask) < 0)
                return -errno;
        fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd < 0) {
                int r = -errno;

                sigprocmask(SIG_SETMASK, &sw->old_mask, NULL);
                return r;
        }
        sw->fd = fd;
        return 0;
}

bool signal_watch_pending(struct signal_watch *sw)
{
        struct signalfd_siginfo si;

        if (!sw || sw->fd < 0)
                return false;
        for (;;) {
                ssize_t n = read(sw->fd, &si, sizeof(si));

                if (n != (ssize_t)sizeof(si))
                        break;
                if (sw->received == 0)
                        sw->received = (int)si.ssi_signo;
        }
        return sw->received != 0;
}

void signal_watch_end(struct signal_watch *sw)
{
        if (sw->fd < 0)
                return;
        (void)signal_watch_pending(sw);
        close(sw->fd);
        sw->fd = -1;
        sigprocmask(SIG_SETMASK, &sw->old_mask, NULL);
}
