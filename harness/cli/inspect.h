/* Text rendering for `tdxh inspect`: what a person reads at a terminal. The
 * JSON rendering comes from the evidence library (*_to_json). */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "evidence/eventlog.h"

/* Prints an event log: header fields, one line per event (index, raw index,
 * RTMR, type, short digest, what, detail) and the replayed registers. */
void inspect_print_evlog(FILE *f, const char *path, const struct evlog *l);

/* Prints the fields of a JSON object (a quote, a TD report, a CCEL table)
 * as indented "key  value" lines, skipping "kind". */
void inspect_print_fields(FILE *f, json_object *o, int indent);

/* Prints whether a log replays to the given registers (see evlog_check_bound). */
void inspect_print_bound(FILE *f, const char *against, const struct evlog *l,
                         const uint8_t rtmr[4][48]);
