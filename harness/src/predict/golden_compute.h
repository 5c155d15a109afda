/* Predicting a TD's golden measurements from its parts: the pipeline behind
 * `tdxh golden compute`. It reads the inputs, runs the profile's event
 * sequence (rtmr0.h, kernel_events.h), folds the events, and fills a golden
 * model. A register whose inputs were not all given is unknown, with the
 * reason; nothing is guessed. */
#pragma once

#include <stdint.h>

#include "core/digest.h"
#include "core/err.h"
#include "golden/golden.h"
#include "measure/option_rom_events.h"
#include "measure/profile.h"

/* A PCI device's option ROM (QEMU's romfile=), whose EFI drivers OVMF
 * measures into RTMR1 before the kernel. */
#define GOLDEN_OPTION_ROM_MAX 32

struct golden_option_rom {
        struct pci_bdf bdf;
        const char *path;
};

struct golden_compute_params {
        struct profile profile;    /* page_add already overridden if asked */
        const char *firmware;      /* required */
        const char *kernel;        /* optional */
        const char *initrd;        /* optional */
        const char *cmdline;       /* optional; NULL = not given */
        uint64_t memory;           /* bytes, required */
        unsigned vcpus;            /* 0 = not given */
        const char *acpi_from_log; /* event log holding the three ACPI DATA digests */
        const char *acpi_dir;      /* directory with table-loader, rsdp, tables blobs */
        const char *disk;          /* a raw GPT disk booted from its ESP (instead of kernel) */
        /* The three digests, already computed (in enum acpi_blob order), by
         * a caller that read the blobs from QEMU itself (run/acpi_qemu.h);
         * NULL: none. At most one of the three ACPI sources is given. */
        const uint8_t (*acpi_digests)[SHA384_LEN];
        const struct golden_option_rom *option_roms; /* any order; one per device,
                                                     * at most GOLDEN_OPTION_ROM_MAX */
        size_t n_option_roms;
};

int golden_compute(const struct golden_compute_params *p, struct golden *ret, struct tdxh_err *e);
