/* The run layer's wait loop; see wait.h. */
#include "run/wait.h"

#include <errno.h>
#include <poll.h>

static int check_children(const struct wait_watch *w, struct child **ret_exited)
{
        for (size_t i = 0; w && i < WAIT_MAX_CHILDREN; i++) {
                struct child *c = w->children[i];

                if (c && c->pid > 0 && child_exited(c)) {
                        if (ret_exited)
                                *ret_exited = c;
                        return -ECHILD;
                }
        }
        return 0;
}

int wait_fd(int fd, short events, const struct deadline *d, const struct wait_watch *w,
            struct child **ret_exited)
{
        struct pollfd pfd[2 + WAIT_MAX_CHILDREN];

        for (;;) {
                size_t n = 0;
                int r;

                if (w && signal_watch_pending(w->sig))
                        return -ECANCELED;
                r = check_children(w, ret_exited);
                if (r < 0)
                        return r;
                pfd[n++] = (struct pollfd){ .fd = fd, .events = events };
                pfd[n++] = (struct pollfd){ .fd = w && w->sig ? w->sig->fd : -1,
                                            .events = POLLIN };
                for (size_t i = 0; i < WAIT_MAX_CHILDREN; i++) {
                        struct child *c = w ? w->children[i] : NULL;

                        pfd[n++] = (struct pollfd){ .fd = c && child_running(c) ? c->pidfd : -1,
                                                    .events = POLLIN };
                }
                r = poll(pfd, n, deadline_poll_ms(d));
                if (r < 0 && errno == EINTR)
                        continue;
                if (r < 0)
                        return -errno;
                if (fd >= 0 && pfd[0].revents)
                        return 0;
                if (r == 0)
                        return -ETIMEDOUT;
                /* A signal or a child: the checks at the top report it. */
        }
}
