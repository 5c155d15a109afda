/* What a failed boot means and how it is told: one line naming the failing
 * part (QEMU's own last stderr line, the panic line of the serial console,
 * which child died and how, which deadline passed), the failure class, the
 * exit code, and the session summary for the report. See boot.h. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "run/boot_internal.h"
#include "run/logtail.h"

#define FAIL_QEMU_TERM_MS 2000
#define CONSOLE_TAIL_BYTES 65536
#define LINE_MAX_LEN 240
#define QEMU_EXIT_AFTER_EOF_MS 5000
#define QEMU_AFTER_SWTPM_MS 5000

int boot_fail(struct boot_session *s, enum boot_failure f, int r, struct tdxh_err *e)
{
        if (s->failure == BOOT_FAIL_NONE)
                s->failure = f;
        agent_chan_close(&s->agent);
        qmp_close(&s->qmp);
        (void)child_terminate(&s->qemu, 0, FAIL_QEMU_TERM_MS, NULL);
        boot_domain_destroy(s);
        (void)swtpm_stop(&s->tpm, NULL);
        if (s->qemu.reaped && s->qemu_started_ns && !s->timings.guest_ran_ms)
                s->timings.guest_ran_ms = (s->qemu.exited_ns - s->qemu_started_ns) / 1000000u;
        rundir_remove_runtime(&s->dir);
        s->live = false;
        /* Only when the step that failed left no message of its own. */
        return err_setf(e, r, "boot failed: %s", strerror(-r));
}

static void last_line_of(const char *path, char *out, size_t len)
{
        _cleanup_free_ char *text = NULL;

        out[0] = '\0';
        if (path && logtail_read(path, CONSOLE_TAIL_BYTES, &text, NULL) == 0)
                logtail_last_line(text, out, len);
}

bool boot_console_panic(const struct boot_session *s, char *line, size_t len)
{
        _cleanup_free_ char *text = NULL;

        if (!s->platform.serial_log ||
            logtail_read(s->platform.serial_log, CONSOLE_TAIL_BYTES, &text, NULL) < 0)
                return false;
        return logtail_find_line(text, "Kernel panic", line, len);
}

int boot_check_console(struct boot_session *s, struct tdxh_err *e)
{
        char line[LINE_MAX_LEN];

        if (!boot_console_panic(s, line, sizeof(line)))
                return 0;
        return boot_fail(s, BOOT_FAIL_PANIC,
                         err_setf(e, -EIO, "guest kernel panic: %s", line), e);
}

/* Whether swtpm is gone, and not because it was told to stop. */
static bool swtpm_died_first(struct boot_session *s)
{
        struct deadline now = deadline_in_ms(0);

        if (child_wait(&s->tpm.proc, &now, NULL, NULL) != 0)
                return false;
        return !child_succeeded(&s->tpm.proc);
}

/* QEMU has exited (reaped) at an unexpected time. */
static int qemu_died(struct boot_session *s, const char *what, struct tdxh_err *e)
{
        char status[96], line[LINE_MAX_LEN];
        int r = boot_check_console(s, e);

        if (r < 0)
                return r;
        child_describe(&s->qemu, status, sizeof(status));
        last_line_of(s->qemu_log, line, sizeof(line));
        if (swtpm_died_first(s)) {
                char tpm_status[96];

                /* QEMU exits when its TPM goes away: the TPM is the cause. */
                child_describe(&s->tpm.proc, tpm_status, sizeof(tpm_status));
                return boot_fail(s, BOOT_FAIL_SWTPM,
                                 err_setf(e, -ECHILD, "swtpm %s while %s; qemu then %s: %s",
                                          tpm_status, what, status, line),
                                 e);
        }
        if (line[0])
                return boot_fail(s, BOOT_FAIL_QEMU,
                                 err_setf(e, -ECHILD, "QEMU %s: %s", status, line), e);
        last_line_of(s->platform.serial_log, line, sizeof(line));
        return boot_fail(s, BOOT_FAIL_QEMU,
                         err_setf(e, -ECHILD, "QEMU %s while %s; last console line: '%s'",
                                  status, what, line),
                         e);
}

static int signalled(struct boot_session *s, const char *what, struct tdxh_err *e)
{
        int sig = s->sig ? s->sig->received : 0;
        const char *name = sig ? sigabbrev_np(sig) : NULL;

        if (name)
                err_setf(e, -ECANCELED, "interrupted by SIG%s while %s", name, what);
        else
                err_setf(e, -ECANCELED, "interrupted by a signal while %s", what);
        return boot_fail(s, BOOT_FAIL_SIGNAL, -ECANCELED, e);
}

static int timed_out(struct boot_session *s, const char *what, struct tdxh_err *e)
{
        char line[LINE_MAX_LEN];
        uint64_t since = s->qemu_started_ns ? elapsed_ms(s->qemu_started_ns) : 0;
        int r = boot_check_console(s, e);

        if (r < 0)
                return r;
        last_line_of(s->platform.serial_log, line, sizeof(line));
        return boot_fail(s, BOOT_FAIL_TIMEOUT,
                         err_setf(e, -ETIMEDOUT,
                                  "deadline passed after %llu s %s; last console line: '%s'",
                                  (unsigned long long)(since + 500) / 1000, what, line),
                         e);
}

bool boot_qemu_followed_swtpm(struct boot_session *s)
{
        struct deadline d = deadline_in_ms(QEMU_AFTER_SWTPM_MS);

        return child_succeeded(&s->tpm.proc) && child_wait(&s->qemu, &d, NULL, NULL) == 0;
}

int boot_wait_failed(struct boot_session *s, int r, struct child *dead, const char *what,
                     struct tdxh_err *e)
{
        char status[96];

        switch (r) {
        case -ECHILD:
                if (dead == &s->qemu || boot_qemu_followed_swtpm(s))
                        return qemu_died(s, what, e);
                child_describe(dead, status, sizeof(status));
                return boot_fail(s, BOOT_FAIL_SWTPM,
                                 err_setf(e, -ECHILD, "%s %s while %s", dead->name, status, what),
                                 e);
        case -ETIMEDOUT:
                return timed_out(s, what, e);
        case -ECANCELED:
                return signalled(s, what, e);
        default:
                return boot_fail(s, BOOT_FAIL_QEMU,
                                 err_setf(e, r, "%s: %s", what, strerror(-r)), e);
        }
}

int boot_agent_failed(struct boot_session *s, int r, const struct wait_watch *w,
                      const struct tdxh_err *inner, struct tdxh_err *e)
{
        const char *what = "waiting for the agent's hello";
        struct deadline gone = deadline_in_ms(QEMU_EXIT_AFTER_EOF_MS);

        if (s->failure != BOOT_FAIL_NONE) /* the retry hook already failed it */
                return err_setf(e, r, "%s", inner->msg);
        if (r == -ECHILD)
                for (size_t i = 0; i < WAIT_MAX_CHILDREN; i++)
                        if (w->children[i] && w->children[i]->reaped)
                                return boot_wait_failed(s, r, w->children[i], what, e);
        if (r == -ETIMEDOUT || r == -ECANCELED)
                return boot_wait_failed(s, r, NULL, what, e);
        /* QEMU closes the channel on its way out: wait for the exit itself
         * and report that, not the closed socket. */
        if (r == -ECONNRESET && s->domain)
                return boot_domain_gone(s, what, inner, e);
        if (r == -ECONNRESET && child_wait(&s->qemu, &gone, NULL, NULL) == 0)
                return qemu_died(s, what, e);
        return boot_fail(s, BOOT_FAIL_AGENT, err_setf(e, r, "%s", inner->msg), e);
}

int boot_domain_gone(struct boot_session *s, const char *what, const struct tdxh_err *inner,
                     struct tdxh_err *e)
{
        char line[LINE_MAX_LEN];
        int r = boot_check_console(s, e);

        if (r < 0)
                return r;
        if (boot_domain_running(s))
                return boot_fail(s, BOOT_FAIL_AGENT, err_setf(e, -ECONNRESET, "%s", inner->msg), e);
        last_line_of(s->platform.serial_log, line, sizeof(line));
        return boot_fail(s, BOOT_FAIL_QEMU,
                         err_setf(e, -ECHILD, "the libvirt domain stopped while %s; last console "
                                  "line: '%s'", what, line),
                         e);
}

int boot_qemu_exited(struct boot_session *s, struct tdxh_err *e)
{
        int r = boot_check_console(s, e);

        if (r < 0)
                return r;
        if (!child_succeeded(&s->qemu))
                return qemu_died(s, "the guest ran", e);
        return 0;
}

int boot_exit_code(const struct boot_session *s, int r)
{
        if (r >= 0)
                return TDXH_EXIT_OK;
        if (!s || s->failure == BOOT_FAIL_SETUP)
                return (int)err_exit_code(r);
        return TDXH_EXIT_INFRA;
}

const char *boot_failure_name(enum boot_failure f)
{
        static const char *const names[] = {
                [BOOT_FAIL_NONE] = "none",       [BOOT_FAIL_SETUP] = "setup",
                [BOOT_FAIL_SWTPM] = "swtpm",     [BOOT_FAIL_QEMU] = "qemu",
                [BOOT_FAIL_PANIC] = "panic",     [BOOT_FAIL_TIMEOUT] = "timeout",
                [BOOT_FAIL_AGENT] = "agent",     [BOOT_FAIL_SIGNAL] = "signal",
                [BOOT_FAIL_LIBVIRT] = "libvirt",
        };

        return (size_t)f < ELEMENTSOF(names) && names[f] ? names[f] : "unknown";
}

static int child_json(const struct child *c, json_object **ret)
{
        static const char *const stages[] = { "none", "exited", "term", "kill" };
        _cleanup_json_ json_object *o = json_object_new_object();
        char status[96];

        child_describe(c, status, sizeof(status));
        if (!o || json_add_string(o, "status", status) < 0 ||
            json_add_string(o, "stopped_by", stages[c->stop_stage]) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

int boot_session_summary(const struct boot_session *s, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object(), *t = json_object_new_object();
        const struct boot_timings *m = &s->timings;
        json_object *q = NULL, *w = NULL;

        if (!o || !t || child_json(&s->qemu, &q) < 0 || json_add(o, "qemu", q) < 0 ||
            child_json(&s->tpm.proc, &w) < 0 || json_add(o, "swtpm", w) < 0)
                return -ENOMEM;
        if (s->opts.libvirt_uri && boot_domain_summary(s, o) < 0)
                return -ENOMEM;
        if (json_add_string(o, "failure",
                            s->failure ? boot_failure_name(s->failure) : NULL) < 0 ||
            json_add_string(o, "run_dir", s->dir.path) < 0 ||
            json_add_int(t, "facts", (int64_t)m->facts_ms) < 0 ||
            json_add_int(t, "swtpm_setup", (int64_t)m->swtpm_setup_ms) < 0 ||
            json_add_int(t, "swtpm_ready", (int64_t)m->swtpm_ready_ms) < 0 ||
            json_add_int(t, "qemu_ready", (int64_t)m->qemu_ready_ms) < 0 ||
            json_add_int(t, "agent_ready", (int64_t)m->agent_ready_ms) < 0 ||
            json_add_int(t, "guest_ran", (int64_t)m->guest_ran_ms) < 0 ||
            json_add_int(t, "poweroff", (int64_t)m->poweroff_ms) < 0 ||
            json_add_int(t, "stop", (int64_t)m->stop_ms) < 0 ||
            json_add(o, "timings_ms", TAKE_PTR(t)) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}
