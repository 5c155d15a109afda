/* QEMU's patch of the Linux x86 setup header for direct kernel boot
 * (TDX-REFERENCE §4.2). Before handing a bzImage to the firmware through
 * fw_cfg, QEMU's x86_load_linux reads the first 8 KiB, writes boot-loader
 * fields into that copy (loader type, heap end, command-line pointer, initrd
 * address and size, video mode) and serves "setup" from the patched copy.
 * OVMF measures the concatenation, so in the QEMU/OVMF generations that do
 * not serve the original file (profile_kernel_header_patched()) the kernel's
 * Authenticode digest depends on memory size, initrd size and command line.
 *
 * The q35 machine and its acpi_data_size are assumed, as the harness only
 * boots q35 (TDX requires it). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* QEMU reads (and patches within) at most this many leading bytes. */
#define LINUX_HEADER_MAX 8192u
/* xloadflags bit QEMU tests before lifting initrd_max to 4 GiB - 1 (the
 * kernel's XLF_CAN_BE_LOADED_ABOVE_4G; not 0x40, which is XLF_5LEVEL_ENABLED). */
#define LINUX_XLF_CAN_BE_LOADED_ABOVE_4G 0x2u
/* pc/q35 acpi_data_size: 0x20000 + 0x8000 reserved below the top of low RAM. */
#define QEMU_Q35_ACPI_DATA_SIZE 0x28000u

/* Setup-header offsets (Documentation/x86/boot.rst). */
#define LINUX_HDR_CL_MAGIC 0x020u      /* u16, protocol < 2.02 command line magic 0xA33F */
#define LINUX_HDR_CL_OFFSET 0x022u     /* u16, protocol < 2.02 command line offset */
#define LINUX_HDR_SETUP_SECTS 0x1f1u   /* u8 */
#define LINUX_HDR_VID_MODE 0x1fau      /* u16 */
#define LINUX_HDR_HEADER 0x202u        /* u32 "HdrS" */
#define LINUX_HDR_VERSION 0x206u       /* u16 boot protocol */
#define LINUX_HDR_TYPE_OF_LOADER 0x210u
#define LINUX_HDR_LOADFLAGS 0x211u
#define LINUX_HDR_RAMDISK_IMAGE 0x218u /* u32 */
#define LINUX_HDR_RAMDISK_SIZE 0x21cu  /* u32 */
#define LINUX_HDR_HEAP_END_PTR 0x224u  /* u16 */
#define LINUX_HDR_CMD_LINE_PTR 0x228u  /* u32 */
#define LINUX_HDR_INITRD_ADDR_MAX 0x22cu /* u32 */
#define LINUX_HDR_XLOADFLAGS 0x236u    /* u16 */
#define LINUX_HDR_END 0x258u           /* past setup_data (0x250, u64), the last field QEMU may write */

#define LINUX_LOADFLAG_LOADED_HIGH 0x01u
#define LINUX_LOADFLAG_CAN_USE_HEAP 0x80u

/* What QEMU is given. */
struct linux_setup_params {
        uint64_t ram_size;         /* -m, in bytes */
        uint64_t max_ram_below_4g; /* -machine max-ram-below-4g=; 0 means QEMU's default, 4 GiB */
        bool initrd;               /* -initrd was given (even an empty file counts) */
        uint64_t initrd_size;      /* its size in bytes */
        const char *cmdline;       /* -append; NULL means "" */
};

/* What QEMU decided, for reports and tests. */
struct linux_setup_info {
        uint16_t protocol;     /* boot protocol version; 0 when there is no "HdrS" */
        uint32_t setup_size;   /* (setup_sects + 1) * 512, setup_sects 0 meaning 4 */
        uint64_t below_4g;     /* RAM below 4 GiB */
        uint32_t real_addr;    /* where QEMU would put the real-mode setup */
        uint32_t cmdline_addr; /* and the command line */
        uint32_t initrd_max;   /* highest initrd address, after the below-4G clamp */
        uint32_t initrd_addr;  /* (initrd_max - initrd_size) & ~0xfff, when an initrd is given */
        bool vid_mode_set;     /* the command line has "vga=" */
        uint16_t vid_mode;
};

/* RAM below 4 GiB on q35 (§3.2 step 1): low RAM ends at 2 GiB when ram_size
 * >= 2.75 GiB, otherwise at 2.75 GiB, capped by max-ram-below-4g. */
uint64_t q35_below_4g(uint64_t ram_size, uint64_t max_ram_below_4g);

/* Patches hdr, a copy of the first hdr_len = min(LINUX_HEADER_MAX, file_size)
 * bytes of a kernel of file_size bytes, exactly as QEMU's x86_load_linux does
 * for a q35 machine without -dtb. Validation happens before anything is
 * written, so on failure hdr is unchanged. Fails with a one-line message when
 * QEMU itself would refuse to start: invalid vga= value, initrd too large,
 * initrd with a pre-2.00 protocol, setup larger than the file; and with
 * -ENOTSUP for kernels QEMU would not boot as Linux (multiboot or ELF images
 * without "HdrS"). ret_info (optional) is written on success. */
int linux_setup_patch(uint8_t *hdr, size_t hdr_len, uint64_t file_size,
                      const struct linux_setup_params *p, struct linux_setup_info *ret_info,
                      struct tdxh_err *e);
