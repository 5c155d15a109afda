/* A platform description: everything the QEMU command line is built from
 * (qemu_argv.h), for the fake backend (QEMU + OVMF + swtpm, the fake TDX
 * module's fw_cfg files) and for qemu-tdx (QEMU >= 10.1 on a TDX host,
 * TDX-REFERENCE §8.2). The two share every field except the ones marked;
 * a description owns its strings (platform_free()). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum platform_backend { BACKEND_FAKE = 0, BACKEND_QEMU_TDX };
enum platform_accel { ACCEL_AUTO = 0, ACCEL_TCG, ACCEL_KVM };

#define PLATFORM_DEFAULT_QEMU "qemu-system-x86_64"
#define PLATFORM_DEFAULT_MEMORY (1ull << 30)
/* Intel's QGS listens here ([I] qgs/server_main.cpp, TDX-REFERENCE §8.1). */
#define PLATFORM_DEFAULT_QGS_SOCKET "/var/run/tdx-qgs/qgs.socket"
#define PLATFORM_DEFAULT_TD_ATTRIBUTES 0x10000000ull /* bit 28: SEPT_VE_DISABLE */
#define PLATFORM_TD_ATTR_DEBUG 0x1ull /* bit 0: off-TD debug (QEMU docs/system/i386/tdx.rst) */
#define PLATFORM_MR_LEN 48 /* MRCONFIGID, MROWNER, MROWNERCONFIG: SHA-384 sized */
#define FW_CFG_NAME_MAX 55 /* QEMU's FW_CFG_MAX_FILE_PATH minus the NUL */
/* The NIC's PCI slot (bus 00, function 0): fixed so that its option ROM's
 * device path, PciRoot(0x0)/Pci(0x2,0x0), is known before the boot. */
#define PLATFORM_NIC_SLOT 2

/* A TD's owner-chosen 48-byte value (MRCONFIGID, MROWNER, MROWNERCONFIG);
 * unset: all zero, and QEMU is given nothing. */
struct platform_mr {
        bool set;
        uint8_t v[PLATFORM_MR_LEN];
};

/* A file handed to the guest through fw_cfg (-fw_cfg name=NAME,file=FILE). */
struct fw_cfg_item {
        char *name; /* "opt/..." */
        char *file;
};

struct platform {
        enum platform_backend backend;
        enum platform_accel accel; /* ACCEL_AUTO until platform_resolve_accel() */
        char *qemu;                /* binary: a path or a name looked up in $PATH;
                                    * NULL: PLATFORM_DEFAULT_QEMU (platform_qemu()) */
        uint64_t memory;           /* bytes; -m takes it in the largest exact unit */
        unsigned vcpus;
        char *firmware;            /* -bios (OVMF.fd; for TDX a TDVF build) */
        char *kernel;              /* -kernel; NULL when booting a disk */
        char *disk;                /* a disk OVMF boots from instead (read-only
                                    * virtio-blk), or NULL */
        char *disk_format;         /* QEMU's name for it: "raw" or "qcow2" */
        char *initrd;              /* -initrd, optional */
        char *cmdline;             /* -append, optional */
        char *serial_log;          /* the serial console is written to this file */
        char *agent_socket;        /* QEMU listens here for the agent channel */
        char *nic_model;           /* a PCI NIC (-device MODEL) in slot PLATFORM_NIC_SLOT with
                                    * no network behind it, or NULL for none */
        char *nic_romfile;         /* its romfile=: NULL QEMU's default ROM for the model,
                                    * "" none, else a ROM file */

        /* fake only */
        char *tpm_socket;          /* swtpm's control socket */
        /* For reading a guest from the host (boot.h, host_evidence): QEMU
         * serves QMP here, and a guest poweroff or reset (-no-reboot turns
         * resets into poweroffs) pauses QEMU instead of ending it
         * (-action shutdown=pause, QEMU >= 6.0), so that the guest's memory
         * and the TPM's connection outlive the guest. NULL: neither. */
        char *qmp_socket;
        struct fw_cfg_item *fw_cfg;
        size_t n_fw_cfg;

        /* qemu-tdx only */
        uint64_t td_attributes;    /* emitted only when not the default */
        char *qgs_unix;            /* quote generation service: unix socket, or */
        unsigned qgs_vsock_cid;    /* vsock cid and port (used when qgs_unix is NULL */
        unsigned qgs_vsock_port;   /* and the port is non-zero); neither: no QGS */
        struct platform_mr mrconfigid, mrowner, mrownerconfig;
};

/* Defaults: 1 GiB, 1 vCPU, accel auto, the TD attributes above; strings
 * NULL. */
void platform_init(struct platform *p, enum platform_backend backend);

/* The QEMU binary to run: p->qemu or the default name. */
static inline const char *platform_qemu(const struct platform *p)
{
        return p->qemu ? p->qemu : PLATFORM_DEFAULT_QEMU;
}
void platform_free(struct platform *p);
#define _cleanup_platform_ __attribute__((cleanup(platform_free)))

/* Replaces *field with a copy of value (NULL clears). 0 or -ENOMEM. */
int platform_set(char **field, const char *value);
int platform_add_fw_cfg(struct platform *p, const char *name, const char *file);

/* Checks what QEMU would otherwise reject later or silently misread:
 * required fields per backend, socket path lengths, fw_cfg names, accel
 * allowed for the backend. -EINVAL with the field named. */
int platform_validate(const struct platform *p, struct tdxh_err *e);

/* The paths of one boot: the serial console (BOOT_DIR/console.log), the
 * agent's socket (RUNTIME_DIR/agent.sock) and, for the fake, swtpm's
 * control socket (RUNTIME_DIR/swtpm.sock). The fake TDX module's fw_cfg
 * files are added by the caller (fake_tdx_prepare() writes them). */
int platform_set_boot_paths(struct platform *p, const char *boot_dir, const char *runtime_dir);

/* platform_validate(), and accel resolved: what a command line or a domain
 * is built from, so that it says what will run. what names the output in
 * the message ("the QEMU command line"). */
int platform_validate_resolved(const struct platform *p, const char *what, struct tdxh_err *e);

/* Replaces ACCEL_AUTO: kvm when kvm_usable(), else tcg (qemu-tdx: kvm). */
void platform_resolve_accel(struct platform *p);

/* KVM can run guests here: /dev/kvm opens, speaks API version 12, and the
 * CPU advertises VMX or SVM. The last check matters in nested setups that
 * expose /dev/kvm without hardware virtualisation, where KVM guests stop
 * with "KVM internal error". */
bool kvm_usable(void);

const char *platform_backend_name(enum platform_backend b);
const char *platform_accel_name(enum platform_accel a);
/* "fake" | "qemu-tdx"; "auto" | "tcg" | "kvm". 0 or -EINVAL. */
int platform_backend_parse(const char *text, enum platform_backend *ret);
int platform_accel_parse(const char *text, enum platform_accel *ret);
