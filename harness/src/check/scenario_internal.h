/* Shared between the scenario engine (scenario_run.c) and its steps
 * (step_*.c): the state of one scenario's run. Not for other callers. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "check/scenario_run.h"
#include "compare/diff.h"
#include "compare/explain.h"
#include "core/buf.h"
#include "core/digest.h"
#include "report/model.h"
#include "run/boot.h"
#include "run/rundir.h"

#define SRUN_AGENT_TIMEOUT_MS 60000
#define SRUN_DEFAULT_FIRMWARE "/usr/share/ovmf/OVMF.fd"
#define SRUN_DEFAULT_MEMORY (2ull << 30) /* what images/minimal/golden.sh predicts for */
#define SRUN_DEFAULT_TIMEOUT_S 300

/* The inputs one boot used, for the measure step's input checks. */
struct srun_inputs {
        char *firmware, *kernel, *initrd, *cmdline;
        char *disk, *disk_format; /* a disk image (then no kernel, initrd or cmdline) */
        uint64_t memory;
        unsigned vcpus;
        unsigned timeout_s;
};

/* A secret a seal step protects. The value lives here only. */
struct srun_secret {
        char *name;
        enum seal_mode mode;
        unsigned policy;
        uint8_t value[32];
        /* kbs: the register values the broker releases against */
        uint8_t sealed_regs[5][SHA384_LEN];
        /* tpm: the sealed blob the guest's TPM made (also kept in the run directory) */
        char *blob_b64;
};

struct srun {
        const struct scenario *sc;
        const struct scenario_run_opts *o;
        struct signal_watch *sw;
        struct scenario_result *res;
        struct tdxh_err *e;

        char *image;               /* the image directory */
        char *run_dir;             /* absolute */
        struct rundir scratch;     /* private runtime directory: TPM state, keys, sockets */
        char *tpm_state;           /* the scenario's TPM across its boots */
        struct srun_inputs image_in; /* the image's own inputs */

        struct boot_session *guest; /* NULL when no guest runs */
        struct srun_inputs in;      /* what the running guest was booted with */
        unsigned boots;             /* boots so far (boot-N folders) */
        uint8_t rtmr3_expected[SHA384_LEN]; /* RTMR3 as this boot's extends predict it */
        unsigned extends;           /* extends in this boot */

        struct srun_secret *secrets;
        size_t n_secrets;

        struct child qgs;            /* tdxh-fake-qgs, started by the first quote */
        char *qgs_socket;
        /* Faults a quote step may inject (scenario.h, quote.inject). */
        bool inject_wrong_report_data, inject_lying_guest;

        struct report_scenario *rep; /* the scenario's part of the report */
        size_t step;                 /* index of the running step */
        char step_dir_name[64];      /* "steps/03-measure" */
};

/* The outcome of one step, as the step functions report it. */
struct step_outcome {
        enum { OUT_PASS, OUT_REFUSED, OUT_ERROR } kind; /* ERROR: infrastructure */
        struct buf message;  /* one line */
        struct buf detail;   /* may stay empty */
};

int step_outcome_set(struct step_outcome *out, int kind, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

void srun_inputs_free(struct srun_inputs *in);

/* The image's own inputs into R->image_in (scenario_run.c). */
int srun_load_image(struct srun *R);
/* The inputs of a boot: the step's options over the scenario's platform
 * defaults over the image's (step_boot.c). */
int srun_merge_inputs(const struct srun *R, const struct step_platform *p, struct srun_inputs *ret);
/* The platform description of a boot with inputs in: the backend's kind
 * (fake or TD) and, for a TD, the run options' attributes, owner values and
 * quote socket; paths of the boot are left to the caller. */
int srun_platform(const struct srun *R, const struct srun_inputs *in, struct platform *ret);

/* Is o's backend libvirt (a TD or the fake platform)? (step_boot.c) */
bool srun_is_libvirt(const struct scenario_run_opts *o);

/* Guest life cycle (step_boot.c). */
int srun_boot(struct srun *R, const struct step_platform *p, struct step_outcome *out);
int srun_stop_guest(struct srun *R, struct tdxh_err *e);
/* An agent request on the running guest. On failure R->e says why, and
 * R->guest->agent.refused tells the agent's own refusal ({"ok":false}, a
 * result the step judges) from a failed channel, guest or signal (an
 * infrastructure failure: srun_guest_failed() is then true). */
int srun_agent(struct srun *R, const char *op, json_object *params, json_object **ret);
bool srun_guest_failed(const struct srun *R);

/* "RUNDIR/steps/NN-KIND/name", the step's folder created. */
int srun_step_file(struct srun *R, const char *name, char **ret);

/* The golden file a measure step compares with: "auto" is the image's
 * golden/fake.json. */
int srun_golden_path(const struct srun *R, const struct step *st, char **ret);

/* Steps. Each returns 0 with *out filled, or a negative errno for an
 * internal error (out of memory) only. */
int step_measure(struct srun *R, const struct step *st, struct step_outcome *out);
int step_extend(struct srun *R, const struct step *st, struct step_outcome *out);
int step_quote(struct srun *R, const struct step *st, struct step_outcome *out);
int step_seal(struct srun *R, const struct step *st, struct step_outcome *out);
int step_unseal(struct srun *R, const struct step *st, struct step_outcome *out);

/* A quote of the running guest for report_data, made and verified by the
 * backend's quote path (step_quote.c): on the fake platform the registers are
 * those the guest's vTPM quote proves, signed by the fake quote service and
 * verified against the run's fake root. 0 with *ret filled and the quote
 * saved in the step's folder as quote.dat; when the quote cannot be had or
 * does not verify, the outcome says why (refused: verification failed;
 * error: the platform failed) and the return is -EBADMSG or -EIO. */
struct srun_quote {
        uint8_t regs[5][SHA384_LEN]; /* mrtd, rtmr0..rtmr3 as the verified quote holds them */
        uint8_t report_data[64];
        char *path;                  /* the saved quote */
};
void srun_quote_free(struct srun_quote *q);
int srun_attested_quote(struct srun *R, const uint8_t report_data[64], struct srun_quote *ret,
                        struct step_outcome *out);

/* The registers the guest's vTPM proves (step_attest.c): regs[1..4] RTMR0-3
 * folded from an event log that replays to PCRs a TPM2_Quote by an AK bound
 * to this run's EK covers; regs[0] is left alone. The outcome is a pass, or
 * refused (the evidence does not hold) or an error (the platform failed). */
int srun_verified_registers(struct srun *R, uint8_t regs[5][SHA384_LEN], struct step_outcome *out);
void srun_stop_qgs(struct srun *R);

/* The guest's firmware event log (agent "event-log"), decoded; *ret_ans
 * (may be NULL) is the whole answer, with the agent's rtmr3_log. */
int srun_event_log(struct srun *R, json_object **ret_ans, uint8_t **ret, size_t *ret_len);

/* Registers from an agent "registers" answer (hex fields mrtd, rtmr0..3). */
int srun_registers(json_object *ans, bool have[5], uint8_t regs[5][SHA384_LEN], struct tdxh_err *e);
