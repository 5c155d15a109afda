/* Event logs: format detection, loading, the PCR/MR-index → RTMR map,
 * replay and the binding check against a quote's or report's registers.
 * The readers live in evlog_tcg.c (binary) and evlog_json_read.c (JSON), the
 * decoder in evlog_decode.c, the JSON writer in evlog_json.c. */
#include "evidence/eventlog.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/digest.h"
#include "core/event_type.h"
#include "core/file.h"
#include "core/mem.h"
#include "evidence/evlog_internal.h"

/* A TPM log of 10,000 large events stays far below this. */
#define EVLOG_MAX_FILE (256u << 20)

int evlog_reserve(struct evlog *l, size_t *cap, size_t n)
{
        struct evlog_event *p;

        if (n <= *cap)
                return 0;
        if (n > SIZE_MAX / sizeof(*p))
                return -ENOMEM;
        p = realloc(l->events, n * sizeof(*p));
        if (!p)
                return -ENOMEM;
        l->events = p;
        mem_populate(p + *cap, (n - *cap) * sizeof(*p));
        *cap = n;
        return 0;
}

int evlog_push(struct evlog *l, size_t *cap, struct evlog_event **ret)
{
        struct evlog_event *ev;

        if (l->n_events == *cap) {
                int r = evlog_reserve(l, cap, *cap ? *cap * 2 : 64);

                if (r < 0)
                        return r;
        }
        ev = &l->events[l->n_events];
        *ev = (struct evlog_event){ .index = l->n_events, .rtmr = -1 };
        l->n_events++;
        *ret = ev;
        return 0;
}

int evlog_map_rtmr(enum evlog_format f, uint32_t index, uint32_t type)
{
        if (type == EV_NO_ACTION)
                return -1;
        if (f != EVLOG_TPM)
                return index >= 1 && index <= 4 ? (int)index - 1 : -1;
        /* §5.4; PCR 0 is the MRTD's and PCR 10 belongs to IMA */
        if (index == 1 || index == 7)
                return 0;
        if (index >= 2 && index <= 6)
                return 1;
        if (index >= 8 && index <= 15 && index != 10)
                return 2;
        if (index == EVLOG_TPM_RTMR3_PCR)
                return 3;
        return -1;
}

static bool looks_like_json(const uint8_t *p, size_t len)
{
        size_t i = 0;

        /* a UTF-8 byte order mark is tolerated */
        if (len >= 3 && p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf)
                i = 3;
        while (i < len && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
                i++;
        return i < len && (p[i] == '{' || p[i] == '[');
}

/* Decodes the events and hands the log over; *l is left empty. */
static int finish(struct evlog *l, struct evlog *ret)
{
        int r = evlog_decode_all(l);

        if (r < 0)
                return r;
        *ret = *l;
        *l = (struct evlog){ 0 };
        return 0;
}

static int parse_area(const uint8_t *data, size_t len, int hint, const struct ccel_table *table,
                      struct evlog *ret, struct tdxh_err *e)
{
        _cleanup_evlog_ struct evlog l = { 0 };
        int r;

        if (table) {
                l.has_ccel_table = true;
                l.ccel_table = *table;
                if (table->laml > 0 && table->laml < len)
                        len = (size_t)table->laml;
        }
        r = evlog_parse_tcg(data, len, hint, &l, e);
        return r < 0 ? r : finish(&l, ret);
}

int evlog_parse(const uint8_t *data, size_t len, int format_hint, struct evlog *ret,
                struct tdxh_err *e)
{
        _cleanup_evlog_ struct evlog l = { 0 };
        struct ccel_table table;
        int r;

        if (format_hint > EVLOG_JSON)
                return err_setf(e, -EINVAL, "unknown event log format %d", format_hint);
        if (!data || len == 0)
                return err_setf(e, -EINVAL, "offset 0x0: empty input");
        if (format_hint == EVLOG_JSON || (format_hint < 0 && looks_like_json(data, len))) {
                r = evlog_parse_json(data, len, &l, e);
                return r < 0 ? r : finish(&l, ret);
        }
        if (len >= 4 && memcmp(data, "CCEL", 4) == 0 && format_hint != EVLOG_TPM) {
                r = ccel_table_parse(data, len, &table, e);
                if (r < 0)
                        return r;
                if (len == CCEL_TABLE_LEN)
                        return err_setf(e, -EINVAL,
                                        "offset 0x38: only the ACPI CCEL table, no log area "
                                        "follows");
                r = parse_area(data + CCEL_TABLE_LEN, len - CCEL_TABLE_LEN, EVLOG_CCEL, &table,
                               ret, e);
                if (r < 0 && e && e->msg[0])
                        err_prefix(e, "log area at 0x%x: ", CCEL_TABLE_LEN);
                return r;
        }
        return parse_area(data, len, format_hint, NULL, ret, e);
}

int evlog_parse_ccel(const uint8_t *area, size_t len, const struct ccel_table *table,
                     struct evlog *ret, struct tdxh_err *e)
{
        if (!area || len == 0)
                return err_setf(e, -EINVAL, "offset 0x0: empty CCEL area");
        return parse_area(area, len, EVLOG_CCEL, table, ret, e);
}

int evlog_load_file_format(const char *path, int format_hint, struct evlog *ret,
                           struct tdxh_err *e)
{
        _cleanup_mapped_file_ struct mapped_file m = { 0 };
        int r;

        r = file_map(path, EVLOG_MAX_FILE, &m, e);
        if (r < 0)
                return r;
        r = evlog_parse(m.data, m.size, format_hint, ret, e);
        if (r < 0 && e && e->msg[0])
                err_prefix(e, "%s: ", path);
        return r;
}

int evlog_load_file(const char *path, struct evlog *ret, struct tdxh_err *e)
{
        return evlog_load_file_format(path, -1, ret, e);
}

void evlog_event_free(const struct evlog *l, struct evlog_event *ev)
{
        const uint8_t *d = ev->data;

        /* JSON logs have no data block: NULL + 0 is undefined behaviour */
        if (!d || !l->data_block || d < l->data_block || d >= l->data_block + l->data_block_len)
                free(ev->data);
        free(ev->detail);
        free(ev->name);
        ev->data = NULL;
        ev->what = NULL;
        ev->detail = ev->name = NULL;
}

void evlog_free(struct evlog *l)
{
        if (!l)
                return;
        for (size_t i = 0; i < l->n_events; i++)
                evlog_event_free(l, &l->events[i]);
        free(l->events);
        free(l->data_block);
        *l = (struct evlog){ 0 };
}

int evlog_replay(const struct evlog *l, uint8_t ret[4][48], struct tdxh_err *e)
{
        _cleanup_digest_ struct digest ctx = { 0 };
        uint8_t reg[4][48] = { { 0 } };
        int r;

        r = digest_begin(&ctx, DIGEST_SHA384);
        if (r < 0)
                return r;
        for (size_t i = 0; i < l->n_events; i++) {
                const struct evlog_event *ev = &l->events[i];

                if (ev->rtmr < 0 || ev->rtmr > 3)
                        continue;
                if (!ev->has_sha384)
                        return err_setf(e, -ENODATA,
                                        "event %zu (offset 0x%zx): no SHA-384 digest to replay "
                                        "into RTMR%d",
                                        ev->index, ev->offset, ev->rtmr);
                r = rtmr_extend_ctx(&ctx, reg[ev->rtmr], ev->sha384);
                if (r < 0)
                        return err_setf(e, r, "SHA-384 failed");
        }
        memcpy(ret, reg, sizeof(reg));
        return 0;
}

int evlog_check_bound(const struct evlog *l, const uint8_t rtmr[4][48], bool ret_match[4],
                      struct tdxh_err *e)
{
        uint8_t reg[4][48];
        int r, differ = 0;

        r = evlog_replay(l, reg, e);
        if (r < 0)
                return r;
        for (int i = 0; i < 4; i++) {
                ret_match[i] = memcmp(reg[i], rtmr[i], 48) == 0;
                differ += !ret_match[i];
        }
        return differ;
}

size_t evlog_count_rtmr(const struct evlog *l, int rtmr)
{
        size_t n = 0;

        for (size_t i = 0; i < l->n_events; i++)
                if (l->events[i].rtmr == rtmr || (rtmr < 0 && l->events[i].rtmr < 0))
                        n++;
        return n;
}

static const char *const format_names[] = {
        [EVLOG_CCEL] = "ccel",
        [EVLOG_TPM] = "tpm",
        [EVLOG_JSON] = "json",
};

const char *evlog_format_name(enum evlog_format f)
{
        if ((size_t)f < ELEMENTSOF(format_names))
                return format_names[f];
        return "unknown";
}

int evlog_format_parse(const char *text)
{
        for (size_t i = 0; i < ELEMENTSOF(format_names); i++)
                if (strcmp(text, format_names[i]) == 0)
                        return (int)i;
        return -EINVAL;
}
