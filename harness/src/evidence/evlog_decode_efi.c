/* Decoders for the UEFI-defined event data structures: UEFI_VARIABLE_DATA
 * (with BootOrder and EFI_LOAD_OPTION shown readably), UEFI_IMAGE_LOAD_EVENT,
 * UEFI_GPT_DATA, the platform firmware blob and handoff table pointer
 * structures (TCG PC Client PFP, [E] UefiTcgPlatform.h). Each returns the
 * `what` label through *what and writes the detail text into d; malformed
 * data leaves d for the caller's hex fallback. */
#include "evidence/evlog_decode_efi.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "core/event_type.h"
#include "core/guid.h"
#include "core/le.h"
#include "evidence/uefi_text.h"

struct uefi_var {
        const uint8_t *guid;
        const uint8_t *name;
        size_t name_len; /* bytes */
        const uint8_t *data;
        size_t data_len;
};

static bool var_parse(const uint8_t *p, size_t n, struct uefi_var *v)
{
        uint64_t chars, dlen;

        if (n < 32)
                return false;
        chars = le64_get(p + 16);
        dlen = le64_get(p + 24);
        if (chars > (n - 32) / 2 || dlen > n - 32 - 2 * chars)
                return false;
        *v = (struct uefi_var){ .guid = p,
                                .name = p + 32,
                                .name_len = (size_t)chars * 2,
                                .data = p + 32 + chars * 2,
                                .data_len = (size_t)dlen };
        return true;
}

static bool is_boot_option_name(const char *name)
{
        if (strncmp(name, "Boot", 4) != 0 || strlen(name) != 8)
                return false;
        for (size_t i = 4; i < 8; i++)
                if (!isxdigit((unsigned char)name[i]))
                        return false;
        return true;
}

/* EFI_LOAD_OPTION: u32 attributes, u16 FilePathListLength, CHAR16
 * Description[] (NUL-terminated), device paths, optional data. */
static int put_load_option(struct buf *d, const uint8_t *p, size_t n)
{
        size_t fpl, desc_end = 0;
        int r;

        if (n < 8)
                return 1;
        fpl = (size_t)(p[4] | p[5] << 8);
        for (size_t i = 6; i + 2 <= n; i += 2)
                if (p[i] == 0 && p[i + 1] == 0) {
                        desc_end = i;
                        break;
                }
        if (desc_end == 0 && !(n >= 8 && p[6] == 0 && p[7] == 0))
                return 1;
        if (fpl > n - desc_end - 2)
                return 1;
        r = buf_puts(d, ": ");
        if (r >= 0)
                r = uefi_utf16_append(d, p + 6, desc_end - 6, true);
        if (r >= 0)
                r = buf_putc(d, ' ');
        if (r >= 0)
                r = uefi_devpath_append(d, p + desc_end + 2, fpl);
        return r < 0 ? r : 0;
}

static int put_var_value(struct buf *d, const char *name, const struct uefi_var *v)
{
        size_t tlen;
        int r;

        if (v->data_len == 0)
                return buf_puts(d, " (empty)");
        if (strcmp(name, "BootOrder") == 0 && v->data_len % 2 == 0 && v->data_len <= 64) {
                r = buf_puts(d, ":");
                for (size_t i = 0; r >= 0 && i < v->data_len; i += 2)
                        r = buf_printf(d, " %04X", v->data[i] | v->data[i + 1] << 8);
                return r;
        }
        if (is_boot_option_name(name)) {
                r = put_load_option(d, v->data, v->data_len);
                if (r <= 0)
                        return r;
        }
        if (v->data_len <= 256 && text_is_printable(v->data, v->data_len, &tlen))
                return buf_printf(d, ": %.*s", (int)tlen, (const char *)v->data);
        if (v->data_len <= 16) {
                r = buf_puts(d, " = ");
                return r < 0 ? r : hex_append_short(d, v->data, v->data_len, 16);
        }
        return buf_printf(d, " (%zu bytes)", v->data_len);
}

int evlog_decode_variable(const struct evlog_event *ev, struct buf *d, const char **what)
{
        _cleanup_buf_ struct buf name = BUF_INIT;
        struct uefi_var v;
        int r;

        switch (ev->type) {
        case EV_EFI_VARIABLE_DRIVER_CONFIG:
                *what = "secureboot-var";
                break;
        case EV_EFI_VARIABLE_AUTHORITY:
                *what = "authority";
                break;
        default:
                *what = "boot-var";
                break;
        }
        if (!var_parse(ev->data, ev->data_len, &v))
                return 0;
        r = uefi_utf16_append(&name, v.name, v.name_len, true);
        if (r >= 0)
                r = buf_append(d, name.data, name.len);
        return r < 0 ? r : put_var_value(d, name.data, &v);
}

static bool contains_ci(const char *hay, const char *needle)
{
        size_t n = strlen(needle);

        for (; *hay; hay++)
                if (strncasecmp(hay, needle, n) == 0)
                        return true;
        return false;
}

int evlog_decode_image(const struct evlog_event *ev, struct buf *d, const char **what)
{
        const uint8_t *p = ev->data;
        uint64_t dplen;
        int r;

        *what = ev->type == EV_EFI_BOOT_SERVICES_APPLICATION ? "efi-app" : "driver";
        if (ev->data_len < 32)
                return 0;
        dplen = le64_get(p + 24);
        if (dplen > ev->data_len - 32)
                return 0;
        r = uefi_devpath_append(d, p + 32, (size_t)dplen);
        if (r < 0)
                return r;
        if (ev->type != EV_EFI_BOOT_SERVICES_APPLICATION) {
                /* A driver loaded from a PCI device's expansion ROM (the
                 * firmware names it by its offset in the ROM). */
                if (strstr(d->data, "Pci(") && strstr(d->data, "Offset("))
                        *what = "option-rom";
                return 0;
        }
        /* OVMF's direct boot loads VenMedia(QEMU kernel loader)/File(kernel) */
        if (contains_ci(d->data, "File(kernel)") || contains_ci(d->data, "vmlinuz") ||
            contains_ci(d->data, "bzImage"))
                *what = "kernel";
        else if (contains_ci(d->data, "shim"))
                *what = "shim";
        else if (contains_ci(d->data, "grub"))
                *what = "grub";
        return 0;
}

int evlog_decode_gpt(const struct evlog_event *ev, struct buf *d, const char **what)
{
        const uint8_t *p = ev->data;
        char guid[GUID_TEXT_LEN + 1];
        uint64_t count;
        size_t esize;
        int r;

        *what = "gpt";
        if (ev->data_len < 100 || memcmp(p, "EFI PART", 8) != 0)
                return 0;
        esize = le32_get(p + 84);
        count = le64_get(p + 92);
        if (esize < 128 || esize > 4096 || count > (ev->data_len - 100) / esize)
                return 0;
        guid_format(p + 56, false, guid);
        r = buf_printf(d, "disk %s, %" PRIu64 " partitions", guid, count);
        for (uint64_t i = 0; r >= 0 && i < count; i++) {
                const uint8_t *ent = p + 100 + i * esize;

                r = buf_puts(d, i ? ", " : ": ");
                if (r >= 0)
                        r = uefi_utf16_append(d, ent + 56, 72, true);
        }
        return r < 0 ? r : 0;
}

int evlog_decode_blob(const struct evlog_event *ev, struct buf *d, const char **what)
{
        const uint8_t *p = ev->data;
        size_t desc = 0, off = 0, tlen;
        int r;

        if (ev->type == EV_EFI_PLATFORM_FIRMWARE_BLOB2) {
                /* In a TD the only blob in RTMR0 is the CFV (§3.1 #2). */
                *what = ev->rtmr == 0 ? "cfv" : "firmware-blob";
                if (ev->data_len < 1)
                        return 0;
                desc = p[0];
                off = 1 + desc;
        } else {
                *what = "firmware-blob";
        }
        if (ev->data_len < off + 16)
                return 0;
        if (desc > 0) {
                if (text_is_printable(p + 1, desc, &tlen))
                        r = buf_printf(d, "%.*s ", (int)tlen, (const char *)p + 1);
                else
                        r = hex_append_short(d, p + 1, desc, 32) < 0 ? -ENOMEM
                                                                     : buf_putc(d, ' ');
                if (r < 0)
                        return r;
        }
        return buf_printf(d, "base 0x%" PRIx64 " length 0x%" PRIx64, le64_get(p + off),
                          le64_get(p + off + 8));
}

static const struct {
        const char *guid;
        const char *name;
} known_tables[] = {
        { "eb9d2d31-2d88-11d3-9a16-0090273fc14d", "SMBIOS" },
        { "f2fd1544-9794-4a2c-992e-e5bbcf20e394", "SMBIOS3" },
        { "8868e871-e4f1-11d3-bc22-0080c73c8881", "ACPI" },
        { "eb9d2d30-2d88-11d3-9a16-0090273fc14d", "ACPI1" },
        { "93bb96af-b9f2-4eb8-9462-e0ba74564236", "TdHob" },
};

int evlog_decode_handoff(const struct evlog_event *ev, struct buf *d, const char **what)
{
        const uint8_t *p = ev->data;
        size_t off = 0, tlen;
        uint64_t count;
        bool smbios = false;
        int r = 0;

        *what = "handoff-tables";
        if (ev->type == EV_EFI_HANDOFF_TABLES2) {
                if (ev->data_len < 1 || ev->data_len < 1 + (size_t)p[0])
                        return 0;
                off = 1 + (size_t)p[0];
                if (text_is_printable(p + 1, p[0], &tlen)) {
                        if (tlen == 8 && memcmp(p + 1, "TdxTable", 8) == 0)
                                *what = "td-hob";
                        else if (tlen >= 6 && strncasecmp((const char *)p + 1, "SMBIOS", 6) == 0)
                                smbios = true;
                        r = buf_printf(d, "%.*s", (int)tlen, (const char *)p + 1);
                }
        }
        if (r < 0 || ev->data_len < off + 8)
                return r < 0 ? r : 0;
        count = le64_get(p + off);
        if (count > (ev->data_len - off - 8) / 24)
                return 0;
        for (uint64_t i = 0; r >= 0 && i < count; i++) {
                const uint8_t *ent = p + off + 8 + i * 24;
                char guid[GUID_TEXT_LEN + 1];
                const char *name = guid;

                guid_format(ent, false, guid);
                for (size_t k = 0; k < sizeof(known_tables) / sizeof(known_tables[0]); k++)
                        if (strcmp(guid, known_tables[k].guid) == 0) {
                                name = known_tables[k].name;
                                if (strncmp(name, "SMBIOS", 6) == 0)
                                        smbios = true;
                        }
                r = buf_printf(d, "%s%s at 0x%" PRIx64, d->len ? (i ? ", " : ": ") : "", name,
                               le64_get(ent + 16));
        }
        if (smbios && strcmp(*what, "td-hob") != 0)
                *what = "smbios";
        return r < 0 ? r : 0;
}
