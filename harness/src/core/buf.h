/* A growable byte/text buffer.
 *
 * Invariants: a zero-initialised struct buf (BUF_INIT) is an empty buffer;
 * once anything was appended, data is non-NULL and NUL-terminated (the NUL is
 * not counted in len), so text can be used as a C string. buf_detach() hands
 * the memory to the caller and leaves the buffer empty. */
#pragma once

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct buf {
        char *data;
        size_t len;
        size_t cap;
};
#define BUF_INIT { 0 }

int buf_reserve(struct buf *b, size_t extra);
int buf_append(struct buf *b, const void *data, size_t len);
int buf_puts(struct buf *b, const char *s);
int buf_putc(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Little-endian integers, for building binary structures. */
int buf_put_le16(struct buf *b, uint16_t v);
int buf_put_le32(struct buf *b, uint32_t v);
int buf_put_le64(struct buf *b, uint64_t v);
void buf_reset(struct buf *b);
char *buf_detach(struct buf *b, size_t *ret_len);
void buf_free(struct buf *b);
#define _cleanup_buf_ __attribute__((cleanup(buf_free)))
