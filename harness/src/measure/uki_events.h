/* What a unified kernel image measures when the firmware starts it, for the
 * stub the disk images are built with (systemd-stub 252, Debian 12's
 * systemd-boot-efi; src/boot/efi/stub.c, linux.c, docs/TPM2_PCR_MEASUREMENTS.md
 * of that release), and then what the kernel's own EFI stub measures:
 *   PCR 11 (RTMR2)  EV_IPL, for each section of .linux .osrel .cmdline
 *                   .initrd .splash .dtb .pcrpkey present (that order): its
 *                   name with the NUL, then its contents as mapped
 *                   (VirtualSize bytes); the event data is the name as UTF-16
 *   PCR 4 (RTMR1)   EV_EFI_BOOT_SERVICES_APPLICATION: the firmware's
 *                   Authenticode of .linux, which the stub starts with
 *                   LoadImage from memory
 *   PCR 9 (RTMR2)   the kernel's tagged events: LoadOptions (.cmdline
 *                   widened to UTF-16 with a NUL, as the stub passes it) and
 *                   the initrd the stub serves (.initrd)
 * systemd-stub 252 measures through the TCG2 protocol only: in a TD (CC
 * measurement protocol) its PCR 11 events are absent, so only the fake
 * platform is predicted. Not predicted: command lines given as LoadOptions
 * (PCR 12), credentials and system extensions beside the image (PCR 12/13;
 * they also change the initrd), and Secure Boot. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "measure/event.h"

/* 1 when the PE image has a .linux section (a UKI), 0 when not, <0 when its
 * headers are broken. name is the file for messages. */
int uki_is_uki(const uint8_t *pe, size_t len, const char *name, struct tdxh_err *e);

/* Appends, in extend order, the stub's section events (rtmr 2) to rtmr2 and
 * the kernel's Authenticode (rtmr 1) to rtmr1, then the kernel's tagged
 * events (rtmr 2) to rtmr2. Errors name the file, the section and, for the
 * kernel, the offset. */
int uki_events(const uint8_t *pe, size_t len, const char *name, struct measure_events *rtmr1,
               struct measure_events *rtmr2, struct tdxh_err *e);
