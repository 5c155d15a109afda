/* The binary TCG2 crypto-agile reader, shared by CCEL areas and TPM logs
 * (TDX-REFERENCE §5.2): a legacy spec ID event naming the banks, then
 * TCG_PCR_EVENT2 records. One pass, no backtracking; every field is bounds
 * checked before it is read and every error names its offset.
 *
 * End of log: fewer bytes than a record header, an index or type reading
 * 0xFFFFFFFF (the CCEL fill), or an all-zero header (a zero-filled copy of
 * the area). digestCount 0 or above EVLOG_MAX_ALGS, a bank the spec ID event
 * did not list and an event running past the end are errors. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/event_type.h"
#include "core/le.h"
#include "core/mem.h"
#include "evidence/evlog_internal.h"

#define SPEC_ID_SIGNATURE "Spec ID Event03"
#define LEGACY_HEADER_LEN 32 /* PCRIndex, EventType, SHA-1 digest, EventSize */
/* index, type, digestCount, one SHA-1 digest, EventSize */
#define MIN_RECORD_LEN (4 + 4 + 4 + 2 + 20 + 4)
/* beyond this many events the array grows as needed */
#define RESERVE_MAX 65536u
#define MIN(a, b) ((a) < (b) ? (a) : (b))

static int expected_size(uint16_t alg)
{
        switch (alg) {
        case TPM_ALG_SHA1:
                return 20;
        case TPM_ALG_SHA256:
        case TPM_ALG_SM3_256:
                return 32;
        case TPM_ALG_SHA384:
                return 48;
        case TPM_ALG_SHA512:
                return 64;
        default:
                return -1;
        }
}

/* Reads the spec ID event; returns its end offset. */
static int parse_spec_id(const uint8_t *p, size_t len, struct evlog *l, size_t *ret_end,
                         struct tdxh_err *e)
{
        uint32_t size, n_algs;
        const uint8_t *ev;
        size_t need;

        /* Neither of the first two is a broken log: the data is something
         * else (-EMEDIUMTYPE, see evlog_parse()). */
        if (len < LEGACY_HEADER_LEN)
                return err_setf(e, -EMEDIUMTYPE,
                                "offset 0x0: %zu bytes, too short for the spec ID event header",
                                len);
        if (le32_get(p + 4) != EV_NO_ACTION)
                return err_setf(e, -EMEDIUMTYPE,
                                "offset 0x4: first event type 0x%x is not EV_NO_ACTION: not a "
                                "TCG2 crypto-agile log",
                                le32_get(p + 4));
        size = le32_get(p + 28);
        if (size > len - LEGACY_HEADER_LEN)
                return err_setf(e, -EINVAL,
                                "offset 0x1c: spec ID event size %u past the end (%zu bytes left)",
                                size, len - LEGACY_HEADER_LEN);
        ev = p + LEGACY_HEADER_LEN;
        if (size < 28 || memcmp(ev, SPEC_ID_SIGNATURE, sizeof(SPEC_ID_SIGNATURE)) != 0)
                return err_setf(e, -EINVAL,
                                "offset 0x20: no \"" SPEC_ID_SIGNATURE "\" signature: not a "
                                "crypto-agile log (SHA-1-only logs are not supported)");
        n_algs = le32_get(ev + 24);
        if (n_algs == 0 || n_algs > EVLOG_MAX_ALGS)
                return err_setf(e, -EINVAL, "offset 0x38: numberOfAlgorithms %u (expected 1..%d)",
                                n_algs, EVLOG_MAX_ALGS);
        need = 28 + 4 * (size_t)n_algs + 1;
        if (need > size)
                return err_setf(e, -EINVAL,
                                "offset 0x1c: spec ID event size %u too small for %u algorithms",
                                size, n_algs);
        for (uint32_t i = 0; i < n_algs; i++) {
                const uint8_t *a = ev + 28 + 4 * i;
                uint16_t id = le16_get(a), dsize = le16_get(a + 2);
                int want = expected_size(id);

                if (dsize == 0 || dsize > 512 || (want > 0 && dsize != want))
                        return err_setf(e, -EINVAL,
                                        "offset 0x%zx: algorithm 0x%04x with digest size %u",
                                        (size_t)(a - p), id, dsize);
                l->algs[i] = (struct evlog_alg){ .id = id, .size = dsize };
        }
        if (need + ev[need - 1] > size)
                return err_setf(e, -EINVAL, "offset 0x%zx: vendorInfoSize %u past the event",
                                (size_t)(LEGACY_HEADER_LEN + need - 1), ev[need - 1]);
        l->n_algs = n_algs;
        l->spec_id_pcr = le32_get(p);
        *ret_end = LEGACY_HEADER_LEN + size;
        return 0;
}

static int alg_size(const struct evlog *l, uint16_t id)
{
        for (size_t i = 0; i < l->n_algs; i++)
                if (l->algs[i].id == id)
                        return l->algs[i].size;
        return -1;
}

/* One TCG_PCR_EVENT2 at off. Returns 1 and the next offset, 0 at the end of
 * the log, or a negative errno. */
static int parse_record(const uint8_t *p, size_t len, size_t off, struct evlog *l,
                        size_t *cap, size_t *ret_next, struct tdxh_err *e)
{
        struct evlog_event *ev;
        uint32_t index, type, count, size;
        size_t q;
        int r;

        if (len - off < 12)
                return 0;
        index = le32_get(p + off);
        type = le32_get(p + off + 4);
        count = le32_get(p + off + 8);
        if (index == UINT32_MAX || type == UINT32_MAX)
                return 0;
        if (index == 0 && type == 0 && count == 0)
                return 0;
        if (count == 0 || count > EVLOG_MAX_ALGS)
                return err_setf(e, -EINVAL, "offset 0x%zx: digestCount %u (expected 1..%d)",
                                off + 8, count, EVLOG_MAX_ALGS);
        r = evlog_push(l, cap, &ev);
        if (r < 0)
                return r;
        ev->offset = off;
        ev->pcr = index;
        ev->type = type;
        q = off + 12;
        for (uint32_t i = 0; i < count; i++) {
                uint16_t alg;
                int dsize;

                if (len - q < 2)
                        return err_setf(e, -EINVAL,
                                        "offset 0x%zx: record truncated in digest %u of %u", q,
                                        i + 1, count);
                alg = le16_get(p + q);
                dsize = alg_size(l, alg);
                if (dsize < 0)
                        return err_setf(e, -EINVAL,
                                        "offset 0x%zx: algorithm 0x%04x not listed in the spec "
                                        "ID event",
                                        q, alg);
                if (len - q - 2 < (size_t)dsize)
                        return err_setf(e, -EINVAL,
                                        "offset 0x%zx: record truncated in digest %u of %u", q,
                                        i + 1, count);
                if (alg == TPM_ALG_SHA384) {
                        memcpy(ev->sha384, p + q + 2, sizeof(ev->sha384));
                        ev->has_sha384 = true;
                }
                q += 2 + (size_t)dsize;
        }
        if (len - q < 4)
                return err_setf(e, -EINVAL, "offset 0x%zx: record truncated before EventSize", q);
        size = le32_get(p + q);
        if (size > len - q - 4)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: event size %u past the end of the log (%zu bytes "
                                "left)",
                                q, size, len - q - 4);
        if (size > 0) {
                if (l->data_block && l->data_block_len - l->data_block_used >= size) {
                        ev->data = l->data_block + l->data_block_used;
                        l->data_block_used += size;
                } else {
                        ev->data = malloc(size);
                        if (!ev->data)
                                return -ENOMEM;
                }
                memcpy(ev->data, p + q + 4, size);
        }
        ev->data_len = size;
        *ret_next = q + 4 + size;
        return 1;
}

/* TDVF writes PCRIndex 1 into its spec ID event where a TPM log has 0; a
 * TPM log from OVMF usually carries several banks; CCEL areas are filled
 * with 0xFF; MR indices stop at 4 and only EV_NO_ACTION uses MR index 0. */
static enum evlog_format detect(const struct evlog *l, bool stopped_at_fill)
{
        if (l->spec_id_pcr == 1)
                return EVLOG_CCEL;
        if (l->n_algs != 1 || l->algs[0].id != TPM_ALG_SHA384)
                return EVLOG_TPM;
        if (stopped_at_fill)
                return EVLOG_CCEL;
        for (size_t i = 0; i < l->n_events; i++) {
                const struct evlog_event *ev = &l->events[i];

                if (ev->pcr > 4 || (ev->pcr == 0 && ev->type != EV_NO_ACTION))
                        return EVLOG_TPM;
        }
        return EVLOG_CCEL;
}

int evlog_parse_tcg(const uint8_t *data, size_t len, int format_hint, struct evlog *l,
                    struct tdxh_err *e)
{
        size_t off = 0, cap = 0;
        int r;

        r = parse_spec_id(data, len, l, &off, e);
        if (r < 0)
                return r;
        /* Room for as many records as the smallest record size allows: the
         * array is never copied, and pages that stay unused are never
         * touched (10,000 events would otherwise be moved eight times). */
        r = evlog_reserve(l, &cap, MIN((len - off) / MIN_RECORD_LEN + 1, RESERVE_MAX));
        if (r < 0)
                return r;
        /* The events' data add up to less than the rest of the input. */
        if (len > off) {
                l->data_block = malloc(len - off);
                if (!l->data_block)
                        return -ENOMEM;
                l->data_block_len = len - off;
                mem_populate(l->data_block, l->data_block_len);
        }
        for (;;) {
                size_t next = off;

                r = parse_record(data, len, off, l, &cap, &next, e);
                if (r < 0)
                        return r;
                if (r == 0)
                        break;
                off = next;
        }
        l->log_len = off;
        if (format_hint >= 0)
                l->format = (enum evlog_format)format_hint;
        else
                l->format = detect(l, len - off >= 8 && le32_get(data + off) == UINT32_MAX);
        for (size_t i = 0; i < l->n_events; i++) {
                struct evlog_event *ev = &l->events[i];

                ev->rtmr = evlog_map_rtmr(l->format, ev->pcr, ev->type);
        }
        return 0;
}
