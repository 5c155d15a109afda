/* Renderings of a diff result: JSON (reports/SCHEMA.md) and text for people.
 * Both show the same things in the same order, so `--json` mirrors what a
 * person reads. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/event_type.h"
#include "core/json_event.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "core/utf8.h"
#include "compare/diff.h"

/* Rows worth showing: the differing and unchecked ones, and `context` rows
 * either side of them. show[] has n_rows entries. */
static void rows_to_show(const struct diff_register *R, size_t context, bool *show)
{
        for (size_t i = 0; i < R->n_rows; i++)
                show[i] = false;
        for (size_t i = 0; i < R->n_rows; i++) {
                size_t lo, hi;

                if (!diff_row_differs(&R->rows[i]) && R->rows[i].op != ALIGN_UNCHECKED)
                        continue;
                lo = i > context ? i - context : 0;
                hi = i + context < R->n_rows ? i + context : R->n_rows - 1;
                for (size_t j = lo; j <= hi; j++)
                        show[j] = true;
        }
}

static int event_to_json(const struct diff_event *ev, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_int(o, "pos", (int64_t)ev->pos);
        if (r >= 0)
                r = json_add_int(o, "index", (int64_t)ev->index);
        if (r >= 0)
                r = json_add_event_type(o, "type", ev->type);
        if (r >= 0)
                r = json_add_int(o, "type_value", ev->type);
        if (r >= 0)
                r = json_add_digest384(o, "digest", ev->digest_known ? ev->digest : NULL);
        if (r >= 0)
                r = json_add_string(o, "what", ev->what);
        if (r >= 0)
                r = json_add_string(o, "detail", ev->detail);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

static int add_event(json_object *row, const char *key, const struct diff_event *v, size_t i)
{
        json_object *ev = NULL;
        int r;

        if (i == ALIGN_NONE)
                return json_add(row, key, NULL);
        r = event_to_json(&v[i], &ev);
        return r < 0 ? r : json_add(row, key, ev);
}

static int rows_to_json(const struct diff_register *R, bool all_rows, json_object **ret)
{
        _cleanup_json_ json_object *arr = json_object_new_array();
        _cleanup_free_ bool *show = calloc(R->n_rows + 1, sizeof(bool));
        int r = 0;

        if (!arr || !show)
                return -ENOMEM;
        rows_to_show(R, 1, show);
        for (size_t i = 0; i < R->n_rows && r >= 0; i++) {
                json_object *row;

                if (!all_rows && !show[i])
                        continue;
                row = json_object_new_object();
                if (!row)
                        return -ENOMEM;
                r = json_add_int(row, "row", (int64_t)i);
                if (r >= 0)
                        r = json_add_string(row, "status", align_op_name(R->rows[i].op));
                if (r >= 0)
                        r = add_event(row, "golden", R->golden_events, R->rows[i].a);
                if (r >= 0)
                        r = add_event(row, "observed", R->observed_events, R->rows[i].b);
                if (r >= 0)
                        r = json_array_add(arr, row);
                else
                        json_object_put(row);
        }
        if (r < 0)
                return r;
        *ret = TAKE_PTR(arr);
        return 0;
}

static int add_hex_or_null(json_object *o, const char *key, bool known, const uint8_t *v)
{
        return known ? json_add_hex(o, key, v, SHA384_LEN) : json_add_string(o, key, NULL);
}

static int counts_to_json(const struct diff_register *R, json_object **ret)
{
        _cleanup_json_ json_object *c = json_object_new_object();
        int r;

        if (!c)
                return -ENOMEM;
        r = json_add_int(c, "golden", (int64_t)R->n_golden);
        if (r >= 0)
                r = json_add_int(c, "observed", (int64_t)R->n_observed);
        if (r >= 0)
                r = json_add_int(c, "same", (int64_t)R->n_same);
        if (r >= 0)
                r = json_add_int(c, "changed", (int64_t)R->n_changed);
        if (r >= 0)
                r = json_add_int(c, "inserted", (int64_t)R->n_inserted);
        if (r >= 0)
                r = json_add_int(c, "deleted", (int64_t)R->n_deleted);
        if (r >= 0)
                r = json_add_int(c, "unchecked", (int64_t)R->n_unchecked);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

static int replay_to_json(const struct diff_register *R, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        bool have_value = R->replay == DIFF_REPLAY_OK || R->replay == DIFF_REPLAY_MISMATCH;
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "status", diff_replay_name(R->replay));
        if (r >= 0)
                r = add_hex_or_null(o, "value", have_value, R->replayed);
        if (r >= 0)
                r = R->replay == DIFF_REPLAY_INCOMPLETE
                            ? json_add_int(o, "missing_digest_event", (int64_t)R->replay_missing_index)
                            : json_add_string(o, "missing_digest_event", NULL);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int diff_register_to_json(const struct diff_register *R, bool all_rows, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *sub = NULL;
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "name", golden_reg_name(R->reg));
        if (r >= 0)
                r = json_add_string(o, "status", diff_reg_status_name(R->status));
        if (r >= 0)
                r = add_hex_or_null(o, "golden", R->golden_known, R->golden);
        if (r >= 0)
                r = json_add_string(o, "golden_unknown_reason", R->golden_unknown_reason);
        if (r >= 0)
                r = R->golden_fold == DIFF_FOLD_NONE
                            ? json_add_string(o, "golden_consistent", NULL)
                            : json_add_bool(o, "golden_consistent", R->golden_fold == DIFF_FOLD_OK);
        if (r >= 0)
                r = add_hex_or_null(o, "observed", R->observed_known, R->observed);
        if (r >= 0)
                r = json_add_string(o, "observed_source", R->observed_source);
        if (r >= 0 && (r = replay_to_json(R, &sub)) >= 0)
                r = json_add(o, "replay", sub);
        if (r >= 0)
                r = json_add_bool(o, "events_compared", R->compared);
        if (r >= 0 && (r = counts_to_json(R, &sub)) >= 0)
                r = json_add(o, "counts", sub);
        if (r >= 0 && (r = rows_to_json(R, all_rows, &sub)) >= 0)
                r = json_add(o, "rows", sub);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int diff_to_json(const struct diff_result *d, bool all_rows, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_json_ json_object *ev = json_object_new_object();
        _cleanup_json_ json_object *regs = json_object_new_array();
        int r;

        if (!o || !ev || !regs)
                return -ENOMEM;
        r = json_add_string(o, "schema", DIFF_SCHEMA);
        if (r >= 0)
                r = json_add_bool(o, "match", d->match);
        if (r >= 0)
                r = json_add_string(o, "profile", d->profile);
        if (r >= 0)
                r = json_add_string(ev, "log", d->have_log ? (d->log_name ? d->log_name : "") : NULL);
        if (r >= 0)
                r = json_add_string(ev, "registers",
                                    d->have_registers ? (d->reg_source ? d->reg_source : "") : NULL);
        if (r >= 0)
                r = json_add_int(ev, "unmapped_events", (int64_t)d->n_unmapped);
        if (r >= 0)
                r = json_add(o, "evidence", TAKE_PTR(ev));
        for (int i = 0; i < GOLDEN_NREGS && r >= 0; i++) {
                json_object *reg = NULL;

                r = diff_register_to_json(&d->regs[i], all_rows, &reg);
                if (r >= 0)
                        r = json_array_add(regs, reg);
        }
        if (r >= 0)
                r = json_add(o, "registers", TAKE_PTR(regs));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

/* ---- text ---- */

static int put_hex(struct buf *b, const uint8_t *v, size_t n)
{
        char h[2 * SHA384_LEN + 1];

        hex_encode(v, n, h);
        return buf_puts(b, h);
}

/* At most max characters of sanitised text, cut at a character boundary. */
static int put_clipped(struct buf *b, const char *s, size_t max)
{
        const unsigned char *p = (const unsigned char *)s;
        size_t len = strlen(s), i = 0, chars = 0;

        while (i < len && chars < max) {
                uint32_t cp;
                size_t n = utf8_decode(p + i, len - i, &cp);

                i += n ? n : 1;
                chars++;
        }
        if (buf_append(b, s, i) < 0)
                return -ENOMEM;
        return i < len ? buf_puts(b, "...") : 0;
}

static int put_digest(struct buf *b, const struct diff_event *ev)
{
        int r;

        if (!ev->digest_known)
                return buf_puts(b, "(no digest)       ");
        r = put_hex(b, ev->digest, 8);
        return r < 0 ? r : buf_puts(b, "..");
}

static int put_detail(struct buf *b, const char *detail)
{
        int r = buf_putc(b, '\'');

        if (r >= 0)
                r = put_clipped(b, detail, 60);
        return r < 0 ? r : buf_putc(b, '\'');
}

static int put_pos(struct buf *b, const struct diff_event *v, size_t i, int width)
{
        return i == ALIGN_NONE ? buf_printf(b, " %*s", width, "-")
                               : buf_printf(b, " %*zu", width, v[i].pos);
}

/* One row: status, golden and observed positions, then the event; a changed
 * row shows both digests (and both texts when they differ). */
static int put_row(struct buf *b, const struct diff_register *R, const struct align_row *row)
{
        static const char marks[] = { [ALIGN_SAME] = '=',    [ALIGN_CHANGED] = '~',
                                      [ALIGN_UNCHECKED] = '?', [ALIGN_DELETED] = '-',
                                      [ALIGN_INSERTED] = '+' };
        const struct diff_event *g = row->a != ALIGN_NONE ? &R->golden_events[row->a] : NULL;
        const struct diff_event *o = row->b != ALIGN_NONE ? &R->observed_events[row->b] : NULL;
        const struct diff_event *ev = o ? o : g;
        const char *what;
        char type[40];
        int r;

        if (!ev)
                return -EINVAL;
        what = diff_row_what(R, row);
        event_type_format(ev->type, type);
        r = buf_printf(b, "    %c %-9s", marks[row->op], align_op_name(row->op));
        if (r >= 0)
                r = put_pos(b, R->golden_events, row->a, 6);
        if (r >= 0)
                r = put_pos(b, R->observed_events, row->b, 8);
        if (r >= 0)
                r = buf_printf(b, "  %-32s %-15s ", type, what);
        if (r >= 0)
                r = put_digest(b, g ? g : o);
        if (r >= 0 && g && o && row->op != ALIGN_SAME) {
                r = buf_puts(b, " -> ");
                if (r >= 0)
                        r = put_digest(b, o);
        }
        if (r >= 0 && row->op == ALIGN_SAME && !(o && o->detail) && g->detail) {
                r = buf_puts(b, "  ");
                if (r >= 0)
                        r = put_detail(b, g->detail);
        } else if (r >= 0 && g && g->detail && row->op != ALIGN_SAME &&
                   (!o || !o->detail || strcmp(g->detail, o->detail) != 0)) {
                r = buf_puts(b, "  ");
                if (r >= 0)
                        r = put_detail(b, g->detail);
                if (r >= 0 && o)
                        r = buf_puts(b, o->detail ? " ->" : " -> (no text in the log)");
        }
        if (r >= 0 && o && o->detail) {
                r = buf_puts(b, b->data[b->len - 1] == '>' ? " " : "  ");
                if (r >= 0)
                        r = put_detail(b, o->detail);
        }
        return r < 0 ? r : buf_putc(b, '\n');
}

static int put_rows(struct buf *b, const struct diff_register *R, size_t context)
{
        _cleanup_free_ bool *show = calloc(R->n_rows + 1, sizeof(bool));
        size_t hidden = 0;
        int r = 0;

        if (!show)
                return -ENOMEM;
        rows_to_show(R, context, show);
        for (size_t i = 0; i <= R->n_rows && r >= 0; i++) {
                if (i < R->n_rows && !show[i]) {
                        hidden++;
                        continue;
                }
                if (hidden)
                        r = buf_printf(b, "      ... %zu same event%s\n", hidden,
                                       hidden == 1 ? "" : "s");
                hidden = 0;
                if (r >= 0 && i < R->n_rows)
                        r = put_row(b, R, &R->rows[i]);
        }
        return r;
}

static int put_values(struct buf *b, const struct diff_register *R)
{
        int r = buf_puts(b, "  golden    ");

        if (r >= 0)
                r = R->golden_known ? put_hex(b, R->golden, SHA384_LEN)
                                    : buf_printf(b, "not predicted (%s)",
                                                 R->golden_unknown_reason ? R->golden_unknown_reason
                                                                          : "no reason given");
        if (r >= 0)
                r = buf_puts(b, "\n  observed  ");
        if (r >= 0)
                r = R->observed_known ? put_hex(b, R->observed, SHA384_LEN)
                                      : buf_puts(b, "not in the evidence");
        if (r >= 0 && R->observed_known)
                r = buf_puts(b, strcmp(R->observed_source, "log") == 0 ? " (replay of the event log)"
                                                                        : " (from the registers)");
        return r < 0 ? r : buf_putc(b, '\n');
}

static int put_replay(struct buf *b, const struct diff_register *R)
{
        int r = 0;

        switch (R->replay) {
        case DIFF_REPLAY_NONE:
                break;
        case DIFF_REPLAY_OK:
                r = buf_puts(b, "  the event log replays to the observed value\n");
                break;
        case DIFF_REPLAY_MISMATCH:
                r = buf_printf(b, "  THE EVENT LOG DOES NOT REPLAY to the observed value: it gives ");
                if (r >= 0)
                        r = put_hex(b, R->replayed, SHA384_LEN);
                if (r >= 0)
                        r = buf_printf(b, "\n  The log is incomplete or from another boot: nothing "
                                          "it says about %s can be trusted.\n",
                                       diff_reg_title(R->reg));
                break;
        case DIFF_REPLAY_INCOMPLETE:
                r = buf_printf(b, "  the event log cannot be replayed: log event %zu has no "
                                  "SHA-384 digest\n",
                               R->replay_missing_index);
                break;
        }
        if (r >= 0 && R->golden_fold == DIFF_FOLD_MISMATCH)
                r = buf_printf(b, "  the golden file contradicts itself: its %s events do not "
                                  "fold to its %s value\n",
                               diff_reg_title(R->reg), diff_reg_title(R->reg));
        return r;
}

int diff_format_register_text(const struct diff_register *R, size_t context, struct buf *out)
{
        int r;

        bool differs = R->n_changed + R->n_inserted + R->n_deleted > 0;

        switch (R->status) {
        case DIFF_REG_MATCH:
                if (R->replay == DIFF_REPLAY_MISMATCH || differs)
                        break; /* the whole block: the evidence disagrees with itself */
                r = buf_printf(out, "%s: match ", diff_reg_title(R->reg));
                if (r >= 0)
                        r = put_hex(out, R->golden, SHA384_LEN);
                if (r >= 0)
                        r = buf_putc(out, '\n');
                if (r >= 0 && R->replay != DIFF_REPLAY_OK)
                        r = put_replay(out, R);
                return r;
        case DIFF_REG_NOT_LISTED:
                return buf_printf(out, "%s: not in the golden file\n", diff_reg_title(R->reg));
        case DIFF_REG_NOT_OBSERVED:
                return buf_printf(out, "%s: not in the evidence (golden %s)\n",
                                  diff_reg_title(R->reg), R->golden_known ? "predicts it" : "unknown");
        case DIFF_REG_UNKNOWN:
                if (R->n_unchecked || differs || R->replay == DIFF_REPLAY_MISMATCH)
                        break;
                r = buf_printf(out, "%s: not predicted by the golden file (%s)", diff_reg_title(R->reg),
                               R->golden_unknown_reason ? R->golden_unknown_reason : "no reason given");
                if (r >= 0 && R->observed_known) {
                        r = buf_puts(out, "; observed ");
                        if (r >= 0)
                                r = put_hex(out, R->observed, SHA384_LEN);
                }
                return r < 0 ? r : buf_putc(out, '\n');
        case DIFF_REG_MISMATCH:
                break;
        }
        r = buf_printf(out, "%s: %s\n", diff_reg_title(R->reg),
                       R->status == DIFF_REG_MISMATCH ? "MISMATCH"
                       : R->status == DIFF_REG_MATCH  ? "registers match, events do not"
                                                      : "not predicted by the golden file");
        if (r >= 0)
                r = put_values(out, R);
        if (r >= 0)
                r = put_replay(out, R);
        if (r >= 0 && R->compared)
                r = buf_printf(out,
                               "  events: %zu golden, %zu observed: %zu changed, %zu inserted, "
                               "%zu deleted, %zu not predicted\n",
                               R->n_golden, R->n_observed, R->n_changed, R->n_inserted,
                               R->n_deleted, R->n_unchecked);
        if (r >= 0 && R->compared && R->n_rows)
                r = buf_printf(out, "    %-11s %6s %8s  %-32s %-15s digest\n", "status", "golden",
                               "observed", "type", "what");
        if (r >= 0 && R->compared)
                r = put_rows(out, R, context);
        return r;
}

int diff_format_preamble(const struct diff_result *d, struct buf *out)
{
        int r = 0;

        if (!d->n_not_replaying)
                return 0;
        r = buf_puts(out, "The event log does not replay to");
        for (int i = 0; i < GOLDEN_NREGS && r >= 0; i++)
                if (d->regs[i].replay == DIFF_REPLAY_MISMATCH)
                        r = buf_printf(out, " %s", diff_reg_title((enum golden_reg)i));
        return r < 0 ? r : buf_puts(out, " of the evidence: fix the evidence first.\n");
}

int diff_format_text(const struct diff_result *d, int only_reg, size_t context, struct buf *out)
{
        int r = 0;

        if (only_reg < 0)
                r = diff_format_preamble(d, out);
        for (int i = 0; i < GOLDEN_NREGS && r >= 0; i++)
                if (only_reg < 0 || only_reg == i)
                        r = diff_format_register_text(&d->regs[i], context, out);
        return r;
}

int diff_format_result(const struct diff_result *d, struct buf *out)
{
        size_t n = 0;
        int r;

        if (!d->match)
                return buf_puts(out, "result: the evidence does NOT match the golden file\n");
        r = buf_puts(out, "result: the evidence matches the golden file");
        for (int i = 0; i < GOLDEN_NREGS && r >= 0; i++)
                if (d->regs[i].status == DIFF_REG_UNKNOWN)
                        r = buf_printf(out, "%s%s", n++ ? ", " : " in every register it predicts (",
                                       diff_reg_title(d->regs[i].reg));
        if (r >= 0 && n)
                r = buf_printf(out, " not predicted)");
        return r < 0 ? r : buf_puts(out, "\n");
}
