/* What the host reads of a guest that has no agent: whether and how it
 * stopped (QMP run state, the serial console), its physical memory (QMP
 * pmemsave) and, once QEMU is gone, the TPM's PCRs (swtpm_pcr.h). See
 * boot.h, "Host evidence". */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "run/boot_internal.h"
#include "run/swtpm_pcr.h"

#define QMP_CALL_MS 10000
#define PMEMSAVE_MS 120000
#define STOPPED_TICK_MS 1000
#define KILL_WAIT_MS 5000
#define PCR_READ_MS 10000
#define LINE_LEN 240
#define Q35_LOWMEM_SPLIT 0xb0000000ull
#define Q35_LOWMEM_LIMIT 0x80000000ull

static int qmp_simple(struct boot_session *s, const char *command, json_object *args,
                      uint64_t ms, struct tdxh_err *e)
{
        struct deadline d = deadline_in_ms(ms);
        struct wait_watch w = { .sig = s->sig, .children = { &s->qemu } };

        return qmp_call(&s->qmp, command, args, NULL, &d, &w, e);
}

static int set_how(struct boot_session *s, const char *what, const char *line)
{
        free(s->stopped_how);
        s->stopped_how = NULL;
        if (line)
                return asprintf(&s->stopped_how, "%s (%s)", what, line) < 0 ? -ENOMEM : 0;
        return (s->stopped_how = strdup(what)) ? 0 : -ENOMEM;
}

int boot_host_check_stopped(struct boot_session *s, struct tdxh_err *e)
{
        struct deadline d = deadline_in_ms(QMP_CALL_MS);
        struct wait_watch w = { .sig = s->sig, .children = { &s->qemu } };
        _cleanup_free_ char *state = NULL;
        char line[LINE_LEN];
        bool panic = boot_console_panic(s, line, sizeof(line));
        int r;

        r = qmp_run_state(&s->qmp, &state, &d, &w, e);
        if (r < 0)
                return r;
        if (strcmp(state, "shutdown") == 0)
                r = panic ? set_how(s, "the guest kernel panicked and reset", line)
                          : set_how(s, "the guest powered off or reset", NULL);
        else if (panic) {
                /* A panic that does not reset (no panic=N) leaves the
                 * guest spinning: freeze it where it is. */
                r = qmp_simple(s, "stop", NULL, QMP_CALL_MS, e);
                if (r >= 0)
                        r = set_how(s, "the guest kernel panicked", line);
        } else
                return 0;
        return r < 0 ? r : 1;
}

int fake_boot_wait_stopped(struct boot_session *s, const struct deadline *d, struct tdxh_err *e)
{
        struct wait_watch w = { .sig = s->sig, .children = { &s->tpm.proc } };
        char how[64];
        int r;

        if (!s->live || !s->platform.qmp_socket)
                return err_setf(e, -EINVAL, "boot: the session has no host evidence");
        for (;;) {
                struct deadline tick = deadline_min(deadline_in_ms(STOPPED_TICK_MS), *d);
                struct child *dead = NULL;

                r = boot_host_check_stopped(s, e);
                if (r == -ECHILD)
                        return boot_wait_failed(s, r, &s->qemu, "waiting for the guest to stop", e);
                if (r < 0)
                        return boot_fail(s, BOOT_FAIL_QEMU, r, e);
                if (r > 0)
                        return 0;
                if (deadline_expired(d))
                        break;
                r = wait_fd(s->qemu.pidfd, POLLIN, &tick, &w, &dead);
                if (r == 0)
                        return boot_wait_failed(s, -ECHILD, &s->qemu,
                                                "waiting for the guest to stop", e);
                if (r != -ETIMEDOUT)
                        return boot_wait_failed(s, r, dead, "waiting for the guest to stop", e);
        }
        r = qmp_simple(s, "stop", NULL, QMP_CALL_MS, e);
        if (r < 0)
                return boot_fail(s, BOOT_FAIL_QEMU, r, e);
        snprintf(how, sizeof(how), "the guest still ran after %llu s and was paused",
                 (unsigned long long)elapsed_ms(s->qemu_started_ns) / 1000);
        r = set_how(s, how, NULL);
        return r < 0 ? boot_fail(s, BOOT_FAIL_SETUP, r, e) : 0;
}

int fake_boot_read_memory(struct boot_session *s, uint64_t addr, void *buf, size_t len,
                          struct tdxh_err *e)
{
        _cleanup_free_ char *path = rundir_runtime_file(&s->dir, "guest-memory");
        _cleanup_json_ json_object *args = json_object_new_object();
        _cleanup_close_ int fd = -1;
        size_t got = 0;
        int r;

        if (!path || !args || json_add(args, "val", json_object_new_uint64(addr)) < 0 ||
            json_add(args, "size", json_object_new_uint64(len)) < 0 ||
            json_add_string(args, "filename", path) < 0)
                return -ENOMEM;
        r = qmp_simple(s, "pmemsave", args, PMEMSAVE_MS, e);
        if (r < 0)
                return r;
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return err_setf(e, -errno, "%s: %s", path, strerror(errno));
        (void)unlink(path);
        while (got < len) {
                ssize_t n = read(fd, (uint8_t *)buf + got, len - got);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return err_setf(e, n < 0 ? -errno : -EIO,
                                        "guest memory at 0x%llx: %zu of %zu bytes saved",
                                        (unsigned long long)addr, got, len);
                got += (size_t)n;
        }
        return 0;
}

uint64_t fake_boot_low_ram(const struct boot_session *s)
{
        uint64_t m = s->platform.memory;

        if (m >= Q35_LOWMEM_SPLIT)
                return Q35_LOWMEM_LIMIT;
        return m;
}

int fake_boot_read_pcrs(struct boot_session *s, uint32_t mask, uint8_t ret[][SHA384_LEN],
                        struct tdxh_err *e)
{
        struct deadline d = deadline_in_ms(KILL_WAIT_MS);
        struct wait_watch w = { .sig = s->sig, .children = { &s->tpm.proc } };
        int r;

        qmp_close(&s->qmp);
        agent_chan_close(&s->agent);
        if (child_running(&s->qemu)) {
                (void)child_signal(&s->qemu, SIGKILL);
                r = child_wait(&s->qemu, &d, NULL, e);
                if (r < 0)
                        return r;
        }
        d = deadline_in_ms(PCR_READ_MS);
        return swtpm_read_pcrs(s->platform.tpm_socket, mask, ret, &d, &w, e);
}
