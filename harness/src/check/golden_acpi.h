/* The three ACPI DATA digests of RTMR0 predicted from a QEMU binary (`tdxh
 * golden compute --qemu`): the profile chooses the machine shape and the
 * registers its firmware programs, run/acpi_qemu.h reads the blobs from the
 * paused QEMU, and they are hashed in the order OVMF measures them, for
 * predict/golden_compute.h to use as --acpi-dir would. */
#pragma once

#include <stdint.h>

#include "core/digest.h"
#include "core/err.h"
#include "measure/profile.h"
#include "measure/rtmr0.h"
#include "run/signals.h"

struct golden_acpi_params {
        const struct profile *profile;
        const char *qemu;       /* the binary; NULL: from $PATH */
        const char *firmware;
        uint64_t memory;
        unsigned vcpus;         /* 0: QEMU's default, 1 */
        const char *dump_dir;   /* NULL, or where table-loader, rsdp, tables are written */
        struct signal_watch *sig;
};

/* Fills ret (enum acpi_blob order). *ret_note is set to a one-line remark
 * for the user (static string) or NULL. -EOPNOTSUPP with a message when this
 * QEMU cannot build the profile's machine: a TD's needs the tdx-guest
 * object, and even then the 64-bit PCI window OVMF chooses in a TD is not
 * modelled, so no value is given rather than a wrong one. */
int golden_acpi_from_qemu(const struct golden_acpi_params *p,
                          uint8_t ret[ACPI_BLOB_COUNT][SHA384_LEN], const char **ret_note,
                          struct tdxh_err *e);
