/* Reading a JSON document that a user handed over (golden files, event
 * logs, quotes in JSON, register files), with errors a person can act on:
 * json-c's own words ("continue", "unexpected character") say nothing about
 * the file, so every failure is told as where it is (line, column and byte
 * offset) and what is wrong there in plain words. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* Parses text[0..len) as one JSON value followed by nothing but whitespace.
 * max_depth bounds the nesting (0: json-c's default). On failure returns
 * -EINVAL (-EFBIG above INT_MAX bytes, -ENOMEM) with one line in e that does
 * not name the file (callers prefix it): "empty file", "line 3, column 7
 * (byte 40): the JSON text ends there, unfinished (truncated?)", "line 1,
 * column 1 (byte 0): not JSON: unexpected character 'C'", "line 9, column 2
 * (byte 120): trailing data after the JSON value". *ret is written only on success. */
int json_parse_text(const char *text, size_t len, int max_depth, json_object **ret,
                    struct tdxh_err *e);

/* True when text holds nothing but whitespace (an empty document). */
bool json_text_blank(const char *text, size_t len);
