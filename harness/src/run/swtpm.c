/* swtpm launcher; see swtpm.h. */
#include "run/swtpm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "run/logtail.h"
#include "run/swtpm_ek.h"
#include "run/unix_sock.h"
#include "run/wait.h"

#define SETUP_TIMEOUT_MS 30000
#define READY_TIMEOUT_MS 10000
#define STOP_TERM_MS 5000
#define ADOPT_TICK_MS 2
#define ADOPT_DRAIN_MS 1000

static int need_abs(const char *path, const char *field, struct tdxh_err *e)
{
        if (!path || path[0] != '/')
                return err_setf(e, -EINVAL, "swtpm: %s must be an absolute path: %s", field,
                                path ? path : "(none)");
        return 0;
}

int swtpm_argv_build(const struct swtpm_opts *o, struct strv *ret_setup, struct strv *ret_run,
                     struct tdxh_err *e)
{
        _cleanup_strv_ struct strv s = STRV_INIT, r = STRV_INIT;
        const char *swtpm = o->swtpm ? o->swtpm : "swtpm";
        int q;

        if ((q = need_abs(o->state_dir, "state_dir", e)) < 0 ||
            (q = need_abs(o->ctrl_socket, "ctrl_socket", e)) < 0 ||
            (q = need_abs(o->log_path, "log_path", e)) < 0 ||
            (q = need_abs(o->output_path, "output_path", e)) < 0)
                return q;
        if (strlen(o->ctrl_socket) > UNIX_PATH_MAX_LEN)
                return err_setf(e, -EINVAL, "swtpm: control socket path longer than %d bytes: %s",
                                UNIX_PATH_MAX_LEN, o->ctrl_socket);
        /* swtpm_setup splits its --tpm value at spaces. */
        if (o->swtpm && strchr(o->swtpm, ' '))
                return err_setf(e, -EINVAL, "swtpm: binary path must not contain a space: %s",
                                o->swtpm);
        if (strchr(o->state_dir, ',') || strchr(o->ctrl_socket, ',') || strchr(o->log_path, ','))
                return err_setf(e, -EINVAL, "swtpm: paths must not contain a comma");
        if (!o->ek_dir != !o->ca_dir)
                return err_setf(e, -EINVAL, "swtpm: ek_dir and ca_dir go together");
        if (o->ca_dir && ((q = swtpm_ek_check_dir(o->ca_dir, e)) < 0 ||
                          (q = need_abs(o->ek_dir, "ek_dir", e)) < 0))
                return q;
        if (strv_push(&s, o->swtpm_setup ? o->swtpm_setup : "swtpm_setup") < 0 ||
            strv_push(&s, "--tpm2") < 0 || strv_push(&s, "--tpmstate") < 0 ||
            strv_push(&s, o->state_dir) < 0 || strv_push(&s, "--pcr-banks") < 0 ||
            strv_push(&s, o->pcr_banks ? o->pcr_banks : SWTPM_DEFAULT_BANKS) < 0 ||
            strv_push(&s, "--createek") < 0 || strv_push(&s, "--overwrite") < 0)
                return -ENOMEM;
        /* The EK certified by the run's own CA (swtpm_ek.h). */
        if (o->ek_dir &&
            (strv_push(&s, "--create-ek-cert") < 0 || strv_push(&s, "--config") < 0 ||
             strv_pushf(&s, "%s/%s", o->ca_dir, SWTPM_EK_SETUP_CONF) < 0 ||
             strv_push(&s, "--write-ek-cert-files") < 0 || strv_push(&s, o->ek_dir) < 0))
                return -ENOMEM;
        /* Manufacture with the same swtpm that will run the state. */
        if (o->swtpm && (strv_push(&s, "--tpm") < 0 || strv_pushf(&s, "%s socket", swtpm) < 0))
                return -ENOMEM;
        if (strv_push(&r, swtpm) < 0 || strv_push(&r, "socket") < 0 ||
            strv_push(&r, "--tpm2") < 0 || strv_push(&r, "--tpmstate") < 0 ||
            strv_pushf(&r, "dir=%s", o->state_dir) < 0 || strv_push(&r, "--ctrl") < 0 ||
            strv_pushf(&r, "type=unixio,path=%s", o->ctrl_socket) < 0 ||
            strv_push(&r, "--log") < 0 ||
            strv_pushf(&r, "file=%s,level=20,truncate", o->log_path) < 0)
                return -ENOMEM;
        *ret_setup = s;
        *ret_run = r;
        s = (struct strv)STRV_INIT;
        r = (struct strv)STRV_INIT;
        return 0;
}

/* The last line a failed tool wrote, as ": LINE" for the one-line reason. */
static void tail_line(const char *path, char *out, size_t len)
{
        _cleanup_free_ char *text = NULL;
        char line[256];

        out[0] = '\0';
        if (logtail_read(path, 8192, &text, NULL) < 0)
                return;
        logtail_last_line(text, line, sizeof(line));
        if (line[0])
                snprintf(out, len, ": %s", line);
}

/* swtpm_setup starts its swtpm through a double fork and, after telling it
 * to shut down, polls until that process is gone, that is reaped by
 * whoever adopted it, for up to half a second. Where PID 1 reaps orphans
 * late (as a container's first process often does) that is the whole half
 * second on every boot. So tdxh adopts it: it is a child subreaper while
 * swtpm_setup runs, and reaps within a tick whatever exits in swtpm_setup's
 * process group (the grandchild stays in it) other than swtpm_setup itself,
 * which is reaped as a child. */
static void reap_adopted(const struct child *c)
{
        for (;;) {
                siginfo_t si = { 0 };

                if (waitid(P_PGID, (id_t)c->pgid, &si, WEXITED | WNOHANG | WNOWAIT) < 0 ||
                    si.si_pid == 0 || si.si_pid == c->pid)
                        return;
                (void)waitpid(si.si_pid, NULL, WNOHANG);
        }
}

static int wait_setup(struct child *c, const struct deadline *d, struct signal_watch *sw,
                      struct tdxh_err *e)
{
        struct deadline drain;
        int r;

        for (;;) {
                struct deadline tick = deadline_min(deadline_in_ms(ADOPT_TICK_MS), *d);

                r = child_wait(c, &tick, sw, e);
                reap_adopted(c);
                if (r != -ETIMEDOUT || deadline_expired(d))
                        break;
                err_clear(e);
        }
        /* Whatever was left of the group got SIGKILL when swtpm_setup was
         * reaped (child.h); those that are tdxh's now are reaped here. */
        drain = deadline_in_ms(ADOPT_DRAIN_MS);
        while (!child_running(c) && kill(-c->pgid, 0) == 0 && !deadline_expired(&drain)) {
                reap_adopted(c);
                (void)poll(NULL, 0, ADOPT_TICK_MS);
        }
        return r;
}

static int run_setup(struct swtpm *t, const struct swtpm_opts *o, struct signal_watch *sw,
                     struct tdxh_err *e)
{
        _cleanup_(child_done) struct child c = CHILD_INIT;
        uint64_t ms = o->setup_timeout_ms ? o->setup_timeout_ms : SETUP_TIMEOUT_MS;
        struct deadline d = deadline_in_ms(ms);
        uint64_t t0 = mono_now_ns();
        struct child_io log = { .kind = CHILD_IO_FD, .fd = t->output_fd };
        char status[96], tail[260];
        int r, subreaper = 0;
        bool adopt;

        if (mkdir(o->state_dir, 0700) < 0 && errno != EEXIST)
                return err_setf(e, -errno, "%s: cannot create swtpm state directory: %s",
                                o->state_dir, strerror(errno));
        adopt = prctl(PR_GET_CHILD_SUBREAPER, &subreaper) == 0 &&
                (subreaper || prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
        r = child_spawn(&c,
                        &(struct child_opts){ .argv = (const char *const *)t->setup_argv.v,
                                              .out = log,
                                              .err = log },
                        e);
        if (r >= 0)
                r = adopt ? wait_setup(&c, &d, sw, e) : child_wait(&c, &d, sw, e);
        if (adopt && !subreaper)
                (void)prctl(PR_SET_CHILD_SUBREAPER, 0);
        if (r == -ETIMEDOUT) {
                err_clear(e);
                return err_setf(e, r, "swtpm_setup did not finish within %llu s",
                                (unsigned long long)ms / 1000);
        }
        if (r < 0)
                return r;
        t->setup_ms = elapsed_ms(t0);
        if (!child_succeeded(&c)) {
                child_describe(&c, status, sizeof(status));
                tail_line(o->output_path, tail, sizeof(tail));
                return err_setf(e, -EIO, "swtpm_setup %s%s", status, tail);
        }
        return 0;
}

/* swtpm keeps a TPM 2.0's permanent state (seeds, persistent objects, NV)
 * in tpm2-00.permall of its state directory. */
static bool swtpm_state_exists(const char *dir)
{
        _cleanup_free_ char *p = NULL;

        return asprintf(&p, "%s/tpm2-00.permall", dir) >= 0 && access(p, F_OK) == 0;
}

int swtpm_start(struct swtpm *t, const struct swtpm_opts *o, struct signal_watch *sw,
                struct tdxh_err *e)
{
        uint64_t ms = o->ready_timeout_ms ? o->ready_timeout_ms : READY_TIMEOUT_MS;
        struct deadline d;
        struct wait_watch w = { .sig = sw };
        struct child *dead = NULL;
        char status[96], tail[260];
        uint64_t t0;
        int r, fd = -1;

        r = swtpm_argv_build(o, &t->setup_argv, &t->argv, e);
        if (r < 0)
                return r;
        t->output_fd = open(o->output_path,
                            O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC | O_NOCTTY, 0600);
        if (t->output_fd < 0)
                return err_setf(e, -errno, "%s: cannot create: %s", o->output_path,
                                strerror(errno));
        if (!o->keep_state || !swtpm_state_exists(o->state_dir)) {
                t0 = mono_now_ns();
                r = o->ek_dir ? swtpm_ek_prepare(o->ca_dir, o->ek_dir, e) : 0;
                t->ek_ms = elapsed_ms(t0);
                if (r >= 0)
                        r = run_setup(t, o, sw, e);
                if (r >= 0 && o->ek_dir) {
                        t0 = mono_now_ns();
                        r = swtpm_ek_collect(o->ca_dir, o->ek_dir, o->state_dir, &t->ek_pem, e);
                        t->ek_ms += elapsed_ms(t0);
                }
                if (r < 0)
                        return r;
        } else if (o->ek_dir) {
                r = swtpm_ek_reuse(o->ek_dir, o->state_dir, &t->ek_pem, e);
                if (r < 0)
                        return r;
        }
        t0 = mono_now_ns();
        /* swtpm's messages before its log is open go to stderr: keep them
         * in the log file too, so a failed start can be explained. */
        r = child_spawn(&t->proc,
                        &(struct child_opts){
                                .name = "swtpm",
                                .argv = (const char *const *)t->argv.v,
                                .out = { .kind = CHILD_IO_FD, .fd = t->output_fd },
                                .err = { .kind = CHILD_IO_FD, .fd = t->output_fd },
                        },
                        e);
        if (r < 0)
                return r;
        w.children[0] = &t->proc;
        d = deadline_in_ms(ms);
        r = unix_connect_wait(o->ctrl_socket, &d, &w, &dead, &fd);
        if (r == 0) {
                close(fd);
                t->ready_ms = elapsed_ms(t0);
                return 0;
        }
        if (r == -ECHILD) {
                child_describe(&t->proc, status, sizeof(status));
                tail_line(o->output_path, tail, sizeof(tail));
                r = err_setf(e, -EIO, "swtpm %s before its control socket accepted%s", status,
                             tail);
        } else if (r == -ETIMEDOUT) {
                r = err_setf(e, r, "swtpm: control socket %s did not accept within %llu s",
                             o->ctrl_socket, (unsigned long long)ms / 1000);
        } else if (r == -ECANCELED) {
                r = err_setf(e, r, "interrupted by signal %d while starting swtpm", sw->received);
        } else {
                r = err_setf(e, r, "swtpm: %s: %s", o->ctrl_socket, strerror(-r));
        }
        (void)child_terminate(&t->proc, 0, STOP_TERM_MS, NULL);
        child_done(&t->proc);
        return r;
}

int swtpm_stop(struct swtpm *t, struct tdxh_err *e)
{
        return child_terminate(&t->proc, 0, STOP_TERM_MS, e);
}

void swtpm_done(struct swtpm *t)
{
        child_done(&t->proc);
        if (t->output_fd >= 0)
                close(t->output_fd);
        t->output_fd = -1;
        strv_free(&t->setup_argv);
        strv_free(&t->argv);
        free(t->ek_pem);
        t->ek_pem = NULL;
}
