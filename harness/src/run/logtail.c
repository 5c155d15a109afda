/* Log tails; see logtail.h. */
#include "run/logtail.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"

int logtail_read(const char *path, size_t max, char **ret, struct tdxh_err *e)
{
        _cleanup_close_ int fd = -1;
        struct stat st;
        size_t want, got = 0;
        off_t start;
        char *text;

        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
        if (fd < 0 && errno == ENOENT) {
                text = strdup("");
                if (!text)
                        return -ENOMEM;
                *ret = text;
                return 0;
        }
        if (fd < 0 || fstat(fd, &st) < 0)
                return err_setf(e, -errno, "%s: %s", path, strerror(errno));
        want = (size_t)st.st_size < max ? (size_t)st.st_size : max;
        start = st.st_size - (off_t)want;
        text = malloc(want + 1);
        if (!text)
                return -ENOMEM;
        while (got < want) {
                ssize_t n = pread(fd, text + got, want - got, start + (off_t)got);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                got += (size_t)n;
        }
        for (size_t i = 0; i < got; i++)
                if (text[i] == '\0')
                        text[i] = ' ';
        text[got] = '\0';
        *ret = text;
        return 0;
}

/* Copies [start, end) without control characters or escape sequences. */
static void copy_clean(const char *start, const char *end, char *out, size_t len)
{
        size_t o = 0;

        for (const char *p = start; p < end && o + 1 < len; p++) {
                unsigned char ch = (unsigned char)*p;

                if (ch == 0x1b) { /* skip an escape sequence up to its final byte */
                        while (p + 1 < end && !((p[1] >= 'A' && p[1] <= 'Z') ||
                                                (p[1] >= 'a' && p[1] <= 'z')))
                                p++;
                        if (p + 1 < end)
                                p++;
                        continue;
                }
                if (ch < 0x20 || ch == 0x7f)
                        continue;
                out[o++] = (char)ch;
        }
        while (o > 0 && out[o - 1] == ' ')
                o--;
        if (len)
                out[o] = '\0';
}

void logtail_last_line(const char *text, char *out, size_t len)
{
        const char *end = text + strlen(text);

        if (len)
                out[0] = '\0';
        while (end > text) {
                const char *start = end;

                while (start > text && start[-1] != '\n')
                        start--;
                copy_clean(start, end, out, len);
                if (len && out[0])
                        return;
                end = start > text ? start - 1 : text;
        }
}

bool logtail_find_line(const char *text, const char *needle, char *out, size_t len)
{
        const char *hit = strstr(text, needle), *end;

        if (!hit)
                return false;
        end = strchr(hit, '\n');
        copy_clean(hit, end ? end : hit + strlen(hit), out, len);
        return true;
}
