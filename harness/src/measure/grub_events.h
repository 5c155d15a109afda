/* What GRUB 2.06 (Debian's signed monolithic grubx64.efi) measures when it
 * boots a kernel from the ESP: each command it executes as EV_IPL
 * "grub_cmd: …" (PCR 8), each file it reads as EV_IPL with the path as
 * opened (PCR 9), and the kernel command line as "kernel_cmdline: …"
 * (PCR 8); both PCRs fold into RTMR2 on the fake platform. The embedded
 * configuration is recognised, not interpreted: only Debian's
 * build-efi-images text is predicted. grub.cfg is evaluated only when it is
 * straight-line (no conditionals, variables, quoting or menus); otherwise the
 * first line that cannot be evaluated becomes an event with an unknown
 * digest and the reason, and nothing after it is predicted. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "measure/event.h"
#include "measure/fat.h"

/* grub is the image's bytes (name for messages, its ESP path such as
 * "\EFI\BOOT\grubx64.efi"), root the GRUB name of the ESP, e.g.
 * "(hd0,gpt1)". Appends the events (rtmr 2) in extend order. */
int grub_events(const struct fat_fs *esp, const char *root, const uint8_t *grub, size_t len,
                const char *name, struct measure_events *l, struct tdxh_err *e);
