/* Golden file model, writer and strict reader; see golden.h. */
#include "golden/golden.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/json_event.h"
#include "core/json_util.h"
#include "core/size.h"

static const char *const reg_names[GOLDEN_NREGS] = { "mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3" };

const char *golden_reg_name(enum golden_reg r)
{
        return (unsigned)r < GOLDEN_NREGS ? reg_names[r] : "?";
}

static void input_file_clear(struct golden_input_file *f)
{
        free(f->path);
        *f = (struct golden_input_file){ 0 };
}

void golden_free(struct golden *g)
{
        free(g->profile_name);
        free(g->platform);
        free(g->edk2);
        free(g->qemu);
        free(g->page_add);
        input_file_clear(&g->firmware);
        input_file_clear(&g->kernel);
        input_file_clear(&g->initrd);
        input_file_clear(&g->disk);
        free(g->cmdline);
        for (int i = 0; i < GOLDEN_NREGS; i++)
                free(g->regs[i].unknown_reason);
        for (size_t i = 0; i < g->n_events; i++) {
                free(g->events[i].what);
                free(g->events[i].detail);
        }
        free(g->events);
        *g = (struct golden){ 0 };
}

static int dup_opt(const char *s, char **ret)
{
        *ret = NULL;
        if (!s)
                return 0;
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

int golden_add_event(struct golden *g, const struct golden_event *ev)
{
        struct golden_event copy = *ev, *v;

        if (dup_opt(ev->what, &copy.what) < 0 || dup_opt(ev->detail, &copy.detail) < 0) {
                free(copy.what);
                return -ENOMEM;
        }
        v = realloc(g->events, (g->n_events + 1) * sizeof(*v));
        if (!v) {
                free(copy.what);
                free(copy.detail);
                return -ENOMEM;
        }
        g->events = v;
        g->events[g->n_events++] = copy;
        return 0;
}

int golden_set_unknown(struct golden *g, enum golden_reg r, const char *reason)
{
        char *copy = strdup(reason);

        if (!copy)
                return -ENOMEM;
        free(g->regs[r].unknown_reason);
        g->regs[r].present = true;
        g->regs[r].known = false;
        g->regs[r].unknown_reason = copy;
        return 0;
}

static int input_file_to_json(const struct golden_input_file *f, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o)
                return -ENOMEM;
        if ((f->path && json_add_string(o, "path", f->path) < 0) ||
            (f->have_sha256 && json_add_hex(o, "sha256", f->sha256, SHA256_LEN) < 0) ||
            (f->have_sha384 && json_add_hex(o, "sha384", f->sha384, SHA384_LEN) < 0))
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

static int event_to_json(const struct golden_event *ev, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_int(o, "rtmr", ev->rtmr);
        if (r >= 0)
                r = json_add_event_type(o, "type", ev->type);
        if (r >= 0)
                r = json_add_digest384(o, "digest", ev->digest_known ? ev->digest : NULL);
        if (r >= 0)
                r = json_add_string(o, "what", ev->what ? ev->what : "unknown");
        if (r >= 0 && ev->detail)
                r = json_add_string(o, "detail", ev->detail);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int golden_to_json(const struct golden *g, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_json_ json_object *prof = json_object_new_object();
        _cleanup_json_ json_object *in = json_object_new_object();
        _cleanup_json_ json_object *regs = json_object_new_object();
        _cleanup_json_ json_object *unknown = json_object_new_object();
        _cleanup_json_ json_object *events = json_object_new_array();
        json_object *f;
        int r = 0;

        if (!o || !prof || !in || !regs || !unknown || !events)
                return -ENOMEM;
        if (json_add_string(o, "schema", GOLDEN_SCHEMA) < 0 ||
            json_add_string(prof, "name", g->profile_name) < 0 ||
            json_add_string(prof, "platform", g->platform) < 0 ||
            json_add_string(prof, "edk2", g->edk2) < 0 || json_add_string(prof, "qemu", g->qemu) < 0 ||
            json_add_string(prof, "page_add", g->page_add) < 0 ||
            json_add(o, "profile", TAKE_PTR(prof)) < 0)
                return -ENOMEM;

        const struct {
                const char *key;
                const struct golden_input_file *file;
        } files[] = { { "firmware", &g->firmware }, { "kernel", &g->kernel }, { "initrd", &g->initrd },
                      { "disk", &g->disk } };
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                if (!files[i].file->path && !files[i].file->have_sha256 &&
                    !files[i].file->have_sha384)
                        continue;
                r = input_file_to_json(files[i].file, &f);
                if (r < 0 || json_add(in, files[i].key, f) < 0)
                        return -ENOMEM;
        }
        if (g->cmdline && json_add_string(in, "cmdline", g->cmdline) < 0)
                return -ENOMEM;
        if (g->memory) {
                char mem[32];

                size_format(g->memory, mem);
                if (json_add_string(in, "memory", mem) < 0)
                        return -ENOMEM;
        }
        if (g->vcpus && json_add_int(in, "vcpus", g->vcpus) < 0)
                return -ENOMEM;
        if (json_add(o, "inputs", TAKE_PTR(in)) < 0)
                return -ENOMEM;

        for (int i = 0; i < GOLDEN_NREGS; i++) {
                const struct golden_register *reg = &g->regs[i];

                if (!reg->present)
                        continue;
                r = reg->known ? json_add_hex(regs, reg_names[i], reg->value, SHA384_LEN)
                               : json_add(regs, reg_names[i], NULL);
                if (r >= 0 && !reg->known)
                        r = json_add_string(unknown, reg_names[i],
                                            reg->unknown_reason ? reg->unknown_reason
                                                                : "not computed");
                if (r < 0)
                        return r;
        }
        if (json_add(o, "registers", TAKE_PTR(regs)) < 0)
                return -ENOMEM;
        if (json_object_object_length(unknown) > 0 && json_add(o, "unknown", TAKE_PTR(unknown)) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < g->n_events; i++) {
                json_object *ev;

                r = event_to_json(&g->events[i], &ev);
                if (r < 0 || json_array_add(events, ev) < 0)
                        return -ENOMEM;
        }
        if (json_add(o, "events", TAKE_PTR(events)) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

int golden_save(const struct golden *g, const char *path, struct tdxh_err *e)
{
        _cleanup_json_ json_object *o = NULL;
        int r;

        r = golden_to_json(g, &o);
        if (r < 0)
                return r;
        return json_write(o, path, e);
}
