/* JSON event logs: dstack's event_log (a list of {imr, event_type, digest,
 * event, event_payload} with 0-based imr, given as a list, as a JSON string
 * holding the list, or inside a whole GetQuote response), trustee's parsed
 * CCEL ({"uefi_event_logs": [...]}, below), and the harness's own
 * evlog_to_json() output, so that `tdxh inspect --json` can be read back.
 *
 * trustee's form is the serialisation of CcEventLog in
 * confidential-containers/trustee, deps/eventlog/src/lib.rs (its test data,
 * deps/eventlog/test_data/CCEL_data_ovmf_out.json, is in this project's
 * harness/tests/data/real/trustee/): per event "index" (the CC MR index of
 * the binary log: 1..4 are RTMR0..3), "type_name" (the TCG name, from
 * deps/eventlog/src/ccel/tcg_enum.rs), "digests" [{"alg": "SHA-384",
 * "digest": hex}], "event" (the event data, base64) and "details" (trustee's
 * decoding, not read: the harness decodes the data itself).
 *
 * dstack leaves the digest of its runtime (RTMR3) events empty: it is
 * SHA384(le32(event_type) || ":" || event || ":" || event_payload), the "V1"
 * rule of dstack's cc-eventlog runtime_events.rs, and dstack recomputes it
 * rather than trusting a stored one, so the harness does the same. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/event_type.h"
#include "core/hex.h"
#include "core/json_parse.h"
#include "core/json_util.h"
#include "evidence/evlog_internal.h"

#define JSON_MAX_DEPTH 32

static int parse_text(const char *text, size_t len, json_object **ret, struct tdxh_err *e)
{
        return json_parse_text(text, len, JSON_MAX_DEPTH, ret, e);
}

static int get_u32(json_object *ev, const char *key, size_t i, const char *list, bool required,
                   uint32_t *ret, struct tdxh_err *e)
{
        json_object *v;
        int64_t n;

        if (!json_object_object_get_ex(ev, key, &v) || !v) {
                if (!required)
                        return 0;
                return err_setf(e, -EINVAL, "%s[%zu].%s: missing", list, i, key);
        }
        if (!json_object_is_type(v, json_type_int))
                return err_setf(e, -EINVAL, "%s[%zu].%s: not an integer", list, i, key);
        n = json_object_get_int64(v);
        if (n < 0 || n > UINT32_MAX)
                return err_setf(e, -EINVAL, "%s[%zu].%s: %lld out of range", list, i, key,
                                (long long)n);
        *ret = (uint32_t)n;
        return 1;
}

/* A string field, or NULL when absent or null. */
static int get_string(json_object *ev, const char *key, size_t i, const char *list,
                      const char **ret, struct tdxh_err *e)
{
        json_object *v;

        *ret = NULL;
        if (!json_object_object_get_ex(ev, key, &v) || !v)
                return 0;
        if (!json_object_is_type(v, json_type_string))
                return err_setf(e, -EINVAL, "%s[%zu].%s: not a string", list, i, key);
        *ret = json_object_get_string(v);
        return 0;
}

static int get_hex(json_object *ev, const char *key, size_t i, const char *list, uint8_t **ret,
                   size_t *ret_len, struct tdxh_err *e)
{
        const char *s;
        int r;

        *ret = NULL;
        *ret_len = 0;
        r = get_string(ev, key, i, list, &s, e);
        if (r < 0 || !s || !*s)
                return r;
        r = hex_decode_alloc(s, ret, ret_len);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return err_setf(e, -EINVAL, "%s[%zu].%s: not hex", list, i, key);
        return 0;
}

static int get_digest(json_object *ev, size_t i, const char *list, struct evlog_event *out,
                      struct tdxh_err *e)
{
        const char *s;
        int r;

        r = get_string(ev, "digest", i, list, &s, e);
        if (r < 0 || !s || !*s)
                return r;
        if (hex_decode_exact(s, out->sha384, sizeof(out->sha384)) < 0)
                return err_setf(e, -EINVAL, "%s[%zu].digest: not 48 bytes of hex", list, i);
        out->has_sha384 = true;
        return 0;
}

static int dstack_runtime_digest(struct evlog_event *ev)
{
        _cleanup_digest_ struct digest d = { 0 };
        const char *name = ev->name ? ev->name : "";
        uint8_t type[4] = { (uint8_t)ev->type, (uint8_t)(ev->type >> 8),
                            (uint8_t)(ev->type >> 16), (uint8_t)(ev->type >> 24) };
        int r;

        r = digest_begin(&d, DIGEST_SHA384);
        if (r >= 0)
                r = digest_update(&d, type, sizeof(type));
        if (r >= 0)
                r = digest_update(&d, ":", 1);
        if (r >= 0)
                r = digest_update(&d, name, strlen(name));
        if (r >= 0)
                r = digest_update(&d, ":", 1);
        if (r >= 0 && ev->data_len)
                r = digest_update(&d, ev->data, ev->data_len);
        if (r >= 0)
                r = digest_end(&d, ev->sha384);
        if (r < 0)
                return r;
        ev->has_sha384 = true;
        return 0;
}

static int set_name(struct evlog_event *ev, const char *name)
{
        if (!name || !*name)
                return 0;
        ev->name = strdup(name);
        return ev->name ? 0 : -ENOMEM;
}

static int read_dstack_event(json_object *o, size_t i, struct evlog_event *ev,
                             struct tdxh_err *e)
{
        const char *list = "event_log", *name;
        uint32_t version = 1;
        int r;

        r = get_u32(o, "imr", i, list, true, &ev->pcr, e);
        if (r >= 0)
                r = get_u32(o, "event_type", i, list, true, &ev->type, e);
        if (r >= 0)
                r = get_u32(o, "version", i, list, false, &version, e);
        if (r >= 0)
                r = get_string(o, "event", i, list, &name, e);
        if (r >= 0)
                r = set_name(ev, name);
        if (r >= 0)
                r = get_hex(o, "event_payload", i, list, &ev->data, &ev->data_len, e);
        if (r >= 0)
                r = get_digest(o, i, list, ev, e);
        if (r < 0)
                return r;
        if (ev->pcr > 3)
                return err_setf(e, -EINVAL, "%s[%zu].imr: %u is not an RTMR index (0..3)", list,
                                i, ev->pcr);
        ev->rtmr = ev->type == EV_NO_ACTION ? -1 : (int)ev->pcr;
        if (ev->type == EV_DSTACK_RUNTIME && version == 1)
                return dstack_runtime_digest(ev);
        return 0;
}

static int read_own_event(json_object *o, size_t i, enum evlog_format f, struct evlog_event *ev,
                          struct tdxh_err *e)
{
        const char *list = "events", *type, *name;
        json_object *v;
        int64_t rtmr;
        uint32_t off = 0;
        int r;

        if (!json_object_object_get_ex(o, "rtmr", &v) || !json_object_is_type(v, json_type_int))
                return err_setf(e, -EINVAL, "%s[%zu].rtmr: missing or not an integer", list, i);
        rtmr = json_object_get_int64(v);
        if (rtmr < -1 || rtmr > 3)
                return err_setf(e, -EINVAL, "%s[%zu].rtmr: %lld out of range", list, i,
                                (long long)rtmr);
        ev->rtmr = (int)rtmr;
        ev->pcr = rtmr < 0 ? 0 : (uint32_t)(f == EVLOG_CCEL ? rtmr + 1 : rtmr);
        r = get_u32(o, "pcr", i, list, false, &ev->pcr, e);
        if (r >= 0)
                r = get_u32(o, "offset", i, list, false, &off, e);
        if (r < 0)
                return r;
        ev->offset = off;
        if (json_object_object_get_ex(o, "type", &v) && json_object_is_type(v, json_type_int)) {
                r = get_u32(o, "type", i, list, true, &ev->type, e);
                if (r < 0)
                        return r;
        } else {
                r = get_string(o, "type", i, list, &type, e);
                if (r < 0)
                        return r;
                if (!type || event_type_parse(type, &ev->type) < 0)
                        return err_setf(e, -EINVAL, "%s[%zu].type: missing or not an event type",
                                        list, i);
        }
        r = get_string(o, "name", i, list, &name, e);
        if (r >= 0)
                r = set_name(ev, name);
        if (r >= 0)
                r = get_hex(o, "raw", i, list, &ev->data, &ev->data_len, e);
        if (r >= 0)
                r = get_digest(o, i, list, ev, e);
        return r;
}

/* The SHA-384 entry of trustee's "digests" list (other banks are skipped,
 * as for binary logs). */
static int read_trustee_digests(json_object *o, size_t i, struct evlog_event *ev,
                                struct tdxh_err *e)
{
        const char *list = "uefi_event_logs";
        json_object *digests;
        size_t n;

        if (!json_object_object_get_ex(o, "digests", &digests) ||
            !json_object_is_type(digests, json_type_array))
                return err_setf(e, -EINVAL, "%s[%zu].digests: missing or not a list", list, i);
        n = json_object_array_length(digests);
        for (size_t k = 0; k < n; k++) {
                json_object *d = json_object_array_get_idx(digests, k), *alg;

                if (!json_object_is_type(d, json_type_object) ||
                    !json_object_object_get_ex(d, "alg", &alg) ||
                    !json_object_is_type(alg, json_type_string))
                        return err_setf(e, -EINVAL, "%s[%zu].digests[%zu]: no \"alg\"", list, i, k);
                if (strcmp(json_object_get_string(alg), "SHA-384") != 0)
                        continue;
                if (get_digest(d, i, list, ev, e) < 0) {
                        err_clear(e);
                        return err_setf(e, -EINVAL, "%s[%zu].digests[%zu].digest: not 48 bytes of hex",
                                        list, i, k);
                }
        }
        return 0;
}

static int read_trustee_event(json_object *o, size_t i, struct evlog_event *ev,
                              struct tdxh_err *e)
{
        const char *list = "uefi_event_logs", *type, *data;
        int r;

        r = get_u32(o, "index", i, list, true, &ev->pcr, e);
        if (r >= 0)
                r = get_string(o, "type_name", i, list, &type, e);
        if (r < 0)
                return r;
        if (!type || event_type_parse(type, &ev->type) < 0)
                return err_setf(e, -EINVAL, "%s[%zu].type_name: missing or not an event type", list,
                                i);
        if (ev->pcr > 4)
                return err_setf(e, -EINVAL, "%s[%zu].index: %u is not a CC MR index (0..4)", list,
                                i, ev->pcr);
        /* MR index 0 is MRTD, which no log event extends. */
        ev->rtmr = ev->type == EV_NO_ACTION || ev->pcr == 0 ? -1 : (int)ev->pcr - 1;
        r = get_string(o, "event", i, list, &data, e);
        if (r < 0)
                return r;
        if (data && *data) {
                r = base64_decode(data, strlen(data), &ev->data, &ev->data_len);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        return err_setf(e, -EINVAL, "%s[%zu].event: not base64", list, i);
        }
        return read_trustee_digests(o, i, ev, e);
}

/* Which JSON form a log is in. */
enum json_log { JSON_LOG_DSTACK, JSON_LOG_TRUSTEE, JSON_LOG_OWN };

/* Finds the list of events in the top-level value. *ret_inner receives a
 * value parsed from a JSON string, which the caller must release. */
static int find_events(json_object *top, json_object **ret_list, json_object **ret_inner,
                       enum json_log *ret_kind, enum evlog_format *ret_format, struct tdxh_err *e)
{
        json_object *v;

        *ret_inner = NULL;
        *ret_kind = JSON_LOG_DSTACK;
        *ret_format = EVLOG_JSON;
        if (json_object_is_type(top, json_type_array)) {
                *ret_list = top;
                return 0;
        }
        if (!json_object_is_type(top, json_type_object))
                return err_setf(e, -EMEDIUMTYPE, "JSON: neither an event list nor an object");
        if (json_object_object_get_ex(top, "uefi_event_logs", &v)) {
                if (!json_object_is_type(v, json_type_array))
                        return err_setf(e, -EINVAL, "uefi_event_logs: not a list of events");
                *ret_kind = JSON_LOG_TRUSTEE;
                *ret_format = EVLOG_CCEL; /* MR indices, as in the binary log */
                *ret_list = v;
                return 0;
        }
        if (json_object_object_get_ex(top, "events", &v) &&
            json_object_is_type(v, json_type_array)) {
                json_object *f;

                *ret_kind = JSON_LOG_OWN;
                *ret_list = v;
                if (json_object_object_get_ex(top, "format", &f) &&
                    json_object_is_type(f, json_type_string)) {
                        int fmt = evlog_format_parse(json_object_get_string(f));

                        if (fmt < 0)
                                return err_setf(e, -EINVAL, "format: unknown event log format");
                        *ret_format = (enum evlog_format)fmt;
                }
                return 0;
        }
        if (!json_object_object_get_ex(top, "event_log", &v) || !v)
                return err_setf(e, -EMEDIUMTYPE, "JSON: no \"event_log\" or \"events\" list");
        if (json_object_is_type(v, json_type_string)) {
                int r = parse_text(json_object_get_string(v),
                                   (size_t)json_object_get_string_len(v), ret_inner, e);

                if (r < 0) {
                        err_prefix(e, "event_log string: ");
                        return r;
                }
                v = *ret_inner;
        }
        if (!json_object_is_type(v, json_type_array))
                return err_setf(e, -EINVAL, "event_log: not a list of events");
        *ret_list = v;
        return 0;
}

int evlog_parse_json(const uint8_t *data, size_t len, struct evlog *l, struct tdxh_err *e)
{
        _cleanup_json_ json_object *top = NULL, *inner = NULL;
        json_object *list = NULL;
        static const char *const list_names[] = { [JSON_LOG_DSTACK] = "event_log",
                                                   [JSON_LOG_TRUSTEE] = "uefi_event_logs",
                                                   [JSON_LOG_OWN] = "events" };
        enum evlog_format f;
        enum json_log kind;
        size_t cap = 0, n;
        int r;

        r = parse_text((const char *)data, len, &top, e);
        if (r < 0)
                return r;
        r = find_events(top, &list, &inner, &kind, &f, e);
        if (r < 0)
                return r;
        l->format = f;
        n = json_object_array_length(list);
        /* A list with nothing in it measures nothing: as evidence it would
         * "replay" to all-zero registers and pass for a TD that booted
         * nothing, so it is refused rather than compared. */
        if (n == 0)
                return err_setf(e, -EINVAL, "empty event log (the list has no events)");
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_array_get_idx(list, i);
                struct evlog_event *ev;

                if (!json_object_is_type(o, json_type_object))
                        return err_setf(e, -EINVAL, "%s[%zu]: not an object", list_names[kind], i);
                r = evlog_push(l, &cap, &ev);
                if (r < 0)
                        return r;
                if (kind == JSON_LOG_TRUSTEE)
                        r = read_trustee_event(o, i, ev, e);
                else if (kind == JSON_LOG_OWN || (!json_object_object_get_ex(o, "imr", NULL) &&
                                                  json_object_object_get_ex(o, "rtmr", NULL)))
                        r = read_own_event(o, i, f, ev, e);
                else
                        r = read_dstack_event(o, i, ev, e);
                if (r < 0)
                        return r;
        }
        return 0;
}
