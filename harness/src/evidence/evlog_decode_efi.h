/* Decoders of UEFI event data structures, used by evlog_decode.c. Each sets
 * *what, appends the detail text to d (nothing when the data is malformed)
 * and returns 0 or -ENOMEM. */
#pragma once

#include "core/buf.h"
#include "evidence/eventlog.h"

int evlog_decode_variable(const struct evlog_event *ev, struct buf *d, const char **what);
int evlog_decode_image(const struct evlog_event *ev, struct buf *d, const char **what);
int evlog_decode_gpt(const struct evlog_event *ev, struct buf *d, const char **what);
int evlog_decode_blob(const struct evlog_event *ev, struct buf *d, const char **what);
int evlog_decode_handoff(const struct evlog_event *ev, struct buf *d, const char **what);
