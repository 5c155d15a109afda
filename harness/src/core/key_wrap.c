/* ECDH P-384 + HKDF-SHA384 + AES-256-GCM key wrapping; see key_wrap.h. */
#include "core/key_wrap.h"

#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"

#define KEY_LEN 32
#define INFO_PREFIX "tdxh-key-wrap/1"

static void pkey_freep(EVP_PKEY **p)
{
        EVP_PKEY_free(*p);
}

static void cipher_ctx_freep(EVP_CIPHER_CTX **p)
{
        EVP_CIPHER_CTX_free(*p);
}

void key_wrapped_free(struct key_wrapped *w)
{
        if (!w)
                return;
        free(w->sender_spki);
        free(w->ciphertext);
        *w = (struct key_wrapped){ 0 };
}

static int spki_of(EVP_PKEY *k, uint8_t **ret, size_t *ret_len)
{
        unsigned char *der = NULL;
        int n = i2d_PUBKEY(k, &der);

        if (n <= 0)
                return -ENOMEM;
        *ret = der; /* OPENSSL_malloc is malloc unless the application changed it */
        *ret_len = (size_t)n;
        return 0;
}

int key_wrap_keygen(EVP_PKEY **ret_key, uint8_t **ret_spki, size_t *ret_spki_len,
                    struct tdxh_err *e)
{
        EVP_PKEY *k = EVP_EC_gen("P-384");

        if (!k)
                return err_setf(e, -EIO, "key wrap: cannot make a P-384 key");
        if (ret_spki && spki_of(k, ret_spki, ret_spki_len) < 0) {
                EVP_PKEY_free(k);
                return -ENOMEM;
        }
        *ret_key = k;
        return 0;
}

/* The AES key: HKDF-SHA384 over ECDH(own, peer). */
static int derive(EVP_PKEY *own, EVP_PKEY *peer, const char *label, uint8_t key[KEY_LEN],
                  struct tdxh_err *e)
{
        EVP_PKEY_CTX *dc = EVP_PKEY_CTX_new(own, NULL);
        EVP_KDF *kdf = NULL;
        EVP_KDF_CTX *kc = NULL;
        uint8_t shared[64];
        size_t n = sizeof(shared);
        char info[256];
        int r = -EIO;

        if ((size_t)snprintf(info, sizeof(info), "%s%s", INFO_PREFIX, label) >= sizeof(info))
                return err_setf(e, -EINVAL, "key wrap: label too long");
        if (!dc || EVP_PKEY_derive_init(dc) <= 0 || EVP_PKEY_derive_set_peer(dc, peer) <= 0 ||
            EVP_PKEY_derive(dc, shared, &n) <= 0) {
                err_setf(e, -EINVAL, "key wrap: ECDH failed (not a P-384 key?)");
                goto out;
        }
        kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
        kc = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
        if (kc) {
                OSSL_PARAM params[] = {
                        OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA384", 0),
                        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, shared, n),
                        OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, strlen(info)),
                        OSSL_PARAM_construct_end(),
                };
                if (EVP_KDF_derive(kc, key, KEY_LEN, params) > 0)
                        r = 0;
        }
        if (r < 0)
                err_setf(e, -EIO, "key wrap: HKDF failed");
out:
        OPENSSL_cleanse(shared, sizeof(shared));
        EVP_KDF_CTX_free(kc);
        EVP_KDF_free(kdf);
        EVP_PKEY_CTX_free(dc);
        return r;
}

static int gcm(bool enc, const uint8_t key[KEY_LEN], const uint8_t *iv, const char *label,
               const uint8_t *in, size_t len, uint8_t *out, uint8_t tag[KEY_WRAP_TAG_LEN])
{
        __attribute__((cleanup(cipher_ctx_freep))) EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
        int n = 0, f = 0;

        if (!c || len > KEY_WRAP_MAX_SECRET ||
            EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, key, iv, enc) <= 0 ||
            EVP_CipherUpdate(c, NULL, &n, (const uint8_t *)label, (int)strlen(label)) <= 0 ||
            EVP_CipherUpdate(c, out, &n, in, (int)len) <= 0)
                return -EIO;
        if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, KEY_WRAP_TAG_LEN, tag) <= 0)
                return -EIO;
        if (EVP_CipherFinal_ex(c, out + n, &f) <= 0)
                return enc ? -EIO : -EBADMSG;
        if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, KEY_WRAP_TAG_LEN, tag) <= 0)
                return -EIO;
        return 0;
}

int key_wrap(const uint8_t *recipient_spki, size_t spki_len, const char *label,
             const uint8_t *secret, size_t secret_len, struct key_wrapped *ret, struct tdxh_err *e)
{
        __attribute__((cleanup(pkey_freep))) EVP_PKEY *peer = NULL, *eph = NULL;
        _cleanup_key_wrapped_ struct key_wrapped w = { 0 };
        const unsigned char *p = recipient_spki;
        uint8_t key[KEY_LEN];
        int r;

        if (secret_len == 0 || secret_len > KEY_WRAP_MAX_SECRET)
                return err_setf(e, -EINVAL, "key wrap: a secret of %zu bytes", secret_len);
        peer = d2i_PUBKEY(NULL, &p, (long)spki_len);
        if (!peer || p != recipient_spki + spki_len)
                return err_setf(e, -EINVAL, "key wrap: the recipient's key is not DER "
                                "SubjectPublicKeyInfo");
        r = key_wrap_keygen(&eph, &w.sender_spki, &w.sender_spki_len, e);
        if (r < 0)
                return r;
        r = derive(eph, peer, label, key, e);
        if (r < 0)
                return r;
        w.ciphertext = malloc(secret_len);
        w.ciphertext_len = secret_len;
        if (!w.ciphertext)
                r = -ENOMEM;
        else if (RAND_bytes(w.iv, sizeof(w.iv)) != 1 ||
                 gcm(true, key, w.iv, label, secret, secret_len, w.ciphertext, w.tag) < 0)
                r = err_setf(e, -EIO, "key wrap: AES-256-GCM failed");
        OPENSSL_cleanse(key, sizeof(key));
        if (r < 0)
                return r;
        *ret = w;
        w = (struct key_wrapped){ 0 };
        return 0;
}

int key_unwrap(EVP_PKEY *recipient, const char *label, const struct key_wrapped *w,
               uint8_t **ret, size_t *ret_len, struct tdxh_err *e)
{
        __attribute__((cleanup(pkey_freep))) EVP_PKEY *peer = NULL;
        const unsigned char *p = w->sender_spki;
        uint8_t key[KEY_LEN], *out;
        int r;

        if (w->ciphertext_len == 0 || w->ciphertext_len > KEY_WRAP_MAX_SECRET)
                return err_setf(e, -EINVAL, "key wrap: a wrapped secret of %zu bytes",
                                w->ciphertext_len);
        peer = d2i_PUBKEY(NULL, &p, (long)w->sender_spki_len);
        if (!peer || p != w->sender_spki + w->sender_spki_len)
                return err_setf(e, -EINVAL, "key wrap: the sender's key is not DER "
                                "SubjectPublicKeyInfo");
        r = derive(recipient, peer, label, key, e);
        if (r < 0)
                return r;
        out = malloc(w->ciphertext_len);
        if (!out) {
                OPENSSL_cleanse(key, sizeof(key));
                return -ENOMEM;
        }
        r = gcm(false, key, w->iv, label, w->ciphertext, w->ciphertext_len, out,
                (uint8_t *)w->tag);
        OPENSSL_cleanse(key, sizeof(key));
        if (r < 0) {
                OPENSSL_cleanse(out, w->ciphertext_len);
                free(out);
                return err_setf(e, r == -EBADMSG ? -EBADMSG : -EIO,
                                r == -EBADMSG ? "key wrap: the wrapped secret does not verify "
                                                "(another key, another name, or altered)"
                                              : "key wrap: AES-256-GCM failed");
        }
        *ret = out;
        *ret_len = w->ciphertext_len;
        return 0;
}
