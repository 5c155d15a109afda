/* The result of a run, as every report format shows it: scenarios, each with
 * its checks (one test case each) and optionally the golden diff and its
 * explanation. One model, four writers: JUnit XML (junit.c), JSON
 * (json.c, schema in reports/SCHEMA.md), a Markdown summary (markdown.c) and
 * a self-contained HTML page (html.c). Writers go through
 * file_write_atomic(), or to standard output for the path "-".
 *
 * Strings given to the model are copied (and sanitised to printable UTF-8);
 * a diff and explanation attached to a scenario are moved into it. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "compare/diff.h"
#include "compare/explain.h"

#define REPORT_SCHEMA "tdxh-report/1"

enum report_status { REPORT_PASS, REPORT_FAIL, REPORT_ERROR, REPORT_SKIP };

struct report_check {
        char *name;    /* "rtmr1", "quote-signature", "boot", ... */
        enum report_status status;
        char *message; /* one line: why it failed or was skipped; may be NULL */
        char *output;  /* longer text (the failure body); may be NULL */
        double seconds;
        int reg;       /* the register it checks (enum golden_reg), or -1 */
};

/* A comparison made by one step of a scenario (a measure step): its label
 * (the step's name) and the diff and explanation, owned. */
struct report_comparison {
        char *label;
        struct diff_result diff;
        struct explain_result explain;
};

struct report_scenario {
        char *name;
        char *backend; /* may be NULL */
        char *started; /* ISO 8601 timestamp, may be NULL */
        double seconds;
        struct report_check *checks;
        size_t n_checks;
        json_object *facts;             /* owned; host facts and timings, or NULL */
        struct diff_result *diff;       /* owned; NULL when no golden comparison */
        struct explain_result *explain; /* owned; may be NULL with a diff */
        struct report_comparison *comparisons; /* the scenario steps' own, in order */
        size_t n_comparisons;
        char *host;  /* where it ran, one line ("node1: kernel …, QEMU …"), or NULL */
        char *shard; /* "K/N" of a sharded run, or NULL */
        json_object *values; /* owned; as read back from a report.json, or NULL */
        json_object *reproduce; /* owned; how to predict what was observed, or NULL */
};

struct report {
        char *title;
        char *tool_version; /* may be NULL */
        char *created;      /* timestamp given by the caller, may be NULL */
        json_object *run;   /* owned; what the run was (shard, its cases, inputs), or NULL */
        struct report_scenario **scenarios;
        size_t n_scenarios;
};

struct report_counts {
        size_t checks, passed, failed, errors, skipped;
};

/* "2026-01-02T03:04:05Z": UTC now, or SOURCE_DATE_EPOCH when set (reproducible
 * reports). */
void report_timestamp(char out[32]);

const char *report_status_name(enum report_status s); /* "pass", "fail", "error", "skip" */

int report_init(struct report *r, const char *title, const char *tool_version, const char *created);
void report_free(struct report *r);
#define _cleanup_report_ __attribute__((cleanup(report_free)))

/* Adds a scenario; *ret stays valid for the report's lifetime. */
int report_add_scenario(struct report *r, const char *name, const char *backend,
                        const char *started, struct report_scenario **ret);

/* Adds a check (message and output may be NULL). */
int report_add_check(struct report_scenario *s, const char *name, enum report_status status,
                     const char *message, const char *output, double seconds, int reg);

/* Moves *d (and *x, which may be NULL) into the scenario, leaving them
 * empty, and adds one check per register the golden file lists: pass on a
 * match, fail on a mismatch or a log that does not replay (the message is
 * the first cause, the output the register's diff and causes), skip when the
 * golden file does not predict it or the evidence lacks it. */
/* Attaches the facts of the run (host facts: QEMU and swtpm versions, binary
 * and input digests, argv lists; timings). Takes a reference to facts. */
int report_set_facts(struct report_scenario *s, json_object *facts);

/* Where the scenario ran: facts.host ({name, kernel, qemu, ovmf_sha256, …})
 * as one line, and the shard ("K/N", may be NULL). For every writer. */
int report_set_origin(struct report_scenario *s, json_object *host, const char *shard);

/* How to predict what a mismatching scenario observed: a `tdxh-search/1`
 * object (compare/search.h: "command", "changes", "reproduced") or
 * {"error": "why it could not be searched"}. Takes a reference. */
void report_set_reproduce(struct report_scenario *s, json_object *reproduce);

/* Its golden compute command, or NULL (nothing reproduces, or no search);
 * and its summary in one line ("memory changed: golden 2G, observed 1G"),
 * appended to out (nothing without a search). reproduce.c. */
const char *report_reproduce_command(const struct report_scenario *s);
int report_reproduce_summary(const struct report_scenario *s, struct buf *out);

/* The report's "run" object (REPORT_SCHEMA): takes a reference. */
void report_set_run(struct report *r, json_object *run);

int report_attach_diff(struct report_scenario *s, struct diff_result *d, struct explain_result *x);

/* Moves *d and *x (left empty) into a new comparison labelled label; adds
 * no check (the step that made it is the check). */
int report_add_comparison(struct report_scenario *s, const char *label, struct diff_result *d,
                          struct explain_result *x);

/* The values the scenario vouches for, on a pass as on a failure:
 *   {"registers": {"mrtd": hex, "rtmr0": hex, ...}   as observed
 *    "inputs": {"firmware": {"path", "sha256"}, "kernel", "initrd", "disk",
 *               "cmdline", "memory", "vcpus"}}      from its facts
 * *ret is NULL when it has neither (a boot that failed early). A scenario
 * read back from a report.json keeps the values it was written with. */
int report_scenario_values(const struct report_scenario *s, json_object **ret);

/* Calls fn for each value in the order written: the registers ("mrtd" →
 * hex), then the inputs ("kernel.sha256" → hex, "cmdline" → text, "vcpus"
 * → "1"). Stops at fn's first negative return and returns it. */
/* The heading the writers give the values; it says "fake" for the fake
 * platform's. */
const char *report_values_title(const struct report_scenario *s);

typedef int (*report_value_fn)(const char *name, const char *value, void *userdata);
int report_values_each(json_object *values, report_value_fn fn, void *userdata);

void report_count(const struct report *r, const struct report_scenario *only, struct report_counts *ret);
/* fail when anything failed, error when anything errored (and nothing
 * failed), else pass. */
enum report_status report_result(const struct report_counts *c);

/* Renderings into a buffer, and writers to a path ("-": standard output). */
int report_junit(const struct report *r, struct buf *out);
int report_markdown(const struct report *r, struct buf *out);
int report_html(const struct report *r, struct buf *out);
int report_write_junit(const struct report *r, const char *path, struct tdxh_err *e);
int report_write_json(const struct report *r, const char *path, struct tdxh_err *e);
int report_write_markdown(const struct report *r, const char *path, struct tdxh_err *e);
int report_write_html(const struct report *r, const char *path, struct tdxh_err *e);

/* Writes all four into dir (created if missing): report.xml, report.json,
 * summary.md, report.html. */
int report_write_dir(const struct report *r, const char *dir, struct tdxh_err *e);
/* Creates dir when missing and checks that files can be written in it:
 * what report_write_dir() does first, for a command to call before it
 * prints anything, so that a report directory that cannot be used fails the
 * command before its output rather than after. */
int report_dir_prepare(const char *dir, struct tdxh_err *e);

/* A report read back from a report.json (load.c): scenarios, checks, facts,
 * host, shard and run; not the diffs (their text is in the checks). -EINVAL
 * with the path in e for a file that is not a REPORT_SCHEMA report. */
int report_load_json(const char *path, struct report *ret, struct tdxh_err *e);

/* The report as JSON (REPORT_SCHEMA). */
int report_to_json(const struct report *r, json_object **ret);
