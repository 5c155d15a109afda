/* The registers the guest's vTPM proves, for the fake quote path: the
 * agent's AK checked against this run's EK by credential activation, a
 * TPM2_Quote over PCRs 0-16 of the SHA-384 bank with a fresh nonce, and the
 * firmware's event log replayed to the quoted PCRs and folded into RTMR0-2;
 * RTMR3 is PCR 16 (check/tpm_attest.h). A quote step with `inject:
 * lying-guest` alters one PCR value the agent reported before verification,
 * as a guest lying about its registers would, and must fail here. */
#include <errno.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "check/scenario_internal.h"
#include "check/tpm_attest.h"
#include "core/cleanup.h"
#include "core/file.h"
#include "core/json_util.h"

#define ATTEST_TIMEOUT_MS 60000
#define NONCE_LEN 32

static void attest_key_donep(struct tpm_attest_key *k)
{
        tpm_attest_key_done(k);
}

static void attest_quote_donep(struct tpm_attest_quote *q)
{
        tpm_attest_quote_done(q);
}

static void pkey_freep(EVP_PKEY **k)
{
        EVP_PKEY_free(*k);
}

/* Which outcome an error of the flow is: the evidence refused, or the
 * platform failed. */
static int fail(struct srun *R, int r, struct step_outcome *out)
{
        if (r == -ENOMEM)
                return r;
        if (srun_guest_failed(R) || r == -ETIMEDOUT || r == -ECANCELED || r == -ECHILD)
                return step_outcome_set(out, OUT_ERROR, "%s", R->e->msg);
        return step_outcome_set(out, OUT_REFUSED, "the vTPM evidence does not hold: %s", R->e->msg);
}

int srun_verified_registers(struct srun *R, uint8_t regs[5][SHA384_LEN], struct step_outcome *out)
{
        __attribute__((cleanup(attest_key_donep))) struct tpm_attest_key key = { 0 };
        __attribute__((cleanup(attest_quote_donep))) struct tpm_attest_quote q = { 0 };
        __attribute__((cleanup(pkey_freep))) EVP_PKEY *ek = NULL;
        _cleanup_free_ uint8_t *log = NULL;
        struct deadline d = deadline_in_ms(ATTEST_TIMEOUT_MS);
        struct wait_watch w = { .sig = R->sw };
        struct tpm_attest_chan chan = { .deadline = &d, .watch = &w };
        uint8_t nonce[NONCE_LEN], rtmr[4][SHA384_LEN];
        const char *ek_pem;
        size_t len = 0;
        int r;

        if (!R->guest || !R->guest->live)
                return step_outcome_set(out, OUT_ERROR, "no guest is running (a boot step must come "
                                        "first)");
        ek_pem = R->guest->tpm.ek_pem;
        if (!ek_pem)
                return step_outcome_set(out, OUT_ERROR, "the host does not know this run's EK");
        chan.chan = &R->guest->agent;
        w.children[0] = &R->guest->qemu;
        w.children[1] = &R->guest->tpm.proc;
        if (RAND_bytes(nonce, sizeof(nonce)) != 1)
                return -EIO;
        r = tpm_ek_load_pem(ek_pem, strlen(ek_pem), &ek, R->e);
        if (r >= 0)
                r = tpm_attest_get_ak(&chan, ek, &key, R->e);
        if (r >= 0)
                r = tpm_attest_activate(&chan, ek, key.ak.name, key.ak.name_len, R->e);
        if (r >= 0)
                r = tpm_attest_get_quote(&chan, nonce, sizeof(nonce), TPM_ATTEST_PCRS, (uint16_t)tpm_bank_parse("sha384"),
                                         &q, R->e);
        if (r >= 0 && R->inject_lying_guest)
                q.pcrs.value[16][0] ^= 1; /* the guest claims another RTMR3 */
        if (r >= 0)
                r = tpm_attest_verify(&key, &q, nonce, sizeof(nonce), R->e);
        if (r >= 0)
                r = srun_event_log(R, NULL, &log, &len);
        if (r >= 0)
                r = tpm_attest_log_rtmrs(log, len, &q.pcrs, rtmr, R->e);
        if (r < 0)
                return fail(R, r, out);
        memcpy(regs + 1, rtmr, sizeof(rtmr));
        return step_outcome_set(out, OUT_PASS, "the vTPM proved the registers");
}
