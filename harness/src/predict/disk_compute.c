/* Disk boot path prediction; see disk_compute.h. The order within each
 * register is that of a real boot of out/disk.img on the fake platform
 * (docs/disk-images.md): in RTMR1 the ReadyToBoot action and separators,
 * the GPT event and shim's Authenticode (both measured by the firmware when
 * it loads the removable-media loader, edk2 DxeTpm2MeasureBootLib), GRUB's
 * Authenticode (shim loads it through LoadImage), then ExitBootServices.
 * GRUB's linuxefi enters the kernel through the EFI handover protocol, so
 * no kernel image, LoadOptions or initrd event of the firmware or the EFI
 * stub follows. */
#include "predict/disk_compute.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/event_type.h"
#include "measure/disk_image.h"
#include "measure/fat.h"
#include "measure/gpt_event.h"
#include "measure/grub_events.h"
#include "measure/kernel_events.h"
#include "measure/pe.h"
#include "measure/shim_events.h"
#include "measure/uki_events.h"
#include "measure/uefi_var.h"

#define ESP_LOADER "\\EFI\\BOOT\\BOOTX64.EFI"
#define ESP_GRUB "\\EFI\\BOOT\\grubx64.efi" /* shim's DEFAULT_LOADER, beside shim */
#define LOADER_MAX (64u << 20)

int disk_boot_vars_init(struct disk_boot_vars *v)
{
        /* Measured in BootOrder's order, the disk's option first. */
        static const char *const names[4] = { "BootOrder", "Boot0001", "Boot0000", "Boot0002" };
        int r;

        *v = (struct disk_boot_vars){ .order = { 1, 0, 0, 0, 2, 0 } };
        r = uefi_removable_media_option(&v->opt[0], DISK_IMAGE_PCI_SLOT, 0);
        if (r >= 0)
                r = uefi_boot_manager_menu_option(&v->opt[1]);
        if (r >= 0)
                r = uefi_shell_option(&v->opt[2]);
        if (r < 0) {
                disk_boot_vars_free(v);
                return r;
        }
        v->v[0] = (struct rtmr0_named_value){ names[0], v->order, sizeof(v->order) };
        for (int i = 0; i < 3; i++)
                v->v[i + 1] = (struct rtmr0_named_value){ names[i + 1],
                                                          (const uint8_t *)v->opt[i].data,
                                                          v->opt[i].len };
        return 0;
}

void disk_boot_vars_free(struct disk_boot_vars *v)
{
        for (int i = 0; i < 3; i++)
                buf_free(&v->opt[i]);
}

static int add_app(struct measure_events *ev, const char *what, const char *name,
                   const uint8_t *img, size_t len, struct tdxh_err *e)
{
        struct pe_view view = { .data = img, .size = len };
        uint8_t d[SHA384_LEN];
        int r = pe_authenticode(&view, DIGEST_SHA384, d, e);

        if (r < 0) {
                err_prefix(e, "%s: ", name);
                return r;
        }
        /* The UEFI_IMAGE_LOAD_EVENT holds load addresses: no data predicted. */
        return measure_events_add(ev, 1, EV_EFI_BOOT_SERVICES_APPLICATION, d, what, name, NULL, 0);
}

/* Returns the ESP's partition number. */
static int add_gpt(const char *disk, struct measure_events *ev, uint64_t *esp_off,
                   uint64_t *esp_len, struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *data = NULL;
        uint8_t d[SHA384_LEN];
        char detail[64];
        uint64_t used;
        size_t len;
        int r, part;

        r = gpt_event_data(disk, &data, &len, &used, e);
        if (r < 0)
                return r;
        part = gpt_event_find_esp(disk, data, len, esp_off, esp_len, e);
        if (part < 0)
                return part;
        r = digest_buf(DIGEST_SHA384, data, len, d);
        if (r < 0)
                return r;
        snprintf(detail, sizeof(detail), "%llu partitions", (unsigned long long)used);
        r = measure_events_add(ev, 1, EV_EFI_GPT_EVENT, d, "gpt", detail, data, len);
        return r < 0 ? r : part;
}

/* shim -> GRUB -> kernel. shim's events go to RTMR0 (SbatLevel) and RTMR2
 * (MOK), in that order per register, before GRUB's. */
static int shim_grub_path(const struct fat_fs *esp, int part, const uint8_t *shim, size_t shim_len,
                          struct measure_events *ev, struct measure_events *rtmr2,
                          struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *grub = NULL;
        size_t grub_len;
        char root[32];
        int r = add_app(ev, "shim", ESP_LOADER, shim, shim_len, e);

        if (r >= 0)
                r = shim_events(shim, shim_len, ESP_LOADER, rtmr2, e);
        if (r >= 0)
                r = fat_read_file(esp, ESP_GRUB, LOADER_MAX, &grub, &grub_len, e);
        if (r >= 0)
                r = add_app(ev, "grub", ESP_GRUB, grub, grub_len, e);
        if (r >= 0)
                r = rtmr1_exit_boot_services_events(ev);
        /* GRUB names the one disk hd0 and the ESP by its GPT number. */
        snprintf(root, sizeof(root), "(hd0,gpt%d)", part);
        return r < 0 ? r : grub_events(esp, root, grub, grub_len, ESP_GRUB, rtmr2, e);
}

/* A UKI started by the firmware: systemd-stub, then the kernel in it. */
static int uki_path(const uint8_t *uki, size_t len, struct measure_events *ev,
                    struct measure_events *rtmr2, struct tdxh_err *e)
{
        int r = add_app(ev, "uki", ESP_LOADER, uki, len, e);

        if (r >= 0)
                r = uki_events(uki, len, ESP_LOADER, ev, rtmr2, e);
        return r < 0 ? r : rtmr1_exit_boot_services_events(ev);
}

int disk_compute_events(const char *disk, const struct profile *prof, struct measure_events *ev,
                        struct tdxh_err *e)
{
        _cleanup_fat_fs_ struct fat_fs esp = FAT_FS_INIT;
        _cleanup_free_ uint8_t *loader = NULL;
        struct rtmr1_flags f1 = { .separators = RTMR1_SEPARATORS_PCR2_6 };
        struct measure_events rtmr2 = MEASURE_EVENTS_INIT;
        uint64_t esp_off = 0, esp_len = 0;
        size_t loader_len;
        int r, part = 1, is_shim = 0, is_uki = 0;

        if (prof->platform != PLATFORM_FAKE)
                return err_setf(e, -EINVAL, "--disk: only the fake platform's disk boot is "
                                "predicted (profile %s)", prof->name);
        r = rtmr1_ready_to_boot_events(&f1, ev);
        if (r >= 0)
                r = part = add_gpt(disk, ev, &esp_off, &esp_len, e);
        if (r >= 0)
                r = fat_open(disk, esp_off, esp_len, &esp, e);
        if (r >= 0)
                r = fat_read_file(&esp, ESP_LOADER, LOADER_MAX, &loader, &loader_len, e);
        if (r >= 0)
                r = is_shim = shim_is_shim(loader, loader_len, ESP_LOADER, e);
        if (r >= 0 && !is_shim)
                r = is_uki = uki_is_uki(loader, loader_len, ESP_LOADER, e);
        if (r >= 0 && !is_shim && !is_uki)
                r = err_setf(e, -EINVAL, "%s is neither shim (.vendor_cert) nor a unified "
                             "kernel image (.linux): only those boot paths are predicted",
                             ESP_LOADER);
        if (r >= 0)
                r = is_shim ? shim_grub_path(&esp, part, loader, loader_len, ev, &rtmr2, e)
                            : uki_path(loader, loader_len, ev, &rtmr2, e);
        /* Each register's events in extend order: RTMR2 after RTMR1's. */
        if (r >= 0)
                r = measure_events_move(ev, &rtmr2);
        measure_events_free(&rtmr2);
        if (r < 0 && e && strncmp(e->msg, disk, strlen(disk)) != 0)
                err_prefix(e, "%s: ", disk);
        return r < 0 ? r : 0;
}
