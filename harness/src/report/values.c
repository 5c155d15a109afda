/* The values a scenario vouches for, gathered once for every writer: a
 * release engineer signs off registers and image digests from a passing
 * run, so the summary and the JUnit report carry them on a pass too, not
 * only the diff of a failure. See report_scenario_values() in model.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "report/model.h"

/* The registers of the scenario's own diff (tdxh boot), else of its last
 * comparison that saw registers (a scenario's measure steps). */
static const struct diff_result *observed_diff(const struct report_scenario *s)
{
        if (s->diff && s->diff->have_registers)
                return s->diff;
        for (size_t i = s->n_comparisons; i > 0; i--)
                if (s->comparisons[i - 1].diff.have_registers)
                        return &s->comparisons[i - 1].diff;
        return s->diff;
}

static int registers_json(const struct report_scenario *s, json_object **ret)
{
        const struct diff_result *d = observed_diff(s);
        _cleanup_json_ json_object *o = NULL;

        *ret = NULL;
        if (!d)
                return 0;
        for (int i = 0; i < GOLDEN_NREGS; i++) {
                const struct diff_register *R = &d->regs[i];

                if (!R->observed_known)
                        continue;
                if (!o && !(o = json_object_new_object()))
                        return -ENOMEM;
                if (json_add_hex(o, golden_reg_name((enum golden_reg)i), R->observed, SHA384_LEN) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

/* facts.host (a boot's facts) or facts.inputs (a scenario's). */
static json_object *facts_inputs(json_object *facts)
{
        json_object *v;

        if (facts && json_object_object_get_ex(facts, "inputs", &v) && json_object_is_type(v, json_type_object))
                return v;
        if (facts && json_object_object_get_ex(facts, "host", &v) && json_object_is_type(v, json_type_object))
                return v;
        return NULL;
}

static int copy_member(json_object *to, json_object *from, const char *key)
{
        json_object *v;

        if (!json_object_object_get_ex(from, key, &v) || !v)
                return 0;
        return json_add(to, key, json_object_get(v));
}

static int inputs_json(const struct report_scenario *s, json_object **ret)
{
        static const char *const files[] = { "firmware", "kernel", "initrd", "disk" };
        static const char *const plain[] = { "cmdline", "memory", "vcpus" };
        json_object *in = facts_inputs(s->facts);
        _cleanup_json_ json_object *o = NULL;

        *ret = NULL;
        if (!in)
                return 0;
        if (!(o = json_object_new_object()))
                return -ENOMEM;
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                const char *sha, *path;
                json_object *f;
                char key[32];

                snprintf(key, sizeof(key), "%s.sha256", files[i]);
                if (!(sha = json_get_string(in, key)))
                        continue;
                snprintf(key, sizeof(key), "%s.path", files[i]);
                path = json_get_string(in, key);
                if (!(f = json_object_new_object()) || json_add(o, files[i], f) < 0 ||
                    json_add_string(f, "path", path) < 0 || json_add_string(f, "sha256", sha) < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++)
                if (copy_member(o, in, plain[i]) < 0)
                        return -ENOMEM;
        if (json_object_object_length(o) > 0)
                *ret = TAKE_PTR(o);
        return 0;
}

int report_scenario_values(const struct report_scenario *s, json_object **ret)
{
        _cleanup_json_ json_object *o = NULL, *regs = NULL, *inputs = NULL;

        *ret = NULL;
        if (s->values) {
                *ret = json_object_get(s->values);
                return 0;
        }
        if (registers_json(s, &regs) < 0 || inputs_json(s, &inputs) < 0)
                return -ENOMEM;
        if (!regs && !inputs)
                return 0;
        if (!(o = json_object_new_object()) || (regs && json_add(o, "registers", TAKE_PTR(regs)) < 0) ||
            (inputs && json_add(o, "inputs", TAKE_PTR(inputs)) < 0))
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

int report_values_each(json_object *values, report_value_fn fn, void *userdata)
{
        json_object *regs = NULL, *in = NULL;
        int r = 0;

        if (!values)
                return 0;
        if (json_object_object_get_ex(values, "registers", &regs) && json_object_is_type(regs, json_type_object)) {
                json_object_object_foreach(regs, k, v) {
                        if (r >= 0 && json_object_is_type(v, json_type_string))
                                r = fn(k, json_object_get_string(v), userdata);
                }
        }
        if (r < 0 || !json_object_object_get_ex(values, "inputs", &in) || !json_object_is_type(in, json_type_object))
                return r;
        json_object_object_foreach(in, key, val) {
                char name[48];

                if (r < 0)
                        break;
                if (json_object_is_type(val, json_type_object)) {
                        const char *sha = json_get_string(val, "sha256");

                        snprintf(name, sizeof(name), "%s.sha256", key);
                        if (sha)
                                r = fn(name, sha, userdata);
                } else if (val) {
                        r = fn(key, json_object_get_string(val), userdata);
                }
        }
        return r;
}

const char *report_values_title(const struct report_scenario *s)
{
        /* Values from the fake platform must never pass for a TD's. */
        return s->backend && strcmp(s->backend, "fake") == 0 ? "values (fake platform: vTPM PCRs, not a TD's)"
                                                             : "values";
}
