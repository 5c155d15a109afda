/* The guest's half of key-broker release (scenario steps seal/unseal in kbs
 * mode): `kbs-key` makes an ephemeral P-384 key whose public half the host
 * binds into a quote's report data; `kbs-unwrap` opens the secret the broker
 * wrapped to it (core/key_wrap.h) and answers only with the secret's SHA-384,
 * so that the host can check the release without the secret ever crossing
 * the channel again. The key lives in this process only and a new kbs-key
 * replaces it; the secret is cleared as soon as it is hashed. */
#include "agent.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/json_util.h"
#include "core/key_wrap.h"

static EVP_PKEY *kbs_key;

int agent_op_kbs_key(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *spki = NULL;
        _cleanup_free_ char *b64 = NULL;
        EVP_PKEY *k = NULL;
        size_t len = 0;
        int r;

        (void)a;
        (void)req;
        r = key_wrap_keygen(&k, &spki, &len, e);
        if (r < 0)
                return r;
        EVP_PKEY_free(kbs_key);
        kbs_key = k;
        b64 = base64_encode(spki, len);
        if (!b64 || json_add_string(resp, "public_key", b64) < 0)
                return -ENOMEM;
        return 0;
}

int agent_op_kbs_unwrap(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e)
{
        _cleanup_key_wrapped_ struct key_wrapped w = { 0 };
        uint8_t *secret = NULL, d[SHA384_LEN];
        const char *name = NULL;
        size_t len = 0;
        int r;

        (void)a;
        if (!kbs_key)
                return err_setf(e, -ENOKEY, "kbs-unwrap: no key (kbs-key first)");
        r = agent_field_string(req, "name", true, &name, e);
        if (r >= 0)
                r = agent_field_base64(req, "sender_key", &w.sender_spki, &w.sender_spki_len, e);
        if (r >= 0)
                r = agent_field_base64(req, "ciphertext", &w.ciphertext, &w.ciphertext_len, e);
        if (r >= 0)
                r = agent_field_hex(req, "iv", w.iv, sizeof(w.iv), e);
        if (r >= 0)
                r = agent_field_hex(req, "tag", w.tag, sizeof(w.tag), e);
        if (r < 0)
                return r;
        r = key_unwrap(kbs_key, name, &w, &secret, &len, e);
        if (r < 0)
                return r;
        r = digest_buf(DIGEST_SHA384, secret, len, d);
        OPENSSL_cleanse(secret, len);
        free(secret);
        if (r < 0)
                return r;
        return json_add_hex(resp, "sha384", d, sizeof(d)) < 0 ? -ENOMEM : 0;
}
