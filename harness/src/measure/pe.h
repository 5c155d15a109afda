/* PE/COFF headers and the Authenticode image digest as edk2 computes it when
 * it measures an EFI application (TDX-REFERENCE §4.2: Tcg2Dxe/TdTcg2Dxe
 * MeasurePeImageAndExtend after BasePeCoffLib's header checks). The image is
 * read through a view: the bytes of a file (normally mapped) with an optional
 * patched copy of its first bytes laid over them, so that QEMU's setup-header
 * patch can be measured without copying the kernel. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/digest.h"
#include "core/err.h"

/* The image as the firmware sees it: data[0, size), except that when overlay
 * is non-NULL, overlay[0, overlay_len) replaces data[0, overlay_len)
 * (overlay_len <= size). Nothing is owned by the view. */
struct pe_view {
        const uint8_t *data;
        size_t size;
        const uint8_t *overlay;
        size_t overlay_len;
};

#define PE32_MAGIC 0x10bu
#define PE32PLUS_MAGIC 0x20bu
#define PE_DIRECTORY_SECURITY 4u
/* OptionalHeader.Subsystem values of EFI images (PE/COFF specification). */
#define PE_SUBSYSTEM_EFI_APPLICATION 10u
#define PE_SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER 11u
#define PE_SUBSYSTEM_EFI_RUNTIME_DRIVER 12u
#define PE_MACHINE_X64 0x8664u

/* Header facts, all as file offsets and sizes. */
struct pe_info {
        uint32_t pe_offset;          /* e_lfanew, or 0 when there is no DOS header */
        uint16_t machine;
        uint16_t magic;              /* PE32_MAGIC or PE32PLUS_MAGIC */
        uint16_t subsystem;          /* OptionalHeader.Subsystem (PE_SUBSYSTEM_*) */
        uint16_t number_of_sections;
        uint16_t size_of_optional_header;
        uint32_t size_of_headers;
        uint32_t size_of_image;
        uint32_t number_of_rva_and_sizes;
        uint32_t checksum_offset;       /* of OptionalHeader.CheckSum */
        uint32_t cert_dir_offset;       /* of data directory 4; 0 when NumberOfRvaAndSizes <= 4 */
        uint32_t cert_offset;           /* certificate table; both 0 when absent */
        uint32_t cert_size;
        uint32_t section_table_offset;
};

/* Parses and checks the headers the way edk2's PE/COFF loader does before it
 * measures an image, so that everything it accepts is accepted here and
 * everything it refuses is refused with one line naming the offset and
 * field: no DOS/PE signature, e_lfanew out of range, unknown optional-header
 * magic, NumberOfRvaAndSizes above 16 or not matching SizeOfOptionalHeader,
 * NumberOfSections not fitting SizeOfImage or SizeOfHeaders, SizeOfHeaders
 * past the end of the file, a certificate table or section raw data past the
 * end, sections overlapping the headers, 32-bit overflows. The machine type
 * is not checked. 0, -EINVAL, or -EFBIG for files above 4 GiB (PE offsets are
 * 32-bit). */
int pe_parse(const struct pe_view *v, struct pe_info *ret, struct tdxh_err *e);

/* The Authenticode digest edk2 extends for the image (§4.2 steps 1-5):
 * headers without CheckSum and the certificate directory entry, then every
 * section's raw data in PointerToRawData order (stable for equal keys), then
 * the bytes from SUM_OF_BYTES_HASHED up to the certificate table, with no
 * padding. Like edk2, the image is refused when file size lies strictly
 * between SUM_OF_BYTES_HASHED and SUM_OF_BYTES_HASHED + certificate size.
 * alg is normally DIGEST_SHA384; ret_digest holds digest_size(alg) bytes. */
int pe_authenticode(const struct pe_view *v, enum digest_alg alg, uint8_t *ret_digest,
                    struct tdxh_err *e);

/* One section of an image, as a loader maps it: raw_len bytes of file data
 * (SizeOfRawData, cut at VirtualSize), then zeros up to virtual_size. */
struct pe_section {
        const uint8_t *raw;
        size_t raw_len;
        uint32_t virtual_size;
        uint32_t virtual_address;
        size_t header_offset; /* of its section header, for messages */
};

/* Finds the first section called name (an 8-byte short name, or a "/N" COFF
 * string-table name as objcopy writes for longer ones), its raw data
 * bounds-checked against the file. file names the image in messages. 1 and
 * *ret when found, 0 when not, -EINVAL when the headers or that section are
 * broken. */
int pe_section_find(const uint8_t *pe, size_t len, const char *file, const char *name,
                    struct pe_section *ret, struct tdxh_err *e);
