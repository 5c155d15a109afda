/* A report read back from its report.json (REPORT_SCHEMA), for the
 * commands that work on finished runs (`tdxh report merge`): scenarios,
 * their checks, facts, host and shard, and the report's run object. The
 * diffs and comparisons are not read back: their text is in the checks'
 * output, which the other writers show. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "core/utf8.h"
#include "report/model.h"

static double num(json_object *o, const char *key)
{
        json_object *v;

        return json_object_object_get_ex(o, key, &v) ? json_object_get_double(v) : 0;
}

static int status_of(const char *s, enum report_status *ret)
{
        for (int st = REPORT_PASS; st <= REPORT_SKIP; st++)
                if (s && strcmp(s, report_status_name((enum report_status)st)) == 0) {
                        *ret = (enum report_status)st;
                        return 0;
                }
        return -EINVAL;
}

static int reg_of(const char *name)
{
        for (int i = 0; name && i < GOLDEN_NREGS; i++)
                if (strcmp(name, golden_reg_name((enum golden_reg)i)) == 0)
                        return i;
        return -1;
}

static int load_scenario(struct report *rep, json_object *sc, const char *path, size_t k,
                         struct tdxh_err *e)
{
        struct report_scenario *s = NULL;
        json_object *checks, *facts, *values, *reproduce;
        int r;

        if (!json_get_string(sc, "name") || !json_object_object_get_ex(sc, "checks", &checks) ||
            !json_object_is_type(checks, json_type_array))
                return err_setf(e, -EINVAL, "%s: scenarios[%zu]: no name or checks", path, k);
        r = report_add_scenario(rep, json_get_string(sc, "name"), json_get_string(sc, "backend"), json_get_string(sc, "started"), &s);
        for (size_t i = 0; i < json_object_array_length(checks) && r >= 0; i++) {
                json_object *c = json_object_array_get_idx(checks, i);
                enum report_status st;

                if (status_of(json_get_string(c, "status"), &st) < 0)
                        return err_setf(e, -EINVAL, "%s: scenarios[%zu].checks[%zu]: no valid status",
                                        path, k, i);
                r = report_add_check(s, json_get_string(c, "name"), st, json_get_string(c, "message"), json_get_string(c, "output"),
                                     num(c, "seconds"), reg_of(json_get_string(c, "register")));
        }
        if (r < 0)
                return r;
        /* The checks' sum is not the scenario's time (boots, stops). */
        s->seconds = num(sc, "seconds");
        if (json_object_object_get_ex(sc, "facts", &facts) && json_object_is_type(facts, json_type_object))
                r = report_set_facts(s, facts);
        if (r >= 0 && json_object_object_get_ex(sc, "values", &values) &&
            json_object_is_type(values, json_type_object))
                s->values = json_object_get(values);
        if (r >= 0 && json_object_object_get_ex(sc, "reproduce", &reproduce) &&
            json_object_is_type(reproduce, json_type_object))
                report_set_reproduce(s, reproduce);
        if (r >= 0 && (json_get_string(sc, "host") || json_get_string(sc, "shard"))) {
                r = utf8_sanitize_dup(json_get_string(sc, "shard"), &s->shard);
                if (r >= 0)
                        r = utf8_sanitize_dup(json_get_string(sc, "host"), &s->host);
        }
        return r;
}

int report_load_json(const char *path, struct report *ret, struct tdxh_err *e)
{
        _cleanup_json_ json_object *root = json_object_from_file(path);
        _cleanup_report_ struct report rep = { 0 };
        json_object *scs, *run;
        const char *schema;
        int r;

        if (!root)
                return err_setf(e, -EINVAL, "%s: missing or not JSON", path);
        schema = json_get_string(root, "schema");
        if (!schema || strcmp(schema, REPORT_SCHEMA) != 0)
                return err_setf(e, -EINVAL, "%s: not a %s report", path, REPORT_SCHEMA);
        if (!json_object_object_get_ex(root, "scenarios", &scs) || !json_object_is_type(scs, json_type_array))
                return err_setf(e, -EINVAL, "%s: no scenarios list", path);
        r = report_init(&rep, json_get_string(root, "title"), json_get_string(root, "tool_version"), json_get_string(root, "created"));
        for (size_t k = 0; k < json_object_array_length(scs) && r >= 0; k++)
                r = load_scenario(&rep, json_object_array_get_idx(scs, k), path, k, e);
        if (r < 0)
                return r == -ENOMEM ? r : err_setf(e, r, "%s: cannot read the report", path);
        if (json_object_object_get_ex(root, "run", &run) && json_object_is_type(run, json_type_object))
                report_set_run(&rep, run);
        *ret = rep;
        rep = (struct report){ 0 };
        return 0;
}
