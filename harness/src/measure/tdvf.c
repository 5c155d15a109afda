/* TDVF metadata parser (TDX-REFERENCE §1): OVMF footer table walk, TDVF
 * descriptor and section validation. All offsets are computed in 64 bits
 * and compared against what is left of the file before anything is read. */
#include "measure/tdvf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/guid.h"
#include "core/le.h"

/* Layout of the end of an OVMF image (§1.1), counted back from its end. */
#define FOOTER_GUID_FROM_END 0x30u /* table footer GUID */
#define TABLE_LEN_FROM_END 0x32u   /* u16 length of the whole table */
#define TABLE_END_FROM_END 0x20u   /* the table (footer included) ends here */
#define ENTRY_TRAILER 18u          /* u16 length + GUID closing every entry */

#define TDVF_SIGNATURE 0x46564454u /* 'TDVF' */
#define DESCRIPTOR_SIZE 16u
#define SECTION_SIZE 32u

static const uint8_t footer_table_guid[GUID_LEN] =
        GUID_BYTES(0x96b582de, 0x1fb2, 0x45f7, 0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d);
static const uint8_t tdx_metadata_offset_guid[GUID_LEN] =
        GUID_BYTES(0xe47a6535, 0x984a, 0x4798, 0x86, 0x5e, 0x46, 0x85, 0xa7, 0xbf, 0x8e, 0xc2);
static const uint8_t tdvf_metadata_guid[GUID_LEN] =
        GUID_BYTES(0xe9eaf9f3, 0x168e, 0x44d5, 0xa8, 0xeb, 0x7f, 0x4d, 0x87, 0x38, 0xf6, 0xae);

const char *tdvf_section_type_name(uint32_t type)
{
        static const char *const names[] = { "BFV", "CFV", "TD_HOB", "TEMP_MEM" };

        return type < ELEMENTSOF(names) ? names[type] : "unknown";
}

/* Walks the footer table backwards (QEMU's pc_system_ovmf_table_find) and
 * returns the u32 of the TDX metadata offset entry. */
static int find_tdx_offset(const uint8_t *fw, size_t size, uint32_t *ret, struct tdxh_err *e)
{
        char text[GUID_TEXT_LEN + 1];
        size_t start, end;
        uint16_t table_len;

        guid_format(footer_table_guid, false, text);
        if (size < TABLE_LEN_FROM_END)
                return err_setf(e, -EINVAL, "file is %zu bytes, too small for an OVMF image", size);
        if (memcmp(fw + size - FOOTER_GUID_FROM_END, footer_table_guid, GUID_LEN) != 0)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: no OVMF footer table GUID %s: not an OVMF/TDVF image",
                                size - FOOTER_GUID_FROM_END, text);
        table_len = le16_get(fw + size - TABLE_LEN_FROM_END);
        if (table_len < ENTRY_TRAILER)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: footer table length %u is shorter than its own "
                                "%u-byte footer",
                                size - TABLE_LEN_FROM_END, table_len, ENTRY_TRAILER);
        if (table_len > size - TABLE_END_FROM_END)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: footer table length %u reaches before the start "
                                "of the file",
                                size - TABLE_LEN_FROM_END, table_len);
        start = size - TABLE_END_FROM_END - table_len;
        end = size - TABLE_LEN_FROM_END;
        while (end - start >= ENTRY_TRAILER) {
                uint16_t len = le16_get(fw + end - ENTRY_TRAILER);
                const uint8_t *guid = fw + end - GUID_LEN;

                if (len < ENTRY_TRAILER)
                        return err_setf(e, -EINVAL,
                                        "offset 0x%zx: footer table entry length %u is shorter "
                                        "than %u",
                                        end - ENTRY_TRAILER, len, ENTRY_TRAILER);
                if (len > end - start)
                        return err_setf(e, -EINVAL,
                                        "offset 0x%zx: footer table entry length %u exceeds the "
                                        "%zu bytes left in the table",
                                        end - ENTRY_TRAILER, len, end - start);
                if (memcmp(guid, tdx_metadata_offset_guid, GUID_LEN) == 0) {
                        if (len - ENTRY_TRAILER < 4)
                                return err_setf(e, -EINVAL,
                                                "offset 0x%zx: TDX metadata offset entry holds "
                                                "%u bytes, expected 4",
                                                end - len, len - ENTRY_TRAILER);
                        *ret = le32_get(fw + end - len);
                        return 0;
                }
                end -= len;
        }
        guid_format(tdx_metadata_offset_guid, false, text);
        return err_setf(e, -ENODATA,
                        "offset 0x%zx: the OVMF footer table has no TDX metadata entry (%s): "
                        "firmware built without TDX support",
                        size - TABLE_LEN_FROM_END, text);
}

/* Checks one section against QEMU's rules (hw/i386/tdvf.c) and ours. off is
 * the file offset of the entry, for messages. */
static int check_section(const struct tdvf_section *s, unsigned idx, uint64_t off, size_t size,
                         struct tdxh_err *e)
{
        const char *tn = tdvf_section_type_name(s->type);

        if (s->type > TDVF_SECTION_TEMP_MEM)
                return err_setf(e, -EINVAL,
                                "offset 0x%llx: section %u: unsupported type %u (QEMU accepts "
                                "0-3: BFV, CFV, TD_HOB, TEMP_MEM)",
                                (unsigned long long)off, idx, s->type);
        if (s->gpa % TDVF_PAGE_SIZE)
                return err_setf(e, -EINVAL,
                                "offset 0x%llx: section %u (%s): MemoryAddress 0x%llx is not "
                                "4 KiB aligned",
                                (unsigned long long)off, idx, tn, (unsigned long long)s->gpa);
        if (s->mem_size % TDVF_PAGE_SIZE)
                return err_setf(e, -EINVAL,
                                "offset 0x%llx: section %u (%s): MemoryDataSize 0x%llx is not "
                                "4 KiB aligned",
                                (unsigned long long)off, idx, tn,
                                (unsigned long long)s->mem_size);
        if (s->mem_size == 0 || s->mem_size > TDVF_MAX_SECTION_MEM)
                return err_setf(e, -EINVAL,
                                "offset 0x%llx: section %u (%s): MemoryDataSize 0x%llx is outside "
                                "1 page .. 0x%llx",
                                (unsigned long long)off, idx, tn, (unsigned long long)s->mem_size,
                                TDVF_MAX_SECTION_MEM);
        if (s->gpa > UINT64_MAX - s->mem_size)
                return err_setf(e, -EINVAL,
                                "offset 0x%llx: section %u (%s): 0x%llx + 0x%llx wraps around "
                                "the address space",
                                (unsigned long long)off, idx, tn, (unsigned long long)s->gpa,
                                (unsigned long long)s->mem_size);
        if (s->raw_size > s->mem_size)
                return err_setf(e, -EINVAL,
                                "offset 0x%llx: section %u (%s): RawDataSize 0x%x exceeds "
                                "MemoryDataSize 0x%llx",
                                (unsigned long long)off, idx, tn, s->raw_size,
                                (unsigned long long)s->mem_size);
        if ((s->type == TDVF_SECTION_BFV || s->type == TDVF_SECTION_CFV) && s->raw_size == 0)
                return err_setf(e, -EINVAL,
                                "offset 0x%llx: section %u (%s): RawDataSize is 0; a %s section "
                                "must carry data",
                                (unsigned long long)off, idx, tn, tn);
        if ((s->type == TDVF_SECTION_TD_HOB || s->type == TDVF_SECTION_TEMP_MEM) &&
            s->raw_size != 0)
                return err_setf(e, -EINVAL,
                                "offset 0x%llx: section %u (%s): RawDataSize 0x%x, expected 0 "
                                "for a %s section",
                                (unsigned long long)off, idx, tn, s->raw_size, tn);
        if (s->raw_size && (uint64_t)s->data_offset + s->raw_size > size)
                return err_setf(e, -EINVAL,
                                "offset 0x%llx: section %u (%s): raw data 0x%x + 0x%x runs past "
                                "the end of the %zu-byte file",
                                (unsigned long long)off, idx, tn, s->data_offset, s->raw_size,
                                size);
        if ((s->attributes & TDVF_ATTR_MR_EXTEND) && s->raw_size != s->mem_size)
                /* QEMU would hand KVM MemoryDataSize bytes from DataOffset and
                 * measure whatever follows the raw data (§2.2 item 4). */
                return err_setf(e, -EINVAL,
                                "offset 0x%llx: section %u (%s): MR.EXTEND section with "
                                "RawDataSize 0x%x < MemoryDataSize 0x%llx",
                                (unsigned long long)off, idx, tn, s->raw_size,
                                (unsigned long long)s->mem_size);
        if ((s->attributes & TDVF_ATTR_MR_EXTEND) && (s->attributes & TDVF_ATTR_PAGE_AUG))
                return err_setf(e, -EINVAL,
                                "offset 0x%llx: section %u (%s): attributes 0x%x ask for both "
                                "MR.EXTEND and PAGE.AUG",
                                (unsigned long long)off, idx, tn, s->attributes);
        return 0;
}

/* The TDX module refuses to add a page twice, so overlapping sections
 * cannot belong to a TD that starts. */
static int check_overlaps(const struct tdvf_section *v, size_t n, uint64_t first_off,
                          struct tdxh_err *e)
{
        for (size_t i = 1; i < n; i++)
                for (size_t j = 0; j < i; j++) {
                        if (v[i].gpa >= v[j].gpa + v[j].mem_size ||
                            v[j].gpa >= v[i].gpa + v[i].mem_size)
                                continue;
                        return err_setf(e, -EINVAL,
                                        "offset 0x%llx: section %zu [0x%llx, 0x%llx) overlaps "
                                        "section %zu [0x%llx, 0x%llx)",
                                        (unsigned long long)(first_off + i * SECTION_SIZE), i,
                                        (unsigned long long)v[i].gpa,
                                        (unsigned long long)(v[i].gpa + v[i].mem_size), j,
                                        (unsigned long long)v[j].gpa,
                                        (unsigned long long)(v[j].gpa + v[j].mem_size));
                }
        return 0;
}

static int parse_descriptor(const uint8_t *fw, size_t size, uint64_t off, uint32_t *ret_n,
                            struct tdxh_err *e)
{
        const uint8_t *d = fw + off;
        uint32_t sig = le32_get(d), length = le32_get(d + 4), version = le32_get(d + 8),
                 n = le32_get(d + 12);
        unsigned long long o = (unsigned long long)off;

        if (sig != TDVF_SIGNATURE)
                return err_setf(e, -EINVAL,
                                "offset 0x%llx: TDVF descriptor signature is 0x%08x, expected "
                                "0x%08x ('TDVF')",
                                o, sig, TDVF_SIGNATURE);
        if (version != 1)
                return err_setf(e, -EINVAL, "offset 0x%llx: TDVF descriptor version %u, expected 1",
                                o, version);
        if (n < 2 || n > TDVF_MAX_SECTIONS)
                return err_setf(e, -EINVAL,
                                "offset 0x%llx: TDVF descriptor lists %u sections, expected 2..%u",
                                o, n, TDVF_MAX_SECTIONS);
        if (length != DESCRIPTOR_SIZE + (uint64_t)n * SECTION_SIZE)
                return err_setf(e, -EINVAL,
                                "offset 0x%llx: TDVF descriptor length %u does not match %u "
                                "sections",
                                o, length, n);
        if (length > size - off)
                return err_setf(e, -EINVAL,
                                "offset 0x%llx: TDVF descriptor and its %u sections run past the "
                                "end of the %zu-byte file",
                                o, n, size);
        *ret_n = n;
        return 0;
}

int tdvf_parse(const uint8_t *fw, size_t size, struct tdvf_metadata *ret, struct tdxh_err *e)
{
        _cleanup_free_ struct tdvf_section *v = NULL;
        uint32_t value = 0, n = 0;
        uint64_t off;
        int r;

        r = find_tdx_offset(fw, size, &value, e);
        if (r < 0)
                return r;
        /* The descriptor sits `value` bytes before the end of the image and is
         * preceded by the TDVF metadata GUID. */
        if (value > size || value < DESCRIPTOR_SIZE || size - value < GUID_LEN)
                return err_setf(e, -EINVAL,
                                "TDX metadata offset 0x%x does not leave room for a TDVF "
                                "descriptor and its GUID inside the %zu-byte file",
                                value, size);
        off = size - value;
        if (memcmp(fw + off - GUID_LEN, tdvf_metadata_guid, GUID_LEN) != 0)
                return err_setf(e, -EINVAL,
                                "offset 0x%llx: the TDVF metadata GUID e9eaf9f3-168e-44d5-a8eb-"
                                "7f4d8738f6ae is missing before the descriptor",
                                (unsigned long long)(off - GUID_LEN));
        r = parse_descriptor(fw, size, off, &n, e);
        if (r < 0)
                return r;
        v = calloc(n, sizeof(*v));
        if (!v)
                return -ENOMEM;
        for (uint32_t i = 0; i < n; i++) {
                uint64_t so = off + DESCRIPTOR_SIZE + (uint64_t)i * SECTION_SIZE;
                const uint8_t *p = fw + so;

                v[i] = (struct tdvf_section){
                        .data_offset = le32_get(p),
                        .raw_size = le32_get(p + 4),
                        .gpa = le64_get(p + 8),
                        .mem_size = le64_get(p + 16),
                        .type = le32_get(p + 24),
                        .attributes = le32_get(p + 28),
                };
                r = check_section(&v[i], i, so, size, e);
                if (r < 0)
                        return r;
        }
        r = check_overlaps(v, n, off + DESCRIPTOR_SIZE, e);
        if (r < 0)
                return r;
        *ret = (struct tdvf_metadata){
                .sections = TAKE_PTR(v),
                .n_sections = n,
                .descriptor_offset = off,
        };
        return 0;
}

void tdvf_metadata_free(struct tdvf_metadata *md)
{
        if (!md)
                return;
        free(md->sections);
        *md = (struct tdvf_metadata){ 0 };
}

const struct tdvf_section *tdvf_find_section(const struct tdvf_metadata *md, uint32_t type)
{
        for (size_t i = 0; i < md->n_sections; i++)
                if (md->sections[i].type == type)
                        return &md->sections[i];
        return NULL;
}

const struct tdvf_section *tdvf_cfv(const struct tdvf_metadata *md)
{
        return tdvf_find_section(md, TDVF_SECTION_CFV);
}

const struct tdvf_section *tdvf_td_hob(const struct tdvf_metadata *md)
{
        return tdvf_find_section(md, TDVF_SECTION_TD_HOB);
}
