/* Pieces shared by the event-log readers (evlog_tcg.c, evlog_json_read.c),
 * the decoder (evlog_decode.c) and eventlog.c. Not part of the interface. */
#pragma once

#include "evidence/eventlog.h"

/* Appends a zeroed event to l, growing the array geometrically; *cap is the
 * caller's capacity. The new event's index is set. */
int evlog_push(struct evlog *l, size_t *cap, struct evlog_event **ret);

/* Makes room for n events at once (no-op when there is room). */
int evlog_reserve(struct evlog *l, size_t *cap, size_t n);

/* Register of an event of a binary log: the §5.4 map for TPM PCRs, MR
 * index − 1 for CCEL; -1 for EV_NO_ACTION and indices that map nowhere. */
int evlog_map_rtmr(enum evlog_format f, uint32_t index, uint32_t type);

/* Binary TCG2 crypto-agile reader for CCEL areas and TPM logs. format_hint
 * < 0 detects which of the two it is. limit bounds the area (LAML). */
int evlog_parse_tcg(const uint8_t *data, size_t len, int format_hint, struct evlog *l,
                    struct tdxh_err *e);

/* JSON reader: dstack's event_log (string or list, or a whole getquote
 * response) and the harness's own evlog_to_json() output. */
int evlog_parse_json(const uint8_t *data, size_t len, struct evlog *l, struct tdxh_err *e);

/* Fills what and detail of every event (the ACPI DATA labels depend on
 * the position in the log, so the whole log is decoded in one pass). */
int evlog_decode_all(struct evlog *l);
