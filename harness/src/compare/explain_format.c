/* Renderings of an explanation: JSON (reports/SCHEMA.md, "explain") and the
 * text of `tdxh explain`, ordered by register, each register followed by its
 * causes and input checks. */
#include <errno.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/event_type.h"
#include "core/json_util.h"
#include "compare/explain_internal.h"

static int add_pos(json_object *o, const char *key, size_t v)
{
        return v == ALIGN_NONE ? json_add_string(o, key, NULL) : json_add_int(o, key, (int64_t)v);
}

static const char *reg_key(int reg)
{
        return reg == EXPLAIN_ALL_REGISTERS ? NULL : golden_reg_name((enum golden_reg)reg);
}

static int cause_to_json(const struct explain_cause *c, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        char type[40];
        int r;

        if (!o)
                return -ENOMEM;
        event_type_format(c->type, type);
        r = json_add_string(o, "register", reg_key(c->reg));
        if (r >= 0)
                r = json_add_string(o, "kind", explain_kind_name(c->kind));
        if (r >= 0)
                r = json_add_string(o, "confidence", explain_confidence_name(c->confidence));
        if (r >= 0)
                r = json_add_string(o, "summary", c->summary);
        if (r >= 0)
                r = json_add_string(o, "text", c->text);
        if (r >= 0)
                r = add_pos(o, "row", c->row);
        if (r >= 0)
                r = add_pos(o, "golden_event", c->golden_pos);
        if (r >= 0)
                r = add_pos(o, "observed_event", c->observed_pos);
        if (r >= 0)
                r = json_add_string(o, "what", c->what);
        if (r >= 0)
                r = json_add_string(o, "type", c->what ? type : NULL);
        if (r >= 0)
                r = json_add_string(o, "golden", c->golden_value);
        if (r >= 0)
                r = json_add_string(o, "observed", c->observed_value);
        if (r >= 0)
                r = json_add_string(o, "subject", c->subject);
        if (r >= 0)
                r = json_add_int(o, "count", (int64_t)c->count);
        if (r >= 0 && c->count > 0) {
                _cleanup_json_ json_object *v = json_object_new_array_ext((int)c->count);

                for (size_t i = 0; v && r >= 0 && i < c->count; i++)
                        if (json_object_array_add(v, json_object_new_int64((int64_t)c->positions[i])) < 0)
                                r = -ENOMEM;
                r = !v ? -ENOMEM : r >= 0 ? json_add(o, "events", TAKE_PTR(v)) : r;
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int explain_causes_to_json(const struct explain_result *x, int only_reg, json_object **ret)
{
        _cleanup_json_ json_object *arr = json_object_new_array();
        int r = 0;

        if (!arr)
                return -ENOMEM;
        for (size_t i = 0; i < x->n_causes && r >= 0; i++) {
                json_object *c = NULL;

                if (only_reg != EXPLAIN_ALL_REGISTERS && x->causes[i].reg != only_reg)
                        continue;
                r = cause_to_json(&x->causes[i], &c);
                if (r >= 0)
                        r = json_array_add(arr, c);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(arr);
        return 0;
}

static int check_to_json(const struct explain_input_check *c, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "register", reg_key(c->reg));
        if (r >= 0)
                r = add_pos(o, "observed_event", c->observed_pos);
        if (r >= 0)
                r = json_add_string(o, "what", c->what);
        if (r >= 0)
                r = json_add_bool(o, "matched", c->matched);
        if (r >= 0)
                r = json_add_string(o, "input", c->input);
        if (r >= 0)
                r = json_add_string(o, "variant", c->variant);
        if (r >= 0)
                r = json_add_string(o, "text", c->text);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

static int profile_to_json(const struct explain_profile_match *p, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "profile", p->profile);
        if (r >= 0)
                r = json_add_int(o, "matched", (int64_t)p->matched);
        if (r >= 0)
                r = json_add_int(o, "compared", (int64_t)p->compared);
        if (r >= 0)
                r = json_add_string(o, "file", p->file);
        if (r >= 0)
                r = json_add_int(o, "events_matched", (int64_t)p->events_matched);
        if (r >= 0)
                r = json_add_int(o, "events_compared", (int64_t)p->events_compared);
        if (r >= 0)
                r = json_add_bool(o, "match", p->match);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int explain_to_json(const struct diff_result *d, const struct explain_result *x, bool all_rows,
                    json_object **ret)
{
        _cleanup_json_ json_object *o = NULL;
        _cleanup_json_ json_object *checks = json_object_new_array();
        _cleanup_json_ json_object *profiles = json_object_new_array();
        json_object *causes = NULL;
        int r;

        if (!checks || !profiles)
                return -ENOMEM;
        r = diff_to_json(d, all_rows, &o);
        if (r >= 0)
                r = json_add_string(o, "schema", EXPLAIN_SCHEMA);
        if (r >= 0 && (r = explain_causes_to_json(x, EXPLAIN_ALL_REGISTERS, &causes)) >= 0)
                r = json_add(o, "causes", causes);
        for (size_t i = 0; i < x->n_checks && r >= 0; i++) {
                json_object *c = NULL;

                r = check_to_json(&x->checks[i], &c);
                if (r >= 0)
                        r = json_array_add(checks, c);
        }
        for (size_t i = 0; i < x->n_profiles && r >= 0; i++) {
                json_object *p = NULL;

                r = profile_to_json(&x->profiles[i], &p);
                if (r >= 0)
                        r = json_array_add(profiles, p);
        }
        if (r >= 0)
                r = json_add(o, "input_checks", TAKE_PTR(checks));
        if (r >= 0)
                r = json_add(o, "profiles", TAKE_PTR(profiles));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

static int put_causes(const struct explain_result *x, int reg, const char *indent, struct buf *out)
{
        int r = 0;
        bool first = true;

        for (size_t i = 0; i < x->n_causes && r >= 0; i++) {
                if (x->causes[i].reg != reg)
                        continue;
                if (first)
                        r = buf_printf(out, "%scauses:\n", indent);
                first = false;
                if (r >= 0)
                        r = buf_printf(out, "%s  [%s] %s\n", indent,
                                       explain_confidence_name(x->causes[i].confidence),
                                       x->causes[i].text);
        }
        return r;
}

static int put_checks(const struct explain_result *x, int reg, struct buf *out)
{
        int r = 0;
        bool first = true;

        for (size_t i = 0; i < x->n_checks && r >= 0; i++) {
                if (x->checks[i].reg != reg)
                        continue;
                if (first)
                        r = buf_puts(out, "  inputs:\n");
                first = false;
                if (r >= 0)
                        r = buf_printf(out, "    %s %s\n", x->checks[i].matched ? "ok " : "NOT",
                                       x->checks[i].text);
        }
        return r;
}

int explain_format_text(const struct diff_result *d, const struct explain_result *x, int only_reg,
                        struct buf *out)
{
        int r = 0;

        if (only_reg < 0) {
                r = diff_format_preamble(d, out);
                if (r >= 0)
                        r = put_causes(x, EXPLAIN_ALL_REGISTERS, "", out);
        }
        for (int i = 0; i < GOLDEN_NREGS && r >= 0; i++) {
                if (only_reg >= 0 && only_reg != i)
                        continue;
                r = diff_format_register_text(&d->regs[i], 1, out);
                if (r >= 0)
                        r = put_causes(x, i, "  ", out);
                if (r >= 0)
                        r = put_checks(x, i, out);
        }
        if (only_reg < 0 && x->n_profiles && r >= 0) {
                r = buf_puts(out, "profiles tried (best fitting first):\n");
                for (size_t i = 0; i < x->n_profiles && r >= 0; i++) {
                        const struct explain_profile_match *p = &x->profiles[i];

                        r = buf_printf(out, "  %-32s %zu of %zu registers, %zu of %zu events match%s%s%s\n",
                                       p->profile, p->matched, p->compared, p->events_matched,
                                       p->events_compared, p->match ? " (match)" : "",
                                       p->file ? ": " : "", p->file ? p->file : "");
                }
        }
        if (only_reg < 0 && r >= 0)
                r = diff_format_result(d, out);
        return r;
}
