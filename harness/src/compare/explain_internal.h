/* Shared between the explain sources (explain.c: the rules; explain_match.c:
 * inputs and other profiles; explain_format.c: renderings). Not a public
 * interface. */
#pragma once

#include <stdarg.h>

#include "compare/explain.h"

/* What the rules share while explaining one diff. */
struct explain_state {
        const struct golden *g;
        const struct diff_result *d;
        const struct explain_context *ctx;
        struct explain_result *x;
        bool *done[GOLDEN_NREGS]; /* rows already explained, per register */
};

/* The events of a row (NULL when absent), and what it measures: the golden
 * label when that says something, else the observed one. */
const struct diff_event *row_golden(const struct diff_register *R, size_t row);
const struct diff_event *row_observed(const struct diff_register *R, size_t row);
const char *row_what(const struct diff_register *R, size_t row);
/* "acpi" is the family of "acpi-tables". */
bool is_family(const char *what, const char *fam);
/* The golden file's profile name for people. */
const char *profile_of(const struct explain_state *s);

/* The rules of explain_rules.c: the evidence itself (replay, golden
 * consistency), each differing row, and registers left unexplained. */
int rule_evidence(struct explain_state *s);
int rule_rows(struct explain_state *s);
int rule_register(struct explain_state *s, const struct diff_register *R);

/* A cause being added; strings are borrowed and copied by explain_add(). */
struct cause_spec {
        int reg;
        enum explain_kind kind;
        enum explain_confidence confidence;
        const struct diff_register *R; /* with row: names the event in the text */
        size_t row;                    /* ALIGN_NONE: about the register as a whole */
        const char *golden_value;      /* NULL: the golden digest of the row, if any */
        const char *observed_value;    /* NULL: the observed digest of the row, if any */
        const char *summary;
};

/* Adds a cause whose text is "PLACE: SUMMARY: DETAIL", PLACE naming the
 * register and event ("RTMR2 event 0 (cmdline, EV_EVENT_TAG)"). */
int explain_add(struct explain_result *x, const struct cause_spec *c, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* "RTMR2 event 0 (cmdline, EV_EVENT_TAG)" for a row, "RTMR2" without one. */
int explain_place(const struct diff_register *R, size_t row, struct buf *out);

/* Frees what a cause owns. */
void explain_cause_clear(struct explain_cause *c);

/* Orders the causes (explain_result), keeps only the replay cause of a
 * register whose log does not replay, and folds identical causes of one
 * register into one with a count (explain_rank.c). */
int explain_rank(struct explain_result *x);

/* Input checks of every observed event and register against ctx->inputs. */
int explain_check_inputs(const struct diff_result *d, const struct explain_inputs *in,
                         struct explain_result *x);

/* Diffs obs against every alternative golden, records how well each matches,
 * and adds "profile" and "page-add-pattern" causes. Sets *ret_mrtd_explained
 * when MRTD's mismatch was explained by the page-add pattern. */
int explain_profiles(const struct golden *g, const struct diff_observed *obs,
                     const struct diff_result *d, const struct explain_context *ctx,
                     struct explain_result *x, bool *ret_mrtd_explained);

/* Whether MRTD's observed value is one of the --firmware candidates, and
 * adds the matching cause (page-add pattern or firmware). */
int explain_mrtd_inputs(const struct golden *g, const struct diff_result *d,
                        const struct explain_inputs *in, struct explain_result *x,
                        bool *ret_explained);
