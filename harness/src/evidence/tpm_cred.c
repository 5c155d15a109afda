/* The host's half of credential activation: KDFa, the EK public key, and
 * TPM2_MakeCredential in software (TPM 2.0 Part 1 §24 "Credential
 * Protection", Part 3 §12.6); see tpm_quote.h. OpenSSL 3 does all of the
 * cryptography: KBKDF for KDFa, RSA-OAEP for the seed, AES-128-CFB and
 * HMAC-SHA-256 for the credential. */
#include "evidence/tpm_quote.h"

#include <errno.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

#include "core/cleanup.h"

/* The TCG default EK template (EK Credential Profile, L-1): the parameters
 * the host cannot read from the EK's PEM but must use. */
#define EK_NAME_ALG_MD "SHA256"
#define EK_SEED_LEN SHA256_LEN
#define EK_SYM_BITS 128
#define MAX_CREDENTIAL SHA256_LEN
/* RSA secret sharing labels include their terminating zero (Part 1 §B.10.3). */
static const char identity_label[] = "IDENTITY";

static const char *md_of(uint16_t alg)
{
        switch (alg) {
        case TPM2_ALG_SHA1:
                return "SHA1";
        case TPM2_ALG_SHA256:
                return "SHA256";
        case TPM2_ALG_SHA384:
                return "SHA384";
        case TPM2_ALG_SHA512:
                return "SHA512";
        default:
                return NULL;
        }
}

int tpm_kdfa(uint16_t hash_alg, const uint8_t *key, size_t key_len, const char *label,
             const uint8_t *context_u, size_t context_u_len, const uint8_t *context_v,
             size_t context_v_len, uint8_t *out, size_t bits)
{
        _cleanup_free_ uint8_t *context = NULL;
        char mode[] = "counter", mac[] = "HMAC", md[16];
        const char *mdname = md_of(hash_alg);
        size_t n = 0, ctx_len = context_u_len + context_v_len;
        OSSL_PARAM params[7];
        EVP_KDF *kdf;
        EVP_KDF_CTX *kctx;
        int ok;

        if (!mdname || bits == 0 || bits % 8 || key_len == 0)
                return -EINVAL;
        snprintf(md, sizeof(md), "%s", mdname);
        /* KBKDF takes one context: contextU || contextV, as KDFa hashes them. */
        context = malloc(ctx_len + 1);
        if (!context)
                return -ENOMEM;
        if (context_u_len)
                memcpy(context, context_u, context_u_len);
        if (context_v_len)
                memcpy(context + context_u_len, context_v, context_v_len);
        /* Counter 32 bits before the fixed data, a 0x00 after the label and
         * [L]32 at the end are KBKDF's defaults and exactly KDFa's input. */
        params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MODE, mode, 0);
        params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_MAC, mac, 0);
        params[n++] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, md, 0);
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)key, key_len);
        params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)label,
                                                        strlen(label));
        if (ctx_len)
                params[n++] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, context,
                                                                ctx_len);
        params[n] = OSSL_PARAM_construct_end();
        kdf = EVP_KDF_fetch(NULL, "KBKDF", NULL);
        kctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
        ok = kctx && EVP_KDF_derive(kctx, out, bits / 8, params) == 1;
        EVP_KDF_CTX_free(kctx);
        EVP_KDF_free(kdf);
        ERR_clear_error();
        return ok ? 0 : -EIO;
}

int tpm_ek_load_pem(const char *pem, size_t len, EVP_PKEY **ret, struct tdxh_err *e)
{
        BIO *bio = BIO_new_mem_buf(pem, (int)len);
        EVP_PKEY *key;

        if (!bio)
                return -ENOMEM;
        key = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        BIO_free(bio);
        ERR_clear_error();
        if (!key)
                return err_setf(e, -EINVAL, "ek: not a PEM public key");
        if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA || EVP_PKEY_get_bits(key) < 2048) {
                EVP_PKEY_free(key);
                return err_setf(e, -EINVAL, "ek: not an RSA key of at least 2048 bits (the "
                                "TCG default EK is RSA 2048)");
        }
        *ret = key;
        return 0;
}

int tpm_ek_check_public(EVP_PKEY *ek, const uint8_t *pub, size_t len, struct tdxh_err *e)
{
        TPM2B_PUBLIC p = { 0 };
        BIGNUM *n = NULL, *tn = NULL;
        size_t off = 0;
        int same;

        if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(pub, len, &off, &p) != TSS2_RC_SUCCESS || off != len)
                return err_setf(e, -EINVAL, "ek_public: truncated or malformed TPM2B_PUBLIC "
                                "(%zu bytes)", len);
        if (p.publicArea.type != TPM2_ALG_RSA)
                return err_setf(e, -EACCES, "ek_public: type 0x%04x, but the EK the host knows "
                                "is RSA", p.publicArea.type);
        tn = BN_bin2bn(p.publicArea.unique.rsa.buffer, p.publicArea.unique.rsa.size, NULL);
        if (!tn || EVP_PKEY_get_bn_param(ek, OSSL_PKEY_PARAM_RSA_N, &n) != 1) {
                BN_free(tn);
                ERR_clear_error();
                return -ENOMEM;
        }
        same = BN_cmp(n, tn) == 0;
        BN_free(n);
        BN_free(tn);
        if (!same)
                return err_setf(e, -EACCES, "ek_public: the TPM's EK is not the EK the host "
                                "knows (another RSA modulus)");
        return 0;
}

void tpm_credential_done(struct tpm_credential *c)
{
        free(c->blob);
        free(c->secret);
        *c = (struct tpm_credential){ 0 };
}

/* The seed encrypted to the EK: RSA-OAEP with the EK's name algorithm for
 * both the hash and MGF1, label "IDENTITY\0". */
static int seal_seed(EVP_PKEY *ek, const uint8_t seed[EK_SEED_LEN], uint8_t **ret,
                     size_t *ret_len)
{
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ek, NULL);
        unsigned char *label = OPENSSL_memdup(identity_label, sizeof(identity_label));
        uint8_t *out = NULL;
        size_t n = 0;
        int ok;

        ok = ctx && label && EVP_PKEY_encrypt_init(ctx) == 1 &&
             EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING) == 1 &&
             EVP_PKEY_CTX_set_rsa_oaep_md_name(ctx, EK_NAME_ALG_MD, NULL) == 1 &&
             EVP_PKEY_CTX_set_rsa_mgf1_md_name(ctx, EK_NAME_ALG_MD, NULL) == 1 &&
             EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, (int)sizeof(identity_label)) == 1;
        if (ok)
                label = NULL; /* the context owns it now */
        ok = ok && EVP_PKEY_encrypt(ctx, NULL, &n, seed, EK_SEED_LEN) == 1 &&
             (out = malloc(n)) != NULL && EVP_PKEY_encrypt(ctx, out, &n, seed, EK_SEED_LEN) == 1;
        OPENSSL_free(label);
        EVP_PKEY_CTX_free(ctx);
        ERR_clear_error();
        if (!ok) {
                free(out);
                return -EIO;
        }
        *ret = out;
        *ret_len = n;
        return 0;
}

/* encIdentity: the credential as a TPM2B (2-byte size first), AES-128-CFB
 * with a zero IV. */
static int enc_identity(const uint8_t key[EK_SYM_BITS / 8], const uint8_t *cred, size_t len,
                        uint8_t *out)
{
        uint8_t plain[2 + MAX_CREDENTIAL], iv[16] = { 0 };
        EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
        int n = 0, m = 0, ok;

        plain[0] = (uint8_t)(len >> 8);
        plain[1] = (uint8_t)len;
        memcpy(plain + 2, cred, len);
        ok = c && EVP_EncryptInit_ex(c, EVP_aes_128_cfb128(), NULL, key, iv) == 1 &&
             EVP_EncryptUpdate(c, out, &n, plain, (int)(2 + len)) == 1 &&
             EVP_EncryptFinal_ex(c, out + n, &m) == 1 && (size_t)(n + m) == 2 + len;
        EVP_CIPHER_CTX_free(c);
        OPENSSL_cleanse(plain, sizeof(plain));
        ERR_clear_error();
        return ok ? 0 : -EIO;
}

int tpm_make_credential(EVP_PKEY *ek, const uint8_t *name, size_t name_len,
                        const uint8_t *credential, size_t credential_len,
                        struct tpm_credential *ret, struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *blob = NULL, *secret = NULL, *mac_in = NULL;
        uint8_t seed[EK_SEED_LEN], sym[EK_SYM_BITS / 8], hmac_key[SHA256_LEN], mac[SHA256_LEN];
        size_t secret_len = 0, enc_len = 2 + credential_len, mac_len = 0;
        int r;

        if (credential_len == 0 || credential_len > MAX_CREDENTIAL)
                return err_setf(e, -EINVAL, "credential: %zu bytes, 1 to %d fit (the EK's name "
                                "algorithm's digest size)", credential_len, MAX_CREDENTIAL);
        if (name_len < 2 || name_len > TPM_NAME_MAX)
                return err_setf(e, -EINVAL, "name: %zu bytes is not a TPM name", name_len);
        if (EVP_PKEY_get_base_id(ek) != EVP_PKEY_RSA)
                return err_setf(e, -EOPNOTSUPP, "ek: only RSA EKs are handled");
        blob = malloc(2 + SHA256_LEN + enc_len);
        mac_in = malloc(enc_len + name_len);
        if (!blob || !mac_in)
                return -ENOMEM;
        if (RAND_bytes(seed, sizeof(seed)) != 1)
                return err_setf(e, -EIO, "no random bytes for the credential seed");
        r = seal_seed(ek, seed, &secret, &secret_len);
        if (r >= 0)
                r = tpm_kdfa(TPM2_ALG_SHA256, seed, sizeof(seed), "STORAGE", name, name_len, NULL,
                             0, sym, EK_SYM_BITS);
        if (r >= 0)
                r = tpm_kdfa(TPM2_ALG_SHA256, seed, sizeof(seed), "INTEGRITY", NULL, 0, NULL, 0,
                             hmac_key, 8 * sizeof(hmac_key));
        if (r >= 0)
                r = enc_identity(sym, credential, credential_len, blob + 2 + SHA256_LEN);
        if (r >= 0) {
                /* outerHMAC over encIdentity || name. */
                memcpy(mac_in, blob + 2 + SHA256_LEN, enc_len);
                memcpy(mac_in + enc_len, name, name_len);
                if (!EVP_Q_mac(NULL, "HMAC", NULL, EK_NAME_ALG_MD, NULL, hmac_key,
                               sizeof(hmac_key), mac_in, enc_len + name_len, mac, sizeof(mac),
                               &mac_len) ||
                    mac_len != sizeof(mac))
                        r = -EIO;
        }
        OPENSSL_cleanse(seed, sizeof(seed));
        OPENSSL_cleanse(sym, sizeof(sym));
        OPENSSL_cleanse(hmac_key, sizeof(hmac_key));
        ERR_clear_error();
        if (r < 0)
                return err_setf(e, r, "making the credential failed (OpenSSL)");
        /* TPM2B_ID_OBJECT contents: TPM2B_DIGEST integrityHMAC || encIdentity. */
        blob[0] = 0;
        blob[1] = SHA256_LEN;
        memcpy(blob + 2, mac, sizeof(mac));
        ret->blob_len = 2 + SHA256_LEN + enc_len;
        ret->blob = TAKE_PTR(blob);
        ret->secret_len = secret_len;
        ret->secret = TAKE_PTR(secret);
        return 0;
}
