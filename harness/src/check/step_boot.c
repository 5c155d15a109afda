/* The guest of a scenario: boot and reboot steps start it with the image's
 * inputs overridden by the scenario's platform defaults and the step's own
 * options; a reboot is a stop and a new boot (QEMU takes the kernel command
 * line, the kernel and the initrd at its start), with the same TPM state so
 * that what the TPM sealed before can be tried after. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check/scenario_internal.h"
#include "core/cleanup.h"
#include "core/file.h"
#include "core/json_util.h"
#include "core/size.h"
#include "measure/mrtd.h"
#include "run/deadline.h"
#include "run/libvirt_domain.h"

int step_outcome_set(struct step_outcome *out, int kind, const char *fmt, ...)
{
        va_list ap;
        int r;

        out->kind = kind;
        buf_reset(&out->message);
        va_start(ap, fmt);
        r = buf_vprintf(&out->message, fmt, ap);
        va_end(ap);
        return r;
}

static int mrtd_per_page(const char *firmware, uint8_t ret[SHA384_LEN], struct tdxh_err *e)
{
        /* The fake TDX module builds the TD the way upstream KVM does. */
        return mrtd_of_file(firmware, PAGE_ADD_PER_PAGE, ret, e);
}

static void inputs_free(struct srun_inputs *in)
{
        free(in->firmware);
        free(in->kernel);
        free(in->initrd);
        free(in->cmdline);
        free(in->disk);
        free(in->disk_format);
        *in = (struct srun_inputs){ 0 };
}

static int dup_or(char **dst, const char *a, const char *b)
{
        const char *v = a ? a : b;

        *dst = v ? strdup(v) : NULL;
        return v && !*dst ? -ENOMEM : 0;
}

/* Step options over the scenario's platform defaults over the image's. */
int srun_merge_inputs(const struct srun *R, const struct step_platform *p, struct srun_inputs *ret)
{
        const struct step_platform *d = &R->sc->platform;
        const struct srun_inputs *img = &R->image_in;
        struct srun_inputs in = { 0 };

        if (dup_or(&in.firmware, p->firmware ? p->firmware : d->firmware, img->firmware) < 0 ||
            dup_or(&in.kernel, p->kernel ? p->kernel : d->kernel, img->kernel) < 0 ||
            dup_or(&in.initrd, p->initrd ? p->initrd : d->initrd, img->initrd) < 0 ||
            dup_or(&in.cmdline, p->cmdline ? p->cmdline : d->cmdline, img->cmdline) < 0 ||
            dup_or(&in.disk, NULL, img->disk) < 0 || dup_or(&in.disk_format, NULL, img->disk_format) < 0) {
                inputs_free(&in);
                return -ENOMEM;
        }
        in.memory = p->memory ? p->memory : d->memory ? d->memory : img->memory;
        in.vcpus = p->vcpus ? p->vcpus : d->vcpus ? d->vcpus : img->vcpus;
        in.timeout_s = p->timeout_s ? p->timeout_s : d->timeout_s ? d->timeout_s : img->timeout_s;
        *ret = in;
        return 0;
}

/* The initrd with one zero byte appended, in the private directory: the
 * kernel skips zero padding between and after initramfs archives, so the
 * guest boots the same, but the initrd's measurement changes. */
static int tamper_initrd(struct srun *R, const char *initrd, char **ret)
{
        _cleanup_free_ char *path = rundir_runtime_file(&R->scratch, "initrd-tampered.img");
        _cleanup_atomic_file_ struct atomic_file af = ATOMIC_FILE_INIT;
        _cleanup_close_ int fd = -1;
        uint8_t chunk[1 << 16];
        ssize_t n;
        int r;

        if (!path)
                return -ENOMEM;
        fd = open(initrd, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return err_setf(R->e, -errno, "%s: cannot open: %s", initrd, strerror(errno));
        r = atomic_file_open(&af, path, 0600, R->e);
        while (r >= 0 && (n = read(fd, chunk, sizeof(chunk))) != 0) {
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return err_setf(R->e, -errno, "%s: cannot read: %s", initrd, strerror(errno));
                r = atomic_file_write(&af, chunk, (size_t)n, R->e);
        }
        if (r >= 0)
                r = atomic_file_write(&af, "", 1, R->e);
        if (r >= 0)
                r = atomic_file_commit(&af, R->e);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(path);
        return 0;
}

bool srun_is_libvirt(const struct scenario_run_opts *o)
{
        return o->backend && strcmp(o->backend, "libvirt") == 0;
}

bool scenario_run_is_td(const struct scenario_run_opts *o)
{
        return o->backend && (strcmp(o->backend, "qemu-tdx") == 0 ||
                              (strcmp(o->backend, "libvirt") == 0 && !o->libvirt_fake));
}

int srun_platform(const struct srun *R, const struct srun_inputs *in, struct platform *ret)
{
        const struct scenario_run_opts *o = R->o;
        bool td = scenario_run_is_td(o);
        struct platform pl;

        platform_init(&pl, td ? BACKEND_QEMU_TDX : BACKEND_FAKE);
        pl.memory = in->memory;
        pl.vcpus = in->vcpus;
        if (platform_set(&pl.firmware, in->firmware) < 0 ||
            (in->kernel && platform_set(&pl.kernel, in->kernel) < 0) ||
            (in->disk && (platform_set(&pl.disk, in->disk) < 0 ||
                          platform_set(&pl.disk_format, in->disk_format) < 0)) ||
            (in->initrd && platform_set(&pl.initrd, in->initrd) < 0) ||
            (in->cmdline && platform_set(&pl.cmdline, in->cmdline) < 0) ||
            (o->qemu && platform_set(&pl.qemu, o->qemu) < 0) ||
            (td && platform_set(&pl.qgs_unix, o->qgs_socket ? o->qgs_socket
                                                             : PLATFORM_DEFAULT_QGS_SOCKET) < 0)) {
                platform_free(&pl);
                return -ENOMEM;
        }
        if (td) {
                if (o->td_attributes)
                        pl.td_attributes = o->td_attributes;
                pl.mrconfigid = o->mrconfigid;
                pl.mrowner = o->mrowner;
                pl.mrownerconfig = o->mrownerconfig;
        }
        *ret = pl;
        return 0;
}

bool srun_guest_failed(const struct srun *R)
{
        return R->guest && R->guest->failure != BOOT_FAIL_NONE;
}

/* BOOT_DIR/facts.json: the host facts (versions, digests, the command lines
 * as run) and the boot's own summary, as tdxh boot writes them. */
static int write_boot_facts(struct srun *R, struct tdxh_err *e)
{
        struct boot_session *s = R->guest;
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_free_ char *path = rundir_file(&s->dir, "facts.json");
        json_object *summary = NULL;

        if (!o || !path)
                return -ENOMEM;
        if (s->facts && json_add(o, "host", json_object_get(s->facts)) < 0)
                return -ENOMEM;
        if (boot_session_summary(s, &summary) < 0 || json_add(o, "boot", summary) < 0)
                return -ENOMEM;
        return json_write(o, path, e);
}

int srun_stop_guest(struct srun *R, struct tdxh_err *e)
{
        int r = 0, q;

        if (!R->guest)
                return 0;
        if (R->guest->live)
                r = fake_boot_stop(R->guest, e);
        q = write_boot_facts(R, r < 0 ? NULL : e);
        if (r == 0)
                r = q;
        boot_session_free(R->guest);
        R->guest = NULL;
        return r;
}

int srun_boot(struct srun *R, const struct step_platform *p, struct step_outcome *out)
{
        _cleanup_free_ char *dir = NULL, *domain = NULL;
        struct srun_inputs in = { 0 };
        struct platform pl;
        struct tdxh_err se = { 0 };
        int r;

        r = srun_stop_guest(R, &se);
        if (r < 0)
                return step_outcome_set(out, OUT_ERROR, "stopping the previous guest: %s", se.msg);
        inputs_free(&R->in);
        r = srun_merge_inputs(R, p, &in);
        if (r < 0)
                return r;
        if (p->initrd_tampered && in.initrd) {
                char *t = NULL;

                r = tamper_initrd(R, in.initrd, &t);
                if (r < 0) {
                        srun_inputs_free(&in);
                        return r == -ENOMEM ? r : step_outcome_set(out, OUT_ERROR, "%s", R->e->msg);
                }
                free(in.initrd);
                in.initrd = t;
        }
        R->in = in;
        if (asprintf(&dir, "%s/boot-%u", R->run_dir, ++R->boots) < 0)
                return -ENOMEM;
        r = srun_platform(R, &in, &pl);
        if (r < 0)
                return r;
        /* The run layer makes the name unique on the daemon. */
        if (srun_is_libvirt(R->o) &&
            asprintf(&domain, "tdxh-%s-boot-%u", R->sc->name, R->boots) < 0) {
                domain = NULL;
                platform_free(&pl);
                return -ENOMEM;
        }
        struct fake_boot_opts bo = {
                .out_dir = dir,
                .libvirt_uri = !domain ? NULL : R->o->libvirt_uri ? R->o->libvirt_uri
                                                                  : libvirt_default_uri(),
                .domain_name = domain,
                .tpm_state_dir = R->tpm_state,
                .mrtd_fn = mrtd_per_page,
                .wait_agent = true,
                .boot_timeout_ms = (uint64_t)in.timeout_s * 1000,
        };
        r = boot_session_new(&pl, &bo, &R->guest, R->e);
        platform_free(&pl);
        if (r < 0)
                return step_outcome_set(out, OUT_ERROR, "%s", R->e->msg);
        memset(R->rtmr3_expected, 0, sizeof(R->rtmr3_expected));
        R->extends = 0;
        r = fake_boot_start(R->guest, R->sw, R->e);
        if (r < 0)
                return step_outcome_set(out, OUT_ERROR, "%s", R->e->msg);
        return step_outcome_set(out, OUT_PASS, "the guest booted (boot-%u: %s%s, %llu MiB, %u vCPU%s); "
                                "its agent answered",
                                R->boots, in.disk ? "disk " : "",
                                in.disk ? in.disk : in.cmdline ? in.cmdline : "no command line",
                                (unsigned long long)(in.memory >> 20), in.vcpus,
                                in.vcpus == 1 ? "" : "s");
}

int srun_agent(struct srun *R, const char *op, json_object *params, json_object **ret)
{
        struct boot_session *s = R->guest;
        struct deadline d = deadline_in_ms(SRUN_AGENT_TIMEOUT_MS);
        struct wait_watch w = { .sig = s ? s->sig : NULL };
        int r;

        if (!s || !s->live)
                return err_setf(R->e, -ENOTCONN, "%s: no guest is running (a boot step must come first)",
                                op);
        w.children[0] = &s->qemu;
        w.children[1] = &s->tpm.proc;
        r = agent_call(&s->agent, op, params, ret, &d, &w, R->e);
        /* An answer with ok:false is the agent's own refusal, not a failure
         * of the channel: the step decides what it means. */
        if (r < 0 && !s->agent.refused)
                s->failure = r == -ECANCELED ? BOOT_FAIL_SIGNAL
                             : r == -ETIMEDOUT ? BOOT_FAIL_TIMEOUT
                                               : BOOT_FAIL_AGENT;
        return r;
}

void srun_inputs_free(struct srun_inputs *in)
{
        inputs_free(in);
}
