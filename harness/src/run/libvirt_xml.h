/* The libvirt domain XML of a platform description: the libvirt backend's
 * counterpart of qemu_argv.h, built from the same struct platform so that a
 * domain differs from the direct command line only where libvirt spells
 * things its own way. Written with libxml2's tree API (libvirt's own XML
 * library), never by pasting strings, so every path and command line is
 * escaped by the writer.
 *
 * A TD (BACKEND_QEMU_TDX): <domain type='kvm'> with host-passthrough CPU,
 * split irqchip (<ioapic driver='qemu'/>), SMM and HPET off, the TDVF as a
 * ROM loader (-bios), and <launchSecurity type='tdx'> with <policy> (the TD
 * attributes), <mrConfigId>, <mrOwner>, <mrOwnerConfig> (base64 of 48 bytes)
 * and <quoteGenerationService path='…'/> (libvirt formatdomain.rst, "Launch
 * Security", type tdx: since libvirt 11.6.0; TDX-REFERENCE §8.3, whose
 * element names came from libvirt commit e919a4dd's message and the nova
 * spec; Canonical's libvirt 10.0 spelt the service
 * <quoteGenerationService><SocketAddress …/>, which is why a defined domain
 * is read back before it boots).
 *
 * The fake platform: <domain type='qemu'> (TCG; 'kvm' when accel is kvm)
 * with <tpm model='tpm-crb'><backend type='external' version='2.0'> whose
 * <source type='unix' mode='connect'> is the platform's tpm_socket: the
 * swtpm tdxh starts and manufactures itself (SHA-256 and SHA-384 banks, an
 * EK the run's per-run CA certifies, TDX-REFERENCE §8.4, §12), so that the
 * vTPM attestation trusts the same EK as on the direct backend. libvirt
 * knows the external backend since 9.0 (its schema, domaincommon.rng,
 * "tpm-external-source", as Debian 12's 9.0.0 installs it); an older one
 * refuses the domain, naming the backend type. The emulator backend would
 * start a swtpm of libvirt's own, with a state and an EK tdxh never sees.
 * Then the fake TDX module's fw_cfg files as <sysinfo type='fwcfg'>
 * entries (libvirt >= 6.5), and no launch security.
 *
 * Both: direct kernel boot (<os><kernel><initrd><cmdline>), the serial
 * console into a file, the agent's virtio-serial channel as a Unix socket
 * libvirt binds (name AGENT_PORT_NAME), no USB controller and no memory
 * balloon (libvirt adds both by default, and each changes the ACPI tables
 * RTMR0 measures), and destroy on poweroff, reboot and crash (a reboot is a
 * scenario step of its own). */
#pragma once

#include "core/err.h"
#include "run/platform.h"

/* The domain XML of p named name, as a NUL-terminated string (*ret, the
 * caller frees), indented, with an XML declaration. p is validated like a
 * QEMU command line (platform_validate()); accel must be resolved. */
int libvirt_domain_xml(const struct platform *p, const char *name, char **ret,
                       struct tdxh_err *e);
