/* ECDSA P-256 with SHA-256 in the raw encodings quotes use: public keys as
 * x||y and signatures as r||s, 32 big-endian bytes each (TDX-REFERENCE §6.4).
 * OpenSSL does the arithmetic; these helpers only convert encodings. */
#pragma once

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

static inline void evp_pkey_freep(EVP_PKEY **k)
{
        EVP_PKEY_free(*k);
}
#define _cleanup_evp_pkey_ __attribute__((cleanup(evp_pkey_freep)))

/* A public key from x||y. -EINVAL when the point is not on the curve. */
int ecdsa_p256_key_from_raw(const uint8_t xy[64], EVP_PKEY **ret);
/* An EC public key of group ("prime256v1", "secp384r1") from an uncompressed
 * SEC1 point (0x04 || x || y). -EINVAL when the point is not on the curve. */
int ec_key_from_point(const char *group, const uint8_t *point, size_t len, EVP_PKEY **ret);

/* Writes x||y of an EC P-256 key. -EINVAL for any other key type. */
int ecdsa_p256_key_to_raw(EVP_PKEY *key, uint8_t ret_xy[64]);

/* 1 when rs is a valid signature of data under key, 0 when not, negative
 * errno when the check could not be made. */
int ecdsa_p256_verify(EVP_PKEY *key, const uint8_t rs[64], const void *data, size_t len);

/* Signs data and writes r||s (for building test and fake quotes). */
int ecdsa_p256_sign(EVP_PKEY *key, const void *data, size_t len, uint8_t ret_rs[64]);
