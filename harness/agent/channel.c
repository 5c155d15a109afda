/* Line framing; see channel.h. */
#include "channel.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define READ_CHUNK 65536

void line_reader_init(struct line_reader *r, int fd, size_t max)
{
        *r = (struct line_reader){ .fd = fd, .max = max };
}

void line_reader_done(struct line_reader *r)
{
        free(r->buf);
        *r = (struct line_reader){ .fd = -1 };
}

void line_reader_reset(struct line_reader *r)
{
        r->len = r->scanned = r->consumed = 0;
        r->discarding = 0;
}

static int grow(struct line_reader *r)
{
        size_t want = r->len + READ_CHUNK + 1;
        char *n;

        if (want <= r->cap)
                return 0;
        n = realloc(r->buf, want);
        if (!n)
                return -ENOMEM;
        r->buf = n;
        r->cap = want;
        return 0;
}

int line_reader_next(struct line_reader *r, char **ret_line, size_t *ret_len)
{
        for (;;) {
                char *nl;
                ssize_t n;
                int rc;

                if (r->consumed) {
                        memmove(r->buf, r->buf + r->consumed, r->len - r->consumed);
                        r->len -= r->consumed;
                        r->consumed = 0;
                }
                nl = r->len > r->scanned ? memchr(r->buf + r->scanned, '\n',
                                                  r->len - r->scanned)
                                         : NULL;
                if (nl) {
                        size_t line_len = (size_t)(nl - r->buf);

                        r->consumed = line_len + 1;
                        r->scanned = 0;
                        if (r->discarding || line_len > r->max) {
                                r->discarding = 0;
                                return -E2BIG;
                        }
                        *nl = '\0';
                        *ret_line = r->buf;
                        *ret_len = line_len;
                        return 1;
                }
                r->scanned = r->len;
                if (r->len > r->max) {
                        /* Keep nothing of an over-long line; remember to
                         * report it when its newline arrives. */
                        r->discarding = 1;
                        r->len = r->scanned = 0;
                }
                rc = grow(r);
                if (rc < 0)
                        return rc;
                n = read(r->fd, r->buf + r->len, READ_CHUNK);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0) {
                        line_reader_reset(r);
                        return 0;
                }
                r->len += (size_t)n;
        }
}

int write_all(int fd, const void *data, size_t len)
{
        const char *p = data;

        while (len > 0) {
                ssize_t n = write(fd, p, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -EIO;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}
