/* `tdxh run --dry-run`: what a scenario's boots would start, from the same
 * platform descriptions a real run builds (srun_platform()), without
 * starting or writing anything. See scenario_dry_run() in scenario_run.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/scenario_internal.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/shell_word.h"
#include "fakes/fake_tdx.h"
#include "run/libvirt_xml.h"
#include "run/qemu_argv.h"

/* The command as a reviewer reads it and a shell takes it: the program,
 * then each option with its value on a line of its own, continued with
 * a backslash. */
static int print_argv(struct buf *b, const struct strv *argv)
{
        for (size_t i = 0; i < argv->n; i++) {
                bool value = i > 0 && argv->v[i][0] != '-';

                if (i > 0 && buf_puts(b, value ? " " : " \\\n    ") < 0)
                        return -ENOMEM;
                if (shell_word(b, argv->v[i]) < 0)
                        return -ENOMEM;
        }
        return buf_putc(b, '\n');
}

/* The platform of one boot, its paths set as a run in run_dir would set
 * them. */
static int boot_platform(struct srun *R, const struct step *st, unsigned boot, const char *run_dir,
                         struct platform *ret)
{
        _cleanup_free_ char *boot_dir = NULL, *runtime = NULL, *fake_dir = NULL;
        _cleanup_strv_ struct strv items = STRV_INIT;
        struct srun_inputs in = { 0 };
        struct platform pl;
        int r;

        r = srun_merge_inputs(R, &st->boot, &in);
        if (r < 0)
                return r;
        if (asprintf(&boot_dir, "%s/boot-%u", run_dir, boot) < 0 ||
            asprintf(&runtime, "%s/runtime", run_dir) < 0 ||
            asprintf(&fake_dir, "%s/fake-tdx", boot_dir) < 0) {
                srun_inputs_free(&in);
                return -ENOMEM;
        }
        /* The engine makes the tampered initrd in the private directory. */
        if (st->boot.initrd_tampered && in.initrd) {
                char *t = NULL;

                if (asprintf(&t, "%s/initrd-tampered.img", runtime) < 0) {
                        srun_inputs_free(&in);
                        return -ENOMEM;
                }
                free(in.initrd);
                in.initrd = t;
        }
        r = srun_platform(R, &in, &pl);
        srun_inputs_free(&in);
        if (r < 0)
                return r;
        r = platform_set_boot_paths(&pl, boot_dir, runtime);
        if (r >= 0 && pl.backend == BACKEND_FAKE)
                r = fake_tdx_items(fake_dir, true, &items);
        for (size_t i = 0; r >= 0 && i + 1 < items.n; i += 2)
                r = platform_add_fw_cfg(&pl, items.v[i], items.v[i + 1]);
        if (r < 0) {
                platform_free(&pl);
                return r;
        }
        platform_resolve_accel(&pl);
        *ret = pl;
        return 0;
}

int scenario_dry_run(const struct scenario *sc, const struct scenario_run_opts *o, char **ret,
                     struct tdxh_err *e)
{
        struct scenario_result res = { 0 };
        struct srun R = { .sc = sc, .o = o, .e = e, .res = &res };
        _cleanup_buf_ struct buf b = BUF_INIT;
        unsigned boot = 0;
        int r;

        if (!o->out_dir)
                return err_setf(e, -EINVAL, "dry run: no run directory given");
        r = srun_load_image(&R);
        for (size_t i = 0; r >= 0 && i < sc->n_steps; i++) {
                const struct step *st = &sc->steps[i];
                _cleanup_platform_ struct platform pl = { 0 };
                _cleanup_strv_ struct strv argv = STRV_INIT;
                _cleanup_free_ char *xml = NULL, *name = NULL;

                if (st->kind != STEP_BOOT && st->kind != STEP_REBOOT)
                        continue;
                r = boot_platform(&R, st, ++boot, o->out_dir, &pl);
                if (r < 0)
                        break;
                if (srun_is_libvirt(o)) {
                        r = asprintf(&name, "tdxh-%s-boot-%u", sc->name, boot) < 0 ? -ENOMEM : 0;
                        if (r >= 0)
                                r = libvirt_domain_xml(&pl, name, &xml, e);
                        if (r >= 0)
                                r = buf_printf(&b, "%s<!-- scenario %s, boot-%u (step %zu: %s) -->\n%s",
                                               boot > 1 ? "\n" : "", sc->name, boot, i + 1,
                                               step_kind_name(st->kind), xml);
                        continue;
                }
                r = qemu_argv_build(&pl, &argv, e);
                if (r >= 0)
                        r = buf_printf(&b, "%s# scenario %s, boot-%u (step %zu: %s), %s\n",
                                       boot > 1 ? "\n" : "", sc->name, boot, i + 1,
                                       step_kind_name(st->kind), platform_backend_name(pl.backend));
                if (r >= 0)
                        r = print_argv(&b, &argv);
        }
        srun_inputs_free(&R.image_in);
        free(R.image);
        scenario_result_free(&res);
        if (r < 0)
                return r;
        *ret = buf_detach(&b, NULL);
        return *ret ? 0 : -ENOMEM;
}
