/* tdxh boot's job; see boot_check.h. */
#include "check/boot_check.h"
#include "check/boot_agentless.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/base64.h"
#include "core/cleanup.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "evidence/eventlog.h"
#include "compare/search.h"
#include "compare/diff.h"
#include "compare/explain.h"
#include "predict/explain_inputs.h"
#include "golden/golden.h"
#include "measure/disk_image.h"
#include "measure/mrtd.h"
#include "measure/option_rom_events.h"
#include "measure/profile.h"
#include "report/model.h"
#include "run/boot.h"
#include "run/deadline.h"
#include "tdxh_version.h"

#define AGENT_CALL_TIMEOUT_MS 60000
#define IMAGE_CMDLINE_MAX 4096

/* Everything one run holds; freed in one place whatever path it took. */
struct run {
        const struct boot_check_opts *o;
        struct boot_check_result *res;
        struct tdxh_err *e;
        char *kernel, *initrd, *cmdline, *golden_path;
        enum disk_image_kind kind; /* a directory: direct boot; a disk: OVMF boots it */
        struct golden golden;
        struct boot_session *session;
        json_object *registers, *evlog_json;
        struct agentless_evidence host; /* with res->agentless */
        uint8_t *log;
        size_t log_len;
        struct evlog evlog;
        struct diff_result diff;
        struct explain_result explain;
        bool have_diff;
        json_object *reproduce; /* golden search on a mismatch (report's "reproduce") */
        /* What the image's inputs predict, computed while the guest boots
         * (inputs_r: 0, or the error, kept in inputs_err for compare()). */
        struct explain_inputs inputs;
        bool have_inputs;
        int inputs_r;
        struct tdxh_err inputs_err;
        uint64_t t0;
};

static void progress(const struct run *R, const char *what)
{
        if (R->o->on_progress)
                R->o->on_progress(what, R->o->userdata);
}

static int set_verdict(struct run *R, int code, const char *verdict)
{
        R->res->exit_code = code;
        free(R->res->verdict);
        R->res->verdict = strdup(verdict);
        if (code != 0 && R->e->msg[0]) {
                free(R->res->reason);
                R->res->reason = strdup(R->e->msg);
        }
        return code;
}

static int mrtd_per_page(const char *firmware, uint8_t ret[SHA384_LEN], struct tdxh_err *e)
{
        /* The fake TDX module builds the TD the way upstream KVM does. */
        return mrtd_of_file(firmware, PAGE_ADD_PER_PAGE, ret, e);
}

static int path_in(const char *dir, const char *name, char **ret)
{
        return asprintf(ret, "%s/%s", dir, name) < 0 ? -ENOMEM : 0;
}

/* A disk image carries its boot chain, its command line and its kernel
 * on its EFI system partition; it has no golden/ folder beside it. */
static int check_disk(struct run *R)
{
        const struct boot_check_opts *o = R->o;

        if (o->cmdline)
                return err_setf(R->e, -EINVAL, "%s: --cmdline: a %s disk image carries its own "
                                "command line (in its grub.cfg or UKI)",
                                o->image, disk_image_kind_name(R->kind));
        if (!o->golden || strcmp(o->golden, "auto") == 0)
                return err_setf(R->e, -EINVAL, "%s: --golden: a disk image has no golden/ folder; "
                                "give --golden FILE (tdxh golden compute --disk)", o->image);
        if (!(R->golden_path = strdup(o->golden)))
                return -ENOMEM;
        return golden_load(R->golden_path, &R->golden, R->e);
}

static int check_image(struct run *R)
{
        const struct boot_check_opts *o = R->o;
        _cleanup_free_ char *cmdline_path = NULL;
        size_t len = 0;
        int r;

        r = disk_image_detect(o->image, &R->kind, R->e);
        if (r < 0)
                return r;
        if (R->kind != IMAGE_KIND_DIR)
                return check_disk(R);
        if (path_in(o->image, "vmlinuz", &R->kernel) < 0 ||
            path_in(o->image, "initrd.img", &R->initrd) < 0 ||
            path_in(o->image, "cmdline", &cmdline_path) < 0)
                return -ENOMEM;
        if (access(R->kernel, R_OK) < 0)
                return err_setf(R->e, -ENOENT, "%s: the image has no kernel (vmlinuz)", o->image);
        if (access(R->initrd, R_OK) < 0)
                return err_setf(R->e, -ENOENT, "%s: the image has no initrd (initrd.img)", o->image);
        if (o->cmdline) {
                R->cmdline = strdup(o->cmdline);
        } else {
                r = file_read_all(cmdline_path, IMAGE_CMDLINE_MAX, &R->cmdline, &len, R->e);
                if (r < 0)
                        return r;
                if (strlen(R->cmdline) != len)
                        return err_setf(R->e, -EINVAL, "%s: a NUL byte in the command line",
                                        cmdline_path);
        }
        if (!R->cmdline)
                return -ENOMEM;
        if (!o->golden || strcmp(o->golden, "auto") == 0)
                r = path_in(o->image, "golden/fake.json", &R->golden_path);
        else
                r = (R->golden_path = strdup(o->golden)) ? 0 : -ENOMEM;
        if (r < 0)
                return r;
        return golden_load(R->golden_path, &R->golden, R->e);
}

static int agent_op(struct run *R, const char *op, json_object **ret)
{
        struct boot_session *s = R->session;
        struct deadline d = deadline_in_ms(AGENT_CALL_TIMEOUT_MS);
        struct wait_watch w = { .sig = s->sig, .children = { &s->qemu, &s->tpm.proc } };
        int r = agent_call(&s->agent, op, NULL, ret, &d, &w, R->e);

        if (r < 0)
                s->failure = r == -ECANCELED ? BOOT_FAIL_SIGNAL
                             : r == -ETIMEDOUT ? BOOT_FAIL_TIMEOUT
                                               : BOOT_FAIL_AGENT;
        return r;
}

static int decode_log(struct run *R)
{
        json_object *v;
        const char *b64;

        if (!json_object_object_get_ex(R->evlog_json, "log", &v) ||
            !json_object_is_type(v, json_type_string))
                return err_setf(R->e, -EPROTO, "agent: event-log: no \"log\" field");
        b64 = json_object_get_string(v);
        if (base64_decode(b64, strlen(b64), &R->log, &R->log_len) < 0)
                return err_setf(R->e, -EPROTO, "agent: event-log: \"log\" is not base64");
        return 0;
}

static int save_evidence(struct run *R)
{
        const char *dir = R->session->dir.path;
        _cleanup_free_ char *ev = NULL, *p = NULL;
        int r;

        if (path_in(dir, "evidence", &ev) < 0)
                return -ENOMEM;
        if (mkdir(ev, 0755) < 0 && errno != EEXIST)
                return err_setf(R->e, -errno, "%s: cannot create: %s", ev, strerror(errno));
        if (path_in(ev, "registers.json", &p) < 0)
                return -ENOMEM;
        r = json_write(R->registers, p, R->e);
        free(p);
        p = NULL;
        if (r >= 0 && R->session->hello) {
                if (path_in(ev, "hello.json", &p) < 0)
                        return -ENOMEM;
                r = json_write(R->session->hello, p, R->e);
                free(p);
                p = NULL;
        }
        if (r >= 0 && R->host.host) {
                if (path_in(ev, "host.json", &p) < 0)
                        return -ENOMEM;
                r = json_write(R->host.host, p, R->e);
                free(p);
                p = NULL;
        }
        if (r >= 0) {
                if (path_in(ev, "binary_bios_measurements", &p) < 0)
                        return -ENOMEM;
                r = file_write_atomic(p, R->log, R->log_len, 0644, R->e);
        }
        return r;
}

static int observed_registers(struct run *R, struct diff_observed *obs)
{
        for (int i = 0; i < GOLDEN_NREGS; i++) {
                json_object *v;

                if (!json_object_object_get_ex(R->registers, golden_reg_name((enum golden_reg)i), &v) ||
                    !v)
                        continue;
                if (!json_object_is_type(v, json_type_string) ||
                    hex_decode_exact(json_object_get_string(v), obs->reg[i], SHA384_LEN) < 0)
                        return err_setf(R->e, -EPROTO, "agent: registers: %s is not 48 bytes of hex",
                                        golden_reg_name((enum golden_reg)i));
                obs->have_reg[i] = true;
        }
        return 0;
}

/* The explanation's input checks depend on the image and the golden file
 * only: they are computed (kernel Authenticode digests, MRTD variants, the
 * initrd's digest) once QEMU is up, while the guest boots, instead of after
 * the evidence is in. An error is kept for compare(), which reports it
 * where it always has. */
static void compute_inputs(struct run *R)
{
        struct explain_input_args args = { .firmware = R->session->platform.firmware,
                                           .kernel = R->kernel, .initrd = R->initrd,
                                           .cmdline = R->cmdline,
                                           .memory = R->session->platform.memory,
                                           .qemu_rom_dir = OPTION_ROM_QEMU_DIR };
        uint64_t t = mono_now_ns();

        if (R->have_inputs)
                return;
        /* A disk's kernel, initrd and command line are inside it, not files
         * the explanation could recompute variants of. */
        if (R->kind != IMAGE_KIND_DIR) {
                R->have_inputs = true;
                return;
        }
        R->inputs_r = explain_inputs_compute(&args, &R->golden, &R->inputs, &R->inputs_err);
        R->have_inputs = true;
        R->res->timings.inputs_ms = elapsed_ms(t);
}

static void on_boot_phase(enum boot_phase phase, void *userdata)
{
        if (phase == BOOT_PHASE_QEMU_STARTED)
                compute_inputs(userdata);
}

static int compare(struct run *R)
{
        struct diff_observed obs = { .log = &R->evlog, .log_name = "agent event-log (TPM, SHA-384 bank)",
                                     .reg_source = "agent registers" };
        struct explain_context ctx = { .kernel_header_patched = -1 };
        struct profile prof;
        int r;

        if (R->res->agentless) {
                obs.log_name = "host: the guest kernel's event log read from guest memory "
                               "(TPM, SHA-384 bank)";
                obs.reg_source = "host: swtpm PCRs and the fake TDX module";
        }
        r = evlog_parse(R->log, R->log_len, EVLOG_TPM, &R->evlog, R->e);
        if (r < 0) {
                err_prefix(R->e, R->res->agentless ? "guest memory event log: "
                                                   : "agent event log: ");
                return r;
        }
        r = observed_registers(R, &obs);
        if (r < 0)
                return r;
        r = diff_run(&R->golden, &obs, &R->diff, R->e);
        if (r < 0)
                return r;
        R->have_diff = true;
        if (R->golden.profile_name && profile_lookup(R->golden.profile_name, &prof, NULL) >= 0)
                ctx.kernel_header_patched = profile_kernel_header_patched(&prof);
        compute_inputs(R);
        if (R->inputs_r < 0) {
                memcpy(R->e, &R->inputs_err, sizeof(R->inputs_err));
                return R->inputs_r;
        }
        ctx.inputs = &R->inputs;
        return explain_run(&R->golden, &obs, &R->diff, &ctx, &R->explain, R->e);
}

/* On a mismatch, the golden compute command that predicts what this boot
 * measured: golden search from the golden file's memory and command line,
 * with the files this run booted and the command line it gave. A search
 * that fails or finds nothing is said in the report, not an error of the
 * run. */
static void search_reproduction(struct run *R)
{
        /* Absolute paths: the command is read in a report, elsewhere. */
        _cleanup_free_ char *firmware = realpath(R->session->platform.firmware, NULL);
        _cleanup_free_ char *kernel = R->kernel ? realpath(R->kernel, NULL) : NULL;
        _cleanup_free_ char *initrd = R->initrd ? realpath(R->initrd, NULL) : NULL;
        struct search_opts so = { .g = &R->golden, .golden_path = R->golden_path, .diff = &R->diff,
                                  .firmware = firmware ? firmware : R->session->platform.firmware,
                                  .kernel = kernel ? kernel : R->kernel,
                                  .initrd = initrd ? initrd : R->initrd, .observed_cmdline = R->cmdline };
        _cleanup_search_result_ struct search_result res = { 0 };
        struct tdxh_err e = { 0 };

        if (R->diff.match)
                return;
        if (golden_search(&so, &res, &e) < 0) {
                R->reproduce = json_object_new_object();
                if (R->reproduce)
                        (void)json_add_string(R->reproduce, "error", e.msg[0] ? e.msg : "out of memory");
                return;
        }
        (void)search_to_json(&res, &R->reproduce);
}

static int facts_json(struct run *R, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object(), *t = json_object_new_object();
        const struct boot_check_timings *tm = &R->res->timings;
        json_object *summary = NULL;
        int r;

        if (!o || !t)
                return -ENOMEM;
        if (R->session) {
                if (R->session->facts && json_add(o, "host", json_object_get(R->session->facts)) < 0)
                        return -ENOMEM;
                r = boot_session_summary(R->session, &summary);
                if (r < 0 || json_add(o, "boot", summary) < 0)
                        return -ENOMEM;
        }
        if (R->o->nic_model) {
                /* What tdxh reproduce needs to add the same NIC again. */
                json_object *nic = json_object_new_object();

                if (!nic || json_add(o, "nic", nic) < 0 ||
                    json_add_string(nic, "model", R->o->nic_model) < 0 ||
                    (R->o->nic_romfile && json_add_string(nic, "romfile", R->o->nic_romfile) < 0))
                        return -ENOMEM;
        }
        if (R->res->agentless &&
            (json_add_string(o, "agent", "none") < 0 ||
             json_add_string(o, "agentless_reason",
                             R->session && R->session->stopped_how ? R->session->stopped_how
                                                                   : NULL) < 0 ||
             (R->host.host && json_add(o, "agentless", json_object_get(R->host.host)) < 0)))
                return -ENOMEM;
        if (json_add_string(o, "image", R->o->image) < 0 ||
            json_add_string(o, "image_kind", disk_image_kind_name(R->kind)) < 0 ||
            json_add_string(o, "golden", R->golden_path) < 0 ||
            json_add_string(o, "cmdline", R->cmdline) < 0 ||
            json_add_int(t, "image_checks", (int64_t)tm->image_ms) < 0 ||
            json_add_int(t, R->res->agentless ? "boot_to_stop" : "boot_to_hello",
                         (int64_t)tm->boot_ms) < 0 ||
            json_add_int(t, R->res->agentless ? "host_reads" : "agent_round_trips",
                         (int64_t)tm->agent_ms) < 0 ||
            json_add_int(t, "stop", (int64_t)tm->stop_ms) < 0 ||
            json_add_int(t, "diff_and_explain", (int64_t)tm->diff_ms) < 0 ||
            json_add_int(t, "explain_inputs_while_booting", (int64_t)tm->inputs_ms) < 0 ||
            json_add_int(t, "evidence", (int64_t)tm->evidence_ms) < 0 ||
            json_add(o, "harness_timings_ms", TAKE_PTR(t)) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

/* What an agentless boot checked besides the registers, and what it could
 * not: the agent itself, the TPM's PCRs against the log, the agent's steps. */
static int agentless_checks(struct run *R, struct report_scenario *s)
{
        const char *how = R->session && R->session->stopped_how ? R->session->stopped_how
                                                                : "no hello";
        char msg[512];
        int r;

        snprintf(msg, sizeof(msg), "no agent: %s; the evidence was read by the host", how);
        r = report_add_check(s, "agent", REPORT_SKIP, msg, NULL, 0, -1);
        if (r >= 0 && R->host.registers)
                r = report_add_check(s, "tpm-pcrs",
                                     !R->host.pcrs_read ? REPORT_SKIP
                                     : R->host.pcrs_match ? REPORT_PASS : REPORT_FAIL,
                                     R->host.pcr_note, NULL, 0, -1);
        for (size_t i = 0; r >= 0 && i < agentless_n_skipped; i++)
                r = report_add_check(s, agentless_skipped[i].name, REPORT_SKIP,
                                     agentless_skipped[i].why, NULL, 0, -1);
        return r;
}

static int write_reports(struct run *R, int code)
{
        _cleanup_report_ struct report rep = { 0 };
        _cleanup_json_ json_object *facts = NULL;
        _cleanup_free_ char *facts_path = NULL;
        struct report_scenario *s = NULL;
        struct tdxh_err we = { 0 }, fe = { 0 };
        char now[32], name[512];
        uint64_t t = mono_now_ns();
        int r, q;

        if (!R->session || !R->session->dir.path)
                return 0;
        report_timestamp(now);
        snprintf(name, sizeof(name), "boot %s%s", R->o->image,
                 R->res->agentless ? " (agentless)" : "");
        r = report_init(&rep, "tdxh boot", TDXH_VERSION, now);
        if (r >= 0)
                r = report_add_scenario(&rep, name, R->res->agentless ? "fake (agentless)" : "fake",
                                        now, &s);
        if (r >= 0)
                r = report_add_check(s, "boot", code == TDXH_EXIT_INFRA ? REPORT_ERROR : REPORT_PASS,
                                     code == TDXH_EXIT_INFRA ? R->res->reason : NULL, NULL,
                                     (double)R->res->timings.boot_ms / 1000.0, -1);
        if (r >= 0 && code == TDXH_EXIT_BAD_INPUT)
                r = report_add_check(s, "evidence", REPORT_ERROR, R->res->reason, NULL, 0, -1);
        if (r >= 0 && R->res->agentless)
                r = agentless_checks(R, s);
        if (r >= 0 && R->have_diff) {
                r = report_attach_diff(s, &R->diff, &R->explain);
                R->have_diff = false; /* moved */
        }
        if (r >= 0 && R->reproduce)
                report_set_reproduce(s, R->reproduce);
        if (r >= 0)
                r = facts_json(R, &facts);
        if (r >= 0)
                r = report_set_facts(s, facts);
        if (r < 0)
                return err_setf(R->e, r, "cannot build the report");
        if (path_in(R->session->dir.path, "report", &R->res->report_dir) < 0 ||
            path_in(R->session->dir.path, "facts.json", &facts_path) < 0)
                return -ENOMEM;
        /* facts.json goes last, so that it can tell how long the
         * report took (report.json holds the facts without that figure). */
        r = report_write_dir(&rep, R->res->report_dir, &we);
        R->res->timings.report_ms = elapsed_ms(t);
        q = json_add_int(json_object_object_get(facts, "harness_timings_ms"), "reports",
                         (int64_t)R->res->timings.report_ms);
        if (q >= 0)
                q = json_write(facts, facts_path, &fe);
        else
                err_setf(&fe, q, "cannot build the report");
        if (r >= 0 && q < 0) {
                r = q;
                memcpy(&we, &fe, sizeof(fe));
        }
        if (r < 0 && code == 0) {
                /* The verdict cannot be delivered: that is a failure of the harness. */
                memcpy(R->e, &we, sizeof(we));
                return r;
        }
        return 0;
}

static void run_free(struct run *R)
{
        free(R->kernel);
        free(R->initrd);
        free(R->cmdline);
        free(R->golden_path);
        json_object_put(R->reproduce);
        golden_free(&R->golden);
        boot_session_free(R->session);
        json_object_put(R->registers);
        json_object_put(R->evlog_json);
        agentless_evidence_free(&R->host);
        free(R->log);
        evlog_free(&R->evlog);
        if (R->have_diff)
                diff_result_free(&R->diff);
        explain_inputs_free(&R->inputs);
        explain_result_free(&R->explain);
}

/* Boots, collects, stops. Returns the exit code of a failure, or 0. */
static int boot_and_collect(struct run *R, struct signal_watch *sw)
{
        const struct boot_check_opts *o = R->o;
        struct platform p;
        struct fake_boot_opts bo = {
                .out_dir = o->out_dir,
                .mrtd_fn = mrtd_per_page,
                .wait_agent = !o->no_agent,
                .host_evidence = true,
                .agent_optional = true,
                .on_phase = on_boot_phase,
                .userdata = R,
                .boot_timeout_ms = (uint64_t)(o->timeout_s ? o->timeout_s
                                                           : BOOT_CHECK_DEFAULT_TIMEOUT_S) * 1000,
        };
        uint64_t t = mono_now_ns();
        int r, stop_r;

        platform_init(&p, BACKEND_FAKE);
        p.memory = o->memory ? o->memory : BOOT_CHECK_DEFAULT_MEMORY;
        p.vcpus = o->vcpus ? o->vcpus : 1;
        if (platform_set(&p.firmware, o->firmware ? o->firmware : BOOT_CHECK_DEFAULT_FIRMWARE) < 0 ||
            platform_set(&p.kernel, R->kernel) < 0 || platform_set(&p.initrd, R->initrd) < 0 ||
            platform_set(&p.cmdline, R->cmdline) < 0 ||
            (R->kind != IMAGE_KIND_DIR &&
             (platform_set(&p.disk, o->image) < 0 ||
              platform_set(&p.disk_format, disk_image_kind_name(R->kind)) < 0)) ||
            (o->qemu && platform_set(&p.qemu, o->qemu) < 0) ||
            (o->nic_model && platform_set(&p.nic_model, o->nic_model) < 0) ||
            (o->nic_romfile && platform_set(&p.nic_romfile, o->nic_romfile) < 0)) {
                platform_free(&p);
                return set_verdict(R, TDXH_EXIT_INFRA, "infrastructure failure");
        }
        progress(R, "booting");
        r = boot_session_new(&p, &bo, &R->session, R->e);
        platform_free(&p);
        if (r < 0)
                return set_verdict(R, r == -EINVAL || r == -ENOENT ? TDXH_EXIT_BAD_INPUT
                                                                   : TDXH_EXIT_INFRA,
                                   r == -EINVAL || r == -ENOENT ? "bad input"
                                                                : "infrastructure failure");
        free(R->res->run_dir);
        R->res->run_dir = strdup(R->session->dir.path);
        r = fake_boot_start(R->session, sw, R->e);
        if (r >= 0 && o->no_agent) {
                struct deadline d = deadline_in_ms(bo.boot_timeout_ms);

                r = fake_boot_wait_stopped(R->session, &d, R->e);
        }
        R->res->timings.boot_ms = elapsed_ms(t);
        if ((r >= 0 && o->no_agent) || (r == -ENOMSG && R->session->no_agent)) {
                progress(R, "reading the guest from the host (no agent)");
                R->res->agentless = true;
                t = mono_now_ns();
                r = agentless_collect(R->session, &R->host, R->e);
                R->res->timings.agent_ms = elapsed_ms(t);
                if (r >= 0) {
                        R->log = TAKE_PTR(R->host.log);
                        R->log_len = R->host.log_len;
                        R->registers = json_object_get(R->host.registers);
                }
        } else if (r >= 0) {
                progress(R, "collecting evidence");
                t = mono_now_ns();
                r = agent_op(R, "registers", &R->registers);
                if (r >= 0)
                        r = agent_op(R, "event-log", &R->evlog_json);
                R->res->timings.agent_ms = elapsed_ms(t);
        }
        t = mono_now_ns();
        {
                struct tdxh_err se = { 0 };

                stop_r = fake_boot_stop(R->session, &se);
                if (r >= 0 && stop_r < 0) {
                        memcpy(R->e, &se, sizeof(se));
                        r = stop_r;
                }
        }
        R->res->timings.stop_ms = elapsed_ms(t);
        if (r < 0 || (sw && sw->received)) {
                if (r >= 0)
                        err_setf(R->e, -ECANCELED, "interrupted by signal %d", sw->received);
                return set_verdict(R, TDXH_EXIT_INFRA, "infrastructure failure");
        }
        t = mono_now_ns();
        r = R->res->agentless ? 0 : decode_log(R);
        if (r >= 0)
                r = save_evidence(R);
        R->res->timings.evidence_ms = elapsed_ms(t);
        if (r < 0)
                return set_verdict(R, TDXH_EXIT_INFRA, "infrastructure failure");
        return 0;
}

int boot_check_run(const struct boot_check_opts *o, struct signal_watch *sw,
                   struct boot_check_result *ret, struct tdxh_err *e)
{
        struct run R = { .o = o, .res = ret, .e = e, .t0 = mono_now_ns() };
        uint64_t t = R.t0;
        int code, r;

        *ret = (struct boot_check_result){ 0 };
        r = check_image(&R);
        ret->timings.image_ms = elapsed_ms(t);
        if (r < 0) {
                code = set_verdict(&R, TDXH_EXIT_BAD_INPUT, "bad input");
                goto out;
        }
        code = boot_and_collect(&R, sw);
        if (code != 0)
                goto report;
        progress(&R, "comparing");
        t = mono_now_ns();
        r = compare(&R);
        ret->timings.diff_ms = elapsed_ms(t);
        if (r < 0) {
                code = set_verdict(&R, r == -ENOMEM ? TDXH_EXIT_INFRA : TDXH_EXIT_BAD_INPUT,
                                   r == -ENOMEM ? "infrastructure failure" : "bad input");
                goto report;
        }
        if (ret->agentless)
                code = R.diff.match && (!R.host.pcrs_read || R.host.pcrs_match)
                               ? set_verdict(&R, TDXH_EXIT_OK,
                                             "agentless match (firmware and boot measurements "
                                             "only; the agent's steps were skipped)")
                               : set_verdict(&R, TDXH_EXIT_MISMATCH, "agentless mismatch");
        else
                code = R.diff.match ? set_verdict(&R, TDXH_EXIT_OK, "match")
                                    : set_verdict(&R, TDXH_EXIT_MISMATCH, "mismatch");
        if (!R.diff.match) {
                progress(&R, "searching the inputs that reproduce it");
                search_reproduction(&R);
        }
        if (explain_format_text(&R.diff, &R.explain, -1, &ret->explanation) < 0)
                code = set_verdict(&R, TDXH_EXIT_INFRA, "infrastructure failure");
report:
        progress(&R, "writing reports");
        if (write_reports(&R, code) < 0)
                code = set_verdict(&R, TDXH_EXIT_INFRA, "infrastructure failure");
out:
        ret->timings.total_ms = elapsed_ms(R.t0);
        run_free(&R);
        return code;
}

void boot_check_result_free(struct boot_check_result *r)
{
        free(r->verdict);
        free(r->reason);
        free(r->run_dir);
        free(r->report_dir);
        buf_free(&r->explanation);
        *r = (struct boot_check_result){ 0 };
}
