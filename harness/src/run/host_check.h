/* The host capability probe of TDX-REFERENCE §8.1: can this host run TDs,
 * and if not, why. Each check reads one piece of evidence (a sysfs or
 * procfs file, /dev/kvm, the output of a program run as a child with a
 * deadline) and says pass, fail or unknown, what it read, and what to do.
 *
 * The probe never prints. Every path it reads is taken under a root
 * directory ("" for this host) and the programs are parameters, so the
 * unit tests run it against a directory tree of their own (a TDX host, a
 * host without the CPU flag, kvm_intel with tdx=N, an old QEMU, ...).
 *
 * TDs can run when every required check passes: the CPU flag, the kvm_intel
 * tdx parameter, /dev/kvm offering the TDX VM type, free TDX KeyIDs, a QEMU
 * with tdx-guest, and a TDVF firmware. The QGS socket (quotes) and libvirt
 * (the libvirt backend) are reported but not required to run a TD. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "run/platform.h"
#include "run/signals.h"

#define HOST_CHECK_QGS_SOCKET PLATFORM_DEFAULT_QGS_SOCKET
#define HOST_CHECK_LIBVIRT_URI "qemu:///system"
#define HOST_CHECK_QEMU_MIN_MAJOR 10 /* upstream TDX: QEMU >= 10.1 (§8.1) */
#define HOST_CHECK_QEMU_MIN_MINOR 1
#define HOST_CHECK_LIBVIRT_MIN_MAJOR 11 /* upstream TDX: libvirt >= 11.6 (§8.1) */
#define HOST_CHECK_LIBVIRT_MIN_MINOR 6
#define KVM_X86_TDX_VM_TYPE 5 /* upstream KVM's KVM_X86_TDX_VM (§8.1) */

enum host_check_status { HOST_CHECK_PASS = 0, HOST_CHECK_FAIL, HOST_CHECK_UNKNOWN };

enum host_check_id {
        HC_CPU = 0,     /* /proc/cpuinfo flag tdx_host_platform */
        HC_KVM_TDX,     /* /sys/module/kvm_intel/parameters/tdx */
        HC_KVM_DEV,     /* /dev/kvm and KVM_CAP_VM_TYPES */
        HC_KEYIDS,      /* /sys/fs/cgroup/misc.capacity "tdx N" */
        HC_QEMU,        /* QEMU >= 10.1 with the tdx-guest object */
        HC_FIRMWARE,    /* a TDVF (OVMF with TDX metadata) */
        HC_QGS,         /* the quote generation service's socket */
        HC_LIBVIRT,     /* libvirt >= 11.6 reporting TDX in its domain capabilities */
        HC_COUNT
};

struct host_check_item {
        enum host_check_status status;
        bool required;  /* a fail or unknown here means TDs cannot (be shown to) run */
        char *evidence; /* what was read: "FILE: VALUE" or "COMMAND: LINE" */
        char *advice;   /* what to do; NULL on a pass */
};

struct host_check_opts {
        const char *root;       /* prefix of every host path; NULL or "": this host */
        const char *qemu;       /* NULL: qemu-system-x86_64 */
        const char *virsh;      /* NULL: virsh; not found in $PATH: libvirt unknown */
        const char *connect;    /* libvirt URI; NULL: HOST_CHECK_LIBVIRT_URI */
        const char *qgs_socket; /* NULL: HOST_CHECK_QGS_SOCKET (under root) */
        const char *firmware;   /* NULL: the usual TDVF paths (under root) */
        uint64_t timeout_ms;    /* per program run; 0: 10 s */
};

struct host_check {
        struct host_check_item items[HC_COUNT];
        bool can_run_tds;       /* every required check passed */
        char *qemu_version;     /* "10.1.0", NULL when unknown */
        char *firmware;         /* the TDVF found, NULL when none */
};

/* Runs every check. Returns 0 with *ret filled (a failed check is not an
 * error), or -ENOMEM / -ECANCELED (sw saw a signal). ret is freed with
 * host_check_free() either way. */
int host_check_run(const struct host_check_opts *o, struct signal_watch *sw,
                   struct host_check *ret, struct tdxh_err *e);
void host_check_free(struct host_check *hc);
#define _cleanup_host_check_ __attribute__((cleanup(host_check_free)))

/* "cpu", "kvm-tdx", "kvm-device", "tdx-keyids", "qemu", "firmware", "qgs",
 * "libvirt". */
const char *host_check_name(enum host_check_id id);
const char *host_check_status_name(enum host_check_status s); /* "pass" | "fail" | "unknown" */

/* The failed or unknown required checks in one line ("cpu: …; kvm-tdx: …"),
 * the reason a TD cannot run; NULL when none (or out of memory). */
char *host_check_reason(const struct host_check *hc);

/* { "can_run_tds": bool, "qemu_version", "firmware",
 *   "checks": [ { "name", "status", "required", "evidence", "advice" } ] } */
int host_check_json(const struct host_check *hc, json_object **ret);

/* Internals shared by host_check.c and host_check_tools.c. */
int host_check_set(struct host_check_item *it, enum host_check_status s, const char *advice,
                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
int host_check_tools(const struct host_check_opts *o, struct signal_watch *sw,
                     struct host_check *hc, struct tdxh_err *e);
