/* The TCG2 event log of a stopped UEFI + Linux guest, found in its physical
 * memory from the host: the log as the guest kernel itself presents it
 * (securityfs binary_bios_measurements), without anything running in the
 * guest.
 *
 * Where it lives. The firmware's own log area is not used: edk2's Tcg2Dxe
 * allocates it as EfiBootServicesData unless PcdTpm2AcpiTableRev >= 4
 * ([E] SecurityPkg/Tcg/Tcg2Dxe/Tcg2Dxe.c, SetupEventLog), and OVMF sets
 * revision 3 ([E] OvmfPkg/Include/Dsc/OvmfTpmPcdsHii.dsc.inc), so Linux may
 * reuse it once it frees boot-services memory. Linux's EFI
 * stub copies the log (GetEventLog) into a configuration table of its
 * own, LINUX_EFI_TPM_EVENT_LOG {u32 size; u32 final_events_preboot_size;
 * u8 version; u8 log[size]}, which the kernel keeps reserved; the events
 * logged after GetEventLog (ExitBootServices' two EV_EFI_ACTION events)
 * are in the firmware's EFI_TCG2_FINAL_EVENTS_TABLE {u64 version; u64
 * number_of_events; events...}, allocated as ACPI NVS memory (Tcg2Dxe.c,
 * as above: edk2 logs every event to the main log and, after GetEventLog,
 * to the final table too). The kernel's log is the stub's copy followed
 * by the final table's events past final_events_preboot_size bytes
 * (Linux drivers/char/tpm/eventlog/efi.c), and that is what is assembled
 * here.
 *
 * How it is found. Both tables are entries of the EFI configuration table,
 * an array of {EFI_GUID, u64 physical address} in runtime memory near the
 * top of RAM below 4 GiB, where OVMF allocates top down. Memory is read
 * downwards in chunks until an 8-byte aligned entry with each GUID points
 * at a structure that checks out (the stub's header, version 2, a spec ID
 * event at the start of the log; the final table's version 1 and records
 * that parse). Copies of the GUID elsewhere (firmware code, kernel data
 * with virtual addresses) fail those checks. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Guest physical memory as the host can read it. read() fills buf with
 * len bytes at physical address addr, or fails with the error set. */
struct guest_mem {
        uint64_t size; /* bytes of RAM from address 0 that may be read */
        int (*read)(void *userdata, uint64_t addr, void *buf, size_t len, struct tdxh_err *e);
        void *userdata;
};

struct efi_tpm_log {
        uint8_t *log;           /* the assembled log (owned) */
        size_t len;
        uint64_t linux_table;   /* where LINUX_EFI_TPM_EVENT_LOG was */
        uint64_t final_table;   /* where EFI_TCG2_FINAL_EVENTS_TABLE was; 0: none found */
        size_t stub_len;        /* bytes the stub copied */
        size_t final_events;    /* events appended from the final table */
        uint64_t bytes_read;    /* guest memory read to find them */
};

/* Finds and assembles the log. -ENOENT when no LINUX_EFI_TPM_EVENT_LOG
 * entry was found (no Linux EFI stub, no TCG2 protocol, or the guest had
 * not reached the kernel); the message says how much was searched. */
int efi_tpm_log_find(const struct guest_mem *m, struct efi_tpm_log *ret, struct tdxh_err *e);

void efi_tpm_log_free(struct efi_tpm_log *l);
