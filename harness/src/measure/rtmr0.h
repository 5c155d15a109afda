/* RTMR0 (CC MrIndex 1, TCG PCR 1 and 7): the firmware-configuration events
 * OVMF measures (TDX-REFERENCE §3.1-§3.4), one constructor per event kind
 * and one function that lists them in measurement order for a set of
 * firmware/platform traits. On the fake platform (§12) the same list, in TPM
 * mode, is the fold of PCR 1 and PCR 7. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/digest.h"
#include "core/err.h"
#include "measure/event.h"
#include "measure/tdvf.h"

/* {u8 41, char[41] "Fv(GUID)", u64 base, u64 length} */
#define CFV_DESCRIPTION_LEN 41
#define CFV_EVENT_DATA_LEN (1 + CFV_DESCRIPTION_LEN + 8 + 8)
/* "QEMU FW CFG\0" + 56-byte zero-padded item name */
#define FWCFG_EVENT_DATA_LEN (12 + 56)

/* The three ACPI blobs QEMU hands OVMF through fw_cfg, in measurement order. */
enum acpi_blob { ACPI_TABLE_LOADER, ACPI_RSDP, ACPI_TABLES, ACPI_BLOB_COUNT };

/* "etc/table-loader", "etc/acpi/rsdp", "etc/acpi/tables" */
const char *acpi_blob_fw_cfg_name(enum acpi_blob b);

/* A fw_cfg item OVMF caches and measures (edk2 >= 202505), or a boot
 * variable measured at ReadyToBoot: name and raw value. */
struct rtmr0_named_value {
        const char *name;
        const uint8_t *data;
        size_t len;
};

struct rtmr0_params {
        /* Platform and firmware traits (from the profile and the image). */
        bool tpm_mode;            /* fake platform: TPM-mode OVMF logs no TD HOB, CFV or
                                   * fw_cfg events; the list is the PCR 1+7 fold */
        bool fwcfg_cache_events;  /* edk2 >= 202505: fw_cfg cache (BootMenu) event */
        bool secureboot_off_form; /* SecureBoot measured as 0x00 (SB-capable build with
                                   * SB off) instead of absent */
        bool acpi_events;         /* edk2 >= 202302: three ACPI DATA events */
        bool separator_in_rtmr0;  /* ReadyToBoot separator after the boot variables
                                   * (TDX edk2 < 202411, and PCR 1's in TPM mode) */
        bool smbios_event;        /* edk2 >= 202505: SMBIOS tables (digest not predicted) */
        bool boot_vars_in_rtmr1;  /* TDX edk2 < 202302: TdTcg2Dxe measured BootOrder and
                                   * Boot#### into PCR 5 = RTMR1 (moved to PCR 1 by edk2
                                   * PR #3920); they are then left out of this list */
        /* Inputs. md, fw and fw_size are needed unless tpm_mode. */
        uint64_t ram_bytes;
        const struct tdvf_metadata *md;
        const uint8_t *fw;
        size_t fw_size;
        /* Digests of the ACPI blobs in enum acpi_blob order (from
         * rtmr0_acpi_digests_from_files() or a reference event log), or NULL
         * when unknown: the events are then listed with unknown digests. */
        const uint8_t (*acpi_digests)[SHA384_LEN];
        /* The fw_cfg items measured when fwcfg_cache_events is set, in
         * OVMF's order; NULL means the default QEMU command line's only one,
         * BootMenu = 0 (u16). */
        const struct rtmr0_named_value *fwcfg_items;
        size_t n_fwcfg_items;
        /* The boot variables at ReadyToBoot, BootOrder first; NULL means an
         * empty variable store with direct kernel boot: BootOrder {0x0000}
         * and Boot0000 = the UiApp boot-manager menu (§3.4). */
        const struct rtmr0_named_value *boot_vars;
        size_t n_boot_vars;
};

/* Appends the RTMR0 events, in measurement order, to *ret (on failure *ret
 * is unchanged). Events whose input is unknown (ACPI without digests,
 * SMBIOS) have digest_known == false and a detail saying what is missing. */
int rtmr0_events(const struct rtmr0_params *p, struct measure_events *ret, struct tdxh_err *e);

/* SHA-384 of the CFV raw data: the digest of the CFV event. */
int rtmr0_cfv_digest(const uint8_t *fw, size_t size, const struct tdvf_metadata *md,
                     uint8_t ret[SHA384_LEN], struct tdxh_err *e);

/* "Fv(<FvName GUID>)" from the CFV's firmware-volume extended header, or
 * the literal placeholder "Fv(XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)" when it
 * has none, NUL-terminated, as OVMF's SEC phase writes it. */
int rtmr0_cfv_description(const uint8_t *fw, size_t size, const struct tdvf_metadata *md,
                          char ret[CFV_DESCRIPTION_LEN], struct tdxh_err *e);

/* The CFV event data (EV_EFI_PLATFORM_FIRMWARE_BLOB2). */
int rtmr0_cfv_event_data(const uint8_t *fw, size_t size, const struct tdvf_metadata *md,
                         uint8_t ret[CFV_EVENT_DATA_LEN], struct tdxh_err *e);

/* The event data of a fw_cfg cache event for item name (< 56 characters). */
int rtmr0_fwcfg_event_data(const char *name, uint8_t ret[FWCFG_EVENT_DATA_LEN]);

/* Hashes the three ACPI blob files (streaming), in enum acpi_blob order. */
int rtmr0_acpi_digests_from_files(const char *const paths[ACPI_BLOB_COUNT],
                                  uint8_t ret[ACPI_BLOB_COUNT][SHA384_LEN], struct tdxh_err *e);

struct profile;

/* Sets the trait flags of p that a platform profile (measure/profile.h)
 * determines; the inputs are left alone. secureboot_off_form depends on how
 * the firmware was built, so it is set only for the fake platform, whose
 * Debian OVMF.fd measures SecureBoot = 0 (§12). */
void rtmr0_params_from_profile(struct rtmr0_params *p, const struct profile *prof);
