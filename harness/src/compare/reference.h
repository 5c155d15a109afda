/* The golden side of `tdxh diff` and `tdxh explain`: a tdxh golden file, or
 * reference values in a form another tool publishes, read into the same
 * golden model so that a user can compare with a vendor's published values
 * without rewriting them:
 *
 *   tdxh golden file   {"schema": "tdxh-golden/1", ...} (golden/golden.h)
 *   trustee event log  {"uefi_event_logs": [...]}: the parsed CCEL that
 *                      confidential-containers/trustee writes (the CcEventLog
 *                      type of deps/eventlog/src/lib.rs): its events, and the
 *                      RTMRs they replay to
 *   register values    {"mrtd": HEX, "rtmr0": HEX, ...}, 96 hex digits each,
 *                      any subset: the TdxMeasurements JSON of
 *                      virtee/tdx-measure (--json, --json-file; src/lib.rs,
 *                      tests/fixtures/<name>/expected.json), or a file written
 *                      by hand. Registers only: the events are unknown, and
 *                      the diff compares registers.
 *
 * Errors name the file and where in it (line and column for JSON, the field). */
#pragma once

#include <stddef.h>

#include "core/err.h"
#include "golden/golden.h"

enum reference_form {
        REFERENCE_GOLDEN,        /* a tdxh golden file */
        REFERENCE_TRUSTEE_LOG,   /* trustee's parsed event log */
        REFERENCE_REGISTERS,     /* register values only */
};

/* "tdxh golden file", "trustee event-log JSON", "register values" */
const char *reference_form_name(enum reference_form f);
/* What the diff can compare with each form, for the line that names it. */
const char *reference_form_scope(enum reference_form f);
/* "tdxh-golden", "trustee-eventlog", "registers": the stable JSON word. */
const char *reference_form_key(enum reference_form f);

/* Reads path in whichever form it is. -EMEDIUMTYPE (with a message) when
 * it is none of them (evidence handed over as the golden file, say): the
 * caller may then say what the file is instead. */
int reference_load(const char *path, struct golden *ret, enum reference_form *ret_form,
                   struct tdxh_err *e);
/* The same for text already read; path names it in messages. */
int reference_parse(const char *path, const char *text, size_t len, struct golden *ret,
                    enum reference_form *ret_form, struct tdxh_err *e);
