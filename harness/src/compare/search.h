/* `tdxh golden search`: which inputs reproduce the evidence. Starting from
 * what the golden file records (its firmware, kernel and initrd when they
 * are still on disk with the recorded digests, its command line, memory
 * and vCPUs, or the inputs the user names instead), it recomputes the
 * golden file with one input changed at a time over a bounded space, the
 * changes that account for observed registers or events, and then all of
 * those together, and keeps the combination only when it is verified to
 * reproduce the observed registers. What it varies:
 *
 *   memory       the sizes a TD is usually given (TD HOB, QEMU's kernel
 *                header patch)
 *   cmdline      the command line the observed log records (GRUB's
 *                "kernel_cmdline: "; the firmware's tagged event carries only
 *                its digest) or the run recorded, without the
 *                "initrd=initrd" that the firmware adds
 *   initrd       the recorded one, or none
 *   page-add     per-page and two-pass (MRTD)
 *   profile      the other profiles of the same platform
 *
 * Every configuration is computed by predict/golden_compute, in parallel
 * threads; nothing is guessed: a value is reported only as part of a
 * configuration whose registers were computed. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "compare/diff.h"
#include "golden/golden.h"
#include "predict/golden_compute.h"

struct search_opts {
        const struct golden *g;
        const char *golden_path;       /* where its recorded inputs are looked for */
        const struct diff_result *diff; /* g against the evidence: observed values and events */
        /* Inputs named by the user; NULL/0: the golden file's. */
        const char *firmware, *kernel, *initrd, *cmdline;
        uint64_t memory;
        /* A command line the evidence's boot is known to have had (a run
         * directory's facts): tried like the one the log carries. */
        const char *observed_cmdline;
        unsigned threads; /* 0: one per CPU */
};

/* One input that differs from the golden file's in the configuration
 * found: "memory": "2G" → "1G". */
struct search_change {
        char *input;
        char *golden; /* may be NULL (not recorded) */
        char *found;
        char *equally; /* other values that reproduce as much ("a, b"), or NULL */
};

/* What was tried along one input, for people: "memory: 16 sizes". */
struct search_axis {
        char *input;
        size_t tried;
        char *best;    /* the value that accounted for most, or NULL: none did better */
};

struct search_result {
        bool reproduced;             /* every observed register the profile predicts */
        bool have[GOLDEN_NREGS];     /* observed and predicted */
        bool same[GOLDEN_NREGS];     /* the configuration found gives the observed value */
        struct search_change *changes;
        size_t n_changes;
        struct search_axis *axes;
        size_t n_axes;
        size_t n_tried;              /* configurations computed */
        double seconds;
        char *command;               /* `tdxh golden compute …` of the configuration found */
        /* For a register not reproduced: the observed events the
         * configuration found does not predict ("cmdline (LOADED_IMAGE::
         * LoadOptions)"), or NULL. */
        char *unexplained[GOLDEN_NREGS];
        struct golden found;         /* its golden file */
};

void search_result_free(struct search_result *r);
#define _cleanup_search_result_ __attribute__((cleanup(search_result_free)))

/* -EINVAL with e naming what is missing when the golden file's inputs
 * cannot be had (no firmware on disk, and none given); -ENOMEM. Not
 * reproducing the evidence is a result, not an error. */
int golden_search(const struct search_opts *o, struct search_result *ret, struct tdxh_err *e);

/* The result for people: what was tried, what changed, the command. */
int search_format_text(const struct search_result *r, struct buf *out);
int search_to_json(const struct search_result *r, json_object **ret);
