/* JUnit XML in the form CI systems read (Jenkins, GitLab, GitHub test
 * reporters): one <testsuite> per scenario, one <testcase> per check, and
 * for a failed register check the register and event diff with its causes
 * in the <failure> body. */
#include <errno.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "report/escape.h"
#include "report/model.h"

static int put_attr(struct buf *b, const char *name, const char *value)
{
        int r;

        if (!value)
                return 0;
        r = buf_printf(b, " %s=\"", name);
        if (r >= 0)
                r = esc_xml(b, value, true);
        return r < 0 ? r : buf_putc(b, '"');
}

static int put_counts(struct buf *b, const struct report_counts *c, double seconds)
{
        return buf_printf(b, " tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\"",
                          c->checks, c->failed, c->errors, c->skipped, seconds);
}

static int put_property(struct buf *b, const char *name, const char *value)
{
        int r;

        if (!value)
                return 0;
        r = buf_puts(b, "      <property");
        if (r >= 0)
                r = put_attr(b, "name", name);
        if (r >= 0)
                r = put_attr(b, "value", value);
        return r < 0 ? r : buf_puts(b, "/>\n");
}

static int put_value_property(const char *name, const char *value, void *userdata)
{
        return put_property(userdata, name, value);
}

/* The registers and input digests, so that a CI system that keeps only
 * the JUnit file still knows what a passing run vouched for. */
static int put_values(struct buf *b, const struct report_scenario *s)
{
        _cleanup_json_ json_object *v = NULL;
        int r = report_scenario_values(s, &v);

        return r < 0 ? r : report_values_each(v, put_value_property, b);
}

static int put_testcase(struct buf *b, const struct report_scenario *s, const struct report_check *c)
{
        static const char *const element[] = { [REPORT_FAIL] = "failure", [REPORT_ERROR] = "error",
                                               [REPORT_SKIP] = "skipped" };
        int r = buf_puts(b, "    <testcase");

        if (r >= 0)
                r = put_attr(b, "name", c->name);
        if (r >= 0)
                r = buf_puts(b, " classname=\"tdxh.");
        if (r >= 0)
                r = esc_xml(b, s->name, true);
        if (r >= 0)
                r = buf_printf(b, "\" time=\"%.3f\"", c->seconds);
        if (r < 0 || c->status == REPORT_PASS)
                return r < 0 ? r : buf_puts(b, "/>\n");
        r = buf_printf(b, ">\n      <%s", element[c->status]);
        if (r >= 0)
                r = put_attr(b, "message", c->message ? c->message : report_status_name(c->status));
        if (r >= 0 && c->status != REPORT_SKIP)
                r = buf_printf(b, " type=\"%s\"", c->reg >= 0 ? "mismatch" : report_status_name(c->status));
        if (r >= 0 && !c->output)
                r = buf_puts(b, "/>\n");
        else if (r >= 0) {
                r = buf_putc(b, '>');
                if (r >= 0)
                        r = esc_xml(b, c->output, false);
                if (r >= 0)
                        r = buf_printf(b, "</%s>\n", element[c->status]);
        }
        return r < 0 ? r : buf_puts(b, "    </testcase>\n");
}

static int put_suite(struct buf *b, const struct report *rep, const struct report_scenario *s)
{
        struct report_counts c;
        int r;

        report_count(rep, s, &c);
        r = buf_puts(b, "  <testsuite");
        if (r >= 0)
                r = put_attr(b, "name", s->name);
        if (r >= 0)
                r = put_counts(b, &c, s->seconds);
        if (r >= 0)
                r = put_attr(b, "timestamp", s->started);
        if (r >= 0)
                r = buf_puts(b, ">\n    <properties>\n");
        if (r >= 0)
                r = put_property(b, "backend", s->backend);
        if (r >= 0 && s->shard)
                r = put_property(b, "shard", s->shard);
        if (r >= 0 && s->host)
                r = put_property(b, "host", s->host);
        if (r >= 0 && s->diff)
                r = put_property(b, "profile", s->diff->profile);
        if (r >= 0 && s->diff)
                r = put_property(b, "evidence", s->diff->reg_source ? s->diff->reg_source : s->diff->log_name);
        if (r >= 0)
                r = put_property(b, "tool_version", rep->tool_version);
        if (r >= 0)
                r = put_values(b, s);
        if (r >= 0 && s->reproduce) {
                _cleanup_buf_ struct buf line = BUF_INIT;

                r = report_reproduce_summary(s, &line);
                if (r >= 0)
                        r = put_property(b, "reproduce", line.data);
                if (r >= 0)
                        r = put_property(b, "reproduce.command", report_reproduce_command(s));
        }
        if (r >= 0)
                r = buf_puts(b, "    </properties>\n");
        for (size_t i = 0; i < s->n_checks && r >= 0; i++)
                r = put_testcase(b, s, &s->checks[i]);
        return r < 0 ? r : buf_puts(b, "  </testsuite>\n");
}

int report_junit(const struct report *rep, struct buf *out)
{
        struct report_counts c;
        double seconds = 0;
        int r;

        report_count(rep, NULL, &c);
        for (size_t i = 0; i < rep->n_scenarios; i++)
                seconds += rep->scenarios[i]->seconds;
        r = buf_puts(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites");
        if (r >= 0)
                r = put_attr(out, "name", rep->title);
        if (r >= 0)
                r = put_counts(out, &c, seconds);
        if (r >= 0)
                r = buf_puts(out, ">\n");
        for (size_t i = 0; i < rep->n_scenarios && r >= 0; i++)
                r = put_suite(out, rep, rep->scenarios[i]);
        return r < 0 ? r : buf_puts(out, "</testsuites>\n");
}
