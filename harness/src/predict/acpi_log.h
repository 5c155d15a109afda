/* The ACPI blob digests of a reference event log: when the ACPI tables of a
 * configuration cannot be rebuilt, the three "ACPI DATA" events that OVMF
 * logged into RTMR0 (table-loader, rsdp, tables, in that order) of a known
 * boot with the same QEMU, machine and devices stand in for them. */
#pragma once

#include <stdint.h>

#include "core/digest.h"
#include "core/err.h"
#include "measure/rtmr0.h"

/* Reads the log at path (any format evlog_load_file() accepts) and returns
 * the digests of its three ACPI DATA events. Fails with -EINVAL and a message
 * when the log does not hold exactly three. */
int acpi_digests_from_log(const char *path, uint8_t ret[ACPI_BLOB_COUNT][SHA384_LEN],
                          struct tdxh_err *e);
