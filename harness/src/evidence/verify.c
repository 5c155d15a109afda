/* Quote verification: the order of the checks and each check's rule
 * (TDX-REFERENCE §6.5 items 1-4 and 7; Intel's QVL does the same steps).
 *
 * Every check runs even when an earlier one failed, so that a report names
 * all that is wrong with a quote: a damaged body fails the quote signature
 * alone, a foreign chain fails pck-chain alone, and so on. */
#include "evidence/verify.h"

#include <errno.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/hex.h"
#include "evidence/collateral.h"
#include "evidence/ecdsa.h"
#include "evidence/pck_chain.h"
#include "evidence/td_json.h"
#include "evidence/verify_chain.h"

struct verify_ctx {
        bool has_report_data;
        uint8_t report_data[64];
        bool allow_debug;
        bool own_root;  /* a --trust-root was given: the chain ends at the user's root */
        struct chain_trust trust;
        struct collateral *collateral; /* NULL when no collateral was given */
};

int verify_ctx_new(const struct verify_opts *o, struct verify_ctx **ret, struct tdxh_err *e)
{
        struct verify_ctx *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        if (o->report_data) {
                c->has_report_data = true;
                memcpy(c->report_data, o->report_data, 64);
        }
        c->allow_debug = o->allow_debug;
        c->own_root = o->trust_root != NULL;
        r = chain_trust_load(&c->trust, o, e);
        if (r >= 0 && (o->tcb_info || o->qe_identity))
                r = collateral_load(o, &c->trust, &c->collateral, e);
        if (r < 0) {
                verify_ctx_free(c);
                return r;
        }
        *ret = c;
        return 0;
}

void verify_ctx_free(struct verify_ctx *c)
{
        if (!c)
                return;
        collateral_free(c->collateral);
        chain_trust_done(&c->trust);
        free(c);
}

/* The QE vendor: Intel's, or tdxh's fake QE. A fake quote's chain can end
 * only at a root the user names (--trust-root: the run's fake root); against
 * Intel's pinned root the vendor fails, and the chain with it, so a fake
 * quote never passes as genuine. */
static int check_header(const struct quote *q, bool own_root, struct verify_result *res)
{
        char vendor[33];
        int r;

        r = verify_add(res, VERIFY_ATT_KEY_TYPE, q->att_key_type == QUOTE_ATT_KEY_ECDSA_P256,
                       q->att_key_type == QUOTE_ATT_KEY_ECDSA_P256
                               ? "%u (ECDSA P-256)"
                               : "%u is not supported (only 2, ECDSA P-256 with SHA-256)",
                       q->att_key_type);
        if (r < 0)
                return r;
        r = verify_add(res, VERIFY_TEE_TYPE, q->tee_type == QUOTE_TEE_TYPE_TDX,
                       q->tee_type == QUOTE_TEE_TYPE_TDX ? "0x%x (TDX)" : "0x%x is not TDX (0x81)",
                       q->tee_type);
        if (r < 0)
                return r;
        hex_encode(q->qe_vendor_id, 16, vendor);
        if (memcmp(q->qe_vendor_id, quote_fake_qe_vendor_id, 16) == 0)
                return verify_add(res, VERIFY_QE_VENDOR, own_root,
                                  own_root ? "%s is tdxh's fake QE (\"" QUOTE_FAKE_QE_VENDOR_TEXT
                                             "\"): a fake quote, accepted only because --trust-root "
                                             "names its root"
                                           : "%s is tdxh's fake QE (\"" QUOTE_FAKE_QE_VENDOR_TEXT
                                             "\"): a fake quote, never genuine",
                                  vendor);
        return verify_add(res, VERIFY_QE_VENDOR,
                          memcmp(q->qe_vendor_id, quote_intel_qe_vendor_id, 16) == 0,
                          memcmp(q->qe_vendor_id, quote_intel_qe_vendor_id, 16) == 0
                                  ? "%s (Intel)"
                                  : "%s is not Intel's QE (939a7233f79c4ca9940a0db3957f0607)",
                          vendor);
}

static int check_quote_signature(const struct quote *q, struct verify_result *res)
{
        _cleanup_evp_pkey_ EVP_PKEY *key = NULL;
        int r;

        if (ecdsa_p256_key_from_raw(q->att_pubkey, &key) < 0)
                return verify_add(res, VERIFY_QUOTE_SIG, false,
                                  "the attestation key is not a point on P-256");
        r = ecdsa_p256_verify(key, q->signature, q->data, q->signed_len);
        if (r < 0)
                return r;
        return verify_add(res, VERIFY_QUOTE_SIG, r == 1,
                          "%s ECDSA P-256/SHA-256 signature over bytes [0, %zu) by the "
                          "attestation key",
                          r == 1 ? "valid" : "invalid", q->signed_len);
}

static int check_qe_binding(const struct quote *q, struct verify_result *res)
{
        struct qe_report_fields f;
        uint8_t h[SHA256_LEN], zero[32] = { 0 };
        char want[65], got[65];
        struct digest d = { 0 };
        int r;

        quote_qe_report_fields(q, &f);
        r = digest_begin(&d, DIGEST_SHA256);
        if (r >= 0)
                r = digest_update(&d, q->att_pubkey, 64);
        if (r >= 0)
                r = digest_update(&d, q->qe_auth_data, q->qe_auth_data_len);
        if (r >= 0)
                r = digest_end(&d, h);
        digest_done(&d);
        if (r < 0)
                return r;
        hex_encode(h, sizeof(h), want);
        hex_encode(f.report_data, 32, got);
        if (memcmp(h, f.report_data, 32) != 0)
                return verify_add(res, VERIFY_QE_BINDING, false,
                                  "QE report_data[0:32] is %s, SHA-256(attestation key || QE "
                                  "auth data) is %s",
                                  got, want);
        if (memcmp(f.report_data + 32, zero, 32) != 0)
                return verify_add(res, VERIFY_QE_BINDING, false,
                                  "QE report_data[32:64] is not zero");
        return verify_add(res, VERIFY_QE_BINDING, true,
                          "QE report_data = SHA-256(attestation key || %u bytes of QE auth "
                          "data) || zeros",
                          q->qe_auth_data_len);
}

static int check_qe_signature(const struct quote *q, X509 *leaf, struct verify_result *res)
{
        EVP_PKEY *key = X509_get0_pubkey(leaf);
        uint8_t xy[64];
        int r;

        if (!key || ecdsa_p256_key_to_raw(key, xy) < 0)
                return verify_add(res, VERIFY_QE_SIG, false,
                                  "the PCK certificate's key is not an EC P-256 key");
        r = ecdsa_p256_verify(key, q->qe_report_signature, q->qe_report, QUOTE_QE_REPORT_LEN);
        if (r < 0)
                return r;
        return verify_add(res, VERIFY_QE_SIG, r == 1,
                          "%s signature over the QE report by the PCK certificate's key",
                          r == 1 ? "valid" : "invalid");
}

static int check_chain_and_collateral(const struct verify_ctx *c, const struct quote *q,
                                      struct verify_result *res)
{
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        struct tdxh_err err = { 0 };
        int r;

        r = pem_certs_parse(q->pck_chain_pem, q->pck_chain_pem_len, &chain, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = verify_add(res, VERIFY_QE_SIG, false, "no PCK certificate: %s", err.msg);
                if (r >= 0)
                        r = verify_add(res, VERIFY_PCK_CHAIN, false, "%s", err.msg);
                return r;
        }
        r = check_qe_signature(q, sk_X509_value(chain, 0), res);
        if (r >= 0)
                r = chain_verify(&c->trust, chain, VERIFY_PCK_CHAIN, true, VERIFY_CRL, res,
                                 NULL);
        if (r >= 0 && c->collateral)
                r = collateral_check(c->collateral, q, sk_X509_value(chain, 0), res);
        return r;
}

static int check_policy(const struct verify_ctx *c, const struct quote *q,
                        struct verify_result *res)
{
        uint64_t attr = td_attributes_value(q->body.td_attributes);
        int r = 0;

        if (!c->allow_debug) {
                r = verify_add(res, VERIFY_DEBUG, !(attr & TD_ATTR_DEBUG),
                               (attr & TD_ATTR_DEBUG)
                                       ? "TD_ATTRIBUTES 0x%016llx has DEBUG set: the host can "
                                         "read and change the TD"
                                       : "TD_ATTRIBUTES 0x%016llx, DEBUG clear",
                               (unsigned long long)attr);
                if (r < 0)
                        return r;
        }
        if (c->has_report_data) {
                char want[129], got[129];
                bool same = memcmp(c->report_data, q->body.report_data, 64) == 0;

                hex_encode(c->report_data, 64, want);
                hex_encode(q->body.report_data, 64, got);
                r = same ? verify_add(res, VERIFY_REPORT_DATA, true, "%s", got)
                         : verify_add(res, VERIFY_REPORT_DATA, false, "expected %s got %s",
                                      want, got);
        }
        return r;
}

int verify_quote(const struct verify_ctx *c, const struct quote *q, struct verify_result *res)
{
        int r;

        r = check_header(q, c->own_root, res);
        if (r >= 0)
                r = check_quote_signature(q, res);
        if (r >= 0)
                r = check_qe_binding(q, res);
        if (r >= 0)
                r = check_chain_and_collateral(c, q, res);
        if (r >= 0)
                r = check_policy(c, q, res);
        return r;
}

int verify_bind_event_log(struct verify_result *res, const struct quote *q,
                          const uint8_t replayed[4][48], unsigned rtmr_mask)
{
        _cleanup_buf_ struct buf msg = BUF_INIT, names = BUF_INIT;
        char want[97], got[97];
        size_t n = 0;
        int r = 0;

        /* Every RTMR that differs, with both values: the one a reader looks
         * at first is not always the first that differs. */
        for (int i = 0; i < 4 && r >= 0; i++) {
                if (!(rtmr_mask & 1u << i) || memcmp(q->body.rtmr[i], replayed[i], 48) == 0)
                        continue;
                hex_encode(q->body.rtmr[i], 48, want);
                hex_encode(replayed[i], 48, got);
                r = buf_printf(&names, "%srtmr%d", n ? ", " : "", i);
                if (r >= 0)
                        r = buf_printf(&msg, "; rtmr%d: quote has %s, the log replays to %s", i, want, got);
                n++;
        }
        if (r < 0)
                return r;
        if (n)
                return verify_add(res, VERIFY_EVENT_LOG, false, "%s differ%s%s", names.data,
                                  n > 1 ? "" : "s", msg.data);
        return verify_add(res, VERIFY_EVENT_LOG, rtmr_mask != 0,
                          rtmr_mask ? "the log replays to the quote's RTMRs (mask 0x%x)"
                                    : "no RTMR selected (mask 0x%x)",
                          rtmr_mask);
}
