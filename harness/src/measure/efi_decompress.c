/* The EFI decompressor; see efi_decompress.h.
 *
 * The stream (UEFI specification, "Compression Algorithm Specification";
 * edk2 MdePkg/Library/BaseUefiDecompressLib/BaseUefiDecompressLib.c is the
 * firmware's reading of it): an 8-byte header {u32 CompSize, u32 OrigSize},
 * then bits, most significant first. Each block starts with a 16-bit count
 * of symbols and three code-length tables: the "extra" set (19 symbols that
 * code the lengths of the next table, 5-bit count), the char-and-length set
 * (510 symbols: bytes 0-255, then match lengths 3-256, 9-bit count) and the
 * position set (4-bit count in version 1, the one UefiDecompress uses). A
 * count of 0 means the whole set is one symbol, coded with no bits. A
 * position symbol p > 1 is followed by p-1 extra bits. The codes are
 * canonical: shorter codes first, equal lengths in symbol order (edk2
 * MakeTable), so a decoder needs only the count of codes per length. This
 * one decodes bit by bit, which is slower than edk2's lookup tables and
 * plenty for images of a few hundred KiB. */
#include "measure/efi_decompress.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/le.h"

#define HEADER_SIZE 8u
#define MAX_LEN 16u      /* longest code (edk2 MakeTable refuses longer) */
#define NC 510u          /* 256 bytes + match lengths 3..256 */
#define NT 19u           /* code lengths 0..16 plus the three zero-run codes */
#define NP 31u           /* edk2 reads the position set with nn = MAXNP = 31 */
#define CBIT 9u
#define TBIT 5u
#define PBIT 4u          /* version 1 (UefiDecompress) */
#define MIN_MATCH 3u
#define NO_SPECIAL 0xffffu

struct bitreader {
        const uint8_t *p;   /* the bytes after the header */
        uint32_t comp_left; /* bytes of CompSize not yet taken */
        size_t taken;       /* bytes taken into acc */
        uint64_t acc;       /* bits not yet consumed, in the low `count` bits */
        unsigned count;
};

/* A canonical prefix code: how many codes each length has and the symbols
 * in code order. single >= 0 is a one-symbol set coded with no bits. */
struct huff {
        uint16_t count[MAX_LEN + 1];
        uint16_t sym[NC];
        int single;
};

struct efi_dec {
        struct bitreader br;
        struct huff t, c, p;
        struct tdxh_err *e;
};

/* Byte offset in the whole stream of the next unread bit. */
static size_t br_offset(const struct bitreader *b)
{
        return HEADER_SIZE + (b->taken * 8 - b->count) / 8;
}

/* Makes at least n (<= 32) bits available; past CompSize the stream reads
 * as zero, as edk2's FillBuf pads it. */
static void br_fill(struct bitreader *b, unsigned n)
{
        while (b->count < n) {
                uint8_t byte = 0;

                if (b->comp_left) {
                        byte = b->p[b->taken];
                        b->comp_left--;
                        b->taken++;
                } else {
                        b->taken++; /* a padding byte: keeps offsets counting */
                }
                b->acc = (b->acc << 8) | byte;
                b->count += 8;
        }
}

static uint32_t br_peek(struct bitreader *b, unsigned n)
{
        if (n == 0)
                return 0;
        br_fill(b, n);
        return (uint32_t)((b->acc >> (b->count - n)) & ((1ull << n) - 1));
}

static void br_skip(struct bitreader *b, unsigned n)
{
        br_fill(b, n);
        b->count -= n;
        b->acc &= b->count ? (1ull << b->count) - 1 : 0;
}

static uint32_t br_get(struct bitreader *b, unsigned n)
{
        uint32_t v = br_peek(b, n);

        br_skip(b, n);
        return v;
}

/* Builds the code from lens[0, n). Like edk2 MakeTable, a table is usable
 * only when its codes exactly fill the code space; an all-zero table is
 * kept (edk2 accepts it) and fails when a symbol is decoded from it. */
static int huff_build(struct efi_dec *d, struct huff *h, const uint8_t *lens, unsigned n,
                      const char *what, size_t at)
{
        uint32_t space = 0;
        uint16_t next[MAX_LEN + 2];
        bool any = false;

        memset(h->count, 0, sizeof(h->count));
        h->single = -1;
        for (unsigned i = 0; i < n; i++) {
                if (lens[i] > MAX_LEN)
                        return err_setf(d->e, -EINVAL, "offset 0x%zx: %s code length %u is above %u",
                                        at, what, lens[i], MAX_LEN);
                h->count[lens[i]]++;
        }
        for (unsigned l = 1; l <= MAX_LEN; l++) {
                space += (uint32_t)h->count[l] << (MAX_LEN - l);
                any = any || h->count[l];
        }
        if (any && space != 1u << MAX_LEN)
                return err_setf(d->e, -EINVAL,
                                "offset 0x%zx: %s code lengths do not form a complete prefix code",
                                at, what);
        next[1] = 0;
        for (unsigned l = 1; l <= MAX_LEN; l++)
                next[l + 1] = (uint16_t)(next[l] + h->count[l]);
        for (unsigned i = 0; i < n; i++)
                if (lens[i])
                        h->sym[next[lens[i]]++] = (uint16_t)i;
        return 0;
}

static int huff_decode(struct efi_dec *d, const struct huff *h, const char *what)
{
        uint32_t code = 0, first = 0, index = 0;
        size_t at = br_offset(&d->br);

        if (h->single >= 0)
                return h->single;
        for (unsigned l = 1; l <= MAX_LEN; l++) {
                code |= br_get(&d->br, 1);
                if (code - first < h->count[l])
                        return h->sym[index + code - first];
                index += h->count[l];
                first = (first + h->count[l]) << 1;
                code <<= 1;
        }
        return err_setf(d->e, -EINVAL, "offset 0x%zx: bits match no %s code", at, what);
}

/* A set's count of code lengths (nbit bits). A count of 0 is followed by
 * the set's only symbol, which is then coded with no bits: h is made that
 * one-symbol code and *ret_n is 0. */
static int read_count(struct efi_dec *d, struct huff *h, unsigned nbit, unsigned limit,
                      const char *what, uint32_t *ret_n)
{
        size_t at = br_offset(&d->br);
        uint32_t n = br_get(&d->br, nbit);

        if (n == 0) {
                uint32_t s = br_get(&d->br, nbit);

                if (s >= limit)
                        return err_setf(d->e, -EINVAL, "offset 0x%zx: %s set's only symbol %u is not below %u",
                                        at, what, s, limit);
                memset(h->count, 0, sizeof(h->count));
                h->single = (int)s;
        } else if (n > limit) {
                return err_setf(d->e, -EINVAL, "offset 0x%zx: %s set has %u code lengths, at most %u",
                                at, what, n, limit);
        }
        *ret_n = n;
        return 0;
}

/* The extra and position sets: a count, then 3 bits per length, 7 extended
 * by one per further 1 bit and ended by a 0; after the special-th length,
 * 2 bits of zero lengths (edk2 ReadPTLen). */
static int read_pt_lens(struct efi_dec *d, struct huff *h, unsigned nn, unsigned nbit,
                        unsigned special, const char *what)
{
        uint8_t lens[NP] = { 0 };
        size_t at = br_offset(&d->br);
        uint32_t n;
        unsigned i = 0;
        int r = read_count(d, h, nbit, nn, what, &n);

        if (r < 0 || n == 0)
                return r;
        while (i < n) {
                uint32_t len = br_get(&d->br, 3);

                if (len == 7)
                        while (br_get(&d->br, 1))
                                if (++len > MAX_LEN)
                                        return err_setf(d->e, -EINVAL,
                                                        "offset 0x%zx: %s code length above %u",
                                                        br_offset(&d->br), what, MAX_LEN);
                lens[i++] = (uint8_t)len;
                if (i == special) {
                        uint32_t zeros = br_get(&d->br, 2);

                        while (zeros-- && i < nn)
                                lens[i++] = 0;
                }
        }
        return huff_build(d, h, lens, nn, what, at);
}

/* The char-and-length set's lengths, coded with the extra set: symbols 0,
 * 1, 2 are runs of zero lengths (1; 3 + 4 bits; 20 + 9 bits), symbol s > 2
 * the length s - 2 (edk2 ReadCLen). */
static int read_c_lens(struct efi_dec *d)
{
        uint8_t lens[NC] = { 0 };
        size_t at = br_offset(&d->br);
        uint32_t n;
        unsigned i = 0;
        int r = read_count(d, &d->c, CBIT, NC, "char/length", &n);

        if (r < 0 || n == 0)
                return r;
        while (i < n) {
                int s = huff_decode(d, &d->t, "code-length");
                uint32_t run;

                if (s < 0)
                        return s;
                if (s > 2) {
                        lens[i++] = (uint8_t)(s - 2);
                        continue;
                }
                run = s == 0 ? 1 : s == 1 ? br_get(&d->br, 4) + 3 : br_get(&d->br, CBIT) + 20;
                while (run-- && i < NC)
                        lens[i++] = 0;
        }
        return huff_build(d, &d->c, lens, NC, "char/length", at);
}

static int read_block_header(struct efi_dec *d, uint32_t *ret_symbols)
{
        uint32_t n = br_get(&d->br, 16);
        int r;

        /* edk2 decrements a 16-bit counter: a block of "0" holds 65536. */
        *ret_symbols = n ? n : 0x10000u;
        r = read_pt_lens(d, &d->t, NT, TBIT, 3, "code-length");
        if (r >= 0)
                r = read_c_lens(d);
        if (r >= 0)
                r = read_pt_lens(d, &d->p, NP, PBIT, NO_SPECIAL, "position");
        return r;
}

int efi_decompress_info(const uint8_t *src, size_t len, uint32_t *ret_comp, uint32_t *ret_orig,
                        struct tdxh_err *e)
{
        uint32_t comp;

        if (len < HEADER_SIZE)
                return err_setf(e, -EINVAL,
                                "offset 0x0: compressed image of %zu bytes is shorter than its 8-byte header",
                                len);
        comp = le32_get(src);
        if ((uint64_t)comp + HEADER_SIZE > len)
                return err_setf(e, -EINVAL,
                                "offset 0x0: CompSize 0x%x runs past the end of the %zu-byte compressed image",
                                comp, len);
        *ret_comp = comp;
        *ret_orig = le32_get(src + 4);
        return 0;
}

static int decode(struct efi_dec *d, uint8_t *out, uint32_t orig)
{
        uint32_t o = 0, block_left = 0;
        int r;

        while (o < orig) {
                int s;

                if (block_left == 0) {
                        r = read_block_header(d, &block_left);
                        if (r < 0)
                                return r;
                }
                block_left--;
                s = huff_decode(d, &d->c, "char/length");
                if (s < 0)
                        return s;
                if (s < 256) {
                        out[o++] = (uint8_t)s;
                } else {
                        uint32_t n = (uint32_t)s - 256 + MIN_MATCH, pos;
                        size_t at = br_offset(&d->br);
                        int p = huff_decode(d, &d->p, "position");

                        if (p < 0)
                                return p;
                        pos = p > 1 ? (1u << (p - 1)) + br_get(&d->br, (unsigned)p - 1) : (uint32_t)p;
                        if (pos >= o)
                                return err_setf(d->e, -EINVAL,
                                                "offset 0x%zx: match %u bytes back from output byte 0x%x reaches before the start",
                                                at, pos + 1, o);
                        /* Overlapping copies repeat the bytes just written. */
                        for (uint32_t from = o - pos - 1; n && o < orig; n--)
                                out[o++] = out[from++];
                }
        }
        return 0;
}

int efi_decompress(const uint8_t *src, size_t len, uint8_t **ret, size_t *ret_len,
                   struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *out = NULL;
        _cleanup_free_ struct efi_dec *d = NULL;
        uint32_t comp = 0, orig = 0;
        int r;

        r = efi_decompress_info(src, len, &comp, &orig, e);
        if (r < 0)
                return r;
        if (orig > EFI_DECOMPRESS_MAX)
                return err_setf(e, -EFBIG, "offset 0x4: OrigSize 0x%x is above the limit of 0x%x bytes",
                                orig, EFI_DECOMPRESS_MAX);
        if (orig == 0) {
                *ret = NULL;
                *ret_len = 0;
                return 0;
        }
        out = malloc(orig);
        d = calloc(1, sizeof(*d));
        if (!out || !d)
                return -ENOMEM;
        d->br = (struct bitreader){ .p = src + HEADER_SIZE, .comp_left = comp };
        d->e = e;
        r = decode(d, out, orig);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(out);
        *ret_len = orig;
        return 0;
}
