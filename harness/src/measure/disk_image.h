/* What kind of image a path names, told from its content: a directory image
 * (vmlinuz, initrd.img, cmdline: booted directly), a raw disk with a GPT
 * ("EFI PART" in LBA 1, UEFI 2.10 §5.3.2), or a qcow2 file (magic "QFI\xfb",
 * QEMU docs/interop/qcow2.txt). The two disk kinds are booted by OVMF from
 * their EFI system partition. */
#pragma once

#include "core/err.h"

/* The slot of the q35 root bus where the fake platform puts a disk's
 * virtio-blk device (run/qemu_argv.c gives it as addr=). OVMF's removable-
 * media boot option names it, Pci(0x3,0x0), and that option is measured in
 * RTMR0, so the QEMU command line and the prediction must agree on it. Slot 2
 * is the NIC's (--nic). */
#define DISK_IMAGE_PCI_SLOT 3

enum disk_image_kind { IMAGE_KIND_DIR, IMAGE_KIND_RAW_GPT, IMAGE_KIND_QCOW2 };

/* Fills *ret from the path's type and first bytes. A path that is none of
 * the three fails with -ENOENT (missing) or -EINVAL, naming the path and
 * what was looked for. */
int disk_image_detect(const char *path, enum disk_image_kind *ret, struct tdxh_err *e);

/* "directory", "raw", "qcow2": the second and third are QEMU's format names. */
const char *disk_image_kind_name(enum disk_image_kind k);
