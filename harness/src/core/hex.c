/* Hex helpers; see hex.h. */
#include "core/hex.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void hex_encode(const uint8_t *data, size_t len, char *out)
{
        static const char digits[] = "0123456789abcdef";

        for (size_t i = 0; i < len; i++) {
                out[2 * i] = digits[data[i] >> 4];
                out[2 * i + 1] = digits[data[i] & 0xf];
        }
        out[2 * len] = '\0';
}

char *hex_dup(const uint8_t *data, size_t len)
{
        char *s = malloc(2 * len + 1);

        if (s)
                hex_encode(data, len, s);
        return s;
}

static int nibble(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Trims surrounding whitespace: returns the start and sets *n to the length. */
static const char *trim(const char *text, size_t *n)
{
        size_t len;

        while (*text && isspace((unsigned char)*text))
                text++;
        len = strlen(text);
        while (len > 0 && isspace((unsigned char)text[len - 1]))
                len--;
        *n = len;
        return text;
}

static int decode(const char *text, size_t digits, uint8_t *out)
{
        for (size_t i = 0; i < digits / 2; i++) {
                int hi = nibble(text[2 * i]), lo = nibble(text[2 * i + 1]);

                if (hi < 0 || lo < 0)
                        return -EINVAL;
                out[i] = (uint8_t)(hi << 4 | lo);
        }
        return 0;
}

int hex_decode_exact(const char *text, uint8_t *out, size_t len)
{
        size_t n;

        text = trim(text, &n);
        if (n != 2 * len)
                return -EINVAL;
        return decode(text, n, out);
}

int hex_decode_alloc(const char *text, uint8_t **ret, size_t *ret_len)
{
        uint8_t *buf;
        size_t n;
        int r;

        text = trim(text, &n);
        if (n % 2 != 0)
                return -EINVAL;
        buf = malloc(n / 2 + 1);
        if (!buf)
                return -ENOMEM;
        r = decode(text, n, buf);
        if (r < 0) {
                free(buf);
                return r;
        }
        *ret = buf;
        *ret_len = n / 2;
        return 0;
}
