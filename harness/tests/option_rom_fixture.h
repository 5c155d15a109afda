/* Building PCI option ROMs and EFI-compressed streams in tests: a ROM of
 * given images laid out as the PCI Firmware Specification says (option_rom.h
 * gives the offsets), and streams written bit by bit, most significant
 * first, after the 8-byte {CompSize, OrigSize} header (efi_decompress.h). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/le.h"
#include "measure/option_rom.h"
#include "testutil.h"

/* One image of a ROM built by rom_build(). EFI images get the EFI header
 * (signature 0x0EF1, boot service driver, x64 unless set otherwise). */
struct rom_img_spec {
        uint8_t code_type;
        uint16_t subsystem, machine, compression;
        uint32_t efi_signature;
        const uint8_t *payload; /* at offset 0x38 */
        size_t payload_len;
        uint16_t pcir_offset;   /* 0: 0x1c */
        bool no_last;           /* leave indicator bit 7 clear on the last image */
};

/* Lays the images out one after another, each a whole number of 512-byte
 * units, into rom (cap bytes, zeroed first); returns the size. */
static inline size_t rom_build(uint8_t *rom, size_t cap, const struct rom_img_spec *imgs, size_t n)
{
        size_t off = 0;

        memset(rom, 0, cap);
        for (size_t i = 0; i < n; i++) {
                const struct rom_img_spec *s = &imgs[i];
                uint8_t *h = rom + off;
                uint16_t pcir = s->pcir_offset ? s->pcir_offset : 0x1c;
                size_t units = (0x38 + s->payload_len + 511) / 512;

                ck_assert_uint_le(off + units * 512, cap);
                le16_put(h, 0xaa55);
                le16_put(h + 0x18, pcir);
                if (s->code_type == PCI_CODE_TYPE_EFI) {
                        le16_put(h + 0x02, (uint16_t)units);
                        le32_put(h + 0x04, s->efi_signature ? s->efi_signature : 0x0ef1);
                        le16_put(h + 0x08, s->subsystem ? s->subsystem : 11);
                        le16_put(h + 0x0a, s->machine ? s->machine : 0x8664);
                        le16_put(h + 0x0c, s->compression);
                        le16_put(h + 0x16, 0x38);
                } else {
                        h[2] = (uint8_t)units;
                }
                if (s->payload_len)
                        memcpy(h + 0x38, s->payload, s->payload_len);
                if ((size_t)pcir + 0x18 <= units * 512) {
                        memcpy(h + pcir, "PCIR", 4);
                        le16_put(h + pcir + 0x04, 0x1af4);
                        le16_put(h + pcir + 0x06, 0x1000);
                        le16_put(h + pcir + 0x0a, 0x18);
                        le16_put(h + pcir + 0x10, (uint16_t)units);
                        h[pcir + 0x14] = s->code_type;
                        h[pcir + 0x15] = i + 1 == n && !s->no_last ? 0x80 : 0;
                }
                off += units * 512;
        }
        return off;
}

/* A stream being written: cap bytes at p, n bits written after the header. */
struct efi_bits {
        uint8_t *p;
        size_t cap;
        size_t n;
};

static inline void efi_bits_put(struct efi_bits *b, uint32_t v, unsigned n)
{
        for (unsigned i = n; i-- > 0; b->n++) {
                ck_assert_uint_lt(8 + b->n / 8, b->cap);
                if ((v >> i) & 1)
                        b->p[8 + b->n / 8] |= (uint8_t)(0x80u >> (b->n % 8));
        }
}

/* Fills in the header; the stream's length (CompSize is what the bits
 * take). */
static inline size_t efi_bits_finish(struct efi_bits *b, uint32_t orig)
{
        uint32_t comp = (uint32_t)((b->n + 7) / 8);

        le32_put(b->p, comp);
        le32_put(b->p + 4, orig);
        return 8 + comp;
}

/* The simplest valid stream for in[0, n): blocks of literals only, each
 * byte an 8-bit code (the char/length set: 256 lengths of 8, sent through
 * an extra set whose only symbol is "length 8"; the position set a single
 * unused symbol). A new buffer; *ret_len its length. */
static inline uint8_t *efi_literal_stream(const uint8_t *in, size_t n, size_t *ret_len)
{
        size_t blocks = n / 0xffff + 1;
        struct efi_bits b = { .cap = 8 + n + blocks * 8 + 8 };

        b.p = calloc(1, b.cap);
        ck_assert_ptr_nonnull(b.p);
        for (size_t off = 0; off < n; off += 0xffff) {
                size_t k = n - off < 0xffff ? n - off : 0xffff;

                efi_bits_put(&b, (uint32_t)k, 16);
                efi_bits_put(&b, 0, 5);
                efi_bits_put(&b, 10, 5);  /* the extra set: only symbol 10, length 8 */
                efi_bits_put(&b, 256, 9); /* 256 char lengths, each symbol 10 in no bits */
                efi_bits_put(&b, 0, 4);
                efi_bits_put(&b, 0, 4);   /* the position set: only symbol 0 */
                for (size_t i = 0; i < k; i++)
                        efi_bits_put(&b, in[off + i], 8);
        }
        *ret_len = efi_bits_finish(&b, (uint32_t)n);
        return b.p;
}
