/* Guests for the boot integration tests: the pinned Debian kernel
 * (scripts/reference-kernel.sh) and tiny busybox initramfs images built
 * here, in the kernel's newc cpio format, from an /init script. One flavour
 * also loads the virtio modules from the kernel package and runs a shell
 * stand-in for the agent that answers hello and poweroff on the
 * virtio-serial port, which is enough to drive the boot path end to end
 * while the real agent is built elsewhere. */
#pragma once

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sys/prctl.h>

#include "core/buf.h"
#include "core/file.h"
#include "core/strv.h"
#include "proc_check.h"
#include "run/boot.h"
#include "run/child.h"
#include "run/wait.h"
#include "testutil.h"

#define IT_BUSYBOX "/bin/busybox"
#define IT_OVMF "/usr/share/ovmf/OVMF.fd"

/* Path of the reference kernel, fetched on first use; NULL when it cannot
 * be had here (the caller skips with 77). */
static inline char *it_reference_kernel(void)
{
        const char *argv[] = { TDXH_SOURCE_DIR "/scripts/reference-kernel.sh", NULL };
        struct deadline d = deadline_in_ms(900000);
        struct tdxh_err e = { 0 };
        char *out = NULL;

        if (child_run_capture(argv, 4096, &d, NULL, &out, &e) < 0) {
                fprintf(stderr, "reference kernel unavailable: %s\n", e.msg);
                return NULL;
        }
        out[strcspn(out, "\n")] = '\0';
        if (access(out, R_OK) < 0) {
                free(out);
                return NULL;
        }
        return out;
}

static inline void it_cpio_entry(struct buf *b, const char *name, unsigned mode,
                                 unsigned rdev_major, unsigned rdev_minor, const void *data,
                                 size_t len)
{
        unsigned ino = (unsigned)b->len + 1; /* unique: the archive only grows */
        size_t namesize = strlen(name) + 1;

        ck_assert_int_eq(buf_printf(b, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X",
                                    ino, mode, 0u, 0u, 1u, 0u, len, 0u, 0u, rdev_major,
                                    rdev_minor, namesize, 0u),
                         0);
        ck_assert_int_eq(buf_append(b, name, namesize), 0);
        while (b->len % 4)
                ck_assert_int_eq(buf_putc(b, 0), 0);
        if (len)
                ck_assert_int_eq(buf_append(b, data, len), 0);
        while (b->len % 4)
                ck_assert_int_eq(buf_putc(b, 0), 0);
}

static inline void it_cpio_file(struct buf *b, const char *name, unsigned mode, const char *src)
{
        size_t len;
        uint8_t *data = slurp(src, &len);

        it_cpio_entry(b, name, 0100000 | mode, 0, 0, data, len);
        free(data);
}

/* The kernel package's module directory, from the kernel's path
 * (ROOT/boot/vmlinuz-VERSION → ROOT/lib/modules/VERSION/kernel). */
static inline char *it_module_dir(const char *kernel)
{
        char *copy = strdup(kernel), *dir = NULL;
        const char *base = strrchr(kernel, '/');
        char *boot;

        ck_assert_ptr_nonnull(copy);
        ck_assert_ptr_nonnull(base);
        boot = dirname(copy);
        ck_assert_int_ge(asprintf(&dir, "%s/../lib/modules/%s/kernel", boot,
                                  base + 1 + strlen("vmlinuz-")),
                         0);
        free(copy);
        return dir;
}

/* Modules the agent stand-in needs, in load order. */
static const char *const it_modules[] = {
        "drivers/virtio/virtio_ring.ko",           "drivers/virtio/virtio.ko",
        "drivers/virtio/virtio_pci_modern_dev.ko", "drivers/virtio/virtio_pci_legacy_dev.ko",
        "drivers/virtio/virtio_pci.ko",            "drivers/char/virtio_console.ko",
        "drivers/firmware/qemu_fw_cfg.ko",
};

/* Writes an initramfs with busybox, /dev/console and the given /init
 * (a busybox sh script). With kernel non-NULL the modules above are
 * included under /lib/modules/. With init NULL there is no /init at all. */
static inline void it_initramfs_write(const char *path, const char *init, const char *kernel)
{
        struct buf b = BUF_INIT;
        struct tdxh_err e = { 0 };

        it_cpio_entry(&b, "bin", 040755, 0, 0, NULL, 0);
        it_cpio_entry(&b, "dev", 040755, 0, 0, NULL, 0);
        it_cpio_entry(&b, "dev/console", 020600, 5, 1, NULL, 0);
        it_cpio_entry(&b, "proc", 040755, 0, 0, NULL, 0);
        it_cpio_entry(&b, "sys", 040755, 0, 0, NULL, 0);
        it_cpio_file(&b, "bin/busybox", 0755, IT_BUSYBOX);
        if (init)
                it_cpio_entry(&b, "init", 0100755, 0, 0, init, strlen(init));
        if (kernel) {
                char *mods = it_module_dir(kernel);

                it_cpio_entry(&b, "lib", 040755, 0, 0, NULL, 0);
                it_cpio_entry(&b, "lib/modules", 040755, 0, 0, NULL, 0);
                for (size_t i = 0; i < sizeof(it_modules) / sizeof(it_modules[0]); i++) {
                        char *src = NULL, *name = NULL;

                        ck_assert_int_ge(asprintf(&src, "%s/%s", mods, it_modules[i]), 0);
                        ck_assert_int_ge(asprintf(&name, "lib/modules/%s",
                                                  strrchr(it_modules[i], '/') + 1),
                                         0);
                        it_cpio_file(&b, name, 0644, src);
                        free(src);
                        free(name);
                }
                free(mods);
        }
        it_cpio_entry(&b, "TRAILER!!!", 0, 0, 0, NULL, 0);
        ck_assert_msg(file_write_atomic(path, b.data, b.len, 0644, &e) == 0, "%s", e.msg);
        buf_free(&b);
}

/* /init scripts. */
#define IT_INIT_POWEROFF                                                                   \
        "#!/bin/busybox sh\n"                                                              \
        "B=/bin/busybox\n"                                                                 \
        "$B mount -t proc proc /proc\n"                                                    \
        "$B mount -t sysfs sys /sys\n"                                                     \
        "$B echo TDXH-GUEST-UP tpm=$($B ls /sys/class/tpm)\n"                              \
        "$B poweroff -f\n"

#define IT_INIT_SILENT                                                                     \
        "#!/bin/busybox sh\n"                                                              \
        "/bin/busybox echo TDXH-GUEST-SILENT\n"                                            \
        "exec /bin/busybox sleep 100000\n"

/* The agent stand-in: finds its port by name, answers hello (with what the
 * fake TDX module put into fw_cfg) and poweroff, refuses anything else. */
#define IT_INIT_AGENT                                                                       \
        "#!/bin/busybox sh\n"                                                               \
        "B=/bin/busybox\n"                                                                  \
        "$B mount -t proc proc /proc\n"                                                     \
        "$B mount -t sysfs sys /sys\n"                                                      \
        "$B mount -t devtmpfs dev /dev\n"                                                   \
        "for m in virtio_ring virtio virtio_pci_modern_dev virtio_pci_legacy_dev virtio_pci " \
        "virtio_console qemu_fw_cfg; do $B insmod /lib/modules/$m.ko; done\n"               \
        "P=\n"                                                                              \
        "while [ -z \"$P\" ]; do\n"                                                         \
        "  for d in /sys/class/virtio-ports/*; do\n"                                        \
        "    [ \"$($B cat $d/name 2>/dev/null)\" = org.tdxh.agent.0 ] && P=/dev/${d##*/}\n" \
        "  done\n"                                                                          \
        "  [ -z \"$P\" ] && $B sleep 0.2\n"                                                 \
        "done\n"                                                                            \
        "A=$($B od -An -tx1 "                                                               \
        "/sys/firmware/qemu_fw_cfg/by_name/opt/tdxh/td_attributes/raw | $B tr -d ' \\n')\n" \
        "$B echo TDXH-AGENT-DOUBLE port=$P td_attributes=$A\n"                              \
        "exec 3<>$P\n"                                                                      \
        "while read -r line <&3; do\n"                                                      \
        "  id=${line#*\\\"id\\\":}; id=${id%%[,\\}]*}\n"                                    \
        "  case \"$line\" in\n"                                                             \
        "  *'\"op\":\"hello\"'*) $B echo \"{\\\"id\\\":$id,\\\"ok\\\":true,"                \
        "\\\"agent\\\":\\\"busybox-double\\\",\\\"protocol\\\":1,"                           \
        "\\\"td_attributes\\\":\\\"$A\\\"}\" >&3 ;;\n"                                      \
        "  *'\"op\":\"poweroff\"'*) $B echo \"{\\\"id\\\":$id,\\\"ok\\\":true}\" >&3; "     \
        "$B poweroff -f ;;\n"                                                               \
        "  *) $B echo \"{\\\"id\\\":$id,\\\"ok\\\":false,\\\"errno\\\":38,"                 \
        "\\\"error\\\":\\\"unknown op\\\"}\" >&3 ;;\n"                                      \
        "  esac\n"                                                                          \
        "done\n"

/* A fake platform for the tests: 512 MiB, one vCPU, OVMF, accel detected. */
static inline void it_platform(struct platform *p, const char *kernel, const char *initrd,
                               const char *cmdline)
{
        platform_init(p, PLATFORM_FAKE);
        p->memory = 512ull << 20;
        ck_assert_int_eq(platform_set(&p->firmware, IT_OVMF), 0);
        ck_assert_int_eq(platform_set(&p->kernel, kernel), 0);
        ck_assert_int_eq(platform_set(&p->initrd, initrd), 0);
        ck_assert_int_eq(platform_set(&p->cmdline, cmdline), 0);
}

/* Orphans and zombies of anything this test started become its children. */
static inline void it_become_subreaper(void)
{
        ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
}

/* After a boot ended, however it ended: nothing it started still runs, the
 * children it spawned itself (qemu_pid, swtpm_pid; 0 if none) were reaped,
 * and its runtime directory with the sockets is gone. Other dead processes
 * among the test's children are orphans it adopted as subreaper (swtpm_setup
 * exits without reaping the swtpm it ran; normally init reaps that one):
 * they are reaped here, as init would. */
static inline void it_assert_clean(const char *runtime, pid_t qemu_pid, pid_t swtpm_pid)
{
        struct deadline d = deadline_in_ms(5000);
        char desc[512];
        struct stat st;
        DIR *dir;
        struct dirent *de;

        dir = opendir("/proc");
        ck_assert_ptr_nonnull(dir);
        while ((de = readdir(dir))) {
                char comm[64], state;
                pid_t pp, pg, pid = (pid_t)strtol(de->d_name, NULL, 10);

                if (pid <= 0 || proc_stat_read(pid, comm, &state, &pp, &pg) < 0 ||
                    pp != getpid())
                        continue;
                ck_assert_msg(pid != qemu_pid && pid != swtpm_pid,
                              "%s (pid %d) was not reaped", comm, (int)pid);
                /* An adopted orphan on its way out is reaped; one that lives on fails. */
                while (state != 'Z' && !deadline_expired(&d)) {
                        struct deadline tick = deadline_in_ms(10);
                        (void)wait_fd(-1, 0, &tick, NULL, NULL);
                        if (proc_stat_read(pid, comm, &state, &pp, &pg) < 0)
                                break;
                }
                ck_assert_msg(state == 'Z', "%s (pid %d) is still running", comm, (int)pid);
                ck_assert_int_eq(waitpid(pid, NULL, 0), pid);
        }
        closedir(dir);
        ck_assert_msg(proc_count(getpid(), -1, desc, sizeof(desc)) == 0,
                      "processes left behind: %s", desc);
        if (runtime)
                ck_assert_msg(stat(runtime, &st) < 0 && errno == ENOENT,
                              "runtime directory %s is still there", runtime);
}

static inline void it_print_timings(const char *what, const struct boot_session *s)
{
        const struct boot_timings *t = &s->timings;

        fprintf(stderr,
                "figures %s: facts %llu ms, swtpm_setup %llu ms, swtpm ready %llu ms, "
                "qemu ready %llu ms, agent ready %llu ms, guest ran %llu ms, poweroff %llu ms, "
                "stop %llu ms\n",
                what, (unsigned long long)t->facts_ms, (unsigned long long)t->swtpm_setup_ms,
                (unsigned long long)t->swtpm_ready_ms, (unsigned long long)t->qemu_ready_ms,
                (unsigned long long)t->agent_ready_ms, (unsigned long long)t->guest_ran_ms,
                (unsigned long long)t->poweroff_ms, (unsigned long long)t->stop_ms);
}
