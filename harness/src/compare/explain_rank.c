/* What `tdxh explain` says, and in which order, once the rules have found
 * their causes: a register whose log does not replay keeps that cause alone
 * (the events of such a log prove nothing), identical causes of a register
 * (one per GRUB command of a boot path, one per secure-boot variable) become
 * one cause that counts them, and the rest is ranked so that the first line
 * of a register is the one to act on. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "compare/explain_internal.h"

/* Subjects named in a folded cause's text before "...". */
#define FOLD_NAMED 5
/* Longest subject quoted there. */
#define SUBJECT_MAX 40

/* Causes about the evidence itself come first in their register. */
static int kind_rank(enum explain_kind k)
{
        return k <= CAUSE_PAGE_ADD ? (int)k : CAUSE_PAGE_ADD + 1;
}

static size_t cause_pos(const struct explain_cause *c)
{
        return c->observed_pos != ALIGN_NONE ? c->observed_pos : c->golden_pos;
}

static bool foldable(const struct explain_cause *a, const struct explain_cause *b)
{
        return a->reg == b->reg && a->kind == b->kind && a->confidence == b->confidence &&
               a->row != ALIGN_NONE && b->row != ALIGN_NONE && strcmp(a->summary, b->summary) == 0;
}

/* Brings foldable causes together, in the order they were found. */
static int cmp_for_folding(const void *pa, const void *pb)
{
        const struct explain_cause *a = *(const struct explain_cause *const *)pa;
        const struct explain_cause *b = *(const struct explain_cause *const *)pb;
        int c;

        if (a->reg != b->reg)
                return a->reg < b->reg ? -1 : 1;
        if (a->kind != b->kind)
                return a->kind < b->kind ? -1 : 1;
        if (a->confidence != b->confidence)
                return a->confidence < b->confidence ? -1 : 1;
        c = strcmp(a->summary, b->summary);
        if (c)
                return c;
        return a < b ? -1 : a > b ? 1 : 0;
}

/* The order people read: register, evidence first, confidence, the cause
 * that accounts for the most differences, then the first event. */
static int cmp_for_reading(const void *pa, const void *pb)
{
        const struct explain_cause *a = *(const struct explain_cause *const *)pa;
        const struct explain_cause *b = *(const struct explain_cause *const *)pb;

        if (a->reg != b->reg)
                return a->reg < b->reg ? -1 : 1;
        if (kind_rank(a->kind) != kind_rank(b->kind))
                return kind_rank(a->kind) < kind_rank(b->kind) ? -1 : 1;
        if (a->confidence != b->confidence)
                return a->confidence < b->confidence ? -1 : 1;
        if (a->count != b->count)
                return a->count > b->count ? -1 : 1;
        if (a->row != b->row)
                return a->row < b->row ? -1 : 1;
        return a < b ? -1 : a > b ? 1 : 0;
}

static int sort_by(struct explain_result *x, int (*cmp)(const void *, const void *))
{
        _cleanup_free_ struct explain_cause **p = calloc(x->n_causes + 1, sizeof(*p));
        _cleanup_free_ struct explain_cause *sorted = calloc(x->n_causes + 1, sizeof(*sorted));

        if (!p || !sorted)
                return -ENOMEM;
        for (size_t i = 0; i < x->n_causes; i++)
                p[i] = &x->causes[i];
        qsort(p, x->n_causes, sizeof(*p), cmp);
        for (size_t i = 0; i < x->n_causes; i++)
                sorted[i] = *p[i];
        if (x->n_causes)
                memcpy(x->causes, sorted, x->n_causes * sizeof(*sorted));
        return 0;
}

static bool replay_failed(const struct explain_result *x, int reg)
{
        for (size_t i = 0; i < x->n_causes; i++)
                if (x->causes[i].reg == reg && x->causes[i].kind == CAUSE_LOG_NOT_REPLAYING)
                        return true;
        return false;
}

static void drop_untrusted(struct explain_result *x)
{
        size_t n = 0;

        for (size_t i = 0; i < x->n_causes; i++) {
                struct explain_cause *c = &x->causes[i];

                if (c->reg != EXPLAIN_ALL_REGISTERS && replay_failed(x, c->reg) &&
                    c->kind != CAUSE_LOG_NOT_REPLAYING && c->kind != CAUSE_GOLDEN_INCONSISTENT) {
                        explain_cause_clear(c);
                        continue;
                }
                x->causes[n++] = *c;
        }
        x->n_causes = n;
}

/* The text of a cause that stands for the n causes from first on. */
static int fold_text(const struct explain_cause *first, size_t n, struct buf *out)
{
        int r = buf_printf(out, "%s; and %zu more like it: ", first[0].text, n - 1);

        for (size_t k = 1; k < n && r >= 0; k++) {
                const struct explain_cause *c = &first[k];

                if (k > FOLD_NAMED) {
                        r = buf_puts(out, ", ...");
                        break;
                }
                if (k > 1)
                        r = buf_puts(out, ", ");
                if (r < 0)
                        break;
                if (c->subject)
                        r = buf_printf(out, "'%.*s%s'", SUBJECT_MAX, c->subject,
                                       strlen(c->subject) > SUBJECT_MAX ? "..." : "");
                else
                        r = buf_printf(out, "event %zu", cause_pos(c));
        }
        return r;
}

static int fold(struct explain_result *x)
{
        size_t n = 0;

        for (size_t i = 0; i < x->n_causes;) {
                struct explain_cause *c = &x->causes[i];
                size_t j = i + 1;

                while (j < x->n_causes && foldable(c, &x->causes[j]))
                        j++;
                c->positions = calloc(j - i, sizeof(*c->positions));
                if (!c->positions)
                        return -ENOMEM;
                for (size_t k = i; k < j; k++)
                        c->positions[k - i] = cause_pos(&x->causes[k]);
                c->count = j - i;
                if (j - i > 1) {
                        _cleanup_buf_ struct buf text = BUF_INIT;
                        int r = fold_text(c, j - i, &text);

                        if (r < 0)
                                return r;
                        free(c->text);
                        c->text = buf_detach(&text, NULL);
                        for (size_t k = i + 1; k < j; k++)
                                explain_cause_clear(&x->causes[k]);
                }
                x->causes[n++] = *c;
                i = j;
        }
        x->n_causes = n;
        return 0;
}

int explain_rank(struct explain_result *x)
{
        int r;

        drop_untrusted(x);
        r = sort_by(x, cmp_for_folding);
        if (r >= 0)
                r = fold(x);
        if (r >= 0)
                r = sort_by(x, cmp_for_reading);
        return r;
}
