/* Merging the reports of several runs; see report_merge.h. */
#include "check/report_merge.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "report/model.h"
#include "tdxh_version.h"

struct input {
        const char *dir;
        struct report rep;
        int64_t index, count; /* the shard, 1/1 when the run was not sharded */
        json_object *cases;   /* borrowed from rep.run */
};

int report_json_path(const char *dir, char **ret)
{
        if (asprintf(ret, "%s/report/report.json", dir) < 0)
                return -ENOMEM;
        if (access(*ret, F_OK) == 0)
                return 0;
        free(*ret);
        return asprintf(ret, "%s/report.json", dir) < 0 ? -ENOMEM : 0;
}

static int load_input(const char *dir, struct input *in, struct tdxh_err *e)
{
        _cleanup_free_ char *path = NULL;
        json_object *shard, *v;
        int r;

        in->dir = dir;
        if (report_json_path(dir, &path) < 0)
                return -ENOMEM;
        r = report_load_json(path, &in->rep, e);
        if (r < 0)
                return r;
        if (!in->rep.run || !json_object_object_get_ex(in->rep.run, "cases", &in->cases) ||
            !json_object_is_type(in->cases, json_type_array))
                return err_setf(e, -EINVAL, "%s: the report does not list the run's cases (not "
                                "written by tdxh run)", path);
        in->index = in->count = 1;
        if (json_object_object_get_ex(in->rep.run, "shard", &shard) && shard) {
                if (!json_object_object_get_ex(shard, "index", &v) ||
                    (in->index = json_object_get_int64(v)) < 1 ||
                    !json_object_object_get_ex(shard, "count", &v) ||
                    (in->count = json_object_get_int64(v)) < in->index)
                        return err_setf(e, -EINVAL, "%s: run.shard is not {index, count}", path);
        }
        return 0;
}

static int by_shard(const void *a, const void *b)
{
        const struct input *x = a, *y = b;

        if (x->index != y->index)
                return x->index < y->index ? -1 : 1;
        return strcmp(x->dir, y->dir);
}

static int by_name(const void *a, const void *b)
{
        return strcmp((*(struct report_scenario *const *)a)->name,
                      (*(struct report_scenario *const *)b)->name);
}

/* Every shard 1..N exactly once, the same cases everywhere. */
static int check_shards(const struct input *in, size_t n, struct tdxh_err *e)
{
        int64_t count = in[0].count;

        for (size_t i = 0; i < n; i++) {
                if (in[i].count != count)
                        return err_setf(e, -EINVAL, "%s is shard %lld/%lld but %s is of %lld shards",
                                        in[i].dir, (long long)in[i].index, (long long)in[i].count,
                                        in[0].dir, (long long)count);
                if (i && in[i].index == in[i - 1].index)
                        return err_setf(e, -EINVAL, "shard %lld/%lld is given twice: %s and %s",
                                        (long long)in[i].index, (long long)count, in[i - 1].dir,
                                        in[i].dir);
                if (!json_object_equal(in[i].cases, in[0].cases))
                        return err_setf(e, -EINVAL, "%s and %s are not shards of one run (their "
                                        "cases differ)", in[0].dir, in[i].dir);
        }
        for (int64_t k = 1, i = 0; k <= count; k++) {
                if ((size_t)i < n && in[i].index == k) {
                        i++;
                        continue;
                }
                return err_setf(e, -EINVAL, "shard %lld/%lld is missing", (long long)k, (long long)count);
        }
        return 0;
}

/* Each case of the run exactly once among the merged scenarios (sorted). */
static int check_cases(const struct report *m, json_object *cases, struct tdxh_err *e)
{
        size_t n = json_object_array_length(cases);

        for (size_t i = 1; i < m->n_scenarios; i++)
                if (strcmp(m->scenarios[i]->name, m->scenarios[i - 1]->name) == 0)
                        return err_setf(e, -EINVAL, "case %s ran twice (shards %s and %s)",
                                        m->scenarios[i]->name,
                                        m->scenarios[i - 1]->shard ? m->scenarios[i - 1]->shard : "-",
                                        m->scenarios[i]->shard ? m->scenarios[i]->shard : "-");
        for (size_t i = 0; i < n; i++) {
                const char *c = json_object_get_string(json_object_array_get_idx(cases, i));
                bool found = false;

                for (size_t j = 0; j < m->n_scenarios && !found; j++)
                        found = strcmp(m->scenarios[j]->name, c) == 0;
                if (!found)
                        return err_setf(e, -EINVAL, "case %s did not run in any shard", c);
        }
        if (m->n_scenarios != n)
                return err_setf(e, -EINVAL, "the shards ran %zu cases, the run has %zu",
                                m->n_scenarios, n);
        return 0;
}

/* The merged report's run: no shard, the cases, and what was merged. */
static int merged_run(const struct input *in, size_t n, json_object **ret)
{
        _cleanup_json_ json_object *run = json_object_new_object(), *from = json_object_new_array();

        if (!run || !from || json_add(run, "shard", NULL) < 0 ||
            json_add(run, "cases", json_object_get(in[0].cases)) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_new_object();
                char shard[48];

                snprintf(shard, sizeof(shard), "%lld/%lld", (long long)in[i].index, (long long)in[i].count);
                if (!o || json_array_add(from, o) < 0 || json_add_string(o, "dir", in[i].dir) < 0 ||
                    json_add_string(o, "shard", shard) < 0 ||
                    json_add_string(o, "created", in[i].rep.created) < 0)
                        return -ENOMEM;
        }
        if (json_add(run, "merged", TAKE_PTR(from)) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(run);
        return 0;
}

int report_merge(const char *const *dirs, size_t n, const char *out_dir, struct tdxh_err *e)
{
        _cleanup_report_ struct report m = { 0 };
        _cleanup_json_ json_object *run = NULL;
        struct input *in = calloc(n ? n : 1, sizeof(*in));
        const char *created = NULL;
        struct report_counts c;
        int r = n ? 0 : err_setf(e, -EINVAL, "nothing to merge");

        if (!in)
                return -ENOMEM;
        for (size_t i = 0; i < n && r >= 0; i++)
                r = load_input(dirs[i], &in[i], e);
        if (r >= 0) {
                qsort(in, n, sizeof(*in), by_shard);
                r = check_shards(in, n, e);
        }
        for (size_t i = 0; i < n && r >= 0; i++)
                if (in[i].rep.created && (!created || strcmp(in[i].rep.created, created) > 0))
                        created = in[i].rep.created;
        if (r >= 0)
                r = report_init(&m, "tdxh report merge", TDXH_VERSION, created);
        /* The scenarios move from the inputs into the merged report. */
        for (size_t i = 0; i < n && r >= 0; i++) {
                struct report_scenario **v = reallocarray(m.scenarios, m.n_scenarios + in[i].rep.n_scenarios,
                                                          sizeof(*v));

                if (!v) {
                        r = -ENOMEM;
                        break;
                }
                m.scenarios = v;
                memcpy(v + m.n_scenarios, in[i].rep.scenarios, in[i].rep.n_scenarios * sizeof(*v));
                m.n_scenarios += in[i].rep.n_scenarios;
                in[i].rep.n_scenarios = 0;
        }
        if (r >= 0) {
                qsort(m.scenarios, m.n_scenarios, sizeof(*m.scenarios), by_name);
                r = check_cases(&m, in[0].cases, e);
        }
        if (r >= 0 && (r = merged_run(in, n, &run)) >= 0) {
                report_set_run(&m, run);
                r = report_write_dir(&m, out_dir, e);
        }
        for (size_t i = 0; i < n; i++)
                report_free(&in[i].rep);
        free(in);
        if (r < 0)
                return r;
        report_count(&m, NULL, &c);
        return c.failed ? TDXH_EXIT_MISMATCH : c.errors ? TDXH_EXIT_INFRA : TDXH_EXIT_OK;
}
