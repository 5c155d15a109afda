/* Seal and unseal steps, in two modes.
 *
 * kbs: the harness is the key broker. seal makes a 32-byte secret and
 * records, from a verified quote of the guest, the values of the registers
 * the policy names. unseal has the guest make an ephemeral key (kbs-key),
 * gets a verified quote whose report data is SHA-512 of that public key,
 * and releases the secret, wrapped to the key (core/key_wrap.h), only when
 * every policy register equals its sealed value; the guest proves it opened
 * it by answering with the secret's SHA-384.
 *
 * tpm: the guest's TPM seals the secret under PolicyPCR (the agent's
 * seal/unseal); the TPM itself refuses an unseal after a measured input
 * changed. The sealed blob (TPM-encrypted) is kept in the step's folder.
 *
 * Either way the secret exists in this process's memory and in the guest
 * only: never in the run directory, a log or a report. */
#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/scenario_internal.h"
#include "core/base64.h"
#include "core/cleanup.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "core/key_wrap.h"

static const char *const reg_names[5] = { "mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3" };

static unsigned policy_of(const struct step *st)
{
        return st->seal.policy ? st->seal.policy
                               : POLICY_MRTD | POLICY_RTMR0 | POLICY_RTMR1 | POLICY_RTMR2;
}

static int policy_text(unsigned policy, char *out, size_t len)
{
        size_t n = 0;

        out[0] = '\0';
        for (int i = 0; i < 5; i++)
                if (policy & (1u << i))
                        n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s", n ? ", " : "",
                                              reg_names[i]);
        return n < len ? 0 : -ENOSPC;
}

static struct srun_secret *find_secret(struct srun *R, const char *name)
{
        for (size_t i = 0; i < R->n_secrets; i++)
                if (strcmp(R->secrets[i].name, name) == 0)
                        return &R->secrets[i];
        return NULL;
}

static int new_secret(struct srun *R, const struct step *st, struct srun_secret **ret)
{
        struct srun_secret *s = find_secret(R, st->seal.name), *v;

        if (s) {
                /* Sealing a name again replaces the secret. */
                OPENSSL_cleanse(s->value, sizeof(s->value));
                free(s->blob_b64);
                s->blob_b64 = NULL;
        } else {
                v = reallocarray(R->secrets, R->n_secrets + 1, sizeof(*v));
                if (!v)
                        return -ENOMEM;
                R->secrets = v;
                s = &v[R->n_secrets];
                *s = (struct srun_secret){ .name = strdup(st->seal.name) };
                if (!s->name)
                        return -ENOMEM;
                R->n_secrets++;
        }
        s->mode = st->seal.mode;
        s->policy = policy_of(st);
        if (RAND_bytes(s->value, sizeof(s->value)) != 1)
                return -EIO;
        *ret = s;
        return 0;
}

static int policy_json(unsigned policy, json_object **ret)
{
        json_object *arr = json_object_new_array();

        if (!arr)
                return -ENOMEM;
        for (int i = 0; i < 5; i++)
                if ((policy & (1u << i)) &&
                    json_array_add(arr, json_object_new_string(reg_names[i])) < 0) {
                        json_object_put(arr);
                        return -ENOMEM;
                }
        *ret = arr;
        return 0;
}

static int seal_tpm(struct srun *R, struct srun_secret *s, struct step_outcome *out)
{
        _cleanup_json_ json_object *params = json_object_new_object(), *ans = NULL;
        _cleanup_free_ char *data = base64_encode(s->value, sizeof(s->value)), *path = NULL;
        json_object *pol = NULL, *blob;
        char ptext[64];
        int r;

        if (!params || !data || policy_json(s->policy, &pol) < 0 ||
            json_add_string(params, "name", s->name) < 0 || json_add_string(params, "data", data) < 0 ||
            json_add(params, "policy", pol) < 0)
                return -ENOMEM;
        OPENSSL_cleanse(data, strlen(data));
        r = srun_agent(R, "seal", params, &ans);
        /* The request held the secret: clear the copy json-c made. */
        json_object_object_del(params, "data");
        if (r < 0)
                return step_outcome_set(out, srun_guest_failed(R) ? OUT_ERROR : OUT_REFUSED, "%s",
                                        R->e->msg);
        if (!json_object_object_get_ex(ans, "blob", &blob) || !json_object_is_type(blob, json_type_string))
                return step_outcome_set(out, OUT_ERROR, "agent: seal: no \"blob\" in the answer");
        s->blob_b64 = strdup(json_object_get_string(blob));
        if (!s->blob_b64 || srun_step_file(R, "sealed.json", &path) < 0)
                return -ENOMEM;
        if (json_write(ans, path, R->e) < 0)
                return step_outcome_set(out, OUT_ERROR, "%s", R->e->msg);
        (void)policy_text(s->policy, ptext, sizeof(ptext));
        return step_outcome_set(out, OUT_PASS, "'%s' sealed by the guest's TPM to %s (PolicyPCR)",
                                s->name, ptext);
}

static int seal_kbs(struct srun *R, struct srun_secret *s, struct step_outcome *out)
{
        struct srun_quote q = { 0 };
        uint8_t rd[64];
        char ptext[64];
        int r;

        if (RAND_bytes(rd, sizeof(rd)) != 1)
                return -EIO;
        r = srun_attested_quote(R, rd, &q, out);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                buf_puts(&out->message, " (nothing was sealed)");
                return 0;
        }
        memcpy(s->sealed_regs, q.regs, sizeof(s->sealed_regs));
        srun_quote_free(&q);
        (void)policy_text(s->policy, ptext, sizeof(ptext));
        return step_outcome_set(out, OUT_PASS, "the broker holds '%s' for %s as a verified quote "
                                "measured them", s->name, ptext);
}

int step_seal(struct srun *R, const struct step *st, struct step_outcome *out)
{
        struct srun_secret *s;
        int r = new_secret(R, st, &s);

        if (r < 0)
                return r;
        return s->mode == SEAL_TPM ? seal_tpm(R, s, out) : seal_kbs(R, s, out);
}

static int unseal_tpm(struct srun *R, struct srun_secret *s, struct step_outcome *out)
{
        _cleanup_json_ json_object *params = json_object_new_object(), *ans = NULL;
        _cleanup_free_ uint8_t *data = NULL;
        json_object *v;
        size_t len = 0;
        bool same;
        int r;

        if (!params || json_add_string(params, "name", s->name) < 0 ||
            json_add_string(params, "blob", s->blob_b64) < 0)
                return -ENOMEM;
        r = srun_agent(R, "unseal", params, &ans);
        if (r < 0 && srun_guest_failed(R))
                return step_outcome_set(out, OUT_ERROR, "%s", R->e->msg);
        if (r == -EACCES)
                return step_outcome_set(out, OUT_REFUSED, "the guest's TPM refused to unseal '%s': the "
                                        "PCRs no longer satisfy its PolicyPCR (%s)", s->name, R->e->msg);
        if (r < 0)
                return step_outcome_set(out, OUT_REFUSED, "unseal of '%s' failed: %s", s->name,
                                        R->e->msg);
        if (!json_object_object_get_ex(ans, "data", &v) || !json_object_is_type(v, json_type_string) ||
            base64_decode(json_object_get_string(v), strlen(json_object_get_string(v)), &data, &len) < 0)
                return step_outcome_set(out, OUT_ERROR, "agent: unseal: no base64 \"data\" in the answer");
        same = len == sizeof(s->value) && CRYPTO_memcmp(data, s->value, len) == 0;
        OPENSSL_cleanse(data, len);
        /* The answer held the secret too. */
        json_object_object_del(ans, "data");
        if (!same)
                return step_outcome_set(out, OUT_REFUSED, "the guest's TPM unsealed '%s' to other data "
                                        "than was sealed", s->name);
        return step_outcome_set(out, OUT_PASS, "the guest's TPM released '%s' (the data sealed)",
                                s->name);
}

/* Compares the quote's policy registers with the sealed values; the first
 * that differs is named in out. */
static bool policy_holds(const struct srun_secret *s, const struct srun_quote *q,
                         struct step_outcome *out)
{
        char a[2 * SHA384_LEN + 1], b[2 * SHA384_LEN + 1];

        for (int i = 0; i < 5; i++) {
                if (!(s->policy & (1u << i)) || memcmp(s->sealed_regs[i], q->regs[i], SHA384_LEN) == 0)
                        continue;
                hex_encode(s->sealed_regs[i], SHA384_LEN, a);
                hex_encode(q->regs[i], SHA384_LEN, b);
                step_outcome_set(out, OUT_REFUSED, "the broker refused '%s': %s differs from its sealed "
                                 "value (sealed %.16s…, quoted %.16s…)", s->name, reg_names[i], a, b);
                return false;
        }
        return true;
}

static int release(struct srun *R, struct srun_secret *s, const uint8_t *spki, size_t spki_len,
                   struct step_outcome *out)
{
        _cleanup_json_ json_object *params = json_object_new_object(), *ans = NULL;
        _cleanup_key_wrapped_ struct key_wrapped w = { 0 };
        _cleanup_free_ char *key64 = NULL, *ct64 = NULL;
        uint8_t want[SHA384_LEN], got[SHA384_LEN];
        char iv[2 * KEY_WRAP_IV_LEN + 1], tag[2 * KEY_WRAP_TAG_LEN + 1];
        json_object *v;

        if (!params)
                return -ENOMEM;
        if (key_wrap(spki, spki_len, s->name, s->value, sizeof(s->value), &w, R->e) < 0)
                return step_outcome_set(out, OUT_REFUSED, "the broker cannot wrap to the guest's key: %s",
                                        R->e->msg);
        key64 = base64_encode(w.sender_spki, w.sender_spki_len);
        ct64 = base64_encode(w.ciphertext, w.ciphertext_len);
        hex_encode(w.iv, sizeof(w.iv), iv);
        hex_encode(w.tag, sizeof(w.tag), tag);
        if (!key64 || !ct64 || json_add_string(params, "name", s->name) < 0 ||
            json_add_string(params, "sender_key", key64) < 0 ||
            json_add_string(params, "ciphertext", ct64) < 0 || json_add_string(params, "iv", iv) < 0 ||
            json_add_string(params, "tag", tag) < 0)
                return -ENOMEM;
        if (srun_agent(R, "kbs-unwrap", params, &ans) < 0)
                return step_outcome_set(out, srun_guest_failed(R) ? OUT_ERROR : OUT_REFUSED,
                                        "the guest could not open the released secret: %s", R->e->msg);
        if (!json_object_object_get_ex(ans, "sha384", &v) || !json_object_is_type(v, json_type_string) ||
            hex_decode_exact(json_object_get_string(v), got, sizeof(got)) < 0)
                return step_outcome_set(out, OUT_ERROR, "agent: kbs-unwrap: no \"sha384\" in the answer");
        if (digest_buf(DIGEST_SHA384, s->value, sizeof(s->value), want) < 0)
                return -ENOMEM;
        if (CRYPTO_memcmp(want, got, sizeof(want)) != 0)
                return step_outcome_set(out, OUT_REFUSED, "the guest opened '%s' to another value",
                                        s->name);
        return step_outcome_set(out, OUT_PASS, "the broker released '%s' against a verified quote; "
                                "the guest opened it", s->name);
}

static int unseal_kbs(struct srun *R, struct srun_secret *s, struct step_outcome *out)
{
        _cleanup_json_ json_object *ans = NULL;
        _cleanup_free_ uint8_t *spki = NULL;
        struct srun_quote q = { 0 };
        uint8_t rd[64];
        size_t len = 0;
        json_object *v;
        const char *b64;
        bool ok;
        int r;

        if (srun_agent(R, "kbs-key", NULL, &ans) < 0)
                return step_outcome_set(out, srun_guest_failed(R) ? OUT_ERROR : OUT_REFUSED, "%s",
                                        R->e->msg);
        if (!json_object_object_get_ex(ans, "public_key", &v) || !json_object_is_type(v, json_type_string))
                return step_outcome_set(out, OUT_ERROR, "agent: kbs-key: no \"public_key\" in the answer");
        b64 = json_object_get_string(v);
        if (base64_decode(b64, strlen(b64), &spki, &len) < 0)
                return step_outcome_set(out, OUT_ERROR, "agent: kbs-key: \"public_key\" is not base64");
        /* The quote binds the key: report data = SHA-512(DER public key). */
        if (digest_buf(DIGEST_SHA512, spki, len, rd) < 0)
                return -ENOMEM;
        r = srun_attested_quote(R, rd, &q, out);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                buf_puts(&out->message, " (the broker released nothing)");
                return 0;
        }
        ok = policy_holds(s, &q, out);
        srun_quote_free(&q);
        return ok ? release(R, s, spki, len, out) : 0;
}

int step_unseal(struct srun *R, const struct step *st, struct step_outcome *out)
{
        struct srun_secret *s = find_secret(R, st->seal.name);

        if (!s)
                return step_outcome_set(out, OUT_REFUSED, "nothing named '%s' was sealed before",
                                        st->seal.name);
        if (s->mode != st->seal.mode)
                return step_outcome_set(out, OUT_REFUSED, "'%s' was sealed in %s mode, not %s",
                                        s->name, s->mode == SEAL_TPM ? "tpm" : "kbs",
                                        st->seal.mode == SEAL_TPM ? "tpm" : "kbs");
        return s->mode == SEAL_TPM ? unseal_tpm(R, s, out) : unseal_kbs(R, s, out);
}
