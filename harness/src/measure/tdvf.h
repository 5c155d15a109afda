/* TDVF metadata (TDX-REFERENCE §1): where the TDX firmware asks the VMM to
 * put each piece of the image and which pieces are measured into MRTD.
 *
 * The metadata is found through the OVMF GUIDed footer table at the end of
 * the image; its descriptor lists the sections. Everything read from the
 * file is bounds-checked: a damaged or foreign file yields -EINVAL and a
 * message "offset 0x...: what is wrong" (the caller prefixes the file name),
 * never a crash. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/file.h"

enum tdvf_section_type {
        TDVF_SECTION_BFV = 0,      /* firmware code, measured */
        TDVF_SECTION_CFV = 1,      /* configuration firmware volume (variable store) */
        TDVF_SECTION_TD_HOB = 2,   /* the VMM writes the TD HOB here */
        TDVF_SECTION_TEMP_MEM = 3, /* zeroed private memory */
};

#define TDVF_ATTR_MR_EXTEND 0x1u /* content extended into MRTD */
#define TDVF_ATTR_PAGE_AUG 0x2u  /* added after launch: not in MRTD */

#define TDVF_PAGE_SIZE 0x1000u
/* Upper bounds that no real image comes near; they keep a hostile file
 * from making the MRTD loop run for hours. */
#define TDVF_MAX_SECTIONS 128u
#define TDVF_MAX_SECTION_MEM (1ull << 30)

struct tdvf_section {
        uint32_t data_offset; /* file offset of the raw data */
        uint32_t raw_size;
        uint64_t gpa;
        uint64_t mem_size;
        uint32_t type;
        uint32_t attributes;
};

struct tdvf_metadata {
        struct tdvf_section *sections; /* metadata order */
        size_t n_sections;
        uint64_t descriptor_offset; /* file offset of the TDVF_DESCRIPTOR */
};

/* Parses and validates the metadata of the firmware image fw (the whole
 * -bios file). On success *ret owns a section array (tdvf_metadata_free()).
 * Every rule of §1.2 is enforced as QEMU enforces it, plus: sections must not
 * overlap, must not wrap the address space, must have a non-zero memory size
 * of at most TDVF_MAX_SECTION_MEM, and an MR.EXTEND section must have
 * RawDataSize == MemoryDataSize (§2.2 item 4). */
int tdvf_parse(const uint8_t *fw, size_t size, struct tdvf_metadata *ret, struct tdxh_err *e);

void tdvf_metadata_free(struct tdvf_metadata *md);
#define _cleanup_tdvf_metadata_ __attribute__((cleanup(tdvf_metadata_free)))

/* The first section of the given type, as QEMU picks it, or NULL. */
const struct tdvf_section *tdvf_find_section(const struct tdvf_metadata *md, uint32_t type);
const struct tdvf_section *tdvf_cfv(const struct tdvf_metadata *md);
const struct tdvf_section *tdvf_td_hob(const struct tdvf_metadata *md);

/* "BFV", "CFV", "TD_HOB", "TEMP_MEM", or "unknown". */
const char *tdvf_section_type_name(uint32_t type);

/* Maps the firmware file at path and parses its metadata; errors name the
 * file (a file without TDX metadata is -EINVAL, "not a TDVF/OVMF image with
 * TDX support"). On success the caller owns *ret_fw and *ret_md
 * (tdvf_file.c). */
int tdvf_open_file(const char *path, struct mapped_file *ret_fw, struct tdvf_metadata *ret_md,
                   struct tdxh_err *e);
