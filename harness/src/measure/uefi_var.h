/* UEFI structures the firmware measures: UEFI_VARIABLE_DATA (the event data
 * of variable events), EFI_LOAD_OPTION (Boot####) and the device-path nodes
 * they contain (TDX-REFERENCE §3.1, §3.4). Everything is built byte by byte
 * in little-endian order into a struct buf; names are ASCII and become
 * UTF-16LE. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/digest.h"
#include "core/guid.h"

/* 8be4df61-93ca-11d2-aa0d-00e098032b8c: SecureBoot, PK, KEK, BootOrder, Boot#### */
extern const uint8_t efi_global_variable_guid[GUID_LEN];
/* d719b2cb-3d3a-4596-a3bc-dad00e67656f: db, dbx, dbt */
extern const uint8_t efi_image_security_database_guid[GUID_LEN];

/* EFI_LOAD_OPTION attributes */
#define LOAD_OPTION_ACTIVE 0x00000001u
#define LOAD_OPTION_HIDDEN 0x00000008u
#define LOAD_OPTION_CATEGORY_APP 0x00000100u

/* Appends ASCII text as UTF-16LE, with a NUL character when nul is set.
 * -EINVAL for a non-ASCII byte. */
int utf16le_from_ascii(struct buf *out, const char *text, bool nul);

/* Appends UEFI_VARIABLE_DATA: GUID || u64 name length in characters (no
 * NUL) || u64 data length || UTF-16LE name without NUL || data. */
int uefi_variable_data(struct buf *out, const uint8_t vendor[GUID_LEN], const char *name,
                       const void *data, size_t data_len);

/* Digest of an EV_EFI_VARIABLE_DRIVER_CONFIG event: SHA-384 of the whole
 * UEFI_VARIABLE_DATA. A variable that does not exist is measured with
 * data_len 0. */
int uefi_var_driver_config_digest(const uint8_t vendor[GUID_LEN], const char *name,
                                  const void *data, size_t data_len, uint8_t ret[SHA384_LEN]);

/* Device-path nodes: a generic node (u8 type, u8 subtype, u16 length,
 * payload), and the ones OVMF's boot options use. */
int devpath_node(struct buf *out, uint8_t type, uint8_t subtype, const void *payload, size_t len);
int devpath_fv(struct buf *out, const uint8_t fv_name[GUID_LEN]);        /* Fv(GUID) */
int devpath_fv_file(struct buf *out, const uint8_t file_name[GUID_LEN]); /* FvFile(GUID) */
int devpath_end(struct buf *out);

/* Appends an EFI_LOAD_OPTION: u32 attributes, u16 FilePathListLength, the
 * description as NUL-terminated UTF-16LE, the device path, optional data. */
int efi_load_option(struct buf *out, uint32_t attributes, const char *description,
                    const void *device_path, size_t device_path_len, const void *optional,
                    size_t optional_len);

/* Boot0000 as OVMF's BDS creates it in an empty variable store: the hidden
 * boot-manager menu (UiApp, Fv(DXEFV)/FvFile(UiApp)), attributes 0x109. */
int uefi_boot_manager_menu_option(struct buf *out);

/* The boot option OVMF's BDS creates for a bootable block device it finds no
 * option for (edk2 EfiBootManagerRefreshAllBootOption, described "UEFI Misc
 * Device" for a virtio-blk disk): attributes LOAD_OPTION_ACTIVE, device path
 * PciRoot(0x0)/Pci(device,function), optional data the boot manager's
 * auto-created-option GUID. */
int uefi_removable_media_option(struct buf *out, uint8_t pci_device, uint8_t pci_function);

/* OVMF's registered "EFI Internal Shell" option: attributes LOAD_OPTION_ACTIVE,
 * Fv(DXEFV)/FvFile(Shell). */
int uefi_shell_option(struct buf *out);
