/* Growable buffer; see buf.h. */
#include "core/buf.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int buf_reserve(struct buf *b, size_t extra)
{
        size_t need, cap;
        char *p;

        if (extra > SIZE_MAX - b->len - 1)
                return -ENOMEM;
        need = b->len + extra + 1;
        if (need <= b->cap)
                return 0;
        cap = b->cap ? b->cap : 64;
        while (cap < need)
                cap = cap > SIZE_MAX / 2 ? need : cap * 2;
        p = realloc(b->data, cap);
        if (!p)
                return -ENOMEM;
        b->data = p;
        b->cap = cap;
        return 0;
}

int buf_append(struct buf *b, const void *data, size_t len)
{
        int r = buf_reserve(b, len);

        if (r < 0)
                return r;
        if (len)
                memcpy(b->data + b->len, data, len);
        b->len += len;
        b->data[b->len] = '\0';
        return 0;
}

int buf_puts(struct buf *b, const char *s)
{
        return buf_append(b, s, strlen(s));
}

int buf_putc(struct buf *b, char c)
{
        return buf_append(b, &c, 1);
}

int buf_vprintf(struct buf *b, const char *fmt, va_list ap)
{
        va_list ap2;
        int n, r;

        va_copy(ap2, ap);
        n = vsnprintf(NULL, 0, fmt, ap2);
        va_end(ap2);
        if (n < 0)
                return -EINVAL;
        r = buf_reserve(b, (size_t)n);
        if (r < 0)
                return r;
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        b->len += (size_t)n;
        return 0;
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = buf_vprintf(b, fmt, ap);
        va_end(ap);
        return r;
}

static int put_le(struct buf *b, uint64_t v, size_t n)
{
        uint8_t tmp[8];

        for (size_t i = 0; i < n; i++)
                tmp[i] = (uint8_t)(v >> (8 * i));
        return buf_append(b, tmp, n);
}

int buf_put_le16(struct buf *b, uint16_t v)
{
        return put_le(b, v, 2);
}

int buf_put_le32(struct buf *b, uint32_t v)
{
        return put_le(b, v, 4);
}

int buf_put_le64(struct buf *b, uint64_t v)
{
        return put_le(b, v, 8);
}

void buf_reset(struct buf *b)
{
        b->len = 0;
        if (b->data)
                b->data[0] = '\0';
}

char *buf_detach(struct buf *b, size_t *ret_len)
{
        char *p = b->data;

        if (!p)
                p = calloc(1, 1);
        if (ret_len)
                *ret_len = b->len;
        *b = (struct buf)BUF_INIT;
        return p;
}

void buf_free(struct buf *b)
{
        free(b->data);
        *b = (struct buf)BUF_INIT;
}
