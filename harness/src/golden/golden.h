/* The golden measurement file (schema "tdxh-golden/1"): the expected MRTD and
 * RTMR values of one TD configuration and the events that produce them.
 *
 *   {
 *     "schema": "tdxh-golden/1",
 *     "profile": {"name": "fake", "platform": "fake", "edk2": "2022", "qemu": "7.2",
 *                 "page_add": "per-page"},
 *     "inputs": {"firmware": {"path": "...", "sha256": "..."}, "kernel": {...},
 *                "initrd": {"path": "...", "sha384": "..."}, "cmdline": "...", "memory": "2G", "vcpus": 1},
 *     "registers": {"mrtd": "hex" | null, "rtmr0": ..., "rtmr1": ..., "rtmr2": ...,
 *                   "rtmr3": ... (optional)},
 *     "unknown": {"rtmr0": "reason", ...},            (only registers that are null)
 *     "events": [{"rtmr": 0, "type": "EV_EFI_HANDOFF_TABLES2", "digest": "hex" | null,
 *                 "what": "td-hob", "detail": "optional text"}, ...]
 *   }
 *
 * An event whose digest is unknown has "digest": null and makes its register
 * unknown. Events are listed in measurement order within each RTMR. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/digest.h"
#include <json-c/json.h>

#include "core/err.h"

#define GOLDEN_SCHEMA "tdxh-golden/1"

enum golden_reg { GOLDEN_MRTD, GOLDEN_RTMR0, GOLDEN_RTMR1, GOLDEN_RTMR2, GOLDEN_RTMR3, GOLDEN_NREGS };

/* "mrtd", "rtmr0", ... */
const char *golden_reg_name(enum golden_reg r);

struct golden_register {
        bool present;   /* listed in the file (RTMR3 is optional) */
        bool known;     /* value holds the expected register */
        uint8_t value[SHA384_LEN];
        char *unknown_reason; /* set when present && !known */
};

struct golden_event {
        int rtmr;      /* 0..3 */
        uint32_t type; /* TCG event type */
        bool digest_known;
        uint8_t digest[SHA384_LEN];
        char *what;   /* "td-hob", "kernel", ... */
        char *detail; /* optional human text: the command line, a variable name, ... */
};

/* An input file, identified by its digest. Large streamed inputs (the
 * initrd) carry the SHA-384 that their measurement already computed instead
 * of a second pass for SHA-256. */
struct golden_input_file {
        char *path;   /* as given; may be NULL */
        bool have_sha256;
        uint8_t sha256[SHA256_LEN];
        bool have_sha384;
        uint8_t sha384[SHA384_LEN];
};

struct golden {
        /* profile */
        char *profile_name;
        char *platform; /* "tdx" or "fake" */
        char *edk2;
        char *qemu;
        char *page_add;
        /* inputs */
        struct golden_input_file firmware, kernel, initrd;
        struct golden_input_file disk; /* a disk booted from its ESP (golden compute --disk) */
        char *cmdline;  /* NULL when not given */
        uint64_t memory; /* bytes, 0 when not given */
        unsigned vcpus;  /* 0 when not given */
        /* outputs */
        struct golden_register regs[GOLDEN_NREGS];
        struct golden_event *events;
        size_t n_events;
};

void golden_free(struct golden *g);
#define _cleanup_golden_ __attribute__((cleanup(golden_free)))

/* Appends a copy of ev (what and detail are duplicated). */
int golden_add_event(struct golden *g, const struct golden_event *ev);

/* Marks a register unknown with a reason (duplicated). */
int golden_set_unknown(struct golden *g, enum golden_reg r, const char *reason);

/* Serialises to JSON (the layout above) and writes it atomically to path, or
 * to stdout when path is NULL or "-". */
int golden_save(const struct golden *g, const char *path, struct tdxh_err *e);

/* JSON form of g (the layout above). */
int golden_to_json(const struct golden *g, json_object **ret);

/* Reads and validates a golden file. Every problem is reported with the file
 * name and the JSON field ("events[3].digest: not 96 hex digits"). */
int golden_load(const char *path, struct golden *ret, struct tdxh_err *e);
/* The same from text already read (path names it in messages), and from a
 * parsed document: for readers that look at a file before knowing its form. */
int golden_parse(const char *path, const char *text, size_t len, struct golden *ret,
                 struct tdxh_err *e);
int golden_from_json(const char *path, json_object *root, struct golden *ret, struct tdxh_err *e);
