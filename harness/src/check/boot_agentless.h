/* The evidence of a boot without the guest agent, read by the host: the
 * TCG2 event log from the stopped guest's memory (evidence/efi_tpm_log.h),
 * the SHA-384 PCRs from swtpm once QEMU is gone (run/swtpm_pcr.h), and the
 * MRTD and TD attributes the fake TDX module handed to QEMU. The registers
 * take the agent's shape (docs/agent-protocol.md, "registers"): RTMR0-2
 * are the log's folds, checked against the TPM's PCRs; RTMR3 is the TPM's
 * PCR 16. What only an agent can do is listed as skipped. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "run/boot.h"

struct agentless_evidence {
        uint8_t *log;          /* the assembled log (owned) */
        size_t log_len;
        json_object *registers; /* as the agent's answer: mrtd, rtmr0..3, td_attributes, source */
        json_object *host;     /* where everything came from, for evidence/host.json */
        bool pcrs_read;        /* the PCRs came from the TPM (else: the log's replay only) */
        bool pcrs_match;       /* every PCR the log extends equals its replay */
        char pcr_note[1200];   /* one line: which PCRs were checked, or why none */
};

/* A step that needs the agent, reported as skipped with why. */
struct agentless_skip {
        const char *name;
        const char *why;
};
extern const struct agentless_skip agentless_skipped[];
extern const size_t agentless_n_skipped;

/* Collects from the stopped, paused guest of s (fake_boot_wait_stopped(),
 * or a start that ended with -ENOMSG), ending QEMU on the way (the TPM is
 * read after it). A PCR read that fails is not fatal: the note says so and
 * the registers are the log's replay. */
int agentless_collect(struct boot_session *s, struct agentless_evidence *ret, struct tdxh_err *e);

void agentless_evidence_free(struct agentless_evidence *ev);
