/* A scenario: a list of steps run in order against one guest (boot,
 * measure, extend, quote, seal, reboot, unseal), read from a YAML file of
 * scenarios/ (docs/scenarios.md is the user's reference). The model here is
 * what the parser (scenario_parse.c, libyaml) produces and the step engine
 * (scenario_run.c) consumes; it knows no backend, so one file runs unchanged
 * on the fake, qemu-tdx and libvirt backends.
 *
 * Ownership: a scenario owns every string and array below; scenario_free()
 * releases them. Every value keeps the line and column of the YAML node it
 * came from (1-based), so the engine can name the step of a failure. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/digest.h"
#include "core/err.h"

enum step_kind {
        STEP_BOOT,
        STEP_MEASURE,
        STEP_EXTEND,
        STEP_QUOTE,
        STEP_SEAL,
        STEP_REBOOT,
        STEP_UNSEAL,
};

/* Platform inputs a boot or reboot may override; unset fields keep the
 * scenario's (or the image's) defaults. */
struct step_platform {
        uint64_t memory;     /* bytes; 0: not given */
        unsigned vcpus;      /* 0: not given */
        char *cmdline;       /* NULL: not given */
        char *kernel;        /* NULL: not given; relative paths are relative to the scenario file */
        char *initrd;        /* NULL: not given; same */
        bool initrd_tampered; /* `initrd: tampered` (boot and reboot only): the initrd this
                               * boot would otherwise use with one byte appended, made by
                               * the engine; initrd is then NULL */
        char *firmware;      /* NULL: not given; same */
        unsigned timeout_s;  /* 0: not given */
};

enum extend_source { EXTEND_DATA, EXTEND_DIGEST, EXTEND_FILE };

enum report_data_kind {
        REPORT_DATA_RANDOM, /* "random": 64 fresh random bytes */
        REPORT_DATA_HEX,    /* 64 bytes given as 128 hex digits */
};

/* Faults a quote step can inject into the fake quote path, for negative
 * scenarios (with expect: fail): the report data the fake TDX module is
 * given differs from what was asked (as if a guest swapped it), or the
 * PCR values the guest reports differ from what its TPM quoted (a guest
 * lying about its registers). Both must make the quote step fail. */
enum quote_inject {
        QUOTE_INJECT_NONE = 0,
        QUOTE_INJECT_WRONG_REPORT_DATA, /* inject: wrong-report-data */
        QUOTE_INJECT_LYING_GUEST,       /* inject: lying-guest */
};

enum seal_mode { SEAL_KBS, SEAL_TPM };

/* Register names a seal policy may list. */
enum policy_reg {
        POLICY_MRTD = 1u << 0,
        POLICY_RTMR0 = 1u << 1,
        POLICY_RTMR1 = 1u << 2,
        POLICY_RTMR2 = 1u << 3,
        POLICY_RTMR3 = 1u << 4,
};

struct step {
        enum step_kind kind;
        char *name;          /* `name:`; NULL: the engine names it "KIND #N" */
        bool expect_fail;    /* `expect: fail` (also `expect: refused`) */
        unsigned line, column; /* of the step's mapping in the file */

        union {
                struct step_platform boot;   /* STEP_BOOT and STEP_REBOOT */
                struct {
                        char *golden;        /* "auto" (NULL too) or a path */
                } measure;
                struct {
                        unsigned rtmr;       /* 3 (the only one a guest may extend) */
                        enum extend_source source;
                        char *data;          /* EXTEND_DATA: the text whose SHA-384 is extended */
                        uint8_t digest[SHA384_LEN]; /* EXTEND_DIGEST */
                        char *file;          /* EXTEND_FILE: a host file, hashed by the harness */
                        char *event;         /* text recorded in the RTMR3 log; NULL: derived */
                } extend;
                struct {
                        enum report_data_kind kind;
                        uint8_t report_data[64]; /* REPORT_DATA_HEX */
                        enum quote_inject inject;
                } quote;
                struct {
                        enum seal_mode mode;
                        char *name;          /* the secret's name, required */
                        unsigned policy;     /* POLICY_* bits; 0: mrtd, rtmr0-2 */
                } seal;                      /* STEP_SEAL and STEP_UNSEAL */
        };
};

/* `matrix:`: the parameters a scenario runs over, each a list of values;
 * the scenario runs once per combination (a case). Values keep the text
 * they were written with (case names are made of it). */
enum matrix_key { MATRIX_MEMORY, MATRIX_VCPUS, MATRIX_PROFILE, MATRIX_IMAGE, MATRIX_NKEYS };

struct matrix_axis {
        char **text;         /* the values as written, n of them; NULL when not given */
        uint64_t *value;     /* memory: bytes; vcpus: the count; else unused */
        size_t n;
};

#define SCENARIO_MAX_CASES 256

struct scenario {
        char *path;          /* the file it was read from */
        char *name;          /* `name:`, required; for a case of a matrix, the case's name
                              * ("memory-size[memory=1G]") */
        char *base_name;     /* `name:` as written (equal to name without a matrix) */
        char *profile;       /* the golden profile `measure: {golden: auto}` loads
                              * (IMAGE/golden/PROFILE.json); NULL: "fake" */
        struct matrix_axis matrix[MATRIX_NKEYS];
        char *description;   /* optional */
        char *image;         /* optional; NULL: the default image */
        struct step_platform platform; /* optional top-level `platform:` defaults */
        struct step *steps;
        size_t n_steps;
};

/* Reads and validates path. Unknown steps or keys, wrong types, missing
 * required fields and bad values are -EINVAL with one line in e:
 * "FILE:LINE:COLUMN: what is wrong" (YAML syntax errors too). */
int scenario_load(const char *path, struct scenario *ret, struct tdxh_err *e);
/* The same from a buffer; name stands for the file in messages. */
int scenario_parse(const char *name, const char *text, size_t len, struct scenario *ret,
                   struct tdxh_err *e);
void scenario_free(struct scenario *s);

/* Cases of a matrix (scenario_matrix.c): how many combinations s has (1
 * without a matrix), and case i applied to s: the platform defaults,
 * profile and image of the combination (the last key written varies
 * fastest, keys in the order memory, vcpus, profile, image) and its name,
 * "NAME[memory=1G,vcpus=2]". */
size_t scenario_n_cases(const struct scenario *s);
int scenario_apply_case(struct scenario *s, size_t i);
/* Every case of the file at path, each a scenario of its own (*ret: n
 * scenarios, free each with scenario_free() and the array with free()). */
int scenario_load_cases(const char *path, struct scenario **ret, size_t *ret_n, struct tdxh_err *e);
#define _cleanup_scenario_ __attribute__((cleanup(scenario_free)))

/* What a boot or reboot step asks for: each field from the step's options,
 * else from the scenario's `platform:`; fields unset in both stay unset (the
 * image's and the backend's defaults). Not sticky: a reboot without cmdline
 * goes back to the default even after a reboot that changed it. The strings
 * of *ret are borrowed from s. */
void scenario_boot_platform(const struct scenario *s, const struct step *st,
                            struct step_platform *ret);

/* "boot", "measure", ... */
const char *step_kind_name(enum step_kind k);
/* "mrtd", "rtmr0", ...; the bit of one register name or 0. */
unsigned policy_reg_from_name(const char *name);
const char *policy_reg_name(unsigned bit);
