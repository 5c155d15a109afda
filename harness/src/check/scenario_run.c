/* The step engine: runs a scenario's steps in order against one guest,
 * judges each against its expectation, and writes the reports. See
 * scenario_run.h. */
#include "check/scenario_run.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check/scenario_internal.h"
#include "core/cleanup.h"
#include "core/file.h"
#include "core/json_util.h"
#include "golden/golden.h"
#include "measure/disk_image.h"
#include "run/deadline.h"
#include "run/host_facts.h"
#include "tdxh_version.h"

#define IMAGE_CMDLINE_MAX 4096

const char *step_status_name(enum step_status s)
{
        switch (s) {
        case STEP_PASSED:
                return "pass";
        case STEP_FAILED:
                return "fail";
        case STEP_ERROR:
                return "error";
        case STEP_SKIPPED:
                return "skip";
        }
        return "unknown";
}

void scenario_result_free(struct scenario_result *r)
{
        if (!r)
                return;
        free(r->verdict);
        free(r->reason);
        free(r->name);
        free(r->run_dir);
        free(r->report_dir);
        for (size_t i = 0; i < r->n_steps; i++) {
                free(r->steps[i].name);
                free(r->steps[i].message);
                free(r->steps[i].detail);
        }
        free(r->steps);
        json_object_put(r->facts);
        json_object_put(r->values);
        *r = (struct scenario_result){ 0 };
}

void srun_quote_free(struct srun_quote *q)
{
        free(q->path);
        *q = (struct srun_quote){ 0 };
}

int srun_step_file(struct srun *R, const char *name, char **ret)
{
        _cleanup_free_ char *dir = NULL;
        int r;

        if (asprintf(&dir, "%s/%s", R->run_dir, R->step_dir_name) < 0)
                return -ENOMEM;
        r = file_mkdir_p(dir, 0755);
        if (r < 0)
                return err_setf(R->e, r, "%s: cannot create: %s", dir, strerror(-r));
        return asprintf(ret, "%s/%s", dir, name) < 0 ? -ENOMEM : 0;
}

/* A step or the scenario giving what a disk image holds itself. */
static int refuse_disk_overrides(struct srun *R, const char *img)
{
        const struct step_platform *d = &R->sc->platform;
        const char *what = d->kernel ? "kernel" : d->initrd ? "initrd" : d->cmdline ? "cmdline" : NULL;

        for (size_t i = 0; !what && i < R->sc->n_steps; i++) {
                const struct step *st = &R->sc->steps[i];
                const struct step_platform *p = &st->boot;

                if (st->kind != STEP_BOOT && st->kind != STEP_REBOOT)
                        continue;
                what = p->kernel ? "kernel" : p->initrd ? "initrd" : p->cmdline ? "cmdline"
                       : p->initrd_tampered ? "initrd: tampered" : NULL;
        }
        return what ? err_setf(R->e, -EINVAL, "%s: %s: a disk image carries its own kernel, "
                               "initrd and command line", R->sc->path, what)
                    : 0;
}

/* A disk image: OVMF boots it from its ESP. */
static int load_disk(struct srun *R, const char *img)
{
        struct srun_inputs *in = &R->image_in;
        enum disk_image_kind kind;
        int r = disk_image_detect(img, &kind, R->e);

        if (r < 0)
                return r;
        R->image = realpath(img, NULL);
        if (!R->image)
                return -errno;
        in->disk = strdup(R->image);
        in->disk_format = strdup(disk_image_kind_name(kind));
        if (!in->disk || !in->disk_format)
                return -ENOMEM;
        return refuse_disk_overrides(R, img);
}

/* A directory image: vmlinuz, initrd.img and cmdline. */
static int load_dir(struct srun *R, const char *img)
{
        _cleanup_free_ char *cmdline_path = NULL;
        struct srun_inputs *in = &R->image_in;
        size_t len = 0;
        int r;

        R->image = realpath(img, NULL);
        if (!R->image)
                return -errno;
        if (asprintf(&in->kernel, "%s/vmlinuz", R->image) < 0 ||
            asprintf(&in->initrd, "%s/initrd.img", R->image) < 0 ||
            asprintf(&cmdline_path, "%s/cmdline", R->image) < 0)
                return -ENOMEM;
        if (access(in->kernel, R_OK) < 0)
                return err_setf(R->e, -ENOENT, "%s: the image has no kernel (vmlinuz)", img);
        if (access(in->initrd, R_OK) < 0)
                return err_setf(R->e, -ENOENT, "%s: the image has no initrd (initrd.img)", img);
        r = file_read_all(cmdline_path, IMAGE_CMDLINE_MAX, &in->cmdline, &len, R->e);
        if (r < 0)
                return r;
        if (strlen(in->cmdline) != len)
                return err_setf(R->e, -EINVAL, "%s: a NUL byte in the command line", cmdline_path);
        return 0;
}

/* The image's own inputs: IMAGE/vmlinuz, initrd.img and cmdline, or a disk. */
int srun_load_image(struct srun *R)
{
        struct srun_inputs *in = &R->image_in;
        const char *img = R->o->image ? R->o->image
                          : R->sc->image ? R->sc->image : SCENARIO_DEFAULT_IMAGE;
        struct stat st;
        int r;

        if (stat(img, &st) == 0 && S_ISREG(st.st_mode))
                r = load_disk(R, img);
        else if (stat(img, &st) < 0 || !S_ISDIR(st.st_mode))
                return err_setf(R->e, -ENOENT, "%s: neither an image directory (make image) nor a "
                                "disk image (make image-disk)", img);
        else
                r = load_dir(R, img);
        if (r < 0)
                return r;
        in->firmware = strdup(R->o->firmware ? R->o->firmware : SRUN_DEFAULT_FIRMWARE);
        if (!in->firmware)
                return -ENOMEM;
        if (access(in->firmware, R_OK) < 0)
                return err_setf(R->e, -ENOENT, "%s: cannot read the firmware", in->firmware);
        in->memory = SRUN_DEFAULT_MEMORY;
        in->vcpus = 1;
        in->timeout_s = SRUN_DEFAULT_TIMEOUT_S;
        return 0;
}

/* Every golden file the measure steps name loads, before anything boots. */
static int check_goldens(struct srun *R)
{
        for (size_t i = 0; i < R->sc->n_steps; i++) {
                _cleanup_free_ char *path = NULL;
                _cleanup_golden_ struct golden g = { 0 };
                int r;

                if (R->sc->steps[i].kind != STEP_MEASURE)
                        continue;
                r = srun_golden_path(R, &R->sc->steps[i], &path);
                if (r >= 0)
                        r = golden_load(path, &g, R->e);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* "measure", or "measure #2" when the scenario has more than one. */
static int step_label(const struct scenario *sc, size_t i, char **ret)
{
        const struct step *st = &sc->steps[i];
        size_t nth = 0, all = 0;

        if (st->name)
                return (*ret = strdup(st->name)) ? 0 : -ENOMEM;
        for (size_t j = 0; j < sc->n_steps; j++) {
                if (sc->steps[j].kind != st->kind || sc->steps[j].name)
                        continue;
                all++;
                if (j <= i)
                        nth++;
        }
        if (all > 1)
                return asprintf(ret, "%s #%zu", step_kind_name(st->kind), nth) < 0 ? -ENOMEM : 0;
        return (*ret = strdup(step_kind_name(st->kind))) ? 0 : -ENOMEM;
}

static int run_step(struct srun *R, const struct step *st, struct step_outcome *out)
{
        switch (st->kind) {
        case STEP_BOOT:
        case STEP_REBOOT:
                return srun_boot(R, &st->boot, out);
        case STEP_MEASURE:
                return step_measure(R, st, out);
        case STEP_EXTEND:
                return step_extend(R, st, out);
        case STEP_QUOTE:
                return step_quote(R, st, out);
        case STEP_SEAL:
                return step_seal(R, st, out);
        case STEP_UNSEAL:
                return step_unseal(R, st, out);
        }
        return -EINVAL;
}

/* The outcome against the step's expectation. */
static int judge(const struct step *st, struct step_outcome *out, struct step_result *sr)
{
        const char *msg = out->message.len ? out->message.data : "";
        int r = 0;

        sr->refused = out->kind == OUT_REFUSED;
        if (out->kind == OUT_ERROR) {
                sr->status = STEP_ERROR;
                sr->message = strdup(msg);
        } else if (!st->expect_fail) {
                sr->status = out->kind == OUT_PASS ? STEP_PASSED : STEP_FAILED;
                sr->message = strdup(msg);
        } else if (out->kind == OUT_REFUSED) {
                sr->status = STEP_PASSED;
                r = asprintf(&sr->message, "refused, as expected: %s", msg);
        } else {
                sr->status = STEP_FAILED;
                r = asprintf(&sr->message, "expected to be refused, but it passed: %s", msg);
        }
        if (r < 0 || !sr->message)
                return -ENOMEM;
        if (out->detail.len && !(sr->detail = strdup(out->detail.data)))
                return -ENOMEM;
        return 0;
}

static enum report_status report_status_of(enum step_status s)
{
        return s == STEP_PASSED ? REPORT_PASS
               : s == STEP_FAILED ? REPORT_FAIL
               : s == STEP_ERROR ? REPORT_ERROR
                                 : REPORT_SKIP;
}

static void progress(const struct srun *R, size_t i, const char *what)
{
        if (R->o->on_progress)
                R->o->on_progress(R->sc, i, R->sc->n_steps, what, R->o->userdata);
}

/* Through libvirt: "libvirt 9.0.0 (URI)" and the QEMU the daemon ran
 * ("QEMU 7.2.22 (through libvirt)"), from the boot's facts.libvirt; both
 * NULL for the other backends. */
static int libvirt_json(json_object *host, char **ret_libvirt, char **ret_qemu)
{
        json_object *l = NULL;
        const char *ver, *uri, *qemu;

        *ret_libvirt = *ret_qemu = NULL;
        if (!host || !json_object_object_get_ex(host, "libvirt", &l))
                return 0;
        ver = json_get_string(l, "version");
        uri = json_get_string(l, "uri");
        qemu = json_get_string(l, "qemu_version");
        if (asprintf(ret_libvirt, "libvirt %s (%s)", ver ? ver : "?", uri ? uri : "?") < 0) {
                *ret_libvirt = NULL;
                return -ENOMEM;
        }
        if (qemu && asprintf(ret_qemu, "QEMU %s (through libvirt)", qemu) < 0) {
                *ret_qemu = NULL;
                return -ENOMEM;
        }
        return 0;
}

/* facts.host: the machine (host_system_facts()) and what the first boot
 * ran (QEMU's version and the firmware's digest, from boot-1/facts.json,
 * whose host object is h, or NULL), so that a merged report can say which
 * host ran which case. */
static int host_json(struct srun *R, json_object *h, json_object **ret)
{
        _cleanup_json_ json_object *o = NULL;
        _cleanup_free_ char *lv = NULL, *qemu = NULL;
        const char *backend = R->o->backend ? R->o->backend : "fake";
        int r = host_system_facts(&o);

        if (r < 0)
                return r;
        r = libvirt_json(h, &lv, &qemu);
        if (r < 0)
                return r;
        if (json_add_string(o, "backend", backend) < 0 ||
            json_add_string(o, "qemu", qemu ? qemu : json_get_string(h, "qemu.version")) < 0 ||
            json_add_string(o, "libvirt", lv) < 0 ||
            json_add_string(o, "ovmf_sha256", json_get_string(h, "firmware.sha256")) < 0)
                return -ENOMEM;
        /* The fake backend's TDX module is tdxh's own. */
        if (strcmp(backend, "fake") == 0 &&
            json_add_string(o, "tdx_module", "fake (tdxh " TDXH_VERSION ")") < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

/* facts.inputs: what the first boot booted (firmware, kernel, initrd with
 * their digests, command line, memory, vCPUs), the values a report carries
 * beside the registers. */
static int inputs_json(json_object *h, json_object **ret)
{
        static const char *const keys[] = { "firmware", "kernel", "initrd", "disk",
                                            "cmdline",  "memory", "vcpus" };
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *v;

        if (!o)
                return -ENOMEM;
        for (size_t i = 0; h && i < sizeof(keys) / sizeof(keys[0]); i++)
                if (json_object_object_get_ex(h, keys[i], &v) && v &&
                    json_add(o, keys[i], json_object_get(v)) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

static int facts_json(struct srun *R, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object(), *boot = NULL;
        _cleanup_free_ char *path = NULL;
        json_object *host = NULL, *inputs = NULL, *h = NULL;

        if (asprintf(&path, "%s/boot-1/facts.json", R->run_dir) < 0)
                return -ENOMEM;
        boot = json_object_from_file(path);
        if (boot && !json_object_object_get_ex(boot, "host", &h))
                h = NULL;
        if (!o || json_add_string(o, "scenario", R->sc->path) < 0 ||
            json_add_string(o, "image", R->image) < 0 ||
            json_add_string(o, "backend", R->o->backend ? R->o->backend : "fake") < 0 ||
            json_add_int(o, "boots", R->boots) < 0 ||
            json_add_string(o, "case", R->sc->name) < 0 ||
            json_add_string(o, "shard", R->o->shard) < 0 || host_json(R, h, &host) < 0 ||
            json_add(o, "host", host) < 0 || inputs_json(h, &inputs) < 0 ||
            json_add(o, "inputs", inputs) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

static int write_reports(struct srun *R, struct report *rep)
{
        _cleanup_json_ json_object *facts = NULL;
        int r;

        r = facts_json(R, &facts);
        if (r >= 0)
                r = report_set_facts(R->rep, facts);
        if (r < 0)
                return r;
        json_object_put(R->res->facts);
        R->res->facts = json_object_get(facts);
        json_object_put(R->res->values);
        R->res->values = NULL;
        if (report_scenario_values(R->rep, &R->res->values) < 0)
                return -ENOMEM;
        if (asprintf(&R->res->report_dir, "%s/report", R->run_dir) < 0)
                return -ENOMEM;
        r = report_write_dir(rep, R->res->report_dir, R->e);
        if (r < 0) {
                /* Nobody should look for reports that are not there. */
                free(R->res->report_dir);
                R->res->report_dir = NULL;
        }
        return r;
}

static void srun_free(struct srun *R)
{
        struct tdxh_err se = { 0 };

        (void)srun_stop_guest(R, &se);
        srun_stop_qgs(R);
        for (size_t i = 0; i < R->n_secrets; i++) {
                OPENSSL_cleanse(R->secrets[i].value, sizeof(R->secrets[i].value));
                free(R->secrets[i].name);
                free(R->secrets[i].blob_b64);
        }
        free(R->secrets);
        srun_inputs_free(&R->in);
        srun_inputs_free(&R->image_in);
        free(R->image);
        free(R->run_dir);
        free(R->tpm_state);
        rundir_close(&R->scratch);
}

static int set_verdict(struct srun *R, int code, const char *verdict, const char *reason)
{
        struct scenario_result *res = R->res;

        res->exit_code = code;
        free(res->verdict);
        res->verdict = strdup(verdict);
        if (reason && !res->reason)
                res->reason = strdup(reason);
        return code;
}

/* Opens the run directory and the private one beside it. */
static int open_dirs(struct srun *R)
{
        int r = rundir_open(&R->scratch, R->o->out_dir, R->e);

        if (r < 0)
                return r;
        R->run_dir = strdup(R->scratch.path);
        R->tpm_state = rundir_runtime_file(&R->scratch, "tpm");
        R->res->run_dir = strdup(R->scratch.path);
        return R->run_dir && R->tpm_state && R->res->run_dir ? 0 : -ENOMEM;
}

int scenario_run(const struct scenario *sc, const struct scenario_run_opts *o,
                 struct signal_watch *sw, struct scenario_result *ret, struct tdxh_err *e)
{
        _cleanup_report_ struct report rep = { 0 };
        struct srun R = { .sc = sc, .o = o, .sw = sw, .res = ret, .e = e, .scratch = RUNDIR_INIT,
                          .qgs = CHILD_INIT };
        uint64_t t0 = mono_now_ns();
        char now[32];
        bool stop = false;
        int code = 0, r;

        *ret = (struct scenario_result){ .name = strdup(sc->name) };
        if (scenario_run_is_td(o)) {
                err_setf(e, -EINVAL, "--backend %s: this version starts scenarios on the fake "
                                     "platform only (a TD with --dry-run)", o->backend);
                return set_verdict(&R, TDXH_EXIT_BAD_INPUT, "bad input", e->msg);
        }
        ret->steps = calloc(sc->n_steps ? sc->n_steps : 1, sizeof(*ret->steps));
        if (!ret->steps)
                return set_verdict(&R, TDXH_EXIT_INFRA, "infrastructure failure", "out of memory");
        ret->n_steps = sc->n_steps;
        for (size_t i = 0; i < sc->n_steps; i++)
                if (step_label(sc, i, &ret->steps[i].name) < 0)
                        return set_verdict(&R, TDXH_EXIT_INFRA, "infrastructure failure", "out of memory");
        r = srun_load_image(&R);
        if (r >= 0)
                r = check_goldens(&R);
        if (r < 0) {
                /* Refused before any step ran: the reason alone, no steps. */
                for (size_t i = 0; i < ret->n_steps; i++)
                        free(ret->steps[i].name);
                ret->n_steps = 0;
                code = set_verdict(&R, TDXH_EXIT_BAD_INPUT, "bad input", e->msg);
                goto out;
        }
        r = open_dirs(&R);
        if (r < 0) {
                code = set_verdict(&R, TDXH_EXIT_INFRA, "infrastructure failure", e->msg);
                goto out;
        }
        report_timestamp(now);
        r = report_init(&rep, "tdxh run", TDXH_VERSION, now);
        if (r >= 0)
                r = report_add_scenario(&rep, sc->name, o->backend ? o->backend : "fake", now, &R.rep);
        if (r < 0) {
                code = set_verdict(&R, TDXH_EXIT_INFRA, "infrastructure failure", "out of memory");
                goto out;
        }

        for (size_t i = 0; i < sc->n_steps; i++) {
                const struct step *st = &sc->steps[i];
                struct step_result *sr = &ret->steps[i];
                struct step_outcome out = { 0 };
                uint64_t ts = mono_now_ns();

                R.step = i;
                snprintf(R.step_dir_name, sizeof(R.step_dir_name), "steps/%02zu-%s", i + 1,
                         step_kind_name(st->kind));
                if (stop || (sw && sw->received)) {
                        sr->status = STEP_SKIPPED;
                        sr->message = strdup(stop ? "skipped after an infrastructure failure"
                                                  : "skipped: interrupted");
                } else {
                        progress(&R, i, sr->name);
                        /* Each step says its own error (err_setf keeps the first). */
                        *e = (struct tdxh_err){ 0 };
                        r = run_step(&R, st, &out);
                        if (r < 0 && out.kind != OUT_ERROR)
                                step_outcome_set(&out, OUT_ERROR, "%s: %s", sr->name,
                                                 e->msg[0] ? e->msg : strerror(-r));
                        if (sw && sw->received && out.kind != OUT_PASS)
                                step_outcome_set(&out, OUT_ERROR, "interrupted by signal %d",
                                                 sw->received);
                        r = judge(st, &out, sr);
                        sr->seconds = (double)elapsed_ms(ts) / 1000.0;
                        buf_free(&out.message);
                        buf_free(&out.detail);
                        if (r < 0)
                                return set_verdict(&R, TDXH_EXIT_INFRA, "infrastructure failure",
                                                   "out of memory");
                        if (sr->status == STEP_ERROR) {
                                /* Nothing after an infrastructure failure can be trusted:
                                 * stop the guest now, skip the rest. */
                                struct tdxh_err se = { 0 };

                                stop = true;
                                (void)srun_stop_guest(&R, &se);
                        }
                }
                if (!sr->message ||
                    report_add_check(R.rep, sr->name, report_status_of(sr->status), sr->message,
                                     sr->detail, sr->seconds, -1) < 0)
                        return set_verdict(&R, TDXH_EXIT_INFRA, "infrastructure failure", "out of memory");
                if (sr->status == STEP_ERROR && code != TDXH_EXIT_INFRA) {
                        code = TDXH_EXIT_INFRA;
                        set_verdict(&R, code, "infrastructure failure", sr->message);
                } else if (sr->status == STEP_FAILED && code == 0) {
                        code = TDXH_EXIT_MISMATCH;
                        set_verdict(&R, code, "fail", sr->message);
                }
        }
        {
                struct tdxh_err se = { 0 };

                if (srun_stop_guest(&R, &se) < 0 && code == 0)
                        code = set_verdict(&R, TDXH_EXIT_INFRA, "infrastructure failure", se.msg);
        }
        if (code == 0)
                set_verdict(&R, 0, "pass", NULL);
        ret->seconds = (double)elapsed_ms(t0) / 1000.0;
        R.rep->seconds = ret->seconds;
        *e = (struct tdxh_err){ 0 };
        if (write_reports(&R, &rep) < 0)
                code = set_verdict(&R, TDXH_EXIT_INFRA, "infrastructure failure", e->msg);
        if (code != 0 && !e->msg[0] && ret->reason)
                err_setf(e, code == TDXH_EXIT_INFRA ? -EIO : -EINVAL, "%s", ret->reason);
        progress(&R, sc->n_steps, ret->verdict);
out:
        ret->seconds = (double)elapsed_ms(t0) / 1000.0;
        srun_free(&R);
        return code;
}
