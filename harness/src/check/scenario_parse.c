/* Scenario files (docs/scenarios.md) read into struct scenario: the file's
 * top-level keys and its list of steps, over the YAML tree of
 * scenario_yaml.c. One step is read by scenario_step.c, values by
 * scenario_values.c. Every refusal is one "FILE:LINE:COLUMN: message" line
 * pointing at the key or value at fault; keys are checked in the order they
 * are written, so the first problem in the file is the one reported. */
#include "check/scenario.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/scenario_step.h"
#include "check/scenario_values.h"
#include "check/scenario_yaml.h"
#include "core/cleanup.h"
#include "core/file.h"

#define SCENARIO_MAX_FILE (1u << 20)

static const char *const top_keys[] = { "name", "description", "image", "platform", "steps",
                                        "matrix" };

void scenario_free(struct scenario *s)
{
        if (!s)
                return;
        free(s->path);
        free(s->name);
        free(s->base_name);
        free(s->profile);
        scn_matrix_free(s);
        free(s->description);
        free(s->image);
        scn_platform_free(&s->platform);
        for (size_t i = 0; i < s->n_steps; i++)
                scn_step_free(&s->steps[i]);
        free(s->steps);
        *s = (struct scenario){ 0 };
}

void scenario_boot_platform(const struct scenario *s, const struct step *st,
                            struct step_platform *ret)
{
        const struct step_platform *own = &st->boot, *def = &s->platform;

        *ret = (struct step_platform){ 0 };
        if (st->kind != STEP_BOOT && st->kind != STEP_REBOOT)
                return;
        ret->memory = own->memory ? own->memory : def->memory;
        ret->vcpus = own->vcpus ? own->vcpus : def->vcpus;
        ret->cmdline = own->cmdline ? own->cmdline : def->cmdline;
        ret->kernel = own->kernel ? own->kernel : def->kernel;
        ret->initrd = own->initrd ? own->initrd : def->initrd;
        ret->initrd_tampered = own->initrd_tampered;
        ret->firmware = own->firmware ? own->firmware : def->firmware;
        ret->timeout_s = own->timeout_s ? own->timeout_s : def->timeout_s;
}

static int parse_steps(const struct scn_parser *p, const struct scn_node *key,
                       const struct scn_node *list, struct scenario *s)
{
        char d[SCN_DESCRIBE_MAX];
        int r;

        if (list->type != SCN_LIST)
                return scn_fail(&p->c, scn_where(key, list), "steps: expected a list of steps, got %s",
                                scn_describe(list, d));
        if (list->n == 0)
                return scn_fail(&p->c, list, "steps: the list is empty (a scenario needs at least "
                                "one step)");
        s->steps = calloc(list->n, sizeof(*s->steps));
        if (!s->steps)
                return -ENOMEM;
        for (size_t i = 0; i < list->n; i++) {
                /* counted first, so that scenario_free() releases a half-read step */
                s->n_steps++;
                r = scn_parse_step(p, &list->items[i], s->steps, i);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_top(const struct scn_parser *p, const struct scn_node *root, struct scenario *s)
{
        const struct scn_ctx *c = &p->c;
        char d[SCN_DESCRIBE_MAX];
        bool have_steps = false;
        int r = 0;

        if (root->type == SCN_NULL)
                /* an empty document's "node" sits after its last line: name the file's start */
                return scn_fail_at(c, *root->text ? root->line : 1, *root->text ? root->column : 1,
                                   "the file is empty (expected a mapping with name and steps)");
        if (root->type != SCN_MAP)
                return scn_fail(c, root, "expected a mapping with name and steps, got %s",
                                scn_describe(root, d));
        for (size_t i = 0; i < root->n && r >= 0; i++) {
                const struct scn_node *k = scn_key(root, i), *v = scn_value(root, i);

                r = scn_check_key(c, root, i);
                if (r < 0)
                        break;
                switch (scn_find(k->text, top_keys, ELEMENTSOF(top_keys))) {
                case 0:
                        r = scn_scenario_name(c, k, v, &s->name);
                        break;
                case 1:
                        r = scn_string_dup(c, k, v, &s->description);
                        break;
                case 2:
                        /* a build output, named from where tdxh runs */
                        r = scn_path(c, k, v, NULL, &s->image);
                        break;
                case 3:
                        r = scn_parse_platform(p, v, &s->platform);
                        break;
                case 4:
                        r = parse_steps(p, k, v, s);
                        have_steps = true;
                        break;
                case 5:
                        r = scn_parse_matrix(p, k, v, s);
                        break;
                default:
                        r = scn_unknown(c, k, "key", "", top_keys, ELEMENTSOF(top_keys));
                        break;
                }
        }
        if (r < 0)
                return r;
        if (!s->name)
                return scn_fail(c, root, "missing 'name' (the scenario's name)");
        if (!have_steps)
                return scn_fail(c, root, "missing 'steps' (the list of steps)");
        s->base_name = strdup(s->name);
        return s->base_name ? 0 : -ENOMEM;
}

int scenario_parse(const char *name, const char *text, size_t len, struct scenario *ret,
                   struct tdxh_err *e)
{
        _cleanup_(scn_node_free) struct scn_node root = { 0 };
        _cleanup_(scenario_free) struct scenario s = { 0 };
        _cleanup_free_ char *dir = NULL;
        struct scn_parser p = { .c = { .file = name ? name : "<scenario>", .e = e } };
        const char *slash = name ? strrchr(name, '/') : NULL;
        int r;

        if (slash) {
                /* "/x.yaml" lives in "/", "a/x.yaml" in "a" */
                dir = strndup(name, slash == name ? 1 : (size_t)(slash - name));
                if (!dir)
                        return -ENOMEM;
                p.dir = dir;
        }
        r = scn_yaml_load(&p.c, text, len, &root);
        if (r < 0)
                return r;
        s.path = strdup(p.c.file);
        if (!s.path)
                return -ENOMEM;
        r = parse_top(&p, &root, &s);
        if (r < 0)
                return r;
        *ret = s;
        s = (struct scenario){ 0 };
        return 0;
}

int scenario_load(const char *path, struct scenario *ret, struct tdxh_err *e)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r;

        r = file_read_all(path, SCENARIO_MAX_FILE, &text, &len, e);
        if (r < 0)
                return r;
        return scenario_parse(path, text, len, ret, e);
}
