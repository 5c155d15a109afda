/* What kind of image a path names, told from its content: a directory image
 * (vmlinuz, initrd.img, cmdline: booted directly), a raw disk with a GPT
 * ("EFI PART" in LBA 1, UEFI 2.10 §5.3.2), or a qcow2 file (magic "QFI\xfb",
 * QEMU docs/interop/qcow2.txt). The two disk kinds are booted by OVMF from
 * their EFI system partition. */
#pragma once

#include "core/err.h"

enum disk_image_kind { IMAGE_KIND_DIR, IMAGE_KIND_RAW_GPT, IMAGE_KIND_QCOW2 };

/* Fills *ret from the path's type and first bytes. A path that is none of
 * the three fails with -ENOENT (missing) or -EINVAL, naming the path and
 * what was looked for. */
int disk_image_detect(const char *path, enum disk_image_kind *ret, struct tdxh_err *e);

/* "directory", "raw", "qcow2": the second and third are QEMU's format names. */
const char *disk_image_kind_name(enum disk_image_kind k);
