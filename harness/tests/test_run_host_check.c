/* The host probe (run/host_check.h) against directory trees of its own: a
 * TDX host, and that host with one thing wrong at a time (no CPU flag, a TD
 * instead of a host, kvm_intel tdx=N or without the parameter, no KVM TDX VM
 * type, no or used-up KeyIDs, no misc cgroup, an old QEMU, no QEMU, a
 * firmware without TDX metadata, libvirt with and without TDX). QEMU and
 * virsh are small scripts that answer like the real programs. */
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "ovmf_fixture.h"
#include "run/host_check.h"
#include "testutil.h"

#define U HOST_CHECK_UNKNOWN
#define P HOST_CHECK_PASS
#define F HOST_CHECK_FAIL

static const char cpuinfo_tdx[] = "processor\t: 0\nflags\t\t: fpu vmx tdx_host_platform\n";

static const char qemu_new[] =
        "#!/bin/sh\n"
        "case \"$1\" in\n"
        "--version) echo 'QEMU emulator version 10.1.0'; echo 'Copyright (c) 2003-2025';;\n"
        "-object) printf 'List of user creatable objects:\\n  sev-guest\\n  tdx-guest\\n';;\n"
        "esac\n";
static const char qemu_old[] =
        "#!/bin/sh\n"
        "case \"$1\" in\n"
        "--version) echo 'QEMU emulator version 8.2.2 (Debian 1:8.2.2)';;\n"
        "-object) printf 'List of user creatable objects:\\n  sev-guest\\n  tdx-guest-x\\n';;\n"
        "esac\n";
static const char qemu_vendor_old[] =
        "#!/bin/sh\n"
        "case \"$1\" in\n"
        "--version) echo 'QEMU emulator version 8.2.2 (Debian 1:8.2.2+ds-0ubuntu1.4+tdx1.0)';;\n"
        "-object) printf 'List of user creatable objects:\\n  tdx-guest\\n';;\n"
        "esac\n";
static const char virsh_tdx[] =
        "#!/bin/sh\n"
        "case \"$1\" in\n"
        "--version) echo 11.6.0;;\n"
        "-c) echo \"<domainCapabilities><features><launchSecurity supported='yes'>"
        "<enum name='sectype'><value>tdx</value></enum></launchSecurity></features>"
        "</domainCapabilities>\";;\n"
        "esac\n";
static const char virsh_no_tdx[] =
        "#!/bin/sh\n"
        "case \"$1\" in\n"
        "--version) echo 11.8.0;;\n"
        "-c) echo \"<domainCapabilities><features><launchSecurity supported='yes'>"
        "<enum name='sectype'><value>sev</value></enum></launchSecurity></features>"
        "</domainCapabilities>\";;\n"
        "esac\n";
static const char virsh_old[] = "#!/bin/sh\necho 9.0.0\n";

/* One file of a tree: NULL content removes it (a folder with what is in it). */
struct tree_file {
        const char *path;
        const char *content;
};

struct host_case {
        const char *name;
        struct tree_file changes[3]; /* over the TDX host's tree */
        const char *qemu;            /* the QEMU script; NULL: none installed */
        const char *virsh;           /* the virsh script; NULL: none installed */
        enum host_check_status want[HC_COUNT];
        bool can_run;
        enum host_check_id look;     /* whose evidence must contain ... */
        const char *evidence;
};

static const struct tree_file tdx_host[] = {
        { "/proc/cpuinfo", cpuinfo_tdx },
        { "/sys/module/kvm_intel/parameters/tdx", "Y\n" },
        { "/dev/kvm", "0x21\n" }, /* VM types: default (0) and TDX (5) */
        { "/sys/fs/cgroup/misc.capacity", "sev 0\ntdx 31\n" },
        { "/sys/fs/cgroup/misc.current", "tdx 1\n" },
};

static const struct host_case cases[] = {
        { "tdx-host", {}, qemu_new, virsh_tdx, { P, P, P, P, P, P, P, P }, true, HC_KEYIDS,
          "tdx 31 (1 in use)" },
        { "no-cpu-flag", { { "/proc/cpuinfo", "flags\t\t: fpu vmx hypervisor\n" } }, qemu_new,
          virsh_tdx, { F, P, P, P, P, P, P, P }, false, HC_CPU, "no tdx_host_platform" },
        { "inside-a-td", { { "/proc/cpuinfo", "flags\t\t: fpu tdx_guest\n" } }, qemu_new, NULL,
          { F, P, P, P, P, P, P, U }, false, HC_CPU, "this is a TD" },
        { "kvm-intel-tdx-N", { { "/sys/module/kvm_intel/parameters/tdx", "N\n" } }, qemu_new,
          NULL, { P, F, P, P, P, P, P, U }, false, HC_KVM_TDX, "parameters/tdx: N" },
        { "kvm-intel-without-tdx",
          { { "/sys/module/kvm_intel/parameters/tdx", NULL },
            { "/sys/module/kvm_intel/parameters/nested", "Y\n" } },
          qemu_new, NULL, { P, F, P, P, P, P, P, U }, false, HC_KVM_TDX, "no tdx parameter" },
        { "no-kvm-intel", { { "/sys/module/kvm_intel", NULL } }, qemu_new, NULL,
          { P, F, P, P, P, P, P, U }, false, HC_KVM_TDX, "not loaded" },
        { "kvm-without-tdx-vm-type", { { "/dev/kvm", "0x1\n" } }, qemu_new, NULL,
          { P, P, F, P, P, P, P, U }, false, HC_KVM_DEV, "0x1 have no TDX" },
        { "no-dev-kvm", { { "/dev/kvm", NULL } }, qemu_new, NULL, { P, P, F, P, P, P, P, U },
          false, HC_KVM_DEV, "/dev/kvm: missing" },
        { "no-keyids", { { "/sys/fs/cgroup/misc.capacity", "tdx 0\n" } }, qemu_new, NULL,
          { P, P, P, F, P, P, P, U }, false, HC_KEYIDS, "tdx 0" },
        { "keyids-used-up", { { "/sys/fs/cgroup/misc.current", "tdx 31\n" } }, qemu_new, NULL,
          { P, P, P, F, P, P, P, U }, false, HC_KEYIDS, "all in use" },
        { "no-tdx-line", { { "/sys/fs/cgroup/misc.capacity", "sev 15\n" } }, qemu_new, NULL,
          { P, P, P, F, P, P, P, U }, false, HC_KEYIDS, "no tdx line" },
        { "no-misc-cgroup", { { "/sys/fs/cgroup/misc.capacity", NULL } }, qemu_new, NULL,
          { P, P, P, U, P, P, P, U }, false, HC_KEYIDS, "cannot read" },
        { "old-qemu", {}, qemu_old, NULL, { P, P, P, P, F, P, P, U }, false, HC_QEMU,
          "version 8.2.2" },
        { "vendor-qemu-before-10.1", {}, qemu_vendor_old, NULL, { P, P, P, P, F, P, P, U }, false,
          HC_QEMU, "older than 10.1" },
        { "no-qemu", {}, NULL, NULL, { P, P, P, P, F, P, P, U }, false, HC_QEMU, "--version" },
        { "firmware-without-metadata",
          { { "/usr/share/ovmf/OVMF.fd", "not a firmware image" } }, qemu_new, NULL,
          { P, P, P, P, P, F, P, U }, false, HC_FIRMWARE, "OVMF.fd: no TDX metadata" },
        { "no-qgs-still-runs", { { "/var/run/tdx-qgs/qgs.socket", NULL } }, qemu_new, virsh_tdx,
          { P, P, P, P, P, P, F, P }, true, HC_QGS, "No such file" },
        { "libvirt-without-tdx", {}, qemu_new, virsh_no_tdx, { P, P, P, P, P, P, P, F }, true,
          HC_LIBVIRT, "no tdx launch security" },
        { "libvirt-too-old", {}, qemu_new, virsh_old, { P, P, P, P, P, P, P, F }, true,
          HC_LIBVIRT, "9.0.0 (TDX needs >= 11.6)" },
};

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
        (void)st;
        (void)flag;
        (void)f;
        return remove(path);
}

static void put_file(const char *root, const char *path, const char *content, mode_t mode)
{
        char *full = NULL, *dir;

        ck_assert_int_ge(asprintf(&full, "%s%s", root, path), 0);
        dir = strdup(full);
        *strrchr(dir, '/') = '\0';
        ck_assert_int_eq(file_mkdir_p(dir, 0755), 0);
        ck_assert_int_eq(nftw(full, remove_one, 8, FTW_DEPTH | FTW_PHYS) < 0 && errno != ENOENT, 0);
        if (content)
                ck_assert_int_eq(file_write_atomic(full, content, strlen(content), mode, NULL), 0);
        free(dir);
        free(full);
}

/* A listening socket at ROOT/PATH, the QGS's stand-in; returns its fd. */
static int put_socket(const char *root, const char *path)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

        put_file(root, path, "", 0644);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s%s", root, path);
        unlink(sa.sun_path);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
        ck_assert_int_eq(listen(fd, 4), 0);
        return fd;
}

START_TEST(test_host_check_cases)
{
        const struct host_case *c = &cases[_i];
        char *root = tmpdir_make(), *fw = NULL, *qemu = NULL, *virsh = NULL, *reason;
        struct host_check hc;
        struct host_check_opts o = { .root = root, .virsh = "tdxh-test-no-virsh" };
        struct tdxh_err e = { 0 };
        int qgs;

        for (size_t i = 0; i < ELEMENTSOF(tdx_host); i++)
                put_file(root, tdx_host[i].path, tdx_host[i].content, 0644);
        ck_assert_int_ge(asprintf(&fw, "%s/usr/share/ovmf", root), 0);
        ck_assert_int_eq(file_mkdir_p(fw, 0755), 0);
        free(fw);
        ck_assert_int_ge(asprintf(&fw, "%s/usr/share/ovmf/OVMF.fd", root), 0);
        ck_assert_int_eq(symlink(OVMF_PATH, fw), 0);
        qgs = put_socket(root, HOST_CHECK_QGS_SOCKET);
        for (size_t i = 0; i < ELEMENTSOF(c->changes) && c->changes[i].path; i++)
                put_file(root, c->changes[i].path, c->changes[i].content, 0644);
        ck_assert_int_ge(asprintf(&qemu, "%s/bin/qemu-system-x86_64", root), 0);
        if (c->qemu)
                put_file(root, "/bin/qemu-system-x86_64", c->qemu, 0755);
        o.qemu = qemu;
        if (c->virsh) {
                ck_assert_int_ge(asprintf(&virsh, "%s/bin/virsh", root), 0);
                put_file(root, "/bin/virsh", c->virsh, 0755);
                o.virsh = virsh;
        }

        ck_assert_msg(host_check_run(&o, NULL, &hc, &e) == 0, "%s", e.msg);
        for (size_t i = 0; i < HC_COUNT; i++)
                ck_assert_msg(hc.items[i].status == c->want[i], "%s: %s is %s, not %s: %s",
                              c->name, host_check_name(i),
                              host_check_status_name(hc.items[i].status),
                              host_check_status_name(c->want[i]), hc.items[i].evidence);
        ck_assert_msg(hc.can_run_tds == c->can_run, "%s: can_run_tds", c->name);
        ck_assert_msg(strstr(hc.items[c->look].evidence, c->evidence), "%s: evidence '%s'",
                      c->name, hc.items[c->look].evidence);
        /* A failed check always says what to do; a pass needs no advice. */
        for (size_t i = 0; i < HC_COUNT; i++)
                ck_assert_int_eq(hc.items[i].advice != NULL, hc.items[i].status != P);
        reason = host_check_reason(&hc);
        ck_assert_int_eq(reason != NULL, !c->can_run);
        if (reason)
                ck_assert_ptr_nonnull(strstr(reason, host_check_name(c->look)));
        free(reason);

        host_check_free(&hc);
        close(qgs);
        free(fw);
        free(qemu);
        free(virsh);
        tmpdir_remove(root);
}
END_TEST

START_TEST(test_host_check_json_lists_every_check)
{
        struct host_check hc = { 0 };
        json_object *j = NULL, *checks, *first;

        for (size_t i = 0; i < HC_COUNT; i++)
                ck_assert_int_eq(host_check_set(&hc.items[i], F, "do this", "file: %zu", i), 0);
        hc.items[HC_CPU].required = true;
        ck_assert_int_eq(host_check_json(&hc, &j), 0);
        ck_assert(!json_object_get_boolean(json_object_object_get(j, "can_run_tds")));
        checks = json_object_object_get(j, "checks");
        ck_assert_uint_eq(json_object_array_length(checks), HC_COUNT);
        first = json_object_array_get_idx(checks, 0);
        ck_assert_str_eq(json_object_get_string(json_object_object_get(first, "name")), "cpu");
        ck_assert_str_eq(json_object_get_string(json_object_object_get(first, "status")), "fail");
        ck_assert_str_eq(json_object_get_string(json_object_object_get(first, "evidence")),
                         "file: 0");
        ck_assert_str_eq(json_object_get_string(json_object_object_get(first, "advice")),
                         "do this");
        json_object_put(j);
        host_check_free(&hc);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("run/host_check");
        TCase *tc = tcase_create("probe");

        if (access(OVMF_PATH, R_OK) != 0)
                return OVMF_SKIP;
        tcase_add_loop_test(tc, test_host_check_cases, 0, ELEMENTSOF(cases));
        tcase_add_test(tc, test_host_check_json_lists_every_check);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
