/* TPM 2.0 attestation on the host (evidence/tpm_quote.h), without a TPM:
 * quotes are TPMS_ATTEST structures built here and signed with keys made
 * here with OpenSSL, so every way a quote can be wrong is made on purpose
 * (nonce, a PCR value, the selection, the signature, magic, type, every
 * truncation) and must fail with its own message. Credentials are checked
 * by undoing them with the EK's private key made here (the inverse of
 * TPM2_MakeCredential, TPM2_ActivateCredential's job); KDFa is checked
 * against the TCG reference implementation's self-test vectors. The real
 * TPM round trip is test_it_tpm_attest. */
#include <errno.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

#include "core/cleanup.h"
#include "core/digest.h"
#include "core/hex.h"
#include "evidence/tpm_quote.h"
#include "testutil.h"
#include "tpm_forge.h"

#define AK_ATTRS TPM_FORGE_AK_ATTRS
#define DEFAULT_MASK 0x1ffffu /* PCRs 0-16 */

/* A quote under construction: the parts a test changes before signing. */
struct q {
        EVP_PKEY *key;
        TPM2B_PUBLIC pub;
        TPMS_ATTEST attest;
        struct tpm_pcr_values pcrs;
        uint8_t nonce[32];
        /* marshalled */
        uint8_t pubm[sizeof(TPM2B_PUBLIC)], attm[sizeof(TPMS_ATTEST)],
                sigm[sizeof(TPMT_SIGNATURE)];
        size_t pub_len, att_len, sig_len;
};

static EVP_PKEY *ec_key_new(void)
{
        EVP_PKEY *k = EVP_EC_gen("P-256");

        ck_assert_ptr_nonnull(k);
        return k;
}

static EVP_PKEY *rsa_key_new(void)
{
        EVP_PKEY *k = EVP_RSA_gen(2048);

        ck_assert_ptr_nonnull(k);
        return k;
}

static void marshal_public(struct q *q)
{
        q->pub_len = 0;
        ck_assert_int_eq(Tss2_MU_TPM2B_PUBLIC_Marshal(&q->pub, q->pubm, sizeof(q->pubm),
                                                      &q->pub_len),
                         TSS2_RC_SUCCESS);
}

/* pcrDigest = SHA-256 of the selected values, ascending. */
static void quote_digest(const struct tpm_pcr_values *v, TPM2B_DIGEST *out)
{
        struct digest d = { 0 };
        size_t size = tpm_alg_digest_size(v->bank);

        ck_assert_int_eq(digest_begin(&d, DIGEST_SHA256), 0);
        for (int i = 0; i < TPM_NPCR; i++)
                if (v->mask & (1u << i))
                        ck_assert_int_eq(digest_update(&d, v->value[i], size), 0);
        out->size = SHA256_LEN;
        ck_assert_int_eq(digest_end(&d, out->buffer), 0);
}

static void selection(TPML_PCR_SELECTION *s, uint16_t bank, uint32_t mask)
{
        memset(s, 0, sizeof(*s));
        s->count = 1;
        s->pcrSelections[0].hash = bank;
        s->pcrSelections[0].sizeofSelect = 3;
        for (int b = 0; b < 3; b++)
                s->pcrSelections[0].pcrSelect[b] = (uint8_t)(mask >> (8 * b));
}

/* A good ECDSA quote over SHA-384 PCRs 0-16 with distinct values. */
static void q_init(struct q *q)
{
        TPMS_ATTEST *a = &q->attest;

        memset(q, 0, sizeof(*q));
        q->key = ec_key_new();
        tpm_forge_public_ecc(q->key, AK_ATTRS, &q->pub);
        q->pcrs.bank = TPM2_ALG_SHA384;
        q->pcrs.mask = DEFAULT_MASK;
        for (int i = 0; i < TPM_NPCR; i++)
                memset(q->pcrs.value[i], 0x10 + i, SHA384_LEN);
        for (size_t i = 0; i < sizeof(q->nonce); i++)
                q->nonce[i] = (uint8_t)(0xa0 + i);
        a->magic = TPM2_GENERATED_VALUE;
        a->type = TPM2_ST_ATTEST_QUOTE;
        a->qualifiedSigner.size = 34;
        memset(a->qualifiedSigner.name, 0x5a, 34);
        a->extraData.size = sizeof(q->nonce);
        memcpy(a->extraData.buffer, q->nonce, sizeof(q->nonce));
        a->clockInfo.clock = 123456789;
        a->clockInfo.resetCount = 3;
        a->clockInfo.restartCount = 1;
        a->clockInfo.safe = 1;
        a->firmwareVersion = 0x2019102300163636ull;
        selection(&a->attested.quote.pcrSelect, TPM2_ALG_SHA384, DEFAULT_MASK);
        quote_digest(&q->pcrs, &a->attested.quote.pcrDigest);
}

static void sign_ecdsa(struct q *q)
{
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        uint8_t der[80];
        const uint8_t *p = der;
        size_t der_len = sizeof(der);
        ECDSA_SIG *sig;
        TPMT_SIGNATURE s = { .sigAlg = TPM2_ALG_ECDSA };
        const BIGNUM *r, *sv;

        ck_assert_int_eq(EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, q->key), 1);
        ck_assert_int_eq(EVP_DigestSign(md, der, &der_len, q->attm, q->att_len), 1);
        EVP_MD_CTX_free(md);
        sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
        ck_assert_ptr_nonnull(sig);
        ECDSA_SIG_get0(sig, &r, &sv);
        s.signature.ecdsa.hash = TPM2_ALG_SHA256;
        s.signature.ecdsa.signatureR.size = 32;
        s.signature.ecdsa.signatureS.size = 32;
        ck_assert_int_eq(BN_bn2binpad(r, s.signature.ecdsa.signatureR.buffer, 32), 32);
        ck_assert_int_eq(BN_bn2binpad(sv, s.signature.ecdsa.signatureS.buffer, 32), 32);
        ECDSA_SIG_free(sig);
        q->sig_len = 0;
        ck_assert_int_eq(Tss2_MU_TPMT_SIGNATURE_Marshal(&s, q->sigm, sizeof(q->sigm), &q->sig_len),
                         TSS2_RC_SUCCESS);
}

static void sign_rsa(struct q *q, uint16_t scheme)
{
        EVP_MD_CTX *md = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pctx = NULL;
        TPMT_SIGNATURE s = { .sigAlg = scheme };
        size_t n = 256;

        ck_assert_int_eq(EVP_DigestSignInit(md, &pctx, EVP_sha256(), NULL, q->key), 1);
        if (scheme == TPM2_ALG_RSAPSS) {
                ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
                ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST), 1);
        }
        s.signature.rsassa.hash = TPM2_ALG_SHA256;
        ck_assert_int_eq(EVP_DigestSign(md, s.signature.rsassa.sig.buffer, &n, q->attm,
                                        q->att_len),
                         1);
        s.signature.rsassa.sig.size = (UINT16)n;
        EVP_MD_CTX_free(md);
        q->sig_len = 0;
        ck_assert_int_eq(Tss2_MU_TPMT_SIGNATURE_Marshal(&s, q->sigm, sizeof(q->sigm), &q->sig_len),
                         TSS2_RC_SUCCESS);
}

/* Marshals the public area and the attest and signs them. */
static void q_seal(struct q *q)
{
        marshal_public(q);
        q->att_len = 0;
        ck_assert_int_eq(Tss2_MU_TPMS_ATTEST_Marshal(&q->attest, q->attm, sizeof(q->attm),
                                                     &q->att_len),
                         TSS2_RC_SUCCESS);
        if (q->pub.publicArea.type == TPM2_ALG_ECC)
                sign_ecdsa(q);
        else
                sign_rsa(q, q->pub.publicArea.parameters.rsaDetail.scheme.scheme);
}

static void q_done(struct q *q)
{
        EVP_PKEY_free(q->key);
}

static int q_verify(const struct q *q, struct tpm_quote_result *res, struct tdxh_err *e)
{
        struct tpm_quote_evidence ev = { .ak_public = q->pubm, .ak_public_len = q->pub_len,
                                         .attest = q->attm, .attest_len = q->att_len,
                                         .signature = q->sigm, .signature_len = q->sig_len };

        err_clear(e);
        return tpm_quote_verify(&ev, q->nonce, sizeof(q->nonce), &q->pcrs, res, e);
}

START_TEST(test_quote_good_verifies_and_reports_the_clock)
{
        struct q q;
        struct tpm_quote_result res;
        struct tdxh_err e = { 0 };

        q_init(&q);
        q_seal(&q);
        ck_assert_msg(q_verify(&q, &res, &e) == 0, "%s", e.msg);
        ck_assert_uint_eq(res.mask, DEFAULT_MASK);
        ck_assert_uint_eq(res.bank, TPM2_ALG_SHA384);
        ck_assert_uint_eq(res.clock, 123456789);
        ck_assert_uint_eq(res.reset_count, 3);
        ck_assert_uint_eq(res.restart_count, 1);
        ck_assert(res.safe);
        ck_assert_uint_eq(res.firmware_version, 0x2019102300163636ull);
        ck_assert_uint_eq(res.qualified_signer_len, 34);
        ck_assert_uint_eq(res.qualified_signer[0], 0x5a);
        q_done(&q);
}
END_TEST

/* What a test changes, and the message that must come out. */
enum change {
        CH_NONCE,          /* the verifier expects another nonce */
        CH_PCR_VALUE,      /* a PCR value given differs from the quoted one */
        CH_VALUES_FEWER,   /* values given for fewer PCRs than quoted */
        CH_SELECTION_BANK, /* the quote is over the SHA-256 bank */
        CH_SELECTION_TWO,  /* the quote selects two banks */
        CH_ATTEST_BYTE,    /* a byte of the attest changed after signing */
        CH_SIG_BYTE,       /* a byte of the signature's S changed */
        CH_MAGIC,          /* signed, but not TPM_GENERATED_VALUE */
        CH_TYPE,           /* signed, but a certify structure */
        CH_TRAILING,       /* a byte after TPMS_ATTEST, signed */
        CH_OTHER_KEY,      /* signed by a key that is not the AK */
        CH_SIG_SCHEME,     /* the signature claims SHA-384 */
        CH_NONCE_EMPTY,    /* the quote carries no nonce */
};

static const struct {
        enum change change;
        int err;
        const char *msg;
} changes[] = {
        { CH_NONCE, -EACCES, "attest: extraData \"a0a1" },
        { CH_PCR_VALUE, -EACCES, "attest: pcrDigest " },
        { CH_VALUES_FEWER, -EACCES,
          "attest: pcrSelect is sha384:0-16, the PCR values given are sha384:0-9,11-16" },
        { CH_SELECTION_BANK, -EACCES,
          "attest: pcrSelect is sha256:0-16, the PCR values given are sha384:0-16" },
        { CH_SELECTION_TWO, -EACCES,
          "attest: pcrSelect is sha384:0-16 + sha256:0-7, the PCR values given are sha384:0-16" },
        { CH_ATTEST_BYTE, -EBADMSG, "signature: not a valid ecdsa/sha256 signature of the attest "
                                    "bytes by the AK" },
        { CH_SIG_BYTE, -EBADMSG, "signature: not a valid ecdsa/sha256 signature" },
        { CH_MAGIC, -EINVAL, "attest: offset 0x0: magic 0xff544348 is not TPM_GENERATED_VALUE "
                             "0xff544347" },
        { CH_TYPE, -EINVAL, "attest: offset 0x4: type 0x8017 is not TPM_ST_ATTEST_QUOTE 0x8018" },
        { CH_TRAILING, -EINVAL, "bytes after the end of TPMS_ATTEST" },
        { CH_OTHER_KEY, -EBADMSG, "signature: not a valid" },
        { CH_SIG_SCHEME, -EINVAL, "signature: scheme ecdsa with sha384, but the AK signs with "
                                  "ecdsa and sha256" },
        { CH_NONCE_EMPTY, -EACCES, "attest: extraData \"\" is not the nonce" },
};

START_TEST(test_quote_each_wrong_part_fails_with_its_own_message)
{
        struct q q;
        struct tdxh_err e = { 0 };
        EVP_PKEY *other;
        TPMT_SIGNATURE s;
        size_t off = 0;

        q_init(&q);
        switch (changes[_i].change) {
        case CH_NONCE:
                q_seal(&q);
                q.nonce[31] ^= 1;
                break;
        case CH_PCR_VALUE:
                q_seal(&q);
                q.pcrs.value[7][0] ^= 0x80;
                break;
        case CH_VALUES_FEWER:
                q_seal(&q);
                q.pcrs.mask &= ~(1u << 10);
                break;
        case CH_SELECTION_BANK:
                selection(&q.attest.attested.quote.pcrSelect, TPM2_ALG_SHA256, DEFAULT_MASK);
                q_seal(&q);
                break;
        case CH_SELECTION_TWO:
                q.attest.attested.quote.pcrSelect.count = 2;
                q.attest.attested.quote.pcrSelect.pcrSelections[1] =
                        (TPMS_PCR_SELECTION){ .hash = TPM2_ALG_SHA256, .sizeofSelect = 3,
                                              .pcrSelect = { 0xff } };
                q_seal(&q);
                break;
        case CH_ATTEST_BYTE:
                q_seal(&q);
                q.attm[20] ^= 1; /* inside qualifiedSigner: still well formed */
                break;
        case CH_SIG_BYTE:
                q_seal(&q);
                q.sigm[q.sig_len - 1] ^= 1;
                break;
        case CH_MAGIC:
                q.attest.magic = TPM2_GENERATED_VALUE + 1;
                q_seal(&q);
                break;
        case CH_TYPE:
                q.attest.type = TPM2_ST_ATTEST_CERTIFY;
                q_seal(&q);
                break;
        case CH_TRAILING:
                q_seal(&q);
                q.attm[q.att_len++] = 0;
                sign_ecdsa(&q);
                break;
        case CH_OTHER_KEY:
                q_seal(&q);
                other = q.key;
                q.key = ec_key_new();
                sign_ecdsa(&q); /* the AK's public area stays the first key's */
                EVP_PKEY_free(other);
                break;
        case CH_SIG_SCHEME:
                q_seal(&q);
                ck_assert_int_eq(Tss2_MU_TPMT_SIGNATURE_Unmarshal(q.sigm, q.sig_len, &off, &s),
                                 TSS2_RC_SUCCESS);
                s.signature.ecdsa.hash = TPM2_ALG_SHA384;
                q.sig_len = 0;
                ck_assert_int_eq(Tss2_MU_TPMT_SIGNATURE_Marshal(&s, q.sigm, sizeof(q.sigm),
                                                                &q.sig_len),
                                 TSS2_RC_SUCCESS);
                break;
        case CH_NONCE_EMPTY:
                q.attest.extraData.size = 0;
                q_seal(&q);
                break;
        }
        ck_assert_int_eq(q_verify(&q, NULL, &e), changes[_i].err);
        ck_assert_msg(strstr(e.msg, changes[_i].msg) != NULL, "case %d: \"%s\" lacks \"%s\"", _i,
                      e.msg, changes[_i].msg);
        ck_assert_ptr_null(strchr(e.msg, '\n'));
        q_done(&q);
}
END_TEST

START_TEST(test_quote_truncated_at_every_length_names_the_offset)
{
        struct q q;
        struct tdxh_err e = { 0 };
        size_t full;

        q_init(&q);
        q_seal(&q);
        full = q.att_len;
        for (size_t len = 0; len < full; len++) {
                q.att_len = len;
                ck_assert_int_eq(q_verify(&q, NULL, &e), -EINVAL);
                ck_assert_msg(strncmp(e.msg, "attest: offset 0x", 17) == 0 &&
                                      strstr(e.msg, "truncated or malformed") != NULL,
                              "length %zu: %s", len, e.msg);
        }
        q.att_len = full;
        full = q.sig_len;
        for (size_t len = 0; len < full; len++) {
                q.sig_len = len;
                ck_assert_int_eq(q_verify(&q, NULL, &e), -EINVAL);
                ck_assert_msg(strstr(e.msg, "signature: ") == e.msg, "length %zu: %s", len, e.msg);
        }
        q.sig_len = full;
        full = q.pub_len;
        for (size_t len = 0; len < full; len++) {
                q.pub_len = len;
                ck_assert_int_eq(q_verify(&q, NULL, &e), -EINVAL);
                ck_assert_msg(strstr(e.msg, "ak_public: offset 0x") == e.msg, "length %zu: %s",
                              len, e.msg);
        }
        q.pub_len = full;
        ck_assert_int_eq(q_verify(&q, NULL, &e), 0);
        q_done(&q);
}
END_TEST

START_TEST(test_quote_with_rsa_aks_verifies)
{
        static const uint16_t schemes[] = { TPM2_ALG_RSASSA, TPM2_ALG_RSAPSS };
        struct tdxh_err e = { 0 };

        for (size_t i = 0; i < ELEMENTSOF(schemes); i++) {
                struct q q;

                q_init(&q);
                EVP_PKEY_free(q.key);
                q.key = rsa_key_new();
                tpm_forge_public_rsa(q.key, AK_ATTRS, schemes[i], &q.pub);
                q_seal(&q);
                ck_assert_msg(q_verify(&q, NULL, &e) == 0, "scheme 0x%04x: %s", schemes[i],
                              e.msg);
                q.attm[20] ^= 1;
                ck_assert_int_eq(q_verify(&q, NULL, &e), -EBADMSG);
                q_done(&q);
        }
}
END_TEST

/* Public areas that are not attestation keys. */
static const struct {
        uint32_t clear, set;
        const char *msg;
} bad_aks[] = {
        { TPMA_OBJECT_RESTRICTED, 0, "lack restricted (an attestation key" },
        { TPMA_OBJECT_FIXEDTPM, 0, "lack fixedTPM " },
        { TPMA_OBJECT_FIXEDPARENT, 0, "lack fixedParent " },
        { TPMA_OBJECT_SENSITIVEDATAORIGIN, 0, "lack sensitiveDataOrigin " },
        { TPMA_OBJECT_SIGN_ENCRYPT, 0, "lack sign " },
        { 0, TPMA_OBJECT_DECRYPT, "have decrypt set: not an attestation key" },
};

START_TEST(test_ak_that_is_not_a_restricted_bound_signing_key_is_refused)
{
        struct q q;
        struct tpm_ak ak = { 0 };
        struct tdxh_err e = { 0 };

        q_init(&q);
        q.pub.publicArea.objectAttributes &= ~bad_aks[_i].clear;
        q.pub.publicArea.objectAttributes |= bad_aks[_i].set;
        q_seal(&q);
        ck_assert_int_eq(tpm_ak_parse(q.pubm, q.pub_len, &ak, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, bad_aks[_i].msg) != NULL, "%s", e.msg);
        /* A quote signed by such a key proves nothing either. */
        ck_assert_int_eq(q_verify(&q, NULL, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, bad_aks[_i].msg) != NULL, "%s", e.msg);
        q_done(&q);
}
END_TEST

START_TEST(test_ak_name_is_namealg_and_hash_of_the_public_area)
{
        struct q q;
        struct tpm_ak ak = { 0 };
        struct tdxh_err e = { 0 };
        uint8_t want[2 + SHA256_LEN] = { 0x00, 0x0b };

        q_init(&q);
        marshal_public(&q);
        ck_assert_msg(tpm_ak_parse(q.pubm, q.pub_len, &ak, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(digest_buf(DIGEST_SHA256, q.pubm + 2, q.pub_len - 2, want + 2), 0);
        ck_assert_uint_eq(ak.name_len, sizeof(want));
        ck_assert_mem_eq(ak.name, want, sizeof(want));
        ck_assert_uint_eq(ak.scheme, TPM2_ALG_ECDSA);
        ck_assert_uint_eq(ak.sig_hash, TPM2_ALG_SHA256);
        ck_assert_int_eq(tpm_ak_check_name(&ak, want, sizeof(want), &e), 0);
        want[5] ^= 1;
        ck_assert_int_eq(tpm_ak_check_name(&ak, want, sizeof(want), &e), -EACCES);
        ck_assert_msg(strstr(e.msg, "ak_public: its name 000b") == e.msg, "%s", e.msg);
        tpm_ak_done(&ak);
        /* A size that does not cover the rest exactly is refused. */
        q.pubm[q.pub_len++] = 0;
        err_clear(&e);
        ck_assert_int_eq(tpm_ak_parse(q.pubm, q.pub_len, &ak, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "ak_public: offset 0x0: TPM2B_PUBLIC size") == e.msg, "%s",
                      e.msg);
        q_done(&q);
}
END_TEST

START_TEST(test_pcr_mask_formats_as_ranges)
{
        static const struct {
                uint32_t mask;
                const char *text;
        } cases[] = {
                { 0, "none" },          { 1, "0" },          { 0x1ffff, "0-16" },
                { 0x1fbff, "0-9,11-16" }, { 0x800082, "1,7,23" }, { 0xffffff, "0-23" },
        };
        char out[96];

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                tpm_pcr_mask_format(cases[i].mask, out, sizeof(out));
                ck_assert_str_eq(out, cases[i].text);
        }
        ck_assert_int_eq(tpm_bank_parse("sha384"), TPM2_ALG_SHA384);
        ck_assert_int_eq(tpm_bank_parse("sha3"), -EINVAL);
        ck_assert_uint_eq(tpm_alg_digest_size(TPM2_ALG_SHA256), 32);
}
END_TEST

/* The TCG reference implementation's KDFa self-test (libtpms
 * src/tpm2/KdfTestData.h): key, label "KDFSELFTESTLABEL", contextU,
 * contextV, 160 bits out, one expected output per hash. */
static const uint8_t kdf_key[20] = { 0x27, 0x1F, 0xA0, 0x8B, 0xBD, 0xC5, 0x06, 0x0E, 0xC3, 0xDF,
                                     0xA9, 0x28, 0xFF, 0x9B, 0x73, 0x12, 0x3A, 0x12, 0xDA, 0x0C };
static const uint8_t kdf_u[8] = { 0xCE, 0x24, 0x4F, 0x39, 0x5D, 0xCA, 0x73, 0x91 };
static const uint8_t kdf_v[8] = { 0xDA, 0x50, 0x40, 0x31, 0xDD, 0xF1, 0x2E, 0x83 };
static const struct {
        uint16_t alg;
        const char *out;
} kdf_vectors[] = {
        { TPM2_ALG_SHA1, "55b5a7184aa07423c47dae766c26a2377d7cf851" },
        { TPM2_ALG_SHA256, "bb0259e1c8ba607e6a2cd704b69a902e9ade84c4" },
        { TPM2_ALG_SHA384, "1dce70c9113eb2dba47bd9cfc72bf46f45b09312" },
        { TPM2_ALG_SHA512, "8be2c1b85b78569b9fa759f5857c56d684810fd3" },
};

START_TEST(test_kdfa_matches_the_tcg_reference_vectors)
{
        uint8_t out[20];
        char hex[41];

        ck_assert_int_eq(tpm_kdfa(kdf_vectors[_i].alg, kdf_key, sizeof(kdf_key),
                                  "KDFSELFTESTLABEL", kdf_u, sizeof(kdf_u), kdf_v, sizeof(kdf_v),
                                  out, 160),
                         0);
        hex_encode(out, sizeof(out), hex);
        ck_assert_str_eq(hex, kdf_vectors[_i].out);
}
END_TEST

START_TEST(test_kdfa_longer_than_one_block_and_bad_arguments)
{
        uint8_t long_out[80], first[32];

        /* Two HMAC blocks: the first 32 bytes are not those of a 256-bit
         * derivation, since [L] is part of every block's input. */
        ck_assert_int_eq(tpm_kdfa(TPM2_ALG_SHA256, kdf_key, sizeof(kdf_key), "STORAGE", kdf_u,
                                  sizeof(kdf_u), NULL, 0, long_out, 8 * sizeof(long_out)),
                         0);
        ck_assert_int_eq(tpm_kdfa(TPM2_ALG_SHA256, kdf_key, sizeof(kdf_key), "STORAGE", kdf_u,
                                  sizeof(kdf_u), NULL, 0, first, 256),
                         0);
        ck_assert(memcmp(long_out, first, 32) != 0);
        ck_assert_int_eq(tpm_kdfa(0x0012, kdf_key, sizeof(kdf_key), "X", NULL, 0, NULL, 0, first,
                                  128),
                         -EINVAL);
        ck_assert_int_eq(tpm_kdfa(TPM2_ALG_SHA256, kdf_key, sizeof(kdf_key), "X", NULL, 0, NULL, 0,
                                  first, 12),
                         -EINVAL);
}
END_TEST

/* TPM2_ActivateCredential's work, done here with the EK's private key: the
 * seed from the OAEP ciphertext, the HMAC checked over encIdentity || name,
 * the credential decrypted. Returns the credential's length, or -EBADMSG
 * when the HMAC does not match name. */
static int activate(EVP_PKEY *ek, const struct tpm_credential *c, const uint8_t *name,
                    size_t name_len, uint8_t *out)
{
        EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, ek, NULL);
        unsigned char *label = OPENSSL_memdup("IDENTITY", 9);
        uint8_t seed[256], sym[16], hkey[32], mac[32], plain[64], iv[16] = { 0 }, *mac_in;
        size_t seed_len = sizeof(seed), mac_len = 0, enc_len;
        EVP_CIPHER_CTX *cc;
        int n = 0;

        ck_assert_int_eq(EVP_PKEY_decrypt_init(ctx), 1);
        ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_padding(ctx, RSA_PKCS1_OAEP_PADDING), 1);
        ck_assert_int_eq(EVP_PKEY_CTX_set_rsa_oaep_md(ctx, EVP_sha256()), 1);
        ck_assert_int_eq(EVP_PKEY_CTX_set0_rsa_oaep_label(ctx, label, 9), 1);
        ck_assert_int_eq(EVP_PKEY_decrypt(ctx, seed, &seed_len, c->secret, c->secret_len), 1);
        EVP_PKEY_CTX_free(ctx);
        ck_assert_uint_eq(seed_len, 32);
        ck_assert_int_eq(tpm_kdfa(TPM2_ALG_SHA256, seed, 32, "INTEGRITY", NULL, 0, NULL, 0, hkey,
                                  256),
                         0);
        ck_assert_uint_ge(c->blob_len, 2 + 32 + 2);
        ck_assert_uint_eq(c->blob[0] << 8 | c->blob[1], 32);
        enc_len = c->blob_len - 34;
        mac_in = malloc(enc_len + name_len);
        memcpy(mac_in, c->blob + 34, enc_len);
        memcpy(mac_in + enc_len, name, name_len);
        ck_assert_ptr_nonnull(EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, hkey, 32, mac_in,
                                        enc_len + name_len, mac, sizeof(mac), &mac_len));
        free(mac_in);
        if (memcmp(mac, c->blob + 2, 32) != 0)
                return -EBADMSG;
        ck_assert_int_eq(tpm_kdfa(TPM2_ALG_SHA256, seed, 32, "STORAGE", name, name_len, NULL, 0,
                                  sym, 128),
                         0);
        cc = EVP_CIPHER_CTX_new();
        ck_assert_int_eq(EVP_DecryptInit_ex(cc, EVP_aes_128_cfb128(), NULL, sym, iv), 1);
        ck_assert_int_eq(EVP_DecryptUpdate(cc, plain, &n, c->blob + 34, (int)enc_len), 1);
        EVP_CIPHER_CTX_free(cc);
        ck_assert_uint_eq((size_t)(plain[0] << 8 | plain[1]), enc_len - 2);
        memcpy(out, plain + 2, enc_len - 2);
        return (int)(enc_len - 2);
}

START_TEST(test_make_credential_round_trips_with_the_ek_private_key)
{
        EVP_PKEY *ek = rsa_key_new();
        struct tpm_credential c = { 0 };
        struct tdxh_err e = { 0 };
        uint8_t name[34] = { 0x00, 0x0b }, secret[32], got[64];

        for (size_t i = 0; i < sizeof(secret); i++)
                secret[i] = (uint8_t)(7 * i + 1);
        memset(name + 2, 0x42, 32);
        ck_assert_msg(tpm_make_credential(ek, name, sizeof(name), secret, sizeof(secret), &c,
                                          &e) == 0,
                      "%s", e.msg);
        /* An RSA 2048 OAEP ciphertext; HMAC as a TPM2B, then the TPM2B credential. */
        ck_assert_uint_eq(c.secret_len, 256);
        ck_assert_uint_eq(c.blob_len, 2 + 32 + 2 + 32);
        ck_assert_int_eq(activate(ek, &c, name, sizeof(name), got), 32);
        ck_assert_mem_eq(got, secret, 32);
        /* Bound to the name: another object cannot activate it. */
        name[33] ^= 1;
        ck_assert_int_eq(activate(ek, &c, name, sizeof(name), got), -EBADMSG);
        tpm_credential_done(&c);
        /* A short credential keeps its length. */
        ck_assert_int_eq(tpm_make_credential(ek, name, sizeof(name), secret, 5, &c, &e), 0);
        ck_assert_uint_eq(c.blob_len, 2 + 32 + 2 + 5);
        ck_assert_int_eq(activate(ek, &c, name, sizeof(name), got), 5);
        ck_assert_mem_eq(got, secret, 5);
        tpm_credential_done(&c);
        EVP_PKEY_free(ek);
}
END_TEST

START_TEST(test_make_credential_refuses_bad_input)
{
        EVP_PKEY *ek = rsa_key_new(), *ec = ec_key_new();
        struct tpm_credential c = { 0 };
        struct tdxh_err e = { 0 };
        uint8_t name[34] = { 0x00, 0x0b }, secret[33] = { 0 };

        ck_assert_int_eq(tpm_make_credential(ek, name, sizeof(name), secret, 33, &c, &e), -EINVAL);
        ck_assert_str_eq(e.msg, "credential: 33 bytes, 1 to 32 fit (the EK's name algorithm's "
                                "digest size)");
        err_clear(&e);
        ck_assert_int_eq(tpm_make_credential(ek, name, sizeof(name), secret, 0, &c, &e), -EINVAL);
        err_clear(&e);
        ck_assert_int_eq(tpm_make_credential(ek, name, 1, secret, 16, &c, &e), -EINVAL);
        ck_assert_str_eq(e.msg, "name: 1 bytes is not a TPM name");
        err_clear(&e);
        ck_assert_int_eq(tpm_make_credential(ec, name, sizeof(name), secret, 16, &c, &e),
                         -EOPNOTSUPP);
        ck_assert_ptr_null(c.blob);
        EVP_PKEY_free(ek);
        EVP_PKEY_free(ec);
}
END_TEST

static char *pem_of(EVP_PKEY *k, size_t *len)
{
        BIO *b = BIO_new(BIO_s_mem());
        char *p, *out;

        ck_assert_int_eq(PEM_write_bio_PUBKEY(b, k), 1);
        *len = (size_t)BIO_get_mem_data(b, &p);
        out = strndup(p, *len);
        BIO_free(b);
        return out;
}

START_TEST(test_ek_pem_and_the_tpm_public_area_must_hold_the_same_key)
{
        EVP_PKEY *ek = rsa_key_new(), *other = rsa_key_new(), *ec = ec_key_new(), *got = NULL;
        struct tdxh_err e = { 0 };
        struct q q;
        char *pem;
        size_t len;

        memset(&q, 0, sizeof(q));
        pem = pem_of(ek, &len);
        ck_assert_msg(tpm_ek_load_pem(pem, len, &got, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(EVP_PKEY_eq(got, ek), 1);
        free(pem);
        tpm_forge_public_rsa(ek, TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT, TPM2_ALG_NULL, &q.pub);
        marshal_public(&q);
        ck_assert_msg(tpm_ek_check_public(got, q.pubm, q.pub_len, &e) == 0, "%s", e.msg);
        tpm_forge_public_rsa(other, TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT, TPM2_ALG_NULL,
                             &q.pub);
        marshal_public(&q);
        ck_assert_int_eq(tpm_ek_check_public(got, q.pubm, q.pub_len, &e), -EACCES);
        ck_assert_str_eq(e.msg, "ek_public: the TPM's EK is not the EK the host knows (another "
                                "RSA modulus)");
        err_clear(&e);
        ck_assert_int_eq(tpm_ek_check_public(got, q.pubm, q.pub_len - 1, &e), -EINVAL);
        EVP_PKEY_free(got);
        got = NULL;
        pem = pem_of(ec, &len);
        err_clear(&e);
        ck_assert_int_eq(tpm_ek_load_pem(pem, len, &got, &e), -EINVAL);
        ck_assert_str_eq(e.msg, "ek: not an RSA key of at least 2048 bits (the TCG default EK is "
                                "RSA 2048)");
        free(pem);
        err_clear(&e);
        ck_assert_int_eq(tpm_ek_load_pem("junk", 4, &got, &e), -EINVAL);
        ck_assert_str_eq(e.msg, "ek: not a PEM public key");
        EVP_PKEY_free(ek);
        EVP_PKEY_free(other);
        EVP_PKEY_free(ec);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("tpm_quote");
        TCase *tc = tcase_create("tpm_quote");

        tcase_add_test(tc, test_quote_good_verifies_and_reports_the_clock);
        tcase_add_loop_test(tc, test_quote_each_wrong_part_fails_with_its_own_message, 0,
                            (int)ELEMENTSOF(changes));
        tcase_add_test(tc, test_quote_truncated_at_every_length_names_the_offset);
        tcase_add_test(tc, test_quote_with_rsa_aks_verifies);
        tcase_add_loop_test(tc, test_ak_that_is_not_a_restricted_bound_signing_key_is_refused, 0,
                            (int)ELEMENTSOF(bad_aks));
        tcase_add_test(tc, test_ak_name_is_namealg_and_hash_of_the_public_area);
        tcase_add_test(tc, test_pcr_mask_formats_as_ranges);
        tcase_add_loop_test(tc, test_kdfa_matches_the_tcg_reference_vectors, 0,
                            (int)ELEMENTSOF(kdf_vectors));
        tcase_add_test(tc, test_kdfa_longer_than_one_block_and_bad_arguments);
        tcase_add_test(tc, test_make_credential_round_trips_with_the_ek_private_key);
        tcase_add_test(tc, test_make_credential_refuses_bad_input);
        tcase_add_test(tc, test_ek_pem_and_the_tpm_public_area_must_hold_the_same_key);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
