/* Text from untrusted sources (event data, variable names, command lines)
 * made safe to show: valid UTF-8, no control characters, nothing that XML 1.0
 * forbids. Bytes that do not qualify are shown as "\xNN", so a reader still
 * sees what was there and every output format can carry the result. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Length (1..4) of the well-formed UTF-8 sequence at s[0..n), storing the
 * code point in *ret_cp; 0 when the bytes are not well-formed (overlong forms,
 * surrogates, values above U+10FFFF, truncated sequences). */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *ret_cp);

/* Appends len bytes of s to b, replacing every byte that is not part of a
 * well-formed character, every C0 control and DEL (except tab, and newline
 * when keep_newlines), and U+FFFE/U+FFFF by "\xNN". 0 or -ENOMEM. */
int utf8_sanitize(struct buf *b, const char *s, size_t len, bool keep_newlines);

/* A sanitised copy of a NUL-terminated string (newlines escaped too);
 * *ret is NULL when s is NULL. 0 or -ENOMEM. */
int utf8_sanitize_dup(const char *s, char **ret);
