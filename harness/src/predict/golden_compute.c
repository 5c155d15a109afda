/* The golden compute pipeline; see golden_compute.h. */
#include "predict/golden_compute.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/file.h"
#include "predict/acpi_log.h"
#include "predict/disk_compute.h"
#include "measure/event.h"
#include "measure/kernel_events.h"
#include "measure/mrtd.h"
#include "measure/rtmr0.h"
#include "measure/tdvf.h"

static int dup_into(char **dst, const char *src)
{
        *dst = src ? strdup(src) : NULL;
        return !src || *dst ? 0 : -ENOMEM;
}

static int set_profile(struct golden *g, const struct profile *p)
{
        if (dup_into(&g->profile_name, p->name) < 0 ||
            dup_into(&g->platform, p->platform == PLATFORM_FAKE ? "fake" : "tdx") < 0 ||
            dup_into(&g->edk2, edk2_gen_name(p->edk2)) < 0 ||
            dup_into(&g->qemu, qemu_gen_name(p->qemu)) < 0 ||
            dup_into(&g->page_add, page_add_name(p->page_add)) < 0)
                return -ENOMEM;
        return 0;
}

static int input_sha256(const char *path, struct golden_input_file *f, struct tdxh_err *e)
{
        int r = dup_into(&f->path, path);

        if (r < 0)
                return r;
        r = digest_file(DIGEST_SHA256, path, f->sha256, NULL, e);
        if (r < 0)
                return r;
        f->have_sha256 = true;
        return 0;
}

/* Early TDX edk2 (< 202302) measured BootOrder and Boot#### into PCR 5, so
 * they sit in RTMR1 between the kernel image and the "Calling EFI
 * Application" action (both at ReadyToBoot, variables first). */
static int move_boot_vars_to_rtmr1(const struct rtmr0_params *rp, struct measure_events *ev,
                                   struct tdxh_err *e)
{
        _cleanup_measure_events_ struct measure_events boot = { 0 }, out = { 0 };
        struct rtmr0_params only = *rp;
        bool inserted = false;
        int r;

        only.boot_vars_in_rtmr1 = false;
        r = rtmr0_events(&only, &boot, e);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ev->n; i++) {
                const struct measure_event *x = &ev->v[i];

                if (!inserted && x->rtmr == 1 && strcmp(x->what, "action") == 0) {
                        for (size_t j = 0; j < boot.n; j++) {
                                const struct measure_event *b = &boot.v[j];

                                if (strcmp(b->what, "boot-var") != 0)
                                        continue;
                                r = measure_events_add(&out, 1, b->type,
                                                       b->digest_known ? b->digest : NULL, b->what,
                                                       b->detail, b->data, b->data_len);
                                if (r < 0)
                                        return r;
                        }
                        inserted = true;
                }
                r = measure_events_add(&out, x->rtmr, x->type, x->digest_known ? x->digest : NULL,
                                       x->what, x->detail, x->data, x->data_len);
                if (r < 0)
                        return r;
        }
        measure_events_free(ev);
        return measure_events_move(ev, &out);
}

/* Marks register rtmr unknown when one of its events is: the reason names
 * every such event and says, once, what was missing. */
static int fold_register(struct golden *g, const struct measure_events *ev, int rtmr)
{
        struct golden_register *reg = &g->regs[GOLDEN_RTMR0 + rtmr];
        _cleanup_buf_ struct buf why = BUF_INIT;
        const char *first_detail = NULL;

        for (size_t i = 0; i < ev->n; i++) {
                const struct measure_event *x = &ev->v[i];

                if (x->rtmr != rtmr || x->digest_known)
                        continue;
                if (!first_detail)
                        first_detail = x->detail;
                if (buf_printf(&why, "%s%s", why.len ? ", " : "events not predictable: ",
                               x->what) < 0)
                        return -ENOMEM;
        }
        if (why.len) {
                if (first_detail && buf_printf(&why, " (%s)", first_detail) < 0)
                        return -ENOMEM;
                return golden_set_unknown(g, (enum golden_reg)(GOLDEN_RTMR0 + rtmr), why.data);
        }
        reg->present = true;
        reg->known = true;
        return measure_events_replay(ev, rtmr, reg->value);
}

/* PciBusDxe loads each device's ROM as it starts the devices it
 * enumerated, in bus order (edk2 PciDeviceSupport.c StartPciDevices ->
 * RegisterPciDevice -> ProcessOpRomImage), during BDS's connect, long
 * before the boot option: these are RTMR1's first events (a fake-platform
 * boot with a virtio NIC logs its iPXE driver there). */
static unsigned bdf_key(const struct golden_option_rom *o)
{
        return o->bdf.dev * 8 + o->bdf.fn;
}

static int option_rom_side(const struct golden_compute_params *p, struct measure_events *ev,
                           struct tdxh_err *e)
{
        _cleanup_measure_events_ struct measure_events roms = { 0 }, out = { 0 };
        enum option_rom_foreign foreign = profile_option_rom_native_first(&p->profile)
                                                  ? OPTION_ROM_FOREIGN_IF_NO_NATIVE
                                                  : OPTION_ROM_FOREIGN_MEASURED;
        int r;

        if (p->n_option_roms == 0)
                return 0;
        /* Device by device in bus order: at most 256 functions on bus 0. */
        for (unsigned key = 0; key < 256; key++) {
                const struct golden_option_rom *o = NULL;

                for (size_t i = 0; i < p->n_option_roms; i++) {
                        if (bdf_key(&p->option_roms[i]) != key)
                                continue;
                        if (o)
                                return err_setf(e, -EINVAL, "--option-rom: device 00:%02x.%x is given twice",
                                                o->bdf.dev, o->bdf.fn);
                        o = &p->option_roms[i];
                }
                if (o) {
                        r = option_rom_events(o->path, &o->bdf, foreign, &roms, e);
                        if (r < 0)
                                return r;
                }
        }
        /* The other registers keep their order; RTMR1 starts with the ROMs. */
        for (int pass = 0; pass < 2; pass++) {
                for (size_t i = 0; i < ev->n; i++) {
                        const struct measure_event *x = &ev->v[i];

                        if ((x->rtmr == 1) != (pass == 1))
                                continue;
                        r = measure_events_add(&out, x->rtmr, x->type,
                                               x->digest_known ? x->digest : NULL, x->what,
                                               x->detail, x->data, x->data_len);
                        if (r < 0)
                                return r;
                }
                if (pass == 0) {
                        r = measure_events_move(&out, &roms);
                        if (r < 0)
                                return r;
                }
        }
        measure_events_free(ev);
        return measure_events_move(ev, &out);
}

static int copy_events(struct golden *g, const struct measure_events *ev)
{
        /* Golden files list events grouped by register, each in extend order. */
        for (int rtmr = 0; rtmr < 4; rtmr++)
                for (size_t i = 0; i < ev->n; i++) {
                        const struct measure_event *x = &ev->v[i];
                        struct golden_event ge = { .rtmr = x->rtmr, .type = x->type,
                                                   .digest_known = x->digest_known,
                                                   .what = x->what, .detail = x->detail };
                        int r;

                        if (x->rtmr != rtmr)
                                continue;
                        memcpy(ge.digest, x->digest, SHA384_LEN);
                        r = golden_add_event(g, &ge);
                        if (r < 0)
                                return r;
                }
        return 0;
}

static int kernel_side(const struct golden_compute_params *p, const struct rtmr0_params *rp,
                       struct golden *g, struct measure_events *ev, struct tdxh_err *e)
{
        const struct profile *prof = &p->profile;
        struct kernel_boot kb = { .kernel_path = p->kernel, .initrd_path = p->initrd,
                                  .cmdline = p->cmdline, .ram_size = p->memory };
        struct rtmr1_flags f1 = { .header_patched = profile_kernel_header_patched(prof) };
        struct rtmr2_flags f2 = { .initrd_prefix = profile_cmdline_initrd_prefix(prof) };
        int r;

        if (prof->platform == PLATFORM_FAKE)
                f1.separators = RTMR1_SEPARATORS_PCR2_6;
        else
                f1.separators = profile_separator_in_rtmr1(prof) ? RTMR1_SEPARATOR_ONE
                                                                 : RTMR1_SEPARATORS_NONE;
        r = input_sha256(p->kernel, &g->kernel, e);
        if (r < 0)
                return r;
        r = kernel_rtmr1_events(&kb, &f1, ev, e);
        if (r < 0)
                return r;
        if (rp->boot_vars_in_rtmr1) {
                r = move_boot_vars_to_rtmr1(rp, ev, e);
                if (r < 0)
                        return r;
        }
        r = kernel_rtmr2_events(&kb, &f2, ev, e);
        if (r < 0)
                return r;
        if (p->initrd) {
                /* The initrd event's digest is the file's SHA-384: reuse it
                 * rather than reading a large file twice. */
                r = dup_into(&g->initrd.path, p->initrd);
                if (r < 0)
                        return r;
                for (size_t i = 0; i < ev->n; i++)
                        if (strcmp(ev->v[i].what, "initrd") == 0) {
                                memcpy(g->initrd.sha384, ev->v[i].digest, SHA384_LEN);
                                g->initrd.have_sha384 = true;
                        }
                if (!g->initrd.have_sha384) {
                        r = digest_file(DIGEST_SHA384, p->initrd, g->initrd.sha384, NULL, e);
                        if (r < 0)
                                return r;
                        g->initrd.have_sha384 = true;
                }
        }
        return 0;
}

int golden_compute(const struct golden_compute_params *p, struct golden *ret, struct tdxh_err *e)
{
        _cleanup_golden_ struct golden g = { 0 };
        _cleanup_mapped_file_ struct mapped_file fw = { 0 };
        _cleanup_tdvf_metadata_ struct tdvf_metadata md = { 0 };
        _cleanup_measure_events_ struct measure_events ev = { 0 };
        uint8_t acpi[ACPI_BLOB_COUNT][SHA384_LEN];
        struct rtmr0_params rp = { 0 };
        struct disk_boot_vars dv = { 0 };
        int r;

        r = set_profile(&g, &p->profile);
        if (r < 0)
                return r;
        g.memory = p->memory;
        g.vcpus = p->vcpus;
        r = dup_into(&g.cmdline, p->cmdline);
        if (r < 0)
                return r;

        r = input_sha256(p->firmware, &g.firmware, e);
        if (r < 0)
                return r;
        r = tdvf_open_file(p->firmware, &fw, &md, e);
        if (r < 0)
                return r;
        r = mrtd_compute(fw.data, fw.size, &md, p->profile.page_add, g.regs[GOLDEN_MRTD].value, e);
        if (r < 0) {
                err_prefix(e, "%s: ", p->firmware);
                return r;
        }
        g.regs[GOLDEN_MRTD].present = g.regs[GOLDEN_MRTD].known = true;

        if (p->acpi_dir) {
                char paths[ACPI_BLOB_COUNT][4096];
                static const char *const names[] = { "table-loader", "rsdp", "tables" };
                const char *pp[ACPI_BLOB_COUNT];

                for (int i = 0; i < ACPI_BLOB_COUNT; i++) {
                        snprintf(paths[i], sizeof(paths[i]), "%s/%s", p->acpi_dir, names[i]);
                        pp[i] = paths[i];
                }
                r = rtmr0_acpi_digests_from_files(pp, acpi, e);
                if (r < 0)
                        return r;
        } else if (p->acpi_from_log) {
                r = acpi_digests_from_log(p->acpi_from_log, acpi, e);
                if (r < 0)
                        return r;
        }

        rtmr0_params_from_profile(&rp, &p->profile);
        rp.ram_bytes = p->memory;
        rp.md = &md;
        rp.fw = fw.data;
        rp.fw_size = fw.size;
        if (p->acpi_digests)
                rp.acpi_digests = p->acpi_digests;
        else if (p->acpi_dir || p->acpi_from_log)
                rp.acpi_digests = (const uint8_t(*)[SHA384_LEN])acpi;
        if (p->disk) {
                r = disk_boot_vars_init(&dv);
                if (r < 0)
                        return r;
                rp.boot_vars = dv.v;
                rp.n_boot_vars = ELEMENTSOF(dv.v);
        }
        r = rtmr0_events(&rp, &ev, e);
        disk_boot_vars_free(&dv);
        if (r < 0) {
                err_prefix(e, "%s: ", p->firmware);
                return r;
        }

        if (p->disk) {
                /* The disk's events include its SbatLevel in RTMR0. */
                r = input_sha256(p->disk, &g.disk, e);
                if (r >= 0)
                        r = disk_compute_events(p->disk, &p->profile, &ev, e);
                if (r >= 0)
                        r = fold_register(&g, &ev, 0);
        } else {
                r = fold_register(&g, &ev, 0);
                if (r >= 0 && p->kernel)
                        r = kernel_side(p, &rp, &g, &ev, e);
        }
        if (r < 0)
                return r;
        r = option_rom_side(p, &ev, e);
        if (r < 0)
                return r;
        if (p->kernel || p->disk) {
                for (int rtmr = 1; rtmr <= 2; rtmr++) {
                        r = fold_register(&g, &ev, rtmr);
                        if (r < 0)
                                return r;
                }
        } else {
                r = golden_set_unknown(&g, GOLDEN_RTMR1, "no --kernel given: the kernel image is measured into RTMR1");
                if (r >= 0)
                        r = golden_set_unknown(&g, GOLDEN_RTMR2, "no --kernel given: the command line and initrd are measured by the kernel's EFI stub");
                if (r < 0)
                        return r;
        }
        r = copy_events(&g, &ev);
        if (r < 0)
                return r;
        *ret = g;
        g = (struct golden){ 0 };
        return 0;
}
