/* The QGS message codec; see fake_qgs.h for the layout and its sources.
 *
 * Frames come from whoever connects to the socket, so parsing is strict:
 * each length is checked against the bytes there are before anything is
 * read through it, sums are computed in 64 bits, and the first problem is
 * reported with its offset in the frame (prefix included) and its field.
 * The QGS error code for each problem is DCAP's where qgs_msg_lib.cpp names
 * one (version, type, size, error_code); Intel's server itself answers every
 * unparsable request with QGS_MSG_ERROR_UNEXPECTED, so clients do not rely
 * on the exact code. */
#include "fakes/fake_qgs.h"

#include <errno.h>
#include <string.h>

#include "core/le.h"

/* DCAP's sizeof of the fixed part of each response type, for error responses. */
#define COLLATERAL_RESP_LEN 48u    /* header, 2 u16 versions, 7 u32 sizes */
#define PLATFORM_INFO_RESP_LEN 28u /* header, 2 u16 SVNs, 2 u32 sizes */

const char *qgs_error_name(uint32_t code)
{
        static const char *const names[] = {
                [0] = "SUCCESS",           [1] = "UNEXPECTED",     [2] = "OUT_OF_MEMORY",
                [3] = "INVALID_PARAMETER", [4] = "INVALID_VERSION", [5] = "INVALID_TYPE",
                [6] = "INVALID_SIZE",      [7] = "INVALID_CODE",
        };

        if (code == QGS_MSG_SUCCESS)
                return names[0];
        if ((code & ~0xfffu) == 0x12000u && (code & 0xfffu) >= 1 && (code & 0xfffu) <= 7)
                return names[code & 0xfffu];
        return "?";
}

static const char *type_name(uint32_t type)
{
        static const char *const names[] = {
                "GET_QUOTE_REQ",         "GET_QUOTE_RESP",         "GET_COLLATERAL_REQ",
                "GET_COLLATERAL_RESP",   "GET_PLATFORM_INFO_REQ",  "GET_PLATFORM_INFO_RESP",
        };

        return type < QGS_MSG_TYPE_MAX ? names[type] : "unknown";
}

static uint32_t be32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int fail(uint32_t *ret_code, uint32_t code)
{
        if (ret_code)
                *ret_code = code;
        return -EINVAL;
}

int qgs_frame_len(const uint8_t prefix[QGS_PREFIX_LEN], uint32_t *ret_len, struct tdxh_err *e)
{
        uint32_t n = be32(prefix);

        if (n < QGS_HEADER_LEN || n > QGS_MSG_MAX_LEN)
                return err_setf(e, -EINVAL,
                                "offset 0x0: length prefix: %u, a message is %u to %u bytes", n,
                                QGS_HEADER_LEN, QGS_MSG_MAX_LEN);
        *ret_len = n;
        return 0;
}

/* The prefix, the frame's extent and the header, for either direction.
 * Returns the message length or -EINVAL (code in *ret_code). */
static int64_t parse_frame(const uint8_t *f, size_t len, struct qgs_header *h, uint32_t *ret_code,
                           struct tdxh_err *e)
{
        const uint8_t *m;
        uint32_t n = 0;

        memset(h, 0, sizeof(*h));
        if (len < QGS_PREFIX_LEN) {
                err_setf(e, -EINVAL,
                         "offset 0x%zx: length prefix: the frame ends after %zu of its 4 bytes",
                         len, len);
                return fail(ret_code, QGS_MSG_ERROR_INVALID_SIZE);
        }
        if (qgs_frame_len(f, &n, e) < 0)
                return fail(ret_code, QGS_MSG_ERROR_INVALID_SIZE);
        if (len - QGS_PREFIX_LEN < n) {
                err_setf(e, -EINVAL,
                         "offset 0x%zx: message: the frame ends after %zu of the %u bytes its "
                         "length prefix announces",
                         len, len - QGS_PREFIX_LEN, n);
                return fail(ret_code, QGS_MSG_ERROR_INVALID_SIZE);
        }
        if (len - QGS_PREFIX_LEN > n) {
                err_setf(e, -EINVAL, "offset 0x%zx: %zu bytes after the %u-byte message",
                         (size_t)QGS_PREFIX_LEN + n, len - QGS_PREFIX_LEN - n, n);
                return fail(ret_code, QGS_MSG_ERROR_INVALID_SIZE);
        }
        m = f + QGS_PREFIX_LEN;
        h->major_version = le16_get(m);
        h->minor_version = le16_get(m + 2);
        h->type = le32_get(m + 4);
        h->size = le32_get(m + 8);
        h->error_code = le32_get(m + 12);
        if (h->major_version != QGS_MSG_MAJOR) {
                err_setf(e, -EINVAL, "offset 0x4: major_version: %u, expected %u",
                         h->major_version, QGS_MSG_MAJOR);
                return fail(ret_code, QGS_MSG_ERROR_INVALID_VERSION);
        }
        if (h->size != n) {
                err_setf(e, -EINVAL, "offset 0xc: size: %u, the length prefix says %u", h->size,
                         n);
                return fail(ret_code, QGS_MSG_ERROR_INVALID_SIZE);
        }
        return n;
}

int qgs_get_quote_req_parse(const uint8_t *frame, size_t len, struct qgs_get_quote_req *ret,
                            uint32_t *ret_qgs_error, struct tdxh_err *e)
{
        struct qgs_get_quote_req q = { 0 };
        const uint8_t *m;
        int64_t n;
        uint64_t want;

        n = parse_frame(frame, len, &q.header, ret_qgs_error, e);
        ret->header = q.header;
        if (n < 0)
                return (int)n;
        m = frame + QGS_PREFIX_LEN;
        if (q.header.type != QGS_GET_QUOTE_REQ) {
                err_setf(e, -EINVAL, "offset 0x8: type: %u (%s), the fake serves only %s (0)",
                         q.header.type, type_name(q.header.type), type_name(QGS_GET_QUOTE_REQ));
                return fail(ret_qgs_error, QGS_MSG_ERROR_INVALID_TYPE);
        }
        if (q.header.error_code != 0) {
                err_setf(e, -EINVAL, "offset 0x10: error_code: 0x%x in a request, expected 0",
                         q.header.error_code);
                return fail(ret_qgs_error, QGS_MSG_ERROR_INVALID_CODE);
        }
        if (n < QGS_GET_QUOTE_LEN) {
                err_setf(e, -EINVAL,
                         "offset 0x%zx: report_size, id_list_size: the message ends after %lld "
                         "bytes, a GET_QUOTE_REQ has at least %u",
                         (size_t)(QGS_PREFIX_LEN + n), (long long)n, QGS_GET_QUOTE_LEN);
                return fail(ret_qgs_error, QGS_MSG_ERROR_INVALID_SIZE);
        }
        q.report_size = le32_get(m + 16);
        q.id_list_size = le32_get(m + 20);
        if (q.report_size == 0) {
                err_setf(e, -EINVAL, "offset 0x14: report_size: 0, a request carries a report");
                return fail(ret_qgs_error, QGS_MSG_ERROR_INVALID_PARAMETER);
        }
        want = (uint64_t)QGS_GET_QUOTE_LEN + q.report_size + q.id_list_size;
        if (want != (uint64_t)n) {
                err_setf(e, -EINVAL,
                         "offset 0x14: report_size %u + id_list_size %u + %u = %llu, the "
                         "message is %lld bytes",
                         q.report_size, q.id_list_size, QGS_GET_QUOTE_LEN,
                         (unsigned long long)want, (long long)n);
                return fail(ret_qgs_error, QGS_MSG_ERROR_INVALID_SIZE);
        }
        q.report = m + QGS_GET_QUOTE_LEN;
        q.id_list = q.id_list_size ? q.report + q.report_size : NULL;
        *ret = q;
        if (ret_qgs_error)
                *ret_qgs_error = QGS_MSG_SUCCESS;
        return 0;
}

int qgs_get_quote_resp_parse(const uint8_t *frame, size_t len, struct qgs_get_quote_resp *ret,
                             struct tdxh_err *e)
{
        struct qgs_get_quote_resp q = { 0 };
        const uint8_t *m;
        int64_t n;
        uint64_t want;

        n = parse_frame(frame, len, &q.header, NULL, e);
        if (n < 0)
                return (int)n;
        m = frame + QGS_PREFIX_LEN;
        if (q.header.minor_version != QGS_MSG_MINOR)
                return err_setf(e, -EINVAL, "offset 0x6: minor_version: %u, QEMU accepts only %u",
                                q.header.minor_version, QGS_MSG_MINOR);
        if (q.header.type != QGS_GET_QUOTE_RESP)
                return err_setf(e, -EINVAL, "offset 0x8: type: %u (%s), expected %s (1)",
                                q.header.type, type_name(q.header.type),
                                type_name(QGS_GET_QUOTE_RESP));
        if (n < QGS_GET_QUOTE_LEN)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: selected_id_size, quote_size: the message ends "
                                "after %lld bytes",
                                (size_t)(QGS_PREFIX_LEN + n), (long long)n);
        q.selected_id_size = le32_get(m + 16);
        q.quote_size = le32_get(m + 20);
        want = (uint64_t)QGS_GET_QUOTE_LEN + q.selected_id_size + q.quote_size;
        if (want != (uint64_t)n)
                return err_setf(e, -EINVAL,
                                "offset 0x14: selected_id_size %u + quote_size %u + %u = %llu, "
                                "the message is %lld bytes",
                                q.selected_id_size, q.quote_size, QGS_GET_QUOTE_LEN,
                                (unsigned long long)want, (long long)n);
        if (q.selected_id_size != 0)
                return err_setf(e, -EINVAL, "offset 0x14: selected_id_size: %u, QEMU accepts 0",
                                q.selected_id_size);
        if (q.header.error_code == QGS_MSG_SUCCESS && q.quote_size == 0)
                return err_setf(e, -EINVAL, "offset 0x18: quote_size: 0 in a success response");
        if (q.header.error_code != QGS_MSG_SUCCESS && q.quote_size != 0)
                return err_setf(e, -EINVAL,
                                "offset 0x18: quote_size: %u in an error response (0x%x)",
                                q.quote_size, q.header.error_code);
        q.quote = q.quote_size ? m + QGS_GET_QUOTE_LEN : NULL;
        *ret = q;
        return 0;
}

/* ---- building ---- */

static int put_be32(struct buf *b, uint32_t v)
{
        const uint8_t p[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8),
                               (uint8_t)v };

        return buf_append(b, p, sizeof(p));
}

/* Prefix and header of a message of size bytes. */
static int put_start(struct buf *b, uint32_t type, uint32_t size, uint32_t error_code)
{
        int r = buf_reserve(b, QGS_PREFIX_LEN + size);

        if (r >= 0)
                r = put_be32(b, size);
        if (r >= 0)
                r = buf_put_le16(b, QGS_MSG_MAJOR);
        if (r >= 0)
                r = buf_put_le16(b, QGS_MSG_MINOR);
        if (r >= 0)
                r = buf_put_le32(b, type);
        if (r >= 0)
                r = buf_put_le32(b, size);
        if (r >= 0)
                r = buf_put_le32(b, error_code);
        return r;
}

/* A GET_QUOTE message: header, two sizes, two byte strings. */
static int put_get_quote(struct buf *b, uint32_t type, const uint8_t *a, uint64_t a_len,
                         const uint8_t *c, uint64_t c_len)
{
        uint64_t size = QGS_GET_QUOTE_LEN + a_len + c_len;
        int r;

        if (size > QGS_MSG_MAX_LEN)
                return -EINVAL;
        r = put_start(b, type, (uint32_t)size, QGS_MSG_SUCCESS);
        if (r >= 0)
                r = buf_put_le32(b, (uint32_t)a_len);
        if (r >= 0)
                r = buf_put_le32(b, (uint32_t)c_len);
        if (r >= 0 && a_len)
                r = buf_append(b, a, (size_t)a_len);
        if (r >= 0 && c_len)
                r = buf_append(b, c, (size_t)c_len);
        return r;
}

int qgs_get_quote_req_build(struct buf *out, const uint8_t *report, uint32_t report_size,
                            const uint8_t *id_list, uint32_t id_list_size)
{
        if (!report || !report_size || (id_list_size && !id_list))
                return -EINVAL;
        return put_get_quote(out, QGS_GET_QUOTE_REQ, report, report_size, id_list, id_list_size);
}

int qgs_get_quote_resp_build(struct buf *out, const uint8_t *quote, size_t quote_size)
{
        if (!quote || !quote_size)
                return -EINVAL;
        return put_get_quote(out, QGS_GET_QUOTE_RESP, NULL, 0, quote, quote_size);
}

int qgs_error_resp_build(struct buf *out, uint32_t resp_type, uint32_t error_code)
{
        static const uint8_t zeros[COLLATERAL_RESP_LEN];
        uint32_t size;
        int r;

        if (error_code == QGS_MSG_SUCCESS)
                return -EINVAL;
        switch (resp_type) {
        case QGS_GET_QUOTE_RESP:
                size = QGS_GET_QUOTE_LEN;
                break;
        case QGS_GET_COLLATERAL_RESP:
                size = COLLATERAL_RESP_LEN;
                break;
        case QGS_GET_PLATFORM_INFO_RESP:
                size = PLATFORM_INFO_RESP_LEN;
                break;
        default:
                return -EINVAL;
        }
        r = put_start(out, resp_type, size, error_code);
        return r < 0 ? r : buf_append(out, zeros, size - QGS_HEADER_LEN);
}
