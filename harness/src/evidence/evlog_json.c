/* The JSON form of an event log for `tdxh inspect --json` and reports; see
 * evlog_to_json() in eventlog.h. The form carries every field the reader in
 * evlog_json_read.c needs to rebuild the log. */
#include <errno.h>
#include <stdbool.h>
#include <json-c/printbuf.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/event_type.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "evidence/eventlog.h"

const char *evlog_alg_name(uint16_t id)
{
        switch (id) {
        case TPM_ALG_SHA1:
                return "sha1";
        case TPM_ALG_SHA256:
                return "sha256";
        case TPM_ALG_SHA384:
                return "sha384";
        case TPM_ALG_SHA512:
                return "sha512";
        case TPM_ALG_SM3_256:
                return "sm3_256";
        default:
                return NULL;
        }
}

/* The JSON object of one event. Writing a big log re-fills one object per
 * event instead of building 10,000 of them: the keys stay, the values are
 * overwritten in place, and json-c reuses its buffers. */
enum {
        K_INDEX, K_OFFSET, K_RTMR, K_PCR, K_TYPE, K_DIGEST, K_WHAT, K_DATA, K_NAME, K_RAW,
        K_COUNT
};

static const char *const event_keys[K_COUNT] = {
        [K_INDEX] = "index", [K_OFFSET] = "offset", [K_RTMR] = "rtmr", [K_PCR] = "pcr",
        [K_TYPE] = "type",   [K_DIGEST] = "digest", [K_WHAT] = "what", [K_DATA] = "data",
        [K_NAME] = "name",   [K_RAW] = "raw",
};

struct event_json {
        json_object *o;
        json_object *v[K_COUNT]; /* the current value of each key (NULL: null or absent) */
        bool has_name;
        struct buf hex;
};

/* json-c prints integers through snprintf, and a big log has four per
 * event; the text is the same. */
static int int_to_json(json_object *jso, struct printbuf *pb, int level, int flags)
{
        int64_t v = json_object_get_int64(jso);
        uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
        char text[24];
        size_t n = sizeof(text);

        (void)level;
        (void)flags;
        do {
                text[--n] = (char)('0' + u % 10);
                u /= 10;
        } while (u);
        if (v < 0)
                text[--n] = '-';
        return printbuf_memappend(pb, text + n, (int)(sizeof(text) - n)) < 0 ? -1 : 0;
}

/* Hex digits need no escaping: copied as they are. */
static int hex_to_json(json_object *jso, struct printbuf *pb, int level, int flags)
{
        (void)level;
        (void)flags;
        if (printbuf_memappend(pb, "\"", 1) < 0 ||
            printbuf_memappend(pb, json_object_get_string(jso), json_object_get_string_len(jso)) <
                    0 ||
            printbuf_memappend(pb, "\"", 1) < 0)
                return -1;
        return 0;
}

static void event_json_done(struct event_json *c)
{
        json_object_put(c->o);
        buf_free(&c->hex);
        *c = (struct event_json){ 0 };
}

/* (Re)creates the object with every key, in the documented order. */
static int event_json_reset(struct event_json *c, bool has_name)
{
        json_object_put(c->o);
        memset(c->v, 0, sizeof(c->v));
        c->o = json_object_new_object();
        if (!c->o)
                return -ENOMEM;
        c->has_name = has_name;
        for (size_t i = 0; i < K_COUNT; i++) {
                json_object *v = NULL;

                if (i == K_NAME && !has_name)
                        continue;
                if (i <= K_PCR) {
                        v = json_object_new_int64(0);
                        if (!v)
                                return -ENOMEM;
                        json_object_set_serializer(v, int_to_json, NULL, NULL);
                }
                if (json_object_object_add_ex(c->o, event_keys[i], v,
                                              JSON_C_OBJECT_ADD_KEY_IS_NEW |
                                                      JSON_C_OBJECT_ADD_CONSTANT_KEY) < 0) {
                        json_object_put(v);
                        return -ENOMEM;
                }
                c->v[i] = v;
        }
        return 0;
}

/* Sets key k to the string s (len bytes), or to null when s is NULL. */
static int set_string(struct event_json *c, int k, const char *s, size_t len)
{
        json_object *v = c->v[k];

        if (len > INT32_MAX)
                return -E2BIG;
        /* json-c 0.16 loses a string's heap buffer when it is set to "":
         * an empty value gets a new object instead */
        if (s && v && len > 0)
                return json_object_set_string_len(v, s, (int)len) ? 0 : -ENOMEM;
        if (!s && !v)
                return 0;
        if (s) {
                v = json_object_new_string_len(s, (int)len);
                if (!v)
                        return -ENOMEM;
                if (k == K_DIGEST || k == K_RAW)
                        json_object_set_serializer(v, hex_to_json, NULL, NULL);
        }
        /* replaces the value in place: the key keeps its position */
        if (json_object_object_add(c->o, event_keys[k], v) < 0)
                return -ENOMEM;
        c->v[k] = v;
        return 0;
}

static int event_json_fill(struct event_json *c, const struct evlog_event *ev)
{
        char type[40], digest[2 * 48 + 1];
        const char *what = ev->what ? ev->what : "unknown";
        const char *tname = event_type_name(ev->type);
        int r = 0;

        if (!c->o || c->has_name != (ev->name != NULL))
                r = event_json_reset(c, ev->name != NULL);
        if (r < 0)
                return r;
        json_object_set_int64(c->v[K_INDEX], (int64_t)ev->index);
        json_object_set_int64(c->v[K_OFFSET], (int64_t)ev->offset);
        json_object_set_int64(c->v[K_RTMR], ev->rtmr);
        json_object_set_int64(c->v[K_PCR], ev->pcr);
        if (!tname) {
                event_type_format(ev->type, type);
                tname = type;
        }
        r = set_string(c, K_TYPE, tname, strlen(tname));
        hex_encode(ev->sha384, sizeof(ev->sha384), digest);
        if (r >= 0)
                r = set_string(c, K_DIGEST, ev->has_sha384 ? digest : NULL, 2 * 48);
        if (r >= 0)
                r = set_string(c, K_WHAT, what, strlen(what));
        if (r >= 0)
                r = set_string(c, K_DATA, ev->detail, ev->detail ? strlen(ev->detail) : 0);
        if (r >= 0 && ev->name)
                r = set_string(c, K_NAME, ev->name, strlen(ev->name));
        if (r >= 0) {
                buf_reset(&c->hex);
                r = buf_reserve(&c->hex, 2 * ev->data_len);
        }
        if (r >= 0) {
                hex_encode(ev->data, ev->data_len, c->hex.data);
                r = set_string(c, K_RAW, c->hex.data, 2 * ev->data_len);
        }
        return r;
}

static int algs_to_json(const struct evlog *l, json_object **ret)
{
        _cleanup_json_ json_object *a = json_object_new_array();
        int r = 0;

        if (!a)
                return -ENOMEM;
        for (size_t i = 0; r >= 0 && i < l->n_algs; i++) {
                json_object *o = json_object_new_object();
                char id[8];

                if (!o)
                        return -ENOMEM;
                snprintf(id, sizeof(id), "0x%04x", l->algs[i].id);
                r = json_array_add(a, o);
                if (r >= 0)
                        r = json_add_string(o, "id", id);
                if (r >= 0)
                        r = json_add_string(o, "name", evlog_alg_name(l->algs[i].id));
                if (r >= 0)
                        r = json_add_int(o, "size", l->algs[i].size);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(a);
        return 0;
}

static int counts_to_json(const struct evlog *l, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        static const char *const keys[] = { "rtmr0", "rtmr1", "rtmr2", "rtmr3" };
        int r = 0;

        if (!o)
                return -ENOMEM;
        for (int i = 0; r >= 0 && i < 4; i++)
                r = json_add_int(o, keys[i], (int64_t)evlog_count_rtmr(l, i));
        if (r >= 0)
                r = json_add_int(o, "none", (int64_t)evlog_count_rtmr(l, -1));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

static int replayed_to_json(const struct evlog *l, json_object *top)
{
        _cleanup_json_ json_object *o = NULL;
        struct tdxh_err err = { 0 };
        uint8_t reg[4][48];
        int r;

        r = evlog_replay(l, reg, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = json_add(top, "replayed", NULL);
                return r < 0 ? r : json_add_string(top, "replay_error", err.msg);
        }
        o = json_object_new_object();
        if (!o)
                return -ENOMEM;
        for (int i = 0; r >= 0 && i < 4; i++) {
                char key[8];

                snprintf(key, sizeof(key), "rtmr%d", i);
                r = json_add_hex(o, key, reg[i], sizeof(reg[i]));
        }
        return r < 0 ? r : json_add(top, "replayed", TAKE_PTR(o));
}

/* Everything but the events, which are left as an empty list. */
static int header_to_json(const struct evlog *l, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *sub = NULL;
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "kind", "event-log");
        if (r >= 0)
                r = json_add_string(o, "format", evlog_format_name(l->format));
        if (r >= 0 && l->format != EVLOG_JSON)
                r = json_add_int(o, "log_len", (int64_t)l->log_len);
        if (r >= 0 && l->n_algs) {
                r = algs_to_json(l, &sub);
                if (r >= 0)
                        r = json_add(o, "algorithms", TAKE_PTR(sub));
        }
        if (r >= 0 && l->has_ccel_table) {
                r = ccel_table_to_json(&l->ccel_table, &sub);
                if (r >= 0)
                        r = json_add(o, "ccel_table", TAKE_PTR(sub));
        }
        if (r >= 0)
                r = counts_to_json(l, &sub);
        if (r >= 0)
                r = json_add(o, "counts", TAKE_PTR(sub));
        if (r >= 0) {
                sub = json_object_new_array();
                r = sub ? json_add(o, "events", TAKE_PTR(sub)) : -ENOMEM;
        }
        if (r >= 0)
                r = replayed_to_json(l, o);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int evlog_to_json(const struct evlog *l, json_object **ret)
{
        _cleanup_json_ json_object *o = NULL;
        json_object *events;
        int r;

        r = header_to_json(l, &o);
        if (r < 0)
                return r;
        events = json_object_object_get(o, "events");
        for (size_t i = 0; r >= 0 && i < l->n_events; i++) {
                struct event_json c = { 0 };

                r = event_json_fill(&c, &l->events[i]);
                if (r >= 0)
                        r = json_array_add(events, TAKE_PTR(c.o));
                event_json_done(&c);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

#define PRETTY_FLAGS                                                                   \
        (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE)

/* The streaming writer of evlog_write_json(). It appends each event's text
 * as json-c's pretty printer writes the object of event_json_fill() at the
 * depth of an element of "events" (two levels, four spaces), straight into
 * one buffer: for a log of 10,000 events, json-c's per-value appends, the
 * escaping of every key and the re-indenting of each event cost more than
 * reading and replaying the log (bench/bench_eventlog.sh). Strings that
 * need escaping are still escaped by json-c, so the text is json-c's;
 * test_evlog_write compares it with json-c's rendering of evlog_to_json(). */

/* Printable ASCII other than '"' and '\\': json-c copies it as it is (with
 * JSON_C_TO_STRING_NOSLASHESCAPE, '/' too). */
static bool plain_string(const char *s, size_t len)
{
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char)s[i];

                if (c < 0x20 || c > 0x7e || c == '"' || c == '\\')
                        return false;
        }
        return true;
}

/* Writes s as a JSON string at w (room for 6 * len + 2 bytes: json-c's
 * longest escape is \u00XX); returns the end, or NULL. scratch is a json-c
 * string object reused for the strings json-c escapes. */
static char *put_string(char *w, json_object *scratch, const char *s, size_t len)
{
        const char *t;
        size_t n = 0;

        if (plain_string(s, len)) {
                *w++ = '"';
                memcpy(w, s, len);
                w += len;
                *w++ = '"';
                return w;
        }
        if (len > INT32_MAX || !json_object_set_string_len(scratch, s, (int)len))
                return NULL;
        t = json_object_to_json_string_length(scratch, JSON_C_TO_STRING_NOSLASHESCAPE, &n);
        if (!t || n > 6 * len + 2)
                return NULL;
        memcpy(w, t, n);
        return w + n;
}

static char *put_int(char *w, int64_t v)
{
        uint64_t u = v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
        char text[24];
        size_t n = sizeof(text);

        do {
                text[--n] = (char)('0' + u % 10);
                u /= 10;
        } while (u);
        if (v < 0)
                text[--n] = '-';
        memcpy(w, text + n, sizeof(text) - n);
        return w + sizeof(text) - n;
}

#define PUT_LITERAL(w, lit) (memcpy((w), (lit), sizeof(lit) - 1), (w) + sizeof(lit) - 1)

static int put_event(struct buf *out, json_object *scratch, const struct evlog_event *ev, bool last)
{
        char type_buf[40];
        const char *what = ev->what ? ev->what : "unknown";
        const char *type = event_type_name(ev->type);
        size_t type_len, what_len = strlen(what), detail_len, name_len, room;
        char *w;
        int r;

        if (!type) {
                event_type_format(ev->type, type_buf);
                type = type_buf;
        }
        type_len = strlen(type);
        detail_len = ev->detail ? strlen(ev->detail) : 0;
        name_len = ev->name ? strlen(ev->name) : 0;
        if (ev->data_len > (SIZE_MAX - 1024) / 2 || detail_len > SIZE_MAX / 8 ||
            name_len > SIZE_MAX / 8)
                return -E2BIG;
        /* the keys, four integers, the digest, null and the punctuation fit in 512 */
        room = 512 + 2 * ev->data_len + 6 * (type_len + what_len + detail_len + name_len);
        r = buf_reserve(out, room);
        if (r < 0)
                return r;
        w = out->data + out->len;
        w = PUT_LITERAL(w, "    {\n      \"index\": ");
        w = put_int(w, (int64_t)ev->index);
        w = PUT_LITERAL(w, ",\n      \"offset\": ");
        w = put_int(w, (int64_t)ev->offset);
        w = PUT_LITERAL(w, ",\n      \"rtmr\": ");
        w = put_int(w, ev->rtmr);
        w = PUT_LITERAL(w, ",\n      \"pcr\": ");
        w = put_int(w, ev->pcr);
        w = PUT_LITERAL(w, ",\n      \"type\": ");
        w = put_string(w, scratch, type, type_len);
        if (!w)
                return -ENOMEM;
        w = PUT_LITERAL(w, ",\n      \"digest\": ");
        if (ev->has_sha384) {
                *w++ = '"';
                hex_encode(ev->sha384, sizeof(ev->sha384), w);
                w += 2 * sizeof(ev->sha384);
                *w++ = '"';
        } else {
                w = PUT_LITERAL(w, "null");
        }
        w = PUT_LITERAL(w, ",\n      \"what\": ");
        w = put_string(w, scratch, what, what_len);
        if (!w)
                return -ENOMEM;
        w = PUT_LITERAL(w, ",\n      \"data\": ");
        w = ev->detail ? put_string(w, scratch, ev->detail, detail_len) : PUT_LITERAL(w, "null");
        if (!w)
                return -ENOMEM;
        if (ev->name) {
                w = PUT_LITERAL(w, ",\n      \"name\": ");
                w = put_string(w, scratch, ev->name, name_len);
                if (!w)
                        return -ENOMEM;
        }
        w = PUT_LITERAL(w, ",\n      \"raw\": \"");
        hex_encode(ev->data, ev->data_len, w);
        w += 2 * ev->data_len;
        w = last ? PUT_LITERAL(w, "\"\n    }\n") : PUT_LITERAL(w, "\"\n    },\n");
        out->len = (size_t)(w - out->data);
        out->data[out->len] = '\0';
        return 0;
}

int evlog_write_json(const struct evlog *l, FILE *f, struct tdxh_err *e)
{
        static const char empty[] = "\"events\": [\n  ]";
        const size_t head_len = sizeof(empty) - 1 - 3; /* up to the "  ]" */
        _cleanup_json_ json_object *head = NULL, *scratch = json_object_new_string("-");
        _cleanup_buf_ struct buf out = BUF_INIT;
        const char *text, *at;
        int r;

        if (!scratch)
                return -ENOMEM;
        r = header_to_json(l, &head);
        if (r < 0)
                return r;
        text = json_object_to_json_string_ext(head, PRETTY_FLAGS);
        at = text ? strstr(text, empty) : NULL;
        if (!at)
                return -ENOMEM;
        r = buf_append(&out, text, (size_t)(at - text) + head_len);
        for (size_t i = 0; r >= 0 && i < l->n_events; i++) {
                r = put_event(&out, scratch, &l->events[i], i + 1 == l->n_events);
                /* written in pieces of about 64 KiB, the size of stdout's
                 * buffer: larger pieces copy less but leave the caches */
                if (r >= 0 && out.len >= (1u << 16)) {
                        fwrite(out.data, 1, out.len, f);
                        buf_reset(&out);
                }
        }
        if (r < 0)
                return r;
        fwrite(out.data, 1, out.len, f);
        fputs(at + head_len, f);
        fputc('\n', f);
        if (ferror(f))
                return err_setf(e, -EIO, "cannot write the event log JSON");
        return 0;
}
