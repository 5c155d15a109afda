/* Running a short command to completion and capturing its output (version
 * queries); see child_run_capture() in child.h. */
#include "run/child.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "run/logtail.h"

/* Reads up to max bytes of fd from the start. A memfd never blocks. */
static int read_capture(int fd, size_t max, char **ret)
{
        _cleanup_buf_ struct buf b = BUF_INIT;
        char chunk[4096];
        off_t off = 0;

        if (buf_reserve(&b, 0) < 0)
                return -ENOMEM;
        while (b.len < max) {
                size_t want = max - b.len < sizeof(chunk) ? max - b.len : sizeof(chunk);
                ssize_t n = pread(fd, chunk, want, off);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        break;
                if (buf_append(&b, chunk, (size_t)n) < 0)
                        return -ENOMEM;
                off += n;
        }
        *ret = buf_detach(&b, NULL);
        return 0;
}

int child_run_capture(const char *const *argv, size_t max_out, const struct deadline *d,
                      struct signal_watch *sw, char **ret_out, struct tdxh_err *e)
{
        _cleanup_(child_done) struct child c = CHILD_INIT;
        _cleanup_close_ int fd = -1;
        _cleanup_free_ char *out = NULL;
        char status[96], line[256];
        int r;

        fd = memfd_create("tdxh-capture", MFD_CLOEXEC);
        if (fd < 0)
                return err_setf(e, -errno, "memfd_create: %s", strerror(errno));
        r = child_spawn(&c,
                        &(struct child_opts){
                                .argv = argv,
                                .out = { .kind = CHILD_IO_FD, .fd = fd },
                                .err = { .kind = CHILD_IO_FD, .fd = fd },
                        },
                        e);
        if (r < 0)
                return r;
        r = child_wait(&c, d, sw, e);
        if (r < 0)
                return r;
        r = read_capture(fd, max_out, &out);
        if (r < 0)
                return err_setf(e, r, "%s: reading its output: %s", c.name, strerror(-r));
        if (!child_succeeded(&c)) {
                child_describe(&c, status, sizeof(status));
                logtail_last_line(out, line, sizeof(line));
                return err_setf(e, -EIO, "%s %s%s%s", argv[0], status, line[0] ? ": " : "",
                                line);
        }
        *ret_out = TAKE_PTR(out);
        return 0;
}
