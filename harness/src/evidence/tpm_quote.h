/* TPM 2.0 attestation on the host: the checks that make a fake platform's
 * registers evidence instead of the guest's word. An attestation key (AK) is
 * parsed from its TPM2B_PUBLIC and must be a restricted signing key that
 * cannot leave its TPM; a credential is made in software for the AK's name
 * and the endorsement key (EK) the host knows (TPM2_MakeCredential, TPM 2.0
 * Part 1 §24), so that only the TPM holding both can activate it; a quote
 * (TPMS_ATTEST, Part 2 §10.12; TPM2_Quote, Part 3 §18.4) is verified against
 * the AK, the nonce and the PCR values it claims to cover.
 *
 * Structures travel as the TPM marshals them (big-endian, TPM2B sizes
 * first); tss2-mu unmarshals them and OpenSSL does the cryptography. Every
 * failure is one line naming the structure, the field and, for malformed
 * input, the offset. */
#pragma once

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/digest.h"
#include "core/err.h"

#define TPM_NPCR 24
/* A name: nameAlg (2 bytes) and a digest of at most SHA-512's size. */
#define TPM_NAME_MAX (2 + DIGEST_MAX_LEN)
/* qualifyingData, and extraData in the quote, is a TPM2B_DATA: Part 2 sizes
 * it sizeof(TPMT_HA), 66 bytes, tpm2-tss (whose marshalling both the agent
 * and this file use) sizeof(TPMU_HA), 64 bytes, the largest digest. */
#define TPM_NONCE_MAX DIGEST_MAX_LEN

/* An attestation key, checked and ready to verify signatures. */
struct tpm_ak {
        EVP_PKEY *key;
        uint16_t name_alg;   /* TPM_ALG_SHA256, ... */
        uint16_t scheme;     /* TPM_ALG_ECDSA (0x0018), TPM_ALG_RSASSA (0x0014), TPM_ALG_RSAPSS (0x0016) */
        uint16_t sig_hash;   /* the scheme's hash */
        uint32_t attributes; /* TPMA_OBJECT */
        uint8_t name[TPM_NAME_MAX];
        size_t name_len;
};
void tpm_ak_done(struct tpm_ak *ak);
#define _cleanup_tpm_ak_ __attribute__((cleanup(tpm_ak_done)))

/* Parses a TPM2B_PUBLIC (its 2-byte size first, nothing after it) and
 * checks that it is an attestation key: sign and restricted set (a
 * restricted key signs only digests the TPM made itself, so it cannot sign
 * a forged TPMS_ATTEST), decrypt clear, fixedTPM, fixedParent and
 * sensitiveDataOrigin set (the private key was made in the TPM and never
 * leaves it), an ECC (P-256, P-384) or RSA key with a signing scheme. The
 * name is nameAlg || H_nameAlg(TPMT_PUBLIC as given). -EINVAL with the
 * field that fails; -EOPNOTSUPP for a curve or scheme not handled here. */
int tpm_ak_parse(const uint8_t *pub, size_t len, struct tpm_ak *ret, struct tdxh_err *e);

/* 0 when the AK's name is name, -EACCES (both names in hex) when not. */
int tpm_ak_check_name(const struct tpm_ak *ak, const uint8_t *name, size_t len,
                      struct tdxh_err *e);

/* PCR values of one bank. */
struct tpm_pcr_values {
        uint16_t bank; /* TPM_ALG_SHA256, TPM_ALG_SHA384, ... */
        uint32_t mask; /* bit i: value[i] holds PCR i */
        uint8_t value[TPM_NPCR][DIGEST_MAX_LEN];
};

/* "sha1", "sha256", "sha384", "sha512" and their digest sizes; the parse
 * returns the TPM_ALG_* identifier or -EINVAL. */
int tpm_bank_parse(const char *name);
const char *tpm_bank_name(uint16_t alg);
size_t tpm_alg_digest_size(uint16_t alg);

/* A PCR mask as a list of ranges for messages: "0-9,11,16". */
void tpm_pcr_mask_format(uint32_t mask, char *out, size_t len);

/* What a verified quote says beside the PCRs. */
struct tpm_quote_result {
        uint16_t bank;
        uint32_t mask;
        uint64_t clock;           /* TPMS_CLOCK_INFO */
        uint32_t reset_count;
        uint32_t restart_count;
        bool safe;
        uint64_t firmware_version;
        uint8_t qualified_signer[TPM_NAME_MAX];
        size_t qualified_signer_len;
};

/* A quote as TPM2_Quote returns it. */
struct tpm_quote_evidence {
        const uint8_t *ak_public; /* TPM2B_PUBLIC, as for tpm_ak_parse() */
        size_t ak_public_len;
        const uint8_t *attest;    /* TPMS_ATTEST: the contents of the TPM2B_ATTEST */
        size_t attest_len;
        const uint8_t *signature; /* TPMT_SIGNATURE */
        size_t signature_len;
};

/* Verifies a quote: the AK (tpm_ak_parse()); TPMS_ATTEST parsed field by
 * field with nothing left over; magic TPM_GENERATED_VALUE; type
 * TPM_ST_ATTEST_QUOTE; the signature made with the AK's scheme and hash
 * and valid over the attest bytes; extraData equal to nonce; the selection
 * exactly pcrs->mask of pcrs->bank; pcrDigest equal to the hash (the
 * signing scheme's, as the TPM computes it) of the PCR values concatenated
 * in selection order. Each failure is its own message: -EINVAL for
 * malformed input, -EBADMSG for a bad signature, -EACCES for a valid quote
 * that says something else (nonce, selection, digest). */
int tpm_quote_verify(const struct tpm_quote_evidence *q, const uint8_t *nonce, size_t nonce_len,
                     const struct tpm_pcr_values *pcrs, struct tpm_quote_result *ret,
                     struct tdxh_err *e);

/* KDFa (Part 1 §11.4.10.2): SP 800-108 counter mode with HMAC over
 * [i]32 || label || 0x00 || context_u || context_v || [bits]32, through
 * OpenSSL's KBKDF. label is given without its terminating zero; bits is a
 * multiple of 8. */
int tpm_kdfa(uint16_t hash_alg, const uint8_t *key, size_t key_len, const char *label,
             const uint8_t *context_u, size_t context_u_len, const uint8_t *context_v,
             size_t context_v_len, uint8_t *out, size_t bits);

/* An EK public key from PEM (SubjectPublicKeyInfo). -EINVAL when it is not
 * one, or not an RSA key of at least 2048 bits. */
int tpm_ek_load_pem(const char *pem, size_t len, EVP_PKEY **ret, struct tdxh_err *e);

/* 0 when the TPM2B_PUBLIC pub holds the same RSA public key as ek;
 * -EACCES when it holds another one, -EINVAL when it is malformed. */
int tpm_ek_check_public(EVP_PKEY *ek, const uint8_t *pub, size_t len, struct tdxh_err *e);

/* TPM2_MakeCredential in software, for an RSA EK made from the TCG default
 * template (EK Credential Profile, template L-1: nameAlg SHA-256,
 * AES-128-CFB): a random seed encrypted to the EK with RSA-OAEP (SHA-256,
 * label "IDENTITY\0") is the encrypted secret; KDFa(seed, "STORAGE", name)
 * gives the AES-128-CFB key (zero IV) that encrypts the credential as a
 * TPM2B, KDFa(seed, "INTEGRITY") the HMAC-SHA-256 key of the outer HMAC
 * over encIdentity || name. credential is at most 32 bytes (the EK's name
 * algorithm's digest size, which TPM2_ActivateCredential allows). */
struct tpm_credential {
        uint8_t *blob;   /* TPM2B_ID_OBJECT contents: TPM2B_DIGEST HMAC || encIdentity */
        size_t blob_len;
        uint8_t *secret; /* TPM2B_ENCRYPTED_SECRET contents: the OAEP ciphertext */
        size_t secret_len;
};
void tpm_credential_done(struct tpm_credential *c);
#define _cleanup_tpm_credential_ __attribute__((cleanup(tpm_credential_done)))

int tpm_make_credential(EVP_PKEY *ek, const uint8_t *name, size_t name_len,
                        const uint8_t *credential, size_t credential_len,
                        struct tpm_credential *ret, struct tdxh_err *e);
