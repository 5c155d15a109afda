/* The TPM attestation requests: tpm-ak, tpm-activate and tpm-quote
 * (docs/agent-protocol.md). Fields are checked here, for every provider,
 * before the provider is asked; the provider (vtpm_attest.c) talks to the
 * TPM. Binary structures leave as base64 of the TPM's own marshalling, so
 * the host verifies exactly what the TPM produced. */
#include "agent.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/cleanup.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "evidence/eventlog.h"

#define NOT_OFFERED(a, what) \
        err_setf(e, -EOPNOTSUPP, "%s is not offered by the %s provider", what, (a)->prov.ops->name)

/* PCRs quoted when a request names none: the firmware's 0-15 and the
 * agent's RTMR3 PCR, 16. */
#define DEFAULT_QUOTE_PCRS 0x1ffffu
#define DEFAULT_QUOTE_BANK TPM_ALG_SHA384
/* A credential is a TPM2B_DIGEST; its ciphertexts are bounded by the TPM's
 * own structures (TPM2B_ID_OBJECT, TPM2B_ENCRYPTED_SECRET). */
#define MAX_CREDENTIAL_FIELD 1024

static const struct {
        const char *name;
        uint16_t alg;
        size_t size;
} banks[] = {
        { "sha1", TPM_ALG_SHA1, 20 },
        { "sha256", TPM_ALG_SHA256, 32 },
        { "sha384", TPM_ALG_SHA384, 48 },
        { "sha512", TPM_ALG_SHA512, 64 },
};

void agent_tpm_ak_done(struct agent_tpm_ak *ak)
{
        free(ak->ak_public);
        free(ak->ek_public);
        *ak = (struct agent_tpm_ak){ 0 };
}

void agent_tpm_quote_done(struct agent_tpm_quote *q)
{
        free(q->attest);
        free(q->signature);
        *q = (struct agent_tpm_quote){ 0 };
}

static int add_base64(json_object *resp, const char *key, const uint8_t *data, size_t len)
{
        _cleanup_free_ char *b64 = base64_encode(data, len);

        if (!b64)
                return -ENOMEM;
        return json_add_string(resp, key, b64);
}

int agent_op_tpm_ak(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e)
{
        struct agent_tpm_ak ak = { 0 };
        char handle[16];
        int r;

        if (!a->prov.ops->tpm_ak)
                return NOT_OFFERED(a, "tpm-ak");
        r = a->prov.ops->tpm_ak(&a->prov, &ak, e);
        if (r < 0)
                return r;
        snprintf(handle, sizeof(handle), "0x%08x", ak.ek_handle);
        if (add_base64(resp, "ak_public", ak.ak_public, ak.ak_public_len) < 0 ||
            json_add_hex(resp, "ak_name", ak.ak_name, ak.ak_name_len) < 0 ||
            add_base64(resp, "ek_public", ak.ek_public, ak.ek_public_len) < 0 ||
            json_add_string(resp, "ek_handle", ak.ek_handle ? handle : NULL) < 0 ||
            json_add_string(resp, "ak_hierarchy", "endorsement") < 0)
                r = -ENOMEM;
        agent_tpm_ak_done(&ak);
        return r;
}

static int field_bounded_base64(json_object *req, const char *key, uint8_t **ret, size_t *ret_len,
                                struct tdxh_err *e)
{
        int r = agent_field_base64(req, key, ret, ret_len, e);

        if (r < 0)
                return r;
        if (*ret_len == 0 || *ret_len > MAX_CREDENTIAL_FIELD) {
                free(*ret);
                *ret = NULL;
                return err_setf(e, -EINVAL, "field \"%s\": %zu bytes, expected 1 to %u", key,
                                *ret_len, MAX_CREDENTIAL_FIELD);
        }
        return 0;
}

int agent_op_tpm_activate(struct agent *a, json_object *req, json_object *resp,
                          struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *blob = NULL, *secret = NULL;
        uint8_t *cred = NULL;
        size_t blob_len = 0, secret_len = 0, cred_len = 0;
        int r;

        r = field_bounded_base64(req, "credential_blob", &blob, &blob_len, e);
        if (r < 0)
                return r;
        r = field_bounded_base64(req, "encrypted_secret", &secret, &secret_len, e);
        if (r < 0)
                return r;
        if (!a->prov.ops->tpm_activate)
                return NOT_OFFERED(a, "tpm-activate");
        r = a->prov.ops->tpm_activate(&a->prov, blob, blob_len, secret, secret_len, &cred,
                                      &cred_len, e);
        if (r < 0)
                return r;
        r = add_base64(resp, "secret", cred, cred_len);
        OPENSSL_cleanse(cred, cred_len);
        free(cred);
        return r;
}

static int field_nonce(json_object *req, uint8_t *out, size_t *ret_len, struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *bytes = NULL;
        const char *s = NULL;
        size_t len = 0;
        int r;

        r = agent_field_string(req, "nonce", true, &s, e);
        if (r < 0)
                return r;
        if (hex_decode_alloc(s, &bytes, &len) < 0)
                return err_setf(e, -EINVAL, "field \"nonce\": not an even number of hex digits");
        if (len == 0 || len > AGENT_TPM_NONCE_MAX)
                return err_setf(e, -EINVAL, "field \"nonce\": %zu bytes, expected 1 to %u", len,
                                AGENT_TPM_NONCE_MAX);
        memcpy(out, bytes, len);
        *ret_len = len;
        return 0;
}

static int field_pcrs(json_object *req, uint32_t *ret, struct tdxh_err *e)
{
        json_object *v;
        uint32_t mask = 0;

        if (!json_object_object_get_ex(req, "pcrs", &v) || !v) {
                *ret = DEFAULT_QUOTE_PCRS;
                return 0;
        }
        if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) == 0)
                return err_setf(e, -EINVAL, "field \"pcrs\" is not a non-empty list");
        for (size_t i = 0; i < json_object_array_length(v); i++) {
                json_object *n = json_object_array_get_idx(v, i);
                int64_t pcr = -1;

                if (json_object_is_type(n, json_type_int))
                        pcr = json_object_get_int64(n);
                if (pcr < 0 || pcr >= AGENT_TPM_NPCR)
                        return err_setf(e, -EINVAL, "field \"pcrs\"[%zu]: not a PCR number 0 to "
                                        "%d", i, AGENT_TPM_NPCR - 1);
                mask |= 1u << pcr;
        }
        *ret = mask;
        return 0;
}

static int field_bank(json_object *req, size_t *ret, struct tdxh_err *e)
{
        const char *s = NULL;
        int r;

        r = agent_field_string(req, "bank", false, &s, e);
        if (r < 0)
                return r;
        for (size_t i = 0; i < ELEMENTSOF(banks); i++)
                if (s ? strcmp(s, banks[i].name) == 0 : banks[i].alg == DEFAULT_QUOTE_BANK) {
                        *ret = i;
                        return 0;
                }
        return err_setf(e, -EINVAL, "field \"bank\": \"%.16s\" is not sha1, sha256, sha384 or "
                        "sha512", s);
}

static int pcr_values_json(const struct agent_tpm_quote *q, json_object **ret_values,
                           json_object **ret_list)
{
        _cleanup_json_ json_object *o = json_object_new_object(), *l = json_object_new_array();
        char key[4];

        if (!o || !l)
                return -ENOMEM;
        for (int pcr = 0; pcr < AGENT_TPM_NPCR; pcr++) {
                if (!(q->pcr_mask & (1u << pcr)))
                        continue;
                snprintf(key, sizeof(key), "%d", pcr);
                if (json_add_hex(o, key, q->pcr[pcr], q->digest_len) < 0 ||
                    json_array_add(l, json_object_new_int(pcr)) < 0)
                        return -ENOMEM;
        }
        *ret_values = TAKE_PTR(o);
        *ret_list = TAKE_PTR(l);
        return 0;
}

int agent_op_tpm_quote(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e)
{
        struct agent_tpm_quote q = { 0 };
        uint8_t nonce[AGENT_TPM_NONCE_MAX];
        json_object *values = NULL, *list = NULL;
        size_t nonce_len = 0, bank = 0;
        uint32_t mask = 0;
        int r;

        r = field_nonce(req, nonce, &nonce_len, e);
        if (r >= 0)
                r = field_pcrs(req, &mask, e);
        if (r >= 0)
                r = field_bank(req, &bank, e);
        if (r < 0)
                return r;
        if (!a->prov.ops->tpm_quote)
                return NOT_OFFERED(a, "tpm-quote");
        r = a->prov.ops->tpm_quote(&a->prov, nonce, nonce_len, mask, banks[bank].alg, &q, e);
        if (r < 0)
                return r;
        r = pcr_values_json(&q, &values, &list);
        if (r >= 0 && (add_base64(resp, "attest", q.attest, q.attest_len) < 0 ||
                       add_base64(resp, "signature", q.signature, q.signature_len) < 0 ||
                       json_add_string(resp, "bank", banks[bank].name) < 0))
                r = -ENOMEM;
        /* json_add() owns what it is given, even when it fails. */
        if (r >= 0 && json_add(resp, "pcrs", TAKE_PTR(list)) < 0)
                r = -ENOMEM;
        if (r >= 0 && json_add(resp, "pcr_values", TAKE_PTR(values)) < 0)
                r = -ENOMEM;
        json_object_putp(&list);
        json_object_putp(&values);
        agent_tpm_quote_done(&q);
        return r;
}
