/* TPM2B_PUBLIC areas for keys the TPM tests make with OpenSSL: what a TPM
 * would return for an attestation key or an EK with the same public key,
 * so that the harness's TPM readers (names, quotes, credentials) can be
 * tested without a TPM. */
#pragma once

#include <openssl/evp.h>
#include <stdint.h>
#include <tss2/tss2_tpm2_types.h>

/* The attributes of a restricted signing key (an AK). */
#define TPM_FORGE_AK_ATTRS                                                                \
        (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN | \
         TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT)

/* An ECC P-256 ECDSA-SHA256 key with attrs (key: an OpenSSL P-256 key). */
void tpm_forge_public_ecc(EVP_PKEY *key, TPMA_OBJECT attrs, TPM2B_PUBLIC *pub);

/* An RSA 2048 key with attrs and scheme (TPM2_ALG_NULL, or a signing scheme
 * with SHA-256). */
void tpm_forge_public_rsa(EVP_PKEY *key, TPMA_OBJECT attrs, uint16_t scheme, TPM2B_PUBLIC *pub);
