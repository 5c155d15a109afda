/* The platform descriptions the command-line and domain-XML tests build
 * from (test_run_qemu_argv.c, test_run_libvirt_xml.c), so both render the
 * same descriptions: the fake platform with its swtpm and fake TDX module,
 * and a TD on a TDX host. Paths are fixed strings (nothing is read). */
#pragma once

#include "run/platform.h"
#include "testutil.h"

static inline void fake_platform(struct platform *p, enum platform_accel accel)
{
        platform_init(p, BACKEND_FAKE);
        p->accel = accel;
        p->memory = 512ull << 20;
        ck_assert_int_eq(platform_set(&p->qemu, "qemu-system-x86_64"), 0);
        ck_assert_int_eq(platform_set(&p->firmware, "/usr/share/ovmf/OVMF.fd"), 0);
        ck_assert_int_eq(platform_set(&p->kernel, "/images/minimal/vmlinuz"), 0);
        ck_assert_int_eq(platform_set(&p->initrd, "/images/minimal/initrd.img"), 0);
        ck_assert_int_eq(platform_set(&p->cmdline, "console=ttyS0 quiet panic=-1"), 0);
        ck_assert_int_eq(platform_set(&p->serial_log, "/runs/r1/console.log"), 0);
        ck_assert_int_eq(platform_set(&p->agent_socket, "/tmp/tdxh-AbC123/agent.sock"), 0);
        ck_assert_int_eq(platform_set(&p->tpm_socket, "/tmp/tdxh-AbC123/swtpm.sock"), 0);
        ck_assert_int_eq(platform_add_fw_cfg(p, "opt/tdxh/mrtd", "/runs/r1/fake-tdx/mrtd"), 0);
        ck_assert_int_eq(platform_add_fw_cfg(p, "opt/tdxh/td_attributes",
                                             "/runs/r1/fake-tdx/td_attributes"),
                         0);
}

static inline void tdx_platform(struct platform *p)
{
        platform_init(p, BACKEND_QEMU_TDX);
        p->memory = 2ull << 30;
        p->vcpus = 2;
        ck_assert_int_eq(platform_set(&p->qemu, "/usr/local/bin/qemu-system-x86_64"), 0);
        ck_assert_int_eq(platform_set(&p->firmware, "/usr/share/ovmf/OVMF.inteltdx.fd"), 0);
        ck_assert_int_eq(platform_set(&p->kernel, "/images/minimal/vmlinuz"), 0);
        ck_assert_int_eq(platform_set(&p->initrd, "/images/minimal/initrd.img"), 0);
        ck_assert_int_eq(platform_set(&p->cmdline, "console=ttyS0 quiet"), 0);
        ck_assert_int_eq(platform_set(&p->serial_log, "/runs/r1/console.log"), 0);
        ck_assert_int_eq(platform_set(&p->agent_socket, "/tmp/tdxh-AbC123/agent.sock"), 0);
}

/* A value of 48 bytes 0x00, 0x01, ... from a seed, for the MR fields. */
static inline void mr_fill(struct platform_mr *mr, uint8_t seed)
{
        mr->set = true;
        for (size_t i = 0; i < sizeof(mr->v); i++)
                mr->v[i] = (uint8_t)(seed + i);
}

