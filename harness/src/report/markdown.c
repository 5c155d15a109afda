/* A Markdown summary for a CI job page (GitHub's $GITHUB_STEP_SUMMARY,
 * GitLab and Gitea render the same subset): the overall result, a table of
 * scenarios, then for each scenario its checks and, folded away, the text of
 * every failed check (register diff and causes). */
#include <errno.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "report/escape.h"
#include "report/model.h"

static const char *result_word(enum report_status s)
{
        return s == REPORT_PASS ? "pass" : s == REPORT_FAIL ? "**FAIL**" : s == REPORT_ERROR ? "**ERROR**" : "skip";
}

static int put_scenario_table(struct buf *b, const struct report *rep)
{
        int r = buf_puts(b, "| scenario | result | checks | passed | failed | errors | skipped |\n"
                            "|---|---|---:|---:|---:|---:|---:|\n");

        for (size_t i = 0; i < rep->n_scenarios && r >= 0; i++) {
                struct report_counts c;

                report_count(rep, rep->scenarios[i], &c);
                r = buf_puts(b, "| ");
                if (r >= 0)
                        r = esc_md(b, rep->scenarios[i]->name);
                if (r >= 0)
                        r = buf_printf(b, " | %s | %zu | %zu | %zu | %zu | %zu |\n",
                                       result_word(report_result(&c)), c.checks, c.passed, c.failed,
                                       c.errors, c.skipped);
        }
        return r;
}

static int put_checks(struct buf *b, const struct report_scenario *s)
{
        int r = buf_puts(b, "| check | result | message |\n|---|---|---|\n");

        for (size_t i = 0; i < s->n_checks && r >= 0; i++) {
                const struct report_check *c = &s->checks[i];

                r = buf_puts(b, "| ");
                if (r >= 0)
                        r = esc_md(b, c->name);
                if (r >= 0)
                        r = buf_printf(b, " | %s | ", result_word(c->status));
                if (r >= 0)
                        r = esc_md(b, c->message ? c->message : "");
                if (r >= 0)
                        r = buf_puts(b, " |\n");
        }
        for (size_t i = 0; i < s->n_checks && r >= 0; i++) {
                const struct report_check *c = &s->checks[i];

                if (!c->output || (c->status != REPORT_FAIL && c->status != REPORT_ERROR))
                        continue;
                r = buf_puts(b, "\n<details><summary>");
                if (r >= 0)
                        r = esc_md(b, c->name);
                if (r >= 0)
                        r = buf_puts(b, "</summary>\n\n");
                if (r >= 0)
                        r = esc_md_code_block(b, c->output);
                if (r >= 0)
                        r = buf_puts(b, "\n</details>\n");
        }
        return r;
}

static int put_value_row(const char *name, const char *value, void *userdata)
{
        struct buf *b = userdata;
        int r = buf_puts(b, "| ");

        if (r >= 0)
                r = esc_md(b, name);
        if (r >= 0)
                r = buf_puts(b, " | `");
        if (r >= 0)
                r = esc_md(b, value);
        return r < 0 ? r : buf_puts(b, "` |\n");
}

/* What the run vouched for, folded away: the table a release engineer
 * copies into release notes from a passing job. */
static int put_values(struct buf *b, const struct report_scenario *s)
{
        _cleanup_json_ json_object *v = NULL;
        int r = report_scenario_values(s, &v);

        if (r < 0 || !v)
                return r;
        r = buf_printf(b, "\n<details><summary>%s</summary>\n\n| value | |\n|---|---|\n",
                       report_values_title(s));
        if (r >= 0)
                r = report_values_each(v, put_value_row, b);
        return r < 0 ? r : buf_puts(b, "\n</details>\n");
}

/* A mismatch's reproduction: the command that predicts what was observed,
 * for the developer who picks the failure up. */
static int put_reproduce(struct buf *b, const struct report_scenario *s)
{
        _cleanup_buf_ struct buf line = BUF_INIT;
        const char *cmd = report_reproduce_command(s);
        int r;

        if (!s->reproduce)
                return 0;
        r = report_reproduce_summary(s, &line);
        if (r >= 0)
                r = buf_puts(b, "\n**Reproduce**: ");
        if (r >= 0)
                r = esc_md(b, line.data ? line.data : "");
        if (r >= 0)
                r = buf_puts(b, "\n");
        if (r >= 0 && cmd) {
                r = buf_puts(b, "\n");
                if (r >= 0)
                        r = esc_md_code_block(b, cmd);
        }
        return r;
}

int report_markdown(const struct report *rep, struct buf *out)
{
        struct report_counts c;
        int r;

        report_count(rep, NULL, &c);
        r = buf_puts(out, "## ");
        if (r >= 0)
                r = esc_md(out, rep->title);
        if (r >= 0)
                r = buf_printf(out, ": %s\n\n%zu checks: %zu passed, %zu failed, %zu errors, %zu skipped.\n\n",
                               result_word(report_result(&c)), c.checks, c.passed, c.failed, c.errors,
                               c.skipped);
        if (r >= 0)
                r = put_scenario_table(out, rep);
        for (size_t i = 0; i < rep->n_scenarios && r >= 0; i++) {
                const struct report_scenario *s = rep->scenarios[i];

                r = buf_puts(out, "\n### ");
                if (r >= 0)
                        r = esc_md(out, s->name);
                if (r >= 0 && (s->host || s->shard)) {
                        r = buf_puts(out, "\n\nRan on ");
                        if (r >= 0)
                                r = esc_md(out, s->host ? s->host : "an unrecorded host");
                        if (r >= 0 && s->shard)
                                r = buf_printf(out, " (shard %s)", s->shard);
                        if (r >= 0)
                                r = buf_putc(out, '.');
                }
                if (r >= 0 && s->diff && s->diff->profile) {
                        r = buf_puts(out, "\n\nGolden profile: ");
                        if (r >= 0)
                                r = esc_md(out, s->diff->profile);
                }
                if (r >= 0)
                        r = buf_puts(out, "\n\n");
                if (r >= 0)
                        r = put_checks(out, s);
                if (r >= 0)
                        r = put_reproduce(out, s);
                if (r >= 0)
                        r = put_values(out, s);
        }
        return r;
}
