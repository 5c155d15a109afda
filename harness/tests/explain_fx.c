/* The explain tests' fixture; see explain_fx.h. */
#include "explain_fx.h"

#include <string.h>

#include "core/buf.h"
#include "core/hex.h"
#include "fixture_events.h"
#include "testutil.h"

void fx_init(struct fx *f)
{
        memset(f, 0, sizeof(*f));
        fixture_trustee_log(&f->log);
        fixture_golden_from_log(&f->log, &f->g);
        f->obs.log = &f->log;
        f->ctx.kernel_header_patched = -1;
        f->ctx.inputs = &f->in;
}

void fx_run(struct fx *f)
{
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(diff_run(&f->g, &f->obs, &f->d, &e), 0);
        ck_assert_int_eq(explain_run(&f->g, &f->obs, &f->d, &f->ctx, &f->x, &e), 0);
}

void fx_done(struct fx *f)
{
        explain_result_free(&f->x);
        diff_result_free(&f->d);
        explain_inputs_free(&f->in);
        fixture_golden_free(&f->g);
        fixture_log_free(&f->log);
}

void hex48(const char *h, uint8_t out[48])
{
        ck_assert_int_eq(hex_decode_exact(h, out, 48), 0);
}

const struct explain_cause *cause(const struct fx *f, enum explain_kind kind)
{
        struct buf b = BUF_INIT;

        for (size_t i = 0; i < f->x.n_causes; i++)
                if (f->x.causes[i].kind == kind)
                        return &f->x.causes[i];
        for (size_t i = 0; i < f->x.n_causes; i++)
                buf_printf(&b, "%s\n", f->x.causes[i].text);
        ck_abort_msg("no %s cause among:\n%s", explain_kind_name(kind), b.data ? b.data : "(none)");
        return NULL;
}

size_t golden_index(const struct golden *g, const char *what)
{
        for (size_t i = 0; i < g->n_events; i++)
                if (strcmp(g->events[i].what, what) == 0)
                        return i;
        ck_abort_msg("golden has no %s event", what);
        return 0;
}

void add_candidate(struct fx *f, const char *what, const char *input, const char *variant,
                   uint64_t memory, int golden_file, const uint8_t d[48])
{
        ck_assert_int_eq(explain_inputs_add(&f->in, what, input, variant, NULL, d), 0);
        f->in.v[f->in.n - 1].memory = memory;
        f->in.v[f->in.n - 1].golden_file = golden_file;
}
