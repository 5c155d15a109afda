/* What a run directory of `tdxh boot` recorded about itself, for the
 * commands that work from one afterwards (`tdxh reproduce`, `tdxh golden
 * record RUNDIR`):
 *
 *   RUNDIR/facts.json           host facts: firmware, kernel and initrd with
 *                               path and SHA-256, command line, memory, vCPUs,
 *                               QEMU; the image and golden file used
 *   RUNDIR/evidence/            what the guest handed over: registers.json,
 *                               binary_bios_measurements (the event log)
 *   RUNDIR/report/report.json   the verdict
 *
 * A scenario run keeps one such directory per boot (RUNDIR/boot-N). */
#pragma once

#include <json-c/json.h>

#include "core/err.h"
#include "core/strv.h"
#include "golden/golden.h"

/* A JSON object read from path; errors name the file and where in it. */
int run_dir_read_json(const char *path, json_object **ret, struct tdxh_err *e);

/* RUNDIR/facts.json, and its path for messages (-EINVAL naming RUNDIR when
 * it is not a run directory). */
int run_facts_load(const char *run_dir, json_object **ret, char **ret_path, struct tdxh_err *e);

/* The inputs a golden file records (firmware, kernel, initrd: path and
 * SHA-256; command line; memory; vCPUs) set from the facts, for `golden
 * record`: so that a recorded golden file names what was booted, as a
 * computed one does. A field the run did not record stays unset; a
 * recorded value that does not parse is -EINVAL naming facts_path and the
 * field. */
int run_facts_golden_inputs(json_object *facts, const char *facts_path, struct golden *g,
                            struct tdxh_err *e);

/* The evidence files of a run directory, in the order `observed_load()`
 * takes them (the registers, then the event log); -ENOENT naming the
 * directory when it holds none. */
int run_dir_evidence(const char *run_dir, struct strv *ret, struct tdxh_err *e);
