/* The cause rules of `tdxh explain` (catalogue in explain.h).
 *
 * Order of reasoning: first what makes the evidence itself doubtful (a log
 * that does not replay, a golden file that contradicts itself), then the
 * patterns that span registers (another profile, the separator moving, whole
 * event families appearing with an edk2 generation), then each differing row
 * by what its event measures, and last the registers that differ with no row
 * to blame. */
#include "compare/explain.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/event_type.h"
#include "core/hex.h"
#include "core/size.h"
#include "core/utf8.h"
#include "compare/explain_internal.h"

const char *explain_kind_name(enum explain_kind k)
{
        static const char *const names[] = {
                [CAUSE_LOG_NOT_REPLAYING] = "log-not-replaying",
                [CAUSE_GOLDEN_INCONSISTENT] = "golden-inconsistent",
                [CAUSE_PROFILE] = "profile",
                [CAUSE_PAGE_ADD] = "page-add-pattern",
                [CAUSE_FIRMWARE] = "firmware",
                [CAUSE_MEMORY] = "memory",
                [CAUSE_ACPI] = "acpi",
                [CAUSE_FWCFG] = "fwcfg",
                [CAUSE_SECURE_BOOT] = "secure-boot",
                [CAUSE_BOOT_ORDER] = "boot-order",
                [CAUSE_SMBIOS] = "smbios",
                [CAUSE_EDK2_GENERATION] = "edk2-generation",
                [CAUSE_OPTION_ROM] = "option-rom",
                [CAUSE_KERNEL] = "kernel",
                [CAUSE_CMDLINE] = "cmdline",
                [CAUSE_INITRD] = "initrd",
                [CAUSE_BOOT_FLOW] = "boot-flow",
                [CAUSE_RTMR3] = "rtmr3",
                [CAUSE_EVENT] = "event",
                [CAUSE_REGISTER] = "register",
        };

        return (unsigned)k < ELEMENTSOF(names) ? names[k] : "?";
}

const char *explain_confidence_name(enum explain_confidence c)
{
        return c == EXPLAIN_CERTAIN ? "certain" : c == EXPLAIN_LIKELY ? "likely" : "possible";
}

void explain_cause_clear(struct explain_cause *c)
{
        free(c->what);
        free(c->golden_value);
        free(c->observed_value);
        free(c->summary);
        free(c->subject);
        free(c->text);
        free(c->positions);
}

void explain_result_free(struct explain_result *x)
{
        if (!x)
                return;
        for (size_t i = 0; i < x->n_causes; i++)
                explain_cause_clear(&x->causes[i]);
        for (size_t i = 0; i < x->n_checks; i++) {
                free(x->checks[i].what);
                free(x->checks[i].input);
                free(x->checks[i].variant);
                free(x->checks[i].text);
        }
        for (size_t i = 0; i < x->n_profiles; i++) {
                free(x->profiles[i].profile);
                free(x->profiles[i].file);
        }
        free(x->causes);
        free(x->checks);
        free(x->profiles);
        memset(x, 0, sizeof(*x));
}

const struct diff_event *row_golden(const struct diff_register *R, size_t row)
{
        return row != ALIGN_NONE && R->rows[row].a != ALIGN_NONE ? &R->golden_events[R->rows[row].a]
                                                                  : NULL;
}

const struct diff_event *row_observed(const struct diff_register *R, size_t row)
{
        return row != ALIGN_NONE && R->rows[row].b != ALIGN_NONE ? &R->observed_events[R->rows[row].b]
                                                                  : NULL;
}

const char *row_what(const struct diff_register *R, size_t row)
{
        return row == ALIGN_NONE ? "unknown" : diff_row_what(R, &R->rows[row]);
}

int explain_place(const struct diff_register *R, size_t row, struct buf *out)
{
        const struct diff_event *g, *o;
        char type[40];

        if (!R)
                return 0;
        if (row == ALIGN_NONE)
                return buf_puts(out, diff_reg_title(R->reg));
        g = row_golden(R, row);
        o = row_observed(R, row);
        event_type_format(o ? o->type : g->type, type);
        return buf_printf(out, "%s %sevent %zu (%s, %s)", diff_reg_title(R->reg), o ? "" : "golden ",
                          o ? o->pos : g->pos, row_what(R, row), type);
}

static int dup_value(const char *given, const struct diff_event *ev, char **ret)
{
        if (given)
                return utf8_sanitize_dup(given, ret);
        *ret = NULL;
        if (ev && ev->digest_known) {
                *ret = hex_dup(ev->digest, SHA384_LEN);
                if (!*ret)
                        return -ENOMEM;
        }
        return 0;
}

int explain_add(struct explain_result *x, const struct cause_spec *c, const char *fmt, ...)
{
        const struct diff_event *g = c->R ? row_golden(c->R, c->row) : NULL;
        const struct diff_event *o = c->R ? row_observed(c->R, c->row) : NULL;
        struct explain_cause n = { .reg = c->reg, .kind = c->kind, .confidence = c->confidence,
                                   .row = c->row, .golden_pos = g ? g->pos : ALIGN_NONE,
                                   .observed_pos = o ? o->pos : ALIGN_NONE };
        _cleanup_buf_ struct buf text = BUF_INIT;
        struct explain_cause *v;
        va_list ap;
        int r;

        r = explain_place(c->R, c->row, &text);
        if (r >= 0 && text.len)
                r = buf_puts(&text, ": ");
        if (r >= 0)
                r = buf_puts(&text, c->summary);
        if (r >= 0 && fmt && *fmt) {
                r = buf_puts(&text, ": ");
                va_start(ap, fmt);
                if (r >= 0)
                        r = buf_vprintf(&text, fmt, ap);
                va_end(ap);
        }
        if (r >= 0)
                r = utf8_sanitize_dup(text.data, &n.text);
        if (r >= 0)
                r = utf8_sanitize_dup(c->summary, &n.summary);
        if (r >= 0 && (g || o)) {
                const char *subject = o && o->detail ? o->detail : g ? g->detail : NULL;

                n.type = o ? o->type : g->type;
                r = utf8_sanitize_dup(row_what(c->R, c->row), &n.what);
                if (r >= 0)
                        r = utf8_sanitize_dup(subject, &n.subject);
        }
        if (r >= 0)
                r = dup_value(c->golden_value, g, &n.golden_value);
        if (r >= 0)
                r = dup_value(c->observed_value, o, &n.observed_value);
        if (r >= 0) {
                v = reallocarray(x->causes, x->n_causes + 1, sizeof(*v));
                if (!v)
                        r = -ENOMEM;
                else
                        x->causes = v;
        }
        if (r < 0) {
                explain_cause_clear(&n);
                return r;
        }
        x->causes[x->n_causes++] = n;
        return 0;
}

bool is_family(const char *what, const char *fam)
{
        size_t n = strlen(fam);

        return strncmp(what, fam, n) == 0 && (what[n] == '\0' || what[n] == '-');
}

static size_t count_family(const struct diff_event *v, size_t n, const char *fam)
{
        size_t c = 0;

        for (size_t i = 0; i < n; i++)
                c += is_family(v[i].what, fam);
        return c;
}

const char *profile_of(const struct explain_state *s)
{
        return s->g->profile_name ? s->g->profile_name : "none named";
}

/* Event families that one edk2 generation measures and an older one does not:
 * their appearance or absence as a whole is one cause, not one per event. */
static int rule_families(struct explain_state *s)
{
        static const struct {
                const char *fam, *since, *people;
        } fams[] = {
                { "acpi", "stable202302", "ACPI" },
                { "fwcfg", "stable202505", "fw_cfg item" },
                { "smbios", "stable202505", "SMBIOS" },
        };
        const struct diff_register *R = &s->d->regs[GOLDEN_RTMR0];
        int r = 0;

        if (!R->compared)
                return 0;
        for (size_t f = 0; f < ELEMENTSOF(fams) && r >= 0; f++) {
                size_t ng = count_family(R->golden_events, R->n_golden, fams[f].fam);
                size_t no = count_family(R->observed_events, R->n_observed, fams[f].fam);
                enum align_op want = ng == 0 ? ALIGN_INSERTED : ALIGN_DELETED;
                size_t first = ALIGN_NONE, n = 0;

                if ((ng == 0) == (no == 0))
                        continue;
                for (size_t i = 0; i < R->n_rows; i++)
                        if (R->rows[i].op == want && is_family(row_what(R, i), fams[f].fam)) {
                                first = first == ALIGN_NONE ? i : first;
                                s->done[R->reg][i] = true;
                                n++;
                        }
                if (!n)
                        continue;
                struct cause_spec c = { .reg = R->reg, .kind = CAUSE_EDK2_GENERATION,
                                        .confidence = EXPLAIN_LIKELY, .R = R, .row = first };
                c.summary = "edk2 generation changed";
                r = explain_add(s->x, &c,
                                ng == 0 ? "%zu %s event%s the golden file does not predict: edk2 "
                                          "%s and newer measure them in RTMR0, the golden file's "
                                          "profile (%s) is older than the firmware"
                                        : "the golden file predicts %zu %s event%s the firmware "
                                          "did not measure: the firmware is older than edk2 %s, "
                                          "the golden file's profile (%s) newer",
                                n, fams[f].people, n == 1 ? "" : "s", fams[f].since, profile_of(s));
        }
        return r;
}

static size_t find_row(const struct diff_register *R, enum align_op op, const char *what)
{
        for (size_t i = 0; i < R->n_rows; i++)
                if (R->rows[i].op == op && strcmp(row_what(R, i), what) == 0)
                        return i;
        return ALIGN_NONE;
}

/* edk2 stable202411 moved the ReadyToBoot separator from RTMR0 to RTMR1. */
static int rule_separator_move(struct explain_state *s)
{
        const struct diff_register *R0 = &s->d->regs[GOLDEN_RTMR0], *R1 = &s->d->regs[GOLDEN_RTMR1];
        size_t del0, ins1, ins0, del1, a, b;
        const char *how;
        int r;

        if (!R0->compared || !R1->compared)
                return 0;
        del0 = find_row(R0, ALIGN_DELETED, "separator");
        ins1 = find_row(R1, ALIGN_INSERTED, "separator");
        ins0 = find_row(R0, ALIGN_INSERTED, "separator");
        del1 = find_row(R1, ALIGN_DELETED, "separator");
        if (del0 != ALIGN_NONE && ins1 != ALIGN_NONE) {
                a = del0;
                b = ins1;
                how = "from RTMR0 to RTMR1: the firmware is edk2 stable202411 or newer";
        } else if (ins0 != ALIGN_NONE && del1 != ALIGN_NONE) {
                a = ins0;
                b = del1;
                how = "from RTMR1 to RTMR0: the firmware is older than edk2 stable202411";
        } else {
                return 0;
        }
        s->done[GOLDEN_RTMR0][a] = s->done[GOLDEN_RTMR1][b] = true;
        struct cause_spec c = { .reg = GOLDEN_RTMR0, .kind = CAUSE_EDK2_GENERATION,
                                .confidence = EXPLAIN_LIKELY, .R = R0, .row = a,
                                .summary = "ReadyToBoot separator moved" };
        r = explain_add(s->x, &c, "%s, the golden file's profile (%s) is not", how, profile_of(s));
        if (r < 0)
                return r;
        c.reg = GOLDEN_RTMR1;
        c.R = R1;
        c.row = b;
        return explain_add(s->x, &c, "%s (see RTMR0)", how);
}

int explain_run(const struct golden *g, const struct diff_observed *obs,
                const struct diff_result *d, const struct explain_context *ctx,
                struct explain_result *ret, struct tdxh_err *e)
{
        static const struct explain_context none = { .kernel_header_patched = -1 };
        struct explain_result x = { 0 };
        struct explain_state s = { .g = g, .d = d, .ctx = ctx ? ctx : &none, .x = &x };
        bool mrtd_explained = false;
        int r = 0;

        for (int i = 0; i < GOLDEN_NREGS && r >= 0; i++) {
                s.done[i] = calloc(d->regs[i].n_rows + 1, sizeof(bool));
                if (!s.done[i])
                        r = -ENOMEM;
        }
        if (r >= 0)
                r = rule_evidence(&s);
        if (r >= 0)
                r = explain_profiles(g, obs, d, s.ctx, &x, &mrtd_explained);
        if (r >= 0 && !mrtd_explained && s.ctx->inputs)
                r = explain_mrtd_inputs(g, d, s.ctx->inputs, &x, &mrtd_explained);
        if (r >= 0)
                r = rule_families(&s);
        if (r >= 0)
                r = rule_separator_move(&s);
        if (r >= 0)
                r = rule_rows(&s);
        for (int i = 0; i < GOLDEN_NREGS && r >= 0; i++)
                if (i != GOLDEN_MRTD || !mrtd_explained)
                        r = rule_register(&s, &d->regs[i]);
        if (r >= 0 && s.ctx->inputs)
                r = explain_check_inputs(d, s.ctx->inputs, &x);
        for (int i = 0; i < GOLDEN_NREGS; i++)
                free(s.done[i]);
        if (r >= 0)
                r = explain_rank(&x);
        if (r < 0) {
                explain_result_free(&x);
                return err_setf(e, r, "out of memory explaining the differences");
        }
        *ret = x;
        return 0;
}
