/* The JSON report (schema REPORT_SCHEMA, documented in reports/SCHEMA.md):
 * the same model as the other formats, for programs. Keys are written in a
 * fixed order and only added to within a schema version. */
#include <errno.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "report/model.h"

static int counts_to_json(const struct report_counts *c, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "result", report_status_name(report_result(c)));
        if (r >= 0)
                r = json_add_int(o, "checks", (int64_t)c->checks);
        if (r >= 0)
                r = json_add_int(o, "passed", (int64_t)c->passed);
        if (r >= 0)
                r = json_add_int(o, "failed", (int64_t)c->failed);
        if (r >= 0)
                r = json_add_int(o, "errors", (int64_t)c->errors);
        if (r >= 0)
                r = json_add_int(o, "skipped", (int64_t)c->skipped);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

static int check_to_json(const struct report_check *c, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "name", c->name);
        if (r >= 0)
                r = json_add_string(o, "status", report_status_name(c->status));
        if (r >= 0)
                r = json_add_string(o, "message", c->message);
        if (r >= 0)
                r = json_add_string(o, "output", c->output);
        if (r >= 0)
                r = json_add(o, "seconds", json_object_new_double(c->seconds));
        if (r >= 0)
                r = json_add_string(o, "register", c->reg >= 0 ? golden_reg_name(c->reg) : NULL);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

/* [{"step": label, "diff": explain JSON}] of a scenario's measure steps. */
static int comparisons_to_json(const struct report_scenario *s, json_object **ret)
{
        _cleanup_json_ json_object *arr = json_object_new_array();

        if (!arr)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_comparisons; i++) {
                json_object *c = json_object_new_object(), *d = NULL;

                if (!c || json_array_add(arr, c) < 0 ||
                    json_add_string(c, "step", s->comparisons[i].label) < 0 ||
                    explain_to_json(&s->comparisons[i].diff, &s->comparisons[i].explain, true, &d) < 0 ||
                    json_add(c, "diff", d) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(arr);
        return 0;
}

static int scenario_to_json(const struct report *rep, const struct report_scenario *s, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_json_ json_object *checks = json_object_new_array();
        json_object *sub = NULL;
        struct report_counts c;
        int r;

        if (!o || !checks)
                return -ENOMEM;
        report_count(rep, s, &c);
        r = json_add_string(o, "name", s->name);
        if (r >= 0)
                r = json_add_string(o, "backend", s->backend);
        if (r >= 0)
                r = json_add_string(o, "started", s->started);
        if (r >= 0)
                r = json_add(o, "seconds", json_object_new_double(s->seconds));
        if (r >= 0 && (r = counts_to_json(&c, &sub)) >= 0)
                r = json_add(o, "summary", sub);
        for (size_t i = 0; i < s->n_checks && r >= 0; i++) {
                r = check_to_json(&s->checks[i], &sub);
                if (r >= 0)
                        r = json_array_add(checks, sub);
        }
        if (r >= 0)
                r = json_add(o, "checks", TAKE_PTR(checks));
        if (r >= 0 && s->facts)
                r = json_add(o, "facts", json_object_get(s->facts));
        if (r >= 0 && (r = report_scenario_values(s, &sub)) >= 0 && sub)
                r = json_add(o, "values", sub);
        if (r >= 0 && s->reproduce)
                r = json_add(o, "reproduce", json_object_get(s->reproduce));
        if (r >= 0 && s->diff) {
                r = s->explain ? explain_to_json(s->diff, s->explain, true, &sub)
                               : diff_to_json(s->diff, true, &sub);
                if (r >= 0)
                        r = json_add(o, "diff", sub);
        } else if (r >= 0) {
                r = json_add(o, "diff", NULL);
        }
        if (r >= 0 && s->n_comparisons)
                r = comparisons_to_json(s, &sub) >= 0 ? json_add(o, "comparisons", sub) : -ENOMEM;
        if (r >= 0 && (s->host || s->shard)) {
                r = json_add_string(o, "host", s->host);
                if (r >= 0)
                        r = json_add_string(o, "shard", s->shard);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int report_to_json(const struct report *rep, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_json_ json_object *arr = json_object_new_array();
        json_object *sub = NULL;
        struct report_counts c;
        int r;

        if (!o || !arr)
                return -ENOMEM;
        report_count(rep, NULL, &c);
        r = json_add_string(o, "schema", REPORT_SCHEMA);
        if (r >= 0)
                r = json_add_string(o, "title", rep->title);
        if (r >= 0)
                r = json_add_string(o, "tool_version", rep->tool_version);
        if (r >= 0)
                r = json_add_string(o, "created", rep->created);
        if (r >= 0 && (r = counts_to_json(&c, &sub)) >= 0)
                r = json_add(o, "summary", sub);
        for (size_t i = 0; i < rep->n_scenarios && r >= 0; i++) {
                r = scenario_to_json(rep, rep->scenarios[i], &sub);
                if (r >= 0)
                        r = json_array_add(arr, sub);
        }
        if (r >= 0)
                r = json_add(o, "scenarios", TAKE_PTR(arr));
        if (r >= 0 && rep->run)
                r = json_add(o, "run", json_object_get(rep->run));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int report_write_json(const struct report *rep, const char *path, struct tdxh_err *e)
{
        _cleanup_json_ json_object *o = NULL;
        int r = report_to_json(rep, &o);

        if (r < 0)
                return err_setf(e, r, "%s: cannot render the report", path ? path : "-");
        return json_write(o, path, e);
}
