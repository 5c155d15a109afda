/* Option ROM events; see option_rom_events.h. */
#include "measure/option_rom_events.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/digest.h"
#include "core/event_type.h"
#include "core/file.h"
#include "core/hex.h"
#include "measure/option_rom.h"
#include "measure/pe.h"

/* The two hex digits at p (exactly two, no blanks), or -1. */
static int hex2(const char *p)
{
        char two[3] = { p[0], p[0] ? p[1] : '\0', '\0' };
        uint8_t v;

        if (!isxdigit((unsigned char)two[0]) || !isxdigit((unsigned char)two[1]) ||
            hex_decode_exact(two, &v, 1) < 0)
                return -1;
        return v;
}

int pci_bdf_parse(const char *text, struct pci_bdf *ret, struct tdxh_err *e)
{
        const char *p = text;
        int bus = 0, dev, fn;

        /* lspci's and QEMU's form: bus:device.function, in hex. */
        if (strlen(p) == 7 && p[2] == ':') {
                bus = hex2(p);
                p += 3;
        }
        if (strlen(p) != 4 || p[2] != '.' || bus < 0)
                return err_setf(e, -EINVAL, "PCI address '%s': expected BUS:DEVICE.FUNCTION such as 00:02.0",
                                text);
        dev = hex2(p);
        fn = p[3] >= '0' && p[3] <= '7' ? p[3] - '0' : -1;
        if (dev < 0 || dev > 31 || fn < 0 || fn > 7)
                return err_setf(e, -EINVAL,
                                "PCI address '%s': device must be 00-1f and function 0-7 (hex)", text);
        if (bus != 0)
                return err_setf(e, -EINVAL,
                                "PCI address '%s': only bus 00 is supported (a device behind a bridge has a longer device path)",
                                text);
        *ret = (struct pci_bdf){ .dev = (unsigned)dev, .fn = (unsigned)fn };
        return 0;
}

void pci_bdf_device_path(const struct pci_bdf *b, char out[32])
{
        snprintf(out, 32, "PciRoot(0x0)/Pci(0x%x,0x%x)", b->dev, b->fn);
}

/* Tcg2MeasurePeImage's event type for the PE Subsystem (edk2
 * SecurityPkg/Library/DxeTpm2MeasureBootLib/DxeTpm2MeasureBootLib.c); 0 for
 * any other subsystem, which it does not measure. */
static uint32_t event_type_for(uint16_t subsystem)
{
        switch (subsystem) {
        case PE_SUBSYSTEM_EFI_APPLICATION:
                return EV_EFI_BOOT_SERVICES_APPLICATION;
        case PE_SUBSYSTEM_EFI_BOOT_SERVICE_DRIVER:
                return EV_EFI_BOOT_SERVICES_DRIVER;
        case PE_SUBSYSTEM_EFI_RUNTIME_DRIVER:
                return EV_EFI_RUNTIME_SERVICES_DRIVER;
        }
        return 0;
}

/* Whether the firmware loads (and so measures) img, given what the ROM
 * holds: ProcessOpRomImage in edk2 MdeModulePkg/Bus/Pci/PciBusDxe/
 * PciOptionRomSupport.c, called once per device (stable202211) or twice,
 * native images first (stable202602, PciDeviceSupport.c). */
static bool loaded(const struct option_rom *rom, const struct option_rom_image *img,
                   enum option_rom_foreign foreign)
{
        bool any_native = false;

        if (img->skip != OPTION_ROM_LOADED)
                return false;
        if (foreign == OPTION_ROM_FOREIGN_MEASURED || img->machine == PE_MACHINE_X64)
                return true;
        for (size_t i = 0; i < rom->n; i++)
                if (rom->v[i].skip == OPTION_ROM_LOADED && rom->v[i].machine == PE_MACHINE_X64)
                        any_native = true;
        return !any_native;
}

static int image_event(const struct mapped_file *m, const struct option_rom_image *img,
                       const struct pci_bdf *b, struct measure_events *l, struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *pe = NULL;
        size_t pe_len = 0;
        struct pe_view v;
        struct pe_info pi;
        uint8_t d[SHA384_LEN];
        char dev[32], detail[96];
        uint32_t type;
        int r;

        r = option_rom_efi_image(m->data, m->size, img, &pe, &pe_len, e);
        if (r < 0)
                return r;
        /* DxeTpm2MeasureBootHandler measures only what
         * PeCoffLoaderGetImageInfo accepts; pe_parse() makes the same header
         * checks. A ROM whose driver fails them is refused rather than
         * predicted without its event. */
        v = (struct pe_view){ .data = pe, .size = pe_len };
        r = pe_parse(&v, &pi, e);
        if (r >= 0)
                r = pe_authenticode(&v, DIGEST_SHA384, d, e);
        if (r < 0) {
                err_prefix(e, "EFI image at offset 0x%x%s: ", img->offset + img->pe_offset,
                           img->compression ? " (decompressed)" : "");
                return r;
        }
        type = event_type_for(pi.subsystem);
        if (!type)
                return 0;
        /* The node ProcessOpRomImage appends: MEDIA_RELATIVE_OFFSET_RANGE_DP
         * with the image's first and last byte in the ROM. */
        pci_bdf_device_path(b, dev);
        snprintf(detail, sizeof(detail), "%s/Offset(0x%x,0x%x)", dev, img->offset,
                 img->offset + img->length - 1);
        r = measure_events_add(l, 1, type, d, "option-rom", detail, NULL, 0);
        return r < 0 ? r : 1;
}

int option_rom_events(const char *path, const struct pci_bdf *b, enum option_rom_foreign foreign,
                      struct measure_events *l, struct tdxh_err *e)
{
        _cleanup_mapped_file_ struct mapped_file m = { 0 };
        _cleanup_(option_rom_free) struct option_rom rom = { 0 };
        _cleanup_measure_events_ struct measure_events out = { 0 };
        int r, n = 0;

        r = file_map(path, OPTION_ROM_MAX_SIZE, &m, e);
        if (r < 0)
                return r;
        r = option_rom_parse(m.data, m.size, &rom, e);
        for (size_t i = 0; r >= 0 && i < rom.n; i++) {
                if (!loaded(&rom, &rom.v[i], foreign))
                        continue;
                r = image_event(&m, &rom.v[i], b, &out, e);
                n += r > 0;
        }
        if (r < 0) {
                err_prefix(e, "%s: ", path);
                return r;
        }
        r = measure_events_move(l, &out);
        return r < 0 ? r : n;
}
