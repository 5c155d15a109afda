/* Memory sizes as users write them ("2G", "2.5G", "1536M", "4GiB"). */
#pragma once

#include <stdint.h>

/* Parses a size with an optional binary suffix K, M, G or T (optionally
 * followed by "iB" or "B"); a bare number means MiB, as with QEMU's -m.
 * A fraction is allowed when the result is a whole number of bytes.
 * Returns 0 or -EINVAL (empty, junk, zero, overflow). */
int size_parse(const char *text, uint64_t *ret);

/* Formats bytes with the largest suffix that divides it exactly ("2G",
 * "2560M", "4097K", or plain bytes). out must hold 32 bytes. */
void size_format(uint64_t bytes, char out[32]);
