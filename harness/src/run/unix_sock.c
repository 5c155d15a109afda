/* Unix socket connections; see unix_sock.h. */
#include "run/unix_sock.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/cleanup.h"

#define BACKOFF_FIRST_MS 1
#define BACKOFF_MAX_MS 64

int unix_connect(const char *path, int *ret_fd)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        size_t len = strlen(path);

        if (len >= sizeof(sa.sun_path))
                return -ENAMETOOLONG;
        memcpy(sa.sun_path, path, len + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return -errno;
        if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
                return -errno;
        *ret_fd = TAKE_FD(fd);
        return 0;
}

int unix_connect_wait(const char *path, const struct deadline *d, const struct wait_watch *w,
                      struct child **ret_exited, int *ret_fd)
{
        uint64_t backoff = BACKOFF_FIRST_MS;

        for (;;) {
                struct deadline tick;
                int r = unix_connect(path, ret_fd);

                if (r == 0)
                        return 0;
                if (r != -ENOENT && r != -ECONNREFUSED && r != -EAGAIN)
                        return r;
                if (deadline_expired(d))
                        return -ETIMEDOUT;
                tick = deadline_min(deadline_in_ms(backoff), *d);
                r = wait_fd(-1, 0, &tick, w, ret_exited);
                if (r != -ETIMEDOUT)
                        return r;
                if (backoff < BACKOFF_MAX_MS)
                        backoff *= 2;
        }
}

int unix_send_all(int fd, const void *data, size_t len, const struct deadline *d,
                  const struct wait_watch *w, struct child **ret_exited)
{
        const uint8_t *p = data;

        while (len > 0) {
                ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
                int r;

                if (n > 0) {
                        p += n;
                        len -= (size_t)n;
                        continue;
                }
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno != EAGAIN)
                        return errno == EPIPE ? -ECONNRESET : -errno;
                r = wait_fd(fd, POLLOUT, d, w, ret_exited);
                if (r < 0)
                        return r;
        }
        return 0;
}
