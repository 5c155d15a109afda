/* Running several scenarios: `tdxh run SCENARIO…`. Each scenario gets its own
 * run directory OUT/NAME (its guest, TPM, quote service and reports); the
 * batch writes one report over all of them into OUT/report/.
 *
 * With jobs > 1 the scenarios run in parallel, each in its own tdxh process
 * (`tdxh run --progress-lines --out OUT/NAME …`), so that a scenario's QEMU,
 * swtpm and quote service belong to a process that cleans them up whatever
 * happens to another. The batch reads the children's progress from their
 * standard error and their results from their report.json. A SIGINT or
 * SIGTERM is passed on to every child, which stops its guest and exits; the
 * batch waits for them (with a deadline, then kills) and reports what had
 * finished. */
#pragma once

#include <stddef.h>

#include "check/scenario.h"
#include "check/scenario_run.h"
#include "run/signals.h"

struct batch_opts {
        struct scenario_run_opts run; /* for every scenario (out_dir is set per scenario) */
        const char *out_dir;          /* NULL: a new tdxh-run-XXXXXX under $TMPDIR */
        unsigned jobs;                /* scenarios at once; 0 or 1: one after another, in process */
        const char *self;             /* the tdxh binary the children run (jobs > 1) */
        const char *junit;            /* also write the JUnit report here; may be NULL */
        unsigned retries;             /* runs again a scenario that ended in an infrastructure
                                       * failure (exit 3), up to this many times; every attempt
                                       * keeps its run directory (OUT/NAME, OUT/NAME.attempt-2 …)
                                       * and is listed in the report's facts.attempts */
        unsigned shard_index, shard_count; /* `--shard K/N` (1-based), recorded in the report;
                                            * 0: not sharded */
        const char *const *plan;      /* every case of the whole run (all shards), sorted; the
                                       * report's run.cases, which `tdxh report merge` checks */
        size_t n_plan;
        /* Progress of scenario k of n: step i of n_steps starting (what: its
         * name), or finished (i == n_steps, what: the verdict). */
        void (*on_progress)(size_t k, size_t n, const char *scenario, size_t i, size_t n_steps,
                            const char *what, void *userdata);
        void *userdata;
};

struct batch_result {
        int exit_code;        /* the worst of the scenarios' (3 > 1 > 0); 2 for bad input */
        char *out_dir;
        char *report_dir;     /* OUT/report */
        struct scenario_result *results; /* one per scenario, in the order given */
        size_t n;
};

void batch_result_free(struct batch_result *r);
#define _cleanup_batch_result_ __attribute__((cleanup(batch_result_free)))

int batch_run(struct scenario *const *scs, size_t n, const struct batch_opts *o,
              struct signal_watch *sw, struct batch_result *ret, struct tdxh_err *e);

/* A scenario's result read back from its RUNDIR/report/report.json (what a
 * child process wrote); exit_code and verdict are the caller's. */
int scenario_result_load(const char *run_dir, struct scenario_result *ret, struct tdxh_err *e);
