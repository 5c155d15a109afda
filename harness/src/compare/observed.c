/* Observed evidence from files; see observed.h. */
#include "compare/observed.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/json_parse.h"
#include "core/json_util.h"
#include "measure/profile.h"

/* Larger than any quote, TD report, CCEL area or JSON log met in practice. */
#define OBSERVED_MAX_FILE (64u << 20)

#define GOLDEN_AS_EVIDENCE "a golden file where evidence was expected"

void observed_free(struct observed *o)
{
        if (!o)
                return;
        if (o->have_log)
                evlog_free(&o->log);
        free(o->log_name);
        free(o->reg_source);
        memset(o, 0, sizeof(*o));
}

static int add_source(struct observed *o, const char *kind, const char *path)
{
        _cleanup_buf_ struct buf b = BUF_INIT;
        char tag[512];
        int r;

        snprintf(tag, sizeof(tag), "%s %s", kind, path);
        if (o->reg_source && strstr(o->reg_source, tag))
                return 0;
        r = buf_printf(&b, "%s%s%s", o->reg_source ? o->reg_source : "", o->reg_source ? ", " : "", tag);
        if (r < 0)
                return r;
        free(o->reg_source);
        o->reg_source = buf_detach(&b, NULL);
        return o->reg_source ? 0 : -ENOMEM;
}

int observed_set_register(struct observed *o, enum golden_reg r, const uint8_t value[SHA384_LEN],
                          const char *kind, const char *path, struct tdxh_err *e)
{
        if (o->have_reg[r] && memcmp(o->reg[r], value, SHA384_LEN) != 0)
                return err_setf(e, -EINVAL, "%s: %s differs from the value in %s", path,
                                golden_reg_name(r), o->reg_source);
        o->have_reg[r] = true;
        memcpy(o->reg[r], value, SHA384_LEN);
        return add_source(o, kind, path);
}

static bool is_json(const uint8_t *data, size_t len)
{
        size_t i = 0;

        while (i < len && strchr(" \t\r\n", data[i]))
                i++;
        return i < len && (data[i] == '{' || data[i] == '[');
}

/* {"mrtd": hex, "rtmr0": hex, ...} at the top or under "registers". */
static int read_registers_json(const char *path, const uint8_t *data, size_t len, struct observed *o,
                               struct tdxh_err *e)
{
        _cleanup_json_ json_object *root = NULL;
        json_object *obj, *sub;
        int took = 0;

        if (!is_json(data, len))
                return 0;
        root = json_tokener_parse((const char *)data);
        if (!root || !json_object_is_type(root, json_type_object))
                return 0;
        /* A golden file lists registers too, but as predictions. */
        if (observed_json_is_golden(root))
                return err_setf(e, -EINVAL, "%s: %s", path, GOLDEN_AS_EVIDENCE);
        obj = root;
        if (json_object_object_get_ex(root, "registers", &sub) && json_object_is_type(sub, json_type_object))
                obj = sub;
        for (int r = 0; r < GOLDEN_NREGS; r++) {
                uint8_t v[SHA384_LEN];
                json_object *val;
                int ret;

                if (!json_object_object_get_ex(obj, golden_reg_name(r), &val) || !val)
                        continue;
                if (!json_object_is_type(val, json_type_string) ||
                    hex_decode_exact(json_object_get_string(val), v, SHA384_LEN) < 0)
                        return err_setf(e, -EINVAL, "%s: %s: not %d hex digits", path, golden_reg_name(r),
                                        2 * SHA384_LEN);
                ret = observed_set_register(o, r, v, "registers", path, e);
                if (ret < 0)
                        return ret;
                took = 1;
        }
        return took;
}

static int read_event_log(const char *path, const uint8_t *data, size_t len, struct observed *o,
                          struct tdxh_err *e)
{
        struct evlog log;
        int r;

        r = evlog_parse(data, len, -1, &log, e);
        if (r < 0)
                return r;
        if (o->have_log) {
                evlog_free(&log);
                return err_setf(e, -EEXIST, "%s: a second event log (the first is %s)", path, o->log_name);
        }
        o->log_name = strdup(path);
        if (!o->log_name) {
                evlog_free(&log);
                return -ENOMEM;
        }
        o->log = log;
        o->have_log = true;
        return 1;
}

/* Readers of files that are not event logs, tried in this order. */
static const struct observed_reader readers[] = {
        { "registers", read_registers_json },
        { "quote", observed_read_quote },
        { "TD report", observed_read_tdreport },
};

/* The message for a file no reader took: a golden file handed over as
 * evidence (the arguments swapped), a JSON or binary file of no known kind,
 * or one that is its kind but broken (le, from the event log reader). */
static int not_evidence(const char *path, const char *data, size_t len, int r,
                        const struct tdxh_err *le, struct tdxh_err *e)
{
        _cleanup_json_ json_object *root = NULL;
        struct tdxh_err je = { 0 };

        if (r == -EEXIST || r == -ENOMEM)
                return err_setf(e, r, "%s", le->msg);
        if (json_text_blank(data, len))
                return err_setf(e, -EINVAL, "%s: empty file", path);
        if (is_json((const uint8_t *)data, len) && json_parse_text(data, len, 0, &root, &je) < 0)
                return err_setf(e, -EINVAL, "%s: %s", path, je.msg);
        if (root && observed_json_is_golden(root))
                return err_setf(e, -EINVAL, "%s: %s", path, GOLDEN_AS_EVIDENCE);
        if (r == -EMEDIUMTYPE)
                return err_setf(e, -EINVAL, "%s: not a quote, TD report, event log or register JSON",
                                path);
        return err_setf(e, r, "%s: %s", path, le->msg);
}

int observed_load_buffer(const char *path, const char *data, size_t len, struct observed *o,
                         struct tdxh_err *e)
{
        struct tdxh_err le = { 0 };
        int took = 0, r;

        if (json_text_blank(data, len))
                return err_setf(e, -EINVAL, "%s: empty file", path);
        for (size_t i = 0; i < ELEMENTSOF(readers); i++) {
                r = readers[i].read(path, (const uint8_t *)data, len, o, e);
                if (r < 0)
                        return r;
                took |= r;
        }
        /* A JSON file may hold registers and a log together. */
        if (took && !is_json((const uint8_t *)data, len))
                return 0;
        r = read_event_log(path, (const uint8_t *)data, len, o, &le);
        if (r >= 0 || (took && r != -EEXIST))
                return 0;
        return not_evidence(path, data, len, r, &le, e);
}

static int load_one(const char *path, struct observed *o, struct tdxh_err *e)
{
        _cleanup_free_ char *data = NULL;
        size_t len = 0;
        int r;

        r = file_read_all(path, OBSERVED_MAX_FILE, &data, &len, e);
        if (r < 0)
                return r;
        return observed_load_buffer(path, data, len, o, e);
}

bool observed_json_is_golden(json_object *root)
{
        json_object *schema;

        return json_object_is_type(root, json_type_object) &&
               json_object_object_get_ex(root, "schema", &schema) &&
               json_object_is_type(schema, json_type_string) &&
               strncmp(json_object_get_string(schema), "tdxh-golden/", 12) == 0;
}

int observed_probe(const char *path, const char **ret_kind)
{
        _cleanup_observed_ struct observed o = { 0 };
        struct tdxh_err e = { 0 };
        int r = load_one(path, &o, &e);

        if (r < 0)
                return 0;
        if (o.have_log)
                *ret_kind = "an event log";
        else if (o.reg_source && strncmp(o.reg_source, "quote", 5) == 0)
                *ret_kind = "a quote";
        else if (o.reg_source && strncmp(o.reg_source, "TD report", 9) == 0)
                *ret_kind = "a TD report";
        else
                *ret_kind = "register JSON";
        return 1;
}

int observed_load(const char *const *paths, size_t n, struct observed *ret, struct tdxh_err *e)
{
        struct observed o = { 0 };

        for (size_t i = 0; i < n; i++) {
                int r = load_one(paths[i], &o, e);

                if (r < 0) {
                        observed_free(&o);
                        return r;
                }
        }
        *ret = o;
        return 0;
}

void observed_view(const struct observed *o, struct diff_observed *ret)
{
        struct diff_observed v = { .log = o->have_log ? &o->log : NULL,
                                   .log_name = o->log_name,
                                   .reg_source = o->reg_source };

        memcpy(v.have_reg, o->have_reg, sizeof(v.have_reg));
        memcpy(v.reg, o->reg, sizeof(v.reg));
        *ret = v;
}

static int set_profile(struct golden *g, const char *name, struct tdxh_err *e)
{
        struct profile p;
        int r = profile_lookup(name, &p, e);

        if (r < 0)
                return r;
        g->profile_name = strdup(p.name);
        g->platform = strdup(p.platform == PLATFORM_TDX ? "tdx" : "fake");
        g->edk2 = strdup(edk2_gen_name(p.edk2));
        g->qemu = strdup(qemu_gen_name(p.qemu));
        g->page_add = strdup(page_add_name(p.page_add));
        return g->profile_name && g->platform && g->edk2 && g->qemu && g->page_add ? 0 : -ENOMEM;
}

/* Folds the log's events of rtmr; -ENODATA (index in *ret_missing) when one
 * has no SHA-384 digest. */
static int replay_rtmr(const struct evlog *l, int rtmr, uint8_t ret[SHA384_LEN], size_t *ret_missing)
{
        uint8_t v[SHA384_LEN] = { 0 };

        for (size_t i = 0; i < l->n_events; i++) {
                if (l->events[i].rtmr != rtmr)
                        continue;
                if (!l->events[i].has_sha384) {
                        *ret_missing = l->events[i].index;
                        return -ENODATA;
                }
                rtmr_extend(v, l->events[i].sha384);
        }
        memcpy(ret, v, SHA384_LEN);
        return 0;
}

static int record_register(const struct observed *o, struct golden *g, int reg, struct tdxh_err *e)
{
        struct golden_register *R = &g->regs[reg];
        uint8_t v[SHA384_LEN];
        size_t missing = 0;
        char reason[128];
        int r;

        if (reg == GOLDEN_MRTD || !o->have_log) {
                if (o->have_reg[reg]) {
                        R->present = R->known = true;
                        memcpy(R->value, o->reg[reg], SHA384_LEN);
                }
                return 0;
        }
        r = replay_rtmr(&o->log, reg - GOLDEN_RTMR0, v, &missing);
        if (r == -ENODATA) {
                if (o->have_reg[reg]) {
                        R->present = R->known = true;
                        memcpy(R->value, o->reg[reg], SHA384_LEN);
                        return 0;
                }
                snprintf(reason, sizeof(reason), "log event %zu has no SHA-384 digest", missing);
                return golden_set_unknown(g, reg, reason);
        }
        if (o->have_reg[reg] && memcmp(v, o->reg[reg], SHA384_LEN) != 0)
                return err_setf(e, -EINVAL, "%s: the event log does not replay to %s of %s: not the "
                                            "evidence of one good run",
                                o->log_name, golden_reg_name(reg), o->reg_source);
        R->present = R->known = true;
        memcpy(R->value, v, SHA384_LEN);
        return 0;
}

int observed_to_golden(const struct observed *o, const char *profile, struct golden *ret,
                       struct tdxh_err *e)
{
        _cleanup_golden_ struct golden g = { 0 };
        int r = 0;

        if (profile)
                r = set_profile(&g, profile, e);
        for (size_t i = 0; o->have_log && i < o->log.n_events && r >= 0; i++) {
                const struct evlog_event *ev = &o->log.events[i];
                /* borrowed: golden_add_event copies the strings */
                struct golden_event ge = { .rtmr = ev->rtmr, .type = ev->type,
                                           .digest_known = ev->has_sha384,
                                           .what = (char *)ev->what, .detail = ev->detail };

                if (ev->rtmr < 0 || ev->rtmr > 3)
                        continue;
                memcpy(ge.digest, ev->sha384, SHA384_LEN);
                r = golden_add_event(&g, &ge);
        }
        for (int reg = 0; reg < GOLDEN_NREGS && r >= 0; reg++)
                r = record_register(o, &g, reg, e);
        if (r < 0)
                return r == -ENOMEM ? err_setf(e, r, "out of memory") : r;
        *ret = g;
        memset(&g, 0, sizeof(g));
        return 0;
}
