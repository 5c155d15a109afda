/* Providers: where the agent's measurement registers, event log, extends,
 * reports, quotes and sealing come from. One ops table per platform:
 *   tdx   a TD (sysfs measurement registers, configfs-tsm, /dev/tdx_guest, CCEL)
 *   vtpm  the fake platform (a TPM 2.0 with a SHA-384 bank through /dev/tpmrm0)
 *   file  a directory of register and log files, for tests on the host
 *   none  no platform interface: only hello, digest and power requests work
 * A NULL operation means "not offered" and is answered with EOPNOTSUPP.
 * Every device and pseudo-file path is looked up under the provider's root
 * prefix ("" in the guest), so tests can stand a directory tree in for /sys. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define AGENT_MR_LEN 48
#define AGENT_REPORT_DATA_LEN 64
#define AGENT_TDREPORT_LEN 1024
#define AGENT_ATTR_LEN 8

/* Registers a seal policy can name; bit (1 << reg) of a policy mask. */
enum agent_reg {
        AGENT_REG_MRTD,
        AGENT_REG_RTMR0,
        AGENT_REG_RTMR1,
        AGENT_REG_RTMR2,
        AGENT_REG_RTMR3,
        AGENT_REG_COUNT,
};

/* "mrtd", "rtmr0".."rtmr3" → enum agent_reg, or -EINVAL. */
int agent_reg_parse(const char *name);
const char *agent_reg_name(enum agent_reg reg);

struct agent_registers {
        bool has_mrtd;
        uint8_t mrtd[AGENT_MR_LEN];
        uint8_t rtmr[4][AGENT_MR_LEN];
        bool has_td_attributes;
        uint8_t td_attributes[AGENT_ATTR_LEN];
        bool has_xfam;
        uint8_t xfam[AGENT_ATTR_LEN];
        char source[160];   /* how the values were read, for people */
        json_object *check; /* owned: the provider's own consistency check, or NULL */
};
void agent_registers_done(struct agent_registers *r);

/* TPM attestation (tpm-ak, tpm-activate, tpm-quote): structures as the TPM
 * marshals them, opaque here; the host parses them (evidence/tpm_quote.h). */
#define AGENT_TPM_NAME_MAX 66   /* nameAlg and a SHA-512 digest */
/* qualifyingData is a TPM2B_DATA: sizeof(TPMT_HA), 66 bytes, in TPM 2.0
 * Part 2, but tpm2-tss sizes its buffer sizeof(TPMU_HA), 64, and will not
 * marshal more. */
#define AGENT_TPM_NONCE_MAX 64
#define AGENT_TPM_NPCR 24
#define AGENT_TPM_DIGEST_MAX 64

struct agent_tpm_ak {
        uint8_t *ak_public; /* TPM2B_PUBLIC (malloc'd) */
        size_t ak_public_len;
        uint8_t *ek_public; /* TPM2B_PUBLIC (malloc'd) */
        size_t ek_public_len;
        uint8_t ak_name[AGENT_TPM_NAME_MAX];
        size_t ak_name_len;
        uint32_t ek_handle; /* persistent handle of the EK; 0: made from the template */
};
void agent_tpm_ak_done(struct agent_tpm_ak *ak);

struct agent_tpm_quote {
        uint8_t *attest;    /* TPMS_ATTEST (malloc'd) */
        size_t attest_len;
        uint8_t *signature; /* TPMT_SIGNATURE (malloc'd) */
        size_t signature_len;
        uint32_t pcr_mask;  /* the PCRs quoted and read */
        size_t digest_len;
        uint8_t pcr[AGENT_TPM_NPCR][AGENT_TPM_DIGEST_MAX]; /* their values, read with the quote */
};
void agent_tpm_quote_done(struct agent_tpm_quote *q);

struct provider;

struct provider_ops {
        const char *name;
        /* 0 when the provider's interfaces exist under root, -ENODEV when not. */
        int (*probe)(const char *root);
        int (*open)(struct provider *p, struct tdxh_err *e);
        void (*close)(struct provider *p);
        int (*registers)(struct provider *p, struct agent_registers *ret, struct tdxh_err *e);
        /* ret_format: "ccel" or "tpm" (static string); the log is malloc'd. */
        int (*event_log)(struct provider *p, const char **ret_format, uint8_t **ret_log,
                         size_t *ret_len, struct tdxh_err *e);
        /* Extends RTMR3 with the 48 bytes as given and returns its new value. */
        int (*extend_rtmr3)(struct provider *p, const uint8_t digest[AGENT_MR_LEN],
                            uint8_t ret_rtmr3[AGENT_MR_LEN], struct tdxh_err *e);
        int (*report)(struct provider *p, const uint8_t report_data[AGENT_REPORT_DATA_LEN],
                      uint8_t ret_tdreport[AGENT_TDREPORT_LEN], struct tdxh_err *e);
        int (*quote)(struct provider *p, const uint8_t report_data[AGENT_REPORT_DATA_LEN],
                     uint8_t **ret_quote, size_t *ret_len, struct tdxh_err *e);
        /* policy: mask of enum agent_reg bits. The blob is opaque to the host. */
        int (*seal)(struct provider *p, const char *name, const uint8_t *data, size_t len,
                    uint32_t policy, uint8_t **ret_blob, size_t *ret_len, struct tdxh_err *e);
        int (*unseal)(struct provider *p, const char *name, const uint8_t *blob, size_t len,
                      uint8_t **ret_data, size_t *ret_len, struct tdxh_err *e);
        /* The attestation key (made once, then the same), its name and the EK. */
        int (*tpm_ak)(struct provider *p, struct agent_tpm_ak *ret, struct tdxh_err *e);
        /* TPM2_ActivateCredential with the AK and the EK: the credential (malloc'd). */
        int (*tpm_activate)(struct provider *p, const uint8_t *blob, size_t blob_len,
                            const uint8_t *secret, size_t secret_len, uint8_t **ret,
                            size_t *ret_len, struct tdxh_err *e);
        /* TPM2_Quote by the AK over pcr_mask of bank (a TPM_ALG_* hash), and
         * the values of those PCRs as they were when quoted. */
        int (*tpm_quote)(struct provider *p, const uint8_t *nonce, size_t nonce_len,
                         uint32_t pcr_mask, uint16_t bank, struct agent_tpm_quote *ret,
                         struct tdxh_err *e);
};

struct provider {
        const struct provider_ops *ops;
        char *root;   /* path prefix, "" for the real root */
        char *dir;    /* the file provider's directory */
        void *state;  /* the provider's own */
};

extern const struct provider_ops provider_tdx_ops;
extern const struct provider_ops provider_vtpm_ops;
extern const struct provider_ops provider_file_ops;
extern const struct provider_ops provider_none_ops;

/* Opens the provider called name ("auto" probes tdx, then vtpm, then falls
 * back to none). dir is the file provider's directory (NULL otherwise). */
int provider_open(const char *name, const char *root, const char *dir, struct provider *ret,
                  struct tdxh_err *e);
void provider_close(struct provider *p);

/* root + abs_path, malloc'd (NULL on ENOMEM). */
char *provider_path(const struct provider *p, const char *abs_path);
