/* Text forms of the UEFI structures found inside event data: UCS-2 / UTF-16
 * strings and device paths, in the UEFI 2.10 §10.6 text conventions for the
 * nodes OVMF and shim log (GUIDs through core/guid.h, upper case in device
 * paths as edk2 prints them). Every function reads untrusted bytes: lengths are
 * checked before each field, and what cannot be decoded is written as hex, so
 * the output is always valid UTF-8. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Appends the UTF-8 form of len bytes of UTF-16LE text; stops at the first
 * NUL character when stop_at_nul. Unpaired surrogates become U+FFFD, an odd
 * trailing byte is ignored. Returns the number of bytes consumed or -ENOMEM. */
int uefi_utf16_append(struct buf *out, const uint8_t *p, size_t len, bool stop_at_nul);

/* True when len bytes (len > 0) are a plausible UTF-16LE string of printable
 * characters, mostly ASCII, optionally NUL-terminated. */
bool uefi_utf16_is_text(const uint8_t *p, size_t len);

/* True when the bytes are printable ASCII (tab, CR and LF allowed), once
 * trailing NULs are ignored; *ret_len receives the length without them. */
bool text_is_printable(const uint8_t *p, size_t len, size_t *ret_len);

/* Appends hex of at most max bytes, then "... (N bytes)" when cut. */
int hex_append_short(struct buf *out, const uint8_t *p, size_t len, size_t max);

/* Appends the text form of a device path ("PciRoot(0x0)/Pci(0x1,0x1)/...").
 * Unknown nodes are written as Path(type,subtype,hex); a malformed node ends
 * the text with the remaining bytes in hex. -ENOMEM only. */
int uefi_devpath_append(struct buf *out, const uint8_t *p, size_t len);
