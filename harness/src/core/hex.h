/* Lowercase hex encoding and strict decoding. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Writes 2*len lowercase hex digits and a NUL to out (2*len+1 bytes). */
void hex_encode(const uint8_t *data, size_t len, char *out);

/* Returns a newly allocated lowercase hex string, or NULL on ENOMEM. */
char *hex_dup(const uint8_t *data, size_t len);

/* Decodes exactly len bytes from text (upper or lower case, no separators,
 * surrounding whitespace allowed). Returns 0, or -EINVAL when text is not
 * exactly 2*len hex digits. */
int hex_decode_exact(const char *text, uint8_t *out, size_t len);

/* Decodes any even number of hex digits into a new buffer. */
int hex_decode_alloc(const char *text, uint8_t **ret, size_t *ret_len);
