/* The host capability probe: the checks that read files (CPU flags, the
 * kvm_intel parameter, /dev/kvm, the misc cgroup, the QGS socket, the
 * firmware) and the result's text and JSON. The checks that run programs
 * are in host_check_tools.c. See host_check.h. */
#include "run/host_check.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/file.h"
#include "core/json_util.h"
#include "measure/tdvf.h"
#include "run/unix_sock.h"

/* Linux 6.8 added KVM_CAP_VM_TYPES; older headers (Debian 12) lack it. */
#ifndef KVM_CAP_VM_TYPES
#define KVM_CAP_VM_TYPES 235
#endif

#define HOST_FILE_MAX (1u << 20)

/* The TDVF builds distributions ship, most specific first: Ubuntu's and
 * Fedora's TDX builds, then the generic OVMF, which carries TDX metadata
 * since edk2-stable202111 (checked, not assumed). */
static const char *const firmware_paths[] = {
        "/usr/share/ovmf/OVMF.inteltdx.fd",
        "/usr/share/edk2/ovmf/OVMF.inteltdx.fd",
        "/usr/share/qemu/OVMF.inteltdx.fd",
        "/usr/share/ovmf/OVMF.fd",
};

static const char *const check_names[HC_COUNT] = {
        [HC_CPU] = "cpu",           [HC_KVM_TDX] = "kvm-tdx",   [HC_KVM_DEV] = "kvm-device",
        [HC_KEYIDS] = "tdx-keyids", [HC_QEMU] = "qemu",         [HC_FIRMWARE] = "firmware",
        [HC_QGS] = "qgs",           [HC_LIBVIRT] = "libvirt",
};

const char *host_check_name(enum host_check_id id)
{
        return id < HC_COUNT ? check_names[id] : "unknown";
}

const char *host_check_status_name(enum host_check_status s)
{
        return s == HOST_CHECK_PASS ? "pass" : s == HOST_CHECK_FAIL ? "fail" : "unknown";
}

int host_check_set(struct host_check_item *it, enum host_check_status s, const char *advice,
                   const char *fmt, ...)
{
        char *evidence = NULL;
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = vasprintf(&evidence, fmt, ap);
        va_end(ap);
        if (r < 0)
                return -ENOMEM;
        free(it->evidence);
        free(it->advice);
        it->status = s;
        it->evidence = evidence;
        it->advice = advice ? strdup(advice) : NULL;
        return advice && !it->advice ? -ENOMEM : 0;
}

/* ROOT/PATH, the host path when root is empty. */
static char *at_root(const struct host_check_opts *o, const char *path)
{
        char *s = NULL;

        return asprintf(&s, "%s%s", o->root ? o->root : "", path) < 0 ? NULL : s;
}

/* The whole small file at ROOT/PATH with trailing newlines cut; -errno.
 * Read, not mapped: procfs and sysfs files report a size of 0 or 4096
 * whatever they hold. */
static int read_host_file(const struct host_check_opts *o, const char *path, char **ret)
{
        _cleanup_free_ char *full = at_root(o, path);
        _cleanup_buf_ struct buf b = BUF_INIT;
        _cleanup_close_ int fd = -1;
        char chunk[4096];
        ssize_t n;

        if (!full)
                return -ENOMEM;
        fd = open(full, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (buf_reserve(&b, 0) < 0)
                return -ENOMEM;
        while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (b.len + (size_t)n > HOST_FILE_MAX)
                        return -EFBIG;
                if (buf_append(&b, chunk, (size_t)n) < 0)
                        return -ENOMEM;
        }
        while (b.len && (b.data[b.len - 1] == '\n' || b.data[b.len - 1] == ' '))
                b.data[--b.len] = '\0';
        *ret = buf_detach(&b, NULL);
        return *ret ? 0 : -ENOMEM;
}

static bool has_word(const char *list, const char *word)
{
        size_t n = strlen(word);

        for (const char *p = list; (p = strstr(p, word)); p += n)
                if ((p == list || p[-1] == ' ' || p[-1] == '\t') &&
                    (p[n] == '\0' || p[n] == ' ' || p[n] == '\n'))
                        return true;
        return false;
}

static int check_cpu(const struct host_check_opts *o, struct host_check_item *it)
{
        _cleanup_free_ char *text = NULL, *line = NULL;
        const char *flags;
        int r = read_host_file(o, "/proc/cpuinfo", &text);

        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return host_check_set(it, HOST_CHECK_UNKNOWN, "run on the host itself, with /proc mounted",
                                      "/proc/cpuinfo: cannot read: %s", strerror(-r));
        flags = strncmp(text, "flags", 5) == 0 ? text : strstr(text, "\nflags");
        flags = flags ? strchr(flags, ':') : NULL;
        if (!flags)
                return host_check_set(it, HOST_CHECK_UNKNOWN, "run on an x86 host",
                                      "/proc/cpuinfo: no flags line");
        line = strndup(flags + 1, strcspn(flags + 1, "\n"));
        if (!line)
                return -ENOMEM;
        if (has_word(line, "tdx_host_platform"))
                return host_check_set(it, HOST_CHECK_PASS, NULL,
                                      "/proc/cpuinfo: flags include tdx_host_platform");
        if (has_word(line, "tdx_guest"))
                return host_check_set(it, HOST_CHECK_FAIL,
                                      "run the harness on the TDX host, not inside a TD",
                                      "/proc/cpuinfo: flags include tdx_guest: this is a TD, "
                                      "not a TDX host");
        return host_check_set(it, HOST_CHECK_FAIL,
                              "use a CPU with TDX (Xeon 4th generation or later), enable TDX in the "
                              "BIOS, and boot a host kernel with TDX host support (upstream >= 6.16)",
                              "/proc/cpuinfo: flags have no tdx_host_platform%s",
                              has_word(line, "hypervisor")
                                      ? " (and have hypervisor: this host is itself a virtual machine)"
                                      : "");
}

static int check_kvm_tdx(const struct host_check_opts *o, struct host_check_item *it)
{
        static const char param[] = "/sys/module/kvm_intel/parameters/tdx";
        _cleanup_free_ char *text = NULL, *dir = NULL;
        int r = read_host_file(o, param, &text);

        if (r == -ENOMEM)
                return r;
        if (r >= 0 && (strcmp(text, "Y") == 0 || strcmp(text, "1") == 0))
                return host_check_set(it, HOST_CHECK_PASS, NULL, "%s: %s", param, text);
        if (r >= 0)
                return host_check_set(it, HOST_CHECK_FAIL,
                                      "load kvm_intel with tdx=1 (modprobe -r kvm_intel && modprobe "
                                      "kvm_intel tdx=1) or boot with kvm_intel.tdx=1",
                                      "%s: %s", param, text);
        dir = at_root(o, "/sys/module/kvm_intel");
        if (!dir)
                return -ENOMEM;
        if (access(dir, F_OK) == 0)
                return host_check_set(it, HOST_CHECK_FAIL,
                                      "boot a host kernel with TDX host support (upstream >= 6.16, "
                                      "CONFIG_INTEL_TDX_HOST)",
                                      "%s: missing: this kvm_intel has no tdx parameter", param);
        return host_check_set(it, HOST_CHECK_FAIL, "load kvm_intel (modprobe kvm_intel tdx=1)",
                              "/sys/module/kvm_intel: missing: kvm_intel is not loaded");
}

/* The VM types KVM offers: KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES) on the
 * device; a regular file in its place (a test's tree) holds the mask as
 * text, since only a character device answers the ioctl. */
static int kvm_vm_types(int fd, long *ret)
{
        struct stat st;
        char text[32] = "";
        ssize_t n;

        if (fstat(fd, &st) < 0)
                return -errno;
        if (S_ISCHR(st.st_mode)) {
                int v = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_VM_TYPES);

                if (v < 0)
                        return -errno;
                *ret = v;
                return 0;
        }
        n = read(fd, text, sizeof(text) - 1);
        if (n < 0)
                return -errno;
        *ret = strtol(text, NULL, 0);
        return 0;
}

static int check_kvm_dev(const struct host_check_opts *o, struct host_check_item *it)
{
        _cleanup_free_ char *dev = at_root(o, "/dev/kvm");
        _cleanup_close_ int fd = -1;
        long types = 0;
        int r;

        if (!dev)
                return -ENOMEM;
        fd = open(dev, O_RDWR | O_CLOEXEC);
        if (fd < 0 && errno == ENOENT)
                return host_check_set(it, HOST_CHECK_FAIL,
                                      "enable VT-x in the BIOS and load kvm_intel; in a VM, KVM is "
                                      "not offered and TDs cannot run",
                                      "/dev/kvm: missing");
        if (fd < 0)
                return host_check_set(it, HOST_CHECK_FAIL,
                                      "add the user to the kvm group (or run as root)",
                                      "/dev/kvm: cannot open: %s", strerror(errno));
        r = kvm_vm_types(fd, &types);
        if (r < 0)
                return host_check_set(it, HOST_CHECK_UNKNOWN, "check the host kernel's KVM",
                                      "/dev/kvm: KVM_CHECK_EXTENSION(KVM_CAP_VM_TYPES): %s",
                                      strerror(-r));
        if (types & (1l << KVM_X86_TDX_VM_TYPE))
                return host_check_set(it, HOST_CHECK_PASS, NULL,
                                      "/dev/kvm: VM types 0x%lx include TDX (bit %d)", types,
                                      KVM_X86_TDX_VM_TYPE);
        return host_check_set(it, HOST_CHECK_FAIL,
                              "a host kernel with TDX host support (>= 6.16) and kvm_intel tdx=1 "
                              "offer the TDX VM type",
                              "/dev/kvm: VM types 0x%lx have no TDX (bit %d)", types,
                              KVM_X86_TDX_VM_TYPE);
}

static int check_keyids(const struct host_check_opts *o, struct host_check_item *it)
{
        static const char cap[] = "/sys/fs/cgroup/misc.capacity";
        _cleanup_free_ char *text = NULL, *used = NULL;
        const char *line;
        unsigned long n, in_use = 0;
        int r = read_host_file(o, cap, &text);

        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return host_check_set(it, HOST_CHECK_UNKNOWN,
                                      "mount cgroup v2 with the misc controller to see TDX KeyIDs",
                                      "%s: cannot read: %s", cap, strerror(-r));
        line = strncmp(text, "tdx ", 4) == 0 ? text : strstr(text, "\ntdx ");
        if (!line)
                return host_check_set(it, HOST_CHECK_FAIL,
                                      "enable TDX in the BIOS (with TME-MT and enough KeyIDs for TDX)",
                                      "%s: no tdx line", cap);
        n = strtoul(line + (line == text ? 4 : 5), NULL, 10);
        if (read_host_file(o, "/sys/fs/cgroup/misc.current", &used) >= 0) {
                const char *u = strncmp(used, "tdx ", 4) == 0 ? used : strstr(used, "\ntdx ");

                if (u)
                        in_use = strtoul(u + (u == used ? 4 : 5), NULL, 10);
        }
        if (n == 0)
                return host_check_set(it, HOST_CHECK_FAIL,
                                      "assign KeyIDs to TDX in the BIOS",
                                      "%s: tdx 0", cap);
        if (in_use >= n)
                return host_check_set(it, HOST_CHECK_FAIL, "stop a running TD to free a KeyID",
                                      "%s: tdx %lu, all in use (misc.current)", cap, n);
        return host_check_set(it, HOST_CHECK_PASS, NULL, "%s: tdx %lu (%lu in use)", cap, n,
                              in_use);
}

static int check_firmware(const struct host_check_opts *o, struct host_check *hc)
{
        struct host_check_item *it = &hc->items[HC_FIRMWARE];
        const char *one[] = { o->firmware };
        const char *const *paths = o->firmware ? one : firmware_paths;
        size_t n = o->firmware ? 1 : ELEMENTSOF(firmware_paths);
        _cleanup_buf_ struct buf seen = BUF_INIT;

        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *full = at_root(o, paths[i]);
                struct mapped_file fw = { 0 };
                struct tdvf_metadata md = { 0 };
                struct tdxh_err fe = { 0 };

                if (!full)
                        return -ENOMEM;
                if (access(full, F_OK) < 0) {
                        if (buf_printf(&seen, "%s%s: missing", seen.len ? "; " : "", paths[i]) < 0)
                                return -ENOMEM;
                        continue;
                }
                if (tdvf_open_file(full, &fw, &md, &fe) < 0) {
                        if (buf_printf(&seen, "%s%s: no TDX metadata", seen.len ? "; " : "",
                                       paths[i]) < 0)
                                return -ENOMEM;
                        continue;
                }
                file_unmap(&fw);
                tdvf_metadata_free(&md);
                hc->firmware = strdup(paths[i]);
                if (!hc->firmware)
                        return -ENOMEM;
                return host_check_set(it, HOST_CHECK_PASS, NULL, "%s: TDVF metadata present",
                                      paths[i]);
        }
        return host_check_set(it, HOST_CHECK_FAIL,
                              "install a TDVF build (OVMF.inteltdx.fd, or OVMF from edk2 >= "
                              "stable202111) or give --firmware",
                              "%s", seen.len ? seen.data : "no firmware");
}

static int check_qgs(const struct host_check_opts *o, struct host_check_item *it)
{
        const char *path = o->qgs_socket ? o->qgs_socket : HOST_CHECK_QGS_SOCKET;
        static const char advice[] = "install and start Intel's QGS (tdx-qgs); without it TDs run "
                                     "but get no quotes";
        _cleanup_free_ char *full = at_root(o, path);
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        if (!full)
                return -ENOMEM;
        if (stat(full, &st) < 0)
                return host_check_set(it, HOST_CHECK_FAIL, advice, "%s: %s", path, strerror(errno));
        if (!S_ISSOCK(st.st_mode))
                return host_check_set(it, HOST_CHECK_FAIL, advice, "%s: not a socket", path);
        r = unix_connect(full, &fd);
        if (r < 0)
                return host_check_set(it, HOST_CHECK_FAIL, advice, "%s: connect: %s", path,
                                      strerror(-r));
        return host_check_set(it, HOST_CHECK_PASS, NULL, "%s: accepts connections", path);
}

void host_check_free(struct host_check *hc)
{
        for (size_t i = 0; i < HC_COUNT; i++) {
                free(hc->items[i].evidence);
                free(hc->items[i].advice);
        }
        free(hc->qemu_version);
        free(hc->firmware);
        *hc = (struct host_check){ 0 };
}

int host_check_run(const struct host_check_opts *o, struct signal_watch *sw,
                   struct host_check *ret, struct tdxh_err *e)
{
        static const enum host_check_id required[] = { HC_CPU,  HC_KVM_TDX,  HC_KVM_DEV,
                                                       HC_KEYIDS, HC_QEMU, HC_FIRMWARE };
        int r;

        *ret = (struct host_check){ 0 };
        for (size_t i = 0; i < ELEMENTSOF(required); i++)
                ret->items[required[i]].required = true;
        if ((r = check_cpu(o, &ret->items[HC_CPU])) < 0 ||
            (r = check_kvm_tdx(o, &ret->items[HC_KVM_TDX])) < 0 ||
            (r = check_kvm_dev(o, &ret->items[HC_KVM_DEV])) < 0 ||
            (r = check_keyids(o, &ret->items[HC_KEYIDS])) < 0 ||
            (r = check_firmware(o, ret)) < 0 || (r = check_qgs(o, &ret->items[HC_QGS])) < 0 ||
            (r = host_check_tools(o, sw, ret, e)) < 0)
                return r;
        ret->can_run_tds = true;
        for (size_t i = 0; i < HC_COUNT; i++)
                if (ret->items[i].required && ret->items[i].status != HOST_CHECK_PASS)
                        ret->can_run_tds = false;
        return 0;
}

char *host_check_reason(const struct host_check *hc)
{
        _cleanup_buf_ struct buf b = BUF_INIT;

        for (size_t i = 0; i < HC_COUNT; i++) {
                const struct host_check_item *it = &hc->items[i];

                if (!it->required || it->status == HOST_CHECK_PASS)
                        continue;
                if (buf_printf(&b, "%s%s %s: %s", b.len ? "; " : "", check_names[i],
                               host_check_status_name(it->status), it->evidence) < 0)
                        return NULL;
        }
        return b.len ? buf_detach(&b, NULL) : NULL;
}

int host_check_json(const struct host_check *hc, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *checks;

        if (!o)
                return -ENOMEM;
        checks = json_object_new_array();
        if (json_add(o, "checks", checks) < 0 || !checks ||
            json_add_bool(o, "can_run_tds", hc->can_run_tds) < 0 ||
            json_add_string(o, "qemu_version", hc->qemu_version) < 0 ||
            json_add_string(o, "firmware", hc->firmware) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < HC_COUNT; i++) {
                const struct host_check_item *it = &hc->items[i];
                json_object *c = json_object_new_object();

                if (!c || json_array_add(checks, c) < 0 ||
                    json_add_string(c, "name", check_names[i]) < 0 ||
                    json_add_string(c, "status", host_check_status_name(it->status)) < 0 ||
                    json_add_bool(c, "required", it->required) < 0 ||
                    json_add_string(c, "evidence", it->evidence) < 0 ||
                    json_add_string(c, "advice", it->advice) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(o);
        return 0;
}
