/* The QEMU command line: built here and nowhere else, from a platform
 * description. The fake and the qemu-tdx backends share one builder and
 * differ only where TDX differs (-accel kvm with -cpu host, the tdx-guest
 * object and its quote-generation socket, confidential-guest-support,
 * kernel-irqchip=split, smm=off, pic=off and hpet=off on the machine, as
 * QEMU's docs/system/i386/tdx.rst asks, the owner values, no swtpm and no
 * fw_cfg files). The result is pure data, so it is unit-tested against expected
 * argv files (harness/tests/data/argv/). */
#pragma once

#include "core/err.h"
#include "core/strv.h"
#include "run/platform.h"

/* The virtio-serial port name the guest agent opens (docs/agent-protocol.md). */
#define AGENT_PORT_NAME "org.tdxh.agent.0"

/* Validates p (platform_validate()) and replaces the contents of ret with
 * the full argv, argv[0] being platform_qemu(p); ret is untouched on failure. p->accel must not be
 * ACCEL_AUTO: resolve it first, so the argv says what will run. Values
 * inside QEMU option lists (paths in -chardev, -fw_cfg) have commas
 * doubled; -bios, -kernel, -initrd and -append take their value verbatim. */
int qemu_argv_build(const struct platform *p, struct strv *ret, struct tdxh_err *e);
