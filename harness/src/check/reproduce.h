/* `tdxh reproduce`: boots again what a run directory of `tdxh boot`
 * recorded (RUNDIR/facts.json: image, golden file, firmware, kernel, initrd,
 * command line, memory, vCPUs, QEMU) on the fake platform, and says whether
 * the first run's result comes back: the same verdict, and the same
 * registers (RUNDIR/evidence/registers.json). So a mismatch seen on a TDX
 * host can be chased on any machine that has the same inputs.
 *
 * The inputs must be the very files the run used: a recorded file that is
 * gone, or whose SHA-256 changed since, is refused (bad input), since a
 * boot of other files reproduces nothing. */
#pragma once

#include <stdbool.h>

#include "core/err.h"
#include "check/boot_check.h"
#include "golden/golden.h"
#include "run/signals.h"

struct reproduce_opts {
        const char *run_dir;  /* the run to reproduce */
        const char *out_dir;  /* NULL: a new run directory under $TMPDIR */
        unsigned timeout_s;   /* 0: the boot's default */
        void (*on_progress)(const char *what, void *userdata);
        void *userdata;
};

struct reproduce_result {
        int exit_code;            /* 0 reproduced, 1 not, 2 bad input, 3 infrastructure */
        char *original_verdict;   /* "match" / "mismatch" */
        char *verdict;            /* of the new boot */
        bool registers_known;     /* both runs have registers */
        bool same[GOLDEN_NREGS];  /* register by register, when known */
        char *summary;            /* one line: what came back and what did not */
        struct boot_check_result boot; /* the new boot: run and report directories */
};

void reproduce_result_free(struct reproduce_result *r);
#define _cleanup_reproduce_result_ __attribute__((cleanup(reproduce_result_free)))

/* Returns the exit code (also in ret->exit_code); e names the file and
 * field of bad input. */
int reproduce_run(const struct reproduce_opts *o, struct signal_watch *sw,
                  struct reproduce_result *ret, struct tdxh_err *e);
