/* Sample data for the EFI decompressor's tests: deterministic bytes that
 * mix text-like literals, random bytes, byte runs and copies from up to
 * 128 KiB back, so that a compressor's output uses many blocks, every
 * length and the longest positions. harness/tests/data/efi-compress holds
 * these bytes compressed by edk2's reference compressor (PROVENANCE.md
 * there); the test decompresses them and compares with this generator. */
#pragma once

#include <stddef.h>
#include <stdint.h>

static inline uint32_t efi_sample_next(uint32_t *s)
{
        /* xorshift32: small and the same everywhere */
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        return *s;
}

static inline void efi_sample_data(uint8_t *out, size_t n)
{
        static const char words[] = "the quick brown fox jumps over a lazy dog, PciRoot Offset ";
        uint32_t s = 0x7d1c0de5u;
        size_t o = 0;

        while (o < n) {
                uint32_t kind = efi_sample_next(&s) % 16, len;

                if (o < 64 || kind < 6) {        /* text-like literals */
                        len = 1 + efi_sample_next(&s) % 40;
                        for (; len && o < n; len--)
                                out[o++] = (uint8_t)words[efi_sample_next(&s) % (sizeof(words) - 1)];
                } else if (kind < 9) {           /* random bytes */
                        len = 1 + efi_sample_next(&s) % 12;
                        for (; len && o < n; len--)
                                out[o++] = (uint8_t)efi_sample_next(&s);
                } else if (kind < 15) {          /* a copy from up to 2^17 back */
                        size_t span = (size_t)1 << (4 + efi_sample_next(&s) % 14);
                        size_t dist = 1 + efi_sample_next(&s) % (span < o ? span : o);

                        len = 3 + efi_sample_next(&s) % 300;
                        for (; len && o < n; len--, o++)
                                out[o] = out[o - dist];
                } else {                         /* a run of one byte */
                        uint8_t b = (uint8_t)efi_sample_next(&s);

                        len = 3 + efi_sample_next(&s) % 600;
                        for (; len && o < n; len--)
                                out[o++] = b;
                }
        }
}
