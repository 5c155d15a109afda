/* Wrapping a secret to a public key, for the key broker of the scenario
 * runner (the host) and the agent (the guest): ECDH on P-384 between the
 * recipient's key and an ephemeral key of the sender, HKDF-SHA384 over the
 * shared secret with the info "tdxh-key-wrap/1" followed by the label, and
 * AES-256-GCM with a random 96-bit IV and the label as additional data. The
 * label (the secret's name) binds a wrapped secret to what it was released
 * for. All of it is OpenSSL 3 (EVP_PKEY_derive, EVP_KDF "HKDF", EVP
 * AES-256-GCM); keys travel as DER SubjectPublicKeyInfo. */
#pragma once

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define KEY_WRAP_IV_LEN 12
#define KEY_WRAP_TAG_LEN 16
#define KEY_WRAP_MAX_SECRET 4096

struct key_wrapped {
        uint8_t *sender_spki;   /* the ephemeral public key, DER */
        size_t sender_spki_len;
        uint8_t iv[KEY_WRAP_IV_LEN];
        uint8_t *ciphertext;    /* as long as the secret */
        size_t ciphertext_len;
        uint8_t tag[KEY_WRAP_TAG_LEN];
};

void key_wrapped_free(struct key_wrapped *w);
#define _cleanup_key_wrapped_ __attribute__((cleanup(key_wrapped_free)))

/* A new P-384 key pair, and its public half as DER SubjectPublicKeyInfo. */
int key_wrap_keygen(EVP_PKEY **ret_key, uint8_t **ret_spki, size_t *ret_spki_len,
                    struct tdxh_err *e);

/* Wraps secret to the recipient's public key (DER SPKI, P-384 only). */
int key_wrap(const uint8_t *recipient_spki, size_t spki_len, const char *label,
             const uint8_t *secret, size_t secret_len, struct key_wrapped *ret, struct tdxh_err *e);

/* Unwraps with the recipient's private key; -EBADMSG when the tag does not
 * verify (another key, another label, a changed byte). *ret (secret_len
 * bytes) is the caller's to clear and free. */
int key_unwrap(EVP_PKEY *recipient, const char *label, const struct key_wrapped *w,
               uint8_t **ret, size_t *ret_len, struct tdxh_err *e);
