/* Certificates and the SGX PCK extension of the fake PKI; see fake_pki.h.
 * Built with OpenSSL's X509 and ASN1 objects: the extension is a DER
 * SEQUENCE of {OID, value} pairs, so it is assembled from ASN1_TYPEs and
 * encoded with i2d_ASN1_SEQUENCE_ANY, the way pck_chain.c decodes it. */
#include "fakes/fake_pki.h"

#include <errno.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>
#include <stdio.h>

#include "core/cleanup.h"

#define SGX_OID "1.2.840.113741.1.13.1"
#define VALID_DAYS 365

/* PPID is 16 bytes; ours spells what it is. */
static const uint8_t fake_ppid[16] = "tdxh-FAKE-PPID\0";

const struct sgx_pck_ext fake_pki_sgx_ext = {
        .fmspc = { 0xfa, 0x4e, 0xfa, 0x4e, 0xfa, 0x4e },
        .pceid = { 0xfa, 0x4e },
};

static inline void asn1_any_stack_freep(STACK_OF(ASN1_TYPE) **s)
{
        if (*s)
                sk_ASN1_TYPE_pop_free(*s, ASN1_TYPE_free);
}
#define _cleanup_any_stack_ __attribute__((cleanup(asn1_any_stack_freep)))

/* ---- certificates ---- */

static int add_conf_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
        X509V3_CTX ctx;
        X509_EXTENSION *ext;
        int ok;

        X509V3_set_ctx_nodb(&ctx);
        X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
        ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
        if (!ext)
                return -EIO;
        ok = X509_add_ext(x, ext, -1);
        X509_EXTENSION_free(ext);
        return ok == 1 ? 0 : -ENOMEM;
}

static int set_serial(X509 *x, uint64_t serial)
{
        if (serial == 0) {
                /* 63 bits: positive, and never 0 */
                if (RAND_bytes((unsigned char *)&serial, sizeof(serial)) != 1)
                        return -EIO;
                serial = (serial >> 1) | 1;
        }
        return ASN1_INTEGER_set_uint64(X509_get_serialNumber(x), serial) == 1 ? 0 : -ENOMEM;
}

static int set_names(X509 *x, const struct fake_cert_spec *s, bool self)
{
        X509_NAME *name = X509_NAME_new();
        int ok;

        if (!name)
                return -ENOMEM;
        ok = X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)s->cn,
                                        -1, -1, 0) == 1 &&
             X509_set_subject_name(x, name) == 1 &&
             X509_set_issuer_name(x, self ? name : X509_get_subject_name(s->issuer)) == 1;
        X509_NAME_free(name);
        return ok ? 0 : -ENOMEM;
}

int fake_pki_cert_new(const struct fake_cert_spec *s, X509 **ret)
{
        _cleanup_x509_ X509 *x = NULL;
        bool self = !s->issuer;
        X509 *issuer;
        int r;

        if (!s->cn || !*s->cn || !s->key || (!self && !s->issuer_key))
                return -EINVAL;
        x = X509_new();
        if (!x)
                return -ENOMEM;
        if (X509_set_version(x, X509_VERSION_3) != 1 ||
            !X509_gmtime_adj(X509_getm_notBefore(x), -3600) ||
            !X509_time_adj_ex(X509_getm_notAfter(x), VALID_DAYS, 0, NULL) ||
            X509_set_pubkey(x, s->key) != 1)
                return -ENOMEM;
        r = set_serial(x, s->serial);
        if (r >= 0)
                r = set_names(x, s, self);
        issuer = self ? x : s->issuer;
        if (r >= 0)
                r = add_conf_ext(x, issuer, NID_basic_constraints,
                                 s->ca ? "critical,CA:TRUE" : "critical,CA:FALSE");
        if (r >= 0)
                r = add_conf_ext(x, issuer, NID_key_usage,
                                 s->ca ? "critical,keyCertSign,cRLSign"
                                       : "critical,digitalSignature");
        if (r >= 0)
                r = add_conf_ext(x, issuer, NID_subject_key_identifier, "hash");
        if (r >= 0 && !self)
                r = add_conf_ext(x, issuer, NID_authority_key_identifier, "keyid");
        if (r >= 0 && s->extra && X509_add_ext(x, (X509_EXTENSION *)s->extra, -1) != 1)
                r = -ENOMEM;
        if (r < 0)
                return r;
        if (X509_sign(x, self ? s->key : s->issuer_key, EVP_sha256()) <= 0)
                return -EIO;
        *ret = TAKE_PTR(x);
        return 0;
}

/* ---- the SGX extension ---- */

/* ASN1_TYPE wrappers; each takes its value and returns NULL on failure. */
static ASN1_TYPE *any_take(int type, void *value)
{
        ASN1_TYPE *t;

        if (!value)
                return NULL;
        t = ASN1_TYPE_new();
        if (!t) {
                if (type == V_ASN1_OBJECT)
                        ASN1_OBJECT_free(value);
                else
                        ASN1_STRING_free(value);
                return NULL;
        }
        ASN1_TYPE_set(t, type, value);
        return t;
}

static ASN1_TYPE *any_oid(const char *oid)
{
        return any_take(V_ASN1_OBJECT, OBJ_txt2obj(oid, 1));
}

static ASN1_TYPE *any_octets(const uint8_t *data, size_t len)
{
        ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();

        if (s && ASN1_OCTET_STRING_set(s, data, (int)len) != 1) {
                ASN1_OCTET_STRING_free(s);
                s = NULL;
        }
        return any_take(V_ASN1_OCTET_STRING, s);
}

static ASN1_TYPE *any_integer(long v)
{
        ASN1_INTEGER *i = ASN1_INTEGER_new();

        if (i && ASN1_INTEGER_set(i, v) != 1) {
                ASN1_INTEGER_free(i);
                i = NULL;
        }
        return any_take(V_ASN1_INTEGER, i);
}

static ASN1_TYPE *any_enumerated(long v)
{
        ASN1_ENUMERATED *n = ASN1_ENUMERATED_new();

        if (n && ASN1_ENUMERATED_set(n, v) != 1) {
                ASN1_ENUMERATED_free(n);
                n = NULL;
        }
        return any_take(V_ASN1_ENUMERATED, n);
}

/* The DER of a SEQUENCE of items, as an ASN1_TYPE (items stay the caller's). */
static ASN1_TYPE *any_sequence(STACK_OF(ASN1_TYPE) *items)
{
        unsigned char *der = NULL;
        ASN1_STRING *s;
        int n;

        n = i2d_ASN1_SEQUENCE_ANY(items, &der);
        if (n <= 0)
                return NULL;
        s = ASN1_STRING_type_new(V_ASN1_SEQUENCE);
        if (!s) {
                OPENSSL_free(der);
                return NULL;
        }
        ASN1_STRING_set0(s, der, n);
        return any_take(V_ASN1_SEQUENCE, s);
}

/* Appends SEQUENCE { OID oid, value } to items, taking value. */
static int push_pair(STACK_OF(ASN1_TYPE) *items, const char *oid, ASN1_TYPE *value)
{
        _cleanup_any_stack_ STACK_OF(ASN1_TYPE) *pair = sk_ASN1_TYPE_new_null();
        ASN1_TYPE *key = any_oid(oid), *seq;

        if (!pair || !key || !value || sk_ASN1_TYPE_push(pair, key) <= 0) {
                ASN1_TYPE_free(key);
                ASN1_TYPE_free(value);
                return -ENOMEM;
        }
        if (sk_ASN1_TYPE_push(pair, value) <= 0) {
                ASN1_TYPE_free(value);
                return -ENOMEM;
        }
        seq = any_sequence(pair);
        if (!seq || sk_ASN1_TYPE_push(items, seq) <= 0) {
                ASN1_TYPE_free(seq);
                return -ENOMEM;
        }
        return 0;
}

/* TCB: SEQUENCE { {.2.1 INTEGER} .. {.2.16 INTEGER}, {.2.17 PCESVN INTEGER},
 * {.2.18 CPUSVN OCTET STRING(16)} }. */
static ASN1_TYPE *any_tcb(const struct sgx_pck_ext *x)
{
        _cleanup_any_stack_ STACK_OF(ASN1_TYPE) *tcb = sk_ASN1_TYPE_new_null();
        char oid[40];
        int r = tcb ? 0 : -ENOMEM;

        for (int i = 1; r >= 0 && i <= 16; i++) {
                snprintf(oid, sizeof(oid), SGX_OID ".2.%d", i);
                r = push_pair(tcb, oid, any_integer(x->cpusvn[i - 1]));
        }
        if (r >= 0)
                r = push_pair(tcb, SGX_OID ".2.17", any_integer(x->pcesvn));
        if (r >= 0)
                r = push_pair(tcb, SGX_OID ".2.18", any_octets(x->cpusvn, sizeof(x->cpusvn)));
        return r < 0 ? NULL : any_sequence(tcb);
}

int fake_pki_sgx_ext_new(const struct sgx_pck_ext *x, X509_EXTENSION **ret)
{
        _cleanup_any_stack_ STACK_OF(ASN1_TYPE) *items = sk_ASN1_TYPE_new_null();
        ASN1_OCTET_STRING *data = NULL;
        ASN1_OBJECT *oid = NULL;
        X509_EXTENSION *ext = NULL;
        unsigned char *der = NULL;
        int r, n;

        r = items ? 0 : -ENOMEM;
        if (r >= 0)
                r = push_pair(items, SGX_OID ".1", any_octets(fake_ppid, sizeof(fake_ppid)));
        if (r >= 0)
                r = push_pair(items, SGX_OID ".2", any_tcb(x));
        if (r >= 0)
                r = push_pair(items, SGX_OID ".3", any_octets(x->pceid, sizeof(x->pceid)));
        if (r >= 0)
                r = push_pair(items, SGX_OID ".4", any_octets(x->fmspc, sizeof(x->fmspc)));
        if (r >= 0)
                r = push_pair(items, SGX_OID ".5", any_enumerated(0));
        if (r < 0)
                return r;
        n = i2d_ASN1_SEQUENCE_ANY(items, &der);
        data = ASN1_OCTET_STRING_new();
        oid = OBJ_txt2obj(SGX_OID, 1);
        if (n > 0 && data && oid) {
                ASN1_STRING_set0(data, der, n);
                der = NULL;
                ext = X509_EXTENSION_create_by_OBJ(NULL, oid, 0, data);
        }
        OPENSSL_free(der);
        ASN1_OCTET_STRING_free(data);
        ASN1_OBJECT_free(oid);
        if (!ext)
                return -ENOMEM;
        *ret = ext;
        return 0;
}
