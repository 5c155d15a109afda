/* Golden versus observed: the result model of `tdxh diff`.
 *
 * Register level: for MRTD and RTMR0-3, the golden value, the observed value
 * (from a quote, a TD report or a register JSON, else from replaying the log)
 * and whether the log replays to the observed value. A log that does not
 * replay makes everything else about that register untrustworthy, and is the
 * first thing reported. Event level, per RTMR: the golden and observed event
 * lists aligned (align.h) into rows.
 *
 * The result owns copies of everything it shows (event text is sanitised to
 * printable UTF-8), so it outlives the golden file and the log it came from
 * and every report writer can use it as is. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/digest.h"
#include "core/err.h"
#include "evidence/eventlog.h"
#include "compare/align.h"
#include "golden/golden.h"

#define DIFF_SCHEMA "tdxh-diff/1"

/* What the caller observed. Registers are given by a quote, a TD report or a
 * JSON; the log is optional. Everything is borrowed for the call. */
struct diff_observed {
        const struct evlog *log;   /* NULL: no event log */
        const char *log_name;      /* for people: the file it came from, or NULL */
        bool have_reg[GOLDEN_NREGS];
        uint8_t reg[GOLDEN_NREGS][SHA384_LEN];
        const char *reg_source;    /* "quote FILE", "TD report FILE", ... or NULL */
};

struct diff_event {
        size_t pos;    /* position among the events of this register (0-based) */
        size_t index;  /* golden: index in the golden file's events; observed: in the log */
        uint32_t type;
        bool digest_known;
        uint8_t digest[SHA384_LEN];
        char *what;    /* never NULL ("unknown") */
        char *detail;  /* may be NULL */
};

enum diff_reg_status {
        DIFF_REG_MATCH,        /* golden and observed values are equal */
        DIFF_REG_MISMATCH,     /* they differ, or the events do */
        DIFF_REG_UNKNOWN,      /* the golden value is not predicted; no known event differs */
        DIFF_REG_NOT_OBSERVED, /* the golden lists it, the evidence has no value for it */
        DIFF_REG_NOT_LISTED,   /* not in the golden file (RTMR3 is optional) */
};

enum diff_replay {
        DIFF_REPLAY_NONE,       /* nothing to check: no log, no register evidence, or MRTD */
        DIFF_REPLAY_OK,         /* the log replays to the observed register */
        DIFF_REPLAY_MISMATCH,   /* it does not */
        DIFF_REPLAY_INCOMPLETE, /* an event of this register has no SHA-384 digest */
};

enum diff_fold {
        DIFF_FOLD_NONE,     /* not checkable (no events, or unknown digests) */
        DIFF_FOLD_OK,       /* the golden events fold to the golden value */
        DIFF_FOLD_MISMATCH, /* the golden file contradicts itself */
};

struct diff_register {
        enum golden_reg reg;
        enum diff_reg_status status;

        bool golden_listed;
        bool golden_known;
        uint8_t golden[SHA384_LEN];
        char *golden_unknown_reason;
        enum diff_fold golden_fold;

        bool observed_known;
        uint8_t observed[SHA384_LEN];
        const char *observed_source; /* "registers" or "log" (static) */

        enum diff_replay replay;
        uint8_t replayed[SHA384_LEN];   /* valid when replay is OK or MISMATCH */
        size_t replay_missing_index;    /* log index of the event without digest (INCOMPLETE) */

        /* Events (RTMRs only); compared is false when either side has none to
         * compare (no log, or a golden file without events). */
        bool compared;
        struct diff_event *golden_events;
        size_t n_golden;
        struct diff_event *observed_events;
        size_t n_observed;
        struct align_row *rows;
        size_t n_rows;
        size_t n_same, n_changed, n_inserted, n_deleted, n_unchecked;
};

struct diff_result {
        struct diff_register regs[GOLDEN_NREGS];
        char *profile;        /* the golden file's profile name, or NULL */
        char *log_name;       /* copied from diff_observed */
        char *reg_source;
        bool have_log;
        bool have_registers;
        size_t n_unmapped;    /* log events that extend no RTMR (EV_NO_ACTION, ...) */
        size_t n_compared;    /* registers with status MATCH or MISMATCH */
        size_t n_mismatched;  /* registers with status MISMATCH */
        size_t n_not_replaying;
        bool match;           /* no mismatch, and every log replays where it can be checked */
};

/* "MRTD", "RTMR0", ... for people (golden_reg_name() gives "mrtd", ...). */
const char *diff_reg_title(enum golden_reg r);
const char *diff_reg_status_name(enum diff_reg_status s);
const char *diff_replay_name(enum diff_replay r);

/* Compares. Fails only on bad arguments (-EINVAL: an event with an RTMR out
 * of range) or -ENOMEM; a mismatch is a result, not an error. */
int diff_run(const struct golden *g, const struct diff_observed *obs, struct diff_result *ret,
             struct tdxh_err *e);
void diff_result_free(struct diff_result *d);
#define _cleanup_diff_result_ __attribute__((cleanup(diff_result_free)))

/* Whether a row differs (changed, inserted or deleted). */
bool diff_row_differs(const struct align_row *row);
/* What a row's event measures: the golden label (the prediction's is the
 * more specific) unless it is "unknown", else the observed one. */
const char *diff_row_what(const struct diff_register *R, const struct align_row *row);

/* JSON (documented in reports/SCHEMA.md, "diff" object): every register with
 * its rows; all_rows false keeps only differing rows and their neighbours. */
int diff_to_json(const struct diff_result *d, bool all_rows, json_object **ret);
int diff_register_to_json(const struct diff_register *r, bool all_rows, json_object **ret);

/* Text for people: per register, values and replay; for each differing
 * register, the aligned table of differing rows with `context` rows of
 * context around them. only_reg < 0: all registers. */
int diff_format_text(const struct diff_result *d, int only_reg, size_t context, struct buf *out);
int diff_format_register_text(const struct diff_register *r, size_t context, struct buf *out);
/* The closing line "result: ...": whether the evidence matches, and which
 * registers the golden file does not predict when it matches the rest. */
int diff_format_result(const struct diff_result *d, struct buf *out);
/* The line that opens the text when the log does not replay (or nothing). */
int diff_format_preamble(const struct diff_result *d, struct buf *out);
