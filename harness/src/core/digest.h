/* Streaming digests through OpenSSL EVP, and the RTMR extend operation. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define SHA1_LEN 20
#define SHA256_LEN 32
#define SHA384_LEN 48
#define SHA512_LEN 64
#define DIGEST_MAX_LEN SHA512_LEN

enum digest_alg { DIGEST_SHA1, DIGEST_SHA256, DIGEST_SHA384, DIGEST_SHA512 };

size_t digest_size(enum digest_alg alg);

/* A running digest. Zero-initialise, digest_begin(), any number of
 * digest_update(), then digest_end(); digest_done() releases a digest that
 * was abandoned (it is safe after digest_end() too). */
struct digest {
        void *ctx; /* EVP_MD_CTX */
        enum digest_alg alg;
};

int digest_begin(struct digest *d, enum digest_alg alg);
int digest_update(struct digest *d, const void *data, size_t len);
int digest_end(struct digest *d, uint8_t *out);
void digest_done(struct digest *d);
#define _cleanup_digest_ __attribute__((cleanup(digest_done)))

int digest_buf(enum digest_alg alg, const void *data, size_t len, uint8_t *out);

/* Hashes a whole file by streaming it through a fixed buffer, so memory does
 * not grow with the file. Shows progress for large files on a terminal.
 * ret_size (optional) receives the number of bytes hashed. */
int digest_file(enum digest_alg alg, const char *path, uint8_t *out, uint64_t *ret_size,
                struct tdxh_err *e);

/* Hashes `len` bytes of fd from `offset` with pread, same streaming rule. */
int digest_fd_range(struct digest *d, int fd, uint64_t offset, uint64_t len,
                    struct tdxh_err *e);

/* reg := SHA384(reg || d), the TDX RTMR (and SHA-384 PCR) extend. */
void rtmr_extend(uint8_t reg[SHA384_LEN], const uint8_t d[SHA384_LEN]);

/* The same extend through a context from digest_begin(ctx, DIGEST_SHA384)
 * that is kept for the next call: replaying a long log then skips OpenSSL's
 * per-call set-up, which costs more than the hashing. 0 or -EIO. */
int rtmr_extend_ctx(struct digest *ctx, uint8_t reg[SHA384_LEN], const uint8_t d[SHA384_LEN]);
