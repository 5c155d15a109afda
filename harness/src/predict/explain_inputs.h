/* What the inputs a user names (--firmware, --kernel, --initrd, --cmdline,
 * --memory) would measure, so that `tdxh explain` can say which input an
 * observed event does or does not correspond to.
 *
 * explain_inputs_compute() (explain_compute.c) fills the candidates with the
 * measurement engine (measure/): one per input and per variant it cannot tell
 * apart, e.g. both page-add patterns, every command-line form, the kernel with
 * and without QEMU's header patch; explain only compares them with the
 * evidence. Other callers may add candidates of their own. A candidate predicts either
 * an event (what = the event label: "td-hob", "cfv", "kernel", "cmdline",
 * "initrd", "acpi-tables", ...) or a register (what = "mrtd").
 *
 * What is added, per option:
 *   --firmware F: "mrtd" per-page and two-pass (variant "per-page"/"two-pass"),
 *                 "cfv" (variant NULL)
 *   --memory M:   "td-hob" for M (input "--memory 4G"); with --kernel on a
 *                 patched-header profile also "kernel" for M (variant names it)
 *   --kernel K:   "kernel" unpatched and patched (variant "unpatched" /
 *                 "patched header, 4G, initrd N bytes"); without --memory, the
 *                 patched header for each memory size that patches it
 *                 differently (the size is then certain when one matches)
 *   --cmdline S:  "cmdline" in both LoadOptions forms, text = the string hashed
 *                 (variant "initrd=initrd first" / "initrd=initrd last" / "no initrd")
 *   --initrd I:   "initrd" (SHA-384 of the file)
 *   qemu_rom_dir: "option-rom" for the EFI driver of each efi-*.rom in it
 *                 (input "QEMU's option ROMs in DIR", variant the file) */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/digest.h"
#include "core/err.h"
#include "golden/golden.h"

struct explain_candidate {
        char *what;    /* event label it predicts, or "mrtd" */
        char *input;   /* for people: "--kernel /boot/vmlinuz", "--memory 4G" */
        char *variant; /* which way it was computed, or NULL */
        char *text;    /* the text that was hashed (command line), or NULL */
        uint64_t memory; /* the memory size the digest depends on (TD HOB, patched
                          * kernel header), 0 when it depends on none */
        /* Whether the input is the very file the golden file records (same
         * digest): 1 yes, 0 another file, -1 not known (no digest recorded). */
        int golden_file;
        uint8_t digest[SHA384_LEN];
};

struct explain_inputs {
        struct explain_candidate *v;
        size_t n;
};
#define EXPLAIN_INPUTS_INIT { 0 }

/* Appends a candidate (strings are copied; variant and text may be NULL). */
int explain_inputs_add(struct explain_inputs *in, const char *what, const char *input,
                       const char *variant, const char *text, const uint8_t digest[SHA384_LEN]);
void explain_inputs_free(struct explain_inputs *in);
#define _cleanup_explain_inputs_ __attribute__((cleanup(explain_inputs_free)))

/* The candidate for what whose digest equals digest, or NULL. */
const struct explain_candidate *explain_inputs_find(const struct explain_inputs *in,
                                                    const char *what, const uint8_t *digest);
/* Whether any candidate predicts what. */
bool explain_inputs_have(const struct explain_inputs *in, const char *what);

/* The options of `tdxh explain` that name inputs (NULL / 0 when not given). */
struct explain_input_args {
        const char *firmware;
        const char *kernel;
        const char *initrd;
        const char *cmdline;
        uint64_t memory; /* bytes */
        const char *qemu_rom_dir; /* OPTION_ROM_QEMU_DIR, or NULL: no ROM tried */
        /* Inputs taken from the golden file's record rather than named by
         * the user (explain_inputs_from_golden()): said so in the checks. */
        bool firmware_from_golden, kernel_from_golden, initrd_from_golden, cmdline_from_golden;
};

/* Computes the candidates above with the measurement engine (measure/). An
 * option not given falls back to the golden file's input where one is needed
 * (the firmware for the TD HOB, memory and initrd for the kernel's patched
 * header); both variants are computed wherever the profile decides
 * (page-add pattern, header patch, initrd=initrd placement). */
int explain_inputs_compute(const struct explain_input_args *args, const struct golden *g,
                           struct explain_inputs *ret, struct tdxh_err *e);

/* *ret: 1 when path is the file f records (same SHA-256, else SHA-384), 0
 * when it is another, -1 when f records no digest. 0, or the negative
 * errno of reading path. */
int explain_input_is_recorded(const struct golden_input_file *f, const char *path, int *ret,
                              struct tdxh_err *e);

/* The files explain_inputs_from_golden() found (owned). */
struct explain_golden_files {
        char *firmware, *kernel, *initrd;
};
void explain_golden_files_free(struct explain_golden_files *f);
#define _cleanup_explain_golden_files_ __attribute__((cleanup(explain_golden_files_free)))

/* Fills in the inputs of args the user did not name with those the golden
 * file records (explain_golden_inputs.c): a firmware, kernel or initrd when
 * found with the recorded digest (as recorded, beside golden_path, or one
 * directory up), and the recorded command line. The memory is left out, so
 * that every size is tried. Returns how many inputs it filled in, or
 * -ENOMEM. */
int explain_inputs_from_golden(const struct golden *g, const char *golden_path,
                               struct explain_input_args *args, struct explain_golden_files *ret);
