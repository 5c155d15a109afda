/* The fake platform's throwaway PKI: making one, saving it, loading it back;
 * see fake_pki.h (certificates and the SGX extension are fake_pki_cert.c).
 * Keys are stored as unencrypted PKCS#8 PEM protected by their file mode (the
 * directory is the run's own), which is all a per-run throwaway key needs. */
#include "fakes/fake_pki.h"

#include <errno.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "evidence/ecdsa.h"

#define KEY_FILE_MAX (64u << 10)

static inline void bio_freep(BIO **b)
{
        BIO_free(*b);
}
#define _cleanup_bio_ __attribute__((cleanup(bio_freep)))

static inline void x509_ext_freep(X509_EXTENSION **x)
{
        X509_EXTENSION_free(*x);
}
#define _cleanup_x509_ext_ __attribute__((cleanup(x509_ext_freep)))

/* ---- PEM ---- */

int fake_pki_certs_pem(X509 *const *certs, size_t n, char **ret, size_t *ret_len)
{
        _cleanup_bio_ BIO *bio = BIO_new(BIO_s_mem());
        char *data, *copy;
        long len;

        if (!bio)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (PEM_write_bio_X509(bio, certs[i]) != 1)
                        return -ENOMEM;
        len = BIO_get_mem_data(bio, &data);
        if (len <= 0)
                return -EINVAL;
        copy = strndup(data, (size_t)len);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        *ret_len = (size_t)len;
        return 0;
}

static int key_pem(EVP_PKEY *key, char **ret, size_t *ret_len)
{
        _cleanup_bio_ BIO *bio = BIO_new(BIO_s_mem());
        char *data, *copy;
        long len;

        if (!bio || PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) != 1)
                return -ENOMEM;
        len = BIO_get_mem_data(bio, &data);
        copy = len > 0 ? malloc((size_t)len) : NULL;
        if (!copy)
                return -ENOMEM;
        memcpy(copy, data, (size_t)len);
        OPENSSL_cleanse(data, (size_t)len);
        *ret = copy;
        *ret_len = (size_t)len;
        return 0;
}

/* ---- new, save, load, free ---- */

static int new_key(EVP_PKEY **ret)
{
        *ret = EVP_EC_gen("P-256");
        return *ret ? 0 : -ENOMEM;
}

int fake_pki_new(struct fake_pki **ret, struct tdxh_err *e)
{
        _cleanup_fake_pki_ struct fake_pki *p = calloc(1, sizeof(*p));
        _cleanup_x509_ext_ X509_EXTENSION *sgx = NULL;
        int r;

        if (!p)
                return -ENOMEM;
        r = new_key(&p->root_key);
        if (r >= 0)
                r = new_key(&p->inter_key);
        if (r >= 0)
                r = new_key(&p->leaf_key);
        if (r >= 0)
                r = new_key(&p->att_key);
        if (r >= 0)
                r = fake_pki_sgx_ext_new(&fake_pki_sgx_ext, &sgx);
        if (r >= 0)
                r = fake_pki_cert_new(&(struct fake_cert_spec){ .cn = FAKE_PKI_ROOT_CN,
                                                                .key = p->root_key,
                                                                .ca = true },
                                      &p->root);
        if (r >= 0)
                r = fake_pki_cert_new(&(struct fake_cert_spec){ .cn = FAKE_PKI_INTER_CN,
                                                                .key = p->inter_key,
                                                                .issuer = p->root,
                                                                .issuer_key = p->root_key,
                                                                .ca = true },
                                      &p->inter);
        if (r >= 0)
                r = fake_pki_cert_new(&(struct fake_cert_spec){ .cn = FAKE_PKI_LEAF_CN,
                                                                .key = p->leaf_key,
                                                                .issuer = p->inter,
                                                                .issuer_key = p->inter_key,
                                                                .extra = sgx },
                                      &p->leaf);
        if (r >= 0)
                r = fake_pki_certs_pem((X509 *[]){ p->leaf, p->inter, p->root }, 3,
                                       &p->chain_pem, &p->chain_pem_len);
        if (r < 0)
                return err_setf(e, r, "making the fake PKI failed: %s", strerror(-r));
        *ret = TAKE_PTR(p);
        return 0;
}

static int write_text(const char *dir, const char *file, const char *text, size_t len,
                      mode_t mode, struct tdxh_err *e)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        return file_write_atomic(path, text, len, mode, e);
}

static int write_key(const char *dir, const char *file, EVP_PKEY *key, struct tdxh_err *e)
{
        _cleanup_free_ char *pem = NULL;
        size_t len;
        int r;

        r = key_pem(key, &pem, &len);
        if (r < 0)
                return r;
        r = write_text(dir, file, pem, len, 0600, e);
        OPENSSL_cleanse(pem, len);
        return r;
}

int fake_pki_write_root(const struct fake_pki *p, const char *path, struct tdxh_err *e)
{
        _cleanup_free_ char *pem = NULL;
        size_t len;
        int r;

        r = fake_pki_certs_pem((X509 *[]){ p->root }, 1, &pem, &len);
        if (r < 0)
                return r;
        return file_write_atomic(path, pem, len, 0644, e);
}

int fake_pki_save(const struct fake_pki *p, const char *dir, struct tdxh_err *e)
{
        _cleanup_free_ char *root = NULL;
        int r;

        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return err_setf(e, -errno, "%s: cannot create: %s", dir, strerror(errno));
        if (asprintf(&root, "%s/%s", dir, FAKE_PKI_ROOT_FILE) < 0)
                return -ENOMEM;
        r = write_key(dir, FAKE_PKI_PCK_KEY_FILE, p->leaf_key, e);
        if (r >= 0)
                r = write_key(dir, FAKE_PKI_ATT_KEY_FILE, p->att_key, e);
        if (r >= 0)
                r = write_text(dir, FAKE_PKI_CHAIN_FILE, p->chain_pem, p->chain_pem_len, 0644, e);
        if (r >= 0)
                r = fake_pki_write_root(p, root, e);
        return r;
}

/* Never asks for a passphrase (OpenSSL's default would ask on the terminal):
 * the fake's keys are not encrypted, so an encrypted one is not ours. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
        return -1;
}

static int load_key(const char *dir, const char *file, EVP_PKEY **ret, struct tdxh_err *e)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_bio_ BIO *bio = NULL;
        struct stat st;
        uint8_t xy[64];
        EVP_PKEY *key;
        size_t len;
        int r;

        if (asprintf(&path, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        if (stat(path, &st) < 0)
                return err_setf(e, -errno, "%s: %s", path, strerror(errno));
        if (st.st_mode & 077)
                return err_setf(e, -EPERM,
                                "%s: mode %04o: a key must not be open to group or others "
                                "(0600)",
                                path, (unsigned)(st.st_mode & 07777));
        r = file_read_all(path, KEY_FILE_MAX, &text, &len, e);
        if (r < 0)
                return r;
        bio = BIO_new_mem_buf(text, (int)len);
        key = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL) : NULL;
        OPENSSL_cleanse(text, len);
        if (!key)
                return err_setf(e, -EINVAL, "%s: not a PEM private key", path);
        if (ecdsa_p256_key_to_raw(key, xy) < 0) {
                EVP_PKEY_free(key);
                return err_setf(e, -EINVAL, "%s: not an EC P-256 key", path);
        }
        *ret = key;
        return 0;
}

/* The chain file is leaf -> intermediate -> root by signature, its root is
 * the root file's, and the PCK key belongs to the leaf. */
static int check_loaded(struct fake_pki *p, const char *dir, const char *chain_path,
                        X509 *root_file, const char *root_path, struct tdxh_err *e)
{
        if (X509_verify(p->leaf, X509_get0_pubkey(p->inter)) != 1 ||
            X509_verify(p->inter, X509_get0_pubkey(p->root)) != 1 ||
            X509_verify(p->root, X509_get0_pubkey(p->root)) != 1)
                return err_setf(e, -EINVAL,
                                "%s: not a leaf, intermediate and root chained by signature",
                                chain_path);
        if (X509_cmp(p->root, root_file) != 0)
                return err_setf(e, -EINVAL, "%s: not the root of %s", root_path, chain_path);
        if (X509_check_private_key(p->leaf, p->leaf_key) != 1)
                return err_setf(e, -EINVAL, "%s/%s: not the key of the leaf in %s",
                                dir, FAKE_PKI_PCK_KEY_FILE, chain_path);
        return 0;
}

int fake_pki_load(const char *dir, struct fake_pki **ret, struct tdxh_err *e)
{
        _cleanup_fake_pki_ struct fake_pki *p = calloc(1, sizeof(*p));
        _cleanup_free_ char *chain_path = NULL, *root_path = NULL;
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL, *roots = NULL;
        size_t len;
        int r;

        if (!p)
                return -ENOMEM;
        if (asprintf(&chain_path, "%s/%s", dir, FAKE_PKI_CHAIN_FILE) < 0 ||
            asprintf(&root_path, "%s/%s", dir, FAKE_PKI_ROOT_FILE) < 0)
                return -ENOMEM;
        r = pem_certs_load(chain_path, &chain, e);
        if (r >= 0)
                r = pem_certs_load(root_path, &roots, e);
        if (r < 0)
                return r;
        if (sk_X509_num(chain) != 3)
                return err_setf(e, -EINVAL, "%s: %d certificates, expected 3 (leaf, "
                                "intermediate, root)", chain_path, sk_X509_num(chain));
        if (sk_X509_num(roots) != 1)
                return err_setf(e, -EINVAL, "%s: %d certificates, expected 1", root_path,
                                sk_X509_num(roots));
        r = load_key(dir, FAKE_PKI_PCK_KEY_FILE, &p->leaf_key, e);
        if (r >= 0)
                r = load_key(dir, FAKE_PKI_ATT_KEY_FILE, &p->att_key, e);
        if (r < 0)
                return r;
        p->leaf = sk_X509_shift(chain);
        p->inter = sk_X509_shift(chain);
        p->root = sk_X509_shift(chain);
        r = check_loaded(p, dir, chain_path, sk_X509_value(roots, 0), root_path, e);
        if (r >= 0)
                r = fake_pki_certs_pem((X509 *[]){ p->leaf, p->inter, p->root }, 3,
                                       &p->chain_pem, &len);
        if (r < 0)
                return r;
        p->chain_pem_len = len;
        *ret = TAKE_PTR(p);
        return 0;
}

void fake_pki_free(struct fake_pki *p)
{
        if (!p)
                return;
        EVP_PKEY_free(p->root_key);
        EVP_PKEY_free(p->inter_key);
        EVP_PKEY_free(p->leaf_key);
        EVP_PKEY_free(p->att_key);
        X509_free(p->root);
        X509_free(p->inter);
        X509_free(p->leaf);
        free(p->chain_pem);
        free(p);
}
