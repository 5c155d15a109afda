/* Decoding of event data into the `what` label and the `detail` text of an
 * event (TDX-REFERENCE §3.1, §4.1, §12). The label is a short, stable word
 * that explanations and golden files match on; the detail is for people.
 * Garbage never crashes a decoder: it is shown as hex. */
#pragma once

#include "evidence/eventlog.h"

struct evlog_decode_state {
        unsigned acpi_data_seen; /* "ACPI DATA" events met so far */
};
#define EVLOG_DECODE_STATE_INIT { 0 }

/* Sets ev->what (never NULL on success) and ev->detail (NULL when there is
 * nothing to show) from ev->type, ev->rtmr, ev->data and ev->name, freeing
 * previous values. Returns 0 or -ENOMEM. */
int evlog_decode_event(struct evlog_event *ev, struct evlog_decode_state *st);
