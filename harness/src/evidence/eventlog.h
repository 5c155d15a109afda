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
#include <stdio.h>

#include "core/err.h"

/* The PCR that only the harness's guest agent extends in the fake platform:
 * it stands in for RTMR3 (a design choice of the harness, not a TCG rule). */
#define EVLOG_TPM_RTMR3_PCR 16u

/* TPM algorithm identifiers (TDX-REFERENCE §5.3). */
#define TPM_ALG_SHA1 0x0004u
#define TPM_ALG_SHA256 0x000Bu
#define TPM_ALG_SHA384 0x000Cu
#define TPM_ALG_SHA512 0x000Du
#define TPM_ALG_SM3_256 0x0012u

/* dstack's runtime (RTMR3) events: not a TCG type. */
#define EV_DSTACK_RUNTIME 0x08000001u

/* Most banks a spec ID event or a record may list; more is a parse error. */
#define EVLOG_MAX_ALGS 8

/* Size of the ACPI CCEL table (TDX-REFERENCE §5.1). */
#define CCEL_TABLE_LEN 56

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
        const char *what; /* short label of what the event measures: "td-hob", "cfv",
                             "secureboot-var", "separator", "acpi-loader", "acpi-rsdp",
                             "acpi-tables", "boot-var", "kernel", "action", "cmdline",
                             "initrd", "fwcfg", "smbios", "firmware-blob", "rtmr3", ...
                             (a static string, not owned; never NULL after parsing:
                             "unknown" if nothing fits) */
        char *detail;     /* decoded event data as text for people, or NULL (owned):
                             variable name, device path, action string, command line, ... */
        char *name;       /* event name given by a JSON log (dstack "event"), or NULL (owned) */
};

struct evlog_alg {
        uint16_t id;   /* TPM_ALG_* */
        uint16_t size; /* digest bytes */
};

/* The 56-byte ACPI CCEL table. Strings are NUL-terminated copies. */
struct ccel_table {
        char signature[5];
        uint32_t length;
        uint8_t revision;
        uint8_t checksum;
        bool checksum_ok; /* all bytes of the table sum to 0 mod 256 */
        char oem_id[7];
        char oem_table_id[9];
        uint32_t oem_revision;
        char creator_id[5];
        uint32_t creator_revision;
        uint8_t cc_type; /* 2 = TDX */
        uint8_t cc_subtype;
        uint64_t laml; /* log area minimum length */
        uint64_t lasa; /* log area start address */
};

struct evlog {
        enum evlog_format format;
        struct evlog_event *events;
        size_t n_events;
        size_t log_len; /* bytes of the log proper (binary formats) */
        /* binary formats: the banks listed by the spec ID event, and its PCR field */
        struct evlog_alg algs[EVLOG_MAX_ALGS];
        size_t n_algs;
        uint32_t spec_id_pcr;
        /* the ACPI CCEL table, when it preceded the area or was given with it */
        bool has_ccel_table;
        struct ccel_table ccel_table;
        /* The binary readers copy every event's data into this one block
         * (owned), in place of one allocation an event; an event's data
         * outside it is owned by the event. */
        uint8_t *data_block;
        size_t data_block_len, data_block_used;
};

/* Frees what an event of l owns (its data, labels and name), leaving the
 * event empty; for a caller that drops an event from the log. */
void evlog_event_free(const struct evlog *l, struct evlog_event *ev);

/* Parses a log, detecting the format when format_hint < 0. The input is
 * untrusted: every error names the offset and field. -EMEDIUMTYPE when the
 * data is no event log at all (binary data without a spec ID event header,
 * JSON without an event list), so that a caller trying several readers can
 * tell "not a log" from "a broken log". */
int evlog_parse(const uint8_t *data, size_t len, int format_hint, struct evlog *ret,
                struct tdxh_err *e);
/* Parses a CCEL area whose ACPI table was read separately: parsing stops at
 * the table's LAML, and the table is kept in the result. table may be NULL. */
int evlog_parse_ccel(const uint8_t *area, size_t len, const struct ccel_table *table,
                     struct evlog *ret, struct tdxh_err *e);
/* Reads and parses a file (binary or JSON). */
int evlog_load_file(const char *path, struct evlog *ret, struct tdxh_err *e);
/* Same with a format hint (EVLOG_* or -1 to detect). Errors start with path. */
int evlog_load_file_format(const char *path, int format_hint, struct evlog *ret,
                           struct tdxh_err *e);
void evlog_free(struct evlog *l);
#define _cleanup_evlog_ __attribute__((cleanup(evlog_free)))

/* Replays the log: RTMR[i] = SHA384(RTMR[i] || digest) for every event with
 * rtmr == i, from 48 zero bytes. Events without a SHA-384 digest make replay
 * fail with -ENODATA (and a message naming the event). */
int evlog_replay(const struct evlog *l, uint8_t ret[4][48], struct tdxh_err *e);

/* Checks that the log is bound to the registers of a quote or TD report:
 * replays it and compares RTMR0..3 with rtmr. ret_match[i] tells whether
 * register i agrees. Returns the number of registers that differ (0 = the
 * log is bound), or a negative errno when the log cannot be replayed. */
int evlog_check_bound(const struct evlog *l, const uint8_t rtmr[4][48], bool ret_match[4],
                      struct tdxh_err *e);

/* Number of events that extend RTMR i (0..3); rtmr -1 counts the others. */
size_t evlog_count_rtmr(const struct evlog *l, int rtmr);

/* "sha256", "sha384", ... for a TPM_ALG_* identifier, or NULL. */
const char *evlog_alg_name(uint16_t id);

/* "ccel", "tpm", "json". */
const char *evlog_format_name(enum evlog_format f);
/* Accepts the names above; returns the format or -EINVAL. */
int evlog_format_parse(const char *text);

/* The ACPI CCEL table (exactly CCEL_TABLE_LEN bytes are read; len may be
 * larger). A wrong checksum is reported in checksum_ok, not as an error. */
int ccel_table_parse(const uint8_t *data, size_t len, struct ccel_table *ret,
                     struct tdxh_err *e);
/* {"signature", "length", "revision", "checksum_ok", "oem_id", "oem_table_id",
 *  "cc_type", "cc_subtype", "laml", "lasa"} (addresses as "0x..." strings). */
int ccel_table_to_json(const struct ccel_table *t, json_object **ret);

/* JSON for `tdxh inspect --json`: {"kind": "event-log", "format": ...,
 * "events": [{"index", "rtmr", "pcr", "type", "digest", "what", "data" (decoded)}],
 * "replayed": {"rtmr0": ..., "rtmr3": ...}}. Also written: "algorithms",
 * "ccel_table" (when known), "counts" (events per register), per event
 * "offset", "name" (when given) and "raw" (the event data as hex), so that
 * evlog_parse() reads the output back; "replayed" is null and "replay_error"
 * says why when an event has no SHA-384 digest. */
int evlog_to_json(const struct evlog *l, json_object **ret);

/* Writes the same JSON as json_pretty(evlog_to_json()) and a newline to f,
 * one event at a time, so that memory does not grow with the log. */
int evlog_write_json(const struct evlog *l, FILE *f, struct tdxh_err *e);
