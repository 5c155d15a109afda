/* `tdxh golden search` for people and for programs; see search.h. */
#include <errno.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "compare/search.h"

int search_format_text(const struct search_result *s, struct buf *out)
{
        int r = buf_printf(out, "searched %zu configurations in %.2f s:", s->n_tried, s->seconds);

        for (size_t i = 0; i < s->n_axes && r >= 0; i++)
                r = buf_printf(out, "%s %s (%zu tried)", i ? "," : "", s->axes[i].input, s->axes[i].tried);
        if (r >= 0)
                r = buf_puts(out, "\n");
        for (size_t i = 0; i < s->n_changes && r >= 0; i++) {
                const struct search_change *c = &s->changes[i];
                const char *q = strcmp(c->input, "cmdline") == 0 ? "'" : "";

                r = buf_printf(out, "%s changed: golden %s%s%s, observed %s%s%s", c->input, q,
                               c->golden ? c->golden : "none", q, q, c->found, q);
                if (r >= 0 && c->equally)
                        r = buf_printf(out, " (or, as far as the evidence tells, %s)", c->equally);
                if (r >= 0)
                        r = buf_putc(out, '\n');
        }
        for (int i = 0; i < GOLDEN_NREGS && r >= 0; i++)
                if (s->have[i])
                        r = buf_printf(out, "%-6s %s%s%s\n", diff_reg_title((enum golden_reg)i),
                                       s->same[i] ? "reproduced" : "NOT reproduced",
                                       s->unexplained[i] ? ": no configuration predicts " : "",
                                       s->unexplained[i] ? s->unexplained[i] : "");
        if (r >= 0)
                r = buf_printf(out, "%s\n", s->reproduced
                                                    ? (s->n_changes ? "result: these inputs reproduce the evidence"
                                                                    : "result: the golden file's own inputs "
                                                                      "reproduce the evidence")
                                                    : "result: no configuration tried reproduces every register "
                                                      "(a file that differs cannot be searched: give it, "
                                                      "e.g. --kernel, --initrd or --cmdline)");
        if (r >= 0 && s->reproduced)
                r = buf_printf(out, "predict it with:\n  %s\n", s->command);
        return r;
}

int search_to_json(const struct search_result *s, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *arr, *regs, *x;

        if (!o || json_add_string(o, "schema", "tdxh-search/1") < 0 ||
            json_add_bool(o, "reproduced", s->reproduced) < 0 ||
            json_add_int(o, "tried", (int64_t)s->n_tried) < 0 ||
            json_add(o, "seconds", json_object_new_double(s->seconds)) < 0 ||
            json_add_string(o, "command", s->reproduced ? s->command : NULL) < 0)
                return -ENOMEM;
        if (!(arr = json_object_new_array()) || json_add(o, "changes", arr) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_changes; i++)
                if (!(x = json_object_new_object()) || json_array_add(arr, x) < 0 ||
                    json_add_string(x, "input", s->changes[i].input) < 0 ||
                    json_add_string(x, "golden", s->changes[i].golden) < 0 ||
                    json_add_string(x, "observed", s->changes[i].found) < 0 ||
                    json_add_string(x, "equally", s->changes[i].equally) < 0)
                        return -ENOMEM;
        if (!(arr = json_object_new_array()) || json_add(o, "tried_inputs", arr) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_axes; i++)
                if (!(x = json_object_new_object()) || json_array_add(arr, x) < 0 ||
                    json_add_string(x, "input", s->axes[i].input) < 0 ||
                    json_add_int(x, "tried", (int64_t)s->axes[i].tried) < 0 ||
                    json_add_string(x, "best", s->axes[i].best) < 0)
                        return -ENOMEM;
        if (!(regs = json_object_new_object()) || json_add(o, "registers", regs) < 0)
                return -ENOMEM;
        for (int i = 0; i < GOLDEN_NREGS; i++) {
                if (!s->have[i])
                        continue;
                if (!(x = json_object_new_object()) || json_add(regs, golden_reg_name((enum golden_reg)i), x) < 0 ||
                    json_add_bool(x, "reproduced", s->same[i]) < 0 ||
                    json_add_string(x, "unexplained", s->unexplained[i]) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(o);
        return 0;
}
