/* JSON event logs: dstack's event_log (a list of {imr, event_type, digest,
 * event, event_payload} with 0-based imr, given as a list, as a JSON string
 * holding the list, or inside a whole GetQuote response), and the harness's
 * own evlog_to_json() output, so that `tdxh inspect --json` can be read back.
 *
 * dstack leaves the digest of its runtime (RTMR3) events empty: it is
 * SHA384(le32(event_type) || ":" || event || ":" || event_payload), the "V1"
 * rule of dstack's cc-eventlog runtime_events.rs, and dstack recomputes it
 * rather than trusting a stored one, so the harness does the same. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/digest.h"
#include "core/event_type.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "evidence/evlog_internal.h"

#define JSON_MAX_DEPTH 32

static int parse_text(const char *text, size_t len, json_object **ret, struct tdxh_err *e)
{
        json_tokener *tok = json_tokener_new_ex(JSON_MAX_DEPTH);
        json_object *o;
        enum json_tokener_error jerr;
        size_t end;

        if (!tok)
                return -ENOMEM;
        if (len > INT_MAX) {
                json_tokener_free(tok);
                return err_setf(e, -EFBIG, "JSON text of %zu bytes is too large", len);
        }
        o = json_tokener_parse_ex(tok, text, (int)len);
        jerr = json_tokener_get_error(tok);
        end = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        if (!o && jerr == json_tokener_continue)
                return err_setf(e, -EINVAL, "offset 0x%zx: JSON text ends early", len);
        if (!o || jerr != json_tokener_success)
                return err_setf(e, -EINVAL, "offset 0x%zx: invalid JSON: %s", end,
                                json_tokener_error_desc(jerr));
        for (; end < len; end++)
                if (text[end] != ' ' && text[end] != '\t' && text[end] != '\n' &&
                    text[end] != '\r' && text[end] != '\0') {
                        json_object_put(o);
                        return err_setf(e, -EINVAL, "offset 0x%zx: text after the JSON value",
                                        end);
                }
        *ret = o;
        return 0;
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

/* Finds the list of events in the top-level value. *ret_inner receives a
 * value parsed from a JSON string, which the caller must release. */
static int find_events(json_object *top, json_object **ret_list, json_object **ret_inner,
                       bool *ret_own, enum evlog_format *ret_format, struct tdxh_err *e)
{
        json_object *v;

        *ret_inner = NULL;
        *ret_own = false;
        *ret_format = EVLOG_JSON;
        if (json_object_is_type(top, json_type_array)) {
                *ret_list = top;
                return 0;
        }
        if (!json_object_is_type(top, json_type_object))
                return err_setf(e, -EINVAL, "JSON: neither an event list nor an object");
        if (json_object_object_get_ex(top, "events", &v) &&
            json_object_is_type(v, json_type_array)) {
                json_object *f;

                *ret_own = true;
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
                return err_setf(e, -EINVAL, "JSON: no \"event_log\" or \"events\" list");
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
        enum evlog_format f;
        size_t cap = 0, n;
        bool own;
        int r;

        r = parse_text((const char *)data, len, &top, e);
        if (r < 0)
                return r;
        r = find_events(top, &list, &inner, &own, &f, e);
        if (r < 0)
                return r;
        l->format = f;
        n = json_object_array_length(list);
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_array_get_idx(list, i);
                struct evlog_event *ev;

                if (!json_object_is_type(o, json_type_object))
                        return err_setf(e, -EINVAL, "%s[%zu]: not an object",
                                        own ? "events" : "event_log", i);
                r = evlog_push(l, &cap, &ev);
                if (r < 0)
                        return r;
                if (own || (!json_object_object_get_ex(o, "imr", NULL) &&
                            json_object_object_get_ex(o, "rtmr", NULL)))
                        r = read_own_event(o, i, f, ev, e);
                else
                        r = read_dstack_event(o, i, ev, e);
                if (r < 0)
                        return r;
        }
        return 0;
}
