/* The candidates of explain_inputs.h computed with the measurement engine:
 * what the firmware, memory size, kernel, command line and initrd a user
 * names would put into MRTD and the events, in every variant a profile could
 * choose, so that explain can say which input (and which variant) an
 * observed event corresponds to. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cleanup.h"
#include "core/digest.h"
#include "core/file.h"
#include "core/size.h"
#include "predict/explain_inputs.h"
#include "measure/kernel_events.h"
#include "measure/mrtd.h"
#include "measure/rtmr0.h"
#include "measure/td_hob.h"
#include "measure/tdvf.h"

/* Largest firmware image accepted (OVMF images are a few MiB). */

struct ctx {
        const struct explain_input_args *a;
        const struct golden *g;
        struct explain_inputs *in;
        struct tdxh_err *e;
};

static int add(struct ctx *c, const char *what, const char *input, const char *variant,
               const char *text, const uint8_t d[SHA384_LEN])
{
        return explain_inputs_add(c->in, what, input, variant, text, d);
}

static int firmware(struct ctx *c, const char *path)
{
        _cleanup_mapped_file_ struct mapped_file fw = { 0 };
        _cleanup_tdvf_metadata_ struct tdvf_metadata md = { 0 };
        _cleanup_free_ char *input = NULL;
        char mem[32];
        uint8_t d[SHA384_LEN];
        int r;

        r = tdvf_open_file(path, &fw, &md, c->e);
        if (r < 0)
                return r;
        if (c->a->firmware) {
                if (asprintf(&input, "--firmware %s", path) < 0)
                        return -ENOMEM;
                for (int p = PAGE_ADD_PER_PAGE; p <= PAGE_ADD_TWO_PASS && r >= 0; p++) {
                        r = mrtd_compute(fw.data, fw.size, &md, (enum page_add_pattern)p, d, c->e);
                        if (r >= 0)
                                r = add(c, "mrtd", input, page_add_name((enum page_add_pattern)p), NULL, d);
                }
                if (r >= 0 && tdvf_cfv(&md) && rtmr0_cfv_digest(fw.data, fw.size, &md, d, NULL) >= 0)
                        r = add(c, "cfv", input, NULL, NULL, d);
        }
        if (r >= 0 && c->a->memory && tdvf_td_hob(&md)) {
                free(input);
                size_format(c->a->memory, mem);
                if (asprintf(&input, "--memory %s", mem) < 0)
                        return -ENOMEM;
                r = td_hob_digest(&md, c->a->memory, d, c->e);
                if (r >= 0)
                        r = add(c, "td-hob", input, NULL, NULL, d);
        }
        return r;
}

static const char *initrd_path(const struct ctx *c)
{
        return c->a->initrd ? c->a->initrd : c->g->initrd.path;
}

static int kernel(struct ctx *c, const char *path)
{
        struct linux_setup_params p = { .ram_size = c->a->memory ? c->a->memory : c->g->memory,
                                        .cmdline = c->a->cmdline ? c->a->cmdline : c->g->cmdline };
        _cleanup_free_ char *input = NULL, *variant = NULL;
        const char *ipath = initrd_path(c);
        char mem[32];
        uint8_t d[SHA384_LEN];
        struct stat st;
        int r;

        if (asprintf(&input, "%s %s", c->a->kernel ? "--kernel" : "the golden file's kernel", path) < 0)
                return -ENOMEM;
        r = kernel_image_digest(path, NULL, d, NULL, c->e);
        if (r >= 0)
                r = add(c, "kernel", input, "unpatched", NULL, d);
        /* QEMU's header patch needs the memory size and the initrd size. */
        if (r < 0 || !p.ram_size)
                return r;
        if (ipath) {
                if (stat(ipath, &st) < 0)
                        return err_setf(c->e, -errno, "%s: %m", ipath);
                p.initrd = true;
                p.initrd_size = (uint64_t)st.st_size;
        }
        size_format(p.ram_size, mem);
        r = ipath ? asprintf(&variant, "patched header, memory %s, initrd of %" PRIu64 " bytes", mem,
                             p.initrd_size)
                  : asprintf(&variant, "patched header, memory %s, no initrd", mem);
        if (r < 0)
                return -ENOMEM;
        r = kernel_image_digest(path, &p, d, NULL, c->e);
        if (r >= 0)
                r = add(c, "kernel", input, variant, NULL, d);
        if (r >= 0)
                c->in->v[c->in->n - 1].memory = p.ram_size;
        return r;
}

static int cmdline(struct ctx *c)
{
        static const struct {
                bool prefix, initrd;
                const char *variant;
        } forms[] = {
                { false, true, "initrd=initrd last (edk2 < stable202508)" },
                { true, true, "initrd=initrd first (edk2 >= stable202508)" },
                { false, false, "no initrd" },
        };
        int r = 0;

        for (size_t i = 0; i < sizeof(forms) / sizeof(forms[0]) && r >= 0; i++) {
                struct rtmr2_flags f = { .initrd_prefix = forms[i].prefix };
                _cleanup_free_ char *text = NULL;
                _cleanup_free_ uint8_t *wide = NULL;
                uint8_t d[SHA384_LEN];
                size_t size = 0;

                r = kernel_load_options(c->a->cmdline, forms[i].initrd, &f, &text, &wide, &size);
                if (r <= 0)
                        continue; /* nothing measured for an empty command line */
                r = digest_buf(DIGEST_SHA384, wide, size, d);
                if (r >= 0)
                        r = add(c, "cmdline", "--cmdline", forms[i].variant, text, d);
        }
        return r;
}

int explain_inputs_compute(const struct explain_input_args *args, const struct golden *g,
                           struct explain_inputs *ret, struct tdxh_err *e)
{
        struct explain_inputs in = EXPLAIN_INPUTS_INIT;
        struct ctx c = { .a = args, .g = g, .in = &in, .e = e };
        const char *fw = args->firmware ? args->firmware : g->firmware.path;
        const char *k = args->kernel ? args->kernel : args->memory ? g->kernel.path : NULL;
        _cleanup_free_ char *input = NULL;
        uint8_t d[SHA384_LEN];
        int r = 0;

        if (args->memory && !fw)
                return err_setf(e, -EINVAL, "--memory: the TD HOB depends on the firmware: give "
                                            "--firmware (the golden file names none)");
        if (fw && (args->firmware || args->memory))
                r = firmware(&c, fw);
        if (r >= 0 && k)
                r = kernel(&c, k);
        if (r >= 0 && args->cmdline)
                r = cmdline(&c);
        if (r >= 0 && args->initrd) {
                r = digest_file(DIGEST_SHA384, args->initrd, d, NULL, e);
                if (r >= 0 && asprintf(&input, "--initrd %s", args->initrd) < 0)
                        r = -ENOMEM;
                if (r >= 0)
                        r = add(&c, "initrd", input, NULL, NULL, d);
        }
        if (r < 0) {
                explain_inputs_free(&in);
                return r == -ENOMEM ? err_setf(e, r, "out of memory") : r;
        }
        *ret = in;
        return 0;
}
