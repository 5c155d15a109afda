/* Unix stream sockets of the children: swtpm's control socket and QEMU's
 * agent chardev. Paths are limited to 107 bytes by sockaddr_un, which is why
 * the run layer keeps them in a short private directory (rundir.h). */
#pragma once

#include "run/wait.h"

#define UNIX_PATH_MAX_LEN 107 /* sizeof(sockaddr_un.sun_path) - 1 */

/* Connects once. The returned fd is O_CLOEXEC and non-blocking. -ENOENT
 * (nothing bound yet), -ECONNREFUSED (bound, not listening, or the server
 * is gone), -EAGAIN (backlog full), -ENAMETOOLONG. */
int unix_connect(const char *path, int *ret_fd);

/* Connects as soon as the socket accepts. A server that is still starting
 * (-ENOENT, -ECONNREFUSED, -EAGAIN) is retried with a short backoff
 * (1 ms doubling to 64 ms) during which the watch is polled, so a child that
 * dies or a signal ends the wait at once. Returns what wait_fd() returns
 * for those, -ETIMEDOUT at the deadline, or another connect error. */
int unix_connect_wait(const char *path, const struct deadline *d, const struct wait_watch *w,
                      struct child **ret_exited, int *ret_fd);

/* Writes all of data to the non-blocking socket fd, waiting while it is
 * full. 0; -ECONNRESET when the peer is gone, another -errno of send(); or
 * what wait_fd() returns (-ETIMEDOUT, -ECANCELED, -ECHILD with *ret_exited). */
int unix_send_all(int fd, const void *data, size_t len, const struct deadline *d,
                  const struct wait_watch *w, struct child **ret_exited);
