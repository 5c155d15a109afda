/* Event logs as the harness meets them (TDX-REFERENCE §5): the CCEL area
 * (optionally with the 56-byte ACPI CCEL table), TPM crypto-agile logs from
 * binary_bios_measurements (any banks; the SHA-384 bank is used, PCRs mapped to
 * RTMRs with the §5.4 table), and JSON logs emitted by other TDX stacks
 * (0-based "imr"). Every reader produces the same model, so replay, diff and
 * reports do not care where a log came from. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum evlog_format {
        EVLOG_CCEL, /* TCG2 crypto-agile, MR index 1..4 = RTMR0..3 */
        EVLOG_TPM,  /* TCG2 crypto-agile, PCR index, mapped with the PCR→RTMR table */
        EVLOG_JSON, /* JSON list with 0-based imr */
};

struct evlog_event {
        size_t index;     /* position in the log, 0-based, spec-ID header not counted */
        size_t offset;    /* byte offset of the record in the input (0 for JSON) */
        uint32_t pcr;     /* the raw index field: CCEL MR index, TPM PCR, or JSON imr */
        int rtmr;         /* 0..3, or -1 when the event extends no RTMR (EV_NO_ACTION,
                             PCR 0, PCR 10, PCRs > 15, ...) */
        uint32_t type;
        bool has_sha384;  /* the SHA-384 digest is present (false: e.g. JSON without digest) */
        uint8_t sha384[48];
        uint8_t *data;    /* raw event data (owned) */
        size_t data_len;
        char *what;       /* short label of what the event measures: "td-hob", "cfv",
                             "secureboot-var", "separator", "acpi-loader", "acpi-rsdp",
                             "acpi-tables", "boot-var", "kernel", "action", "cmdline",
                             "initrd", "fwcfg", "smbios", "firmware-blob", "rtmr3", ...
                             (owned; never NULL after parsing: "unknown" if nothing fits) */
        char *detail;     /* decoded event data as text for people, or NULL (owned):
                             variable name, device path, action string, command line, ... */
};

struct evlog {
        enum evlog_format format;
        struct evlog_event *events;
        size_t n_events;
        size_t log_len; /* bytes of the log proper (binary formats) */
};

/* Parses a log, detecting the format when format_hint < 0. The input is
 * untrusted: every error names the offset and field. */
int evlog_parse(const uint8_t *data, size_t len, int format_hint, struct evlog *ret,
                struct tdxh_err *e);
/* Reads and parses a file (binary or JSON). */
int evlog_load_file(const char *path, struct evlog *ret, struct tdxh_err *e);
void evlog_free(struct evlog *l);
#define _cleanup_evlog_ __attribute__((cleanup(evlog_free)))

/* Replays the log: RTMR[i] = SHA384(RTMR[i] || digest) for every event with
 * rtmr == i, from 48 zero bytes. Events without a SHA-384 digest make replay
 * fail with -ENODATA (and a message naming the event). */
int evlog_replay(const struct evlog *l, uint8_t ret[4][48], struct tdxh_err *e);

/* JSON for `tdxh inspect --json`: {"kind": "event-log", "format": ...,
 * "events": [{"index", "rtmr", "pcr", "type", "digest", "what", "data" (decoded)}],
 * "replayed": {"rtmr0": ..., "rtmr3": ...}} */
int evlog_to_json(const struct evlog *l, json_object **ret);
