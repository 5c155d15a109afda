/* Certificate chain verification with OpenSSL's X509_verify_cert; see
 * verify_chain.h.
 *
 * The default anchor is a key, not a file: the SHA-256 of the Intel SGX Root
 * CA's SubjectPublicKeyInfo is compiled in, and the self-signed root that
 * quotes carry at the end of their chain is trusted only when its key has
 * that hash. So no certificate store of the host is consulted, and nothing
 * needs to be downloaded. */
#include "evidence/verify_chain.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/file.h"
#include "core/hex.h"
#include "evidence/pck_chain.h"

/* Computed from the root certificate at the end of the PCK chains of the
 * three real quotes in the test fixtures (identical in all three). */
const uint8_t verify_intel_root_spki_sha256[32] = {
        0xa0, 0xaf, 0x03, 0x12, 0x89, 0xf5, 0xd5, 0xd4, 0x13, 0x2f, 0x91,
        0x86, 0x06, 0x8a, 0x7f, 0xc1, 0x36, 0x28, 0x63, 0x3b, 0xa2, 0x35,
        0x77, 0x74, 0x72, 0xe2, 0x9b, 0x6b, 0x6c, 0x67, 0xa4, 0x9e,
};

#define INTEL_PCK_CN_PHRASE "SGX PCK Certificate"
#define MAX_CRL_FILE (8u << 20)

static int load_crls(const char *path, STACK_OF(X509_CRL) *crls, struct tdxh_err *e)
{
        _cleanup_free_ char *data = NULL;
        size_t len;
        BIO *bio;
        int before = sk_X509_CRL_num(crls), r;

        r = file_read_all(path, MAX_CRL_FILE, &data, &len, e);
        if (r < 0)
                return r;
        bio = BIO_new_mem_buf(data, (int)len);
        if (!bio)
                return -ENOMEM;
        for (;;) {
                X509_CRL *crl = PEM_read_bio_X509_CRL(bio, NULL, NULL, NULL);

                if (!crl)
                        break;
                if (!sk_X509_CRL_push(crls, crl)) {
                        X509_CRL_free(crl);
                        BIO_free(bio);
                        return -ENOMEM;
                }
        }
        BIO_free(bio);
        ERR_clear_error();
        if (sk_X509_CRL_num(crls) == before) {
                /* Intel PCS serves CRLs in DER too. */
                const unsigned char *p = (const unsigned char *)data;
                X509_CRL *crl = d2i_X509_CRL(NULL, &p, (long)len);

                ERR_clear_error();
                if (!crl)
                        return err_setf(e, -EINVAL, "%s: not a CRL (PEM or DER)", path);
                if (!sk_X509_CRL_push(crls, crl)) {
                        X509_CRL_free(crl);
                        return -ENOMEM;
                }
        }
        return 0;
}

int chain_trust_load(struct chain_trust *t, const struct verify_opts *o, struct tdxh_err *e)
{
        int r;

        *t = (struct chain_trust){ .time_mode = o->time_mode, .at = o->at };
        if (o->trust_root) {
                r = pem_certs_load(o->trust_root, &t->roots, e);
                if (r < 0)
                        return r;
        }
        if (o->n_crls == 0)
                return 0;
        t->crls = sk_X509_CRL_new_null();
        if (!t->crls)
                return -ENOMEM;
        for (size_t i = 0; i < o->n_crls; i++) {
                r = load_crls(o->crls[i], t->crls, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

void chain_trust_done(struct chain_trust *t)
{
        if (t->roots)
                sk_X509_pop_free(t->roots, X509_free);
        if (t->crls)
                sk_X509_CRL_pop_free(t->crls, X509_CRL_free);
        *t = (struct chain_trust){ 0 };
}

/* The certificate of chain whose key is the pinned Intel root key. */
static X509 *find_intel_root(STACK_OF(X509) *chain)
{
        for (int i = 0; i < sk_X509_num(chain); i++) {
                X509 *c = sk_X509_value(chain, i);
                uint8_t h[32];

                if (x509_spki_sha256(c, h) == 0 &&
                    memcmp(h, verify_intel_root_spki_sha256, sizeof(h)) == 0)
                        return c;
        }
        return NULL;
}

/* "A -> B -> C" from the common names of a verified path. */
static int path_text(STACK_OF(X509) *path, struct buf *out)
{
        for (int i = 0; i < sk_X509_num(path); i++) {
                char cn[256];
                int r;

                x509_subject_cn(sk_X509_value(path, i), cn, sizeof(cn));
                r = buf_printf(out, "%s%s", i ? " -> " : "", cn);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void time_note(const struct chain_trust *t, char *out, size_t size)
{
        struct tm tm;

        switch (t->time_mode) {
        case VERIFY_TIME_AT:
                if (gmtime_r(&t->at, &tm))
                        strftime(out, size, "validity checked at %Y-%m-%dT%H:%M:%SZ", &tm);
                else
                        snprintf(out, size, "validity checked at @%lld", (long long)t->at);
                return;
        case VERIFY_TIME_IGNORE:
                snprintf(out, size, "validity periods NOT checked");
                return;
        case VERIFY_TIME_NOW:
                break;
        }
        snprintf(out, size, "validity checked now");
}

/* Runs X509_verify_cert over chain with anchors in store. Returns 1 when
 * the path verified, 0 when not (detail in why), negative errno. */
static int run_verify(const struct chain_trust *t, X509_STORE *store, STACK_OF(X509) *chain,
                      bool with_crl, struct buf *why)
{
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        STACK_OF(X509) *untrusted = NULL;
        X509_VERIFY_PARAM *param;
        int ok, r;

        if (!ctx)
                return -ENOMEM;
        untrusted = sk_X509_dup(chain);
        if (!untrusted || X509_STORE_CTX_init(ctx, store, sk_X509_value(chain, 0), untrusted) != 1) {
                r = -ENOMEM;
                goto out;
        }
        param = X509_STORE_CTX_get0_param(ctx);
        /* RFC 5280 profile checks on top of the signatures; Intel's chains pass them. */
        X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT);
        if (t->time_mode == VERIFY_TIME_AT)
                X509_VERIFY_PARAM_set_time(param, t->at);
        else if (t->time_mode == VERIFY_TIME_IGNORE)
                X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_NO_CHECK_TIME);
        if (with_crl) {
                X509_STORE_CTX_set0_crls(ctx, t->crls);
                X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_CRL_CHECK |
                                                           X509_V_FLAG_CRL_CHECK_ALL);
        }
        ok = X509_verify_cert(ctx);
        if (ok == 1) {
                r = path_text(X509_STORE_CTX_get0_chain(ctx), why);
                r = r < 0 ? r : 1;
        } else {
                int err = X509_STORE_CTX_get_error(ctx);
                X509 *at = X509_STORE_CTX_get_current_cert(ctx);
                char cn[256] = "?";

                if (at)
                        x509_subject_cn(at, cn, sizeof(cn));
                r = buf_printf(why, "%s at depth %d (%s)", X509_verify_cert_error_string(err),
                               X509_STORE_CTX_get_error_depth(ctx), cn);
                if (r >= 0 && err == X509_V_ERR_UNABLE_TO_GET_CRL)
                        r = buf_puts(why, "; give the CRL of its issuer too");
                else if (r >= 0 && err == X509_V_ERR_CRL_HAS_EXPIRED)
                        r = buf_puts(why, "; fetch a current CRL, or check --at the time the "
                                          "quote was taken");
                r = r < 0 ? r : 0;
        }
out:
        ERR_clear_error();
        sk_X509_free(untrusted);
        X509_STORE_CTX_free(ctx);
        return r;
}

/* The anchors for chain: the roots file, or the chain's own certificate
 * with the pinned key. Returns 1 with *ret set, 0 with why explaining. */
static int make_store(const struct chain_trust *t, STACK_OF(X509) *chain, X509_STORE **ret,
                      struct buf *why)
{
        X509_STORE *store = X509_STORE_new();
        X509 *root;
        int r;

        if (!store)
                return -ENOMEM;
        if (t->roots) {
                for (int i = 0; i < sk_X509_num(t->roots); i++)
                        if (X509_STORE_add_cert(store, sk_X509_value(t->roots, i)) != 1) {
                                X509_STORE_free(store);
                                return -ENOMEM;
                        }
                *ret = store;
                return 1;
        }
        root = find_intel_root(chain);
        if (!root) {
                char cn[256];
                uint8_t h[32];
                char hex[65] = "?";
                X509 *last = sk_X509_value(chain, sk_X509_num(chain) - 1);

                X509_STORE_free(store);
                x509_subject_cn(last, cn, sizeof(cn));
                if (x509_spki_sha256(last, h) == 0)
                        hex_encode(h, sizeof(h), hex);
                r = buf_printf(why,
                               "no certificate in the chain has the Intel SGX Root CA key; "
                               "the chain ends at '%s' (SPKI SHA-256 %s); use --trust-root "
                               "for another root",
                               cn, hex);
                return r < 0 ? r : 0;
        }
        if (X509_STORE_add_cert(store, root) != 1) {
                X509_STORE_free(store);
                return -ENOMEM;
        }
        *ret = store;
        return 1;
}

int chain_verify(const struct chain_trust *t, STACK_OF(X509) *chain, const char *name,
                 bool pck_profile, const char *crl_name, struct verify_result *res,
                 bool *ret_passed)
{
        _cleanup_buf_ struct buf why = BUF_INIT, crl_why = BUF_INIT;
        bool with_crl = crl_name && t->crls && sk_X509_CRL_num(t->crls) > 0;
        bool passed = false, crl_passed = true;
        X509_STORE *store = NULL;
        char cn[256], when[64];
        int r;

        r = make_store(t, chain, &store, &why);
        if (r < 0)
                return r;
        if (r > 0) {
                r = run_verify(t, store, chain, false, &why);
                passed = r > 0;
                if (passed && with_crl) {
                        r = run_verify(t, store, chain, true, &crl_why);
                        crl_passed = r > 0;
                }
        }
        X509_STORE_free(store);
        if (r < 0)
                return r;
        if (passed && pck_profile && !t->roots) {
                x509_subject_cn(sk_X509_value(chain, 0), cn, sizeof(cn));
                if (!strstr(cn, INTEL_PCK_CN_PHRASE)) {
                        passed = false;
                        buf_reset(&why);
                        r = buf_printf(&why, "leaf '%s' is not an Intel %s", cn,
                                       INTEL_PCK_CN_PHRASE);
                        if (r < 0)
                                return r;
                }
        }
        time_note(t, when, sizeof(when));
        r = verify_add(res, name, passed, "%s (%s; anchor: %s)", why.data ? why.data : "",
                       when, t->roots ? "--trust-root" : "pinned Intel SGX Root CA key");
        if (r < 0)
                return r;
        if (with_crl) {
                r = verify_add(res, crl_name, passed && crl_passed, "%s",
                               !passed         ? "not checked: the chain did not verify"
                               : crl_passed    ? "no certificate of the chain is revoked"
                                               : crl_why.data);
                if (r < 0)
                        return r;
        }
        if (ret_passed)
                *ret_passed = passed && crl_passed;
        return 0;
}
