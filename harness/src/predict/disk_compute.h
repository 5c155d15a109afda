/* The disk boot path of `tdxh golden compute --disk`: what the fake
 * platform measures when OVMF boots a raw GPT disk through its removable
 * media path, shim -> GRUB -> kernel (docs/disk-images.md), predicted from
 * the disk's own files without booting it. */
#pragma once

#include "core/buf.h"
#include "core/err.h"
#include "measure/event.h"
#include "measure/profile.h"
#include "measure/rtmr0.h"

/* The boot variables OVMF has at ReadyToBoot when it boots a disk with an
 * empty variable store and the disk as QEMU's bootindex 1 (the fake QEMU
 * command line and libvirt's both give it): BootOrder 0001 0000 0002,
 * Boot0001 "UEFI Misc Device" (the virtio-blk disk), Boot0000 UiApp,
 * Boot0002 the shell, measured in that order. */
struct disk_boot_vars {
        uint8_t order[6];
        struct buf opt[3];
        struct rtmr0_named_value v[4];
};

int disk_boot_vars_init(struct disk_boot_vars *ret);
void disk_boot_vars_free(struct disk_boot_vars *v);

/* Appends the disk path's events after the firmware's RTMR0 list: SbatLevel
 * (rtmr 0), the RTMR1 list (boot-manager action, separators, GPT, shim,
 * GRUB, ExitBootServices) and the RTMR2 list (shim's MOK state, GRUB's
 * commands and files). Only the fake profile is predicted (-EINVAL
 * otherwise); errors name the disk and the file in its ESP. */
int disk_compute_events(const char *disk, const struct profile *prof, struct measure_events *ev,
                        struct tdxh_err *e);
