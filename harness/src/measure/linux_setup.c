/* QEMU's setup-header patch for direct Linux boot; see linux_setup.h.
 *
 * Every rule below is QEMU's x86_load_linux (hw/i386/x86.c in 7.2,
 * x86-common.c later), restated field by field. Nothing is written until
 * every check passed. */
#include "measure/linux_setup.h"
#include "measure/td_hob.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/le.h"

#define MULTIBOOT_MAGIC 0x1badb002u

uint64_t q35_below_4g(uint64_t ram_size, uint64_t max_ram_below_4g)
{
        uint64_t below, above;

        /* The same split the TD HOB describes (TDX-REFERENCE §3.2 step 1). */
        td_hob_q35_ram_split(ram_size, max_ram_below_4g, &below, &above);
        return below;
}

/* QEMU's multiboot probe: the magic at a 4-byte aligned offset in the first
 * 8 KiB, with magic + flags + checksum == 0. */
static bool has_multiboot_header(const uint8_t *hdr, size_t len)
{
        for (size_t i = 0; i + 12 <= len && i < LINUX_HEADER_MAX - 48; i += 4) {
                if (le32_get(hdr + i) == MULTIBOOT_MAGIC &&
                    (uint32_t)(MULTIBOOT_MAGIC + le32_get(hdr + i + 4) + le32_get(hdr + i + 8)) == 0)
                        return true;
        }
        return false;
}

/* vga= as QEMU reads it: the first "vga=" anywhere in the command line,
 * "normal"/"ext"/"ask" by prefix, else a C number (any base) that ends the
 * string or is followed by a space. 0 (found), 1 (absent) or -EINVAL. */
static int parse_vga(const char *cmdline, uint16_t *ret, struct tdxh_err *e)
{
        const char *vmode = strstr(cmdline, "vga=");
        unsigned long v;
        char *end;

        if (!vmode)
                return 1;
        vmode += 4;
        if (strncmp(vmode, "normal", 6) == 0) {
                *ret = 0xffff;
        } else if (strncmp(vmode, "ext", 3) == 0) {
                *ret = 0xfffe;
        } else if (strncmp(vmode, "ask", 3) == 0) {
                *ret = 0xfffd;
        } else {
                errno = 0;
                if (*vmode < '0' || *vmode > '9')
                        return err_setf(e, -EINVAL, "command line: invalid vga= value \"%.16s\"", vmode);
                v = strtoul(vmode, &end, 0);
                if (errno || v > UINT_MAX || (*end && *end != ' '))
                        return err_setf(e, -EINVAL, "command line: invalid vga= value \"%.16s\"", vmode);
                /* QEMU stores the low 16 bits of the value. */
                *ret = (uint16_t)v;
        }
        return 0;
}

/* Where the real-mode code and command line would go: old protocols and
 * kernels that are not "loaded high" keep the 0x90000 layout. */
static void choose_addresses(uint16_t protocol, uint8_t loadflags, size_t cmdline_len,
                             struct linux_setup_info *info)
{
        uint32_t cmdline_size = (uint32_t)((cmdline_len + 16) & ~(size_t)15);

        if (protocol < 0x202 || !(loadflags & LINUX_LOADFLAG_LOADED_HIGH)) {
                info->real_addr = 0x90000;
                info->cmdline_addr = 0x9a000 - cmdline_size;
        } else {
                info->real_addr = 0x10000;
                info->cmdline_addr = 0x20000;
        }
}

/* Highest initrd address before the RAM clamp. */
static uint32_t initrd_max_of(const uint8_t *hdr, uint16_t protocol)
{
        if (protocol >= 0x20c && (le16_get(hdr + LINUX_HDR_XLOADFLAGS) & LINUX_XLF_CAN_BE_LOADED_ABOVE_4G))
                return UINT32_MAX;
        if (protocol >= 0x203)
                return le32_get(hdr + LINUX_HDR_INITRD_ADDR_MAX);
        return 0x37ffffff;
}

static int identify(const uint8_t *hdr, size_t hdr_len, uint16_t *ret_protocol, struct tdxh_err *e)
{
        if (le32_get(hdr + LINUX_HDR_HEADER) == 0x53726448) { /* "HdrS" */
                *ret_protocol = le16_get(hdr + LINUX_HDR_VERSION);
                return 0;
        }
        if (has_multiboot_header(hdr, hdr_len))
                return err_setf(e, -ENOTSUP, "offset 0x202: no \"HdrS\" and a multiboot header: QEMU boots it as multiboot, not Linux");
        if (memcmp(hdr, "\177ELF", 4) == 0)
                return err_setf(e, -ENOTSUP, "offset 0x0: an ELF kernel: QEMU's PVH boot is not modelled");
        /* QEMU goes on with protocol 0 (the oldest layout). */
        *ret_protocol = 0;
        return 0;
}

int linux_setup_patch(uint8_t *hdr, size_t hdr_len, uint64_t file_size,
                      const struct linux_setup_params *p, struct linux_setup_info *ret_info,
                      struct tdxh_err *e)
{
        const char *cmdline = p->cmdline ? p->cmdline : "";
        struct linux_setup_info info = { 0 };
        uint64_t reserve_from;
        int r;

        if (hdr_len != (file_size < LINUX_HEADER_MAX ? file_size : LINUX_HEADER_MAX))
                return err_setf(e, -EINVAL, "header copy is %zu bytes, expected the first %llu of the file",
                                hdr_len, (unsigned long long)(file_size < LINUX_HEADER_MAX ? file_size : LINUX_HEADER_MAX));
        if (hdr_len < LINUX_HDR_END)
                return err_setf(e, -EINVAL, "file is %llu bytes, too short for a Linux setup header (0x%x)",
                                (unsigned long long)file_size, LINUX_HDR_END);
        r = identify(hdr, hdr_len, &info.protocol, e);
        if (r < 0)
                return r;

        info.setup_size = hdr[LINUX_HDR_SETUP_SECTS] ? hdr[LINUX_HDR_SETUP_SECTS] : 4;
        info.setup_size = (info.setup_size + 1) * 512;
        if (info.setup_size > file_size)
                return err_setf(e, -EINVAL, "offset 0x1f1: setup_sects %u gives %u setup bytes, more than the file's %llu",
                                hdr[LINUX_HDR_SETUP_SECTS], info.setup_size, (unsigned long long)file_size);

        choose_addresses(info.protocol, hdr[LINUX_HDR_LOADFLAGS], strlen(cmdline), &info);

        info.below_4g = q35_below_4g(p->ram_size, p->max_ram_below_4g);
        if (info.below_4g <= QEMU_Q35_ACPI_DATA_SIZE)
                return err_setf(e, -EINVAL, "memory size %llu is too small", (unsigned long long)p->ram_size);
        reserve_from = info.below_4g - QEMU_Q35_ACPI_DATA_SIZE;
        info.initrd_max = initrd_max_of(hdr, info.protocol);
        if (info.initrd_max >= reserve_from)
                info.initrd_max = (uint32_t)(reserve_from - 1);

        r = parse_vga(cmdline, &info.vid_mode, e);
        if (r < 0)
                return r;
        info.vid_mode_set = r == 0;

        if (p->initrd) {
                if (info.protocol < 0x200)
                        return err_setf(e, -EINVAL, "offset 0x206: boot protocol 0x%x is too old to load an initrd",
                                        info.protocol);
                if (p->initrd_size >= info.initrd_max)
                        return err_setf(e, -EFBIG, "initrd of %llu bytes does not fit below 0x%x (QEMU refuses it)",
                                        (unsigned long long)p->initrd_size, info.initrd_max);
                info.initrd_addr = (uint32_t)((info.initrd_max - p->initrd_size) & ~(uint64_t)0xfff);
        }

        /* Command line: a pointer for protocol >= 2.02, else the old magic and
         * an offset from the real-mode segment. */
        if (info.protocol >= 0x202) {
                le32_put(hdr + LINUX_HDR_CMD_LINE_PTR, info.cmdline_addr);
        } else {
                le16_put(hdr + LINUX_HDR_CL_MAGIC, 0xa33f);
                le16_put(hdr + LINUX_HDR_CL_OFFSET, (uint16_t)(info.cmdline_addr - info.real_addr));
        }
        /* vid_mode: only when the command line names one. */
        if (info.vid_mode_set)
                le16_put(hdr + LINUX_HDR_VID_MODE, info.vid_mode);
        /* type_of_loader 0xB0: QEMU's loader ID (protocol >= 2.00 has the field). */
        if (info.protocol >= 0x200)
                hdr[LINUX_HDR_TYPE_OF_LOADER] = 0xb0;
        /* CAN_USE_HEAP and heap_end_ptr (2 bytes) up to the command line,
         * relative to the real-mode code minus its 0x200 boot sector. */
        if (info.protocol >= 0x201) {
                hdr[LINUX_HDR_LOADFLAGS] |= LINUX_LOADFLAG_CAN_USE_HEAP;
                le16_put(hdr + LINUX_HDR_HEAP_END_PTR,
                      (uint16_t)(info.cmdline_addr - info.real_addr - 0x200));
        }
        /* ramdisk_image and ramdisk_size: where QEMU placed the initrd. */
        if (p->initrd) {
                le32_put(hdr + LINUX_HDR_RAMDISK_IMAGE, info.initrd_addr);
                le32_put(hdr + LINUX_HDR_RAMDISK_SIZE, (uint32_t)p->initrd_size);
        }
        if (ret_info)
                *ret_info = info;
        return 0;
}
