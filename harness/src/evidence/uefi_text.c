/* String and hex helpers for decoding event data; see uefi_text.h. Device
 * paths are in uefi_devpath.c. */
#include "evidence/uefi_text.h"

#include <errno.h>
#include <string.h>

#include "core/le.h"

static int put_utf8(struct buf *out, uint32_t cp)
{
        char s[4];
        size_t n;

        if (cp < 0x80) {
                s[0] = (char)cp;
                n = 1;
        } else if (cp < 0x800) {
                s[0] = (char)(0xc0 | cp >> 6);
                s[1] = (char)(0x80 | (cp & 0x3f));
                n = 2;
        } else if (cp < 0x10000) {
                s[0] = (char)(0xe0 | cp >> 12);
                s[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
                s[2] = (char)(0x80 | (cp & 0x3f));
                n = 3;
        } else {
                s[0] = (char)(0xf0 | cp >> 18);
                s[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
                s[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
                s[3] = (char)(0x80 | (cp & 0x3f));
                n = 4;
        }
        return buf_append(out, s, n);
}

int uefi_utf16_append(struct buf *out, const uint8_t *p, size_t len, bool stop_at_nul)
{
        size_t i = 0;
        int r;

        /* An empty string still yields a NUL-terminated buffer. */
        r = buf_reserve(out, len / 2 + 1);
        if (r < 0)
                return r;
        out->data[out->len] = '\0';
        while (i + 2 <= len) {
                uint32_t u = le16_get(p + i);

                i += 2;
                if (u == 0 && stop_at_nul)
                        break;
                if (u >= 0xd800 && u < 0xdc00 && i + 2 <= len) {
                        uint32_t lo = le16_get(p + i);

                        if (lo >= 0xdc00 && lo < 0xe000) {
                                u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
                                i += 2;
                        } else {
                                u = 0xfffd;
                        }
                } else if (u >= 0xd800 && u < 0xe000) {
                        u = 0xfffd;
                }
                r = put_utf8(out, u);
                if (r < 0)
                        return r;
        }
        return (int)(i > (size_t)INT32_MAX ? INT32_MAX : i);
}

bool uefi_utf16_is_text(const uint8_t *p, size_t len)
{
        size_t n = 0, ascii = 0;

        if (len < 2 || len % 2)
                return false;
        for (size_t i = 0; i + 2 <= len; i += 2) {
                uint32_t u = le16_get(p + i);

                if (u == 0) {
                        /* only NULs may follow the terminator */
                        for (size_t j = i; j < len; j++)
                                if (p[j])
                                        return false;
                        break;
                }
                if (u < 0x20 && u != '\t' && u != '\n' && u != '\r')
                        return false;
                if (u == 0xfffe || u == 0xffff)
                        return false;
                n++;
                ascii += u < 0x80;
        }
        /* ASCII bytes read in pairs look like CJK text: firmware strings are
         * mostly ASCII, so demand that most code units are. */
        return n > 0 && ascii * 2 >= n;
}

bool text_is_printable(const uint8_t *p, size_t len, size_t *ret_len)
{
        while (len > 0 && p[len - 1] == 0)
                len--;
        if (len == 0)
                return false;
        for (size_t i = 0; i < len; i++)
                if ((p[i] < 0x20 && p[i] != '\t' && p[i] != '\n' && p[i] != '\r') ||
                    p[i] > 0x7e)
                        return false;
        *ret_len = len;
        return true;
}

int hex_append_short(struct buf *out, const uint8_t *p, size_t len, size_t max)
{
        static const char digits[] = "0123456789abcdef";
        size_t n = len < max ? len : max;
        int r;

        r = buf_reserve(out, 2 * n + 32);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                out->data[out->len++] = digits[p[i] >> 4];
                out->data[out->len++] = digits[p[i] & 0xf];
        }
        out->data[out->len] = '\0';
        if (n < len)
                return buf_printf(out, "... (%zu bytes)", len);
        return 0;
}
