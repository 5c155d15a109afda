/* The fixture of the explain tests: the trustee OVMF log (real data, one
 * thing changed per test) against a golden file recorded from it, with the
 * inputs and context explain_run() gets. */
#pragma once

#include <stdint.h>

#include "compare/explain.h"
#include "evidence/eventlog.h"

struct fx {
        struct evlog log;
        struct golden g;
        struct diff_observed obs;
        struct diff_result d;
        struct explain_result x;
        struct explain_inputs in;
        struct explain_context ctx;
};

/* The log, its golden file, no inputs yet, the kernel header patch unknown. */
void fx_init(struct fx *f);
/* diff_run() and explain_run(), which must succeed. */
void fx_run(struct fx *f);
void fx_done(struct fx *f);
void hex48(const char *h, uint8_t out[48]);
/* The first cause of a kind, failing the test (with all causes) if none. */
const struct explain_cause *cause(const struct fx *f, enum explain_kind kind);
size_t golden_index(const struct golden *g, const char *what);
/* A candidate the inputs would give (explain_inputs.h), with its memory
 * size and whether it is the golden file's own file (1, 0, -1). */
void add_candidate(struct fx *f, const char *what, const char *input, const char *variant,
                   uint64_t memory, int golden_file, const uint8_t d[48]);
