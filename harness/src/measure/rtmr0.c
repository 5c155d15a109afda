/* RTMR0 event constructors and their order; see rtmr0.h.
 *
 * Order, TDX (TDX-REFERENCE §3.1; edk2 TdxHelperLib, QemuFwCfgCacheInit.c,
 * TdTcg2Dxe.c, QemuFwCfgAcpi.c, BdsPlatform.c):
 *   1. TD HOB and 2. CFV: extended by SEC before anything else runs;
 *   3. fw_cfg cache items: PlatformPei/PeilessStartup, still before DXE;
 *   4-8. SecureBoot, PK, KEK, db, dbx and 9. the PCR 7 separator: TdTcg2Dxe's
 *      VariableWrite-arch notification (MeasureSecureBootPolicy), early DXE;
 *   10-12. ACPI DATA: AcpiPlatformDxe installs the tables once BDS has
 *      connected the PCI root bridges, after the variable driver is up;
 *   SMBIOS, BootOrder, Boot####, [ReadyToBoot separator]: ReadyToBoot.
 *      Handlers of one event group at one TPL run newest-first (the DXE core
 *      inserts them at the head of its signal list), and SmbiosMeasurementDxe
 *      is dispatched after TdTcg2Dxe, so SMBIOS is placed first. That is an
 *      inference, not an observation (§11 item 2); its digest is unknown
 *      anyway. Inside TdTcg2Dxe's handler the boot variables come before the
 *      separator.
 *
 * Order, fake platform (TPM mode, §12): RTMR0 is the fold of PCR 1 and PCR 7
 * in log order. Tcg2Dxe measures SecureBoot, PK, KEK, db, dbx and then the
 * PCR 7 separator in the same VariableWrite-arch notification (the PCR 7
 * separator must sit between the policy and any image-authority events); at
 * ReadyToBoot it measures BootOrder and Boot0000 (PCR 1), the PCR 4 action,
 * then one separator for each of PCR 0-6. So: five variables, separator,
 * BootOrder, Boot0000, separator. The observed §12 log shows exactly this.
 * TPM mode has no TD HOB and CFV events, and QemuFwCfgCacheInit measures only
 * when TdIsEnabled(), so no fw_cfg events either. */
#include "measure/rtmr0.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/event_type.h"
#include "core/le.h"
#include "core/size.h"
#include "measure/td_hob.h"
#include "measure/uefi_var.h"

#define RTMR0 0

/* EFI_FIRMWARE_VOLUME_HEADER (with one block-map entry) and its extended header */
#define FV_HEADER_SIZE 64u
#define FV_EXT_HEADER_OFFSET_FIELD 52u
#define FV_EXT_HEADER_SIZE 20u

#define FWCFG_EVENT_TAG "QEMU FW CFG"
#define FWCFG_NAME_SIZE 56u
#define FWCFG_BOOT_MENU "BootMenu"

#define ACPI_EVENT_DATA "ACPI DATA" /* logged without its NUL */

static const char cfv_placeholder[CFV_DESCRIPTION_LEN] = "Fv(XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)";

const char *acpi_blob_fw_cfg_name(enum acpi_blob b)
{
        static const char *const names[] = { "etc/table-loader", "etc/acpi/rsdp", "etc/acpi/tables" };

        return (unsigned)b < ELEMENTSOF(names) ? names[b] : "unknown";
}

/* The CFV section, checked against the file; NULL (and -EINVAL in e) if
 * there is none usable. */
static const struct tdvf_section *cfv_section(size_t size, const struct tdvf_metadata *md,
                                              struct tdxh_err *e)
{
        const struct tdvf_section *s = tdvf_cfv(md);

        if (!s) {
                err_setf(e, -EINVAL, "the TDVF metadata has no CFV section");
                return NULL;
        }
        if ((uint64_t)s->data_offset + s->raw_size > size) {
                err_setf(e, -EINVAL, "CFV data 0x%x + 0x%x runs past the end of the %zu-byte file",
                         s->data_offset, s->raw_size, size);
                return NULL;
        }
        return s;
}

int rtmr0_cfv_digest(const uint8_t *fw, size_t size, const struct tdvf_metadata *md,
                     uint8_t ret[SHA384_LEN], struct tdxh_err *e)
{
        const struct tdvf_section *s = cfv_section(size, md, e);
        int r;

        if (!s)
                return -EINVAL;
        r = digest_buf(DIGEST_SHA384, fw + s->data_offset, s->raw_size, ret);
        return r < 0 ? err_setf(e, r, "CFV: SHA-384 failed") : 0;
}

int rtmr0_cfv_description(const uint8_t *fw, size_t size, const struct tdvf_metadata *md,
                          char ret[CFV_DESCRIPTION_LEN], struct tdxh_err *e)
{
        const struct tdvf_section *s = cfv_section(size, md, e);
        char text[GUID_TEXT_LEN + 1];
        const uint8_t *fv;
        uint16_t ext;

        if (!s)
                return -EINVAL;
        /* OVMF's GetFvName() checks only these bounds (not the signature). */
        fv = fw + s->data_offset;
        if (s->raw_size < FV_HEADER_SIZE) {
                memcpy(ret, cfv_placeholder, CFV_DESCRIPTION_LEN);
                return 0;
        }
        ext = le16_get(fv + FV_EXT_HEADER_OFFSET_FIELD);
        if (ext < FV_HEADER_SIZE || (uint64_t)ext + FV_EXT_HEADER_SIZE > s->raw_size) {
                memcpy(ret, cfv_placeholder, CFV_DESCRIPTION_LEN);
                return 0;
        }
        guid_format(fv + ext, true, text); /* edk2's %g prints upper case */
        snprintf(ret, CFV_DESCRIPTION_LEN, "Fv(%s)", text);
        return 0;
}

int rtmr0_cfv_event_data(const uint8_t *fw, size_t size, const struct tdvf_metadata *md,
                         uint8_t ret[CFV_EVENT_DATA_LEN], struct tdxh_err *e)
{
        const struct tdvf_section *s = cfv_section(size, md, e);
        char desc[CFV_DESCRIPTION_LEN];
        int r;

        if (!s)
                return -EINVAL;
        r = rtmr0_cfv_description(fw, size, md, desc, e);
        if (r < 0)
                return r;
        ret[0] = CFV_DESCRIPTION_LEN;
        memcpy(ret + 1, desc, CFV_DESCRIPTION_LEN);
        le64_put(ret + 1 + CFV_DESCRIPTION_LEN, s->gpa);
        le64_put(ret + 1 + CFV_DESCRIPTION_LEN + 8, s->raw_size);
        return 0;
}

int rtmr0_fwcfg_event_data(const char *name, uint8_t ret[FWCFG_EVENT_DATA_LEN])
{
        size_t n = strlen(name);

        if (n >= FWCFG_NAME_SIZE)
                return -EINVAL;
        memset(ret, 0, FWCFG_EVENT_DATA_LEN);
        memcpy(ret, FWCFG_EVENT_TAG, sizeof(FWCFG_EVENT_TAG));
        memcpy(ret + sizeof(FWCFG_EVENT_TAG), name, n);
        return 0;
}

int rtmr0_acpi_digests_from_files(const char *const paths[ACPI_BLOB_COUNT],
                                  uint8_t ret[ACPI_BLOB_COUNT][SHA384_LEN], struct tdxh_err *e)
{
        uint8_t d[ACPI_BLOB_COUNT][SHA384_LEN];

        for (int i = 0; i < ACPI_BLOB_COUNT; i++) {
                int r = digest_file(DIGEST_SHA384, paths[i], d[i], NULL, e);

                if (r < 0) {
                        err_prefix(e, "ACPI blob %s: ", acpi_blob_fw_cfg_name(i));
                        return r;
                }
        }
        memcpy(ret, d, sizeof(d));
        return 0;
}

/* --- the events --- */

static int add_td_hob(struct measure_events *l, const struct rtmr0_params *p, struct tdxh_err *e)
{
        _cleanup_buf_ struct buf hob = BUF_INIT;
        uint8_t data[TD_HOB_EVENT_DATA_LEN], d[SHA384_LEN];
        char detail[160], ram[32];
        size_t measured = 0;
        int r;

        r = td_hob_build(p->md, p->ram_bytes, &hob, &measured, e);
        if (r >= 0)
                r = td_hob_event_data(p->md, data, e);
        if (r >= 0)
                r = digest_buf(DIGEST_SHA384, hob.data, measured, d);
        if (r < 0)
                return r;
        size_format(p->ram_bytes, ram);
        snprintf(detail, sizeof(detail),
                 "TD HOB at 0x%llx for %s of RAM: %zu resource descriptors, %zu bytes measured",
                 (unsigned long long)le64_get(data + TD_HOB_EVENT_DATA_LEN - 8), ram,
                 (measured - 56) / 48, measured);
        return measure_events_add(l, RTMR0, EV_EFI_HANDOFF_TABLES2, d, "td-hob", detail, data,
                                  sizeof(data));
}

static int add_cfv(struct measure_events *l, const struct rtmr0_params *p, struct tdxh_err *e)
{
        uint8_t data[CFV_EVENT_DATA_LEN], d[SHA384_LEN];
        char detail[160];
        int r;

        r = rtmr0_cfv_digest(p->fw, p->fw_size, p->md, d, e);
        if (r >= 0)
                r = rtmr0_cfv_event_data(p->fw, p->fw_size, p->md, data, e);
        if (r < 0)
                return r;
        snprintf(detail, sizeof(detail), "%.*s: 0x%llx bytes at 0x%llx", CFV_DESCRIPTION_LEN - 1,
                 (const char *)data + 1,
                 (unsigned long long)le64_get(data + CFV_EVENT_DATA_LEN - 8),
                 (unsigned long long)le64_get(data + CFV_EVENT_DATA_LEN - 16));
        return measure_events_add(l, RTMR0, EV_EFI_PLATFORM_FIRMWARE_BLOB2, d, "cfv", detail,
                                  data, sizeof(data));
}

static int add_fwcfg_item(struct measure_events *l, const struct rtmr0_named_value *item,
                          struct tdxh_err *e)
{
        uint8_t data[FWCFG_EVENT_DATA_LEN], d[SHA384_LEN];
        bool boot_menu = strcmp(item->name, FWCFG_BOOT_MENU) == 0;
        char detail[128];
        int r;

        if (rtmr0_fwcfg_event_data(item->name, data) < 0)
                return err_setf(e, -EINVAL, "fw_cfg item name \"%s\" is longer than %u characters",
                                item->name, FWCFG_NAME_SIZE - 1);
        r = digest_buf(DIGEST_SHA384, item->data, item->len, d);
        if (r < 0)
                return r;
        if (boot_menu && item->len == 2)
                snprintf(detail, sizeof(detail), "fw_cfg BootMenu = %u", le16_get(item->data));
        else
                snprintf(detail, sizeof(detail), "fw_cfg %s (%zu bytes)", item->name, item->len);
        return measure_events_add(l, RTMR0, EV_PLATFORM_CONFIG_FLAGS, d,
                                  boot_menu ? "fwcfg-bootmenu" : "fwcfg-item", detail, data,
                                  sizeof(data));
}

/* QEMU always provides fw_cfg item 0x0e (BootMenu, u16); it is 0 unless
 * -boot menu=on. OVMF's other cached items exist only with particular
 * options (extra PCI roots, splash time, maxmem, X-PciMmio64Mb) or, for
 * "bootorder", when something has a bootindex. QEMU gives the -kernel
 * loader ROM bootindex 0, so direct kernel boot may well produce a
 * "bootorder" item too; until a real log settles it, callers that know
 * their items pass the list. */
static int add_fwcfg_items(struct measure_events *l, const struct rtmr0_params *p,
                           struct tdxh_err *e)
{
        static const uint8_t boot_menu_off[2] = { 0, 0 };
        static const struct rtmr0_named_value dflt = { FWCFG_BOOT_MENU, boot_menu_off, 2 };
        const struct rtmr0_named_value *v = p->fwcfg_items ? p->fwcfg_items : &dflt;
        size_t n = p->fwcfg_items ? p->n_fwcfg_items : 1;

        for (size_t i = 0; i < n; i++) {
                int r = add_fwcfg_item(l, &v[i], e);

                if (r < 0)
                        return r;
        }
        return 0;
}

static int add_variable(struct measure_events *l, uint32_t type, const char *what,
                        const uint8_t vendor[GUID_LEN], const char *name, const void *value,
                        size_t value_len)
{
        _cleanup_buf_ struct buf var = BUF_INIT;
        uint8_t d[SHA384_LEN];
        int r;

        r = uefi_variable_data(&var, vendor, name, value, value_len);
        if (r < 0)
                return r;
        /* DRIVER_CONFIG events hash the whole UEFI_VARIABLE_DATA, BOOT events
         * only the variable's value. */
        if (type == EV_EFI_VARIABLE_DRIVER_CONFIG)
                r = digest_buf(DIGEST_SHA384, var.data, var.len, d);
        else
                r = digest_buf(DIGEST_SHA384, value, value_len, d);
        if (r < 0)
                return r;
        return measure_events_add(l, RTMR0, type, d, what, name, var.data, var.len);
}

static int add_secure_boot_policy(struct measure_events *l, bool secureboot_off_form)
{
        static const uint8_t sb_off = 0;
        static const struct {
                const char *name;
                const uint8_t *vendor;
        } vars[] = {
                { "SecureBoot", efi_global_variable_guid },
                { "PK", efi_global_variable_guid },
                { "KEK", efi_global_variable_guid },
                { "db", efi_image_security_database_guid },
                { "dbx", efi_image_security_database_guid },
        };

        for (size_t i = 0; i < ELEMENTSOF(vars); i++) {
                /* Absent variables are measured with no data. */
                bool sb = i == 0 && secureboot_off_form;
                int r = add_variable(l, EV_EFI_VARIABLE_DRIVER_CONFIG, "secureboot-var",
                                     vars[i].vendor, vars[i].name, sb ? &sb_off : NULL,
                                     sb ? 1 : 0);

                if (r < 0)
                        return r;
        }
        return 0;
}

static int add_separator(struct measure_events *l, const char *detail)
{
        static const uint8_t zero[4] = { 0 };
        uint8_t d[SHA384_LEN];
        int r = digest_buf(DIGEST_SHA384, zero, sizeof(zero), d);

        if (r < 0)
                return r;
        return measure_events_add(l, RTMR0, EV_SEPARATOR, d, "separator", detail, zero,
                                  sizeof(zero));
}

static int add_acpi(struct measure_events *l, const uint8_t (*digests)[SHA384_LEN])
{
        static const char *const whats[] = { "acpi-loader", "acpi-rsdp", "acpi-tables" };

        for (int i = 0; i < ACPI_BLOB_COUNT; i++) {
                char detail[200];
                int r;

                if (digests)
                        snprintf(detail, sizeof(detail), "fw_cfg %s", acpi_blob_fw_cfg_name(i));
                else
                        snprintf(detail, sizeof(detail),
                                 "fw_cfg %s: blob not given (dump it from QEMU, or take the "
                                 "digest from a reference event log)",
                                 acpi_blob_fw_cfg_name(i));
                r = measure_events_add(l, RTMR0, EV_PLATFORM_CONFIG_FLAGS,
                                       digests ? digests[i] : NULL, whats[i], detail,
                                       ACPI_EVENT_DATA, strlen(ACPI_EVENT_DATA));
                if (r < 0)
                        return r;
        }
        return 0;
}

static int add_smbios(struct measure_events *l)
{
        return measure_events_add(l, RTMR0, EV_EFI_HANDOFF_TABLES, NULL, "smbios",
                                  "SMBIOS structure table after FilterSmbiosTable: not predicted "
                                  "(take it from a reference event log)",
                                  NULL, 0);
}

/* With direct kernel boot and an empty variable store, BDS has created only
 * the hidden boot-manager menu option when ReadyToBoot fires (§3.4). */
static int add_boot_variables(struct measure_events *l, const struct rtmr0_params *p)
{
        static const uint8_t boot_order[2] = { 0x00, 0x00 }; /* {0x0000} */
        _cleanup_buf_ struct buf opt = BUF_INIT;
        int r;

        for (size_t i = 0; p->boot_vars && i < p->n_boot_vars; i++) {
                r = add_variable(l, EV_EFI_VARIABLE_BOOT, "boot-var", efi_global_variable_guid,
                                 p->boot_vars[i].name, p->boot_vars[i].data, p->boot_vars[i].len);
                if (r < 0)
                        return r;
        }
        if (p->boot_vars)
                return 0;
        r = add_variable(l, EV_EFI_VARIABLE_BOOT, "boot-var", efi_global_variable_guid,
                         "BootOrder", boot_order, sizeof(boot_order));
        if (r >= 0)
                r = uefi_boot_manager_menu_option(&opt);
        if (r >= 0)
                r = add_variable(l, EV_EFI_VARIABLE_BOOT, "boot-var", efi_global_variable_guid,
                                 "Boot0000", opt.data, opt.len);
        return r;
}

int rtmr0_events(const struct rtmr0_params *p, struct measure_events *ret, struct tdxh_err *e)
{
        _cleanup_measure_events_ struct measure_events l = MEASURE_EVENTS_INIT;
        int r = 0;

        if (!p->tpm_mode) {
                if (!p->md || !p->fw)
                        return err_setf(e, -EINVAL, "RTMR0: the firmware image and its TDVF "
                                        "metadata are needed for the TD HOB and CFV events");
                r = add_td_hob(&l, p, e);
                if (r >= 0)
                        r = add_cfv(&l, p, e);
                if (r >= 0 && p->fwcfg_cache_events)
                        r = add_fwcfg_items(&l, p, e);
        }
        if (r >= 0)
                r = add_secure_boot_policy(&l, p->secureboot_off_form);
        if (r >= 0)
                r = add_separator(&l, "PCR 7: end of the secure-boot policy");
        if (r >= 0 && p->acpi_events)
                r = add_acpi(&l, p->acpi_digests);
        if (r >= 0 && p->smbios_event)
                r = add_smbios(&l);
        if (r >= 0 && !p->boot_vars_in_rtmr1)
                r = add_boot_variables(&l, p);
        if (r >= 0 && p->separator_in_rtmr0)
                r = add_separator(&l, "ReadyToBoot");
        if (r >= 0)
                r = measure_events_move(ret, &l);
        if (r < 0)
                return err_setf(e, r, "RTMR0: cannot build the event list");
        return 0;
}
