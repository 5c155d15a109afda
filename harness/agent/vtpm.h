/* Shared between the vtpm provider's parts (provider_vtpm.c: registers,
 * event log, extend, report; vtpm_seal.c: seal and unseal; vtpm_attest.c:
 * the attestation key, credential activation and quotes). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <tss2/tss2_esys.h>

#include "core/err.h"
#include "provider.h"

struct vtpm {
        TSS2_TCTI_CONTEXT *tcti;
        ESYS_CONTEXT *esys;
        /* The attestation key and the EK, loaded by the first tpm-ak and kept
         * for the agent's life (the resource manager flushes the transient
         * AK when the device is closed; the EK is persistent or as cheap to
         * make again). */
        bool have_keys;
        ESYS_TR ak, ek;
        uint32_t ek_handle; /* 0 when the EK was made from the template */
};

/* The PCRs that stand for a register on the fake platform (mask of PCRs):
 * mrtd → PCR 0 (the firmware's own measurements), rtmr0 → 1, 7;
 * rtmr1 → 2-6; rtmr2 → 8-15 except 10; rtmr3 → the agent's PCR. */
uint32_t vtpm_pcrs_of_policy(uint32_t policy);

/* A selection of the SHA-384 bank. */
void vtpm_pcr_selection(uint32_t pcr_mask, TPML_PCR_SELECTION *ret);

/* Turns a TSS return code into a negative errno and a message naming the
 * command: a failed policy check is -EACCES, anything else -EIO. */
int vtpm_rc(TSS2_RC rc, const char *command, struct tdxh_err *e);

/* TPM2_CreatePrimary of tmpl in hierarchy, with no auth value, outside
 * info or creation PCRs: the same template gives the same key in every
 * boot of the same TPM. what names the key in the message. */
int vtpm_create_primary(ESYS_CONTEXT *esys, ESYS_TR hierarchy, const TPM2B_PUBLIC *tmpl,
                        ESYS_TR *ret, const char *what, struct tdxh_err *e);

int vtpm_seal(struct provider *p, const char *name, const uint8_t *data, size_t len,
              uint32_t policy, uint8_t **ret_blob, size_t *ret_len, struct tdxh_err *e);
int vtpm_unseal(struct provider *p, const char *name, const uint8_t *blob, size_t len,
                uint8_t **ret_data, size_t *ret_len, struct tdxh_err *e);

int vtpm_tpm_ak(struct provider *p, struct agent_tpm_ak *ret, struct tdxh_err *e);
int vtpm_tpm_activate(struct provider *p, const uint8_t *blob, size_t blob_len,
                      const uint8_t *secret, size_t secret_len, uint8_t **ret, size_t *ret_len,
                      struct tdxh_err *e);
int vtpm_tpm_quote(struct provider *p, const uint8_t *nonce, size_t nonce_len, uint32_t pcr_mask,
                   uint16_t bank, struct agent_tpm_quote *ret, struct tdxh_err *e);
