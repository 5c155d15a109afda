/* UEFI device paths as text, for the image-load and boot-option events of a
 * log. Covers the nodes OVMF, shim and grub produce (PCI, ACPI roots, memory
 * ranges, firmware volumes, vendor nodes, hard-drive partitions, files,
 * offsets, common messaging nodes); every other node is written in the
 * generic Path(type,subtype,hex) form of the UEFI text conventions. */
#include "evidence/uefi_text.h"

#include <errno.h>
#include <inttypes.h>

#include "core/guid.h"
#include "core/le.h"

#define DP_HW 0x01
#define DP_ACPI 0x02
#define DP_MSG 0x03
#define DP_MEDIA 0x04
#define DP_END 0x7f

#define EISA_PNP_ID(x) (((uint32_t)(x) << 16) | 0x41d0u)

static int put_guid(struct buf *out, const uint8_t *g)
{
        char text[GUID_TEXT_LEN + 1];

        guid_format(g, true, text);
        return buf_puts(out, text);
}

/* Name(GUID) or Name(GUID,hex) for vendor-defined nodes. */
static int put_vendor(struct buf *out, const char *name, const uint8_t *body, size_t n)
{
        int r;

        r = buf_printf(out, "%s(", name);
        if (r >= 0)
                r = put_guid(out, body);
        if (r >= 0 && n > 16) {
                r = buf_putc(out, ',');
                if (r >= 0)
                        r = hex_append_short(out, body + 16, n - 16, 64);
        }
        if (r >= 0)
                r = buf_putc(out, ')');
        return r;
}

static int put_generic(struct buf *out, uint8_t type, uint8_t sub, const uint8_t *body, size_t n)
{
        int r;

        r = buf_printf(out, "Path(%u,%u,", type, sub);
        if (r >= 0)
                r = hex_append_short(out, body, n, 64);
        if (r >= 0)
                r = buf_putc(out, ')');
        return r;
}

static int put_hw(struct buf *out, uint8_t sub, const uint8_t *b, size_t n)
{
        switch (sub) {
        case 0x01:
                if (n >= 2)
                        return buf_printf(out, "Pci(0x%x,0x%x)", b[1], b[0]);
                break;
        case 0x03:
                if (n >= 20)
                        return buf_printf(out, "MemoryMapped(0x%" PRIx32 ",0x%" PRIx64
                                               ",0x%" PRIx64 ")",
                                          le32_get(b), le64_get(b + 4), le64_get(b + 12));
                break;
        case 0x04:
                if (n >= 16)
                        return put_vendor(out, "VenHw", b, n);
                break;
        case 0x05:
                if (n >= 4)
                        return buf_printf(out, "Ctrl(0x%" PRIx32 ")", le32_get(b));
                break;
        }
        return put_generic(out, DP_HW, sub, b, n);
}

static int put_acpi(struct buf *out, uint8_t sub, const uint8_t *b, size_t n)
{
        if (sub == 0x01 && n >= 8) {
                uint32_t hid = le32_get(b), uid = le32_get(b + 4);

                if (hid == EISA_PNP_ID(0x0a03))
                        return buf_printf(out, "PciRoot(0x%" PRIx32 ")", uid);
                if (hid == EISA_PNP_ID(0x0a08))
                        return buf_printf(out, "PcieRoot(0x%" PRIx32 ")", uid);
                if ((hid & 0xffff) == 0x41d0)
                        return buf_printf(out, "Acpi(PNP%04" PRIX32 ",0x%" PRIx32 ")", hid >> 16,
                                          uid);
                return buf_printf(out, "Acpi(0x%08" PRIx32 ",0x%" PRIx32 ")", hid, uid);
        }
        if (sub == 0x03 && n >= 4)
                return buf_printf(out, "AcpiAdr(0x%" PRIx32 ")", le32_get(b));
        return put_generic(out, DP_ACPI, sub, b, n);
}

static int put_msg(struct buf *out, uint8_t sub, const uint8_t *b, size_t n)
{
        switch (sub) {
        case 0x02:
                if (n >= 4)
                        return buf_printf(out, "Scsi(0x%x,0x%x)", le16_get(b), le16_get(b + 2));
                break;
        case 0x05:
                if (n >= 2)
                        return buf_printf(out, "USB(0x%x,0x%x)", b[0], b[1]);
                break;
        case 0x0a:
                if (n >= 16)
                        return put_vendor(out, "VenMsg", b, n);
                break;
        case 0x0b:
                if (n >= 33)
                        return buf_printf(out, "MAC(%02x%02x%02x%02x%02x%02x,0x%x)", b[0], b[1],
                                          b[2], b[3], b[4], b[5], b[32]);
                break;
        case 0x12:
                if (n >= 6)
                        return buf_printf(out, "Sata(0x%x,0x%x,0x%x)", le16_get(b), le16_get(b + 2),
                                          le16_get(b + 4));
                break;
        case 0x17:
                if (n >= 12)
                        return buf_printf(out,
                                          "NVMe(0x%" PRIx32
                                          ",%02X-%02X-%02X-%02X-%02X-%02X-%02X-%02X)",
                                          le32_get(b), b[4], b[5], b[6], b[7], b[8], b[9], b[10],
                                          b[11]);
                break;
        case 0x1d: {
                size_t len;

                if (n > 0 && text_is_printable(b, n, &len))
                        return buf_printf(out, "Uri(%.*s)", (int)len, (const char *)b);
                break;
        }
        }
        return put_generic(out, DP_MSG, sub, b, n);
}

static int put_hd(struct buf *out, const uint8_t *b, size_t n)
{
        uint32_t part;
        uint64_t start, size;
        int r;

        if (n < 38)
                return put_generic(out, DP_MEDIA, 0x01, b, n);
        part = le32_get(b);
        start = le64_get(b + 4);
        size = le64_get(b + 12);
        /* b[36] is the partition format, b[37] the signature type */
        if (b[36] == 2 && b[37] == 2) {
                r = buf_printf(out, "HD(%" PRIu32 ",GPT,", part);
                if (r >= 0)
                        r = put_guid(out, b + 20);
        } else if (b[36] == 1 && b[37] == 1) {
                r = buf_printf(out, "HD(%" PRIu32 ",MBR,0x%08" PRIx32, part, le32_get(b + 20));
        } else {
                r = buf_printf(out, "HD(%" PRIu32 ",%u,%u", part, b[36], b[37]);
        }
        if (r >= 0)
                r = buf_printf(out, ",0x%" PRIx64 ",0x%" PRIx64 ")", start, size);
        return r;
}

static int put_media(struct buf *out, uint8_t sub, const uint8_t *b, size_t n)
{
        int r;

        switch (sub) {
        case 0x01:
                return put_hd(out, b, n);
        case 0x02:
                if (n >= 20)
                        return buf_printf(out, "CDROM(0x%" PRIx32 ",0x%" PRIx64 ",0x%" PRIx64 ")",
                                          le32_get(b), le64_get(b + 4), le64_get(b + 12));
                break;
        case 0x03:
                if (n >= 16)
                        return put_vendor(out, "VenMedia", b, n);
                break;
        case 0x04:
                r = buf_puts(out, "File(");
                if (r >= 0)
                        r = uefi_utf16_append(out, b, n, true);
                if (r >= 0)
                        r = buf_putc(out, ')');
                return r;
        case 0x05:
                if (n >= 16)
                        return put_vendor(out, "Media", b, 16);
                break;
        case 0x06:
                if (n >= 16)
                        return put_vendor(out, "FvFile", b, 16);
                break;
        case 0x07:
                if (n >= 16)
                        return put_vendor(out, "Fv", b, 16);
                break;
        case 0x08:
                if (n >= 20)
                        return buf_printf(out, "Offset(0x%" PRIx64 ",0x%" PRIx64 ")",
                                          le64_get(b + 4), le64_get(b + 12));
                break;
        }
        return put_generic(out, DP_MEDIA, sub, b, n);
}

int uefi_devpath_append(struct buf *out, const uint8_t *p, size_t len)
{
        size_t off = 0;
        bool first = true;
        int r = 0;

        while (off < len && r >= 0) {
                uint8_t type, sub;
                size_t nlen;

                if (len - off < 4) {
                        r = buf_puts(out, first ? "<truncated device path: " : "/<truncated: ");
                        if (r >= 0)
                                r = hex_append_short(out, p + off, len - off, 64);
                        if (r >= 0)
                                r = buf_putc(out, '>');
                        break;
                }
                type = p[off];
                sub = p[off + 1];
                nlen = le16_get(p + off + 2);
                if (nlen < 4 || nlen > len - off) {
                        r = buf_printf(out, "%s<bad node length %zu: ", first ? "" : "/", nlen);
                        if (r >= 0)
                                r = hex_append_short(out, p + off, len - off, 64);
                        if (r >= 0)
                                r = buf_putc(out, '>');
                        break;
                }
                if (type == DP_END) {
                        if (sub != 0x01)
                                break; /* end of the entire path */
                        r = buf_putc(out, ',');
                        first = true;
                        off += nlen;
                        continue;
                }
                if (!first)
                        r = buf_putc(out, '/');
                if (r < 0)
                        break;
                first = false;
                switch (type) {
                case DP_HW:
                        r = put_hw(out, sub, p + off + 4, nlen - 4);
                        break;
                case DP_ACPI:
                        r = put_acpi(out, sub, p + off + 4, nlen - 4);
                        break;
                case DP_MSG:
                        r = put_msg(out, sub, p + off + 4, nlen - 4);
                        break;
                case DP_MEDIA:
                        r = put_media(out, sub, p + off + 4, nlen - 4);
                        break;
                default:
                        r = put_generic(out, type, sub, p + off + 4, nlen - 4);
                        break;
                }
                off += nlen;
        }
        if (r >= 0 && !out->data)
                r = buf_puts(out, "");
        return r < 0 ? r : 0;
}
