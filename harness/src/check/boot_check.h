/* One boot of an image on the fake platform, checked against its golden
 * file: the job of `tdxh boot` (and of a scenario's boot + measure steps).
 * An image without the agent is checked on what the host can read
 * (boot_agentless.h): the verdict says "agentless" and the report lists
 * the steps that needed the agent as skipped.
 *
 * Boots with run/boot.h, asks the agent for hello, registers and the event
 * log, powers the guest off, keeps the evidence in the run directory, diffs
 * and explains it against the golden file (golden/), and writes the reports
 * (report/) into RUNDIR/report/. The host facts and where the harness's own
 * time went are in RUNDIR/facts.json and in the JSON report. */
#pragma once

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "run/signals.h"

#define BOOT_CHECK_DEFAULT_FIRMWARE "/usr/share/ovmf/OVMF.fd"
#define BOOT_CHECK_DEFAULT_MEMORY (2ull << 30) /* what images/minimal/golden.sh predicts for */
#define BOOT_CHECK_DEFAULT_TIMEOUT_S 300

struct boot_check_opts {
        const char *image;    /* directory with vmlinuz, initrd.img, cmdline */
        const char *golden;   /* NULL or "auto": IMAGE/golden/fake.json */
        const char *firmware; /* NULL: BOOT_CHECK_DEFAULT_FIRMWARE */
        const char *qemu;     /* NULL: qemu-system-x86_64 from $PATH */
        const char *cmdline;  /* NULL: the image's default command line */
        const char *nic_model;   /* NULL: no NIC; else a PCI NIC at 00:02.0 (run/platform.h) */
        const char *nic_romfile; /* NULL: QEMU's ROM for the model; "": none; else a file */
        uint64_t memory;      /* 0: BOOT_CHECK_DEFAULT_MEMORY */
        unsigned vcpus;       /* 0: 1 */
        const char *out_dir;  /* NULL: a new run directory under $TMPDIR */
        unsigned timeout_s;   /* boot to the agent's hello; 0: the default */
        /* The image has no agent: no hello is awaited; the guest runs until
         * it stops by itself (or timeout_s passes) and the host reads what
         * it measured (boot_agentless.h). Without it, a guest that stops
         * before any hello is treated the same way. */
        bool no_agent;
        void (*on_progress)(const char *what, void *userdata); /* may be NULL */
        void *userdata;
};

/* Where the harness's own time went, in milliseconds. */
struct boot_check_timings {
        uint64_t image_ms;   /* image and golden file checks */
        uint64_t boot_ms;    /* session start to the agent's hello (incl. MRTD, facts) */
        uint64_t agent_ms;   /* the agent round trips after hello, or the host's reads */
        uint64_t stop_ms;    /* poweroff to everything reaped */
        uint64_t diff_ms;    /* log parsing, diff, explanation, input checks */
        uint64_t inputs_ms;  /* what the inputs predict, computed while the guest boots */
        uint64_t evidence_ms; /* the event log decoded, the evidence files written */
        uint64_t report_ms;  /* the report files */
        uint64_t total_ms;
};

struct boot_check_result {
        int exit_code;    /* 0 match, 1 mismatch, 2 bad input, 3 infrastructure */
        char *verdict;    /* "match", "mismatch", "bad input", "infrastructure failure" */
        char *reason;     /* one line for failures; NULL on a match */
        char *run_dir;    /* NULL when none was created */
        char *report_dir; /* RUNDIR/report, when written */
        struct buf explanation; /* per register: match, or the diff and its causes */
        struct boot_check_timings timings;
        bool agentless;   /* the evidence came from the host, not an agent */
};

void boot_check_result_free(struct boot_check_result *r);
#define _cleanup_boot_check_result_ __attribute__((cleanup(boot_check_result_free)))

/* Runs the check. Always fills *ret (exit code, verdict, reason) and
 * returns its exit code; e carries the one-line reason of a failure. sw
 * (may be NULL) makes SIGINT/SIGTERM end the run cleanly with exit 3. */
int boot_check_run(const struct boot_check_opts *o, struct signal_watch *sw,
                   struct boot_check_result *ret, struct tdxh_err *e);
