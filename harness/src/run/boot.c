/* Booting the fake platform: the order of the steps and the stop path; see
 * boot.h. Failure classification and the summary are in boot_failure.c. */
#include "run/boot.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "run/boot_internal.h"
#include "run/host_facts.h"
#include "run/qemu_argv.h"
#include "run/unix_sock.h"

#define BOOT_TIMEOUT_MS 180000
#define HELLO_TRY_MS 2000
#define FACTS_TIMEOUT_MS 30000
#define POWEROFF_REQUEST_MS 10000
#define POWEROFF_GRACE_MS 30000 /* TCG guests take a while to get there */
#define QEMU_TERM_MS 5000

int boot_session_new(struct platform *p, const struct fake_boot_opts *opts,
                     struct boot_session **ret, struct tdxh_err *e)
{
        struct boot_session *s = calloc(1, sizeof(*s));
        int r;

        if (!s)
                return -ENOMEM;
        s->platform = *p;
        platform_init(p, p->backend);
        s->opts = *opts;
        s->tpm = (struct swtpm)SWTPM_INIT;
        s->qemu = (struct child)CHILD_INIT;
        s->agent = (struct agent_chan)AGENT_CHAN_INIT;
        s->qmp = (struct qmp)QMP_INIT;
        r = rundir_open(&s->dir, opts->out_dir, e);
        if (r < 0) {
                s->failure = BOOT_FAIL_SETUP;
                boot_session_free(s);
                return r;
        }
        *ret = s;
        return 0;
}

static void phase(struct boot_session *s, enum boot_phase p)
{
        if (s->opts.on_phase)
                s->opts.on_phase(p, s->opts.userdata);
}

/* Run-directory and runtime paths into the platform, the fake TDX module's
 * files, then the QEMU command line. */
static int prepare(struct boot_session *s, struct tdxh_err *e)
{
        struct platform *p = &s->platform;
        _cleanup_free_ char *fake_dir = NULL;
        _cleanup_strv_ struct strv items = STRV_INIT;
        uint8_t mrtd[SHA384_LEN];
        int r;

        if (p->backend != BACKEND_FAKE)
                return err_setf(e, -EINVAL, "platform: fake_boot_start needs the fake backend");
        platform_resolve_accel(p);
        fake_dir = rundir_file(&s->dir, "fake-tdx");
        s->qemu_log = rundir_file(&s->dir, "qemu.log");
        if (!fake_dir || !s->qemu_log ||
            platform_set_boot_paths(p, s->dir.path, s->dir.runtime) < 0)
                return -ENOMEM;
        if (s->opts.host_evidence) {
                _cleanup_free_ char *qmp = rundir_runtime_file(&s->dir, "qmp.sock");

                if (!qmp || platform_set(&p->qmp_socket, qmp) < 0)
                        return -ENOMEM;
        }
        r = platform_validate(p, e);
        if (r < 0)
                return r;
        if (s->opts.mrtd_fn) {
                r = s->opts.mrtd_fn(p->firmware, mrtd, e);
                if (r < 0)
                        return r;
        }
        r = fake_tdx_prepare(fake_dir, s->opts.mrtd_fn ? mrtd : NULL, p->td_attributes, &items, e);
        if (r < 0)
                return r;
        for (size_t i = 0; i + 1 < items.n; i += 2) {
                r = platform_add_fw_cfg(p, items.v[i], items.v[i + 1]);
                if (r < 0)
                        return r;
        }
        if (s->opts.libvirt_uri)
                return boot_domain_xml(s, e);
        return qemu_argv_build(p, &s->qemu_argv, e);
}

/* Missing binaries are named before anything starts; then versions and
 * hashes, and the command lines as they will run. */
static int collect_facts(struct boot_session *s, const struct swtpm_opts *to,
                         struct tdxh_err *e)
{
        struct deadline d = deadline_in_ms(FACTS_TIMEOUT_MS);
        _cleanup_free_ char *path = NULL, *spath = NULL, *setup = NULL;
        uint64_t t0 = mono_now_ns();
        int r;

        r = child_resolve_program(platform_qemu(&s->platform), &path, e);
        if (r < 0)
                return boot_fail(s, BOOT_FAIL_QEMU, r, e);
        if ((r = child_resolve_program(to->swtpm ? to->swtpm : "swtpm", &spath, e)) < 0 ||
            (r = child_resolve_program(to->swtpm_setup ? to->swtpm_setup : "swtpm_setup",
                                       &setup, e)) < 0)
                return boot_fail(s, BOOT_FAIL_SWTPM, r, e);
        r = host_facts_collect(&s->platform, spath, &d, s->sig, &s->facts, e);
        if (r < 0)
                return boot_fail(s, r == -ECANCELED ? BOOT_FAIL_SIGNAL : BOOT_FAIL_SETUP, r, e);
        s->timings.facts_ms = elapsed_ms(t0);
        /* Through libvirt, QEMU's command line is libvirt's (boot_libvirt.c). */
        if (s->opts.libvirt_uri)
                return 0;
        return host_facts_add_argv(s->facts, "qemu", &s->qemu_argv);
}

static int start_swtpm(struct boot_session *s, const struct swtpm_opts *to, struct tdxh_err *e)
{
        int r = swtpm_start(&s->tpm, to, s->sig, e);

        if (r < 0)
                return boot_fail(s, r == -ECANCELED ? BOOT_FAIL_SIGNAL : BOOT_FAIL_SWTPM, r, e);
        s->timings.swtpm_setup_ms = s->tpm.setup_ms;
        s->timings.swtpm_ready_ms = s->tpm.ready_ms;
        if (host_facts_add_argv(s->facts, "swtpm_setup", &s->tpm.setup_argv) < 0 ||
            host_facts_add_argv(s->facts, "swtpm", &s->tpm.argv) < 0)
                return boot_fail(s, BOOT_FAIL_SETUP, -ENOMEM, e);
        phase(s, BOOT_PHASE_SWTPM_READY);
        return 0;
}

/* QEMU is up when its agent socket accepts: it has parsed its options and
 * created its chardevs, and it connected to swtpm before that. */
static int start_qemu(struct boot_session *s, const struct deadline *d, struct tdxh_err *e)
{
        struct wait_watch w = { .sig = s->sig, .children = { &s->qemu, &s->tpm.proc } };
        int r;

        r = child_spawn(&s->qemu,
                        &(struct child_opts){
                                .name = "qemu",
                                .argv = (const char *const *)s->qemu_argv.v,
                                .out = { .kind = CHILD_IO_FILE, .path = s->qemu_log },
                                .err = { .kind = CHILD_IO_FILE, .path = s->qemu_log },
                        },
                        e);
        if (r < 0)
                return boot_fail(s, BOOT_FAIL_QEMU, r, e);
        s->qemu_started_ns = s->qemu.started_ns;
        return boot_agent_socket_connect(s, d, &w, "waiting for QEMU to start", e);
}

int boot_agent_socket_connect(struct boot_session *s, const struct deadline *d,
                              const struct wait_watch *w, const char *what, struct tdxh_err *e)
{
        struct child *dead = NULL;
        int r, fd = -1;

        r = unix_connect_wait(s->platform.agent_socket, d, w, &dead, &fd);
        if (r < 0)
                return boot_wait_failed(s, r, dead, what, e);
        s->agent = (struct agent_chan)AGENT_CHAN_INIT;
        s->agent.fd = fd;
        if (s->platform.qmp_socket) {
                r = qmp_connect(&s->qmp, s->platform.qmp_socket, d, w, e);
                if (r < 0)
                        return r == -ECHILD || r == -ETIMEDOUT || r == -ECANCELED
                                       ? boot_wait_failed(s, r, &s->qemu, "connecting to QMP", e)
                                       : boot_fail(s, BOOT_FAIL_QEMU, r, e);
        }
        s->timings.qemu_ready_ms = elapsed_ms(s->qemu_started_ns);
        phase(s, BOOT_PHASE_QEMU_STARTED);
        return 0;
}

/* On a panic this tears the session down, channel included; the hello
 * wait returns at once without touching the channel again. */
static int hello_retry(void *userdata, struct tdxh_err *e)
{
        struct boot_session *s = userdata;
        int r;

        if (!s->opts.agent_optional || !s->platform.qmp_socket)
                return boot_check_console(s, e);
        r = boot_host_check_stopped(s, e);
        if (r > 0) {
                s->no_agent = true;
                return err_setf(e, -ENOMSG, "no agent: %s before any hello", s->stopped_how);
        }
        return r;
}

/* Once the agent answers, a guest poweroff ends QEMU again, as the stop
 * path expects ([Q] qapi/run-state.json, set-action). */
static int unpause_on_shutdown(struct boot_session *s, const struct deadline *d,
                               struct tdxh_err *e)
{
        struct wait_watch w = { .sig = s->sig, .children = { &s->qemu } };
        _cleanup_json_ json_object *args = json_object_new_object();

        if (!s->platform.qmp_socket)
                return 0;
        if (!args || json_add_string(args, "shutdown", "poweroff") < 0)
                return -ENOMEM;
        return qmp_call(&s->qmp, "set-action", args, NULL, d, &w, e);
}

static int wait_agent(struct boot_session *s, const struct deadline *d, struct tdxh_err *e)
{
        struct wait_watch w = { .sig = s->sig, .children = { &s->qemu, &s->tpm.proc } };
        struct tdxh_err inner = { 0 };
        uint64_t try_ms = s->opts.hello_try_ms ? s->opts.hello_try_ms : HELLO_TRY_MS;
        int r;

        r = agent_wait_hello(&s->agent, try_ms, d, &w, hello_retry, s, &s->hello, &inner);
        if (r == -ENOMSG && s->no_agent) {
                memcpy(e, &inner, sizeof(inner));
                return r;
        }
        if (r < 0)
                return boot_agent_failed(s, r, &w, &inner, e);
        r = unpause_on_shutdown(s, d, e);
        if (r < 0)
                return boot_fail(s, BOOT_FAIL_QEMU, r, e);
        s->timings.agent_ready_ms = elapsed_ms(s->qemu_started_ns);
        phase(s, BOOT_PHASE_AGENT_READY);
        return 0;
}

int fake_boot_start(struct boot_session *s, struct signal_watch *sw, struct tdxh_err *e)
{
        uint64_t ms = s->opts.boot_timeout_ms ? s->opts.boot_timeout_ms : BOOT_TIMEOUT_MS;
        _cleanup_free_ char *state = NULL, *log = NULL, *out = NULL, *ek = NULL, *ca = NULL;
        struct swtpm_opts to = { .swtpm = s->opts.swtpm, .swtpm_setup = s->opts.swtpm_setup };
        struct deadline d;
        int r;

        s->sig = sw;
        if (s->live || s->failure)
                return err_setf(e, -EBUSY, "boot: the session was already started");
        r = prepare(s, e);
        if (r < 0)
                return boot_fail(s, BOOT_FAIL_SETUP, r, e);
        state = s->opts.tpm_state_dir ? strdup(s->opts.tpm_state_dir)
                                      : rundir_runtime_file(&s->dir, "tpm");
        to.keep_state = s->opts.tpm_state_dir != NULL;
        log = rundir_file(&s->dir, "swtpm.log");
        out = rundir_file(&s->dir, "swtpm.out");
        /* The EK the host knows: certified by a per-run CA, kept as
         * RUNDIR/tpm/ek.pem and in s->tpm.ek_pem. */
        ek = rundir_file(&s->dir, "tpm");
        ca = rundir_runtime_file(&s->dir, "tpm-ca");
        if (!state || !log || !out || !ek || !ca)
                return boot_fail(s, BOOT_FAIL_SETUP, -ENOMEM, e);
        to.ek_dir = ek;
        to.ca_dir = ca;
        to.state_dir = state;
        to.ctrl_socket = s->platform.tpm_socket;
        to.log_path = log;
        to.output_path = out;
        r = collect_facts(s, &to, e);
        if (r < 0)
                return r;
        r = start_swtpm(s, &to, e);
        if (r < 0)
                return r;
        /* The boot deadline starts with QEMU: facts and swtpm have their own. */
        d = deadline_in_ms(ms);
        r = s->opts.libvirt_uri ? boot_domain_start(s, &d, e) : start_qemu(s, &d, e);
        if (r < 0)
                return r;
        s->live = true;
        if (!s->opts.wait_agent)
                return 0;
        return wait_agent(s, &d, e);
}

int fake_boot_wait_exit(struct boot_session *s, const struct deadline *d, struct tdxh_err *e)
{
        struct wait_watch w = { .sig = s->sig, .children = { &s->tpm.proc } };
        struct child *dead = NULL;
        int r;

        if (!child_running(&s->qemu))
                return err_setf(e, -ECHILD, "boot: QEMU is not running");
        for (;;) {
                /* Tick on the console so a panic that does not end QEMU
                 * (no panic=-1) is still seen before the deadline. */
                struct deadline tick = deadline_min(deadline_in_ms(HELLO_TRY_MS), *d);

                r = wait_fd(s->qemu.pidfd, POLLIN, &tick, &w, &dead);
                if (r == -ECHILD && dead == &s->tpm.proc && boot_qemu_followed_swtpm(s))
                        r = 0;
                if (r == 0 || r != -ETIMEDOUT || deadline_expired(d))
                        break;
                r = boot_check_console(s, e);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return boot_wait_failed(s, r, dead, "waiting for the guest to power off", e);
        (void)child_exited(&s->qemu);
        s->timings.guest_ran_ms = elapsed_ms(s->qemu_started_ns);
        r = boot_qemu_exited(s, e);
        if (r < 0)
                return r;
        return fake_boot_stop(s, e);
}

static void request_poweroff(struct boot_session *s)
{
        struct deadline d = deadline_in_ms(POWEROFF_REQUEST_MS);
        struct wait_watch w = { .children = { &s->qemu } };
        json_object *res = NULL;

        /* Best effort: without an answer the stop goes on to SIGTERM. */
        if (agent_call(&s->agent, "poweroff", NULL, &res, &d, &w, NULL) == 0)
                json_object_put(res);
}

int fake_boot_stop(struct boot_session *s, struct tdxh_err *e)
{
        uint64_t t0 = mono_now_ns(), grace = 0;
        int r = 0, q;

        /* After SIGINT/SIGTERM the user wants it over: straight to SIGTERM. */
        if ((child_running(&s->qemu) || s->domain) && s->hello && s->agent.fd >= 0 &&
            !signal_watch_pending(s->sig)) {
                request_poweroff(s);
                grace = POWEROFF_GRACE_MS;
        }
        agent_chan_close(&s->agent);
        qmp_close(&s->qmp);
        if (s->domain) {
                boot_domain_stop(s, grace);
                if (grace)
                        s->timings.poweroff_ms = elapsed_ms(t0);
        }
        if (s->qemu.pid > 0) {
                r = child_terminate(&s->qemu, grace, QEMU_TERM_MS, e);
                if (grace)
                        s->timings.poweroff_ms = elapsed_ms(t0);
        }
        q = swtpm_stop(&s->tpm, e);
        if (r == 0)
                r = q;
        rundir_remove_runtime(&s->dir);
        s->timings.stop_ms = elapsed_ms(t0);
        s->live = false;
        return r;
}

void boot_session_free(struct boot_session *s)
{
        if (!s)
                return;
        agent_chan_close(&s->agent);
        qmp_close(&s->qmp);
        child_done(&s->qemu);
        boot_domain_destroy(s);
        swtpm_done(&s->tpm);
        rundir_close(&s->dir);
        json_object_put(s->facts);
        json_object_put(s->hello);
        strv_free(&s->qemu_argv);
        platform_free(&s->platform);
        free(s->qemu_log);
        free(s->stopped_how);
        free(s->domain_xml);
        free(s);
}
