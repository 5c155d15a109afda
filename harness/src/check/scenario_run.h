/* Running one scenario (scenario.h) against one guest on a backend: the job
 * of `tdxh run` for each scenario file.
 *
 * The run directory of a scenario holds everything of it: one folder per
 * boot (boot-1, boot-2 … with the console, QEMU and swtpm logs, the fake TDX
 * module's files and host facts), one per step that collects evidence
 * (steps/NN-KIND: registers, event logs, quotes, sealed blobs), the fake
 * quote service's root certificate (fake-root.pem) and the reports
 * (report/: report.html, report.xml, report.json, summary.md). Secrets
 * (what a seal step protects, the TPM's state, the fake PKI's private keys)
 * live in memory or in the private runtime directory only, and never reach
 * the run directory, a log or a report.
 *
 * Each step is one check of the report (one JUnit test case). A step with
 * `expect: fail` passes when the step is refused for what it checks (a
 * mismatch, a quote that does not verify, an unseal the broker or the TPM
 * refuses) and the report says what refused it; an infrastructure failure
 * is an error whatever was expected. After an infrastructure failure the
 * remaining steps are skipped. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <json-c/json.h>

#include "check/scenario.h"
#include "core/err.h"
#include "run/platform.h"
#include "run/signals.h"

struct scenario_run_opts {
        const char *backend;   /* "fake" (NULL too), "qemu-tdx" or "libvirt" (qemu-tdx and
                                * libvirt's TD run by scenario_dry_run() only, in this
                                * version) */
        bool libvirt_fake;     /* libvirt: the fake platform, not a TD */
        const char *libvirt_uri; /* libvirt: the URI; NULL: libvirt_default_uri() */
        const char *image;     /* overrides the scenario's image; NULL: the scenario's, else
                                * SCENARIO_DEFAULT_IMAGE */
        const char *golden;    /* the golden file of measure steps that say auto (or
                                * nothing); NULL: IMAGE/golden/PROFILE.json, which a disk
                                * image does not have */
        const char *out_dir;   /* the scenario's run directory (created); NULL: a new one */
        const char *firmware;  /* NULL: /usr/share/ovmf/OVMF.fd */
        const char *qemu;      /* NULL: qemu-system-x86_64 */
        const char *fake_qgs;  /* the fake quote service binary; NULL: found beside tdxh */
        /* A TD's own values (qemu-tdx, libvirt with TDX): the TD attributes
         * (0: PLATFORM_DEFAULT_TD_ATTRIBUTES), the owner values, and the
         * quote generation service's Unix socket (NULL: Intel QGS's default). */
        uint64_t td_attributes;
        struct platform_mr mrconfigid, mrowner, mrownerconfig;
        const char *qgs_socket;
        const char *shard;     /* "K/N" of `tdxh run --shard`, recorded in the facts; may be NULL */
        /* Progress, called in the caller's thread: step i of n is starting
         * (what: the step's name) or the scenario ended (i == n, what: the
         * verdict). May be NULL. */
        void (*on_progress)(const struct scenario *sc, size_t i, size_t n, const char *what,
                            void *userdata);
        void *userdata;
};

#define SCENARIO_DEFAULT_IMAGE "out/image"

enum step_status { STEP_PASSED, STEP_FAILED, STEP_ERROR, STEP_SKIPPED };

struct step_result {
        char *name;        /* "boot", "measure #2", or the step's own name */
        enum step_status status;
        bool refused;      /* the step itself was refused (what expect: fail looks for) */
        char *message;     /* one line: what passed, what refused it, or why it failed */
        char *detail;      /* longer text (a diff and its causes), may be NULL */
        double seconds;
};

struct scenario_result {
        int exit_code;     /* 0 every step as expected, 1 a step failed, 2 bad input, 3 infrastructure */
        char *verdict;     /* "pass", "fail", "bad input", "infrastructure failure" */
        char *reason;      /* the first failure's message, NULL on a pass */
        char *name;        /* the scenario's (case's) name, or NULL */
        char *run_dir;
        char *report_dir;
        struct step_result *steps; /* one per step of the scenario */
        size_t n_steps;
        double seconds;
        json_object *facts; /* the report's facts of the scenario (owned), or NULL: see
                             * reports/SCHEMA.md; "host" names where it ran */
        json_object *values; /* what it vouched for (report_scenario_values()), owned, or NULL */
};

void scenario_result_free(struct scenario_result *r);
#define _cleanup_scenario_result_ __attribute__((cleanup(scenario_result_free)))

/* Runs sc. Always fills *ret and returns its exit code; e holds the reason of
 * a bad-input or infrastructure failure. sw (may be NULL) ends the run at
 * SIGINT/SIGTERM with everything stopped and reaped (exit 3; the command
 * turns a SIGINT into 130). */
int scenario_run(const struct scenario *sc, const struct scenario_run_opts *o,
                 struct signal_watch *sw, struct scenario_result *ret, struct tdxh_err *e);

const char *step_status_name(enum step_status s); /* "pass", "fail", "error", "skip" */

/* Is the platform of o a TD (qemu-tdx, or libvirt without libvirt_fake)? */
bool scenario_run_is_td(const struct scenario_run_opts *o);

/* What running sc on o's backend would start, without starting anything or
 * writing a file: for each boot and reboot step, the QEMU command line
 * (fake, qemu-tdx), shell-quoted with one argument per line, or the libvirt
 * domain XML (libvirt). Paths of a boot are those of the run directory
 * o->out_dir (required) and its "runtime" folder for sockets. *ret is the
 * text, ending in a newline. -EINVAL with e naming the bad input (image,
 * firmware, platform). */
int scenario_dry_run(const struct scenario *sc, const struct scenario_run_opts *o, char **ret,
                     struct tdxh_err *e);
