/* UEFI variable, load-option and device-path builders; see uefi_var.h. */
#include "measure/uefi_var.h"

#include <errno.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/le.h"

#define HARDWARE_DEVICE_PATH 0x01u
#define HW_PCI_DP 0x01u
#define ACPI_DEVICE_PATH 0x02u
#define ACPI_DP 0x01u
#define MEDIA_DEVICE_PATH 0x04u
#define MEDIA_PIWG_FW_FILE_DP 0x06u
#define MEDIA_PIWG_FW_VOL_DP 0x07u
#define END_DEVICE_PATH_TYPE 0x7fu
#define END_ENTIRE_DEVICE_PATH_SUBTYPE 0xffu

const uint8_t efi_global_variable_guid[GUID_LEN] =
        GUID_BYTES(0x8be4df61, 0x93ca, 0x11d2, 0xaa, 0x0d, 0x00, 0xe0, 0x98, 0x03, 0x2b, 0x8c);
const uint8_t efi_image_security_database_guid[GUID_LEN] =
        GUID_BYTES(0xd719b2cb, 0x3d3a, 0x4596, 0xa3, 0xbc, 0xda, 0xd0, 0x0e, 0x67, 0x65, 0x6f);

/* The DXE firmware volume of OvmfPkgX64 and IntelTdxX64, and UiApp in it. */
static const uint8_t ovmf_dxefv_guid[GUID_LEN] =
        GUID_BYTES(0x7cb8bdc9, 0xf8eb, 0x4f34, 0xaa, 0xea, 0x3e, 0xe4, 0xaf, 0x65, 0x16, 0xa1);
/* ShellPkg/Application/Shell/Shell.inf FILE_GUID: OVMF's built-in shell. */
static const uint8_t shell_app_guid[GUID_LEN] =
        GUID_BYTES(0x7c04a583, 0x9e3e, 0x4f1c, 0xad, 0x65, 0xe0, 0x52, 0x68, 0xd0, 0xb4, 0xd1);
static const uint8_t ui_app_guid[GUID_LEN] =
        GUID_BYTES(0x462caa21, 0x7614, 0x4503, 0x83, 0x6e, 0x8a, 0xb6, 0xf4, 0x66, 0x23, 0x31);

int utf16le_from_ascii(struct buf *out, const char *text, bool nul)
{
        for (const char *c = text; *c; c++) {
                int r;

                if ((unsigned char)*c > 0x7f)
                        return -EINVAL;
                r = buf_put_le16(out, (uint16_t)*c);
                if (r < 0)
                        return r;
        }
        return nul ? buf_put_le16(out, 0) : 0;
}

int uefi_variable_data(struct buf *out, const uint8_t vendor[GUID_LEN], const char *name,
                       const void *data, size_t data_len)
{
        int r;

        r = buf_append(out, vendor, GUID_LEN);
        if (r >= 0)
                r = buf_put_le64(out, strlen(name));
        if (r >= 0)
                r = buf_put_le64(out, data_len);
        if (r >= 0)
                r = utf16le_from_ascii(out, name, false);
        if (r >= 0)
                r = buf_append(out, data, data_len);
        return r;
}

int uefi_var_driver_config_digest(const uint8_t vendor[GUID_LEN], const char *name,
                                  const void *data, size_t data_len, uint8_t ret[SHA384_LEN])
{
        _cleanup_buf_ struct buf b = BUF_INIT;
        int r = uefi_variable_data(&b, vendor, name, data, data_len);

        if (r < 0)
                return r;
        return digest_buf(DIGEST_SHA384, b.data, b.len, ret);
}

int devpath_node(struct buf *out, uint8_t type, uint8_t subtype, const void *payload, size_t len)
{
        uint8_t hdr[4] = { type, subtype };
        int r;

        if (len > UINT16_MAX - sizeof(hdr))
                return -EINVAL;
        le16_put(hdr + 2, (uint16_t)(sizeof(hdr) + len));
        r = buf_append(out, hdr, sizeof(hdr));
        return r < 0 ? r : buf_append(out, payload, len);
}

int devpath_fv(struct buf *out, const uint8_t fv_name[GUID_LEN])
{
        return devpath_node(out, MEDIA_DEVICE_PATH, MEDIA_PIWG_FW_VOL_DP, fv_name, GUID_LEN);
}

int devpath_fv_file(struct buf *out, const uint8_t file_name[GUID_LEN])
{
        return devpath_node(out, MEDIA_DEVICE_PATH, MEDIA_PIWG_FW_FILE_DP, file_name, GUID_LEN);
}

int devpath_end(struct buf *out)
{
        return devpath_node(out, END_DEVICE_PATH_TYPE, END_ENTIRE_DEVICE_PATH_SUBTYPE, NULL, 0);
}

int efi_load_option(struct buf *out, uint32_t attributes, const char *description,
                    const void *device_path, size_t device_path_len, const void *optional,
                    size_t optional_len)
{
        int r;

        if (device_path_len > UINT16_MAX)
                return -EINVAL;
        r = buf_put_le32(out, attributes);
        if (r >= 0)
                r = buf_put_le16(out, (uint16_t)device_path_len);
        if (r >= 0)
                r = utf16le_from_ascii(out, description, true);
        if (r >= 0)
                r = buf_append(out, device_path, device_path_len);
        if (r >= 0)
                r = buf_append(out, optional, optional_len);
        return r;
}

/* A load option for an application in OVMF's DXE firmware volume:
 * Fv(DXEFV)/FvFile(file). */
static int dxefv_app_option(struct buf *out, uint32_t attributes, const char *description,
                            const uint8_t file[GUID_LEN])
{
        _cleanup_buf_ struct buf dp = BUF_INIT;
        int r;

        r = devpath_fv(&dp, ovmf_dxefv_guid);
        if (r >= 0)
                r = devpath_fv_file(&dp, file);
        if (r >= 0)
                r = devpath_end(&dp);
        if (r < 0)
                return r;
        return efi_load_option(out, attributes, description, dp.data, dp.len, NULL, 0);
}

int uefi_boot_manager_menu_option(struct buf *out)
{
        return dxefv_app_option(out, LOAD_OPTION_ACTIVE | LOAD_OPTION_HIDDEN |
                                LOAD_OPTION_CATEGORY_APP, "UiApp", ui_app_guid);
}

int uefi_removable_media_option(struct buf *out, uint8_t pci_device, uint8_t pci_function)
{
        /* PciRoot(0x0): ACPI node with _HID PNP0A03 (EISA-compressed
         * 0x0a0341d0) and _UID 0; then Pci(device, function): function first. */
        static const uint8_t pci_root[8] = { 0xd0, 0x41, 0x03, 0x0a, 0, 0, 0, 0 };
        /* Optional data: the GUID edk2's boot manager tags the options it
         * creates itself with (MdeModulePkg UefiBootManagerLib BmBoot.c,
         * mBmAutoCreateBootOptionGuid 8108ac4e-9f11-4d59-850e-e21a522c59b2). */
        static const uint8_t auto_created[GUID_LEN] =
                GUID_BYTES(0x8108ac4e, 0x9f11, 0x4d59, 0x85, 0x0e, 0xe2, 0x1a, 0x52, 0x2c, 0x59, 0xb2);
        const uint8_t pci[2] = { pci_function, pci_device };
        _cleanup_buf_ struct buf dp = BUF_INIT;
        int r;

        r = devpath_node(&dp, ACPI_DEVICE_PATH, ACPI_DP, pci_root, sizeof(pci_root));
        if (r >= 0)
                r = devpath_node(&dp, HARDWARE_DEVICE_PATH, HW_PCI_DP, pci, sizeof(pci));
        if (r >= 0)
                r = devpath_end(&dp);
        if (r < 0)
                return r;
        return efi_load_option(out, LOAD_OPTION_ACTIVE, "UEFI Misc Device", dp.data, dp.len,
                               auto_created, sizeof(auto_created));
}

int uefi_shell_option(struct buf *out)
{
        return dxefv_app_option(out, LOAD_OPTION_ACTIVE, "EFI Internal Shell", shell_app_guid);
}
