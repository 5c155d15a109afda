/* PEM certificate lists, certificate summaries and the Intel SGX extension
 * of PCK certificates; see pck_chain.h. All X.509 and ASN.1 decoding is
 * OpenSSL's; this file only walks the decoded structures. */
#include "evidence/pck_chain.h"

#include <errno.h>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <string.h>
#include <time.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "core/json_util.h"

#define SGX_EXT_OID "1.2.840.113741.1.13.1"

/* The last OpenSSL error as text, and the queue cleared. */
static const char *ossl_error_text(char *buf, size_t size)
{
        unsigned long code = ERR_peek_last_error();

        if (code == 0)
                snprintf(buf, size, "unknown error");
        else
                ERR_error_string_n(code, buf, size);
        ERR_clear_error();
        return buf;
}

int pem_certs_parse(const char *pem, size_t len, STACK_OF(X509) **ret, struct tdxh_err *e)
{
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        BIO *bio;
        char why[256];

        if (len > INT32_MAX)
                return err_setf(e, -EFBIG, "PEM text too long");
        chain = sk_X509_new_null();
        bio = BIO_new_mem_buf(pem, (int)len);
        if (!chain || !bio) {
                BIO_free(bio);
                return -ENOMEM;
        }
        ERR_clear_error();
        for (;;) {
                X509 *cert = PEM_read_bio_X509(bio, NULL, NULL, NULL);
                unsigned long code;

                if (cert) {
                        if (!sk_X509_push(chain, cert)) {
                                X509_free(cert);
                                BIO_free(bio);
                                return -ENOMEM;
                        }
                        continue;
                }
                code = ERR_peek_last_error();
                /* "no start line" after the last certificate is the normal end. */
                if (ERR_GET_LIB(code) == ERR_LIB_PEM &&
                    ERR_GET_REASON(code) == PEM_R_NO_START_LINE) {
                        ERR_clear_error();
                        break;
                }
                BIO_free(bio);
                return err_setf(e, -EINVAL, "certificate %d of the PEM text: %s",
                                sk_X509_num(chain) + 1, ossl_error_text(why, sizeof(why)));
        }
        BIO_free(bio);
        if (sk_X509_num(chain) == 0)
                return err_setf(e, -EINVAL, "no PEM certificate found");
        *ret = TAKE_PTR(chain);
        return 0;
}

int pem_certs_load(const char *path, STACK_OF(X509) **ret, struct tdxh_err *e)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        r = file_read_all(path, 1u << 20, &text, &len, e);
        if (r < 0)
                return r;
        r = pem_certs_parse(text, len, ret, e);
        if (r < 0)
                err_prefix(e, "%s: ", path);
        return r;
}

void x509_name_text(const X509_NAME *name, char *out, size_t size)
{
        BIO *bio = BIO_new(BIO_s_mem());
        int n = 0;

        out[0] = '\0';
        if (!bio)
                return;
        /* RFC 2253 escaping, but in certificate order (CN first), as people read it. */
        if (X509_NAME_print_ex(bio, name, 0,
                               XN_FLAG_RFC2253 & ~(ASN1_STRFLGS_ESC_MSB | XN_FLAG_DN_REV)) >= 0)
                n = BIO_read(bio, out, (int)size - 1);
        out[n > 0 ? n : 0] = '\0';
        BIO_free(bio);
}

void x509_subject_cn(const X509 *cert, char *out, size_t size)
{
        const X509_NAME *name = X509_get_subject_name(cert);
        int idx = X509_NAME_get_index_by_NID(name, NID_commonName, -1);
        unsigned char *utf8 = NULL;
        int n = -1;

        if (idx >= 0)
                n = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(
                                                       X509_NAME_get_entry(name, idx)));
        if (n < 0) {
                x509_name_text(name, out, size);
                return;
        }
        snprintf(out, size, "%.*s", n, (const char *)utf8);
        OPENSSL_free(utf8);
}

int x509_spki_sha256(const X509 *cert, uint8_t out[32])
{
        X509_PUBKEY *pk = X509_get_X509_PUBKEY(cert);
        unsigned char *der = NULL;
        unsigned int n = 0;
        int len, ok;

        len = i2d_X509_PUBKEY(pk, &der);
        if (len <= 0)
                return -EINVAL;
        ok = EVP_Digest(der, (size_t)len, out, &n, EVP_sha256(), NULL);
        OPENSSL_free(der);
        return ok == 1 && n == 32 ? 0 : -EIO;
}

static int add_time(json_object *o, const char *key, const ASN1_TIME *t)
{
        struct tm tm;
        char text[32];

        if (ASN1_TIME_to_tm(t, &tm) != 1)
                return json_add_string(o, key, NULL);
        strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
        return json_add_string(o, key, text);
}

int pck_chain_to_json(STACK_OF(X509) *chain, json_object **ret)
{
        _cleanup_json_ json_object *arr = json_object_new_array();
        char text[512];
        uint8_t spki[32];
        int r = 0;

        if (!arr)
                return -ENOMEM;
        for (int i = 0; i < sk_X509_num(chain); i++) {
                X509 *cert = sk_X509_value(chain, i);
                json_object *o = json_object_new_object();

                if (!o)
                        return -ENOMEM;
                x509_name_text(X509_get_subject_name(cert), text, sizeof(text));
                r = json_add_string(o, "subject", text);
                x509_name_text(X509_get_issuer_name(cert), text, sizeof(text));
                if (r >= 0)
                        r = json_add_string(o, "issuer", text);
                if (r >= 0)
                        r = add_time(o, "not_before", X509_get0_notBefore(cert));
                if (r >= 0)
                        r = add_time(o, "not_after", X509_get0_notAfter(cert));
                if (r >= 0 && x509_spki_sha256(cert, spki) == 0)
                        r = json_add_hex(o, "spki_sha256", spki, sizeof(spki));
                if (r < 0 || (r = json_array_add(arr, o)) < 0) {
                        json_object_put(o);
                        return r;
                }
        }
        *ret = TAKE_PTR(arr);
        return 0;
}

/* --- the SGX extension ------------------------------------------------- */

static inline void asn1_seq_freep(STACK_OF(ASN1_TYPE) **s)
{
        if (*s)
                sk_ASN1_TYPE_pop_free(*s, ASN1_TYPE_free);
}
#define _cleanup_asn1_seq_ __attribute__((cleanup(asn1_seq_freep)))

/* Decodes DER SEQUENCE { OID, value } into its two members. */
static STACK_OF(ASN1_TYPE) *decode_pair(const ASN1_TYPE *t)
{
        const unsigned char *p;
        STACK_OF(ASN1_TYPE) *pair;

        if (t->type != V_ASN1_SEQUENCE)
                return NULL;
        p = t->value.sequence->data;
        pair = d2i_ASN1_SEQUENCE_ANY(NULL, &p, t->value.sequence->length);
        if (pair && (sk_ASN1_TYPE_num(pair) != 2 ||
                     sk_ASN1_TYPE_value(pair, 0)->type != V_ASN1_OBJECT)) {
                sk_ASN1_TYPE_pop_free(pair, ASN1_TYPE_free);
                return NULL;
        }
        return pair;
}

/* The last arc of oid when it is SGX_EXT_OID + prefix + ".N", else -1. */
static long oid_arc(const ASN1_OBJECT *oid, const char *prefix)
{
        char text[80], want[80];
        size_t n;
        char *end;
        long arc;

        if (OBJ_obj2txt(text, sizeof(text), oid, 1) <= 0)
                return -1;
        snprintf(want, sizeof(want), "%s%s.", SGX_EXT_OID, prefix);
        n = strlen(want);
        if (strncmp(text, want, n) != 0)
                return -1;
        arc = strtol(text + n, &end, 10);
        return *end == '\0' ? arc : -1;
}

static int octets(const ASN1_TYPE *v, uint8_t *out, size_t len)
{
        if (v->type != V_ASN1_OCTET_STRING || (size_t)v->value.octet_string->length != len)
                return -EINVAL;
        memcpy(out, v->value.octet_string->data, len);
        return 0;
}

static int parse_tcb(const ASN1_TYPE *v, struct sgx_pck_ext *x)
{
        _cleanup_asn1_seq_ STACK_OF(ASN1_TYPE) *items = NULL;
        const unsigned char *p;
        unsigned seen = 0;

        if (v->type != V_ASN1_SEQUENCE)
                return -EINVAL;
        p = v->value.sequence->data;
        items = d2i_ASN1_SEQUENCE_ANY(NULL, &p, v->value.sequence->length);
        if (!items)
                return -EINVAL;
        for (int i = 0; i < sk_ASN1_TYPE_num(items); i++) {
                _cleanup_asn1_seq_ STACK_OF(ASN1_TYPE) *pair =
                        decode_pair(sk_ASN1_TYPE_value(items, i));
                const ASN1_TYPE *val;
                long arc, n;

                if (!pair)
                        return -EINVAL;
                arc = oid_arc(sk_ASN1_TYPE_value(pair, 0)->value.object, ".2");
                val = sk_ASN1_TYPE_value(pair, 1);
                if (arc >= 1 && arc <= 17) {
                        if (val->type != V_ASN1_INTEGER)
                                return -EINVAL;
                        n = ASN1_INTEGER_get(val->value.integer);
                        if (n < 0 || n > (arc == 17 ? 0xffff : 0xff))
                                return -EINVAL;
                        if (arc == 17)
                                x->pcesvn = (uint16_t)n;
                        else
                                x->cpusvn[arc - 1] = (uint8_t)n;
                        seen |= 1u << arc;
                }
        }
        /* All 16 components and PCESVN must be present. */
        return seen == 0x3fffeu ? 0 : -EINVAL;
}

int sgx_pck_ext_parse(const X509 *leaf, struct sgx_pck_ext *ret, struct tdxh_err *e)
{
        _cleanup_asn1_seq_ STACK_OF(ASN1_TYPE) *items = NULL;
        struct sgx_pck_ext x = { 0 };
        ASN1_OBJECT *oid;
        const ASN1_OCTET_STRING *data;
        const unsigned char *p;
        unsigned seen = 0;
        int idx;

        oid = OBJ_txt2obj(SGX_EXT_OID, 1);
        if (!oid)
                return -ENOMEM;
        idx = X509_get_ext_by_OBJ(leaf, oid, -1);
        ASN1_OBJECT_free(oid);
        if (idx < 0)
                return err_setf(e, -ENOENT, "PCK certificate has no SGX extension (%s)",
                                SGX_EXT_OID);
        data = X509_EXTENSION_get_data(X509_get_ext(leaf, idx));
        p = data->data;
        items = d2i_ASN1_SEQUENCE_ANY(NULL, &p, data->length);
        if (!items)
                return err_setf(e, -EINVAL, "PCK certificate: SGX extension is not a sequence");
        for (int i = 0; i < sk_ASN1_TYPE_num(items); i++) {
                _cleanup_asn1_seq_ STACK_OF(ASN1_TYPE) *pair =
                        decode_pair(sk_ASN1_TYPE_value(items, i));
                const ASN1_TYPE *val;
                long arc;
                int r = 0;

                if (!pair)
                        return err_setf(e, -EINVAL,
                                        "PCK certificate: SGX extension item %d is not "
                                        "{OID, value}", i);
                arc = oid_arc(sk_ASN1_TYPE_value(pair, 0)->value.object, "");
                val = sk_ASN1_TYPE_value(pair, 1);
                if (arc == 2)
                        r = parse_tcb(val, &x);
                else if (arc == 3)
                        r = octets(val, x.pceid, sizeof(x.pceid));
                else if (arc == 4)
                        r = octets(val, x.fmspc, sizeof(x.fmspc));
                else
                        continue;
                if (r < 0)
                        return err_setf(e, -EINVAL,
                                        "PCK certificate: SGX extension field .%ld is malformed",
                                        arc);
                seen |= 1u << arc;
        }
        if (seen != (1u << 2 | 1u << 3 | 1u << 4))
                return err_setf(e, -EINVAL,
                                "PCK certificate: SGX extension lacks TCB, PCEID or FMSPC");
        *ret = x;
        return 0;
}
