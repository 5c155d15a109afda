/* The "reproduce" part of a mismatching scenario's report, in words every
 * writer shows the same way: what golden search found changed, and the
 * golden compute command that predicts the evidence. See
 * report_set_reproduce() in model.h. */
#include <errno.h>
#include <string.h>

#include "core/json_util.h"
#include "report/model.h"

const char *report_reproduce_command(const struct report_scenario *s)
{
        return s->reproduce ? json_get_string(s->reproduce, "command") : NULL;
}

int report_reproduce_summary(const struct report_scenario *s, struct buf *out)
{
        json_object *changes = NULL;
        const char *error;
        size_t n;
        int r = 0;

        if (!s->reproduce)
                return 0;
        if ((error = json_get_string(s->reproduce, "error")))
                return buf_printf(out, "the inputs could not be searched: %s", error);
        if (!json_object_object_get_ex(s->reproduce, "changes", &changes) ||
            !json_object_is_type(changes, json_type_array))
                return -EINVAL;
        n = json_object_array_length(changes);
        for (size_t i = 0; i < n && r >= 0; i++) {
                json_object *c = json_object_array_get_idx(changes, i);
                const char *golden = json_get_string(c, "golden");

                const char *input = json_get_string(c, "input");
                const char *q = input && strcmp(input, "cmdline") == 0 ? "'" : "";

                r = buf_printf(out, "%s%s changed: golden %s%s%s, observed %s%s%s", i ? "; " : "", input, q,
                               golden ? golden : "none", q, q, json_get_string(c, "observed"), q);
        }
        if (r >= 0 && !report_reproduce_command(s))
                r = buf_printf(out, "%sno configuration tried reproduces every register (a file that "
                                    "differs, such as the kernel, cannot be searched)",
                               n ? "; " : "");
        else if (r >= 0 && !n)
                r = buf_puts(out, "the files this run booted, with the golden file's other inputs, "
                                  "predict it");
        return r;
}
