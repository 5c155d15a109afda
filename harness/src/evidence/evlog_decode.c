/* The event decoder: picks the `what` label and the detail text of each
 * event from its type and data (TDX-REFERENCE §3.1, §4.1, §12), dispatching
 * the UEFI structures to evlog_decode_efi.c. Text fields of the log are used
 * only when they are printable; anything else is shown as hex. */
#include "evidence/evlog_decode.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/event_type.h"
#include "core/le.h"
#include "evidence/evlog_decode_efi.h"
#include "evidence/evlog_internal.h"
#include "evidence/uefi_text.h"

#define DETAIL_HEX_MAX 64
#define TAG_LOAD_OPTIONS 0x8F3B22EDu
#define TAG_LINUX_INITRD 0x8F3B22ECu

/* Printable text as is, else hex. */
static int put_text_or_hex(struct buf *d, const uint8_t *p, size_t n)
{
        size_t tlen;

        if (n == 0)
                return 0;
        if (text_is_printable(p, n, &tlen))
                return buf_append(d, p, tlen);
        return hex_append_short(d, p, n, DETAIL_HEX_MAX);
}

/* Printable text when it starts with prefix: the rest goes to d. */
static bool put_after_prefix(struct buf *d, const uint8_t *p, size_t n, const char *prefix,
                             int *r)
{
        size_t plen = strlen(prefix), tlen;

        if (n < plen || memcmp(p, prefix, plen) != 0 || !text_is_printable(p, n, &tlen))
                return false;
        *r = buf_append(d, p + plen, tlen - plen);
        return true;
}

static const char *decode_no_action(const struct evlog_event *ev, struct buf *d, int *r)
{
        const uint8_t *p = ev->data;
        size_t tlen;

        if (ev->data_len >= 17 && memcmp(p, "StartupLocality", 16) == 0)
                *r = buf_printf(d, "StartupLocality %u", p[16]);
        else if (ev->data_len >= 16 && text_is_printable(p, 16, &tlen))
                *r = buf_append(d, p, tlen);
        else
                *r = put_text_or_hex(d, p, ev->data_len);
        return "no-action";
}

static const char *decode_config_flags(const struct evlog_event *ev, struct buf *d,
                                       struct evlog_decode_state *st, int *r)
{
        static const char *const acpi[] = { "acpi-loader", "acpi-rsdp", "acpi-tables" };
        static const char fwcfg[] = "QEMU FW CFG"; /* + NUL + 56-byte item name */
        const uint8_t *p = ev->data;
        size_t n = ev->data_len, tlen;

        if (n >= 9 && memcmp(p, "ACPI DATA", 9) == 0 && text_is_printable(p, n, &tlen) &&
            tlen == 9) {
                unsigned i = st->acpi_data_seen++;

                *r = buf_puts(d, "ACPI DATA");
                /* QEMU prepends its ALLOCATE commands: loader, then RSDP, then tables */
                return i < 3 ? acpi[i] : "acpi-data";
        }
        if (n >= sizeof(fwcfg) && memcmp(p, fwcfg, sizeof(fwcfg)) == 0) {
                *r = put_text_or_hex(d, p + sizeof(fwcfg), n - sizeof(fwcfg));
                return "fwcfg";
        }
        *r = put_text_or_hex(d, p, n);
        return "config-flags";
}

static const char *decode_tagged(const struct evlog_event *ev, struct buf *d, int *r)
{
        const uint8_t *p = ev->data;
        uint32_t id, size;
        size_t tlen;

        if (ev->data_len < 8) {
                *r = put_text_or_hex(d, p, ev->data_len);
                return "tagged-event";
        }
        id = le32_get(p);
        size = le32_get(p + 4);
        if (size > ev->data_len - 8)
                size = (uint32_t)(ev->data_len - 8);
        /* The EFI stub logs the tag's ASCII name; a producer that logs the
         * LoadOptions themselves logs them as UTF-16. */
        if (!text_is_printable(p + 8, size, &tlen) && uefi_utf16_is_text(p + 8, size))
                *r = uefi_utf16_append(d, p + 8, size, true);
        else
                *r = put_text_or_hex(d, p + 8, size);
        if (id == TAG_LOAD_OPTIONS)
                return "cmdline";
        if (id == TAG_LINUX_INITRD)
                return "initrd";
        return "tagged-event";
}

/* systemd-stub logs two PCR 11 events per section of a unified kernel image,
 * both described by the section's name: first the name itself (with its
 * NUL), then the contents. The digest tells which is which. */
static const char *uki_section_what(const struct evlog_event *ev, const char *name)
{
        uint8_t d[SHA384_LEN];

        if (ev->pcr != 11 || name[0] != '.')
                return "ipl";
        if (ev->has_sha384 && digest_buf(DIGEST_SHA384, name, strlen(name) + 1, d) >= 0 &&
            memcmp(d, ev->sha384, SHA384_LEN) == 0)
                return "uki-section";
        if (strcmp(name, ".linux") == 0)
                return "kernel";
        if (strcmp(name, ".initrd") == 0)
                return "initrd";
        return "uki-section";
}

static const char *decode_ipl(const struct evlog_event *ev, struct buf *d, int *r)
{
        const uint8_t *p = ev->data;
        size_t n = ev->data_len, tlen;

        if (put_after_prefix(d, p, n, "grub_cmd: ", r))
                return "grub-cmd";
        if (put_after_prefix(d, p, n, "kernel_cmdline: ", r))
                return "cmdline";
        if (text_is_printable(p, n, &tlen)) {
                *r = buf_append(d, p, tlen);
                if (p[0] != '/' && p[0] != '(')
                        return "ipl";
                /* a file grub read and measured */
                if (*r >= 0 && (strstr(d->data, "vmlinuz") || strstr(d->data, "bzImage")))
                        return "kernel";
                if (*r >= 0 && (strstr(d->data, "initrd") || strstr(d->data, "initramfs")))
                        return "initrd";
                return "file";
        }
        if (uefi_utf16_is_text(p, n)) {
                size_t start = d->len;

                *r = uefi_utf16_append(d, p, n, true);
                return *r < 0 ? "ipl" : uki_section_what(ev, d->data + start);
        }
        *r = hex_append_short(d, p, n, DETAIL_HEX_MAX);
        return "ipl";
}

static const char *decode_dstack(const struct evlog_event *ev, struct buf *d, int *r)
{
        size_t tlen;

        *r = buf_puts(d, ev->name ? ev->name : "");
        if (*r >= 0 && ev->data_len > 0) {
                *r = buf_puts(d, ": ");
                if (*r >= 0 && text_is_printable(ev->data, ev->data_len, &tlen))
                        *r = buf_append(d, ev->data, tlen);
                else if (*r >= 0)
                        *r = hex_append_short(d, ev->data, ev->data_len, DETAIL_HEX_MAX);
        }
        return "rtmr3";
}

/* Labels that depend on the type alone; the detail is the data as text or hex. */
static const char *simple_label(uint32_t type)
{
        switch (type) {
        case EV_PREBOOT_CERT:
                return "preboot-cert";
        case EV_POST_CODE:
                return "post-code";
        case EV_ACTION:
        case EV_EFI_ACTION:
                return "action";
        case EV_S_CRTM_CONTENTS:
                return "crtm-contents";
        case EV_CPU_MICROCODE:
                return "microcode";
        case EV_TABLE_OF_DEVICES:
                return "devices";
        case EV_COMPACT_HASH:
                return "compact-hash";
        case EV_IPL_PARTITION_DATA:
                return "partition";
        case EV_NONHOST_CODE:
        case EV_NONHOST_CONFIG:
        case EV_NONHOST_INFO:
                return "nonhost";
        case EV_OMIT_BOOT_DEVICE_EVENTS:
                return "omit-boot-device";
        case EV_EFI_HCRTM_EVENT:
                return "hcrtm";
        case EV_EFI_SPDM_FIRMWARE_BLOB:
        case EV_EFI_SPDM_FIRMWARE_CONFIG:
        case EV_EFI_SPDM_DEVICE_POLICY:
        case EV_EFI_SPDM_DEVICE_AUTHORITY:
                return "spdm";
        default:
                return NULL;
        }
}

static int decode_into(struct evlog_event *ev, struct evlog_decode_state *st, struct buf *d,
                       const char **what)
{
        int r = 0;

        switch (ev->type) {
        case EV_NO_ACTION:
                *what = decode_no_action(ev, d, &r);
                return r;
        case EV_SEPARATOR:
                *what = "separator";
                return hex_append_short(d, ev->data, ev->data_len, DETAIL_HEX_MAX);
        case EV_S_CRTM_VERSION:
                *what = "crtm-version";
                if (uefi_utf16_is_text(ev->data, ev->data_len))
                        return uefi_utf16_append(d, ev->data, ev->data_len, true);
                return hex_append_short(d, ev->data, ev->data_len, DETAIL_HEX_MAX);
        case EV_PLATFORM_CONFIG_FLAGS:
                *what = decode_config_flags(ev, d, st, &r);
                return r;
        case EV_EVENT_TAG:
                *what = decode_tagged(ev, d, &r);
                return r;
        case EV_IPL:
                *what = decode_ipl(ev, d, &r);
                return r;
        case EV_EFI_VARIABLE_DRIVER_CONFIG:
        case EV_EFI_VARIABLE_BOOT:
        case EV_EFI_VARIABLE_BOOT2:
        case EV_EFI_VARIABLE_AUTHORITY:
                return evlog_decode_variable(ev, d, what);
        case EV_EFI_BOOT_SERVICES_APPLICATION:
        case EV_EFI_BOOT_SERVICES_DRIVER:
        case EV_EFI_RUNTIME_SERVICES_DRIVER:
                return evlog_decode_image(ev, d, what);
        case EV_EFI_GPT_EVENT:
                return evlog_decode_gpt(ev, d, what);
        case EV_EFI_PLATFORM_FIRMWARE_BLOB:
        case EV_EFI_PLATFORM_FIRMWARE_BLOB2:
                return evlog_decode_blob(ev, d, what);
        case EV_EFI_HANDOFF_TABLES:
        case EV_EFI_HANDOFF_TABLES2:
                return evlog_decode_handoff(ev, d, what);
        case EV_DSTACK_RUNTIME:
                *what = decode_dstack(ev, d, &r);
                return r;
        default:
                *what = simple_label(ev->type);
                if (!*what)
                        *what = "unknown";
                return put_text_or_hex(d, ev->data, ev->data_len);
        }
}

int evlog_decode_event(struct evlog_event *ev, struct evlog_decode_state *st)
{
        _cleanup_buf_ struct buf d = BUF_INIT;
        const char *what = NULL;
        char *w;
        int r;

        r = decode_into(ev, st, &d, &what);
        if (r < 0)
                return r;
        /* A structure that did not parse is still shown. */
        if (d.len == 0 && ev->data_len > 0 && ev->type != EV_DSTACK_RUNTIME) {
                r = hex_append_short(&d, ev->data, ev->data_len, DETAIL_HEX_MAX);
                if (r < 0)
                        return r;
        }
        /* Exactly as long as the text: a log of 10,000 events keeps as
         * many of these. */
        w = d.len ? strndup(d.data, d.len) : NULL;
        if (d.len && !w)
                return -ENOMEM;
        free(ev->detail);
        ev->what = what ? what : "unknown";
        ev->detail = w;
        return 0;
}

int evlog_decode_all(struct evlog *l)
{
        struct evlog_decode_state st = EVLOG_DECODE_STATE_INIT;

        for (size_t i = 0; i < l->n_events; i++) {
                int r = evlog_decode_event(&l->events[i], &st);

                if (r < 0)
                        return r;
        }
        return 0;
}
