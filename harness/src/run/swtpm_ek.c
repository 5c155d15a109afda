/* The per-run EK certificate authority and the EK the host takes from its
 * certificate; see swtpm_ek.h. */
#include "run/swtpm_ek.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/file.h"

#define CA_KEY "signkey.pem"
#define CA_CERT "issuercert.pem"
#define CA_SERIAL "certserial"
#define LOCALCA_CONF "swtpm-localca.conf"
#define LOCALCA_OPTIONS "swtpm-localca.options"
#define CA_SUBJECT "tdxh per-run swtpm EK CA"
#define CA_DAYS 30
#define MAX_CERT (64u << 10)
#define MAX_PEM (16u << 10)

static void x509p(X509 **x)
{
        X509_free(*x);
}
static void evp_pkeyp(EVP_PKEY **k)
{
        EVP_PKEY_free(*k);
}
static void biop(BIO **b)
{
        BIO_free(*b);
}

static char *path_in(const char *dir, const char *name)
{
        char *p = NULL;

        return asprintf(&p, "%s/%s", dir, name) < 0 ? NULL : p;
}

int swtpm_ek_check_dir(const char *ca_dir, struct tdxh_err *e)
{
        if (!ca_dir || ca_dir[0] != '/')
                return err_setf(e, -EINVAL, "swtpm: ca_dir must be an absolute path: %s",
                                ca_dir ? ca_dir : "(none)");
        if (strpbrk(ca_dir, " \t\n\r$=,"))
                return err_setf(e, -EINVAL, "swtpm: ca_dir must not contain whitespace, '$', "
                                "'=' or ',': %s", ca_dir);
        return 0;
}

/* Files of the runtime directory: private, not evidence, so no fsync. */
static int write_new(const char *dir, const char *name, const void *data, size_t len,
                     mode_t mode, struct tdxh_err *e)
{
        _cleanup_free_ char *p = path_in(dir, name);
        _cleanup_close_ int fd = -1;

        if (!p)
                return -ENOMEM;
        fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode);
        if (fd < 0 || write(fd, data, len) != (ssize_t)len)
                return err_setf(e, -errno ? -errno : -EIO, "%s: cannot write: %s", p,
                                strerror(errno));
        return 0;
}

static int add_ext(X509 *x, int nid, const char *value)
{
        X509V3_CTX ctx;
        X509_EXTENSION *ext;
        int ok;

        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
        ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
        if (!ext)
                return -EIO;
        ok = X509_add_ext(x, ext, -1) == 1;
        X509_EXTENSION_free(ext);
        return ok ? 0 : -EIO;
}

/* A self-signed P-256 CA certificate for key. */
static int make_ca_cert(EVP_PKEY *key, X509 **ret)
{
        _cleanup_(x509p) X509 *x = X509_new();
        X509_NAME *name;

        if (!x)
                return -ENOMEM;
        name = X509_get_subject_name(x);
        if (X509_set_version(x, X509_VERSION_3) != 1 ||
            ASN1_INTEGER_set(X509_get_serialNumber(x), 1) != 1 ||
            !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
            !X509_gmtime_adj(X509_getm_notAfter(x), 86400L * CA_DAYS) ||
            X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                       (const unsigned char *)CA_SUBJECT, -1, -1, 0) != 1 ||
            X509_set_issuer_name(x, name) != 1 || X509_set_pubkey(x, key) != 1 ||
            add_ext(x, NID_basic_constraints, "critical,CA:TRUE") < 0 ||
            add_ext(x, NID_key_usage, "critical,keyCertSign,cRLSign") < 0 ||
            add_ext(x, NID_subject_key_identifier, "hash") < 0 ||
            X509_sign(x, key, EVP_sha256()) <= 0)
                return -EIO;
        *ret = TAKE_PTR(x);
        return 0;
}

static int pem_text(BIO *b, char **ret, size_t *ret_len)
{
        char *data = NULL;
        long n = BIO_get_mem_data(b, &data);

        if (n <= 0)
                return -EIO;
        *ret = strndup(data, (size_t)n);
        *ret_len = (size_t)n;
        return *ret ? 0 : -ENOMEM;
}

static int write_ca(const char *ca_dir, struct tdxh_err *e)
{
        _cleanup_(evp_pkeyp) EVP_PKEY *key = EVP_EC_gen("P-256");
        _cleanup_(x509p) X509 *cert = NULL;
        _cleanup_(biop) BIO *kb = BIO_new(BIO_s_mem()), *cb = BIO_new(BIO_s_mem());
        _cleanup_free_ char *ktext = NULL, *ctext = NULL;
        size_t klen = 0, clen = 0;
        int r;

        /* swtpm_cert reads the key with GnuTLS: the traditional SEC1 form
         * ("EC PRIVATE KEY") is the one it takes without a password. */
        r = key && kb && cb ? make_ca_cert(key, &cert) : -ENOMEM;
        if (r >= 0 && (PEM_write_bio_PrivateKey_traditional(kb, key, NULL, NULL, 0, NULL,
                                                            NULL) != 1 ||
                       PEM_write_bio_X509(cb, cert) != 1))
                r = -EIO;
        if (r >= 0)
                r = pem_text(kb, &ktext, &klen);
        if (r >= 0)
                r = pem_text(cb, &ctext, &clen);
        ERR_clear_error();
        if (r < 0)
                return err_setf(e, r, "swtpm: making the per-run EK CA failed (OpenSSL)");
        r = write_new(ca_dir, CA_KEY, ktext, klen, 0600, e);
        if (r >= 0)
                r = write_new(ca_dir, CA_CERT, ctext, clen, 0644, e);
        if (ktext)
                memset(ktext, 0, klen);
        return r;
}

int swtpm_ek_prepare(const char *ca_dir, const char *ek_dir, struct tdxh_err *e)
{
        _cleanup_free_ char *setup = NULL, *localca = NULL;
        int r;

        r = swtpm_ek_check_dir(ca_dir, e);
        if (r < 0)
                return r;
        if (mkdir(ca_dir, 0700) < 0 && errno != EEXIST)
                return err_setf(e, -errno, "%s: cannot create: %s", ca_dir, strerror(errno));
        r = file_mkdir_p(ek_dir, 0755);
        if (r < 0)
                return err_setf(e, r, "%s: cannot create: %s", ek_dir, strerror(-r));
        r = write_ca(ca_dir, e);
        if (r < 0)
                return r;
        /* swtpm_setup finds swtpm_localca in $PATH; its options file is
         * empty, so that the host's /etc/swtpm-localca.options (platform
         * certificate fields) plays no part. */
        if (asprintf(&setup,
                     "create_certs_tool = swtpm_localca\n"
                     "create_certs_tool_config = %s/" LOCALCA_CONF "\n"
                     "create_certs_tool_options = %s/" LOCALCA_OPTIONS "\n",
                     ca_dir, ca_dir) < 0 ||
            asprintf(&localca,
                     "statedir = %s\n"
                     "signingkey = %s/" CA_KEY "\n"
                     "issuercert = %s/" CA_CERT "\n"
                     "certserial = %s/" CA_SERIAL "\n",
                     ca_dir, ca_dir, ca_dir, ca_dir) < 0)
                return -ENOMEM;
        r = write_new(ca_dir, SWTPM_EK_SETUP_CONF, setup, strlen(setup), 0644, e);
        if (r >= 0)
                r = write_new(ca_dir, LOCALCA_CONF, localca, strlen(localca), 0644, e);
        if (r >= 0)
                r = write_new(ca_dir, LOCALCA_OPTIONS, "", 0, 0644, e);
        return r;
}

static int load_ca_key(const char *ca_dir, EVP_PKEY **ret, struct tdxh_err *e)
{
        _cleanup_free_ char *p = path_in(ca_dir, CA_CERT), *text = NULL;
        _cleanup_(biop) BIO *b = NULL;
        _cleanup_(x509p) X509 *x = NULL;
        size_t len = 0;
        int r;

        if (!p)
                return -ENOMEM;
        r = file_read_all(p, MAX_PEM, &text, &len, e);
        if (r < 0)
                return r;
        b = BIO_new_mem_buf(text, (int)len);
        x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
        *ret = x ? X509_get_pubkey(x) : NULL;
        ERR_clear_error();
        if (!*ret)
                return err_setf(e, -EINVAL, "%s: not a certificate", p);
        return 0;
}

static int pubkey_pem(EVP_PKEY *key, char **ret, size_t *ret_len)
{
        _cleanup_(biop) BIO *b = BIO_new(BIO_s_mem());

        if (!b || PEM_write_bio_PUBKEY(b, key) != 1) {
                ERR_clear_error();
                return -ENOMEM;
        }
        return pem_text(b, ret, ret_len);
}

int swtpm_ek_collect(const char *ca_dir, const char *ek_dir, const char *state_dir,
                     char **ret_pem, struct tdxh_err *e)
{
        _cleanup_free_ char *cert_path = path_in(ek_dir, SWTPM_EK_CERT), *der = NULL, *pem = NULL;
        _cleanup_free_ char *pem_path = path_in(ek_dir, SWTPM_EK_PEM);
        _cleanup_(evp_pkeyp) EVP_PKEY *ca = NULL;
        _cleanup_(x509p) X509 *cert = NULL;
        const unsigned char *p;
        EVP_PKEY *ek;
        size_t len = 0, pem_len = 0;
        int r;

        if (!cert_path || !pem_path)
                return -ENOMEM;
        if (access(cert_path, F_OK) < 0)
                return err_setf(e, -ENOENT, "%s: swtpm_setup wrote no EK certificate",
                                cert_path);
        r = file_read_all(cert_path, MAX_CERT, &der, &len, e);
        if (r < 0)
                return r;
        p = (const unsigned char *)der;
        cert = d2i_X509(NULL, &p, (long)len);
        if (!cert || p != (const unsigned char *)der + len) {
                ERR_clear_error();
                return err_setf(e, -EINVAL, "%s: not a DER certificate", cert_path);
        }
        r = load_ca_key(ca_dir, &ca, e);
        if (r < 0)
                return r;
        r = X509_verify(cert, ca);
        ERR_clear_error();
        if (r != 1)
                return err_setf(e, -EACCES, "%s: not issued by this run's EK CA", cert_path);
        ek = X509_get0_pubkey(cert);
        if (!ek || EVP_PKEY_get_base_id(ek) != EVP_PKEY_RSA || EVP_PKEY_get_bits(ek) != 2048)
                return err_setf(e, -EINVAL, "%s: the certified key is not RSA 2048", cert_path);
        r = pubkey_pem(ek, &pem, &pem_len);
        if (r < 0)
                return err_setf(e, r, "%s: cannot write the key as PEM", cert_path);
        r = file_write_atomic(pem_path, pem, pem_len, 0644, e);
        if (r >= 0)
                r = write_new(state_dir, SWTPM_EK_STATE_PEM, pem, pem_len, 0600, e);
        if (r < 0)
                return r;
        *ret_pem = TAKE_PTR(pem);
        return 0;
}

int swtpm_ek_reuse(const char *ek_dir, const char *state_dir, char **ret_pem,
                   struct tdxh_err *e)
{
        _cleanup_free_ char *src = path_in(state_dir, SWTPM_EK_STATE_PEM);
        _cleanup_free_ char *dst = path_in(ek_dir, SWTPM_EK_PEM), *pem = NULL;
        size_t len = 0;
        int r;

        if (!src || !dst)
                return -ENOMEM;
        *ret_pem = NULL;
        if (access(src, F_OK) < 0)
                return 0;
        r = file_read_all(src, MAX_PEM, &pem, &len, e);
        if (r < 0)
                return r;
        r = file_mkdir_p(ek_dir, 0755);
        if (r < 0)
                return err_setf(e, r, "%s: cannot create: %s", ek_dir, strerror(-r));
        r = file_write_atomic(dst, pem, len, 0644, e);
        if (r < 0)
                return r;
        *ret_pem = TAKE_PTR(pem);
        return 0;
}
