/* Host facts of one boot: which QEMU, swtpm, firmware, kernel and initrd
 * ran (paths, sha256, versions) and the exact command lines, as JSON for
 * the run's report. Versions come from running `PROG --version` as a child
 * with a deadline; binaries and inputs are hashed with SHA-256.
 *
 *   { "backend", "accel", "memory", "vcpus", "cmdline",
 *     "qemu": {path, sha256, size, version}, "swtpm": {... } (fake only),
 *     "firmware" | "kernel" | "initrd": {path, sha256, size} or {path, error},
 *     "argv": {"qemu": [...], "swtpm_setup": [...], "swtpm": [...]} } */
#pragma once

#include <json-c/json.h>

#include "core/err.h"
#include "core/strv.h"
#include "run/deadline.h"
#include "run/platform.h"
#include "run/signals.h"

/* {path, sha256, size} of a file. */
int host_file_facts(const char *path, json_object **ret, struct tdxh_err *e);

/* The first line `PROGRAM --version` prints, run with the deadline. */
int host_tool_version(const char *program, const struct deadline *d, struct signal_watch *sw,
                      char **ret, struct tdxh_err *e);

/* {path (resolved through $PATH), sha256, size, version} of a program. */
int host_tool_facts(const char *program, const struct deadline *d, struct signal_watch *sw,
                    json_object **ret, struct tdxh_err *e);

/* Everything above for platform p; swtpm is the swtpm binary (NULL: none,
 * as on qemu-tdx). The argv lists are added later with host_facts_add_argv. */
int host_facts_collect(const struct platform *p, const char *swtpm, const struct deadline *d,
                       struct signal_watch *sw, json_object **ret, struct tdxh_err *e);

/* Facts of the machine itself, without running anything: {"name": the host
 * name, "kernel": release and version as uname(2) gives them, "tdx_module":
 * "MAJOR.MINOR build N" from /sys/firmware/tdx/tdx_module/ where the host
 * kernel exposes it (Intel's TDX host patches do), else null}. */
int host_system_facts(json_object **ret);

/* facts.argv.NAME = argv as a JSON array of strings. */
int host_facts_add_argv(json_object *facts, const char *name, const struct strv *argv);
