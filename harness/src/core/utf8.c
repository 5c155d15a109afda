/* UTF-8 validation and sanitising; see utf8.h. */
#include "core/utf8.h"

#include <errno.h>
#include <string.h>

size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *ret_cp)
{
        uint32_t cp, min;
        size_t len;

        if (n == 0)
                return 0;
        if (s[0] < 0x80) {
                *ret_cp = s[0];
                return 1;
        }
        if ((s[0] & 0xe0) == 0xc0) {
                len = 2;
                cp = s[0] & 0x1f;
                min = 0x80;
        } else if ((s[0] & 0xf0) == 0xe0) {
                len = 3;
                cp = s[0] & 0x0f;
                min = 0x800;
        } else if ((s[0] & 0xf8) == 0xf0) {
                len = 4;
                cp = s[0] & 0x07;
                min = 0x10000;
        } else {
                return 0;
        }
        if (n < len)
                return 0;
        for (size_t i = 1; i < len; i++) {
                if ((s[i] & 0xc0) != 0x80)
                        return 0;
                cp = (cp << 6) | (s[i] & 0x3f);
        }
        if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                return 0;
        *ret_cp = cp;
        return len;
}

static int put_escaped_byte(struct buf *b, unsigned char c)
{
        return buf_printf(b, "\\x%02x", c);
}

int utf8_sanitize(struct buf *b, const char *s, size_t len, bool keep_newlines)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t i = 0;
        int r;

        /* An empty input still leaves a valid (empty) C string behind. */
        r = buf_append(b, "", 0);
        if (r >= 0)
                r = buf_reserve(b, len);
        if (r < 0)
                return r;
        while (i < len) {
                uint32_t cp = 0;
                size_t n = utf8_decode(p + i, len - i, &cp);
                bool ok = n > 0 && cp != 0x7f && cp != 0xfffe && cp != 0xffff &&
                          (cp >= 0x20 || cp == '\t' || (cp == '\n' && keep_newlines));

                if (!ok) {
                        r = put_escaped_byte(b, p[i]);
                        i++;
                } else {
                        r = buf_append(b, p + i, n);
                        i += n;
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

int utf8_sanitize_dup(const char *s, char **ret)
{
        struct buf b = BUF_INIT;
        int r;

        if (!s) {
                *ret = NULL;
                return 0;
        }
        r = utf8_sanitize(&b, s, strlen(s), false);
        if (r < 0) {
                buf_free(&b);
                return r;
        }
        *ret = buf_detach(&b, NULL);
        return 0;
}
