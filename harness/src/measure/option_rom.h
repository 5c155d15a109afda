/* PCI expansion ROM files (PCI Firmware Specification 3.0, "PCI Expansion
 * ROMs"; edk2 MdePkg/Include/IndustryStandard/Pci22.h and
 * EfiPci.h): a chain of images, each a 0x55AA header whose word at 0x18
 * points to a "PCIR" data structure giving the image's length in 512-byte
 * units, its code type (0 PC-AT, 3 EFI) and, in bit 7 of the indicator, the
 * last image. An EFI image's header (code type 3) adds the EFI signature
 * 0x0EF1, the subsystem, the machine type, the compression type (0 none,
 * 1 the EFI algorithm: efi_decompress.h) and the offset of the PE image.
 *
 * What OVMF's PCI bus driver does with them decides the events
 * (option_rom_events.c): which images it loads (option_rom_image.load) and
 * which bytes it hands to LoadImage (option_rom_efi_image()). The parser
 * reads a file as untrusted: every field is bounds-checked and a ROM that
 * edk2 would misread (a PCIR outside the image, a zero or overlong image
 * length) is refused with one line naming the offset. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* ROM BAR contents QEMU accepts are far below this; a bigger file is not a
 * ROM. */
#define OPTION_ROM_MAX_SIZE (32u << 20)

#define PCI_CODE_TYPE_PCAT 0u
#define PCI_CODE_TYPE_EFI 3u

/* Why the firmware does not load an image (option_rom_image.skip). */
enum option_rom_skip {
        OPTION_ROM_LOADED = 0,
        OPTION_ROM_NOT_EFI,          /* code type is not 3 */
        OPTION_ROM_APPLICATION,      /* EFI subsystem 10: never loaded from a ROM */
        OPTION_ROM_NOT_LOADABLE,     /* LoadFile2 refuses it (signature, subsystem,
                                      * compression type, sizes) */
};

struct option_rom_image {
        uint32_t offset;        /* of its 0x55AA header in the ROM */
        uint32_t length;        /* PCIR ImageLength * 512 */
        uint16_t vendor_id, device_id;
        uint8_t code_type;
        bool last;              /* indicator bit 7 */
        /* EFI images only (code_type 3) */
        uint16_t subsystem;     /* from the ROM header, not the PE file */
        uint16_t machine;
        uint16_t compression;
        uint32_t pe_offset;     /* EfiImageHeaderOffset, from the image start */
        uint32_t pe_len;        /* InitializationSize * 512 - pe_offset */
        enum option_rom_skip skip;
};

struct option_rom {
        struct option_rom_image *v;
        size_t n;
};

/* Walks the images of rom[0, size) as edk2's PciBusDxe does
 * (PciOptionRomSupport.c: LoadOpRomImage reads the chain, ProcessOpRomImage
 * picks the EFI images, LocalLoadFile2 checks their headers) and fills ret
 * (option_rom_free()). A chain without a last-image indicator ends at the
 * end of the file. Errors name the offset and the field: no 0x55AA at
 * offset 0, a PCIR pointer that is 0, unaligned or past the image, no
 * "PCIR" signature, ImageLength 0 or running past the end of the file. */
int option_rom_parse(const uint8_t *rom, size_t size, struct option_rom *ret, struct tdxh_err *e);
void option_rom_free(struct option_rom *r);

/* The PE image the firmware loads from a loaded EFI image (skip ==
 * OPTION_ROM_LOADED): the bytes from pe_offset to InitializationSize,
 * decompressed when compression is 1. *ret is a new buffer owned by the
 * caller. Errors name the offset in the ROM. */
int option_rom_efi_image(const uint8_t *rom, size_t size, const struct option_rom_image *img,
                         uint8_t **ret, size_t *ret_len, struct tdxh_err *e);

/* Text for an enum option_rom_skip ("loaded", "not an EFI image", ...). */
const char *option_rom_skip_name(enum option_rom_skip s);
