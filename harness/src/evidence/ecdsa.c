/* Raw-encoding ECDSA P-256 helpers over OpenSSL 3; see ecdsa.h. */
#include "evidence/ecdsa.h"

#include <errno.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <string.h>

#include "core/cleanup.h"

int ec_key_from_point(const char *group, const uint8_t *point, size_t len, EVP_PKEY **ret)
{
        OSSL_PARAM params[] = {
                OSSL_PARAM_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, (char *)group, strlen(group)),
                OSSL_PARAM_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)point, len),
                OSSL_PARAM_END,
        };
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL);
        EVP_PKEY *key = NULL;
        int ok;

        if (!ctx)
                return -ENOMEM;
        /* The import decodes the point and rejects one that is not on the curve. */
        ok = EVP_PKEY_fromdata_init(ctx) == 1 &&
             EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
        EVP_PKEY_CTX_free(ctx);
        ERR_clear_error();
        if (!ok)
                return -EINVAL;
        *ret = key;
        return 0;
}

int ecdsa_p256_key_from_raw(const uint8_t xy[64], EVP_PKEY **ret)
{
        uint8_t point[65];

        /* Uncompressed SEC1 point: 0x04 || x || y. */
        point[0] = 0x04;
        memcpy(point + 1, xy, 64);
        return ec_key_from_point("prime256v1", point, sizeof(point), ret);
}

int ecdsa_p256_key_to_raw(EVP_PKEY *key, uint8_t ret_xy[64])
{
        uint8_t point[65];
        char group[32];
        size_t n = 0;

        if (EVP_PKEY_get_base_id(key) != EVP_PKEY_EC ||
            EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                           sizeof(group), NULL) != 1 ||
            strcmp(group, "prime256v1") != 0 ||
            EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY, point,
                                            sizeof(point), &n) != 1 ||
            n != sizeof(point) || point[0] != 0x04) {
                ERR_clear_error();
                return -EINVAL;
        }
        memcpy(ret_xy, point + 1, 64);
        return 0;
}

/* DER ECDSA-Sig-Value from r||s. Returns the DER length or a negative errno. */
static int rs_to_der(const uint8_t rs[64], unsigned char **ret)
{
        ECDSA_SIG *sig = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(rs, 32, NULL), *s = BN_bin2bn(rs + 32, 32, NULL);
        int len;

        if (!sig || !r || !s || ECDSA_SIG_set0(sig, r, s) != 1) {
                ECDSA_SIG_free(sig);
                BN_free(r);
                BN_free(s);
                return -ENOMEM;
        }
        *ret = NULL;
        len = i2d_ECDSA_SIG(sig, ret);
        ECDSA_SIG_free(sig);
        return len > 0 ? len : -ENOMEM;
}

int ecdsa_p256_verify(EVP_PKEY *key, const uint8_t rs[64], const void *data, size_t len)
{
        unsigned char *der = NULL;
        EVP_MD_CTX *md;
        int der_len, ok;

        der_len = rs_to_der(rs, &der);
        if (der_len < 0)
                return der_len;
        md = EVP_MD_CTX_new();
        if (!md) {
                OPENSSL_free(der);
                return -ENOMEM;
        }
        ok = EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestVerify(md, der, (size_t)der_len, data, len) == 1;
        EVP_MD_CTX_free(md);
        OPENSSL_free(der);
        ERR_clear_error();
        return ok ? 1 : 0;
}

int ecdsa_p256_sign(EVP_PKEY *key, const void *data, size_t len, uint8_t ret_rs[64])
{
        unsigned char der[80];
        const unsigned char *p = der;
        size_t der_len = sizeof(der);
        ECDSA_SIG *sig = NULL;
        EVP_MD_CTX *md;
        int ok;

        md = EVP_MD_CTX_new();
        if (!md)
                return -ENOMEM;
        ok = EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestSign(md, der, &der_len, data, len) == 1;
        EVP_MD_CTX_free(md);
        if (ok)
                sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
        ok = sig && BN_bn2binpad(ECDSA_SIG_get0_r(sig), ret_rs, 32) == 32 &&
             BN_bn2binpad(ECDSA_SIG_get0_s(sig), ret_rs + 32, 32) == 32;
        ECDSA_SIG_free(sig);
        ERR_clear_error();
        return ok ? 0 : -EINVAL;
}
