/* Attestation keys and quotes: parsing a TPM2B_PUBLIC into a checked AK
 * with its name, and verifying a TPM2_Quote (TPMS_ATTEST and its
 * TPMT_SIGNATURE) against the AK, a nonce and PCR values; see tpm_quote.h.
 * tss2-mu reads the structures one field at a time, so that a malformed
 * one is reported with the offset and the field where it breaks. */
#include "evidence/tpm_quote.h"

#include <errno.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/param_build.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <string.h>
#include <tss2/tss2_mu.h>

#include "core/cleanup.h"
#include "core/hex.h"
#include "evidence/ecdsa.h"

/* The attributes an AK must have, and the one it must not. */
#define AK_REQUIRED                                                                     \
        (TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN | \
         TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT)

static const struct {
        uint16_t alg;
        const char *name;
        const char *md;
        size_t size;
        enum digest_alg digest;
} hashes[] = {
        { TPM2_ALG_SHA1, "sha1", "SHA1", SHA1_LEN, DIGEST_SHA1 },
        { TPM2_ALG_SHA256, "sha256", "SHA256", SHA256_LEN, DIGEST_SHA256 },
        { TPM2_ALG_SHA384, "sha384", "SHA384", SHA384_LEN, DIGEST_SHA384 },
        { TPM2_ALG_SHA512, "sha512", "SHA512", SHA512_LEN, DIGEST_SHA512 },
};

static int hash_index(uint16_t alg)
{
        for (size_t i = 0; i < ELEMENTSOF(hashes); i++)
                if (hashes[i].alg == alg)
                        return (int)i;
        return -1;
}

int tpm_bank_parse(const char *name)
{
        for (size_t i = 0; i < ELEMENTSOF(hashes); i++)
                if (strcmp(name, hashes[i].name) == 0)
                        return hashes[i].alg;
        return -EINVAL;
}

const char *tpm_bank_name(uint16_t alg)
{
        int i = hash_index(alg);

        return i < 0 ? NULL : hashes[i].name;
}

size_t tpm_alg_digest_size(uint16_t alg)
{
        int i = hash_index(alg);

        return i < 0 ? 0 : hashes[i].size;
}

void tpm_pcr_mask_format(uint32_t mask, char *out, size_t len)
{
        size_t n = 0;

        out[0] = '\0';
        for (int pcr = 0; pcr < TPM_NPCR && n < len; pcr++) {
                int end = pcr;

                if (!(mask & (1u << pcr)))
                        continue;
                while (end + 1 < TPM_NPCR && mask & (1u << (end + 1)))
                        end++;
                if (end == pcr)
                        n += (size_t)snprintf(out + n, len - n, "%s%d", n ? "," : "", pcr);
                else
                        n += (size_t)snprintf(out + n, len - n, "%s%d-%d", n ? "," : "", pcr, end);
                pcr = end;
        }
        if (!mask)
                snprintf(out, len, "none");
}

static const char *alg_label(uint16_t alg, char buf[8])
{
        const char *name = alg == TPM2_ALG_ECDSA    ? "ecdsa"
                           : alg == TPM2_ALG_RSASSA ? "rsassa"
                           : alg == TPM2_ALG_RSAPSS ? "rsapss"
                                                    : tpm_bank_name(alg);

        if (name)
                return name;
        snprintf(buf, 8, "0x%04x", alg);
        return buf;
}

void tpm_ak_done(struct tpm_ak *ak)
{
        EVP_PKEY_free(ak->key);
        ak->key = NULL;
}

/* OpenSSL's errors are reported here as one errno; its queue is emptied so
 * that nothing stale is left for the next caller. */
static int ossl_fail(int code)
{
        ERR_clear_error();
        return code;
}

static int ec_key(const TPMS_ECC_POINT *pt, uint16_t curve, EVP_PKEY **ret, struct tdxh_err *e)
{
        uint8_t point[1 + 2 * 48];
        char group[16];
        size_t size;
        int r;

        switch (curve) {
        case TPM2_ECC_NIST_P256:
                snprintf(group, sizeof(group), "prime256v1");
                size = 32;
                break;
        case TPM2_ECC_NIST_P384:
                snprintf(group, sizeof(group), "secp384r1");
                size = 48;
                break;
        default:
                return err_setf(e, -EOPNOTSUPP, "ak_public: ECC curve 0x%04x is not handled "
                                "(P-256 or P-384)", curve);
        }
        if (pt->x.size > size || pt->y.size > size)
                return err_setf(e, -EINVAL, "ak_public: unique: ECC point coordinates of %u and "
                                "%u bytes for a %zu-byte curve", pt->x.size, pt->y.size, size);
        /* Uncompressed SEC1 point; a coordinate the TPM gave shorter is
         * left-padded with zeros. */
        memset(point, 0, sizeof(point));
        point[0] = 0x04;
        memcpy(point + 1 + size - pt->x.size, pt->x.buffer, pt->x.size);
        memcpy(point + 1 + 2 * size - pt->y.size, pt->y.buffer, pt->y.size);
        r = ec_key_from_point(group, point, 1 + 2 * size, ret);
        if (r == -EINVAL)
                return err_setf(e, r, "ak_public: unique: the ECC point is not on the curve");
        return r;
}

static int rsa_key(const uint8_t *n, size_t n_len, uint32_t exponent, EVP_PKEY **ret,
                   struct tdxh_err *e)
{
        OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
        OSSL_PARAM *params = NULL;
        BIGNUM *bn = BN_bin2bn(n, (int)n_len, NULL), *be = BN_new();
        EVP_PKEY_CTX *ctx = NULL;
        EVP_PKEY *key = NULL;
        int ok;

        /* An exponent of 0 stands for the default, 2^16 + 1. */
        ok = bld && bn && be && BN_set_word(be, exponent ? exponent : 65537) == 1 &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) == 1 &&
             OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) == 1 &&
             (params = OSSL_PARAM_BLD_to_param(bld)) != NULL &&
             (ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) != NULL &&
             EVP_PKEY_fromdata_init(ctx) == 1 &&
             EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_PUBLIC_KEY, params) == 1;
        EVP_PKEY_CTX_free(ctx);
        OSSL_PARAM_free(params);
        OSSL_PARAM_BLD_free(bld);
        BN_free(bn);
        BN_free(be);
        if (!ok) {
                ossl_fail(0);
                return err_setf(e, -EINVAL, "ak_public: unique: not a usable RSA public key");
        }
        *ret = key;
        return 0;
}

/* The TPMT_PUBLIC inside a TPM2B_PUBLIC, whose bytes are what the name
 * hashes: the TPM2B's size must cover exactly the rest of the input. */
static int unmarshal_public(const char *what, const uint8_t *pub, size_t len, TPMT_PUBLIC *ret,
                            struct tdxh_err *e)
{
        TPM2B_PUBLIC p = { 0 };
        size_t off = 0;

        if (len < 2)
                return err_setf(e, -EINVAL, "%s: offset 0x0: %zu bytes, shorter than a "
                                "TPM2B_PUBLIC size", what, len);
        if (((size_t)pub[0] << 8 | pub[1]) != len - 2)
                return err_setf(e, -EINVAL, "%s: offset 0x0: TPM2B_PUBLIC size %zu, but %zu "
                                "bytes follow", what, (size_t)pub[0] << 8 | pub[1], len - 2);
        if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(pub, len, &off, &p) != TSS2_RC_SUCCESS || off != len)
                return err_setf(e, -EINVAL, "%s: offset 0x2: malformed TPMT_PUBLIC (%zu bytes)",
                                what, len - 2);
        *ret = p.publicArea;
        return 0;
}

int tpm_ak_parse(const uint8_t *pub, size_t len, struct tpm_ak *ret, struct tdxh_err *e)
{
        TPMT_PUBLIC p;
        struct tpm_ak ak = { 0 };
        uint32_t missing;
        int hi, r;

        r = unmarshal_public("ak_public", pub, len, &p, e);
        if (r < 0)
                return r;
        ak.attributes = p.objectAttributes;
        ak.name_alg = p.nameAlg;
        if (ak.attributes & TPMA_OBJECT_DECRYPT)
                return err_setf(e, -EINVAL, "ak_public: objectAttributes 0x%08x have decrypt set: "
                                "not an attestation key", ak.attributes);
        missing = AK_REQUIRED & ~ak.attributes;
        if (missing)
                return err_setf(e, -EINVAL, "ak_public: objectAttributes 0x%08x lack %s%s%s%s%s"
                                "(an attestation key is a restricted signing key made in and "
                                "bound to its TPM)", ak.attributes,
                                missing & TPMA_OBJECT_SIGN_ENCRYPT ? "sign " : "",
                                missing & TPMA_OBJECT_RESTRICTED ? "restricted " : "",
                                missing & TPMA_OBJECT_FIXEDTPM ? "fixedTPM " : "",
                                missing & TPMA_OBJECT_FIXEDPARENT ? "fixedParent " : "",
                                missing & TPMA_OBJECT_SENSITIVEDATAORIGIN ? "sensitiveDataOrigin "
                                                                          : "");
        hi = hash_index(ak.name_alg);
        if (hi < 0)
                return err_setf(e, -EOPNOTSUPP, "ak_public: nameAlg 0x%04x is not handled",
                                ak.name_alg);
        switch (p.type) {
        case TPM2_ALG_ECC:
                ak.scheme = p.parameters.eccDetail.scheme.scheme;
                ak.sig_hash = p.parameters.eccDetail.scheme.details.ecdsa.hashAlg;
                if (ak.scheme != TPM2_ALG_ECDSA)
                        return err_setf(e, -EOPNOTSUPP, "ak_public: ECC scheme 0x%04x is not "
                                        "ECDSA", ak.scheme);
                r = ec_key(&p.unique.ecc, p.parameters.eccDetail.curveID, &ak.key, e);
                break;
        case TPM2_ALG_RSA:
                ak.scheme = p.parameters.rsaDetail.scheme.scheme;
                ak.sig_hash = p.parameters.rsaDetail.scheme.details.rsassa.hashAlg;
                if (ak.scheme != TPM2_ALG_RSASSA && ak.scheme != TPM2_ALG_RSAPSS)
                        return err_setf(e, -EOPNOTSUPP, "ak_public: RSA scheme 0x%04x is "
                                        "neither RSASSA nor RSAPSS", ak.scheme);
                if ((size_t)p.unique.rsa.size * 8 != p.parameters.rsaDetail.keyBits)
                        return err_setf(e, -EINVAL, "ak_public: unique: RSA modulus of %u bytes "
                                        "for keyBits %u", p.unique.rsa.size,
                                        p.parameters.rsaDetail.keyBits);
                r = rsa_key(p.unique.rsa.buffer, p.unique.rsa.size,
                            p.parameters.rsaDetail.exponent, &ak.key, e);
                break;
        default:
                return err_setf(e, -EOPNOTSUPP, "ak_public: type 0x%04x is neither ECC nor RSA",
                                p.type);
        }
        if (r < 0)
                return r;
        if (hash_index(ak.sig_hash) < 0) {
                tpm_ak_done(&ak);
                return err_setf(e, -EINVAL, "ak_public: the signing scheme's hash 0x%04x is not "
                                "a hash", ak.sig_hash);
        }
        /* Name: nameAlg || H_nameAlg(TPMT_PUBLIC), over the bytes as given. */
        ak.name[0] = (uint8_t)(ak.name_alg >> 8);
        ak.name[1] = (uint8_t)ak.name_alg;
        ak.name_len = 2 + hashes[hi].size;
        r = digest_buf(hashes[hi].digest, pub + 2, len - 2, ak.name + 2);
        if (r < 0) {
                tpm_ak_done(&ak);
                return err_setf(e, r, "ak_public: hashing the name failed");
        }
        *ret = ak;
        return 0;
}

int tpm_ak_check_name(const struct tpm_ak *ak, const uint8_t *name, size_t len,
                      struct tdxh_err *e)
{
        char got[2 * TPM_NAME_MAX + 1], want[2 * TPM_NAME_MAX + 1];

        if (len == ak->name_len && memcmp(name, ak->name, len) == 0)
                return 0;
        hex_encode(ak->name, ak->name_len, got);
        hex_encode(name, len > TPM_NAME_MAX ? TPM_NAME_MAX : len, want);
        return err_setf(e, -EACCES, "ak_public: its name %s is not %s%s", got, want,
                        len > TPM_NAME_MAX ? "..." : "");
}

/* The fields of TPMS_ATTEST a quote carries, in order. */
struct attest_view {
        uint32_t magic;
        uint16_t type;
        TPM2B_NAME signer;
        TPM2B_DATA extra;
        TPMS_CLOCK_INFO clock;
        uint64_t firmware;
        TPML_PCR_SELECTION sel;
        TPM2B_DIGEST digest;
};

#define TAKE(fn, field, dst)                                                                  \
        do {                                                                                  \
                size_t at_ = off;                                                             \
                if (fn(buf, len, &off, dst) != TSS2_RC_SUCCESS)                               \
                        return err_setf(e, -EINVAL, "attest: offset 0x%zx: %s is truncated or " \
                                        "malformed (TPMS_ATTEST of %zu bytes)", at_, field, len); \
        } while (0)

/* Magic and type are checked as soon as they are read: past a wrong one the
 * rest is not a quote and its fields mean nothing. */
static int parse_attest(const uint8_t *buf, size_t len, struct attest_view *v, struct tdxh_err *e)
{
        size_t off = 0;

        memset(v, 0, sizeof(*v));
        TAKE(Tss2_MU_UINT32_Unmarshal, "magic", &v->magic);
        if (v->magic != TPM2_GENERATED_VALUE)
                return err_setf(e, -EINVAL, "attest: offset 0x0: magic 0x%08x is not "
                                "TPM_GENERATED_VALUE 0x%08x", v->magic, TPM2_GENERATED_VALUE);
        TAKE(Tss2_MU_UINT16_Unmarshal, "type", &v->type);
        if (v->type != TPM2_ST_ATTEST_QUOTE)
                return err_setf(e, -EINVAL, "attest: offset 0x4: type 0x%04x is not "
                                "TPM_ST_ATTEST_QUOTE 0x%04x", v->type, TPM2_ST_ATTEST_QUOTE);
        TAKE(Tss2_MU_TPM2B_NAME_Unmarshal, "qualifiedSigner", &v->signer);
        TAKE(Tss2_MU_TPM2B_DATA_Unmarshal, "extraData", &v->extra);
        TAKE(Tss2_MU_TPMS_CLOCK_INFO_Unmarshal, "clockInfo", &v->clock);
        TAKE(Tss2_MU_UINT64_Unmarshal, "firmwareVersion", &v->firmware);
        TAKE(Tss2_MU_TPML_PCR_SELECTION_Unmarshal, "attested.quote.pcrSelect", &v->sel);
        TAKE(Tss2_MU_TPM2B_DIGEST_Unmarshal, "attested.quote.pcrDigest", &v->digest);
        if (off != len)
                return err_setf(e, -EINVAL, "attest: offset 0x%zx: %zu bytes after the end of "
                                "TPMS_ATTEST", off, len - off);
        return 0;
}

/* The selection as "sha384:0-16" (several banks joined by " + "), and
 * whether it is exactly mask of bank. */
static bool selection_is(const TPML_PCR_SELECTION *sel, uint16_t bank, uint32_t mask, char *out,
                         size_t len)
{
        bool same = sel->count == 1;
        size_t n = 0;

        out[0] = '\0';
        for (uint32_t i = 0; i < sel->count && i < TPM2_NUM_PCR_BANKS; i++) {
                const TPMS_PCR_SELECTION *s = &sel->pcrSelections[i];
                uint32_t m = 0;
                bool beyond = false;
                char pcrs[96], alg[8];

                for (uint8_t b = 0; b < s->sizeofSelect && b < TPM2_PCR_SELECT_MAX; b++) {
                        if (b < 3)
                                m |= (uint32_t)s->pcrSelect[b] << (8 * b);
                        else if (s->pcrSelect[b])
                                beyond = true;
                }
                tpm_pcr_mask_format(m, pcrs, sizeof(pcrs));
                if (n < len)
                        n += (size_t)snprintf(out + n, len - n, "%s%s:%s%s", i ? " + " : "",
                                              alg_label(s->hash, alg), pcrs,
                                              beyond ? " and PCRs past 23" : "");
                same = same && s->hash == bank && m == mask && !beyond;
        }
        if (sel->count == 0)
                snprintf(out, len, "no PCRs");
        return same;
}

static int ecdsa_der(const TPMS_SIGNATURE_ECC *s, uint8_t **ret, size_t *ret_len)
{
        ECDSA_SIG *sig = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(s->signatureR.buffer, s->signatureR.size, NULL);
        BIGNUM *sv = BN_bin2bn(s->signatureS.buffer, s->signatureS.size, NULL);
        unsigned char *der = NULL;
        int n;

        if (!sig || !r || !sv || ECDSA_SIG_set0(sig, r, sv) != 1) {
                ECDSA_SIG_free(sig);
                BN_free(r);
                BN_free(sv);
                return ossl_fail(-ENOMEM);
        }
        n = i2d_ECDSA_SIG(sig, &der);
        ECDSA_SIG_free(sig);
        if (n <= 0)
                return ossl_fail(-ENOMEM);
        *ret = der;
        *ret_len = (size_t)n;
        return 0;
}

/* 1 valid, 0 not, negative errno when it could not be checked. */
static int verify_sig(const struct tpm_ak *ak, const TPMT_SIGNATURE *s, const uint8_t *data,
                      size_t len)
{
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pctx = NULL;
        unsigned char *der = NULL;
        const uint8_t *sig;
        size_t sig_len;
        int r;

        if (!md)
                return -ENOMEM;
        if (s->sigAlg == TPM2_ALG_ECDSA) {
                r = ecdsa_der(&s->signature.ecdsa, &der, &sig_len);
                if (r < 0) {
                        EVP_MD_CTX_free(md);
                        return r;
                }
                sig = der;
        } else {
                sig = s->signature.rsassa.sig.buffer;
                sig_len = s->signature.rsassa.sig.size;
        }
        r = EVP_DigestVerifyInit_ex(md, &pctx, hashes[hash_index(ak->sig_hash)].md, NULL, NULL,
                                    ak->key, NULL) == 1 ? 0 : -EIO;
        if (r == 0 && s->sigAlg == TPM2_ALG_RSAPSS &&
            (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
             EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_AUTO) != 1))
                r = -EIO;
        if (r == 0)
                r = EVP_DigestVerify(md, sig, sig_len, data, len) == 1 ? 1 : 0;
        EVP_MD_CTX_free(md);
        OPENSSL_free(der);
        ERR_clear_error();
        return r;
}

static int check_signature(const struct tpm_ak *ak, const struct tpm_quote_evidence *q,
                           struct tdxh_err *e)
{
        TPMT_SIGNATURE s = { 0 };
        size_t off = 0;
        char a[8], b[8], c[8], d[8], f[8], g[8];
        int r;

        if (Tss2_MU_TPMT_SIGNATURE_Unmarshal(q->signature, q->signature_len, &off, &s) !=
            TSS2_RC_SUCCESS)
                return err_setf(e, -EINVAL, "signature: truncated or malformed TPMT_SIGNATURE "
                                "(%zu bytes)", q->signature_len);
        if (off != q->signature_len)
                return err_setf(e, -EINVAL, "signature: offset 0x%zx: %zu bytes after the end "
                                "of TPMT_SIGNATURE", off, q->signature_len - off);
        /* Every signature scheme's details start with its hash. */
        if (s.sigAlg != ak->scheme || s.signature.any.hashAlg != ak->sig_hash)
                return err_setf(e, -EINVAL, "signature: scheme %s with %s, but the AK signs "
                                "with %s and %s", alg_label(s.sigAlg, f),
                                alg_label(s.signature.any.hashAlg, a), alg_label(ak->scheme, g),
                                alg_label(ak->sig_hash, b));
        r = verify_sig(ak, &s, q->attest, q->attest_len);
        if (r < 0)
                return err_setf(e, r, "signature: could not be checked");
        if (r == 0)
                return err_setf(e, -EBADMSG, "signature: not a valid %s/%s signature of the "
                                "attest bytes by the AK", alg_label(s.sigAlg, c),
                                alg_label(ak->sig_hash, d));
        return 0;
}

/* H(values of the selected PCRs, ascending), as TPM2_Quote computes it. */
static int pcr_digest(uint16_t hash, const struct tpm_pcr_values *pcrs, uint8_t *out)
{
        struct digest d = { 0 };
        size_t size = tpm_alg_digest_size(pcrs->bank);
        int r = digest_begin(&d, hashes[hash_index(hash)].digest);

        for (int pcr = 0; r >= 0 && pcr < TPM_NPCR; pcr++)
                if (pcrs->mask & (1u << pcr))
                        r = digest_update(&d, pcrs->value[pcr], size);
        if (r >= 0)
                r = digest_end(&d, out);
        digest_done(&d);
        return r;
}

int tpm_quote_verify(const struct tpm_quote_evidence *q, const uint8_t *nonce, size_t nonce_len,
                     const struct tpm_pcr_values *pcrs, struct tpm_quote_result *ret,
                     struct tdxh_err *e)
{
        _cleanup_tpm_ak_ struct tpm_ak ak = { 0 };
        struct attest_view v;
        uint8_t digest[DIGEST_MAX_LEN];
        char got[2 * TPM_NONCE_MAX + 1], want[2 * TPM_NONCE_MAX + 1], sel[160], mask[96];
        size_t dsize;
        int r;

        if (!tpm_bank_name(pcrs->bank))
                return err_setf(e, -EINVAL, "pcr_values: bank 0x%04x is not a hash", pcrs->bank);
        if (nonce_len > TPM_NONCE_MAX)
                return err_setf(e, -EINVAL, "nonce: %zu bytes, at most %d fit in extraData",
                                nonce_len, TPM_NONCE_MAX);
        r = tpm_ak_parse(q->ak_public, q->ak_public_len, &ak, e);
        if (r < 0)
                return r;
        r = parse_attest(q->attest, q->attest_len, &v, e);
        if (r < 0)
                return r;
        r = check_signature(&ak, q, e);
        if (r < 0)
                return r;
        if (v.extra.size != nonce_len || memcmp(v.extra.buffer, nonce, nonce_len) != 0) {
                hex_encode(v.extra.buffer, v.extra.size, got);
                hex_encode(nonce, nonce_len, want);
                return err_setf(e, -EACCES, "attest: extraData \"%s\" is not the nonce \"%s\" "
                                "(a replayed or foreign quote)", got, want);
        }
        if (!selection_is(&v.sel, pcrs->bank, pcrs->mask, sel, sizeof(sel))) {
                tpm_pcr_mask_format(pcrs->mask, mask, sizeof(mask));
                return err_setf(e, -EACCES, "attest: pcrSelect is %s, the PCR values given are "
                                "%s:%s", sel, tpm_bank_name(pcrs->bank), mask);
        }
        dsize = tpm_alg_digest_size(ak.sig_hash);
        r = pcr_digest(ak.sig_hash, pcrs, digest);
        if (r < 0)
                return err_setf(e, r, "pcr_values: hashing failed");
        if (v.digest.size != dsize || memcmp(v.digest.buffer, digest, dsize) != 0) {
                hex_encode(v.digest.buffer, v.digest.size > DIGEST_MAX_LEN ? DIGEST_MAX_LEN
                                                                             : v.digest.size,
                           got);
                hex_encode(digest, dsize, want);
                return err_setf(e, -EACCES, "attest: pcrDigest %s is not the %s of the PCR values "
                                "given (%s): the values differ from what the TPM quoted", got,
                                tpm_bank_name(ak.sig_hash), want);
        }
        if (ret) {
                *ret = (struct tpm_quote_result){
                        .bank = pcrs->bank,
                        .mask = pcrs->mask,
                        .clock = v.clock.clock,
                        .reset_count = v.clock.resetCount,
                        .restart_count = v.clock.restartCount,
                        .safe = v.clock.safe != 0,
                        .firmware_version = v.firmware,
                        .qualified_signer_len = v.signer.size > TPM_NAME_MAX ? TPM_NAME_MAX
                                                                             : v.signer.size,
                };
                memcpy(ret->qualified_signer, v.signer.name, ret->qualified_signer_len);
        }
        return 0;
}
