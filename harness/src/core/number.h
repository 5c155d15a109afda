/* Whole numbers as users write them on a command line: decimal digits only,
 * no sign, no spaces, no suffix, within bounds the caller gives. One strict
 * reader for the command's counts and seconds and the agent's --wait, in
 * place of atoi() and strtol() calls that each accepted something else
 * ("", "12abc", "-1" read as a huge unsigned number). */
#pragma once

#include <stdint.h>

/* Parses text into *ret when it is a decimal number in [min, max].
 * Returns 0, -EINVAL (empty, not all digits) or -ERANGE (out of bounds,
 * including a number too long for 64 bits); *ret is written only on
 * success. */
int number_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *ret);

/* The same for an unsigned int (max at most UINT_MAX). */
int number_parse_uint(const char *text, unsigned min, unsigned max, unsigned *ret);
