/* Sealing on the fake platform: the data is encrypted with a fresh
 * AES-256-GCM key, and the key is sealed by the TPM under a PCR policy
 * (PolicyPCR over the SHA-384 bank PCRs that stand for the registers named
 * in the seal policy) below a primary storage key derived from the owner
 * seed, so it can be recreated in every boot. The key travels to and from
 * the TPM inside salted sessions with parameter encryption. The blob is:
 *
 *   "TDXHSL01" | u32 PCR mask | u32 register policy
 *   | u16 n, TPM2B_PUBLIC | u16 n, TPM2B_PRIVATE | iv[12] | tag[16] | ciphertext
 *
 * (little-endian), the GCM additional data is the name followed by the
 * 16-byte header, so a blob opens only under the name it was sealed with. */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/le.h"
#include "vtpm.h"

#define MAGIC "TDXHSL01"
#define HEADER_LEN 16
#define KEY_LEN 32
#define IV_LEN 12
#define TAG_LEN 16
#define MAX_DATA (1u << 20)

static const TPMT_SYM_DEF session_sym = {
        .algorithm = TPM2_ALG_AES,
        .keyBits = { .aes = 128 },
        .mode = { .aes = TPM2_ALG_CFB },
};

struct tpm_handles {
        ESYS_CONTEXT *esys;
        ESYS_TR primary, object, session, trial;
};

static void handles_flush(struct tpm_handles *h)
{
        ESYS_TR *all[] = { &h->trial, &h->session, &h->object, &h->primary };

        for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
                if (*all[i] != ESYS_TR_NONE) {
                        (void)Esys_FlushContext(h->esys, *all[i]);
                        *all[i] = ESYS_TR_NONE;
                }
}
#define _cleanup_handles_ __attribute__((cleanup(handles_flush)))
#define HANDLES_INIT(ctx)                                                                 \
        { .esys = (ctx), .primary = ESYS_TR_NONE, .object = ESYS_TR_NONE,                   \
          .session = ESYS_TR_NONE, .trial = ESYS_TR_NONE }

/* An ECC P-256 storage key in the owner hierarchy. */
static const TPM2B_PUBLIC storage_template = {
        .publicArea = {
                .type = TPM2_ALG_ECC,
                .nameAlg = TPM2_ALG_SHA256,
                .objectAttributes = TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_RESTRICTED |
                                    TPMA_OBJECT_DECRYPT | TPMA_OBJECT_FIXEDTPM |
                                    TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_NODA |
                                    TPMA_OBJECT_SENSITIVEDATAORIGIN,
                .parameters.eccDetail = {
                        .symmetric = { .algorithm = TPM2_ALG_AES,
                                       .keyBits = { .aes = 128 },
                                       .mode = { .aes = TPM2_ALG_CFB } },
                        .scheme = { .scheme = TPM2_ALG_NULL },
                        .curveID = TPM2_ECC_NIST_P256,
                        .kdf = { .scheme = TPM2_ALG_NULL },
                },
        },
};

/* A session salted with the primary key, so that parameters it encrypts
 * (attrs: TPMA_SESSION_DECRYPT for a command, _ENCRYPT for a response)
 * cannot be read on the way to the TPM. */
static int start_session(struct tpm_handles *h, TPM2_SE type, TPMA_SESSION attrs,
                         struct tdxh_err *e)
{
        TSS2_RC rc;

        rc = Esys_StartAuthSession(h->esys, h->primary, ESYS_TR_NONE, ESYS_TR_NONE,
                                   ESYS_TR_NONE, ESYS_TR_NONE, NULL, type, &session_sym,
                                   TPM2_ALG_SHA256, &h->session);
        if (rc == TSS2_RC_SUCCESS)
                rc = Esys_TRSess_SetAttributes(h->esys, h->session,
                                               attrs | TPMA_SESSION_CONTINUESESSION, 0xff);
        if (rc != TSS2_RC_SUCCESS)
                return vtpm_rc(rc, "TPM2_StartAuthSession", e);
        return 0;
}

static int policy_digest(struct tpm_handles *h, const TPML_PCR_SELECTION *sel,
                         TPM2B_DIGEST *ret, struct tdxh_err *e)
{
        static const TPMT_SYM_DEF sym_null = { .algorithm = TPM2_ALG_NULL };
        TPM2B_DIGEST empty = { 0 }, *d = NULL;
        TSS2_RC rc;

        rc = Esys_StartAuthSession(h->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                   ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_TRIAL, &sym_null,
                                   TPM2_ALG_SHA256, &h->trial);
        if (rc != TSS2_RC_SUCCESS)
                return vtpm_rc(rc, "TPM2_StartAuthSession (trial)", e);
        /* An empty pcrDigest makes the TPM use the PCRs' current values. */
        rc = Esys_PolicyPCR(h->esys, h->trial, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &empty,
                            sel);
        if (rc != TSS2_RC_SUCCESS)
                return vtpm_rc(rc, "TPM2_PolicyPCR (trial)", e);
        rc = Esys_PolicyGetDigest(h->esys, h->trial, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                  &d);
        if (rc != TSS2_RC_SUCCESS)
                return vtpm_rc(rc, "TPM2_PolicyGetDigest", e);
        *ret = *d;
        Esys_Free(d);
        return 0;
}

/* AES-256-GCM in either direction; aad is name || header. */
static int gcm(bool enc, const uint8_t key[KEY_LEN], const uint8_t iv[IV_LEN], const char *name,
               const uint8_t header[HEADER_LEN], const uint8_t *in, size_t len, uint8_t *out,
               uint8_t tag[TAG_LEN])
{
        EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
        int n = 0, ok;

        if (!c)
                return -ENOMEM;
        ok = EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) == 1 &&
             EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, IV_LEN, NULL) == 1 &&
             EVP_CipherInit_ex(c, NULL, NULL, key, iv, enc) == 1 &&
             EVP_CipherUpdate(c, NULL, &n, (const uint8_t *)name, (int)strlen(name)) == 1 &&
             EVP_CipherUpdate(c, NULL, &n, header, HEADER_LEN) == 1 &&
             (len == 0 || EVP_CipherUpdate(c, out, &n, in, (int)len) == 1);
        if (ok && !enc)
                ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, tag) == 1;
        if (ok)
                ok = EVP_CipherFinal_ex(c, out + (len ? n : 0), &n) == 1;
        if (ok && enc)
                ok = EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, tag) == 1;
        EVP_CIPHER_CTX_free(c);
        return ok ? 0 : -EBADMSG;
}

static int put_tpm2b(struct buf *b, const uint8_t *bytes, size_t n)
{
        int r = buf_put_le16(b, (uint16_t)n);

        return r < 0 ? r : buf_append(b, bytes, n);
}

int vtpm_seal(struct provider *p, const char *name, const uint8_t *data, size_t len,
              uint32_t policy, uint8_t **ret_blob, size_t *ret_len, struct tdxh_err *e)
{
        struct vtpm *t = p->state;
        _cleanup_handles_ struct tpm_handles h = HANDLES_INIT(t->esys);
        _cleanup_buf_ struct buf b = BUF_INIT;
        _cleanup_free_ uint8_t *ct = NULL;
        uint8_t header[HEADER_LEN], iv[IV_LEN], tag[TAG_LEN], pubm[sizeof(TPM2B_PUBLIC)];
        uint8_t privm[sizeof(TPM2B_PRIVATE)];
        uint32_t pcrs = vtpm_pcrs_of_policy(policy);
        TPM2B_SENSITIVE_CREATE sens = { 0 };
        TPM2B_PUBLIC tmpl = { 0 }, *pub = NULL;
        TPM2B_PRIVATE *priv = NULL;
        TPM2B_DATA outside = { 0 };
        TPML_PCR_SELECTION sel, none = { 0 };
        TPM2B_CREATION_DATA *cdata = NULL;
        TPM2B_DIGEST *chash = NULL;
        TPMT_TK_CREATION *ticket = NULL;
        size_t pub_len = 0, priv_len = 0;
        TSS2_RC rc;
        int r;

        if (len > MAX_DATA)
                return err_setf(e, -EINVAL, "field \"data\": more than %u bytes", MAX_DATA);
        vtpm_pcr_selection(pcrs, &sel);
        memcpy(header, MAGIC, 8);
        le32_put(header + 8, pcrs);
        le32_put(header + 12, policy);
        ct = malloc(len + 1);
        if (!ct)
                return -ENOMEM;
        sens.sensitive.data.size = KEY_LEN;
        if (RAND_bytes(sens.sensitive.data.buffer, KEY_LEN) != 1 || RAND_bytes(iv, IV_LEN) != 1)
                return err_setf(e, -EIO, "no random bytes for the seal key");
        r = gcm(true, sens.sensitive.data.buffer, iv, name, header, data, len, ct, tag);
        if (r < 0) {
                OPENSSL_cleanse(&sens, sizeof(sens));
                return err_setf(e, -EIO, "AES-256-GCM encryption failed");
        }
        r = vtpm_create_primary(h.esys, ESYS_TR_RH_OWNER, &storage_template, &h.primary,
                                "TPM2_CreatePrimary", e);
        if (r >= 0)
                r = policy_digest(&h, &sel, &tmpl.publicArea.authPolicy, e);
        if (r >= 0)
                r = start_session(&h, TPM2_SE_HMAC, TPMA_SESSION_DECRYPT, e);
        if (r < 0) {
                OPENSSL_cleanse(&sens, sizeof(sens));
                return r;
        }
        /* Without userWithAuth the object opens only through its policy. */
        tmpl.publicArea.type = TPM2_ALG_KEYEDHASH;
        tmpl.publicArea.nameAlg = TPM2_ALG_SHA256;
        tmpl.publicArea.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                           TPMA_OBJECT_NODA;
        tmpl.publicArea.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
        rc = Esys_Create(t->esys, h.primary, ESYS_TR_PASSWORD, h.session, ESYS_TR_NONE, &sens,
                         &tmpl, &outside, &none, &priv, &pub, &cdata, &chash, &ticket);
        OPENSSL_cleanse(&sens, sizeof(sens));
        Esys_Free(cdata);
        Esys_Free(chash);
        Esys_Free(ticket);
        if (rc != TSS2_RC_SUCCESS)
                return vtpm_rc(rc, "TPM2_Create", e);
        rc = Tss2_MU_TPM2B_PUBLIC_Marshal(pub, pubm, sizeof(pubm), &pub_len);
        if (rc == TSS2_RC_SUCCESS)
                rc = Tss2_MU_TPM2B_PRIVATE_Marshal(priv, privm, sizeof(privm), &priv_len);
        Esys_Free(pub);
        Esys_Free(priv);
        if (rc != TSS2_RC_SUCCESS)
                return err_setf(e, -EIO, "marshalling the sealed object failed: 0x%x", rc);
        if (buf_append(&b, header, HEADER_LEN) < 0 || put_tpm2b(&b, pubm, pub_len) < 0 ||
            put_tpm2b(&b, privm, priv_len) < 0 || buf_append(&b, iv, IV_LEN) < 0 ||
            buf_append(&b, tag, TAG_LEN) < 0 || buf_append(&b, ct, len) < 0)
                return -ENOMEM;
        *ret_blob = (uint8_t *)buf_detach(&b, ret_len);
        return 0;
}

struct blob_view {
        const uint8_t *header, *pub, *priv, *iv, *tag, *ct;
        size_t pub_len, priv_len, ct_len;
        uint32_t pcrs;
};

static int take_tpm2b(const uint8_t *blob, size_t len, size_t *off, const uint8_t **ret,
                      size_t *ret_len)
{
        size_t n;

        if (len - *off < 2)
                return -EINVAL;
        n = (size_t)blob[*off] | (size_t)blob[*off + 1] << 8;
        if (len - *off - 2 < n)
                return -EINVAL;
        *ret = blob + *off + 2;
        *ret_len = n;
        *off += 2 + n;
        return 0;
}

static int parse_blob(const uint8_t *blob, size_t len, struct blob_view *v, struct tdxh_err *e)
{
        size_t off = HEADER_LEN;

        if (len < HEADER_LEN || memcmp(blob, MAGIC, 8) != 0)
                return err_setf(e, -EINVAL, "field \"blob\": not a sealed blob of this agent");
        v->header = blob;
        v->pcrs = le32_get(blob + 8);
        if (take_tpm2b(blob, len, &off, &v->pub, &v->pub_len) < 0 ||
            take_tpm2b(blob, len, &off, &v->priv, &v->priv_len) < 0 ||
            len - off < IV_LEN + TAG_LEN)
                return err_setf(e, -EINVAL, "field \"blob\": truncated at offset 0x%zx", off);
        v->iv = blob + off;
        v->tag = blob + off + IV_LEN;
        v->ct = blob + off + IV_LEN + TAG_LEN;
        v->ct_len = len - off - IV_LEN - TAG_LEN;
        return 0;
}

int vtpm_unseal(struct provider *p, const char *name, const uint8_t *blob, size_t len,
                uint8_t **ret_data, size_t *ret_len, struct tdxh_err *e)
{
        struct vtpm *t = p->state;
        _cleanup_handles_ struct tpm_handles h = HANDLES_INIT(t->esys);
        TPM2B_SENSITIVE_DATA *key = NULL;
        TPM2B_PUBLIC pub = { 0 };
        TPM2B_PRIVATE priv = { 0 };
        TPM2B_DIGEST empty = { 0 };
        TPML_PCR_SELECTION sel;
        struct blob_view v = { 0 };
        uint8_t tag[TAG_LEN], *out;
        TSS2_RC rc;
        int r;

        r = parse_blob(blob, len, &v, e);
        if (r < 0)
                return r;
        if (Tss2_MU_TPM2B_PUBLIC_Unmarshal(v.pub, v.pub_len, NULL, &pub) !=
                    TSS2_RC_SUCCESS ||
            Tss2_MU_TPM2B_PRIVATE_Unmarshal(v.priv, v.priv_len, NULL, &priv) !=
                    TSS2_RC_SUCCESS)
                return err_setf(e, -EINVAL, "field \"blob\": the sealed object is malformed");
        vtpm_pcr_selection(v.pcrs, &sel);
        r = vtpm_create_primary(h.esys, ESYS_TR_RH_OWNER, &storage_template, &h.primary,
                                "TPM2_CreatePrimary", e);
        if (r < 0)
                return r;
        rc = Esys_Load(t->esys, h.primary, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &priv,
                       &pub, &h.object);
        if (rc != TSS2_RC_SUCCESS)
                return vtpm_rc(rc, "TPM2_Load", e);
        r = start_session(&h, TPM2_SE_POLICY, TPMA_SESSION_ENCRYPT, e);
        if (r < 0)
                return r;
        rc = Esys_PolicyPCR(t->esys, h.session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &empty,
                            &sel);
        if (rc != TSS2_RC_SUCCESS)
                return vtpm_rc(rc, "TPM2_PolicyPCR", e);
        rc = Esys_Unseal(t->esys, h.object, h.session, ESYS_TR_NONE, ESYS_TR_NONE, &key);
        if (rc != TSS2_RC_SUCCESS)
                return vtpm_rc(rc, "TPM2_Unseal", e);
        if (key->size != KEY_LEN) {
                unsigned int size = key->size;

                OPENSSL_cleanse(key, sizeof(*key));
                Esys_Free(key);
                return err_setf(e, -EINVAL, "field \"blob\": unsealed key of %u bytes", size);
        }
        out = malloc(v.ct_len + 1);
        if (!out) {
                OPENSSL_cleanse(key, sizeof(*key));
                Esys_Free(key);
                return -ENOMEM;
        }
        memcpy(tag, v.tag, TAG_LEN);
        r = gcm(false, key->buffer, v.iv, name, v.header, v.ct, v.ct_len, out, tag);
        OPENSSL_cleanse(key, sizeof(*key));
        Esys_Free(key);
        if (r < 0) {
                OPENSSL_cleanse(out, v.ct_len);
                free(out);
                return err_setf(e, -EINVAL, "field \"blob\": does not open under the name "
                                "\"%.64s\" (wrong name or damaged blob)", name);
        }
        *ret_data = out;
        *ret_len = v.ct_len;
        return 0;
}
