/* `tdxh explain` on the real logs of harness/tests/data/real, each against
 * golden files recorded from the others (and from itself with RTMR1 and
 * RTMR2 not predicted, as a golden file computed without --kernel): the
 * explanation never gives the same cause twice for a register (35 GRUB
 * commands are one "boot path differs" with a count), and says nothing
 * about a register the golden file does not predict. */
#include <stdlib.h>
#include <string.h>

#include "compare/explain.h"
#include "compare/observed.h"
#include "testutil.h"

static const char *const evidence[][2] = {
        { "go-tdx-guest/ccel/ccel_data.dat", "go-tdx-guest/ccel/cos-113-tdx-quote.dat" },
        { "trustee/CCEL_data_ovmf", NULL },
        { "dstack/tdx-lite-getquote.json", NULL },
};
#define N_EVIDENCE (sizeof(evidence) / sizeof(evidence[0]))

static void load(size_t i, struct observed *o)
{
        char *a = fixture_path(evidence[i][0]), *b = evidence[i][1] ? fixture_path(evidence[i][1]) : NULL;
        const char *paths[] = { a, b };
        struct tdxh_err e = { 0 };

        ck_assert_msg(observed_load(paths, b ? 2 : 1, o, &e) == 0, "%s", e.msg);
        free(a);
        free(b);
}

/* RTMR1 and RTMR2 not predicted, their events dropped. */
static void unpredict_kernel(struct golden *g)
{
        size_t n = 0;

        for (size_t i = 0; i < g->n_events; i++) {
                if (g->events[i].rtmr == 1 || g->events[i].rtmr == 2) {
                        free(g->events[i].what);
                        free(g->events[i].detail);
                        continue;
                }
                g->events[n++] = g->events[i];
        }
        g->n_events = n;
        ck_assert_int_eq(golden_set_unknown(g, GOLDEN_RTMR1, "no --kernel given"), 0);
        ck_assert_int_eq(golden_set_unknown(g, GOLDEN_RTMR2, "no --kernel given"), 0);
}

static void check_explanation(const struct golden *g, const struct observed *o, const char *what)
{
        struct diff_observed view;
        struct diff_result d;
        struct explain_result x;
        struct tdxh_err e = { 0 };

        observed_view(o, &view);
        ck_assert_int_eq(diff_run(g, &view, &d, &e), 0);
        ck_assert_int_eq(explain_run(g, &view, &d, NULL, &x, &e), 0);
        for (size_t i = 0; i < x.n_causes; i++) {
                const struct explain_cause *c = &x.causes[i];

                ck_assert_msg(c->reg < 0 || g->regs[c->reg].known || !g->regs[c->reg].present,
                              "%s: a cause for an unpredicted register: %s", what, c->text);
                /* The same cause for two events of a register is one line
                 * with a count. */
                for (size_t k = 0; k < i; k++)
                        ck_assert_msg(x.causes[k].reg != c->reg || x.causes[k].kind != c->kind ||
                                              x.causes[k].confidence != c->confidence ||
                                              strcmp(x.causes[k].summary, c->summary) != 0,
                                      "%s: cause given twice: %s\nand: %s", what, x.causes[k].text,
                                      c->text);
        }
        explain_result_free(&x);
        diff_result_free(&d);
}

START_TEST(test_explain_real_logs_no_repeats_no_unpredicted_causes)
{
        struct observed obs[N_EVIDENCE];
        size_t pairs = 0;

        for (size_t i = 0; i < N_EVIDENCE; i++)
                load(i, &obs[i]);
        for (size_t gi = 0; gi < N_EVIDENCE; gi++) {
                struct golden g, partial;
                struct tdxh_err e = { 0 };

                ck_assert_msg(observed_to_golden(&obs[gi], "tdx-edk2-202302-qemu-10.1", &g, &e) == 0, "%s",
                              e.msg);
                ck_assert_msg(observed_to_golden(&obs[gi], "tdx-edk2-202302-qemu-10.1", &partial, &e) == 0,
                              "%s", e.msg);
                unpredict_kernel(&partial);
                for (size_t oi = 0; oi < N_EVIDENCE; oi++) {
                        char what[160];

                        snprintf(what, sizeof(what), "golden from %s, evidence %s", evidence[gi][0],
                                 evidence[oi][0]);
                        check_explanation(&g, &obs[oi], what);
                        snprintf(what, sizeof(what), "golden from %s without RTMR1/2, evidence %s",
                                 evidence[gi][0], evidence[oi][0]);
                        check_explanation(&partial, &obs[oi], what);
                        pairs += 2;
                }
                golden_free(&g);
                golden_free(&partial);
        }
        ck_assert_uint_eq(pairs, 2 * N_EVIDENCE * N_EVIDENCE);
        for (size_t i = 0; i < N_EVIDENCE; i++)
                observed_free(&obs[i]);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("explain_real");
        TCase *tc = tcase_create("explain_real");

        tcase_add_test(tc, test_explain_real_logs_no_repeats_no_unpredicted_causes);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
