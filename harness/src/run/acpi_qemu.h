/* The ACPI blobs QEMU hands the firmware through fw_cfg (etc/table-loader
 * and every blob its ALLOCATE commands name, in command order), read from
 * the QEMU binary itself without booting a guest (TDX-REFERENCE §3.3):
 * QEMU starts paused under qtest with the platform's machine shape, the
 * chipset registers the firmware programs before it reads fw_cfg are
 * written as OVMF writes them, and the blobs come out through fw_cfg DMA.
 * QEMU builds the tables on the first read of a blob, from those
 * registers, so what is read is what the firmware would have measured. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "run/platform.h"
#include "run/signals.h"

#define ACPI_QEMU_MAX_BLOBS 8
#define ACPI_QEMU_LOADER "etc/table-loader"

/* The registers OVMF programs before QEMU builds the tables; they differ
 * between firmware builds, so the caller chooses them (acpi_qemu_ovmf_*). */
struct acpi_qemu_chipset {
        uint32_t pciexbar;      /* PcdPciExpressBaseAddress */
        uint64_t mmio64_base;   /* where the first 64-bit BAR goes (0: none) */
};

struct acpi_qemu_params {
        enum platform_backend backend; /* the machine shape: fake or qemu-tdx */
        const char *qemu;              /* NULL: PLATFORM_DEFAULT_QEMU */
        const char *firmware;
        uint64_t memory;
        unsigned vcpus;
        const char *swtpm, *swtpm_setup; /* fake: NULL = from $PATH */
        struct acpi_qemu_chipset chipset;
        uint64_t timeout_ms;           /* 0: 60 s for the whole job */
        struct signal_watch *sig;      /* may be NULL */
};

struct acpi_qemu_blob {
        char name[56];
        uint8_t *data;
        size_t len;
};

/* blobs[0] is etc/table-loader; then each allocated blob in loader order. */
struct acpi_qemu_blobs {
        struct acpi_qemu_blob v[ACPI_QEMU_MAX_BLOBS];
        size_t n;
};
void acpi_qemu_blobs_free(struct acpi_qemu_blobs *b);
#define _cleanup_acpi_qemu_blobs_ __attribute__((cleanup(acpi_qemu_blobs_free)))

/* Debian 12's OVMF 2022.11 (the fake platform, TDX-REFERENCE §12) under
 * TCG: PCIEXBAR 0xB0000000 and the 64-bit aperture at the top eighth of a
 * 40-bit address space. */
struct acpi_qemu_chipset acpi_qemu_ovmf_2022_tcg(void);

/* Does this QEMU offer the tdx-guest object (`-object help`)? 0 and *ret,
 * or a negative errno when QEMU cannot be run. */
int acpi_qemu_has_tdx(const char *qemu, struct signal_watch *sig, bool *ret, struct tdxh_err *e);

/* Reads the blobs; the fake shape also starts a throw-away swtpm (QEMU's
 * TPM device will not start without one). Everything started is stopped
 * and the private runtime directory removed before returning. */
int acpi_qemu_read(const struct acpi_qemu_params *p, struct acpi_qemu_blobs *ret,
                   struct tdxh_err *e);
