/* The JSON form of an event log for `tdxh inspect --json` and reports; see
 * evlog_to_json() in eventlog.h. The form carries every field the reader in
 * evlog_json_read.c needs to rebuild the log. */
#include <errno.h>
#include <stdio.h>

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

static int event_to_json(const struct evlog_event *ev, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        char type[40];
        int r;

        if (!o)
                return -ENOMEM;
        event_type_format(ev->type, type);
        r = json_add_int(o, "index", (int64_t)ev->index);
        if (r >= 0)
                r = json_add_int(o, "offset", (int64_t)ev->offset);
        if (r >= 0)
                r = json_add_int(o, "rtmr", ev->rtmr);
        if (r >= 0)
                r = json_add_int(o, "pcr", ev->pcr);
        if (r >= 0)
                r = json_add_string(o, "type", type);
        if (r >= 0)
                r = ev->has_sha384 ? json_add_hex(o, "digest", ev->sha384, sizeof(ev->sha384))
                                   : json_add(o, "digest", NULL);
        if (r >= 0)
                r = json_add_string(o, "what", ev->what ? ev->what : "unknown");
        if (r >= 0)
                r = json_add_string(o, "data", ev->detail);
        if (r >= 0 && ev->name)
                r = json_add_string(o, "name", ev->name);
        if (r >= 0)
                r = json_add_hex(o, "raw", ev->data, ev->data_len);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
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

int evlog_to_json(const struct evlog *l, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *events, *sub = NULL;
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
        if (r < 0)
                return r;
        events = json_object_new_array_ext((int)(l->n_events < 16 ? 16 : l->n_events));
        if (!events)
                return -ENOMEM;
        r = json_add(o, "events", events);
        for (size_t i = 0; r >= 0 && i < l->n_events; i++) {
                r = event_to_json(&l->events[i], &sub);
                if (r >= 0)
                        r = json_array_add(events, TAKE_PTR(sub));
        }
        if (r >= 0)
                r = replayed_to_json(l, o);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}
