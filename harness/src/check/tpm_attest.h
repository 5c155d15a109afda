/* Registers backed by a verified vTPM quote on the fake platform: what the
 * harness runs, over the agent channel, before it believes the registers a
 * guest reports (and before a scenario builds a fake quote from them).
 *
 *   tpm-ak        the agent's attestation key (AK) and the EK it sits beside;
 *                 the AK must be a restricted, TPM-bound signing key, its
 *                 name the one the agent gives, the EK the one swtpm_setup
 *                 made for this run (RUNDIR/tpm/ek.pem, run/swtpm_ek.h)
 *   make credential + tpm-activate
 *                 a random secret the host encrypts to that EK for the AK's
 *                 name; only a TPM holding both keys gives it back, which
 *                 proves the AK lives in the same TPM as the EK
 *   tpm-quote     TPM2_Quote by the AK over the host's nonce, verified with
 *                 the PCR values the agent read beside it
 *
 * Then the firmware's event log must replay to the verified PCRs; what it
 * folds into (RTMR0-2, PCR→RTMR map of TDX-REFERENCE §5.4) and PCR 16 (the
 * fake RTMR3) are the registers the evidence backs. Each failure is one
 * line saying which step failed and why: -EACCES when evidence contradicts
 * itself (a forged PCR value, a credential the TPM refuses), -EPROTO when
 * the agent's answer is malformed, the agent channel's errors as they are. */
#pragma once

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "core/digest.h"
#include "core/err.h"
#include "evidence/tpm_quote.h"
#include "run/agent_chan.h"
#include "run/deadline.h"
#include "run/wait.h"

/* PCRs and bank quoted by tpm_attest_registers(): the firmware's PCRs 0-15
 * and the fake RTMR3, PCR 16, of the SHA-384 bank the RTMRs fold from. */
#define TPM_ATTEST_PCRS 0x1ffffu
#define TPM_ATTEST_SECRET_LEN 32

/* How to reach the agent: every call waits on the deadline and the watch. */
struct tpm_attest_chan {
        struct agent_chan *chan;
        const struct deadline *deadline;
        const struct wait_watch *watch; /* may be NULL */
};

/* The agent's AK, checked (tpm_ak_parse()) and with the name the host
 * computed from its public area. */
struct tpm_attest_key {
        uint8_t *ak_public; /* TPM2B_PUBLIC as the agent sent it */
        size_t ak_public_len;
        struct tpm_ak ak;
};
void tpm_attest_key_done(struct tpm_attest_key *k);

/* tpm-ak: the AK must be an attestation key, the agent's ak_name its name,
 * and the agent's ek_public the key ek (when ek is not NULL). */
int tpm_attest_get_ak(const struct tpm_attest_chan *c, EVP_PKEY *ek, struct tpm_attest_key *ret,
                      struct tdxh_err *e);

/* Makes a credential holding a random secret for name under ek and has the
 * agent activate it: 0 when the secret comes back, -EACCES when the TPM
 * refuses or another secret comes back. */
int tpm_attest_activate(const struct tpm_attest_chan *c, EVP_PKEY *ek, const uint8_t *name,
                        size_t name_len, struct tdxh_err *e);

/* A quote as the agent returned it, before verification. */
struct tpm_attest_quote {
        uint8_t *attest;
        size_t attest_len;
        uint8_t *signature;
        size_t signature_len;
        struct tpm_pcr_values pcrs; /* exactly the PCRs asked for, or an error */
};
void tpm_attest_quote_done(struct tpm_attest_quote *q);

/* tpm-quote over mask of bank (TPM_ALG_*) with nonce. */
int tpm_attest_get_quote(const struct tpm_attest_chan *c, const uint8_t *nonce, size_t nonce_len,
                         uint32_t mask, uint16_t bank, struct tpm_attest_quote *ret,
                         struct tdxh_err *e);

/* Verifies q against the AK and nonce (tpm_quote_verify()). */
int tpm_attest_verify(const struct tpm_attest_key *k, const struct tpm_attest_quote *q,
                      const uint8_t *nonce, size_t nonce_len, struct tdxh_err *e);

/* The whole flow: tpm-ak, a credential activated for the AK under the EK of
 * ek_pem, tpm-quote over TPM_ATTEST_PCRS of SHA-384 with nonce (1 to
 * TPM_NONCE_MAX bytes), verified. *ret holds the verified PCR values. */
int tpm_attest_registers(const struct tpm_attest_chan *c, const char *ek_pem,
                         const uint8_t *nonce, size_t nonce_len, struct tpm_pcr_values *ret,
                         struct tdxh_err *e);

/* The registers a firmware TPM log backs: the log (TCG2 crypto-agile, the
 * agent's event-log) must replay to pcrs (SHA-384, verified) in every
 * firmware PCR the RTMRs fold from and PCR 0, that is 0-9 and 11-15 (10 is
 * IMA's, not the firmware's), which must all be in pcrs, as must PCR 16.
 * ret_rtmr: RTMR0-2 folded from the log, RTMR3 = PCR 16. -EACCES naming
 * each PCR that replays to another value than the quoted one. */
int tpm_attest_log_rtmrs(const uint8_t *log, size_t len, const struct tpm_pcr_values *pcrs,
                         uint8_t ret_rtmr[4][SHA384_LEN], struct tdxh_err *e);
