/* Attestation on the fake platform's TPM: the attestation key (AK), the
 * activation of a credential the host made for it, and quotes.
 *
 * The AK is an ECC P-256 restricted signing key (ECDSA with SHA-256) made
 * as a primary key of the endorsement hierarchy: one TPM2_CreatePrimary, no
 * parent to load or authorise, derived from the same endorsement seed as
 * the EK so that it lives exactly as long as the EK does, and the same key
 * in every boot of the same TPM. ECC rather than RSA because a TPM makes an
 * ECC primary key at once, where an RSA one means a prime search. The EK is
 * the RSA 2048 key swtpm_setup made persistent at 0x81010001 (the TCG EK
 * Credential Profile's handle for it), or, where that handle is empty, the
 * same key made again from the profile's default template (L-1).
 *
 * TPM2_ActivateCredential needs the EK's policy (PolicySecret with the
 * endorsement hierarchy) and the AK's empty password; it hands back the
 * credential only when the host made it for this AK's name and this EK.
 * A quote's PCR values are read before and after TPM2_Quote: the same
 * pcrUpdateCounter on both sides means nothing was extended in between, so
 * the values returned are the ones the quote covers. */
#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_mu.h>

#include "core/cleanup.h"
#include "vtpm.h"

#define EK_RSA_HANDLE 0x81010001u
#define QUOTE_TRIES 3

/* TCG EK Credential Profile, template L-1 (RSA 2048): its authPolicy is
 * PolicySecret(TPM_RH_ENDORSEMENT). */
static const TPM2B_PUBLIC ek_template = {
        .publicArea = {
                .type = TPM2_ALG_RSA,
                .nameAlg = TPM2_ALG_SHA256,
                .objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_ADMINWITHPOLICY |
                                    TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT,
                .authPolicy = { .size = 32,
                                .buffer = { 0x83, 0x71, 0x97, 0x67, 0x44, 0x84, 0xB3, 0xF8,
                                            0x1A, 0x90, 0xCC, 0x8D, 0x46, 0xA5, 0xD7, 0x24,
                                            0xFD, 0x52, 0xD7, 0x6E, 0x06, 0x52, 0x0B, 0x64,
                                            0xF2, 0xA1, 0xDA, 0x1B, 0x33, 0x14, 0x69, 0xAA } },
                .parameters.rsaDetail = {
                        .symmetric = { .algorithm = TPM2_ALG_AES, .keyBits.aes = 128,
                                       .mode.aes = TPM2_ALG_CFB },
                        .scheme = { .scheme = TPM2_ALG_NULL },
                        .keyBits = 2048,
                        .exponent = 0,
                },
                .unique.rsa = { .size = 256 },
        },
};

static const TPM2B_PUBLIC ak_template = {
        .publicArea = {
                .type = TPM2_ALG_ECC,
                .nameAlg = TPM2_ALG_SHA256,
                .objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                    TPMA_OBJECT_SENSITIVEDATAORIGIN | TPMA_OBJECT_USERWITHAUTH |
                                    TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_SIGN_ENCRYPT,
                .parameters.eccDetail = {
                        .symmetric = { .algorithm = TPM2_ALG_NULL },
                        .scheme = { .scheme = TPM2_ALG_ECDSA,
                                    .details.ecdsa.hashAlg = TPM2_ALG_SHA256 },
                        .curveID = TPM2_ECC_NIST_P256,
                        .kdf = { .scheme = TPM2_ALG_NULL },
                },
        },
};

static int load_keys(struct vtpm *t, struct tdxh_err *e)
{
        TSS2_RC rc;
        int r;

        if (t->have_keys)
                return 0;
        rc = Esys_TR_FromTPMPublic(t->esys, EK_RSA_HANDLE, ESYS_TR_NONE, ESYS_TR_NONE,
                                   ESYS_TR_NONE, &t->ek);
        if (rc == TSS2_RC_SUCCESS) {
                t->ek_handle = EK_RSA_HANDLE;
        } else {
                t->ek_handle = 0;
                r = vtpm_create_primary(t->esys, ESYS_TR_RH_ENDORSEMENT, &ek_template, &t->ek,
                                        "TPM2_CreatePrimary (EK)", e);
                if (r < 0)
                        return r;
        }
        r = vtpm_create_primary(t->esys, ESYS_TR_RH_ENDORSEMENT, &ak_template, &t->ak,
                                "TPM2_CreatePrimary (AK)", e);
        if (r < 0) {
                if (t->ek_handle)
                        (void)Esys_TR_Close(t->esys, &t->ek);
                else
                        (void)Esys_FlushContext(t->esys, t->ek);
                return r;
        }
        t->have_keys = true;
        return 0;
}

static int marshal_public(const TPM2B_PUBLIC *pub, uint8_t **ret, size_t *ret_len)
{
        uint8_t *buf = malloc(sizeof(TPM2B_PUBLIC));
        size_t off = 0;

        if (!buf)
                return -ENOMEM;
        if (Tss2_MU_TPM2B_PUBLIC_Marshal(pub, buf, sizeof(TPM2B_PUBLIC), &off) !=
            TSS2_RC_SUCCESS) {
                free(buf);
                return -EIO;
        }
        *ret = buf;
        *ret_len = off;
        return 0;
}

static int read_public(struct vtpm *t, ESYS_TR obj, uint8_t **ret, size_t *ret_len,
                       TPM2B_NAME *ret_name, struct tdxh_err *e)
{
        TPM2B_PUBLIC *pub = NULL;
        TPM2B_NAME *name = NULL, *qname = NULL;
        TSS2_RC rc;
        int r;

        rc = Esys_ReadPublic(t->esys, obj, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &pub, &name,
                             &qname);
        if (rc != TSS2_RC_SUCCESS)
                return vtpm_rc(rc, "TPM2_ReadPublic", e);
        r = marshal_public(pub, ret, ret_len);
        if (r >= 0 && ret_name)
                *ret_name = *name;
        Esys_Free(pub);
        Esys_Free(name);
        Esys_Free(qname);
        if (r < 0)
                return err_setf(e, r, "marshalling a public area failed");
        return 0;
}

int vtpm_tpm_ak(struct provider *p, struct agent_tpm_ak *ret, struct tdxh_err *e)
{
        struct vtpm *t = p->state;
        struct agent_tpm_ak ak = { 0 };
        TPM2B_NAME name = { 0 };
        int r;

        r = load_keys(t, e);
        if (r < 0)
                return r;
        r = read_public(t, t->ak, &ak.ak_public, &ak.ak_public_len, &name, e);
        if (r >= 0)
                r = read_public(t, t->ek, &ak.ek_public, &ak.ek_public_len, NULL, e);
        if (r >= 0 && name.size > AGENT_TPM_NAME_MAX)
                r = err_setf(e, -EIO, "TPM2_ReadPublic: a name of %u bytes", name.size);
        if (r < 0) {
                agent_tpm_ak_done(&ak);
                return r;
        }
        memcpy(ak.ak_name, name.name, name.size);
        ak.ak_name_len = name.size;
        ak.ek_handle = t->ek_handle;
        *ret = ak;
        return 0;
}

/* A policy session satisfying the EK's policy, PolicySecret(endorsement). */
static int ek_policy_session(struct vtpm *t, ESYS_TR *ret, struct tdxh_err *e)
{
        static const TPMT_SYM_DEF sym_null = { .algorithm = TPM2_ALG_NULL };
        TPM2B_NONCE nonce_tpm = { 0 };
        TPM2B_DIGEST cp_hash = { 0 };
        TPM2B_NONCE policy_ref = { 0 };
        TPM2B_TIMEOUT *timeout = NULL;
        TPMT_TK_AUTH *ticket = NULL;
        ESYS_TR s = ESYS_TR_NONE;
        TSS2_RC rc;

        rc = Esys_StartAuthSession(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                   ESYS_TR_NONE, ESYS_TR_NONE, NULL, TPM2_SE_POLICY, &sym_null,
                                   TPM2_ALG_SHA256, &s);
        if (rc != TSS2_RC_SUCCESS)
                return vtpm_rc(rc, "TPM2_StartAuthSession (policy)", e);
        rc = Esys_PolicySecret(t->esys, ESYS_TR_RH_ENDORSEMENT, s, ESYS_TR_PASSWORD,
                               ESYS_TR_NONE, ESYS_TR_NONE, &nonce_tpm, &cp_hash, &policy_ref, 0,
                               &timeout, &ticket);
        Esys_Free(timeout);
        Esys_Free(ticket);
        if (rc != TSS2_RC_SUCCESS) {
                (void)Esys_FlushContext(t->esys, s);
                return vtpm_rc(rc, "TPM2_PolicySecret (endorsement)", e);
        }
        *ret = s;
        return 0;
}

/* TPM_RC_INTEGRITY: the credential's HMAC does not match the AK's name
 * with the seed the EK decrypted, that is it was made for another AK or
 * another EK. */
static bool rc_is_integrity(TSS2_RC rc)
{
        TSS2_RC tpm = rc & ~(TSS2_RC)TSS2_RC_LAYER_MASK;

        return (rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER && (tpm & TPM2_RC_FMT1) &&
               (tpm & 0x3f) == (TPM2_RC_INTEGRITY & 0x3f);
}

int vtpm_tpm_activate(struct provider *p, const uint8_t *blob, size_t blob_len,
                      const uint8_t *secret, size_t secret_len, uint8_t **ret, size_t *ret_len,
                      struct tdxh_err *e)
{
        struct vtpm *t = p->state;
        TPM2B_ID_OBJECT cred = { 0 };
        TPM2B_ENCRYPTED_SECRET sec = { 0 };
        TPM2B_DIGEST *out = NULL;
        ESYS_TR session = ESYS_TR_NONE;
        uint8_t *copy;
        TSS2_RC rc;
        int r;

        if (blob_len > sizeof(cred.credential))
                return err_setf(e, -EINVAL, "field \"credential_blob\": %zu bytes, at most %zu "
                                "fit a TPM2B_ID_OBJECT", blob_len, sizeof(cred.credential));
        if (secret_len > sizeof(sec.secret))
                return err_setf(e, -EINVAL, "field \"encrypted_secret\": %zu bytes, at most %zu "
                                "fit a TPM2B_ENCRYPTED_SECRET", secret_len, sizeof(sec.secret));
        cred.size = (UINT16)blob_len;
        memcpy(cred.credential, blob, blob_len);
        sec.size = (UINT16)secret_len;
        memcpy(sec.secret, secret, secret_len);
        r = load_keys(t, e);
        if (r < 0)
                return r;
        r = ek_policy_session(t, &session, e);
        if (r < 0)
                return r;
        rc = Esys_ActivateCredential(t->esys, t->ak, t->ek, ESYS_TR_PASSWORD, session,
                                     ESYS_TR_NONE, &cred, &sec, &out);
        /* ESYS starts sessions with continueSession set, so the session
         * outlives the command whatever its result. */
        (void)Esys_FlushContext(t->esys, session);
        if (rc_is_integrity(rc))
                return err_setf(e, -EACCES, "TPM2_ActivateCredential: the credential was not "
                                "made for this AK and this EK (integrity check failed)");
        if (rc != TSS2_RC_SUCCESS)
                return err_setf(e, -EIO, "TPM2_ActivateCredential failed: TSS error 0x%x (a "
                                "credential encrypted to another EK, or damaged)", rc);
        copy = malloc(out->size + 1u);
        if (!copy) {
                OPENSSL_cleanse(out, sizeof(*out));
                Esys_Free(out);
                return -ENOMEM;
        }
        memcpy(copy, out->buffer, out->size);
        *ret_len = out->size;
        OPENSSL_cleanse(out, sizeof(*out));
        Esys_Free(out);
        *ret = copy;
        return 0;
}

static void bank_selection(uint16_t bank, uint32_t mask, TPML_PCR_SELECTION *ret)
{
        memset(ret, 0, sizeof(*ret));
        ret->count = 1;
        ret->pcrSelections[0].hash = bank;
        ret->pcrSelections[0].sizeofSelect = 3;
        for (int i = 0; i < 3; i++)
                ret->pcrSelections[0].pcrSelect[i] = (uint8_t)(mask >> (8 * i));
}

/* Reads mask of bank into out; a TPM returns at most eight digests per
 * TPM2_PCR_Read, so this loops, and every read must report the same
 * pcrUpdateCounter (-EAGAIN when an extend came in between). */
static int read_bank(struct vtpm *t, uint16_t bank, size_t size, uint32_t mask,
                     uint8_t out[AGENT_TPM_NPCR][AGENT_TPM_DIGEST_MAX], uint32_t *ret_counter,
                     struct tdxh_err *e)
{
        bool first = true;
        uint32_t counter0 = 0;

        while (mask) {
                TPML_PCR_SELECTION sel, *got = NULL;
                TPML_DIGEST *vals = NULL;
                uint32_t got_mask = 0, counter = 0;
                size_t k = 0;
                bool ok = true;
                TSS2_RC rc;

                bank_selection(bank, mask, &sel);
                rc = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel,
                                   &counter, &got, &vals);
                if (rc != TSS2_RC_SUCCESS)
                        return vtpm_rc(rc, "TPM2_PCR_Read", e);
                for (uint32_t i = 0; i < got->count; i++)
                        if (got->pcrSelections[i].hash == bank)
                                for (int b = 0; b < 3; b++)
                                        got_mask |= (uint32_t)got->pcrSelections[i].pcrSelect[b]
                                                    << (8 * b);
                got_mask &= mask;
                for (int pcr = 0; pcr < AGENT_TPM_NPCR && ok; pcr++) {
                        if (!(got_mask & (1u << pcr)))
                                continue;
                        ok = k < vals->count && vals->digests[k].size == size;
                        if (ok)
                                memcpy(out[pcr], vals->digests[k++].buffer, size);
                }
                Esys_Free(got);
                Esys_Free(vals);
                if (!got_mask || !ok)
                        return err_setf(e, -EIO, "TPM2_PCR_Read: no values of the requested bank "
                                        "for PCR mask 0x%06x (is the bank active?)", mask);
                if (!first && counter != counter0)
                        return err_setf(e, -EAGAIN, "TPM2_PCR_Read: the PCRs changed while "
                                        "being read");
                first = false;
                counter0 = counter;
                mask &= ~got_mask;
        }
        *ret_counter = counter0;
        return 0;
}

static int quote_once(struct vtpm *t, const TPM2B_DATA *nonce, const TPML_PCR_SELECTION *sel,
                      struct agent_tpm_quote *ret, struct tdxh_err *e)
{
        static const TPMT_SIG_SCHEME key_scheme = { .scheme = TPM2_ALG_NULL };
        TPM2B_ATTEST *quoted = NULL;
        TPMT_SIGNATURE *sig = NULL;
        uint8_t *attest, *sigm;
        size_t off = 0;
        TSS2_RC rc;

        /* TPM_ALG_NULL: the AK's own scheme, ECDSA with SHA-256. */
        rc = Esys_Quote(t->esys, t->ak, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, nonce,
                        &key_scheme, sel, &quoted, &sig);
        if (rc != TSS2_RC_SUCCESS)
                return vtpm_rc(rc, "TPM2_Quote", e);
        attest = malloc(quoted->size + 1u);
        sigm = malloc(sizeof(TPMT_SIGNATURE));
        if (attest && sigm) {
                memcpy(attest, quoted->attestationData, quoted->size);
                rc = Tss2_MU_TPMT_SIGNATURE_Marshal(sig, sigm, sizeof(TPMT_SIGNATURE), &off);
        }
        ret->attest_len = quoted->size;
        Esys_Free(quoted);
        Esys_Free(sig);
        if (!attest || !sigm || rc != TSS2_RC_SUCCESS) {
                free(attest);
                free(sigm);
                return attest && sigm ? err_setf(e, -EIO, "marshalling the signature failed")
                                      : -ENOMEM;
        }
        ret->attest = attest;
        ret->signature = sigm;
        ret->signature_len = off;
        return 0;
}

int vtpm_tpm_quote(struct provider *p, const uint8_t *nonce, size_t nonce_len, uint32_t pcr_mask,
                   uint16_t bank, struct agent_tpm_quote *ret, struct tdxh_err *e)
{
        static const struct {
                uint16_t alg;
                size_t size;
        } sizes[] = { { TPM2_ALG_SHA1, 20 },
                      { TPM2_ALG_SHA256, 32 },
                      { TPM2_ALG_SHA384, 48 },
                      { TPM2_ALG_SHA512, 64 } };
        struct vtpm *t = p->state;
        struct agent_tpm_quote q = { 0 };
        TPML_PCR_SELECTION sel;
        TPM2B_DATA qd = { 0 };
        uint8_t after[AGENT_TPM_NPCR][AGENT_TPM_DIGEST_MAX];
        uint32_t before_counter = 0, after_counter = 0;
        size_t size = 0;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(sizes); i++)
                if (sizes[i].alg == bank)
                        size = sizes[i].size;
        if (!size || nonce_len > sizeof(qd.buffer) || pcr_mask >> AGENT_TPM_NPCR)
                return err_setf(e, -EINVAL, "tpm-quote: bank 0x%04x, %zu-byte nonce or PCR mask "
                                "0x%x out of range", bank, nonce_len, pcr_mask);
        qd.size = (UINT16)nonce_len;
        memcpy(qd.buffer, nonce, nonce_len);
        bank_selection(bank, pcr_mask, &sel);
        r = load_keys(t, e);
        if (r < 0)
                return r;
        for (int i = 0; i < QUOTE_TRIES; i++) {
                r = read_bank(t, bank, size, pcr_mask, q.pcr, &before_counter, e);
                if (r == -EAGAIN) {
                        err_clear(e);
                        continue;
                }
                if (r >= 0)
                        r = quote_once(t, &qd, &sel, &q, e);
                if (r >= 0)
                        r = read_bank(t, bank, size, pcr_mask, after, &after_counter, e);
                if (r >= 0 && after_counter == before_counter) {
                        q.pcr_mask = pcr_mask;
                        q.digest_len = size;
                        *ret = q;
                        return 0;
                }
                agent_tpm_quote_done(&q);
                if (r < 0 && r != -EAGAIN)
                        return r;
                err_clear(e);
        }
        return err_setf(e, -EAGAIN, "tpm-quote: the PCRs kept changing while being quoted (%d "
                        "tries)", QUOTE_TRIES);
}
