/* Predicted measurement events: one record per event a register will see, in
 * extend order, with what was measured in words. Predictions from every part
 * of measure/ (firmware, kernel, command line, initrd) are collected into a
 * struct measure_events and later written to golden files and diffed against
 * event logs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct measure_event {
        int rtmr;           /* 0..3 */
        uint32_t type;      /* TCG event type (core/event_type.h) */
        bool digest_known;  /* false when the digest cannot be predicted (e.g. ACPI without blobs) */
        uint8_t digest[48]; /* SHA-384, valid when digest_known */
        char *what;         /* short kind: "kernel", "cmdline", "initrd", "action", "separator", ... */
        char *detail;       /* free text (file name, action string, LoadOptions), or NULL */
};

/* Frees what and detail and leaves them NULL. */
void measure_event_clear(struct measure_event *ev);

/* A growable list; zero-initialise it. */
struct measure_events {
        struct measure_event *v;
        size_t n, cap;
};

/* Appends an event; copies what and detail (either may be NULL). A NULL digest
 * means "not known" (digest_known false, digest zeroed). 0 or -ENOMEM; on
 * failure the list is unchanged. */
int measure_events_add(struct measure_events *l, int rtmr, uint32_t type,
                       const uint8_t *digest_or_NULL, const char *what, const char *detail);

/* Frees every event and the array; the list is empty afterwards. */
void measure_events_free(struct measure_events *l);
#define _cleanup_measure_events_ __attribute__((cleanup(measure_events_free)))
