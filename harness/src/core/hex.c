/* Hex helpers; see hex.h. */
#include "core/hex.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Both digits of every byte value: one two-byte copy per byte, which halves
 * the cost of hex for the raw event data of big logs (inspect --json). */
static const char hex_pairs[2 * 256 + 1] =
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
        "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
        "404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f"
        "606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
        "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
        "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"
        "e0e1e2e3e4e5e6e7e8e9eaebecedeeeff0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";

void hex_encode(const uint8_t *data, size_t len, char *out)
{
        size_t i = 0;

        /* four bytes a round: eight digits written with one store */
        for (; i + 4 <= len; i += 4) {
                char digits[8];

                memcpy(digits, hex_pairs + 2 * data[i], 2);
                memcpy(digits + 2, hex_pairs + 2 * data[i + 1], 2);
                memcpy(digits + 4, hex_pairs + 2 * data[i + 2], 2);
                memcpy(digits + 6, hex_pairs + 2 * data[i + 3], 2);
                memcpy(out + 2 * i, digits, 8);
        }
        for (; i < len; i++)
                memcpy(out + 2 * i, hex_pairs + 2 * data[i], 2);
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
