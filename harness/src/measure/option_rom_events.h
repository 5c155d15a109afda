/* The events OVMF logs for a PCI device's option ROM: one per EFI driver it
 * loads from the ROM, into PCR 2 / RTMR1, before the boot loader.
 *
 * The path (edk2, cited per step in option_rom_events.c): PciBusDxe's
 * ProcessOpRomImage builds the device path DEVICE/Offset(START,END) of each
 * EFI image that is not an application and calls LoadImage; DxeCore gets
 * the bytes from the bus driver's LoadFile2 (LocalLoadFile2: the PE image,
 * decompressed) and calls the Security2 handlers before it checks the
 * machine type; DxeTpm2MeasureBootLib's handler measures the buffer as a
 * PE/COFF image (Tcg2MeasurePeImage, HashLogExtendEvent with PE_COFF_IMAGE:
 * the same Authenticode digest as the kernel's, measure/pe.h) with the
 * event type from the PE file's Subsystem. */
#pragma once

#include <stdbool.h>

#include "core/err.h"
#include "measure/event.h"

/* Where Debian's ipxe-qemu puts the ROMs QEMU gives its NICs by default
 * (efi-MODEL.rom: efi-virtio.rom for virtio-net-pci, efi-e1000.rom, ...). */
#define OPTION_ROM_QEMU_DIR "/usr/lib/ipxe/qemu"

/* A PCI function on bus 0 of root bridge 0: the only place QEMU's q35 puts
 * a -device without a bus= (a device behind a bridge has a longer path). */
struct pci_bdf {
        unsigned dev; /* 0..31 */
        unsigned fn;  /* 0..7 */
};

/* "00:02.0" (hex bus:device.function; bus must be 0) or "02.0". -EINVAL with
 * one line naming the text. */
int pci_bdf_parse(const char *text, struct pci_bdf *ret, struct tdxh_err *e);

/* "PciRoot(0x0)/Pci(0x2,0x0)", as UEFI prints the device's path. */
void pci_bdf_device_path(const struct pci_bdf *b, char out[32]);

/* What the firmware does with EFI images of another machine type than x64. */
enum option_rom_foreign {
        /* edk2 < stable202602: every image is measured (the machine type is
         * checked only after the Security2 handlers ran). */
        OPTION_ROM_FOREIGN_MEASURED,
        /* edk2 >= stable202602 (commit ff3c1adf20, "Load the native Option
         * ROM image if the native one exists"): foreign images only when the
         * ROM has no native one. */
        OPTION_ROM_FOREIGN_IF_NO_NATIVE,
};

/* Appends the events for the ROM file `path` of device b to l, in the
 * order the firmware loads the images: rtmr 1, type
 * EV_EFI_BOOT_SERVICES_DRIVER (or _APPLICATION / EV_EFI_RUNTIME_SERVICES_DRIVER
 * after the PE Subsystem), what "option-rom", detail the device path
 * "PciRoot(0x0)/Pci(0x2,0x0)/Offset(0x12800,0x3cdff)". Returns the number of
 * events added (0 for a ROM without a loadable EFI image). Errors (the file,
 * a corrupt ROM, a compressed image that does not decompress, a PE image
 * the firmware could not measure) name the file and the offset; l is then
 * unchanged. */
int option_rom_events(const char *path, const struct pci_bdf *b, enum option_rom_foreign foreign,
                      struct measure_events *l, struct tdxh_err *e);
