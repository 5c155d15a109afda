/* The vTPM attestation flow over the agent channel and the event log bound
 * to what it verified; see tpm_attest.h. The agent is trusted for nothing:
 * every structure it returns is parsed and checked here (evidence/
 * tpm_quote.h), and the PCRs it reports count only once a quote by a key
 * proven to share the run's TPM covers them. */
#include "check/tpm_attest.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/cleanup.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "evidence/ecdsa.h"
#include "evidence/tpm_fold.h"

/* PCR 10 holds IMA's runtime measurements, which are not in the firmware
 * log; the others up to 15 are the firmware's. */
#define IMA_PCR 10
#define LOG_PCRS (0xffffu & ~(1u << IMA_PCR))

static int call(const struct tpm_attest_chan *c, const char *op, json_object *params,
                json_object **ret, struct tdxh_err *e)
{
        return agent_call(c->chan, op, params, ret, c->deadline, c->watch, e);
}

static int get_base64(json_object *resp, const char *op, const char *key, uint8_t **ret,
                      size_t *ret_len, struct tdxh_err *e)
{
        json_object *v;

        if (!json_object_object_get_ex(resp, key, &v) || !json_object_is_type(v, json_type_string) ||
            base64_decode(json_object_get_string(v), (size_t)json_object_get_string_len(v), ret,
                          ret_len) < 0)
                return err_setf(e, -EPROTO, "agent: %s: \"%s\" is missing or not base64", op,
                                key);
        return 0;
}

void tpm_attest_key_done(struct tpm_attest_key *k)
{
        free(k->ak_public);
        tpm_ak_done(&k->ak);
        *k = (struct tpm_attest_key){ 0 };
}

int tpm_attest_get_ak(const struct tpm_attest_chan *c, EVP_PKEY *ek, struct tpm_attest_key *ret,
                      struct tdxh_err *e)
{
        _cleanup_json_ json_object *resp = NULL;
        _cleanup_free_ uint8_t *ek_pub = NULL, *name = NULL;
        struct tpm_attest_key k = { 0 };
        size_t ek_len = 0, name_len = 0;
        json_object *v;
        int r;

        r = call(c, "tpm-ak", NULL, &resp, e);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(resp, "ak_name", &v) ||
            !json_object_is_type(v, json_type_string) ||
            hex_decode_alloc(json_object_get_string(v), &name, &name_len) < 0)
                return err_setf(e, -EPROTO, "agent: tpm-ak: \"ak_name\" is missing or not hex");
        r = get_base64(resp, "tpm-ak", "ak_public", &k.ak_public, &k.ak_public_len, e);
        if (r >= 0)
                r = get_base64(resp, "tpm-ak", "ek_public", &ek_pub, &ek_len, e);
        if (r < 0) {
                tpm_attest_key_done(&k);
                return r;
        }
        r = tpm_ak_parse(k.ak_public, k.ak_public_len, &k.ak, e);
        /* The name the agent states must be the one its public area has:
         * activation is for the name, the quote is checked with the key. */
        if (r >= 0)
                r = tpm_ak_check_name(&k.ak, name, name_len, e);
        if (r >= 0 && ek)
                r = tpm_ek_check_public(ek, ek_pub, ek_len, e);
        if (r < 0) {
                err_prefix(e, "tpm-ak: ");
                tpm_attest_key_done(&k);
                return r;
        }
        *ret = k;
        return 0;
}

int tpm_attest_activate(const struct tpm_attest_chan *c, EVP_PKEY *ek, const uint8_t *name,
                        size_t name_len, struct tdxh_err *e)
{
        _cleanup_(tpm_credential_done) struct tpm_credential cred = { 0 };
        _cleanup_json_ json_object *params = json_object_new_object(), *resp = NULL;
        _cleanup_free_ char *blob = NULL, *enc = NULL;
        uint8_t secret[TPM_ATTEST_SECRET_LEN], *got = NULL;
        size_t got_len = 0;
        bool same;
        int r;

        if (!params)
                return -ENOMEM;
        if (RAND_bytes(secret, sizeof(secret)) != 1)
                return err_setf(e, -EIO, "no random bytes for the credential");
        r = tpm_make_credential(ek, name, name_len, secret, sizeof(secret), &cred, e);
        if (r < 0) {
                OPENSSL_cleanse(secret, sizeof(secret));
                return r;
        }
        blob = base64_encode(cred.blob, cred.blob_len);
        enc = base64_encode(cred.secret, cred.secret_len);
        if (!blob || !enc || json_add_string(params, "credential_blob", blob) < 0 ||
            json_add_string(params, "encrypted_secret", enc) < 0) {
                OPENSSL_cleanse(secret, sizeof(secret));
                return -ENOMEM;
        }
        r = call(c, "tpm-activate", params, &resp, e);
        if (r >= 0)
                r = get_base64(resp, "tpm-activate", "secret", &got, &got_len, e);
        same = r >= 0 && got_len == sizeof(secret) && CRYPTO_memcmp(got, secret, got_len) == 0;
        OPENSSL_cleanse(secret, sizeof(secret));
        if (got)
                OPENSSL_cleanse(got, got_len);
        free(got);
        if (r < 0)
                return r;
        if (!same)
                return err_setf(e, -EACCES, "tpm-activate: the TPM gave back another secret than "
                                "the credential holds");
        return 0;
}

void tpm_attest_quote_done(struct tpm_attest_quote *q)
{
        free(q->attest);
        free(q->signature);
        *q = (struct tpm_attest_quote){ 0 };
}

/* pcr_values must hold exactly the PCRs asked for, each a digest of bank. */
static int parse_pcr_values(json_object *resp, uint32_t mask, uint16_t bank,
                            struct tpm_pcr_values *ret, struct tdxh_err *e)
{
        size_t size = tpm_alg_digest_size(bank);
        json_object *vals;
        uint32_t seen = 0;

        memset(ret, 0, sizeof(*ret));
        ret->bank = bank;
        if (!json_object_object_get_ex(resp, "pcr_values", &vals) ||
            !json_object_is_type(vals, json_type_object))
                return err_setf(e, -EPROTO, "agent: tpm-quote: \"pcr_values\" is missing or not "
                                "an object");
        json_object_object_foreach(vals, key, v)
        {
                char *end = NULL;
                long pcr = strtol(key, &end, 10);

                if (!*key || *end || pcr < 0 || pcr >= TPM_NPCR || !(mask & (1u << pcr)))
                        return err_setf(e, -EPROTO, "agent: tpm-quote: pcr_values holds \"%.8s\", "
                                        "a PCR that was not asked for", key);
                if (!json_object_is_type(v, json_type_string) ||
                    hex_decode_exact(json_object_get_string(v), ret->value[pcr], size) < 0)
                        return err_setf(e, -EPROTO, "agent: tpm-quote: pcr_values[\"%ld\"] is not "
                                        "%zu bytes of hex", pcr, size);
                seen |= 1u << pcr;
        }
        if (seen != mask) {
                char missing[96];

                tpm_pcr_mask_format(mask & ~seen, missing, sizeof(missing));
                return err_setf(e, -EPROTO, "agent: tpm-quote: pcr_values lacks PCRs %s",
                                missing);
        }
        ret->mask = mask;
        return 0;
}

int tpm_attest_get_quote(const struct tpm_attest_chan *c, const uint8_t *nonce, size_t nonce_len,
                         uint32_t mask, uint16_t bank, struct tpm_attest_quote *ret,
                         struct tdxh_err *e)
{
        _cleanup_json_ json_object *params = json_object_new_object(), *resp = NULL;
        _cleanup_json_ json_object *pcrs = json_object_new_array();
        _cleanup_free_ char *hex = NULL;
        struct tpm_attest_quote q = { 0 };
        const char *bank_name = tpm_bank_name(bank);
        int r;

        if (!params || !pcrs)
                return -ENOMEM;
        if (!bank_name || !mask || mask >> TPM_NPCR || nonce_len == 0 || nonce_len > TPM_NONCE_MAX)
                return err_setf(e, -EINVAL, "tpm-quote: bank 0x%04x, PCR mask 0x%x or a %zu-byte "
                                "nonce out of range", bank, mask, nonce_len);
        for (int pcr = 0; pcr < TPM_NPCR; pcr++)
                if (mask & (1u << pcr) && json_array_add(pcrs, json_object_new_int(pcr)) < 0)
                        return -ENOMEM;
        hex = hex_dup(nonce, nonce_len);
        if (!hex || json_add_string(params, "nonce", hex) < 0 ||
            json_add(params, "pcrs", TAKE_PTR(pcrs)) < 0 ||
            json_add_string(params, "bank", bank_name) < 0)
                return -ENOMEM;
        r = call(c, "tpm-quote", params, &resp, e);
        if (r < 0)
                return r;
        r = get_base64(resp, "tpm-quote", "attest", &q.attest, &q.attest_len, e);
        if (r >= 0)
                r = get_base64(resp, "tpm-quote", "signature", &q.signature, &q.signature_len, e);
        if (r >= 0)
                r = parse_pcr_values(resp, mask, bank, &q.pcrs, e);
        if (r < 0) {
                tpm_attest_quote_done(&q);
                return r;
        }
        *ret = q;
        return 0;
}

int tpm_attest_verify(const struct tpm_attest_key *k, const struct tpm_attest_quote *q,
                      const uint8_t *nonce, size_t nonce_len, struct tdxh_err *e)
{
        struct tpm_quote_evidence ev = { .ak_public = k->ak_public,
                                         .ak_public_len = k->ak_public_len,
                                         .attest = q->attest,
                                         .attest_len = q->attest_len,
                                         .signature = q->signature,
                                         .signature_len = q->signature_len };
        int r = tpm_quote_verify(&ev, nonce, nonce_len, &q->pcrs, NULL, e);

        if (r < 0)
                err_prefix(e, "tpm-quote: ");
        return r;
}

int tpm_attest_registers(const struct tpm_attest_chan *c, const char *ek_pem,
                         const uint8_t *nonce, size_t nonce_len, struct tpm_pcr_values *ret,
                         struct tdxh_err *e)
{
        _cleanup_evp_pkey_ EVP_PKEY *ek = NULL;
        _cleanup_(tpm_attest_key_done) struct tpm_attest_key k = { 0 };
        _cleanup_(tpm_attest_quote_done) struct tpm_attest_quote q = { 0 };
        int r;

        if (!ek_pem)
                return err_setf(e, -EINVAL, "tpm attestation: the host knows no EK (swtpm ran "
                                "without an EK certificate)");
        r = tpm_ek_load_pem(ek_pem, strlen(ek_pem), &ek, e);
        if (r >= 0)
                r = tpm_attest_get_ak(c, ek, &k, e);
        if (r >= 0)
                r = tpm_attest_activate(c, ek, k.ak.name, k.ak.name_len, e);
        if (r >= 0)
                r = tpm_attest_get_quote(c, nonce, nonce_len, TPM_ATTEST_PCRS, TPM_ALG_SHA384, &q,
                                         e);
        if (r >= 0)
                r = tpm_attest_verify(&k, &q, nonce, nonce_len, e);
        if (r < 0)
                return r;
        *ret = q.pcrs;
        return 0;
}

int tpm_attest_log_rtmrs(const uint8_t *log, size_t len, const struct tpm_pcr_values *pcrs,
                         uint8_t ret_rtmr[4][SHA384_LEN], struct tdxh_err *e)
{
        const uint32_t need = LOG_PCRS | 1u << TPM_FOLD_RTMR3_PCR;
        char missing[96], bad[96], got[2 * SHA384_LEN + 1], want[2 * SHA384_LEN + 1];
        struct tpm_fold f;
        uint32_t differ = 0;
        int first = -1, r;

        if (pcrs->bank != TPM_ALG_SHA384)
                return err_setf(e, -EINVAL, "pcr_values: bank %s, the RTMRs fold from sha384",
                                tpm_bank_name(pcrs->bank) ? tpm_bank_name(pcrs->bank) : "?");
        if ((pcrs->mask & need) != need) {
                tpm_pcr_mask_format(need & ~pcrs->mask, missing, sizeof(missing));
                return err_setf(e, -EINVAL, "pcr_values: PCRs %s were not quoted", missing);
        }
        r = tpm_fold_log(log, len, &f, e);
        if (r < 0) {
                err_prefix(e, "event log: ");
                return r;
        }
        for (int pcr = 0; pcr < TPM_NPCR; pcr++)
                if (LOG_PCRS & (1u << pcr) &&
                    memcmp(f.pcr[pcr], pcrs->value[pcr], SHA384_LEN) != 0) {
                        differ |= 1u << pcr;
                        if (first < 0)
                                first = pcr;
                }
        if (differ) {
                tpm_pcr_mask_format(differ, bad, sizeof(bad));
                hex_encode(f.pcr[first], SHA384_LEN, got);
                hex_encode(pcrs->value[first], SHA384_LEN, want);
                return err_setf(e, -EACCES, "event log: PCRs %s replay to other values than the "
                                "quote holds (PCR %d: log %.16s..., quote %.16s...)", bad, first,
                                got, want);
        }
        memcpy(ret_rtmr, f.rtmr, sizeof(f.rtmr));
        memcpy(ret_rtmr[3], pcrs->value[TPM_FOLD_RTMR3_PCR], SHA384_LEN);
        return 0;
}
