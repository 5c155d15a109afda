/* UEFI GUIDs: the 16-byte in-memory form (first three groups little-endian,
 * last eight bytes as written, TDX-REFERENCE §0) and the text form
 * "8be4df61-93ca-11d2-aa0d-00e098032b8c". */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define GUID_LEN 16
#define GUID_TEXT_LEN 36 /* without the NUL */

/* A constant GUID in memory layout, written the way the text form reads:
 * GUID_BYTES(0x8be4df61, 0x93ca, 0x11d2, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c). */
#define GUID_BYTES(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)                                  \
        {                                                                                   \
                (uint8_t)(a), (uint8_t)((a) >> 8), (uint8_t)((a) >> 16), (uint8_t)((a) >> 24), \
                        (uint8_t)(b), (uint8_t)((b) >> 8), (uint8_t)(c), (uint8_t)((c) >> 8),  \
                        d0, d1, d2, d3, d4, d5, d6, d7                                      \
        }

/* Parses the 36-character text form (either case) into memory layout.
 * 0 or -EINVAL. */
int guid_parse(const char *text, uint8_t out[GUID_LEN]);

/* Writes the text form and a NUL into out (37 bytes). edk2 prints GUIDs in
 * upper case ("%g"), Linux and most tools in lower case. */
void guid_format(const uint8_t guid[GUID_LEN], bool upper, char out[GUID_TEXT_LEN + 1]);
