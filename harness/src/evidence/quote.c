/* Strict parsing of TDX quotes, versions 4 and 5 (TDX-REFERENCE §6.2-§6.4).
 *
 * The input is untrusted: every length is checked against what is left
 * before it is used, every size that is stated twice must agree, and the
 * first problem found is reported with its offset and field. Zero padding
 * after the quote (drivers hand out fixed-size buffers) is accepted and
 * counted; any other trailing byte is an error, because it would be data no
 * signature covers, except for quote_parse_any_trailing(), which shows what
 * such a file holds (tdxh inspect) and records that the bytes are there. */
#include "evidence/quote.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

const uint8_t quote_intel_qe_vendor_id[16] = {
        0x93, 0x9a, 0x72, 0x33, 0xf7, 0x9c, 0x4c, 0xa9,
        0x94, 0x0a, 0x0d, 0xb3, 0x95, 0x7f, 0x06, 0x07,
};

const uint8_t quote_fake_qe_vendor_id[16] = QUOTE_FAKE_QE_VENDOR_TEXT;

const char *quote_qe_vendor_name(const uint8_t vendor_id[16])
{
        if (memcmp(vendor_id, quote_intel_qe_vendor_id, 16) == 0)
                return "Intel";
        if (memcmp(vendor_id, quote_fake_qe_vendor_id, 16) == 0)
                return "tdxh fake QE (not genuine)";
        return "unknown";
}

/* Sizes inside the ECDSA P-256 signature data (§6.4). */
#define SIG_FIXED_LEN 134u      /* signature, key, cert type and size */
#define QE_CERT_FIXED_LEN 450u  /* QE report, its signature, auth data size */
#define INNER_CERT_HDR_LEN 6u   /* inner cert type and size */

static uint16_t le16(const uint8_t *p)
{
        return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
               (uint32_t)p[3] << 24;
}

static void parse_body(const uint8_t *b, bool v15, struct td_quote_body *ret)
{
        struct td_quote_body body = { 0 };

        memcpy(body.tee_tcb_svn, b + 0, 16);
        memcpy(body.mr_seam, b + 16, 48);
        memcpy(body.mrsigner_seam, b + 64, 48);
        memcpy(body.seam_attributes, b + 112, 8);
        memcpy(body.td_attributes, b + 120, 8);
        memcpy(body.xfam, b + 128, 8);
        memcpy(body.mr_td, b + 136, 48);
        memcpy(body.mr_config_id, b + 184, 48);
        memcpy(body.mr_owner, b + 232, 48);
        memcpy(body.mr_owner_config, b + 280, 48);
        for (int i = 0; i < 4; i++)
                memcpy(body.rtmr[i], b + 328 + 48 * i, 48);
        memcpy(body.report_data, b + 520, 64);
        if (v15) {
                body.has_v15 = true;
                memcpy(body.tee_tcb_svn2, b + 584, 16);
                memcpy(body.mr_servicetd, b + 600, 48);
        }
        *ret = body;
}

/* Header and body: fills version ... body and signed_len. */
static int parse_header_body(const uint8_t *d, size_t len, struct quote *q, struct tdxh_err *e)
{
        size_t body_off;

        if (len == 0)
                return err_setf(e, -EINVAL, "empty input: no quote");
        if (len < QUOTE_HEADER_LEN)
                return err_setf(e, -EINVAL,
                                "offset 0x0: header: input is %zu bytes, the quote header alone "
                                "is %u",
                                len, QUOTE_HEADER_LEN);
        q->version = le16(d);
        q->att_key_type = le16(d + 2);
        q->tee_type = le32(d + 4);
        memcpy(q->header_reserved, d + 8, 4);
        memcpy(q->qe_vendor_id, d + 12, 16);
        memcpy(q->user_data, d + 28, 20);
        if (q->version != 4 && q->version != 5)
                return err_setf(e, -EINVAL,
                                "offset 0x0: version: %u is not a TDX quote version (4 or 5)",
                                q->version);
        /* The body layout depends on the TEE type; an SGX body is not a TD report. */
        if (q->tee_type != QUOTE_TEE_TYPE_TDX)
                return err_setf(e, -EINVAL,
                                "offset 0x4: tee_type: 0x%x is not TDX (0x81)%s", q->tee_type,
                                q->tee_type == 0 ? "; SGX quotes are not supported" : "");
        if (q->version == 4) {
                q->body_type = QUOTE_BODY_TD10;
                q->body_size = QUOTE_BODY_TD10_LEN;
                body_off = QUOTE_HEADER_LEN;
        } else {
                if (len < QUOTE_HEADER_LEN + 6)
                        return err_setf(e, -EINVAL,
                                        "offset 0x30: body descriptor: input ends after %zu "
                                        "bytes, before the v5 body type and size",
                                        len);
                q->body_type = le16(d + 48);
                q->body_size = le32(d + 50);
                body_off = QUOTE_HEADER_LEN + 6;
                if (q->body_type == 1)
                        return err_setf(e, -EINVAL,
                                        "offset 0x30: body_type: 1 (SGX enclave report) is not a "
                                        "TD report; SGX quotes are not supported");
                if (q->body_type != QUOTE_BODY_TD10 && q->body_type != QUOTE_BODY_TD15)
                        return err_setf(e, -EINVAL,
                                        "offset 0x30: body_type: unknown value %u (2 = TDX 1.0, "
                                        "3 = TDX 1.5)",
                                        q->body_type);
                uint32_t want = q->body_type == QUOTE_BODY_TD10 ? QUOTE_BODY_TD10_LEN
                                                                : QUOTE_BODY_TD15_LEN;
                if (q->body_size != want)
                        return err_setf(e, -EINVAL,
                                        "offset 0x32: body_size: %u, but body type %u is %u bytes",
                                        q->body_size, q->body_type, want);
        }
        if (len - body_off < q->body_size)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: TD quote body: %zu bytes left, the body is %u",
                                body_off, len - body_off, q->body_size);
        parse_body(d + body_off, q->body_type == QUOTE_BODY_TD15, &q->body);
        q->signed_len = body_off + q->body_size;
        return 0;
}

/* The PCK certificate chain (inner certification data, type 5) at
 * [off, end): PEM text, possibly followed by NUL terminators. */
static int parse_pck_chain(const uint8_t *d, size_t off, size_t end, struct quote *q,
                           struct tdxh_err *e)
{
        size_t n = end - off;

        while (n > 0 && d[off + n - 1] == '\0')
                n--;
        if (n == 0)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: PCK certificate chain: empty", off);
        const uint8_t *nul = memchr(d + off, '\0', n);
        if (nul)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: PCK certificate chain: NUL byte inside the PEM "
                                "text",
                                (size_t)(nul - d));
        q->pck_chain_pem = (const char *)(d + off);
        q->pck_chain_pem_len = n;
        return 0;
}

/* The QE report certification data (type 6) at [c, end). */
static int parse_qe_cert_data(const uint8_t *d, size_t c, size_t end, struct quote *q,
                              struct tdxh_err *e)
{
        size_t p, inner_off;

        if (end - c < QE_CERT_FIXED_LEN)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: QE report certification data: %zu bytes, less "
                                "than the %u of QE report, signature and auth data size",
                                c, end - c, QE_CERT_FIXED_LEN);
        memcpy(q->qe_report, d + c, QUOTE_QE_REPORT_LEN);
        memcpy(q->qe_report_signature, d + c + 384, 64);
        p = c + 448;
        q->qe_auth_data_len = le16(d + p);
        p += 2;
        if (end - p < (size_t)q->qe_auth_data_len + INNER_CERT_HDR_LEN)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: qe_auth_data_size: %u runs past the end of the "
                                "QE report certification data (%zu bytes left before the "
                                "6-byte inner certification header)",
                                p - 2, q->qe_auth_data_len, end - p);
        q->qe_auth_data = d + p;
        p += q->qe_auth_data_len;
        q->pck_cert_type = le16(d + p);
        q->pck_cert_data_len = le32(d + p + 2);
        if (q->pck_cert_type != QUOTE_CERT_PCK_CHAIN)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: inner certification data type: %u is not "
                                "supported (only 5, PCK certificate chain)",
                                p, q->pck_cert_type);
        inner_off = p + INNER_CERT_HDR_LEN;
        if (q->pck_cert_data_len != end - inner_off)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: inner certification data size: %u disagrees "
                                "with the QE report certification data size (leaves %zu "
                                "bytes)",
                                p + 2, q->pck_cert_data_len, end - inner_off);
        return parse_pck_chain(d, inner_off, end, q, e);
}

static int parse_signature_data(const uint8_t *d, size_t len, struct quote *q,
                                struct tdxh_err *e)
{
        size_t s, sig_end, p;

        if (len - q->signed_len < 4)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: signature_data_len: input ends %zu bytes after "
                                "the body",
                                q->signed_len, len - q->signed_len);
        q->signature_data_len = le32(d + q->signed_len);
        s = q->signed_len + 4;
        if (q->signature_data_len > len - s)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: signature_data_len: %u runs past the end of the "
                                "input (%zu bytes left)",
                                q->signed_len, q->signature_data_len, len - s);
        if (q->signature_data_len < SIG_FIXED_LEN)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: signature_data_len: %u is less than the %u bytes "
                                "of signature, attestation key and certification header",
                                q->signed_len, q->signature_data_len, SIG_FIXED_LEN);
        sig_end = s + q->signature_data_len;
        memcpy(q->signature, d + s, 64);
        memcpy(q->att_pubkey, d + s + 64, 64);
        p = s + 128;
        q->cert_type = le16(d + p);
        q->cert_data_len = le32(d + p + 2);
        if (q->cert_type != QUOTE_CERT_QE_REPORT)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: certification data type: %u, expected 6 (QE "
                                "report certification data)",
                                p, q->cert_type);
        if (q->cert_data_len != q->signature_data_len - SIG_FIXED_LEN)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: certification data size: %u disagrees with "
                                "signature_data_len %u (leaves %u bytes)",
                                p + 2, q->cert_data_len, q->signature_data_len,
                                q->signature_data_len - SIG_FIXED_LEN);
        return parse_qe_cert_data(d, p + 6, sig_end, q, e);
}

/* Both entry points: any_trailing says whether bytes other than zero
 * padding may follow the quote (recorded, not refused). */
static int parse_quote(const uint8_t *data, size_t len, bool any_trailing, struct quote *ret,
                       struct tdxh_err *e)
{
        struct quote q = { 0 };
        int r;

        r = parse_header_body(data, len, &q, e);
        if (r < 0)
                return r;
        r = parse_signature_data(data, len, &q, e);
        if (r < 0)
                return r;
        q.quote_len = q.signed_len + 4 + q.signature_data_len;
        for (size_t i = q.quote_len; i < len; i++) {
                if (data[i] == 0)
                        continue;
                if (!any_trailing)
                        return err_setf(e, -EINVAL,
                                        "offset 0x%zx: non-zero byte 0x%02x after the end of the "
                                        "quote (it ends at 0x%zx; only zero padding may follow)",
                                        i, data[i], q.quote_len);
                q.trailing_data = true;
                break;
        }
        q.trailing_len = len - q.quote_len;
        q.data = data;
        *ret = q;
        return 0;
}

int quote_parse(const uint8_t *data, size_t len, struct quote *ret, struct tdxh_err *e)
{
        return parse_quote(data, len, false, ret, e);
}

int quote_parse_any_trailing(const uint8_t *data, size_t len, struct quote *ret,
                             struct tdxh_err *e)
{
        return parse_quote(data, len, true, ret, e);
}

void quote_qe_report_fields(const struct quote *q, struct qe_report_fields *ret)
{
        const uint8_t *r = q->qe_report;

        *ret = (struct qe_report_fields){
                .cpusvn = r,
                .miscselect = le32(r + 16),
                .attributes = r + 48,
                .mrenclave = r + 64,
                .mrsigner = r + 128,
                .isvprodid = le16(r + 256),
                .isvsvn = le16(r + 258),
                .report_data = r + 320,
        };
}
