/* Line framing of the agent channel: requests are read up to a newline with a
 * bounded buffer, so a line over the limit is discarded (through its newline)
 * and reported once instead of growing memory. */
#pragma once

#include <stddef.h>

struct line_reader {
        int fd;
        size_t max;      /* longest accepted line, newline excluded */
        char *buf;
        size_t len;      /* bytes held */
        size_t cap;
        size_t scanned;  /* bytes already searched for a newline */
        size_t consumed; /* bytes of the line handed out last time */
        int discarding;  /* inside an over-long line */
};

void line_reader_init(struct line_reader *r, int fd, size_t max);
void line_reader_done(struct line_reader *r);

/* Returns 1 and the next line (NUL-terminated, without the newline; valid
 * until the next call), 0 at end of input (a partial last line is dropped),
 * -E2BIG once per line over the limit, or another negative errno when read()
 * fails. */
int line_reader_next(struct line_reader *r, char **ret_line, size_t *ret_len);

/* Forgets buffered input, e.g. when the host side of a port went away. */
void line_reader_reset(struct line_reader *r);

/* Writes all of data (retrying short writes and EINTR). 0 or -errno. */
int write_all(int fd, const void *data, size_t len);
