/* PE/COFF header checks and the edk2 Authenticode digest; see pe.h.
 *
 * Offsets follow the PE/COFF specification: the COFF file header is 20 bytes
 * after the 4-byte "PE\0\0"; in the optional header CheckSum is at +64 for both
 * PE32 and PE32+, NumberOfRvaAndSizes at +92 / +108 and the data directories
 * at +96 / +112; a section header is 40 bytes with SizeOfRawData at +16 and
 * PointerToRawData at +20. */
#include "measure/pe.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/le.h"

#define DOS_HEADER_SIZE 64u
#define DOS_LFANEW_OFFSET 0x3cu
/* edk2 reads sizeof(EFI_IMAGE_OPTIONAL_HEADER_UNION) at e_lfanew, the PE32+
 * NT headers (4 + 20 + 240), and refuses a file too short for that read. */
#define NT_HEADERS_READ 264u
#define COFF_HEADER_SIZE 20u
#define SECTION_HEADER_SIZE 40u
#define MAX_DIRECTORIES 16u
#define OPT_CHECKSUM 64u
#define OPT_SUBSYSTEM 68u /* the same in PE32 and PE32+ */

/* Optional header without data directories: 96 (PE32) or 112 (PE32+). */
static uint32_t opt_fixed_size(uint16_t magic)
{
        return magic == PE32_MAGIC ? 96u : 112u;
}

/* Copies len bytes at off (bounds checked by the caller), overlay first. */
static void view_copy(const struct pe_view *v, size_t off, size_t len, void *out)
{
        uint8_t *o = out;

        if (v->overlay && off < v->overlay_len) {
                size_t n = v->overlay_len - off < len ? v->overlay_len - off : len;

                memcpy(o, v->overlay + off, n);
                o += n;
                off += n;
                len -= n;
        }
        if (len)
                memcpy(o, v->data + off, len);
}

static uint16_t rd16(const struct pe_view *v, size_t off)
{
        uint8_t b[2];

        view_copy(v, off, 2, b);
        return le16_get(b);
}

static uint32_t rd32(const struct pe_view *v, size_t off)
{
        uint8_t b[4];

        view_copy(v, off, 4, b);
        return le32_get(b);
}

/* Hashes [off, off+len) of the view (bounds checked by the caller). */
static int view_hash(const struct pe_view *v, struct digest *d, size_t off, size_t len)
{
        int r;

        if (v->overlay && off < v->overlay_len) {
                size_t n = v->overlay_len - off < len ? v->overlay_len - off : len;

                r = digest_update(d, v->overlay + off, n);
                if (r < 0)
                        return r;
                off += n;
                len -= n;
        }
        return len ? digest_update(d, v->data + off, len) : 0;
}

static int parse_nt_headers(const struct pe_view *v, struct pe_info *pi, struct tdxh_err *e)
{
        uint32_t opt = pi->pe_offset + 4 + COFF_HEADER_SIZE;
        uint32_t fixed, dir_off;

        pi->machine = rd16(v, pi->pe_offset + 4);
        pi->number_of_sections = rd16(v, pi->pe_offset + 6);
        pi->size_of_optional_header = rd16(v, pi->pe_offset + 20);
        pi->magic = rd16(v, opt);
        if (pi->magic != PE32_MAGIC && pi->magic != PE32PLUS_MAGIC)
                return err_setf(e, -EINVAL,
                                "offset 0x%x: OptionalHeader.Magic 0x%x is neither PE32 (0x10b) nor PE32+ (0x20b)",
                                opt, pi->magic);
        fixed = opt_fixed_size(pi->magic);
        pi->size_of_image = rd32(v, opt + 56);
        pi->size_of_headers = rd32(v, opt + 60);
        pi->subsystem = rd16(v, opt + OPT_SUBSYSTEM);
        pi->checksum_offset = opt + OPT_CHECKSUM;
        pi->number_of_rva_and_sizes = rd32(v, opt + fixed - 4);
        if (pi->number_of_rva_and_sizes > MAX_DIRECTORIES)
                return err_setf(e, -EINVAL, "offset 0x%x: NumberOfRvaAndSizes %u is more than %u",
                                opt + fixed - 4, pi->number_of_rva_and_sizes, MAX_DIRECTORIES);
        if (pi->size_of_optional_header != fixed + 8 * pi->number_of_rva_and_sizes)
                return err_setf(e, -EINVAL,
                                "offset 0x%x: SizeOfOptionalHeader %u does not match NumberOfRvaAndSizes %u (expected %u)",
                                pi->pe_offset + 20, pi->size_of_optional_header,
                                pi->number_of_rva_and_sizes,
                                fixed + 8 * pi->number_of_rva_and_sizes);
        pi->section_table_offset = opt + pi->size_of_optional_header;
        if (pi->number_of_rva_and_sizes > PE_DIRECTORY_SECURITY) {
                dir_off = opt + fixed + 8 * PE_DIRECTORY_SECURITY;
                pi->cert_dir_offset = dir_off;
                pi->cert_offset = rd32(v, dir_off);
                pi->cert_size = rd32(v, dir_off + 4);
        }
        return 0;
}

/* The counts and sizes edk2 cross-checks before it trusts the section table. */
static int check_header_sizes(const struct pe_view *v, const struct pe_info *pi,
                              struct tdxh_err *e)
{
        uint32_t opt = pi->pe_offset + 4 + COFF_HEADER_SIZE;
        uint32_t st = pi->section_table_offset;

        if (pi->size_of_image <= st ||
            (pi->size_of_image - st) / SECTION_HEADER_SIZE <= pi->number_of_sections)
                return err_setf(e, -EINVAL,
                                "offset 0x%x: NumberOfSections %u does not fit in SizeOfImage 0x%x after the section table at 0x%x",
                                pi->pe_offset + 6, pi->number_of_sections, pi->size_of_image, st);
        if (pi->size_of_headers <= st || pi->size_of_headers >= pi->size_of_image)
                return err_setf(e, -EINVAL,
                                "offset 0x%x: SizeOfHeaders 0x%x must lie after the section table start 0x%x and below SizeOfImage 0x%x",
                                opt + 60, pi->size_of_headers, st, pi->size_of_image);
        if ((pi->size_of_headers - st) / SECTION_HEADER_SIZE < pi->number_of_sections)
                return err_setf(e, -EINVAL,
                                "offset 0x%x: section table (%u headers at 0x%x) ends past SizeOfHeaders 0x%x",
                                pi->pe_offset + 6, pi->number_of_sections, st, pi->size_of_headers);
        if (pi->size_of_headers > v->size)
                return err_setf(e, -EINVAL,
                                "offset 0x%x: SizeOfHeaders 0x%x is past the end of the file (size 0x%zx)",
                                opt + 60, pi->size_of_headers, v->size);
        if (pi->cert_size != 0) {
                if (UINT32_MAX - pi->cert_offset < pi->cert_size)
                        return err_setf(e, -EINVAL,
                                        "offset 0x%x: certificate table 0x%x + size 0x%x overflows",
                                        pi->cert_dir_offset, pi->cert_offset, pi->cert_size);
                if ((uint64_t)pi->cert_offset + pi->cert_size > v->size)
                        return err_setf(e, -EINVAL,
                                        "offset 0x%x: certificate table [0x%x, +0x%x) ends past the end of the file (size 0x%zx)",
                                        pi->cert_dir_offset, pi->cert_offset, pi->cert_size,
                                        v->size);
        }
        return 0;
}

static int check_sections(const struct pe_view *v, const struct pe_info *pi, struct tdxh_err *e)
{
        for (uint32_t i = 0; i < pi->number_of_sections; i++) {
                uint32_t sh = pi->section_table_offset + i * SECTION_HEADER_SIZE;
                uint32_t va = rd32(v, sh + 12), raw = rd32(v, sh + 16), ptr = rd32(v, sh + 20);

                if (raw == 0)
                        continue;
                if (va < pi->size_of_headers || ptr < pi->size_of_headers)
                        return err_setf(e, -EINVAL,
                                        "offset 0x%x: section %u: VirtualAddress 0x%x or PointerToRawData 0x%x lies inside the headers (SizeOfHeaders 0x%x)",
                                        sh, i, va, ptr, pi->size_of_headers);
                if (UINT32_MAX - ptr < raw)
                        return err_setf(e, -EINVAL,
                                        "offset 0x%x: section %u: PointerToRawData 0x%x + SizeOfRawData 0x%x overflows",
                                        sh, i, ptr, raw);
                if ((uint64_t)ptr + raw > v->size)
                        return err_setf(e, -EINVAL,
                                        "offset 0x%x: section %u: raw data [0x%x, +0x%x) ends past the end of the file (size 0x%zx)",
                                        sh, i, ptr, raw, v->size);
        }
        return 0;
}

int pe_parse(const struct pe_view *v, struct pe_info *ret, struct tdxh_err *e)
{
        struct pe_info pi = { 0 };
        uint8_t sig[4];
        int r;

        if (v->overlay && v->overlay_len > v->size)
                return err_setf(e, -EINVAL, "patched header (%zu bytes) is longer than the file (%zu)",
                                v->overlay_len, v->size);
        if (v->size > UINT32_MAX)
                return err_setf(e, -EFBIG, "file is %zu bytes; PE/COFF offsets are 32-bit", v->size);
        if (v->size < DOS_HEADER_SIZE)
                return err_setf(e, -EINVAL, "offset 0x0: file is %zu bytes, too short for a DOS header",
                                v->size);
        /* Without "MZ" edk2 looks for the PE header at offset 0. */
        if (rd16(v, 0) == 0x5a4d)
                pi.pe_offset = rd32(v, DOS_LFANEW_OFFSET);
        if ((uint64_t)pi.pe_offset + NT_HEADERS_READ > v->size) {
                if (pi.pe_offset == 0)
                        return err_setf(e, -EINVAL, "offset 0x0: not a PE image (no MZ or PE signature)");
                return err_setf(e, -EINVAL,
                                "offset 0x%x: e_lfanew 0x%x puts the PE headers (%u bytes) past the end of the file (size 0x%zx)",
                                DOS_LFANEW_OFFSET, pi.pe_offset, NT_HEADERS_READ, v->size);
        }
        view_copy(v, pi.pe_offset, 4, sig);
        if (memcmp(sig, "PE\0\0", 4) != 0) {
                if (pi.pe_offset == 0)
                        return err_setf(e, -EINVAL, "offset 0x0: not a PE image (no MZ or PE signature)");
                return err_setf(e, -EINVAL,
                                "offset 0x%x: no PE signature where e_lfanew points (found %02x %02x %02x %02x)",
                                pi.pe_offset, sig[0], sig[1], sig[2], sig[3]);
        }
        r = parse_nt_headers(v, &pi, e);
        if (r < 0)
                return r;
        r = check_header_sizes(v, &pi, e);
        if (r < 0)
                return r;
        r = check_sections(v, &pi, e);
        if (r < 0)
                return r;
        *ret = pi;
        return 0;
}

struct section_key {
        uint32_t ptr;
        uint32_t size;
        uint32_t index;
};

/* PointerToRawData order; equal keys keep table order, which is what edk2's
 * insertion sort produces. */
static int section_key_cmp(const void *a, const void *b)
{
        const struct section_key *x = a, *y = b;

        if (x->ptr != y->ptr)
                return x->ptr < y->ptr ? -1 : 1;
        return x->index < y->index ? -1 : x->index > y->index;
}

static int hash_headers(const struct pe_view *v, const struct pe_info *pi, struct digest *d)
{
        int r = view_hash(v, d, 0, pi->checksum_offset);

        if (r < 0)
                return r;
        if (pi->number_of_rva_and_sizes <= PE_DIRECTORY_SECURITY)
                return view_hash(v, d, pi->checksum_offset + 4,
                                 pi->size_of_headers - (pi->checksum_offset + 4));
        r = view_hash(v, d, pi->checksum_offset + 4, pi->cert_dir_offset - (pi->checksum_offset + 4));
        if (r < 0)
                return r;
        return view_hash(v, d, pi->cert_dir_offset + 8, pi->size_of_headers - (pi->cert_dir_offset + 8));
}

int pe_authenticode(const struct pe_view *v, enum digest_alg alg, uint8_t *ret_digest,
                    struct tdxh_err *e)
{
        _cleanup_digest_ struct digest d = { 0 };
        _cleanup_free_ struct section_key *keys = NULL;
        struct pe_info pi;
        uint64_t sum;
        int r;

        r = pe_parse(v, &pi, e);
        if (r < 0)
                return r;
        keys = calloc(pi.number_of_sections ? pi.number_of_sections : 1, sizeof(*keys));
        if (!keys)
                return -ENOMEM;
        for (uint32_t i = 0; i < pi.number_of_sections; i++) {
                uint32_t sh = pi.section_table_offset + i * SECTION_HEADER_SIZE;

                keys[i] = (struct section_key){ .ptr = rd32(v, sh + 20), .size = rd32(v, sh + 16),
                                                .index = i };
        }
        qsort(keys, pi.number_of_sections, sizeof(*keys), section_key_cmp);

        r = digest_begin(&d, alg);
        if (r < 0)
                return r;
        r = hash_headers(v, &pi, &d);
        if (r < 0)
                return r;
        sum = pi.size_of_headers;
        for (uint32_t i = 0; i < pi.number_of_sections; i++) {
                if (keys[i].size == 0)
                        continue;
                r = view_hash(v, &d, keys[i].ptr, keys[i].size);
                if (r < 0)
                        return r;
                sum += keys[i].size;
        }
        /* Trailing data: edk2 starts it at SUM_OF_BYTES_HASHED, not at the end
         * of the last section, and stops before the certificate table. */
        if (v->size > sum) {
                if (v->size > sum + pi.cert_size) {
                        r = view_hash(v, &d, (size_t)sum, (size_t)(v->size - sum - pi.cert_size));
                        if (r < 0)
                                return r;
                } else if (v->size < sum + pi.cert_size) {
                        return err_setf(e, -EINVAL,
                                        "file size 0x%zx is smaller than the 0x%llx bytes hashed plus the certificate table (0x%x)",
                                        v->size, (unsigned long long)sum, pi.cert_size);
                }
        }
        r = digest_end(&d, ret_digest);
        if (r < 0)
                return r;
        return 0;
}

/* A "/N" name: N is the offset in the COFF string table that follows the
 * symbol table; the name ends at its NUL, within the file. */
static void section_long_name(const uint8_t *pe, size_t len, uint32_t coff, const char *slash,
                              char *out, size_t out_size)
{
        uint64_t strtab = (uint64_t)le32_get(pe + coff + 8) + (uint64_t)le32_get(pe + coff + 12) * 18;
        char *end;
        unsigned long off = strtoul(slash + 1, &end, 10);
        size_t i = 0;

        out[0] = '\0';
        if (le32_get(pe + coff + 8) == 0 || end == slash + 1 || strtab + off >= len)
                return;
        for (const uint8_t *q = pe + strtab + off; i + 1 < out_size && q < pe + len && *q; q++)
                out[i++] = (char)*q;
        out[i] = '\0';
}

int pe_section_find(const uint8_t *pe, size_t len, const char *file, const char *name,
                    struct pe_section *ret, struct tdxh_err *e)
{
        struct pe_view v = { .data = pe, .size = len };
        struct pe_info info;
        int r = pe_parse(&v, &info, e);

        if (r < 0) {
                err_prefix(e, "%s: ", file);
                return r;
        }
        for (unsigned i = 0; i < info.number_of_sections; i++) {
                const uint8_t *sh = pe + info.section_table_offset + 40 * (size_t)i;
                uint32_t vsize = le32_get(sh + 8), rsize = le32_get(sh + 16);
                uint32_t roff = le32_get(sh + 20);
                char sname[64] = { 0 };

                memcpy(sname, sh, 8);
                if (sname[0] == '/')
                        section_long_name(pe, len, info.pe_offset + 4, sname, sname, sizeof(sname));
                if (strcmp(sname, name) != 0)
                        continue;
                if (vsize < rsize)
                        rsize = vsize;
                if ((uint64_t)roff + rsize > len)
                        return err_setf(e, -EINVAL, "%s: offset 0x%zx: section %s: raw data past "
                                        "the end of the file", file, (size_t)(sh - pe) + 20, name);
                *ret = (struct pe_section){ .raw = pe + roff, .raw_len = rsize,
                                            .virtual_size = vsize,
                                            .virtual_address = le32_get(sh + 12),
                                            .header_offset = (size_t)(sh - pe) };
                return 1;
        }
        return 0;
}
