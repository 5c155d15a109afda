/* The per-event and per-register rules of `tdxh explain`: what a difference
 * in an event that measures X usually means, in words a person can act on
 * (TDX-REFERENCE §3-§4 for what each event measures). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/event_type.h"
#include "core/hex.h"
#include "core/size.h"
#include "compare/explain_internal.h"
#include "measure/linux_setup.h"
#include "measure/option_rom_events.h"

static const char *how(const struct align_row *row)
{
        return row->op == ALIGN_CHANGED ? "changed" : row->op == ALIGN_INSERTED ? "not predicted" : "missing";
}

/* The variable, item or file an event names, for the summary. */
static const char *event_name(const struct diff_register *R, size_t row)
{
        const struct diff_event *o = row_observed(R, row), *g = row_golden(R, row);

        if (o && o->detail)
                return o->detail;
        return g && g->detail ? g->detail : "(unnamed)";
}

static bool row_changed(const struct diff_register *R, const char *what)
{
        for (size_t i = 0; i < R->n_rows; i++)
                if (R->rows[i].op == ALIGN_CHANGED && strcmp(row_what(R, i), what) == 0)
                        return true;
        return false;
}

int rule_evidence(struct explain_state *s)
{
        char a[2 * SHA384_LEN + 1], b[2 * SHA384_LEN + 1];
        int r = 0;

        for (int i = 0; i < GOLDEN_NREGS && r >= 0; i++) {
                const struct diff_register *R = &s->d->regs[i];
                struct cause_spec c = { .reg = i, .confidence = EXPLAIN_CERTAIN, .R = R,
                                        .row = ALIGN_NONE };

                if (R->replay == DIFF_REPLAY_MISMATCH) {
                        hex_encode(R->replayed, SHA384_LEN, a);
                        hex_encode(R->observed, SHA384_LEN, b);
                        c.kind = CAUSE_LOG_NOT_REPLAYING;
                        c.summary = "the event log does not replay to the observed value";
                        c.golden_value = b;
                        c.observed_value = a;
                        r = explain_add(s->x, &c,
                                        "the log gives %.16s.., the registers hold %.16s..; the log "
                                        "is incomplete, reordered or from another boot, and nothing "
                                        "it says about %s can be trusted",
                                        a, b, diff_reg_title(R->reg));
                } else if (R->replay == DIFF_REPLAY_INCOMPLETE && R->status == DIFF_REG_MISMATCH) {
                        c.kind = CAUSE_EVENT;
                        c.confidence = EXPLAIN_POSSIBLE;
                        c.summary = "the event log cannot be replayed";
                        r = explain_add(s->x, &c,
                                        "log event %zu has no SHA-384 digest, so the log cannot be "
                                        "checked against the registers",
                                        R->replay_missing_index);
                }
                if (r >= 0 && R->golden_fold == DIFF_FOLD_MISMATCH) {
                        c.kind = CAUSE_GOLDEN_INCONSISTENT;
                        c.confidence = EXPLAIN_CERTAIN;
                        c.summary = "the golden file contradicts itself";
                        c.golden_value = c.observed_value = NULL;
                        r = explain_add(s->x, &c,
                                        "its %s events do not fold to its %s value: it was edited "
                                        "or written by a broken tool; recompute it",
                                        diff_reg_title(R->reg), diff_reg_title(R->reg));
                }
        }
        return r;
}

/* The command line an event carries, if its text is one: tagged events carry
 * only the tag name, GRUB-style events a "kernel_cmdline: " prefix. */
static const char *cmdline_text(const struct diff_event *ev)
{
        static const char prefix[] = "kernel_cmdline: ";

        if (!ev || !ev->detail)
                return NULL;
        if (strncmp(ev->detail, "LOADED_IMAGE::", 14) == 0)
                return NULL;
        if (strncmp(ev->detail, prefix, sizeof(prefix) - 1) == 0)
                return ev->detail + sizeof(prefix) - 1;
        return ev->detail;
}

/* The command line with "initrd=initrd" removed from either end (edk2 put it
 * last before stable202508 and first since, TDX-REFERENCE §4.3). */
static void strip_initrd_arg(const char *s, const char **ret, size_t *ret_len)
{
        size_t n = strlen(s);

        if (strncmp(s, "initrd=initrd ", 14) == 0) {
                s += 14;
                n -= 14;
        } else if (n >= 14 && strcmp(s + n - 14, " initrd=initrd") == 0) {
                n -= 14;
        }
        *ret = s;
        *ret_len = n;
}

/* Whether the inputs hold the command line text (the part without
 * "initrd=initrd") among their candidates. */
static bool cmdline_tried(const struct explain_inputs *in, const char *text)
{
        const char *a, *b;
        size_t la, lb;

        strip_initrd_arg(text, &a, &la);
        for (size_t i = 0; i < in->n; i++) {
                if (strcmp(in->v[i].what, "cmdline") != 0 || !in->v[i].text)
                        continue;
                strip_initrd_arg(in->v[i].text, &b, &lb);
                if (la == lb && memcmp(a, b, la) == 0)
                        return true;
        }
        return false;
}

static int rule_cmdline(struct explain_state *s, struct cause_spec *c)
{
        const struct diff_event *g = row_golden(c->R, c->row), *o = row_observed(c->R, c->row);
        const char *gs = cmdline_text(g), *os = cmdline_text(o), *from = "";
        const char *a, *b;
        size_t la, lb;

        if (!gs)
                gs = s->g->cmdline;
        if (!os && o && o->digest_known && s->ctx->inputs) {
                const struct explain_candidate *m = explain_inputs_find(s->ctx->inputs, "cmdline", o->digest);

                if (m && m->text) {
                        os = m->text;
                        from = " (the --cmdline given, whose digest matches)";
                }
        }
        c->kind = CAUSE_CMDLINE;
        c->summary = "command line changed";
        if (c->R->rows[c->row].op != ALIGN_CHANGED) {
                c->summary = c->R->rows[c->row].op == ALIGN_INSERTED ? "command line measured, not predicted"
                                                                     : "command line predicted, not measured";
                return explain_add(s->x, c, "%s",
                                   c->R->rows[c->row].op == ALIGN_INSERTED
                                           ? "the golden file expects an empty command line (nothing "
                                             "is measured then)"
                                           : "an empty command line is not measured; or the kernel's "
                                             "EFI stub predates measuring LoadOptions");
        }
        /* The observed digest is none of the golden command line's forms:
         * whatever the text was, it was not the golden file's. */
        if (gs && !os && o && o->digest_known && s->ctx->inputs && cmdline_tried(s->ctx->inputs, gs)) {
                c->confidence = EXPLAIN_CERTAIN;
                c->golden_value = gs;
                return explain_add(s->x, c,
                                   "the observed digest is not that of the golden file's '%s' in any "
                                   "form (initrd=initrd first, last, or none): the guest was given "
                                   "another command line (the log holds only its digest; give "
                                   "--cmdline to check a candidate)",
                                   gs);
        }
        if (!gs || !os)
                return explain_add(s->x, c, "golden %s%s%s, observed %s%s%s", gs ? "'" : "",
                                   gs ? gs : "not known", gs ? "'" : "", os ? "'" : "",
                                   os ? os : "not in the log (give --cmdline to check a candidate)",
                                   os ? "'" : "");
        c->golden_value = gs;
        c->observed_value = os;
        strip_initrd_arg(gs, &a, &la);
        strip_initrd_arg(os, &b, &lb);
        if (strcmp(gs, os) != 0 && la == lb && memcmp(a, b, la) == 0) {
                c->kind = CAUSE_EDK2_GENERATION;
                c->summary = "command line encoding changed";
                return explain_add(s->x, c,
                                   "the same command line with 'initrd=initrd' at the other end "
                                   "(edk2 stable202508 moved it to the front): golden '%s' observed '%s'%s",
                                   gs, os, from);
        }
        if (strcmp(gs, os) == 0)
                return explain_add(s->x, c,
                                   "the text '%s' is the same, the bytes measured are not: another "
                                   "encoding or terminator",
                                   gs);
        c->confidence = EXPLAIN_CERTAIN;
        return explain_add(s->x, c, "golden '%s' observed '%s'%s", gs, os, from);
}

/* Whether the initrd differs between golden and observed (RTMR2). */
static bool initrd_differs(const struct explain_state *s)
{
        const struct diff_register *R2 = &s->d->regs[GOLDEN_RTMR2];

        for (size_t i = 0; i < R2->n_rows; i++)
                if (diff_row_differs(&R2->rows[i]) && strcmp(row_what(R2, i), "initrd") == 0)
                        return true;
        return false;
}

/* The kernel event changed and an input the user gave reproduces the
 * observed digest: what that input says is certain. */
static int kernel_from_input(struct explain_state *s, struct cause_spec *c,
                             const struct explain_candidate *k)
{
        const char *path = s->g->kernel.path;
        char gm[32], om[32];

        if (k->memory && s->g->memory &&
            q35_below_4g(k->memory, 0) != q35_below_4g(s->g->memory, 0)) {
                size_format(s->g->memory, gm);
                size_format(k->memory, om);
                c->kind = CAUSE_MEMORY;
                c->confidence = EXPLAIN_CERTAIN;
                c->summary = "memory size changed";
                return explain_add(s->x, c,
                                   "golden %s, observed %s (%s): the kernel is %s (%s), but QEMU "
                                   "patches its setup header with the initrd load address, which "
                                   "follows the memory below 4 GiB, and this profile measures the "
                                   "patched header",
                                   gm, om, k->variant ? k->variant : "",
                                   k->golden_file == 1 ? "the one the golden file was computed from"
                                                       : "the file given",
                                   k->input);
        }
        if (k->golden_file == 1 && k->memory && initrd_differs(s)) {
                c->kind = CAUSE_INITRD;
                c->confidence = EXPLAIN_CERTAIN;
                c->summary = "initrd changed";
                return explain_add(s->x, c,
                                   "the kernel is the one the golden file was computed from (%s), "
                                   "but QEMU writes the "
                                   "initrd's size and load address into its setup header, which this "
                                   "profile measures, so the kernel event changed with the initrd "
                                   "(see RTMR2)",
                                   k->input);
        }
        if (k->golden_file == 1) {
                c->confidence = EXPLAIN_POSSIBLE;
                c->summary = "kernel header patched differently";
                return explain_add(s->x, c,
                                   "the kernel is the one the golden file was computed from (%s, "
                                   "%s): QEMU patched its "
                                   "setup header otherwise than the golden file predicts",
                                   k->input, k->variant ? k->variant : "");
        }
        c->confidence = k->golden_file == 0 ? EXPLAIN_CERTAIN : EXPLAIN_LIKELY;
        c->summary = "kernel image changed";
        return explain_add(s->x, c, "the observed kernel is %s (%s)%s%s%s", k->input,
                           k->variant ? k->variant : "",
                           k->golden_file == 0 ? ", not the file the golden file was computed from" : "",
                           k->golden_file == 0 && path ? " (" : "",
                           k->golden_file == 0 && path ? path : "");
}

static int rule_kernel(struct explain_state *s, struct cause_spec *c)
{
        const struct diff_register *R0 = &s->d->regs[GOLDEN_RTMR0];
        const struct diff_event *o = row_observed(c->R, c->row);
        int patched = s->ctx->kernel_header_patched;
        const char *path = s->g->kernel.path;
        const struct explain_candidate *k = NULL;

        c->kind = CAUSE_KERNEL;
        if (c->R->rows[c->row].op != ALIGN_CHANGED) {
                c->summary = c->R->rows[c->row].op == ALIGN_INSERTED ? "extra boot application measured"
                                                                     : "kernel not measured";
                return explain_add(s->x, c, "%s",
                                   c->R->rows[c->row].op == ALIGN_INSERTED
                                           ? "another EFI application ran (shim, a boot loader, or a "
                                             "second kernel after the first returned)"
                                           : "the firmware did not load a kernel from QEMU (-kernel "
                                             "missing, or another boot path)");
        }
        if (o && o->digest_known && s->ctx->inputs)
                k = explain_inputs_find(s->ctx->inputs, "kernel", o->digest);
        if (k)
                return kernel_from_input(s, c, k);
        if (patched != 0 && row_changed(R0, "td-hob")) {
                c->kind = CAUSE_MEMORY;
                c->confidence = patched == 1 ? EXPLAIN_LIKELY : EXPLAIN_POSSIBLE;
                c->summary = "kernel measurement changed with the memory size";
                return explain_add(s->x, c,
                                   "%s QEMU patches the kernel's setup header with the initrd load "
                                   "address, which depends on the memory size, and the TD HOB changed "
                                   "too: the memory size is the likely cause, another kernel the other",
                                   patched == 1 ? "on this profile" : "where");
        }
        if (patched == 1 && initrd_differs(s)) {
                /* Not proven without the kernel file: the initrd alone
                 * changes the patched header, and so does another kernel. */
                c->kind = CAUSE_INITRD;
                c->confidence = EXPLAIN_POSSIBLE;
                c->summary = "kernel measurement changed with the initrd";
                return explain_add(s->x, c,
                                   "this profile measures the kernel with the setup header QEMU "
                                   "patched with the initrd's size, and the initrd changed (RTMR2): "
                                   "the initrd alone explains it if the kernel is the same file "
                                   "(give --kernel to tell)");
        }
        c->summary = "kernel image changed";
        if (explain_inputs_have(s->ctx->inputs, "kernel"))
                return explain_add(s->x, c,
                                   "the observed kernel is none of the variants computed from the "
                                   "kernel given (see inputs)%s%s",
                                   path ? "; golden: " : "", path ? path : "");
        /* A boot loader (GRUB, systemd-stub) hashes the file; the firmware
         * hashes the image it loads by Authenticode. */
        return explain_add(s->x, c, "the %s of the kernel differs%s%s%s",
                           o && o->type == EV_IPL ? "SHA-384 of the file" : "Authenticode hash",
                           path ? " from that of " : "", path ? path : "", path ? " (golden)" : "");
}

/* The initrd event differs; with --initrd whose digest is the observed one,
 * which file it was is certain. */
static int rule_initrd(struct explain_state *s, struct cause_spec *c)
{
        const struct diff_event *o = row_observed(c->R, c->row);
        const struct explain_candidate *in = NULL;
        const char *gpath = s->g->initrd.path;
        enum align_op op = c->R->rows[c->row].op;

        if (o && o->digest_known && s->ctx->inputs)
                in = explain_inputs_find(s->ctx->inputs, "initrd", o->digest);
        c->kind = CAUSE_INITRD;
        c->summary = op == ALIGN_CHANGED ? "initrd changed" : "initrd measurement differs";
        if (in && op == ALIGN_CHANGED) {
                c->confidence = EXPLAIN_CERTAIN;
                return explain_add(s->x, c, "the observed initrd is %s%s%s", in->input,
                                   gpath ? "; golden: " : "", gpath ? gpath : "");
        }
        return explain_add(s->x, c, "the SHA-384 of the initrd %s%s%s",
                           op == ALIGN_CHANGED    ? "differs"
                           : op == ALIGN_INSERTED ? "was measured, none predicted"
                                                  : "was predicted, none measured",
                           gpath ? "; golden: " : "", gpath ? gpath : "");
}

static int rule_action(struct explain_state *s, struct cause_spec *c)
{
        static const struct {
                const char *text, *meaning;
        } known[] = {
                { "Returning from EFI Application from Boot Option",
                  "the kernel returned to the firmware (its EFI stub failed or exited) and the "
                  "firmware went on to the next boot option" },
                { "Exit Boot Services Returned with Failure",
                  "ExitBootServices failed and was retried" },
                { "Exit Boot Services Invocation",
                  "the log was taken before ExitBootServices, or the boot stopped before Linux" },
                { "Exit Boot Services Returned with Success",
                  "the log was taken before ExitBootServices completed" },
                { "Calling EFI Application from Boot Option", "another boot option was started" },
        };
        const char *text = event_name(c->R, c->row), *meaning = "the boot took another path";

        for (size_t i = 0; i < ELEMENTSOF(known); i++)
                if (strcmp(text, known[i].text) == 0)
                        meaning = known[i].meaning;
        c->kind = CAUSE_BOOT_FLOW;
        c->summary = "boot flow differs";
        return explain_add(s->x, c, "EFI action '%s' %s: %s", text, how(&c->R->rows[c->row]), meaning);
}

static int rule_firmware_config(struct explain_state *s, struct cause_spec *c, const char *what)
{
        static const struct {
                const char *what;
                enum explain_kind kind;
                const char *summary;
                bool named;
                const char *why;
        } simple[] = {
                { "secureboot-var", CAUSE_SECURE_BOOT, "secure-boot variables changed", true,
                  "keys enrolled or removed, secure boot switched, or another variable store in the "
                  "firmware image" },
                { "boot-var", CAUSE_BOOT_ORDER, "boot order changed", true,
                  "the boot entries differ (saved variables in the firmware image, bootindex, or "
                  "firmware setup options)" },
                { "smbios", CAUSE_SMBIOS, "SMBIOS tables changed", false,
                  "the QEMU version, machine type or -smbios options differ" },
        };
        const char *name = event_name(c->R, c->row), *h = how(&c->R->rows[c->row]);
        char mem[32] = "not given";

        if (is_family(what, "acpi")) {
                char golden_cfg[96] = "";

                if (s->g->memory)
                        size_format(s->g->memory, mem);
                if (s->g->memory || s->g->vcpus)
                        snprintf(golden_cfg, sizeof(golden_cfg), " (golden: %u vCPUs, memory %s)",
                                 s->g->vcpus, mem);
                c->kind = CAUSE_ACPI;
                c->summary = "ACPI tables changed";
                return explain_add(s->x, c,
                                   "%s %s: the QEMU version or machine type, the vCPU count, the "
                                   "memory size or the devices differ%s",
                                   strcmp(what, "acpi-loader") == 0  ? "the table loader (etc/table-loader)"
                                   : strcmp(what, "acpi-rsdp") == 0 ? "the RSDP (etc/acpi/rsdp)"
                                                                     : "the tables (etc/acpi/tables)",
                                   h, golden_cfg);
        }
        if (is_family(what, "fwcfg")) {
                bool boot = strcasestr(what, "boot") || strcasestr(name, "boot");

                c->kind = boot ? CAUSE_BOOT_ORDER : CAUSE_FWCFG;
                c->summary = boot ? "boot menu or boot order changed" : "QEMU configuration changed";
                return explain_add(s->x, c, "fw_cfg item %s %s: %s", name, h,
                                   boot ? "-boot menu=on, or devices with bootindex (libvirt <boot>)"
                                        : "QEMU options such as extra PCI roots, maxmem or the 64-bit "
                                          "MMIO size differ");
        }
        for (size_t i = 0; i < ELEMENTSOF(simple); i++) {
                if (strcmp(what, simple[i].what) != 0)
                        continue;
                c->kind = simple[i].kind;
                c->summary = simple[i].summary;
                return explain_add(s->x, c, "%s%s %s: %s", simple[i].named ? "variable " : "",
                                   simple[i].named ? name : "the tables", h, simple[i].why);
        }
        if (strcmp(what, "td-hob") == 0 && c->R->rows[c->row].op == ALIGN_CHANGED) {
                const struct diff_event *o = row_observed(c->R, c->row);
                const struct explain_candidate *m =
                        o && o->digest_known && s->ctx->inputs
                                ? explain_inputs_find(s->ctx->inputs, "td-hob", o->digest)
                                : NULL;

                if (s->g->memory)
                        size_format(s->g->memory, mem);
                c->kind = CAUSE_MEMORY;
                c->summary = "memory size changed";
                if (m && m->memory) {
                        char om[32];

                        size_format(m->memory, om);
                        c->confidence = EXPLAIN_CERTAIN;
                        return explain_add(s->x, c,
                                           "golden %s, observed %s: the TD HOB of a %s guest is the "
                                           "observed one (it describes the guest memory map)",
                                           mem, om, om);
                }
                return explain_add(s->x, c,
                                   "the TD HOB describes the guest memory map, so its digest follows "
                                   "the memory size (golden: %s)",
                                   mem);
        }
        c->kind = CAUSE_FIRMWARE;
        c->summary = "firmware changed";
        return explain_add(s->x, c, "%s %s: another firmware build or variable store%s",
                           strcmp(what, "cfv") == 0      ? "the configuration volume (CFV)"
                           : strcmp(what, "td-hob") == 0 ? "the TD HOB measurement"
                                                         : name,
                           h, s->g->firmware.path ? " than the golden file's" : "");
}

/* "00:02.0" from the last Pci(DEV,FN) node of a device path (bus 0: the
 * root bridge QEMU's devices sit on unless a bridge is named). */
static void pci_bdf(const char *path, char out[16])
{
        const char *p = NULL, *q = path;
        unsigned dev, fn;

        while ((q = strstr(q, "Pci(")))
                p = q++;
        if (!p || sscanf(p, "Pci(0x%x,0x%x)", &dev, &fn) != 2 || dev > 31 || fn > 7)
                snprintf(out, 16, "?");
        else
                snprintf(out, 16, "00:%02x.%x", dev, fn);
}

static int rule_option_rom(struct explain_state *s, struct cause_spec *c)
{
        const char *path = event_name(c->R, c->row);
        enum align_op op = c->R->rows[c->row].op;
        const struct diff_event *o = row_observed(c->R, c->row);
        const struct explain_candidate *m = NULL;
        char bdf[16];

        pci_bdf(path, bdf);
        c->kind = CAUSE_OPTION_ROM;
        /* Which of QEMU's ROMs it was, when the inputs tried them. */
        if (o && o->digest_known && s->ctx->inputs)
                m = explain_inputs_find(s->ctx->inputs, "option-rom", o->digest);
        if (op == ALIGN_INSERTED) {
                c->summary = "PCI option ROM measured, not predicted";
                if (m) {
                        c->confidence = EXPLAIN_CERTAIN;
                        return explain_add(s->x, c,
                                           "the firmware ran the EFI driver of %s, QEMU's ROM in the "
                                           "PCI device %s (%s): predict it with tdxh golden compute "
                                           "--option-rom %s=%s; or drop it with romfile= on that "
                                           "-device (-nic none when no NIC is wanted)",
                                           m->variant, bdf, path, bdf, m->variant);
                }
                return explain_add(s->x, c,
                                   "the firmware ran the EFI driver in the expansion ROM of PCI device "
                                   "%s (%s): QEMU gives a ROM to a device that has one, by default "
                                   "the iPXE ROM of a NIC (" OPTION_ROM_QEMU_DIR "/efi-MODEL.rom); "
                                   "predict it with tdxh golden compute --option-rom %s=ROM, or "
                                   "drop it with romfile= on that -device, or -nic none when no NIC "
                                   "is wanted",
                                   bdf, path, bdf);
        }
        if (op == ALIGN_DELETED) {
                c->summary = "PCI option ROM predicted, not measured";
                return explain_add(s->x, c,
                                   "the golden file predicts the ROM of PCI device %s (%s), the boot "
                                   "ran none: the device is absent, or its ROM was dropped (romfile=, "
                                   "-nic none)",
                                   bdf, path);
        }
        c->summary = "PCI option ROM changed";
        if (m)
                return explain_add(s->x, c,
                                   "the expansion ROM of PCI device %s (%s) is %s, not the ROM the "
                                   "golden file predicts: compute it with --option-rom %s=%s",
                                   bdf, path, m->variant, bdf, m->variant);
        return explain_add(s->x, c,
                           "the expansion ROM of PCI device %s (%s) is another image: another QEMU "
                           "or ipxe-qemu version, or another romfile=",
                           bdf, path);
}

static bool is_one_of(const char *what, const char *const *list)
{
        for (; *list; list++)
                if (strcmp(what, *list) == 0)
                        return true;
        return false;
}

/* RTMR3 is the guest's: its differences are one cause, listing the events. */
static int rule_rtmr3(struct explain_state *s)
{
        const struct diff_register *R = &s->d->regs[GOLDEN_RTMR3];
        struct cause_spec c = { .reg = GOLDEN_RTMR3, .kind = CAUSE_RTMR3, .confidence = EXPLAIN_LIKELY,
                                .R = R, .row = ALIGN_NONE };
        _cleanup_buf_ struct buf names = BUF_INIT;
        size_t n = 0, listed = 0;
        int r = 0;

        for (size_t i = 0; i < R->n_rows && r >= 0; i++) {
                if (!diff_row_differs(&R->rows[i]) || s->done[GOLDEN_RTMR3][i])
                        continue;
                if (c.row == ALIGN_NONE)
                        c.row = i;
                s->done[GOLDEN_RTMR3][i] = true;
                n++;
                if (listed < 5) {
                        listed++;
                        r = buf_printf(&names, "%s'%.40s%s' %s", names.len ? ", " : "", event_name(R, i),
                                       strlen(event_name(R, i)) > 40 ? "..." : "", how(&R->rows[i]));
                }
        }
        if (r < 0 || n == 0)
                return r;
        if (n > 1)
                c.row = ALIGN_NONE; /* about the register: several events */
        c.summary = "unexpected RTMR3 content";
        return explain_add(s->x, &c,
                           "%zu event%s differ%s: %s%s; RTMR3 is extended by the guest at run time "
                           "(an agent, the workload), not by the firmware",
                           n, n == 1 ? "" : "s", n == 1 ? "s" : "", names.data, n > listed ? ", ..." : "");
}

static int rule_row(struct explain_state *s, const struct diff_register *R, size_t i)
{
        /* Labels of the firmware's configuration, and of boot paths other
         * than a direct kernel boot (as the event-log readers give them). */
        static const char *const firmware_config[] = { "secureboot-var", "boot-var", "smbios", "td-hob",
                                                       "cfv", "firmware-blob", "crtm-version", "driver",
                                                       NULL };
        static const char *const boot_path[] = { "shim", "grub", "efi-app", "grub-cmd", "file", "gpt",
                                                 "ipl", "uki", "uki-section", NULL };
        const char *what = row_what(R, i);
        const struct diff_event *ev = row_observed(R, i) ? row_observed(R, i) : row_golden(R, i);
        struct cause_spec c = { .reg = R->reg, .confidence = EXPLAIN_LIKELY, .R = R, .row = i };

        if (strcmp(what, "kernel") == 0)
                return rule_kernel(s, &c);
        if (strcmp(what, "cmdline") == 0)
                return rule_cmdline(s, &c);
        if (strcmp(what, "option-rom") == 0)
                return rule_option_rom(s, &c);
        if (strcmp(what, "initrd") == 0)
                return rule_initrd(s, &c);
        if (strcmp(what, "action") == 0 || ev->type == EV_EFI_ACTION || ev->type == EV_ACTION)
                return rule_action(s, &c);
        if (strcmp(what, "separator") == 0) {
                c.kind = R->rows[i].op == ALIGN_CHANGED ? CAUSE_BOOT_FLOW : CAUSE_EDK2_GENERATION;
                c.confidence = EXPLAIN_POSSIBLE;
                c.summary = R->rows[i].op == ALIGN_CHANGED ? "separator value changed" : "separator differs";
                return explain_add(s->x, &c, "%s",
                                   R->rows[i].op == ALIGN_CHANGED
                                           ? "the firmware logged an error separator"
                                           : "edk2 generations put the ReadyToBoot separator in "
                                             "different registers");
        }
        if (is_family(what, "acpi") || is_family(what, "fwcfg") || is_one_of(what, firmware_config))
                return rule_firmware_config(s, &c, what);
        if (is_one_of(what, boot_path)) {
                c.kind = CAUSE_BOOT_FLOW;
                c.summary = "boot path differs";
                return explain_add(s->x, &c,
                                   "%s '%s' %s: the boot went through a boot loader or a disk "
                                   "(shim, GRUB, a UKI, a partition table), or their configuration "
                                   "changed",
                                   what, event_name(R, i), how(&R->rows[i]));
        }
        if (strcmp(what, "authority") == 0) {
                c.kind = CAUSE_SECURE_BOOT;
                c.summary = "secure-boot authority changed";
                return explain_add(s->x, &c,
                                   "'%s' %s: the certificate that verified an image, or the "
                                   "SBAT/MOK state, differs",
                                   event_name(R, i), how(&R->rows[i]));
        }
        c.kind = CAUSE_EVENT;
        c.confidence = EXPLAIN_POSSIBLE;
        c.summary = R->rows[i].op == ALIGN_CHANGED ? "event changed"
                    : R->rows[i].op == ALIGN_INSERTED ? "event not predicted"
                                                      : "event missing";
        return explain_add(s->x, &c, "%s%s%s", event_name(R, i)[0] == '(' ? "" : "'",
                           event_name(R, i), event_name(R, i)[0] == '(' ? "" : "'");
}

int rule_rows(struct explain_state *s)
{
        int r = rule_rtmr3(s);

        for (int reg = GOLDEN_RTMR0; reg < GOLDEN_RTMR3 && r >= 0; reg++) {
                const struct diff_register *R = &s->d->regs[reg];

                for (size_t i = 0; i < R->n_rows && r >= 0; i++)
                        if (diff_row_differs(&R->rows[i]) && !s->done[reg][i])
                                r = rule_row(s, R, i);
        }
        return r;
}

static bool has_cause(const struct explain_result *x, int reg)
{
        for (size_t i = 0; i < x->n_causes; i++)
                if (x->causes[i].reg == reg)
                        return true;
        return false;
}

int rule_register(struct explain_state *s, const struct diff_register *R)
{
        struct cause_spec c = { .reg = R->reg, .confidence = EXPLAIN_LIKELY, .R = R, .row = ALIGN_NONE };

        if (R->status != DIFF_REG_MISMATCH || has_cause(s->x, R->reg))
                return 0;
        if (R->reg == GOLDEN_MRTD) {
                c.kind = CAUSE_FIRMWARE;
                c.summary = "firmware image changed";
                return explain_add(s->x, &c,
                                   "MRTD covers the TD firmware (TDVF) as loaded: the firmware image "
                                   "differs from the golden file's%s; if it is the same file, the host "
                                   "adds its pages in the other order (give --firmware to tell)",
                                   row_changed(&s->d->regs[GOLDEN_RTMR0], "cfv")
                                           ? ", and its configuration volume (RTMR0) changed too"
                                           : "");
        }
        if (R->reg == GOLDEN_RTMR3) {
                c.kind = CAUSE_RTMR3;
                c.summary = "unexpected RTMR3 content";
                return explain_add(s->x, &c, "RTMR3 is extended only by the guest at run time; %s",
                                   s->d->have_log ? "the log lists no RTMR3 event that explains it"
                                                  : "give the event log to see what extended it");
        }
        c.kind = CAUSE_REGISTER;
        if (!R->compared) {
                c.summary = "register differs";
                return explain_add(s->x, &c, "%s",
                                   s->d->have_log ? "the golden file lists no events to compare"
                                                  : "no event log was given: give the event log "
                                                    "(CCEL) to see which event differs");
        }
        c.confidence = EXPLAIN_POSSIBLE;
        if (R->n_unchecked) {
                c.summary = "register differs in events the golden file does not predict";
                return explain_add(s->x, &c, "%zu event%s without a predicted digest (see the "
                                             "rows marked unchecked)",
                                   R->n_unchecked, R->n_unchecked == 1 ? "" : "s");
        }
        c.summary = "register differs";
        return explain_add(s->x, &c, "every event matches; the golden value does not follow from "
                                     "its events");
}
