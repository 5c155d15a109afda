/* Quote serialisation and signing; see quote_build.h. The layout is the one
 * quote.c parses (TDX-REFERENCE §6.2-§6.4). */
#include "evidence/quote_build.h"

#include <errno.h>
#include <string.h>

#include "core/buf.h"
#include "core/digest.h"
#include "evidence/ecdsa.h"

static int put_body(struct buf *b, const struct td_quote_body *body)
{
        const uint8_t *parts[] = {
                body->tee_tcb_svn,   body->mr_seam,      body->mrsigner_seam,
                body->seam_attributes, body->td_attributes, body->xfam,
                body->mr_td,         body->mr_config_id, body->mr_owner,
                body->mr_owner_config, body->rtmr[0],    body->rtmr[1],
                body->rtmr[2],       body->rtmr[3],      body->report_data,
                body->tee_tcb_svn2,  body->mr_servicetd,
        };
        static const size_t sizes[] = { 16, 48, 48, 8, 8, 8, 48, 48, 48, 48, 48, 48, 48, 48, 64,
                                        16, 48 };
        size_t n = body->has_v15 ? 17 : 15;
        int r = 0;

        for (size_t i = 0; i < n && r >= 0; i++)
                r = buf_append(b, parts[i], sizes[i]);
        return r;
}

static int qe_binding(const struct quote_build *p, const uint8_t att_xy[64], uint8_t out[64])
{
        struct digest d = { 0 };
        int r;

        memset(out, 0, 64);
        r = digest_begin(&d, DIGEST_SHA256);
        if (r >= 0)
                r = digest_update(&d, att_xy, 64);
        if (r >= 0)
                r = digest_update(&d, p->qe_auth_data, p->qe_auth_data_len);
        if (r >= 0)
                r = digest_end(&d, out);
        digest_done(&d);
        return r;
}

static int put_header_body(struct buf *b, const struct quote_build *p)
{
        static const uint8_t zeros[20];
        int r;

        r = buf_put_le16(b, p->version);
        if (r >= 0)
                r = buf_put_le16(b, p->att_key_type ? p->att_key_type : QUOTE_ATT_KEY_ECDSA_P256);
        if (r >= 0)
                r = buf_put_le32(b, p->tee_type ? p->tee_type : QUOTE_TEE_TYPE_TDX);
        if (r >= 0)
                r = buf_put_le32(b, 0);
        if (r >= 0)
                r = buf_append(b, p->qe_vendor_id ? p->qe_vendor_id : quote_intel_qe_vendor_id,
                               16);
        if (r >= 0)
                r = buf_append(b, p->user_data ? p->user_data : zeros, 20);
        if (r >= 0 && p->version == 5) {
                r = buf_put_le16(b, p->body->has_v15 ? QUOTE_BODY_TD15 : QUOTE_BODY_TD10);
                if (r >= 0)
                        r = buf_put_le32(b, p->body->has_v15 ? QUOTE_BODY_TD15_LEN
                                                             : QUOTE_BODY_TD10_LEN);
        }
        return r < 0 ? r : put_body(b, p->body);
}

int quote_build(const struct quote_build *p, uint8_t **ret, size_t *ret_len)
{
        struct buf b = BUF_INIT;
        uint8_t att_xy[64], qe_report[QUOTE_QE_REPORT_LEN] = { 0 }, sig[64];
        size_t signed_len, cert_len;
        int r;

        if ((p->version != 4 && p->version != 5) || (p->version == 4 && p->body->has_v15) ||
            !p->att_key || !p->pck_key || (p->qe_auth_data_len && !p->qe_auth_data) ||
            ecdsa_p256_key_to_raw(p->att_key, att_xy) < 0)
                return -EINVAL;
        if (p->qe_report)
                memcpy(qe_report, p->qe_report, sizeof(qe_report));
        if (!p->keep_qe_report_data) {
                r = qe_binding(p, att_xy, qe_report + 320);
                if (r < 0)
                        return r;
        }
        cert_len = QUOTE_QE_REPORT_LEN + 64 + 2 + p->qe_auth_data_len + 6 + p->pck_chain_pem_len;
        if (cert_len > UINT32_MAX - 134 || p->pck_chain_pem_len > UINT32_MAX)
                return -EINVAL;
        r = put_header_body(&b, p);
        signed_len = b.len;
        if (r >= 0)
                r = ecdsa_p256_sign(p->att_key, b.data, signed_len, sig);
        if (r >= 0)
                r = buf_put_le32(&b, (uint32_t)(134 + cert_len));
        if (r >= 0)
                r = buf_append(&b, sig, 64);
        if (r >= 0)
                r = buf_append(&b, att_xy, 64);
        if (r >= 0)
                r = buf_put_le16(&b, QUOTE_CERT_QE_REPORT);
        if (r >= 0)
                r = buf_put_le32(&b, (uint32_t)cert_len);
        if (r >= 0)
                r = buf_append(&b, qe_report, sizeof(qe_report));
        if (r >= 0)
                r = ecdsa_p256_sign(p->pck_key, qe_report, sizeof(qe_report), sig);
        if (r >= 0)
                r = buf_append(&b, sig, 64);
        if (r >= 0)
                r = buf_put_le16(&b, p->qe_auth_data_len);
        if (r >= 0)
                r = buf_append(&b, p->qe_auth_data, p->qe_auth_data_len);
        if (r >= 0)
                r = buf_put_le16(&b, QUOTE_CERT_PCK_CHAIN);
        if (r >= 0)
                r = buf_put_le32(&b, (uint32_t)p->pck_chain_pem_len);
        if (r >= 0)
                r = buf_append(&b, p->pck_chain_pem, p->pck_chain_pem_len);
        if (r < 0) {
                buf_free(&b);
                return r;
        }
        *ret = (uint8_t *)buf_detach(&b, ret_len);
        return 0;
}
