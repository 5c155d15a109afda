/* `tdxh report compare LAST_GOOD NEW`: what changed between two runs of the
 * same cases (last night's green run and tonight's). For every case both
 * ran, each measure step's observed evidence of the new run (its registers
 * and event log, steps/NN-measure/) is diffed against the old run's as if
 * the old evidence were a golden file (observed_to_golden()), and explained
 * as `tdxh explain` explains (a kernel package update changes RTMR1's
 * kernel event, an OVMF update MRTD and RTMR0 ...); the host facts that
 * changed (kernel, QEMU, TDX module, OVMF hash ...) are listed too.
 *
 * A register that changed is accounted for when the new run's measure step
 * passed (its golden files predicted the change); one that changed while
 * the step did not pass is drift nobody accounted for. */
#pragma once

#include "core/buf.h"
#include "core/err.h"

/* Each of old_dir and new_dir is a run directory of `tdxh run`
 * (DIR/report/report.json beside the cases' directories), or a directory
 * whose subdirectories are such run directories (the shards' artifacts
 * unpacked side by side). Writes the text report to out; returns 1 when a
 * register changed unaccounted for, 0 otherwise, or a negative errno with e
 * set (-EINVAL for input that is not a run). */
int drift_compare(const char *old_dir, const char *new_dir, struct buf *out, struct tdxh_err *e);
