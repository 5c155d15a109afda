/* Strict reader of golden files: every problem is reported with the file and
 * the JSON field it concerns. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/event_type.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/json_parse.h"
#include "core/json_util.h"
#include "core/size.h"
#include "golden/golden.h"

#define GOLDEN_MAX_SIZE (64u << 20)

struct loader {
        const char *path;
        struct tdxh_err *e;
};

#define fail(L, ...) err_setf((L)->e, -EINVAL, __VA_ARGS__)

static int get_string(struct loader *L, json_object *obj, const char *ctx, const char *key,
                      bool required, char **ret)
{
        json_object *v = NULL;

        *ret = NULL;
        if (!json_object_object_get_ex(obj, key, &v) || !v) {
                if (required)
                        return fail(L, "%s: %s%s: missing", L->path, ctx, key);
                return 0;
        }
        if (!json_object_is_type(v, json_type_string))
                return fail(L, "%s: %s%s: not a string", L->path, ctx, key);
        *ret = strdup(json_object_get_string(v));
        return *ret ? 0 : -ENOMEM;
}

static int get_hex(struct loader *L, json_object *v, const char *field, uint8_t *out, size_t len)
{
        if (!json_object_is_type(v, json_type_string) ||
            hex_decode_exact(json_object_get_string(v), out, len) < 0)
                return fail(L, "%s: %s: not %zu hex digits", L->path, field, 2 * len);
        return 0;
}

static int load_profile(struct loader *L, json_object *root, struct golden *g)
{
        json_object *p;
        int r;

        if (!json_object_object_get_ex(root, "profile", &p) ||
            !json_object_is_type(p, json_type_object))
                return fail(L, "%s: profile: missing or not an object", L->path);
        r = get_string(L, p, "profile.", "name", false, &g->profile_name);
        if (r >= 0)
                r = get_string(L, p, "profile.", "platform", false, &g->platform);
        if (r >= 0)
                r = get_string(L, p, "profile.", "edk2", false, &g->edk2);
        if (r >= 0)
                r = get_string(L, p, "profile.", "qemu", false, &g->qemu);
        if (r >= 0)
                r = get_string(L, p, "profile.", "page_add", false, &g->page_add);
        return r;
}

static int load_input_file(struct loader *L, json_object *in, const char *key,
                           struct golden_input_file *f)
{
        char ctx[64];
        json_object *o, *sha;
        int r;

        if (!json_object_object_get_ex(in, key, &o) || !o)
                return 0;
        snprintf(ctx, sizeof(ctx), "inputs.%s.", key);
        if (!json_object_is_type(o, json_type_object))
                return fail(L, "%s: inputs.%s: not an object", L->path, key);
        r = get_string(L, o, ctx, "path", false, &f->path);
        if (r < 0)
                return r;
        const struct {
                const char *key;
                uint8_t *value;
                size_t len;
                bool *have;
        } digests[] = { { "sha256", f->sha256, SHA256_LEN, &f->have_sha256 },
                        { "sha384", f->sha384, SHA384_LEN, &f->have_sha384 } };
        for (size_t i = 0; i < ELEMENTSOF(digests); i++) {
                char field[80];

                if (!json_object_object_get_ex(o, digests[i].key, &sha) || !sha)
                        continue;
                snprintf(field, sizeof(field), "%s%s", ctx, digests[i].key);
                r = get_hex(L, sha, field, digests[i].value, digests[i].len);
                if (r < 0)
                        return r;
                *digests[i].have = true;
        }
        return 0;
}

static int load_inputs(struct loader *L, json_object *root, struct golden *g)
{
        json_object *in, *v;
        int r;

        if (!json_object_object_get_ex(root, "inputs", &in) || !in)
                return 0;
        if (!json_object_is_type(in, json_type_object))
                return fail(L, "%s: inputs: not an object", L->path);
        r = load_input_file(L, in, "firmware", &g->firmware);
        if (r >= 0)
                r = load_input_file(L, in, "kernel", &g->kernel);
        if (r >= 0)
                r = load_input_file(L, in, "initrd", &g->initrd);
        if (r >= 0)
                r = load_input_file(L, in, "disk", &g->disk);
        if (r >= 0)
                r = get_string(L, in, "inputs.", "cmdline", false, &g->cmdline);
        if (r < 0)
                return r;
        if (json_object_object_get_ex(in, "memory", &v) && v) {
                if (json_object_is_type(v, json_type_string)) {
                        if (size_parse(json_object_get_string(v), &g->memory) < 0)
                                return fail(L, "%s: inputs.memory: '%s' is not a size", L->path,
                                            json_object_get_string(v));
                } else if (json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0) {
                        g->memory = (uint64_t)json_object_get_int64(v);
                } else {
                        return fail(L, "%s: inputs.memory: not a size", L->path);
                }
        }
        if (json_object_object_get_ex(in, "vcpus", &v) && v) {
                int64_t n = json_object_get_int64(v);

                if (!json_object_is_type(v, json_type_int) || n < 1 || n > 4096)
                        return fail(L, "%s: inputs.vcpus: not a vCPU count", L->path);
                g->vcpus = (unsigned)n;
        }
        return 0;
}

static int load_registers(struct loader *L, json_object *root, struct golden *g)
{
        json_object *regs, *unknown = NULL;

        if (!json_object_object_get_ex(root, "registers", &regs) ||
            !json_object_is_type(regs, json_type_object))
                return fail(L, "%s: registers: missing or not an object", L->path);
        json_object_object_get_ex(root, "unknown", &unknown);
        if (unknown && !json_object_is_type(unknown, json_type_object))
                return fail(L, "%s: unknown: not an object", L->path);
        json_object_object_foreach(regs, key, val) {
                char field[64];
                int i;

                for (i = 0; i < GOLDEN_NREGS; i++)
                        if (strcmp(key, golden_reg_name((enum golden_reg)i)) == 0)
                                break;
                if (i == GOLDEN_NREGS)
                        return fail(L, "%s: registers.%s: not a register (mrtd, rtmr0..rtmr3)",
                                    L->path, key);
                g->regs[i].present = true;
                if (!val) {
                        json_object *why = NULL;

                        json_object_object_get_ex(unknown, key, &why);
                        g->regs[i].unknown_reason =
                                strdup(why && json_object_is_type(why, json_type_string)
                                               ? json_object_get_string(why)
                                               : "not known");
                        if (!g->regs[i].unknown_reason)
                                return -ENOMEM;
                        continue;
                }
                snprintf(field, sizeof(field), "registers.%s", key);
                if (get_hex(L, val, field, g->regs[i].value, SHA384_LEN) < 0)
                        return -EINVAL;
                g->regs[i].known = true;
        }
        return 0;
}

static int load_event(struct loader *L, json_object *o, size_t idx, struct golden_event *ev)
{
        json_object *v;
        char field[64];
        int64_t rtmr;

        if (!json_object_is_type(o, json_type_object))
                return fail(L, "%s: events[%zu]: not an object", L->path, idx);
        if (!json_object_object_get_ex(o, "rtmr", &v) || !json_object_is_type(v, json_type_int) ||
            (rtmr = json_object_get_int64(v)) < 0 || rtmr > 3)
                return fail(L, "%s: events[%zu].rtmr: missing or not 0..3", L->path, idx);
        ev->rtmr = (int)rtmr;
        if (!json_object_object_get_ex(o, "type", &v) || !json_object_is_type(v, json_type_string) ||
            event_type_parse(json_object_get_string(v), &ev->type) < 0)
                return fail(L, "%s: events[%zu].type: missing or not an event type", L->path, idx);
        if (!json_object_object_get_ex(o, "digest", &v))
                return fail(L, "%s: events[%zu].digest: missing", L->path, idx);
        if (v) {
                snprintf(field, sizeof(field), "events[%zu].digest", idx);
                if (get_hex(L, v, field, ev->digest, SHA384_LEN) < 0)
                        return -EINVAL;
                ev->digest_known = true;
        }
        snprintf(field, sizeof(field), "events[%zu].", idx);
        if (get_string(L, o, field, "what", true, &ev->what) < 0 ||
            get_string(L, o, field, "detail", false, &ev->detail) < 0)
                return -EINVAL;
        return 0;
}

static int load_events(struct loader *L, json_object *root, struct golden *g)
{
        json_object *events;
        size_t n;

        if (!json_object_object_get_ex(root, "events", &events) ||
            !json_object_is_type(events, json_type_array))
                return fail(L, "%s: events: missing or not an array", L->path);
        n = json_object_array_length(events);
        for (size_t i = 0; i < n; i++) {
                struct golden_event ev = { 0 };
                int r = load_event(L, json_object_array_get_idx(events, i), i, &ev);

                if (r >= 0)
                        r = golden_add_event(g, &ev);
                free(ev.what);
                free(ev.detail);
                if (r < 0)
                        return r;
        }
        return 0;
}

int golden_load(const char *path, struct golden *ret, struct tdxh_err *e)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        r = file_read_all(path, GOLDEN_MAX_SIZE, &text, &len, e);
        if (r < 0)
                return r;
        return golden_parse(path, text, len, ret, e);
}

int golden_parse(const char *path, const char *text, size_t len, struct golden *ret,
                 struct tdxh_err *e)
{
        _cleanup_json_ json_object *root = NULL;
        int r;

        r = json_parse_text(text, len, 0, &root, e);
        if (r < 0) {
                err_prefix(e, "%s: ", path);
                return r;
        }
        return golden_from_json(path, root, ret, e);
}

int golden_from_json(const char *path, json_object *root, struct golden *ret, struct tdxh_err *e)
{
        _cleanup_golden_ struct golden g = { 0 };
        struct loader L = { .path = path, .e = e };
        json_object *schema;
        int r;

        if (!json_object_is_type(root, json_type_object))
                return fail(&L, "%s: not a JSON object", path);
        if (!json_object_object_get_ex(root, "schema", &schema) ||
            !json_object_is_type(schema, json_type_string) ||
            strcmp(json_object_get_string(schema), GOLDEN_SCHEMA) != 0)
                return fail(&L, "%s: schema: expected \"%s\"", path, GOLDEN_SCHEMA);
        r = load_profile(&L, root, &g);
        if (r >= 0)
                r = load_inputs(&L, root, &g);
        if (r >= 0)
                r = load_registers(&L, root, &g);
        if (r >= 0)
                r = load_events(&L, root, &g);
        if (r < 0)
                return r;
        *ret = g;
        g = (struct golden){ 0 };
        return 0;
}
