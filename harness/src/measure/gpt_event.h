/* The EV_EFI_GPT_EVENT of a disk (PCR 5 → RTMR1): the event data edk2
 * measures the first time it loads an image from a GPT partition
 * (SecurityPkg DxeTpm2MeasureBootLib, Tcg2MeasureGptTable; UEFI_GPT_DATA of
 * the TCG PC Client PFP spec): the 92-byte primary partition table header
 * from LBA 1, a UINT64 count, then every partition entry whose type GUID is
 * not zero, in table order, SizeOfPartitionEntry bytes each. The digest is
 * the hash of those bytes. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define GPT_SECTOR 512u
#define GPT_HEADER_MEASURED 92u /* sizeof(EFI_PARTITION_TABLE_HEADER) */

/* Reads the GPT of the raw disk at path (512-byte sectors) and builds the
 * event data into *ret (malloc'd, *ret_len bytes); *ret_used is the number of
 * entries in use. Errors name the file and the offset or header field. */
int gpt_event_data(const char *path, uint8_t **ret, size_t *ret_len, uint64_t *ret_used,
                   struct tdxh_err *e);

/* The EFI system partition among the entries of event data built above: the
 * first entry whose PartitionTypeGUID is c12a7328-f81f-11d2-ba4b-00a0c93ec93b
 * (UEFI 2.10 §5.3.3), as a byte offset and length in the disk file. Returns
 * its number (1-based) among the entries in use, which is its partition
 * number when the table has no holes before it.
 * -ENOENT, naming path, when there is none; -EINVAL for an entry whose
 * StartingLBA/EndingLBA are reversed or overflow. */
int gpt_event_find_esp(const char *path, const uint8_t *data, size_t len, uint64_t *ret_off,
                       uint64_t *ret_len, struct tdxh_err *e);
