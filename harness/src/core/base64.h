/* Standard base64 (RFC 4648, with padding), as the agent protocol carries
 * binary values. Encoding and decoding go through OpenSSL's EVP block
 * functions; decoding is strict: no whitespace, no missing padding. */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Returns a newly allocated NUL-terminated encoding, or NULL on ENOMEM. */
char *base64_encode(const uint8_t *data, size_t len);

/* Decodes text into a new buffer (NUL-terminated for convenience, the NUL is
 * not counted). Returns 0, -EINVAL when text is not canonical base64, or
 * -ENOMEM. */
int base64_decode(const char *text, size_t text_len, uint8_t **ret, size_t *ret_len);
