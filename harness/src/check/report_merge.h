/* `tdxh report merge`: one report over the reports of several runs (the
 * shards of one sharded run, or runs of disjoint cases), written with the
 * same writers as a run's: OUT/report.html, report.xml, report.json,
 * summary.md. Each scenario keeps the host and shard that ran it.
 *
 * The inputs must fit together: every run records its shard (K/N, or none:
 * 1/1) and the cases of the whole run (report.json "run"); the merge
 * refuses, with -EINVAL and one line in e, when a shard is missing or given
 * twice, when the runs do not list the same cases, or when a case is
 * missing or ran twice. Nothing is written then.
 *
 * The merge is pure: the inputs are sorted (by shard, then path) and the
 * scenarios by name, and the merged report's time is the latest of the
 * inputs', so the same inputs give byte-identical files. */
#pragma once

#include <stddef.h>

#include "core/err.h"

/* dirs: run directories (DIR/report/report.json) or report directories
 * (DIR/report.json). Returns the merged verdict's exit code (0 every check
 * passed, 1 a check failed, 3 a check ended in an error), or a negative
 * errno with e set. */
int report_merge(const char *const *dirs, size_t n, const char *out_dir, struct tdxh_err *e);

/* DIR/report/report.json when it exists, else DIR/report.json. */
int report_json_path(const char *dir, char **ret);
