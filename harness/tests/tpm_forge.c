/* TPM2B_PUBLIC areas for test keys; see tpm_forge.h. */
#include "tpm_forge.h"

#include <check.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <string.h>

void tpm_forge_public_ecc(EVP_PKEY *key, TPMA_OBJECT attrs, TPM2B_PUBLIC *pub)
{
        uint8_t pt[65];
        size_t n = 0;
        TPMT_PUBLIC *p = &pub->publicArea;

        memset(pub, 0, sizeof(*pub));
        ck_assert_int_eq(EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
                                                         pt, sizeof(pt), &n),
                         1);
        ck_assert_uint_eq(n, 65);
        p->type = TPM2_ALG_ECC;
        p->nameAlg = TPM2_ALG_SHA256;
        p->objectAttributes = attrs;
        p->parameters.eccDetail.symmetric.algorithm = TPM2_ALG_NULL;
        p->parameters.eccDetail.scheme.scheme = TPM2_ALG_ECDSA;
        p->parameters.eccDetail.scheme.details.ecdsa.hashAlg = TPM2_ALG_SHA256;
        p->parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
        p->parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
        p->unique.ecc.x.size = 32;
        memcpy(p->unique.ecc.x.buffer, pt + 1, 32);
        p->unique.ecc.y.size = 32;
        memcpy(p->unique.ecc.y.buffer, pt + 33, 32);
}

void tpm_forge_public_rsa(EVP_PKEY *key, TPMA_OBJECT attrs, uint16_t scheme, TPM2B_PUBLIC *pub)
{
        BIGNUM *n = NULL;
        TPMT_PUBLIC *p = &pub->publicArea;

        memset(pub, 0, sizeof(*pub));
        ck_assert_int_eq(EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_RSA_N, &n), 1);
        p->type = TPM2_ALG_RSA;
        p->nameAlg = TPM2_ALG_SHA256;
        p->objectAttributes = attrs;
        p->parameters.rsaDetail.symmetric.algorithm = TPM2_ALG_NULL;
        p->parameters.rsaDetail.scheme.scheme = scheme;
        if (scheme != TPM2_ALG_NULL)
                p->parameters.rsaDetail.scheme.details.rsassa.hashAlg = TPM2_ALG_SHA256;
        p->parameters.rsaDetail.keyBits = 2048;
        p->unique.rsa.size = 256;
        ck_assert_int_eq(BN_bn2binpad(n, p->unique.rsa.buffer, 256), 256);
        BN_free(n);
}
