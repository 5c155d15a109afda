/* Why the evidence does not match the golden file: every difference of a
 * diff (diff.h) mapped to a cause a person can act on, with the event it
 * concerns, what that event measures, both values, and how sure the mapping
 * is. Also: which named input each observed event corresponds to
 * (explain_inputs.h), and which platform profile the evidence matches when
 * goldens for other profiles are given.
 *
 * The cause catalogue (kind names as in JSON):
 *   log-not-replaying   the log does not replay to the quote's register
 *   golden-inconsistent the golden file's events do not fold to its value
 *   profile             the evidence matches another platform profile
 *   page-add-pattern    MRTD equals the other page-add pattern's value
 *   firmware            MRTD or the CFV changed: another firmware image
 *   memory              the TD HOB changed (and the kernel, where QEMU patches
 *                       its header with a memory-dependent initrd address)
 *   acpi                ACPI tables changed: QEMU, vCPUs, devices, memory
 *   fwcfg               a measured fw_cfg item changed
 *   secure-boot         a secure-boot variable changed
 *   boot-order          BootOrder/Boot#### or the boot menu changed
 *   smbios              the SMBIOS tables changed
 *   edk2-generation     the separator moved, or event families appeared or
 *                       vanished that one edk2 generation has and another not
 *   option-rom          a PCI device's option ROM was measured (a NIC's iPXE
 *                       ROM that QEMU loads by default), or is missing
 *   kernel, cmdline, initrd   the direct-boot inputs changed
 *   boot-flow           EFI actions differ (a boot option returned, ...)
 *   rtmr3               RTMR3 holds what the golden file does not list
 *   event               any other event inserted, removed or changed
 *   register            a register differs and no events tell why */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "compare/diff.h"
#include "predict/explain_inputs.h"
#include "golden/golden.h"

#define EXPLAIN_SCHEMA "tdxh-explain/1"
#define EXPLAIN_ALL_REGISTERS (-1)

enum explain_kind {
        CAUSE_LOG_NOT_REPLAYING,
        CAUSE_GOLDEN_INCONSISTENT,
        CAUSE_PROFILE,
        CAUSE_PAGE_ADD,
        CAUSE_FIRMWARE,
        CAUSE_MEMORY,
        CAUSE_ACPI,
        CAUSE_FWCFG,
        CAUSE_SECURE_BOOT,
        CAUSE_BOOT_ORDER,
        CAUSE_SMBIOS,
        CAUSE_EDK2_GENERATION,
        CAUSE_OPTION_ROM,
        CAUSE_KERNEL,
        CAUSE_CMDLINE,
        CAUSE_INITRD,
        CAUSE_BOOT_FLOW,
        CAUSE_RTMR3,
        CAUSE_EVENT,
        CAUSE_REGISTER,
};

enum explain_confidence {
        EXPLAIN_CERTAIN,  /* follows from the evidence alone */
        EXPLAIN_LIKELY,   /* the usual reason for this difference */
        EXPLAIN_POSSIBLE, /* one of several reasons */
};

struct explain_cause {
        int reg;      /* enum golden_reg, or EXPLAIN_ALL_REGISTERS */
        enum explain_kind kind;
        enum explain_confidence confidence;
        size_t row;           /* row of the register's alignment, or ALIGN_NONE */
        size_t golden_pos;    /* event positions in the register, or ALIGN_NONE */
        size_t observed_pos;
        char *what;           /* what the event measures, or NULL */
        uint32_t type;        /* its event type (valid when what is set) */
        char *golden_value;   /* what was expected: hex or text, or NULL */
        char *observed_value; /* what was seen */
        char *summary;        /* "command line changed" */
        char *subject;        /* the variable, item, file or action the event names, or NULL */
        char *text;           /* the whole line for people */
        /* Identical causes of one register (same kind, confidence and
         * summary: 35 GRUB commands of a boot path) are one cause: count is
         * how many differences it accounts for, positions their events
         * (observed position, else golden), the first being the one above. */
        size_t count;
        size_t *positions;
};

struct explain_input_check {
        int reg;
        size_t observed_pos;  /* event position, ALIGN_NONE for a register */
        char *what;
        bool matched;
        char *input;          /* the input it was compared with */
        char *variant;        /* the matching variant, or NULL */
        char *text;           /* the whole line for people */
};

struct explain_profile_match {
        char *profile;
        char *file;      /* the golden file it came from, or NULL */
        size_t matched;  /* registers equal */
        size_t compared; /* registers compared */
        size_t events_matched;  /* event rows equal */
        size_t events_compared; /* event rows compared (aligned rows of every RTMR) */
        bool match;      /* every compared register equal and the log replays */
};

struct explain_result {
        /* Ordered by register; within one, what makes the evidence doubtful
         * first, then by confidence, then by how many differences each
         * accounts for. A register whose log does not replay gets that cause
         * only: nothing else said about it could be trusted. */
        struct explain_cause *causes;
        size_t n_causes;
        struct explain_input_check *checks;
        size_t n_checks;
        struct explain_profile_match *profiles; /* best fitting first */
        size_t n_profiles;
};

/* A golden file computed for another profile (same inputs). */
struct explain_alternative {
        const char *profile;
        const struct golden *golden;
        const char *file; /* where it was read, or NULL: tells apart two of one profile */
};

struct explain_context {
        const struct explain_inputs *inputs;             /* NULL: no input checks */
        const struct explain_alternative *alternatives;  /* other profiles, may be NULL */
        size_t n_alternatives;
        /* Whether the golden file's profile measures the kernel with QEMU's
         * setup-header patch (profile_kernel_header_patched()): 1, 0, or -1
         * when not known. */
        int kernel_header_patched;
};

const char *explain_kind_name(enum explain_kind k);
const char *explain_confidence_name(enum explain_confidence c);

/* Explains diff d of golden g against obs (the same arguments diff_run()
 * was given). ctx may be NULL. 0 or -ENOMEM. */
int explain_run(const struct golden *g, const struct diff_observed *obs,
                const struct diff_result *d, const struct explain_context *ctx,
                struct explain_result *ret, struct tdxh_err *e);
void explain_result_free(struct explain_result *x);
#define _cleanup_explain_result_ __attribute__((cleanup(explain_result_free)))

/* JSON (reports/SCHEMA.md): the diff object plus "causes", "input_checks"
 * and "profiles"; schema EXPLAIN_SCHEMA. */
int explain_to_json(const struct diff_result *d, const struct explain_result *x, bool all_rows,
                    json_object **ret);
int explain_causes_to_json(const struct explain_result *x, int only_reg, json_object **ret);

/* Text for people, ordered by register: for each register its values, replay
 * status, the differing rows with context, then its causes and input checks.
 * only_reg < 0: all registers and the causes about the whole evidence. */
int explain_format_text(const struct diff_result *d, const struct explain_result *x, int only_reg,
                        struct buf *out);
