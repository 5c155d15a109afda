/* A scenario's `matrix:`: the parameters (memory sizes, vCPU counts, golden
 * profiles, images) it runs over, read with positions like every other key,
 * and the expansion into cases, each a scenario of its own with a stable
 * name ("memory-size[memory=1G,vcpus=2]") that sharding sorts and reports
 * and merges match on. See docs/scenarios.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/scenario.h"
#include "check/scenario_step.h"
#include "check/scenario_values.h"
#include "core/buf.h"
#include "core/cleanup.h"

static const char *const matrix_keys[MATRIX_NKEYS] = { "memory", "vcpus", "profile", "image" };

void scn_matrix_free(struct scenario *s)
{
        for (int k = 0; k < MATRIX_NKEYS; k++) {
                struct matrix_axis *a = &s->matrix[k];

                for (size_t i = 0; a->text && i < a->n; i++)
                        free(a->text[i]);
                free(a->text);
                free(a->value);
                *a = (struct matrix_axis){ 0 };
        }
}

/* One value of axis k: checked as the same key of `platform:` is, kept as written. */
static int parse_value(const struct scn_parser *p, int k, const struct scn_node *key,
                       const struct scn_node *val, struct matrix_axis *a, size_t i)
{
        _cleanup_free_ char *checked = NULL;
        unsigned vcpus = 0;
        int r;

        switch (k) {
        case MATRIX_MEMORY:
                r = scn_size(&p->c, key, val, &a->value[i]);
                break;
        case MATRIX_VCPUS:
                r = scn_uint(&p->c, key, val, 1, 512, "a vCPU count from 1 to 512", &vcpus);
                a->value[i] = vcpus;
                break;
        case MATRIX_PROFILE:
                r = scn_profile_name(&p->c, key, val, &checked);
                break;
        default:
                /* a build output, named from where tdxh runs, as `image:` */
                r = scn_path(&p->c, key, val, NULL, &checked);
                break;
        }
        if (r < 0)
                return r;
        for (size_t j = 0; j < i; j++)
                if (strcmp(a->text[j], val->text) == 0)
                        return scn_fail(&p->c, val, "matrix: %s: '%s' is listed twice", key->text,
                                        val->text);
        a->text[i] = strdup(val->text);
        return a->text[i] ? 0 : -ENOMEM;
}

int scn_parse_matrix(const struct scn_parser *p, const struct scn_node *key,
                     const struct scn_node *map, struct scenario *s)
{
        char d[SCN_DESCRIBE_MAX];
        size_t cases = 1;
        int r;

        if (map->type != SCN_MAP || map->n == 0)
                return scn_fail(&p->c, scn_where(key, map),
                                "matrix: expected a mapping of memory, vcpus, profile or image to "
                                "lists of values, got %s", scn_describe(map, d));
        for (size_t i = 0; i < map->n; i++) {
                const struct scn_node *k = scn_key(map, i), *v = scn_value(map, i);
                struct matrix_axis *a;
                int which;

                r = scn_check_key(&p->c, map, i);
                if (r < 0)
                        return r;
                which = scn_find(k->text, matrix_keys, MATRIX_NKEYS);
                if (which < 0)
                        return scn_unknown(&p->c, k, "key", " in matrix", matrix_keys, MATRIX_NKEYS);
                if (v->type != SCN_LIST || v->n == 0)
                        return scn_fail(&p->c, scn_where(k, v), "matrix: %s: expected a non-empty "
                                        "list of values, got %s", k->text, scn_describe(v, d));
                a = &s->matrix[which];
                a->text = calloc(v->n, sizeof(*a->text));
                a->value = calloc(v->n, sizeof(*a->value));
                if (!a->text || !a->value)
                        return -ENOMEM;
                a->n = v->n;
                for (size_t j = 0; j < v->n; j++) {
                        r = parse_value(p, which, k, &v->items[j], a, j);
                        if (r < 0)
                                return r;
                }
                cases *= v->n;
                if (cases > SCENARIO_MAX_CASES)
                        return scn_fail(&p->c, v, "matrix: more than %d cases", SCENARIO_MAX_CASES);
        }
        return 0;
}

size_t scenario_n_cases(const struct scenario *s)
{
        size_t n = 1;

        for (int k = 0; k < MATRIX_NKEYS; k++)
                if (s->matrix[k].n)
                        n *= s->matrix[k].n;
        return n;
}

static int replace(char **field, const char *value)
{
        char *copy = strdup(value);

        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}

int scenario_apply_case(struct scenario *s, size_t i)
{
        _cleanup_buf_ struct buf name = BUF_INIT;
        size_t idx[MATRIX_NKEYS] = { 0 }, rest = i;
        bool first = true;
        int r;

        if (i >= scenario_n_cases(s))
                return -ERANGE;
        if (scenario_n_cases(s) == 1 && !s->matrix[MATRIX_MEMORY].n && !s->matrix[MATRIX_VCPUS].n &&
            !s->matrix[MATRIX_PROFILE].n && !s->matrix[MATRIX_IMAGE].n)
                return 0;
        /* The last key varies fastest, as nested loops over the keys would. */
        for (int k = MATRIX_NKEYS - 1; k >= 0; k--) {
                if (!s->matrix[k].n)
                        continue;
                idx[k] = rest % s->matrix[k].n;
                rest /= s->matrix[k].n;
        }
        r = buf_printf(&name, "%s[", s->base_name);
        for (int k = 0; k < MATRIX_NKEYS && r >= 0; k++) {
                const struct matrix_axis *a = &s->matrix[k];

                if (!a->n)
                        continue;
                r = buf_printf(&name, "%s%s=%s", first ? "" : ",", matrix_keys[k], a->text[idx[k]]);
                first = false;
                if (r < 0)
                        break;
                if (k == MATRIX_MEMORY)
                        s->platform.memory = a->value[idx[k]];
                else if (k == MATRIX_VCPUS)
                        s->platform.vcpus = (unsigned)a->value[idx[k]];
                else if (k == MATRIX_PROFILE)
                        r = replace(&s->profile, a->text[idx[k]]);
                else
                        r = replace(&s->image, a->text[idx[k]]);
        }
        if (r >= 0)
                r = buf_putc(&name, ']');
        if (r < 0)
                return r;
        free(s->name);
        s->name = buf_detach(&name, NULL);
        return s->name ? 0 : -ENOMEM;
}

int scenario_load_cases(const char *path, struct scenario **ret, size_t *ret_n, struct tdxh_err *e)
{
        _cleanup_(scenario_free) struct scenario first = { 0 };
        struct scenario *v;
        size_t n;
        int r;

        r = scenario_load(path, &first, e);
        if (r < 0)
                return r;
        n = scenario_n_cases(&first);
        v = calloc(n, sizeof(*v));
        if (!v)
                return -ENOMEM;
        /* Each case is read afresh: a scenario owns all of its strings, and
         * parsing again is simpler and as cheap as a deep copy. */
        v[0] = first;
        first = (struct scenario){ 0 };
        for (size_t i = 1; i < n && r >= 0; i++)
                r = scenario_load(path, &v[i], e);
        for (size_t i = 0; i < n && r >= 0; i++)
                r = scenario_apply_case(&v[i], i);
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        scenario_free(&v[i]);
                free(v);
                return r == -ENOMEM ? r : err_setf(e, r, "%s: cannot expand the matrix", path);
        }
        *ret = v;
        *ret_n = n;
        return 0;
}
