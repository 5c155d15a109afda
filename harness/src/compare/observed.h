/* Observed evidence as users hand it to `tdxh diff`, `tdxh explain` and
 * `tdxh golden record`: any number of files, each read by every reader that
 * recognises it:
 *
 *   registers   a JSON object with "mrtd" / "rtmr0".."rtmr3" (96 hex digits),
 *               at the top or under "registers": e.g. `tdxh inspect --json`
 *               of a quote or TD report, or a file written by hand
 *   quote, TD report   binary (see observed_quote.c), registers from the body
 *   event log   CCEL, TPM or JSON event logs (evidence/eventlog.h)
 *
 * A file may give both (a JSON bundle of a quote and its log). At most one
 * event log; register values from several files must agree. Every error names
 * the file. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/digest.h"
#include "core/err.h"
#include "evidence/eventlog.h"
#include "compare/diff.h"
#include "golden/golden.h"

struct observed {
        bool have_log;
        struct evlog log;
        char *log_name;   /* the file the log came from */
        bool have_reg[GOLDEN_NREGS];
        uint8_t reg[GOLDEN_NREGS][SHA384_LEN];
        char *reg_source; /* "quote FILE", "registers FILE", ... (several joined by ", ") */
};

/* A reader: returns 1 when it took something from the file, 0 when the file
 * is not its kind, or a negative errno (with e set) when the file is its
 * kind but broken. data is the whole file (NUL-terminated). */
struct observed_reader {
        const char *kind;
        int (*read)(const char *path, const uint8_t *data, size_t len, struct observed *o,
                    struct tdxh_err *e);
};

/* Sets register r from source (what and file), failing when another file
 * gave a different value. For readers. */
int observed_set_register(struct observed *o, enum golden_reg r, const uint8_t value[SHA384_LEN],
                          const char *kind, const char *path, struct tdxh_err *e);

/* The quote and TD report readers (observed_quote.c). */
int observed_read_quote(const char *path, const uint8_t *data, size_t len, struct observed *o,
                        struct tdxh_err *e);
int observed_read_tdreport(const char *path, const uint8_t *data, size_t len, struct observed *o,
                           struct tdxh_err *e);

/* Reads every file. A file that none of the readers takes is named with
 * why: "empty file", where its JSON breaks, "a golden file where evidence was
 * expected", "not a quote, TD report, event log or register JSON", or what is
 * broken in the log it is. */
int observed_load(const char *const *paths, size_t n, struct observed *ret, struct tdxh_err *e);

/* Adds what one file holds to o, from its contents already read (data[len]
 * must be NUL); path names it in messages. */
int observed_load_buffer(const char *path, const char *data, size_t len, struct observed *o,
                         struct tdxh_err *e);

/* 1 and what the file is ("a quote", "a TD report", "an event log",
 * "register JSON") when it reads as evidence on its own, else 0: to tell a
 * user who swapped a golden file and evidence what each file is. */
int observed_probe(const char *path, const char **ret_kind);

/* Whether a parsed JSON document is a tdxh golden file (its "schema"). */
bool observed_json_is_golden(json_object *root);
void observed_free(struct observed *o);
#define _cleanup_observed_ __attribute__((cleanup(observed_free)))

/* The borrowed view diff_run() and explain_run() take. */
void observed_view(const struct observed *o, struct diff_observed *ret);

/* A golden file from a known-good run's evidence (`tdxh golden record`): the
 * log's events (what and detail as the reader labelled them), and for each
 * register the observed value, else the log's replay. A register the
 * evidence has nothing for is left out; an event without a SHA-384 digest
 * makes its register unknown. profile fills the profile fields through
 * profile_lookup(); NULL leaves them out (golden_load() requires a name). */
int observed_to_golden(const struct observed *o, const char *profile, struct golden *ret,
                       struct tdxh_err *e);
