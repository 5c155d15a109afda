/* The PCI expansion ROM parser; see option_rom.h.
 *
 * Offsets (PCI Firmware Specification 3.0 §5.1; edk2 Pci22.h
 * PCI_EXPANSION_ROM_HEADER / PCI_DATA_STRUCTURE, EfiPci.h
 * EFI_PCI_EXPANSION_ROM_HEADER): in the ROM header, Signature at 0x00,
 * InitializationSize at 0x02 (512-byte units), EfiSignature at 0x04,
 * EfiSubsystem 0x08, EfiMachineType 0x0a, CompressionType 0x0c,
 * EfiImageHeaderOffset 0x16, PcirOffset 0x18; in the PCIR structure,
 * VendorId 0x04, DeviceId 0x06, ImageLength 0x10 (512-byte units),
 * CodeType 0x14, Indicator 0x15. */
#include "measure/option_rom.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/le.h"
#include "measure/efi_decompress.h"

#define ROM_SIGNATURE 0xaa55u
#define EFI_ROM_SIGNATURE 0x0ef1u
#define ROM_HEADER_SIZE 0x1au
#define PCIR_SIZE 0x18u
#define UNIT 512u
#define INDICATOR_LAST 0x80u
#define COMPRESSION_NONE 0u
#define COMPRESSION_EFI 1u
#define SUBSYSTEM_APPLICATION 10u
#define SUBSYSTEM_BOOT_SERVICE_DRIVER 11u
#define SUBSYSTEM_RUNTIME_DRIVER 12u

const char *option_rom_skip_name(enum option_rom_skip s)
{
        switch (s) {
        case OPTION_ROM_LOADED:
                return "loaded";
        case OPTION_ROM_NOT_EFI:
                return "not an EFI image";
        case OPTION_ROM_APPLICATION:
                return "an EFI application (not loaded from a ROM)";
        case OPTION_ROM_NOT_LOADABLE:
                return "refused by the PCI bus driver";
        }
        return "?";
}

void option_rom_free(struct option_rom *r)
{
        free(r->v);
        *r = (struct option_rom){ 0 };
}

/* The checks edk2 makes before it loads an EFI image: ProcessOpRomImage
 * skips applications; LocalLoadFile2 wants the EFI signature, a boot
 * service or runtime driver, compression 0 or 1, InitializationSize within
 * the image and the PE offset inside InitializationSize. */
static void efi_fields(const uint8_t *h, struct option_rom_image *img)
{
        uint32_t init = (uint32_t)le16_get(h + 0x02) * UNIT;

        img->subsystem = le16_get(h + 0x08);
        img->machine = le16_get(h + 0x0a);
        img->compression = le16_get(h + 0x0c);
        img->pe_offset = le16_get(h + 0x16);
        img->pe_len = init > img->pe_offset ? init - img->pe_offset : 0;
        if (img->subsystem == SUBSYSTEM_APPLICATION)
                img->skip = OPTION_ROM_APPLICATION;
        else if (le32_get(h + 0x04) != EFI_ROM_SIGNATURE ||
                 (img->subsystem != SUBSYSTEM_BOOT_SERVICE_DRIVER &&
                  img->subsystem != SUBSYSTEM_RUNTIME_DRIVER) ||
                 img->compression > COMPRESSION_EFI || init > img->length ||
                 img->pe_offset >= init)
                img->skip = OPTION_ROM_NOT_LOADABLE;
}

static int parse_one(const uint8_t *rom, size_t size, uint32_t off, struct option_rom_image *img,
                     struct tdxh_err *e)
{
        const uint8_t *h = rom + off;
        uint32_t pcir;

        if (size - off < ROM_HEADER_SIZE)
                return err_setf(e, -EINVAL, "offset 0x%x: ROM image header is cut short (file size 0x%zx)",
                                off, size);
        pcir = le16_get(h + 0x18);
        /* edk2 LoadOpRomImage stops at a PCIR pointer that is 0 or not
         * DWORD-aligned, or whose structure lies past the ROM. */
        if (pcir == 0 || pcir % 4)
                return err_setf(e, -EINVAL, "offset 0x%x: PcirOffset 0x%x is zero or not 4-byte aligned",
                                off + 0x18, pcir);
        if ((uint64_t)off + pcir + PCIR_SIZE > size)
                return err_setf(e, -EINVAL,
                                "offset 0x%x: PcirOffset 0x%x puts the PCI data structure past the end of the file (size 0x%zx)",
                                off + 0x18, pcir, size);
        if (memcmp(h + pcir, "PCIR", 4) != 0)
                return err_setf(e, -EINVAL, "offset 0x%x: no \"PCIR\" signature", off + pcir);
        *img = (struct option_rom_image){
                .offset = off,
                .length = (uint32_t)le16_get(h + pcir + 0x10) * UNIT,
                .vendor_id = le16_get(h + pcir + 0x04),
                .device_id = le16_get(h + pcir + 0x06),
                .code_type = h[pcir + 0x14],
                .last = (h[pcir + 0x15] & INDICATOR_LAST) != 0,
        };
        if (img->length == 0)
                return err_setf(e, -EINVAL, "offset 0x%x: ImageLength is 0", off + pcir + 0x10);
        if ((uint64_t)off + img->length > size)
                return err_setf(e, -EINVAL,
                                "offset 0x%x: ImageLength 0x%x (x 512) runs past the end of the file (size 0x%zx)",
                                off + pcir + 0x10, img->length / UNIT, size);
        if (img->code_type != PCI_CODE_TYPE_EFI)
                img->skip = OPTION_ROM_NOT_EFI;
        else
                efi_fields(h, img);
        return 0;
}

int option_rom_parse(const uint8_t *rom, size_t size, struct option_rom *ret, struct tdxh_err *e)
{
        _cleanup_(option_rom_free) struct option_rom out = { 0 };
        size_t cap = 0;
        uint32_t off = 0;
        int r;

        if (size > OPTION_ROM_MAX_SIZE)
                return err_setf(e, -EFBIG, "ROM file of %zu bytes is above the limit of %u", size,
                                OPTION_ROM_MAX_SIZE);
        if (size < 2 || le16_get(rom) != ROM_SIGNATURE)
                return err_setf(e, -EINVAL, "offset 0x0: no 0x55AA expansion ROM signature");
        for (;;) {
                struct option_rom_image img;

                /* Without a last-image indicator the firmware reads on to
                 * the end of the ROM BAR, which QEMU fills with the file
                 * and then zeros: nothing more to find. */
                if (off >= size)
                        break;
                if (size - off < 2 || le16_get(rom + off) != ROM_SIGNATURE) {
                        /* edk2 treats a block without the signature as
                         * padding and looks again 512 bytes on. */
                        off += UNIT;
                        continue;
                }
                r = parse_one(rom, size, off, &img, e);
                if (r < 0)
                        return r;
                if (out.n == cap) {
                        size_t ncap = cap ? cap * 2 : 4;
                        struct option_rom_image *nv = realloc(out.v, ncap * sizeof(*nv));

                        if (!nv)
                                return -ENOMEM;
                        out.v = nv;
                        cap = ncap;
                }
                out.v[out.n++] = img;
                if (img.last)
                        break;
                off += img.length;
        }
        *ret = out;
        out = (struct option_rom){ 0 };
        return 0;
}

int option_rom_efi_image(const uint8_t *rom, size_t size, const struct option_rom_image *img,
                         uint8_t **ret, size_t *ret_len, struct tdxh_err *e)
{
        uint32_t start = img->offset + img->pe_offset;
        uint8_t *copy;
        int r;

        if (img->skip != OPTION_ROM_LOADED || (uint64_t)start + img->pe_len > size)
                return err_setf(e, -EINVAL, "offset 0x%x: no loadable EFI image here", img->offset);
        if (img->compression == COMPRESSION_NONE) {
                copy = malloc(img->pe_len ? img->pe_len : 1);
                if (!copy)
                        return -ENOMEM;
                memcpy(copy, rom + start, img->pe_len);
                *ret = copy;
                *ret_len = img->pe_len;
                return 0;
        }
        r = efi_decompress(rom + start, img->pe_len, ret, ret_len, e);
        if (r < 0)
                err_prefix(e, "compressed EFI image at offset 0x%x: ", start);
        return r;
}
