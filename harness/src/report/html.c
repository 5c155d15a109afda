/* One self-contained HTML page (styles inlined, no scripts, no external
 * assets): per scenario the checks, then per register its values, replay
 * status, causes, input checks and a table of golden against observed
 * events with the differing rows highlighted. Every piece of text is
 * escaped (escape.h), so event data cannot inject markup. */
#include <errno.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/event_type.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "report/escape.h"
#include "report/model.h"
#include "report_css.h"

static int put_text(struct buf *b, const char *s)
{
        return esc_xml(b, s, false);
}

static int put_badge(struct buf *b, const char *cls, const char *word)
{
        return buf_printf(b, "<span class=\"badge %s\">%s</span>", cls, word);
}

static int put_hex_code(struct buf *b, const uint8_t *v)
{
        char h[2 * SHA384_LEN + 1];

        hex_encode(v, SHA384_LEN, h);
        return buf_printf(b, "<code>%s</code>", h);
}

/* A digest cell: the first 16 hex digits, the whole value as a tooltip. */
static int put_digest_cell(struct buf *b, const struct diff_event *ev, const char *side)
{
        char h[2 * SHA384_LEN + 1];

        if (!ev)
                return buf_printf(b, "<td class=\"digest %s absent\">&#8212;</td>", side);
        if (!ev->digest_known)
                return buf_printf(b, "<td class=\"digest %s\">not predicted</td>", side);
        hex_encode(ev->digest, SHA384_LEN, h);
        return buf_printf(b, "<td class=\"digest %s\"><code title=\"%s\">%.16s&#8230;</code></td>", side, h, h);
}

static int put_pos_cell(struct buf *b, const struct diff_event *ev, const char *side)
{
        return ev ? buf_printf(b, "<td class=\"num %s\">%zu</td>", side, ev->pos)
                  : buf_printf(b, "<td class=\"num %s absent\">&#8212;</td>", side);
}

static int put_detail_cell(struct buf *b, const struct diff_event *g, const struct diff_event *o)
{
        int r = buf_puts(b, "<td class=\"detail\">");

        if (r >= 0 && g && g->detail && (!o || !o->detail || strcmp(g->detail, o->detail) != 0)) {
                r = put_text(b, g->detail);
                if (r >= 0 && o && o->detail)
                        r = buf_puts(b, " &#8594; ");
        }
        if (r >= 0 && o && o->detail)
                r = put_text(b, o->detail);
        return r < 0 ? r : buf_puts(b, "</td>");
}

static int put_event_row(struct buf *b, const struct diff_register *R, const struct align_row *row)
{
        const struct diff_event *g = row->a != ALIGN_NONE ? &R->golden_events[row->a] : NULL;
        const struct diff_event *o = row->b != ALIGN_NONE ? &R->observed_events[row->b] : NULL;
        const struct diff_event *ev = o ? o : g;
        const char *op = align_op_name(row->op);
        char type[40];
        int r;

        event_type_format(ev->type, type);
        r = buf_printf(b, "<tr class=\"row row-%s\" data-status=\"%s\"><td>%s</td>", op, op, op);
        if (r >= 0)
                r = put_pos_cell(b, g, "golden");
        if (r >= 0)
                r = put_pos_cell(b, o, "observed");
        if (r >= 0)
                r = buf_printf(b, "<td>%s</td><td>", type);
        if (r >= 0)
                r = put_text(b, diff_row_what(R, row));
        if (r >= 0)
                r = buf_puts(b, "</td>");
        if (r >= 0)
                r = put_digest_cell(b, g, "golden");
        if (r >= 0)
                r = put_digest_cell(b, o, "observed");
        if (r >= 0)
                r = put_detail_cell(b, g, o);
        return r < 0 ? r : buf_puts(b, "</tr>\n");
}

static int put_events(struct buf *b, const struct diff_register *R)
{
        int r;

        if (!R->compared)
                return 0;
        r = buf_printf(b, "<p class=\"meta\">%zu golden and %zu observed events: %zu same, %zu changed, "
                          "%zu inserted, %zu deleted, %zu not predicted.</p>\n",
                       R->n_golden, R->n_observed, R->n_same, R->n_changed, R->n_inserted,
                       R->n_deleted, R->n_unchecked);
        if (r >= 0)
                r = buf_puts(b, "<table class=\"events\">\n<thead><tr><th>status</th><th>golden #</th>"
                                "<th>observed #</th><th>type</th><th>what</th><th>golden digest</th>"
                                "<th>observed digest</th><th>detail</th></tr></thead>\n<tbody>\n");
        for (size_t i = 0; i < R->n_rows && r >= 0; i++)
                r = put_event_row(b, R, &R->rows[i]);
        return r < 0 ? r : buf_puts(b, "</tbody>\n</table>\n");
}

static int put_causes(struct buf *b, const struct explain_result *x, int reg)
{
        bool open = false;
        int r = 0;

        for (size_t i = 0; x && i < x->n_causes && r >= 0; i++) {
                const struct explain_cause *c = &x->causes[i];

                if (c->reg != reg)
                        continue;
                if (!open)
                        r = buf_puts(b, "<ul class=\"causes\">\n");
                open = true;
                if (r >= 0)
                        r = buf_printf(b, "<li class=\"cause conf-%s\" data-kind=\"%s\"><span class=\"conf\">%s</span> ",
                                       explain_confidence_name(c->confidence), explain_kind_name(c->kind),
                                       explain_confidence_name(c->confidence));
                if (r >= 0)
                        r = put_text(b, c->text);
                if (r >= 0)
                        r = buf_puts(b, "</li>\n");
        }
        return r >= 0 && open ? buf_puts(b, "</ul>\n") : r;
}

static int put_input_checks(struct buf *b, const struct explain_result *x, int reg)
{
        bool open = false;
        int r = 0;

        for (size_t i = 0; x && i < x->n_checks && r >= 0; i++) {
                const struct explain_input_check *c = &x->checks[i];

                if (c->reg != reg)
                        continue;
                if (!open)
                        r = buf_puts(b, "<ul class=\"inputs\">\n");
                open = true;
                if (r >= 0)
                        r = buf_printf(b, "<li class=\"%s\">", c->matched ? "input-ok" : "input-bad");
                if (r >= 0)
                        r = put_text(b, c->text);
                if (r >= 0)
                        r = buf_puts(b, "</li>\n");
        }
        return r >= 0 && open ? buf_puts(b, "</ul>\n") : r;
}

static int put_replay(struct buf *b, const struct diff_register *R)
{
        switch (R->replay) {
        case DIFF_REPLAY_OK:
                return buf_puts(b, "<dt>replay</dt><dd>the event log replays to the observed value</dd>\n");
        case DIFF_REPLAY_MISMATCH: {
                int r = buf_puts(b, "<dt>replay</dt><dd class=\"replay-bad\">the event log does NOT "
                                    "replay to the observed value; it gives ");

                if (r >= 0)
                        r = put_hex_code(b, R->replayed);
                return r < 0 ? r : buf_puts(b, "</dd>\n");
        }
        case DIFF_REPLAY_INCOMPLETE:
                return buf_printf(b, "<dt>replay</dt><dd>not possible: log event %zu has no SHA-384 "
                                     "digest</dd>\n",
                                  R->replay_missing_index);
        case DIFF_REPLAY_NONE:
                break;
        }
        return 0;
}

/* id: "s0" for a scenario's diff, "s0-c1" for its second comparison. */
static int put_register(struct buf *b, const char *id, const struct explain_result *x,
                        const struct diff_register *R)
{
        const char *st = diff_reg_status_name(R->status);
        int r;

        r = buf_printf(b, "<section class=\"register reg-%s\" id=\"%s-%s\" data-register=\"%s\" "
                          "data-status=\"%s\">\n<h3>%s ",
                       st, id, golden_reg_name(R->reg), golden_reg_name(R->reg), st, diff_reg_title(R->reg));
        if (r >= 0)
                r = put_badge(b, st, st);
        if (r >= 0)
                r = buf_puts(b, "</h3>\n<dl class=\"values\">\n<dt>golden</dt><dd>");
        if (r >= 0)
                r = R->golden_known ? put_hex_code(b, R->golden)
                                    : buf_puts(b, R->golden_listed ? "not predicted" : "not listed");
        if (r >= 0 && R->golden_unknown_reason) {
                r = buf_puts(b, " (");
                if (r >= 0)
                        r = put_text(b, R->golden_unknown_reason);
                if (r >= 0)
                        r = buf_puts(b, ")");
        }
        if (r >= 0)
                r = buf_puts(b, "</dd>\n<dt>observed</dt><dd>");
        if (r >= 0)
                r = R->observed_known ? put_hex_code(b, R->observed) : buf_puts(b, "not in the evidence");
        if (r >= 0 && R->observed_known)
                r = buf_puts(b, strcmp(R->observed_source, "log") == 0 ? " (replay of the event log)"
                                                                        : " (from the registers)");
        if (r >= 0)
                r = buf_puts(b, "</dd>\n");
        if (r >= 0)
                r = put_replay(b, R);
        if (r >= 0)
                r = buf_puts(b, "</dl>\n");
        if (r >= 0)
                r = put_causes(b, x, R->reg);
        if (r >= 0)
                r = put_input_checks(b, x, R->reg);
        if (r >= 0)
                r = put_events(b, R);
        return r < 0 ? r : buf_puts(b, "</section>\n");
}

static int put_checks(struct buf *b, const struct report_scenario *s)
{
        int r = buf_puts(b, "<table class=\"checks\">\n<thead><tr><th>check</th><th>result</th>"
                            "<th>message</th><th>time</th></tr></thead>\n<tbody>\n");

        for (size_t i = 0; i < s->n_checks && r >= 0; i++) {
                const struct report_check *c = &s->checks[i];
                const char *st = report_status_name(c->status);

                r = buf_printf(b, "<tr class=\"check check-%s\" data-status=\"%s\"><td>", st, st);
                if (r >= 0)
                        r = put_text(b, c->name);
                if (r >= 0)
                        r = buf_puts(b, "</td><td>");
                if (r >= 0)
                        r = put_badge(b, st, st);
                if (r >= 0)
                        r = buf_puts(b, "</td><td>");
                if (r >= 0)
                        r = put_text(b, c->message);
                if (r >= 0)
                        r = buf_printf(b, "</td><td class=\"num\">%.3f s</td></tr>\n", c->seconds);
        }
        if (r >= 0)
                r = buf_puts(b, "</tbody>\n</table>\n");
        /* Output of checks that are not about a register (those are shown
         * in full below). */
        for (size_t i = 0; i < s->n_checks && r >= 0; i++) {
                const struct report_check *c = &s->checks[i];

                if (!c->output || c->reg >= 0 || c->status == REPORT_PASS)
                        continue;
                r = buf_puts(b, "<details open><summary>");
                if (r >= 0)
                        r = put_text(b, c->name);
                if (r >= 0)
                        r = buf_puts(b, "</summary><pre>");
                if (r >= 0)
                        r = put_text(b, c->output);
                if (r >= 0)
                        r = buf_puts(b, "</pre></details>\n");
        }
        return r;
}

static int put_value_row(const char *name, const char *value, void *userdata)
{
        struct buf *b = userdata;
        int r = buf_puts(b, "<tr><th>");

        if (r >= 0)
                r = put_text(b, name);
        if (r >= 0)
                r = buf_puts(b, "</th><td><code>");
        if (r >= 0)
                r = put_text(b, value);
        return r < 0 ? r : buf_puts(b, "</code></td></tr>\n");
}

/* What the scenario vouched for (registers and input digests), shown on a
 * pass too: the values a release engineer publishes. */
static int put_values(struct buf *b, const struct report_scenario *s)
{
        _cleanup_json_ json_object *v = NULL;
        int r = report_scenario_values(s, &v);

        if (r < 0 || !v)
                return r;
        r = buf_puts(b, "<details class=\"values\"><summary>");
        if (r >= 0)
                r = put_text(b, report_values_title(s));
        if (r >= 0)
                r = buf_puts(b, "</summary>\n<table class=\"values\">\n");
        if (r >= 0)
                r = report_values_each(v, put_value_row, b);
        return r < 0 ? r : buf_puts(b, "</table>\n</details>\n");
}

/* The command that predicts what a mismatching scenario observed. */
static int put_reproduce(struct buf *b, const struct report_scenario *s)
{
        _cleanup_buf_ struct buf line = BUF_INIT;
        const char *cmd = report_reproduce_command(s);
        int r;

        if (!s->reproduce)
                return 0;
        r = report_reproduce_summary(s, &line);
        if (r >= 0)
                r = buf_puts(b, "<section class=\"reproduce\">\n<h3>reproduce</h3>\n<p>");
        if (r >= 0)
                r = put_text(b, line.data ? line.data : "");
        if (r >= 0)
                r = buf_puts(b, "</p>\n");
        if (r >= 0 && cmd) {
                r = buf_puts(b, "<pre><code>");
                if (r >= 0)
                        r = put_text(b, cmd);
                if (r >= 0)
                        r = buf_puts(b, "</code></pre>\n");
        }
        return r < 0 ? r : buf_puts(b, "</section>\n");
}

/* The causes about the whole evidence, then every register that was listed
 * or observed. */
static int put_diff(struct buf *b, const char *id, const struct diff_result *d,
                    const struct explain_result *x)
{
        int r = put_causes(b, x, EXPLAIN_ALL_REGISTERS);

        for (int i = 0; i < GOLDEN_NREGS && r >= 0; i++)
                if (d->regs[i].status != DIFF_REG_NOT_LISTED || d->regs[i].n_observed)
                        r = put_register(b, id, x, &d->regs[i]);
        return r;
}

static int put_scenario(struct buf *b, const struct report *rep, size_t si)
{
        const struct report_scenario *s = rep->scenarios[si];
        struct report_counts c;
        const char *st;
        int r;

        report_count(rep, s, &c);
        st = report_status_name(report_result(&c));
        r = buf_printf(b, "<section class=\"scenario\" id=\"scenario-%zu\" data-status=\"%s\">\n<h2>", si, st);
        if (r >= 0)
                r = put_badge(b, st, st);
        if (r >= 0)
                r = buf_putc(b, ' ');
        if (r >= 0)
                r = put_text(b, s->name);
        if (r >= 0)
                r = buf_printf(b, "</h2>\n<p class=\"meta\">%zu checks: %zu passed, %zu failed, %zu errors, "
                                  "%zu skipped",
                               c.checks, c.passed, c.failed, c.errors, c.skipped);
        if (r >= 0 && s->backend) {
                r = buf_puts(b, "; backend ");
                if (r >= 0)
                        r = put_text(b, s->backend);
        }
        if (r >= 0 && s->shard) {
                r = buf_puts(b, "; shard ");
                if (r >= 0)
                        r = put_text(b, s->shard);
        }
        if (r >= 0 && s->host) {
                r = buf_puts(b, "; ran on ");
                if (r >= 0)
                        r = put_text(b, s->host);
        }
        if (r >= 0 && s->diff && s->diff->profile) {
                r = buf_puts(b, "; golden profile ");
                if (r >= 0)
                        r = put_text(b, s->diff->profile);
        }
        if (r >= 0)
                r = buf_puts(b, ".</p>\n");
        if (r >= 0)
                r = put_checks(b, s);
        if (r >= 0)
                r = put_reproduce(b, s);
        if (r >= 0)
                r = put_values(b, s);
        if (r >= 0 && s->diff) {
                char id[32];

                snprintf(id, sizeof(id), "s%zu", si);
                r = put_diff(b, id, s->diff, s->explain);
        }
        for (size_t i = 0; i < s->n_comparisons && r >= 0; i++) {
                const struct report_comparison *cmp = &s->comparisons[i];
                char id[48];

                snprintf(id, sizeof(id), "s%zu-c%zu", si, i);
                r = buf_printf(b, "<section class=\"comparison\" id=\"%s\" data-match=\"%s\">\n<h3>", id,
                               cmp->diff.match ? "true" : "false");
                if (r >= 0)
                        r = put_text(b, cmp->label);
                if (r >= 0)
                        r = buf_putc(b, ' ');
                if (r >= 0)
                        r = put_badge(b, cmp->diff.match ? "match" : "mismatch",
                                      cmp->diff.match ? "match" : "mismatch");
                if (r >= 0 && cmp->diff.profile) {
                        r = buf_puts(b, "</h3>\n<p class=\"meta\">golden profile ");
                        if (r >= 0)
                                r = put_text(b, cmp->diff.profile);
                        if (r >= 0)
                                r = buf_puts(b, "</p>\n");
                } else if (r >= 0) {
                        r = buf_puts(b, "</h3>\n");
                }
                if (r >= 0)
                        r = put_diff(b, id, &cmp->diff, &cmp->explain);
                if (r >= 0)
                        r = buf_puts(b, "</section>\n");
        }
        return r < 0 ? r : buf_puts(b, "</section>\n");
}

int report_html(const struct report *rep, struct buf *out)
{
        struct report_counts c;
        const char *st;
        int r;

        report_count(rep, NULL, &c);
        st = report_status_name(report_result(&c));
        r = buf_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>");
        if (r >= 0)
                r = put_text(out, rep->title);
        if (r >= 0)
                r = buf_printf(out, " report</title>\n<style>\n%s</style>\n</head>\n<body data-result=\"%s\">\n"
                                    "<header>\n<h1>",
                               (const char *)report_css, st);
        if (r >= 0)
                r = put_text(out, rep->title);
        if (r >= 0)
                r = buf_putc(out, ' ');
        if (r >= 0)
                r = put_badge(out, st, st);
        if (r >= 0)
                r = buf_printf(out, "</h1>\n<p class=\"meta\" id=\"summary\">%zu scenarios, %zu checks: %zu passed, "
                                    "%zu failed, %zu errors, %zu skipped",
                               rep->n_scenarios, c.checks, c.passed, c.failed, c.errors, c.skipped);
        if (r >= 0 && rep->created) {
                r = buf_puts(out, "; created ");
                if (r >= 0)
                        r = put_text(out, rep->created);
        }
        if (r >= 0 && rep->tool_version) {
                r = buf_puts(out, " by tdxh ");
                if (r >= 0)
                        r = put_text(out, rep->tool_version);
        }
        if (r >= 0)
                r = buf_puts(out, ".</p>\n</header>\n<main>\n");
        for (size_t i = 0; i < rep->n_scenarios && r >= 0; i++)
                r = put_scenario(out, rep, i);
        return r < 0 ? r : buf_puts(out, "</main>\n</body>\n</html>\n");
}
