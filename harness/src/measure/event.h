/* Predicted measurement events: what one boot stage will extend into which
 * RTMR, in order, with the digest when it can be computed. The golden file
 * carries the same fields (golden/golden.h: struct golden_event); this list
 * lets measure/ stay independent of it. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/digest.h"

struct measure_event {
        int rtmr;      /* RTMR index 0..3 (CC MrIndex - 1) */
        uint32_t type; /* TCG event type (core/event_type.h) */
        bool digest_known;
        uint8_t digest[SHA384_LEN];
        char *what;     /* short stable name: "td-hob", "cfv", "separator", ... */
        char *detail;   /* human text (a variable name, what is missing) or NULL */
        uint8_t *data;  /* the event data the firmware logs, or NULL when not predicted */
        size_t data_len;
};

struct measure_events {
        struct measure_event *v;
        size_t n;
        size_t cap;
};
#define MEASURE_EVENTS_INIT { 0 }

/* Appends one event. digest NULL marks it unknown; what, detail and data are
 * copied (detail and data may be NULL). 0 or -ENOMEM. */
int measure_events_add(struct measure_events *l, int rtmr, uint32_t type, const uint8_t *digest,
                       const char *what, const char *detail, const void *data, size_t data_len);

/* Frees what, detail and data of one event and leaves them NULL. */
void measure_event_clear(struct measure_event *ev);

/* Moves every event of src to the end of dst; src is left empty. */
int measure_events_move(struct measure_events *dst, struct measure_events *src);

/* Replays the events of one RTMR from 48 zero bytes. -ENODATA (ret
 * untouched) when one of them has an unknown digest. */
int measure_events_replay(const struct measure_events *l, int rtmr, uint8_t ret[SHA384_LEN]);

void measure_events_free(struct measure_events *l);
#define _cleanup_measure_events_ __attribute__((cleanup(measure_events_free)))
