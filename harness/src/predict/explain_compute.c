/* The candidates of explain_inputs.h computed with the measurement engine:
 * what the firmware, memory size, kernel, command line and initrd a user
 * names would put into MRTD and the events, in every variant a profile could
 * choose, so that explain can say which input (and which variant) an
 * observed event corresponds to. */
#include <dirent.h>
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
#include "core/strv.h"
#include "predict/explain_inputs.h"
#include "measure/kernel_events.h"
#include "measure/linux_setup.h"
#include "measure/mrtd.h"
#include "measure/option_rom_events.h"
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

/* "--kernel PATH", or "the golden file's kernel PATH" for an input taken
 * from the golden file's record. */
static char *input_name(const char *option, bool from_golden, const char *path)
{
        char *s = NULL;

        if ((from_golden ? asprintf(&s, "the golden file's %s %s", option + 2, path)
                         : asprintf(&s, "%s %s", option, path)) < 0)
                return NULL;
        return s;
}

/* Memory sizes whose TD HOB is tried when --memory is not given. */
static const uint64_t hob_sweep[] = {
        512ull << 20, 1ull << 30, 1536ull << 20, 2ull << 30, 3ull << 30, 4ull << 30,
        6ull << 30,   8ull << 30, 12ull << 30,   16ull << 30, 32ull << 30, 64ull << 30,
};

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
                input = input_name("--firmware", c->a->firmware_from_golden, path);
                if (!input)
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
                if (r >= 0)
                        c->in->v[c->in->n - 1].memory = c->a->memory;
        }
        /* No --memory: the TD HOB of each usual size, so that a boot with
         * another size is recognised and the size named. */
        for (size_t i = 0; r >= 0 && !c->a->memory && tdvf_td_hob(&md) && i < ELEMENTSOF(hob_sweep); i++) {
                free(input);
                input = NULL;
                size_format(hob_sweep[i], mem);
                if (asprintf(&input, "memory %s", mem) < 0)
                        return -ENOMEM;
                r = td_hob_digest(&md, hob_sweep[i], d, c->e);
                if (r >= 0)
                        r = add(c, "td-hob", input, "tried, no --memory given", NULL, d);
                if (r >= 0)
                        c->in->v[c->in->n - 1].memory = hob_sweep[i];
        }
        return r;
}

static const char *initrd_path(const struct ctx *c)
{
        return c->a->initrd ? c->a->initrd : c->g->initrd.path;
}

/* Memory sizes tried when --memory is not given: QEMU's header patch
 * depends only on the memory below 4 GiB, so sizes that share it share the
 * digest and only the first of each is computed. */
static const uint64_t memory_sweep[] = {
        256ull << 20, 512ull << 20, 768ull << 20, 1ull << 30, 1536ull << 20,
        2ull << 30,   2560ull << 20, 3ull << 30,  4ull << 30,
};

static int kernel_patched(struct ctx *c, const char *path, const char *input, int golden_file,
                          struct linux_setup_params *p, bool capped)
{
        _cleanup_free_ char *variant = NULL;
        char mem[32];
        uint8_t d[SHA384_LEN];
        int r;

        size_format(p->ram_size, mem);
        r = p->initrd ? asprintf(&variant, "patched header, memory %s%s, initrd of %" PRIu64 " bytes",
                                 mem, capped ? " or more" : "", p->initrd_size)
                      : asprintf(&variant, "patched header, memory %s%s, no initrd", mem,
                                 capped ? " or more" : "");
        if (r < 0)
                return -ENOMEM;
        r = kernel_image_digest(path, p, d, NULL, c->e);
        if (r >= 0)
                r = add(c, "kernel", input, variant, NULL, d);
        if (r >= 0) {
                c->in->v[c->in->n - 1].memory = p->ram_size;
                c->in->v[c->in->n - 1].golden_file = golden_file;
        }
        return r;
}

static int kernel(struct ctx *c, const char *path)
{
        struct linux_setup_params p = { .ram_size = c->a->memory ? c->a->memory : c->g->memory,
                                        .cmdline = c->a->cmdline ? c->a->cmdline : c->g->cmdline };
        _cleanup_free_ char *input = NULL;
        const char *ipath = initrd_path(c);
        uint64_t below_done[ELEMENTSOF(memory_sweep) + 1];
        size_t n_done = 0;
        uint8_t d[SHA384_LEN];
        struct stat st;
        int golden_file, r;

        input = input_name("--kernel", !c->a->kernel || c->a->kernel_from_golden, path);
        if (!input)
                return -ENOMEM;
        r = explain_input_is_recorded(&c->g->kernel, path, &golden_file, c->e);
        if (r >= 0)
                r = kernel_image_digest(path, NULL, d, NULL, c->e);
        if (r >= 0)
                r = add(c, "kernel", input, "unpatched", NULL, d);
        if (r >= 0)
                c->in->v[c->in->n - 1].golden_file = golden_file;
        if (r < 0)
                return r;
        /* QEMU's header patch needs the memory size and the initrd size. */
        if (ipath) {
                if (stat(ipath, &st) < 0)
                        return c->a->initrd ? err_setf(c->e, -errno, "%s: %m", ipath)
                                            : err_setf(c->e, -errno,
                                                       "%s (the golden file's initrd, whose size QEMU "
                                                       "patches into the kernel header): %m; give "
                                                       "--initrd",
                                                       ipath);
                p.initrd = true;
                p.initrd_size = (uint64_t)st.st_size;
        }
        if (p.ram_size) {
                r = kernel_patched(c, path, input, golden_file, &p, false);
                if (r < 0 || c->a->memory)
                        return r;
                below_done[n_done++] = q35_below_4g(p.ram_size, 0);
        }
        /* The memory was not given: every size that patches the header
         * differently, so that a kernel booted with another memory size is
         * recognised, and the size named. */
        for (size_t i = 0; i < ELEMENTSOF(memory_sweep) && r >= 0; i++) {
                uint64_t below = q35_below_4g(memory_sweep[i], 0);
                bool seen = false;

                for (size_t k = 0; k < n_done; k++)
                        seen |= below_done[k] == below;
                if (seen)
                        continue;
                below_done[n_done++] = below;
                p.ram_size = memory_sweep[i];
                r = kernel_patched(c, path, input, golden_file, &p, below < memory_sweep[i]);
        }
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
                        r = add(c, "cmdline",
                                c->a->cmdline_from_golden ? "the golden file's command line" : "--cmdline",
                                forms[i].variant, text, d);
        }
        return r;
}

static int rom_name_cmp(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The drivers of QEMU's NIC ROMs, so that an observed option-rom event can
 * be named. A directory that is missing or a ROM that does not parse only
 * leaves candidates out: they are guesses at what QEMU used, not inputs the
 * user named. */
static int rom_names(const char *dir, struct strv *ret)
{
        DIR *d = opendir(dir);
        struct dirent *de;
        int r = 0;

        if (!d)
                return 0;
        while (r >= 0 && (de = readdir(d))) {
                size_t n = strlen(de->d_name);

                if (n > 8 && strncmp(de->d_name, "efi-", 4) == 0 &&
                    strcmp(de->d_name + n - 4, ".rom") == 0)
                        r = strv_push(ret, de->d_name);
        }
        closedir(d);
        if (r < 0)
                return r;
        if (ret->n)
                qsort(ret->v, ret->n, sizeof(*ret->v), rom_name_cmp);
        return 0;
}

static int qemu_roms(struct ctx *c, const char *dir)
{
        _cleanup_strv_ struct strv names = STRV_INIT;
        _cleanup_free_ char *input = NULL;
        /* The digest does not depend on the slot; the device path does,
         * and it is not compared. */
        const struct pci_bdf any = { .dev = 2 };
        int r = rom_names(dir, &names);

        if (r < 0)
                return r;
        if (asprintf(&input, "QEMU's option ROMs in %s", dir) < 0) {
                input = NULL;
                return -ENOMEM;
        }
        for (size_t i = 0; i < names.n && r >= 0; i++) {
                _cleanup_measure_events_ struct measure_events ev = { 0 };
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", dir, names.v[i]) < 0) {
                        path = NULL;
                        return -ENOMEM;
                }
                if (option_rom_events(path, &any, OPTION_ROM_FOREIGN_MEASURED, &ev, NULL) < 0)
                        continue;
                for (size_t j = 0; j < ev.n && r >= 0; j++)
                        r = add(c, "option-rom", input, path, NULL, ev.v[j].digest);
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
                if (r >= 0 && !(input = input_name("--initrd", args->initrd_from_golden, args->initrd)))
                        r = -ENOMEM;
                if (r >= 0)
                        r = add(&c, "initrd", input, NULL, NULL, d);
                if (r >= 0)
                        in.v[in.n - 1].golden_file =
                                !g->initrd.have_sha384 ? -1 : memcmp(d, g->initrd.sha384, SHA384_LEN) == 0;
        }
        if (r >= 0 && args->qemu_rom_dir)
                r = qemu_roms(&c, args->qemu_rom_dir);
        if (r < 0) {
                explain_inputs_free(&in);
                return r == -ENOMEM ? err_setf(e, r, "out of memory") : r;
        }
        *ret = in;
        return 0;
}
