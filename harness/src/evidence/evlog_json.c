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

/* Appends text with four spaces before every line: the depth of an element
 * of the top-level "events" list in json-c's pretty form. */
static int put_indented(struct buf *out, const char *text, size_t len)
{
        const char *end = text + len, *p, *nl;
        size_t lines = 1;
        char *w;
        int r;

        for (p = text; (nl = memchr(p, '\n', (size_t)(end - p))); p = nl + 1)
                lines++;
        r = buf_reserve(out, len + 4 * lines);
        if (r < 0)
                return r;
        w = out->data + out->len;
        for (p = text; p <= end; p = nl + 1) {
                size_t n;

                nl = memchr(p, '\n', (size_t)(end - p));
                if (!nl)
                        nl = end;
                n = (size_t)(nl - p) + (nl < end);
                memcpy(w, "    ", 4);
                memcpy(w + 4, p, n);
                w += 4 + n;
        }
        out->len = (size_t)(w - out->data);
        out->data[out->len] = '\0';
        return 0;
}

int evlog_write_json(const struct evlog *l, FILE *f, struct tdxh_err *e)
{
        static const char empty[] = "\"events\": [\n  ]";
        const size_t head_len = sizeof(empty) - 1 - 3; /* up to the "  ]" */
        _cleanup_json_ json_object *head = NULL;
        _cleanup_buf_ struct buf out = BUF_INIT;
        _cleanup_(event_json_done) struct event_json c = { 0 };
        const char *text, *at;
        int r;

        r = header_to_json(l, &head);
        if (r < 0)
                return r;
        text = json_object_to_json_string_ext(head, PRETTY_FLAGS);
        at = text ? strstr(text, empty) : NULL;
        if (!at)
                return -ENOMEM;
        fwrite(text, 1, (size_t)(at - text) + head_len, f);
        for (size_t i = 0; i < l->n_events; i++) {
                buf_reset(&out);
                r = event_json_fill(&c, &l->events[i]);
                if (r >= 0) {
                        size_t n = 0;
                        const char *t = json_object_to_json_string_length(c.o, PRETTY_FLAGS, &n);

                        r = t ? put_indented(&out, t, n) : -ENOMEM;
                }
                if (r >= 0)
                        r = buf_puts(&out, i + 1 < l->n_events ? ",\n" : "\n");
                if (r < 0)
                        return r;
                fwrite(out.data, 1, out.len, f);
        }
        fputs(at + head_len, f);
        fputc('\n', f);
        if (ferror(f))
                return err_setf(e, -EIO, "cannot write the event log JSON");
        return 0;
}
