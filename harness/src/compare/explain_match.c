/* The evidence against other predictions: the digests of the inputs a user
 * names (explain_inputs.h), and golden files computed for other platform
 * profiles. Says which input each observed event corresponds to, and which
 * profile the evidence matches. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/hex.h"
#include "core/utf8.h"
#include "compare/explain_internal.h"

/* "--kernel K" or "--kernel K, --memory 4G": the distinct inputs for what. */
static int inputs_for(const struct explain_inputs *in, const char *what, struct buf *out)
{
        int r = 0;

        for (size_t i = 0; i < in->n && r >= 0; i++) {
                bool seen = false;

                if (strcmp(in->v[i].what, what) != 0)
                        continue;
                for (size_t j = 0; j < i && !seen; j++)
                        seen = strcmp(in->v[j].what, what) == 0 && strcmp(in->v[j].input, in->v[i].input) == 0;
                if (!seen)
                        r = buf_printf(out, "%s%s", out->len ? ", " : "", in->v[i].input);
        }
        return r;
}

static int add_check(struct explain_result *x, const struct diff_register *R, size_t pos,
                     const char *what, const uint8_t *digest, const struct explain_inputs *in)
{
        const struct explain_candidate *m = explain_inputs_find(in, what, digest);
        _cleanup_buf_ struct buf names = BUF_INIT, text = BUF_INIT;
        struct explain_input_check c = { .reg = R->reg, .observed_pos = pos, .matched = m != NULL };
        struct explain_input_check *v;
        int r;

        r = inputs_for(in, what, &names);
        if (r >= 0)
                r = pos == ALIGN_NONE ? buf_printf(&text, "%s", diff_reg_title(R->reg))
                                      : buf_printf(&text, "%s event %zu (%s)", diff_reg_title(R->reg), pos, what);
        if (r >= 0 && m)
                r = buf_printf(&text, ": corresponds to %s%s%s%s", m->input, m->variant ? " (" : "",
                               m->variant ? m->variant : "", m->variant ? ")" : "");
        else if (r >= 0)
                r = buf_printf(&text, ": does not correspond to %s", names.data);
        if (r >= 0)
                r = utf8_sanitize_dup(text.data, &c.text);
        if (r >= 0)
                r = utf8_sanitize_dup(what, &c.what);
        if (r >= 0)
                r = utf8_sanitize_dup(m ? m->input : names.data, &c.input);
        if (r >= 0)
                r = utf8_sanitize_dup(m ? m->variant : NULL, &c.variant);
        if (r >= 0) {
                v = reallocarray(x->checks, x->n_checks + 1, sizeof(*v));
                if (v)
                        x->checks = v;
                else
                        r = -ENOMEM;
        }
        if (r < 0) {
                free(c.text);
                free(c.what);
                free(c.input);
                free(c.variant);
                return r;
        }
        x->checks[x->n_checks++] = c;
        return 0;
}

int explain_check_inputs(const struct diff_result *d, const struct explain_inputs *in,
                         struct explain_result *x)
{
        const struct diff_register *M = &d->regs[GOLDEN_MRTD];
        int r = 0;

        if (M->observed_known && explain_inputs_have(in, "mrtd"))
                r = add_check(x, M, ALIGN_NONE, "mrtd", M->observed, in);
        for (int reg = GOLDEN_RTMR0; reg < GOLDEN_NREGS && r >= 0; reg++) {
                const struct diff_register *R = &d->regs[reg];

                /* By row: a reader's label may be coarser than the golden
                 * file's for the same event. */
                for (size_t i = 0; i < R->n_rows && r >= 0; i++) {
                        const char *what = diff_row_what(R, &R->rows[i]);
                        const struct diff_event *o;

                        if (R->rows[i].b == ALIGN_NONE)
                                continue;
                        o = &R->observed_events[R->rows[i].b];
                        if (o->digest_known && explain_inputs_have(in, what))
                                r = add_check(x, R, o->pos, what, o->digest, in);
                }
                for (size_t i = 0; !R->compared && i < R->n_observed && r >= 0; i++) {
                        const struct diff_event *o = &R->observed_events[i];

                        if (o->digest_known && explain_inputs_have(in, o->what))
                                r = add_check(x, R, o->pos, o->what, o->digest, in);
                }
        }
        return r;
}

int explain_mrtd_inputs(const struct golden *g, const struct diff_result *d,
                        const struct explain_inputs *in, struct explain_result *x,
                        bool *ret_explained)
{
        const struct diff_register *M = &d->regs[GOLDEN_MRTD];
        const struct explain_candidate *m;
        struct cause_spec c = { .reg = GOLDEN_MRTD, .R = M, .row = ALIGN_NONE };
        _cleanup_buf_ struct buf names = BUF_INIT;
        int r;

        if (M->status != DIFF_REG_MISMATCH || !M->observed_known || !explain_inputs_have(in, "mrtd"))
                return 0;
        *ret_explained = true;
        m = explain_inputs_find(in, "mrtd", M->observed);
        if (m && m->variant && g->page_add && strcmp(m->variant, g->page_add) != 0) {
                c.kind = CAUSE_PAGE_ADD;
                c.confidence = EXPLAIN_CERTAIN;
                c.summary = "page-add pattern differs";
                return explain_add(x, &c,
                                   "MRTD equals %s measured with the %s page-add pattern, the golden "
                                   "file assumes %s: the host's KVM/QEMU adds the firmware pages in the "
                                   "other order",
                                   m->input, m->variant, g->page_add);
        }
        c.kind = CAUSE_FIRMWARE;
        if (m) {
                c.confidence = EXPLAIN_CERTAIN;
                c.summary = "firmware image changed";
                return explain_add(x, &c, "MRTD is that of %s%s%s%s; the golden file was computed "
                                          "from another firmware image",
                                   m->input, m->variant ? " (" : "", m->variant ? m->variant : "",
                                   m->variant ? ")" : "");
        }
        r = inputs_for(in, "mrtd", &names);
        if (r < 0)
                return r;
        c.confidence = EXPLAIN_LIKELY;
        c.summary = "firmware image changed";
        return explain_add(x, &c, "MRTD matches neither page-add pattern of %s: the TD runs another "
                                  "firmware image",
                           names.data);
}

/* Event rows equal, and rows in all, over the RTMRs of a diff. */
static void count_events(const struct diff_result *d, size_t *ret_same, size_t *ret_rows)
{
        *ret_same = *ret_rows = 0;
        for (int i = GOLDEN_RTMR0; i < GOLDEN_NREGS; i++) {
                *ret_same += d->regs[i].n_same;
                *ret_rows += d->regs[i].n_rows;
        }
}

static int add_profile(struct explain_result *x, const struct explain_alternative *alt,
                       const struct diff_result *ad)
{
        struct explain_profile_match *v = reallocarray(x->profiles, x->n_profiles + 1, sizeof(*v));
        struct explain_profile_match p = { .compared = ad->n_compared,
                                           .matched = ad->n_compared - ad->n_mismatched,
                                           .match = ad->match && ad->n_compared > 0 };

        if (!v)
                return -ENOMEM;
        x->profiles = v;
        count_events(ad, &p.events_matched, &p.events_compared);
        if (utf8_sanitize_dup(alt->profile ? alt->profile : "(unnamed)", &p.profile) < 0 ||
            utf8_sanitize_dup(alt->file, &p.file) < 0) {
                free(p.profile);
                return -ENOMEM;
        }
        x->profiles[x->n_profiles++] = p;
        return 0;
}

/* Best fitting first: a full match, then more registers equal, then more
 * events equal, then fewer rows that differ. */
static int cmp_fit(const void *pa, const void *pb)
{
        const struct explain_profile_match *a = pa, *b = pb;
        size_t da = a->events_compared - a->events_matched, db = b->events_compared - b->events_matched;

        if (a->match != b->match)
                return a->match ? -1 : 1;
        if (a->matched != b->matched)
                return a->matched > b->matched ? -1 : 1;
        if (a->events_matched != b->events_matched)
                return a->events_matched > b->events_matched ? -1 : 1;
        if (da != db)
                return da < db ? -1 : 1;
        return 0;
}

/* "PROFILE (FILE)" when a file is known: two golden files of one profile
 * are told apart. */
static int fit_label(const struct explain_profile_match *p, struct buf *out)
{
        return p->file ? buf_printf(out, "%s (%s)", p->profile, p->file) : buf_puts(out, p->profile);
}

int explain_profiles(const struct golden *g, const struct diff_observed *obs,
                     const struct diff_result *d, const struct explain_context *ctx,
                     struct explain_result *x, bool *ret_mrtd_explained)
{
        const struct diff_register *M = &d->regs[GOLDEN_MRTD];
        const struct explain_profile_match *best;
        struct cause_spec c = { .reg = EXPLAIN_ALL_REGISTERS, .row = ALIGN_NONE };
        const char *own = g->profile_name ? g->profile_name : "none named";
        _cleanup_buf_ struct buf label = BUF_INIT;
        size_t own_same, own_rows, own_regs = d->n_compared - d->n_mismatched;
        int r = 0;

        for (size_t i = 0; i < ctx->n_alternatives && r >= 0; i++) {
                const struct explain_alternative *alt = &ctx->alternatives[i];
                struct diff_result ad;

                r = diff_run(alt->golden, obs, &ad, NULL);
                if (r < 0)
                        return r;
                r = add_profile(x, alt, &ad);
                if (r >= 0 && !*ret_mrtd_explained && M->status == DIFF_REG_MISMATCH &&
                    ad.regs[GOLDEN_MRTD].status == DIFF_REG_MATCH && alt->golden->page_add &&
                    g->page_add && strcmp(alt->golden->page_add, g->page_add) != 0) {
                        struct cause_spec p = { .reg = GOLDEN_MRTD, .kind = CAUSE_PAGE_ADD,
                                                .confidence = EXPLAIN_CERTAIN, .R = M,
                                                .row = ALIGN_NONE,
                                                .summary = "page-add pattern differs" };

                        *ret_mrtd_explained = true;
                        r = explain_add(x, &p,
                                        "MRTD equals the prediction with the %s page-add pattern "
                                        "(profile %s), the golden file assumes %s: the host's "
                                        "KVM/QEMU adds the firmware pages in the other order",
                                        alt->golden->page_add, alt->profile, g->page_add);
                }
                diff_result_free(&ad);
        }
        if (r < 0)
                return r;
        if (x->n_profiles > 1)
                qsort(x->profiles, x->n_profiles, sizeof(*x->profiles), cmp_fit);
        if (d->match || x->n_profiles == 0)
                return 0;
        best = &x->profiles[0];
        r = fit_label(best, &label);
        if (r < 0)
                return r;
        count_events(d, &own_same, &own_rows);
        c.kind = CAUSE_PROFILE;
        if (best->match) {
                c.confidence = EXPLAIN_CERTAIN;
                c.summary = "the evidence matches another profile";
                return explain_add(x, &c,
                                   "all %zu compared registers match profile %s, not the golden "
                                   "file's profile (%s): compute the golden file for %s",
                                   best->compared, label.data, own, best->profile);
        }
        if (best->matched < own_regs || (best->matched == own_regs && best->events_matched <= own_same))
                return 0;
        c.confidence = EXPLAIN_POSSIBLE;
        c.summary = "another profile comes closer";
        return explain_add(x, &c,
                           "profile %s fits best: %zu of %zu registers and %zu of %zu events match, against "
                           "%zu registers and %zu of %zu events for the golden file's profile (%s); "
                           "the firmware or QEMU is likely of that generation: compute the golden "
                           "file for %s",
                           label.data, best->matched, best->compared, best->events_matched,
                           best->events_compared, own_regs, own_same, own_rows, own, best->profile);
}
