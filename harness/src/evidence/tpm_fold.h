/* The fake platform's virtual RTMRs (TDX-REFERENCE §8.4): a TCG2 crypto-agile
 * TPM event log (securityfs binary_bios_measurements) is walked once; its
 * SHA-384 digests are replayed per PCR (so the result can be checked against
 * the TPM's own PCR values) and folded into RTMR0-2 with the §5.4 map
 * (PCR 1,7 → RTMR0; 2-6 → RTMR1; 8-15 except 10 → RTMR2; PCR 0 and PCR 10,
 * which the kernel's IMA extends, are skipped). RTMR3 of the fake is a
 * dedicated PCR that only the agent extends. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/digest.h"
#include "core/err.h"
#include "evidence/eventlog.h"

/* The PCR that stands for RTMR3 on the fake platform. */
#define TPM_FOLD_RTMR3_PCR EVLOG_TPM_RTMR3_PCR
#define TPM_FOLD_NPCR 24

struct tpm_fold {
        uint8_t rtmr[3][SHA384_LEN];          /* RTMR0..2 */
        uint8_t pcr[TPM_FOLD_NPCR][SHA384_LEN]; /* replayed SHA-384 bank */
        uint32_t pcr_extended;                /* bit i: some event extends PCR i */
        size_t n_events;                      /* records after the Spec ID header */
};

/* The RTMR (0..2) a firmware PCR folds into, or -1 when it folds into none. */
int tpm_fold_rtmr_of_pcr(uint32_t pcr);

/* Walks the log. Fails with -EINVAL (and the offset and field) on a malformed
 * record, and with -ENODATA when the log has no SHA-384 bank. Trailing bytes
 * that are all 0x00 or all 0xff end the log. */
int tpm_fold_log(const uint8_t *log, size_t len, struct tpm_fold *ret, struct tdxh_err *e);
