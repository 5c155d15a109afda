/* Digest helpers over OpenSSL EVP; see digest.h. */
#include "core/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "core/log.h"

/* Big enough that syscalls are a rounding error, small enough for the RSS budget. */
#define STREAM_CHUNK (1u << 20)

static const EVP_MD *md_of(enum digest_alg alg)
{
        switch (alg) {
        case DIGEST_SHA1:
                return EVP_sha1();
        case DIGEST_SHA256:
                return EVP_sha256();
        case DIGEST_SHA384:
                return EVP_sha384();
        case DIGEST_SHA512:
                return EVP_sha512();
        }
        return NULL;
}

size_t digest_size(enum digest_alg alg)
{
        static const size_t sizes[] = { SHA1_LEN, SHA256_LEN, SHA384_LEN, SHA512_LEN };

        return alg <= DIGEST_SHA512 ? sizes[alg] : 0;
}

int digest_begin(struct digest *d, enum digest_alg alg)
{
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();

        if (!ctx)
                return -ENOMEM;
        if (EVP_DigestInit_ex(ctx, md_of(alg), NULL) != 1) {
                EVP_MD_CTX_free(ctx);
                return -EIO;
        }
        d->ctx = ctx;
        d->alg = alg;
        return 0;
}

int digest_update(struct digest *d, const void *data, size_t len)
{
        if (len == 0)
                return 0;
        return EVP_DigestUpdate(d->ctx, data, len) == 1 ? 0 : -EIO;
}

int digest_end(struct digest *d, uint8_t *out)
{
        int r = EVP_DigestFinal_ex(d->ctx, out, NULL) == 1 ? 0 : -EIO;

        digest_done(d);
        return r;
}

void digest_done(struct digest *d)
{
        EVP_MD_CTX_free(d->ctx);
        d->ctx = NULL;
}

int digest_buf(enum digest_alg alg, const void *data, size_t len, uint8_t *out)
{
        unsigned int n = 0;

        return EVP_Digest(data, len, out, &n, md_of(alg), NULL) == 1 ? 0 : -EIO;
}

static int stream_fd(struct digest *d, int fd, uint64_t offset, uint64_t len, const char *label,
                     struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *buf = malloc(STREAM_CHUNK);
        struct progress p;
        uint64_t done = 0;
        int r = 0;

        if (!buf)
                return -ENOMEM;
        progress_begin(&p, label, len);
        while (done < len) {
                size_t want = len - done < STREAM_CHUNK ? (size_t)(len - done) : STREAM_CHUNK;
                ssize_t n = pread(fd, buf, want, (off_t)(offset + done));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        r = err_setf(e, -errno, "read failed at offset %llu: %s",
                                     (unsigned long long)(offset + done), strerror(errno));
                        break;
                }
                if (n == 0) {
                        r = err_setf(e, -EIO, "unexpected end of file at offset %llu",
                                     (unsigned long long)(offset + done));
                        break;
                }
                r = digest_update(d, buf, (size_t)n);
                if (r < 0)
                        break;
                done += (uint64_t)n;
                progress_update(&p, done);
        }
        progress_end(&p);
        return r;
}

int digest_fd_range(struct digest *d, int fd, uint64_t offset, uint64_t len, struct tdxh_err *e)
{
        return stream_fd(d, fd, offset, len, "hashing", e);
}

int digest_file(enum digest_alg alg, const char *path, uint8_t *out, uint64_t *ret_size,
                struct tdxh_err *e)
{
        _cleanup_digest_ struct digest d = { 0 };
        _cleanup_close_ int fd = -1;
        struct stat st;
        int r;

        fd = file_open_regular(path, &st, e);
        if (fd < 0)
                return fd;
        (void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
        r = digest_begin(&d, alg);
        if (r < 0)
                return r;
        r = stream_fd(&d, fd, 0, (uint64_t)st.st_size, path, e);
        if (r < 0) {
                err_prefix(e, "%s: ", path);
                return r;
        }
        r = digest_end(&d, out);
        if (r < 0)
                return r;
        if (ret_size)
                *ret_size = (uint64_t)st.st_size;
        return 0;
}

void rtmr_extend(uint8_t reg[SHA384_LEN], const uint8_t d[SHA384_LEN])
{
        uint8_t in[2 * SHA384_LEN];

        memcpy(in, reg, SHA384_LEN);
        memcpy(in + SHA384_LEN, d, SHA384_LEN);
        (void)digest_buf(DIGEST_SHA384, in, sizeof(in), reg);
}
