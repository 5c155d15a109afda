/* Mismatches built from real data, end to end: the real CCEL log of
 * harness/tests/data/real/trustee/CCEL_data_ovmf parsed by the event-log reader,
 * a golden file recorded from it (observed_to_golden), then one thing
 * changed in the evidence; the named cause must come out. The inputs'
 * candidates come from the measurement engine (explain_inputs_compute) with
 * Debian's OVMF.fd, which has the same TD HOB layout as that boot. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/event_type.h"
#include "core/hex.h"
#include "compare/explain.h"
#include "compare/observed.h"
#include "measure/kernel_events.h"
#include "testutil.h"

#define OVMF "/usr/share/ovmf/OVMF.fd"

struct fx {
        struct observed obs;
        struct golden g;
        struct diff_result d;
        struct explain_result x;
        struct explain_inputs in;
        char *dir;
};

static void fx_init(struct fx *f)
{
        char *path = fixture_path("trustee/CCEL_data_ovmf");
        const char *paths[] = { path };
        struct tdxh_err e = { 0 };

        memset(f, 0, sizeof(*f));
        ck_assert_msg(observed_load(paths, 1, &f->obs, &e) == 0, "%s", e.msg);
        ck_assert_uint_eq(f->obs.log.n_events, 20);
        ck_assert_msg(observed_to_golden(&f->obs, "tdx-edk2-202302-qemu-10.1", &f->g, &e) == 0, "%s", e.msg);
        f->g.memory = 2ull << 30;
        f->dir = tmpdir_make();
        free(path);
}

static void fx_explain(struct fx *f, const struct explain_input_args *args)
{
        struct explain_context ctx = { .kernel_header_patched = -1 };
        struct diff_observed view;
        struct tdxh_err e = { 0 };

        if (args) {
                ck_assert_msg(explain_inputs_compute(args, &f->g, &f->in, &e) == 0, "%s", e.msg);
                ctx.inputs = &f->in;
        }
        observed_view(&f->obs, &view);
        ck_assert_int_eq(diff_run(&f->g, &view, &f->d, &e), 0);
        ck_assert(!f->d.match);
        ck_assert_int_eq(explain_run(&f->g, &view, &f->d, &ctx, &f->x, &e), 0);
}

static void fx_done(struct fx *f)
{
        explain_result_free(&f->x);
        diff_result_free(&f->d);
        explain_inputs_free(&f->in);
        golden_free(&f->g);
        observed_free(&f->obs);
        tmpdir_remove(f->dir);
}

static struct evlog_event *log_event(struct fx *f, const char *what, const char *detail_prefix)
{
        for (size_t i = 0; i < f->obs.log.n_events; i++) {
                struct evlog_event *ev = &f->obs.log.events[i];

                if (strcmp(ev->what, what) == 0 &&
                    (!detail_prefix || (ev->detail && strncmp(ev->detail, detail_prefix, strlen(detail_prefix)) == 0)))
                        return ev;
        }
        ck_abort_msg("no %s event", what);
        return NULL;
}

static struct golden_event *golden_event(struct fx *f, const char *what)
{
        for (size_t i = 0; i < f->g.n_events; i++)
                if (strcmp(f->g.events[i].what, what) == 0)
                        return &f->g.events[i];
        ck_abort_msg("golden has no %s event", what);
        return NULL;
}

static const struct explain_cause *only_cause(const struct fx *f)
{
        ck_assert_msg(f->x.n_causes == 1, "%zu causes, first: %s", f->x.n_causes,
                      f->x.n_causes ? f->x.causes[0].text : "");
        return &f->x.causes[0];
}

/* Drops event i from the log, as if the firmware had not measured it. */
static void log_remove(struct evlog *l, struct evlog_event *ev)
{
        size_t i = (size_t)(ev - l->events);

        evlog_event_free(l, ev);
        memmove(&l->events[i], &l->events[i + 1], (l->n_events - i - 1) * sizeof(*ev));
        l->n_events--;
}

static void golden_fold(struct golden *g, int rtmr)
{
        memset(g->regs[GOLDEN_RTMR0 + rtmr].value, 0, SHA384_LEN);
        for (size_t i = 0; i < g->n_events; i++)
                if (g->events[i].rtmr == rtmr)
                        rtmr_extend(g->regs[GOLDEN_RTMR0 + rtmr].value, g->events[i].digest);
}

START_TEST(test_fixture_one_digest_changed)
{
        struct fx f;
        const struct explain_cause *c;

        fx_init(&f);
        log_event(&f, "kernel", NULL)->sha384[7] ^= 0x01;
        fx_explain(&f, NULL);
        c = only_cause(&f);
        ck_assert_int_eq(c->kind, CAUSE_KERNEL);
        ck_assert_int_eq(c->reg, GOLDEN_RTMR1);
        ck_assert_uint_eq(c->observed_pos, 0);
        ck_assert_ptr_nonnull(strstr(c->text, "RTMR1 event 0 (kernel, EV_EFI_BOOT_SERVICES_APPLICATION)"));
        fx_done(&f);
}
END_TEST

START_TEST(test_fixture_event_removed)
{
        struct fx f;
        const struct explain_cause *c;

        fx_init(&f);
        log_remove(&f.obs.log, log_event(&f, "secureboot-var", "db"));
        fx_explain(&f, NULL);
        c = only_cause(&f);
        ck_assert_int_eq(c->kind, CAUSE_SECURE_BOOT);
        ck_assert_uint_eq(c->golden_pos, 5);
        ck_assert_ptr_nonnull(strstr(c->text, "variable db (empty) missing"));
        fx_done(&f);
}
END_TEST

START_TEST(test_fixture_event_inserted)
{
        struct fx f;
        struct evlog *l;
        struct evlog_event *at;
        const char *text = "Exit Boot Services Returned with Failure";
        size_t i;

        fx_init(&f);
        l = &f.obs.log;
        at = log_event(&f, "action", "Exit Boot Services Invocation");
        i = (size_t)(at - l->events) + 1;
        l->events = realloc(l->events, (l->n_events + 1) * sizeof(*l->events));
        ck_assert_ptr_nonnull(l->events);
        memmove(&l->events[i + 1], &l->events[i], (l->n_events - i) * sizeof(*l->events));
        l->n_events++;
        l->events[i] = (struct evlog_event){ .rtmr = 1, .pcr = 2, .type = EV_EFI_ACTION, .has_sha384 = true,
                                             .what = "action", .detail = strdup(text) };
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, text, strlen(text), l->events[i].sha384), 0);
        fx_explain(&f, NULL);
        ck_assert_int_eq(only_cause(&f)->kind, CAUSE_BOOT_FLOW);
        ck_assert_ptr_nonnull(strstr(only_cause(&f)->text, "ExitBootServices failed and was retried"));
        fx_done(&f);
}
END_TEST

START_TEST(test_fixture_golden_2g_evidence_4g)
{
        struct fx f;
        struct explain_input_args args = { .memory = 4ull << 30 };
        const struct explain_cause *c;
        uint8_t hob4[SHA384_LEN];

        ck_assert_msg(access(OVMF, R_OK) == 0, "%s: Debian's ovmf package is needed", OVMF);
        fx_init(&f);
        f.g.firmware.path = strdup(OVMF);
        /* The evidence of a 4 GiB boot: the TD HOB the engine computes for
         * 4 GiB (TDX-REFERENCE §3.2 gives 5b684faf... for it). */
        {
                struct explain_inputs tmp = EXPLAIN_INPUTS_INIT;
                struct tdxh_err e = { 0 };

                ck_assert_msg(explain_inputs_compute(&args, &f.g, &tmp, &e) == 0, "%s", e.msg);
                ck_assert_uint_eq(tmp.n, 1);
                memcpy(hob4, tmp.v[0].digest, SHA384_LEN);
                explain_inputs_free(&tmp);
        }
        {
                char h[2 * SHA384_LEN + 1];

                hex_encode(hob4, SHA384_LEN, h);
                ck_assert_str_eq(h, "5b684faf8d02a733945f821d9cdd170802e72103977acf66949c9382500283adc9"
                                    "0cbec57f8e7653f8bee1cab83689de");
        }
        memcpy(log_event(&f, "td-hob", NULL)->sha384, hob4, SHA384_LEN);
        fx_explain(&f, &args);
        c = only_cause(&f);
        ck_assert_int_eq(c->kind, CAUSE_MEMORY);
        ck_assert_int_eq(c->confidence, EXPLAIN_CERTAIN);
        ck_assert_str_eq(c->text, "RTMR0 event 0 (td-hob, EV_EFI_HANDOFF_TABLES2): memory size changed: "
                                  "golden 2G, observed 4G: the TD HOB of a 4G guest is the observed one "
                                  "(it describes the guest memory map)");
        ck_assert_uint_eq(f.x.n_checks, 1);
        ck_assert_str_eq(f.x.checks[0].text, "RTMR0 event 0 (td-hob): corresponds to --memory 4G");
        fx_done(&f);
}
END_TEST

START_TEST(test_fixture_cmdline_changed_by_one_character)
{
        struct fx f;
        struct explain_input_args args = { .cmdline = "console=ttyS0 quiet2" };
        struct rtmr2_flags suffix = { 0 };
        struct golden_event *ge;
        char *text = NULL;
        uint8_t *wide = NULL;
        size_t size;
        const struct explain_cause *c;

        fx_init(&f);
        /* The golden file as computed for "console=ttyS0 quiet" with an initrd
         * (edk2 < stable202508 puts initrd=initrd last). */
        ck_assert_int_eq(kernel_load_options("console=ttyS0 quiet", true, &suffix, &text, &wide, &size), 1);
        ge = golden_event(&f, "cmdline");
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, wide, size, ge->digest), 0);
        free(ge->detail);
        ge->detail = text;
        free(wide);
        golden_fold(&f.g, 2);
        /* The boot had one more character. */
        ck_assert_int_eq(kernel_load_options("console=ttyS0 quiet2", true, &suffix, &text, &wide, &size), 1);
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, wide, size, log_event(&f, "cmdline", NULL)->sha384), 0);
        free(text);
        free(wide);
        fx_explain(&f, &args);
        c = only_cause(&f);
        ck_assert_int_eq(c->kind, CAUSE_CMDLINE);
        ck_assert_str_eq(c->text, "RTMR2 event 0 (cmdline, EV_EVENT_TAG): command line changed: golden "
                                  "'console=ttyS0 quiet initrd=initrd' observed 'console=ttyS0 quiet2 "
                                  "initrd=initrd' (the --cmdline given, whose digest matches)");
        ck_assert_uint_eq(f.x.n_checks, 1);
        ck_assert_str_eq(f.x.checks[0].text, "RTMR2 event 0 (cmdline): corresponds to --cmdline "
                                             "(initrd=initrd last (edk2 < stable202508))");
        fx_done(&f);
}
END_TEST

START_TEST(test_fixture_initrd_changed)
{
        struct fx f;
        char *a = NULL, *b = NULL;
        struct explain_input_args args = { 0 };
        const struct explain_cause *c;
        FILE *fp;

        fx_init(&f);
        ck_assert_int_ge(asprintf(&a, "%s/initrd-a.img", f.dir), 0);
        ck_assert_int_ge(asprintf(&b, "%s/initrd-b.img", f.dir), 0);
        fp = fopen(a, "w");
        fputs("070701 initramfs a", fp);
        fclose(fp);
        fp = fopen(b, "w");
        fputs("070701 initramfs b", fp);
        fclose(fp);
        ck_assert_int_eq(digest_file(DIGEST_SHA384, a, golden_event(&f, "initrd")->digest, NULL, NULL), 0);
        golden_fold(&f.g, 2);
        ck_assert_int_eq(digest_file(DIGEST_SHA384, b, log_event(&f, "initrd", NULL)->sha384, NULL, NULL), 0);
        args.initrd = b;
        fx_explain(&f, &args);
        c = only_cause(&f);
        ck_assert_int_eq(c->kind, CAUSE_INITRD);
        ck_assert_str_eq(c->summary, "initrd changed");
        ck_assert(f.x.checks[0].matched);
        ck_assert_ptr_nonnull(strstr(f.x.checks[0].text, "RTMR2 event 1 (initrd): corresponds to --initrd "));
        free(a);
        free(b);
        fx_done(&f);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("explain-fixtures");
        TCase *tc = tcase_create("explain-fixtures");

        tcase_add_test(tc, test_fixture_one_digest_changed);
        tcase_add_test(tc, test_fixture_event_removed);
        tcase_add_test(tc, test_fixture_event_inserted);
        tcase_add_test(tc, test_fixture_golden_2g_evidence_4g);
        tcase_add_test(tc, test_fixture_cmdline_changed_by_one_character);
        tcase_add_test(tc, test_fixture_initrd_changed);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
