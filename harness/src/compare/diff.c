/* Golden versus observed: building the result model; see diff.h. JSON and
 * text renderings live in diff_format.c. */
#include "compare/diff.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/utf8.h"

static const char *const reg_titles[GOLDEN_NREGS] = { "MRTD", "RTMR0", "RTMR1", "RTMR2", "RTMR3" };

const char *diff_reg_title(enum golden_reg r)
{
        return (unsigned)r < GOLDEN_NREGS ? reg_titles[r] : "?";
}

const char *diff_reg_status_name(enum diff_reg_status s)
{
        switch (s) {
        case DIFF_REG_MATCH:
                return "match";
        case DIFF_REG_MISMATCH:
                return "mismatch";
        case DIFF_REG_UNKNOWN:
                return "unknown";
        case DIFF_REG_NOT_OBSERVED:
                return "not-observed";
        case DIFF_REG_NOT_LISTED:
                return "not-listed";
        }
        return "?";
}

const char *diff_replay_name(enum diff_replay r)
{
        switch (r) {
        case DIFF_REPLAY_NONE:
                return "none";
        case DIFF_REPLAY_OK:
                return "ok";
        case DIFF_REPLAY_MISMATCH:
                return "mismatch";
        case DIFF_REPLAY_INCOMPLETE:
                return "incomplete";
        }
        return "?";
}

const char *diff_row_what(const struct diff_register *R, const struct align_row *row)
{
        const struct diff_event *g = row->a != ALIGN_NONE ? &R->golden_events[row->a] : NULL;
        const struct diff_event *o = row->b != ALIGN_NONE ? &R->observed_events[row->b] : NULL;

        if (g && strcmp(g->what, "unknown") != 0)
                return g->what;
        return o ? o->what : g ? g->what : "unknown";
}

bool diff_row_differs(const struct align_row *row)
{
        return row->op == ALIGN_CHANGED || row->op == ALIGN_INSERTED || row->op == ALIGN_DELETED;
}

static void event_clear(struct diff_event *ev)
{
        free(ev->what);
        free(ev->detail);
}

void diff_result_free(struct diff_result *d)
{
        if (!d)
                return;
        for (int r = 0; r < GOLDEN_NREGS; r++) {
                struct diff_register *R = &d->regs[r];

                for (size_t i = 0; i < R->n_golden; i++)
                        event_clear(&R->golden_events[i]);
                for (size_t i = 0; i < R->n_observed; i++)
                        event_clear(&R->observed_events[i]);
                free(R->golden_events);
                free(R->observed_events);
                free(R->rows);
                free(R->golden_unknown_reason);
        }
        free(d->profile);
        free(d->log_name);
        free(d->reg_source);
        memset(d, 0, sizeof(*d));
}

/* Appends a copy of an event; text is sanitised so that every writer may
 * show it. */
static int push_event(struct diff_event **v, size_t *n, size_t index, uint32_t type,
                      bool digest_known, const uint8_t *digest, const char *what,
                      const char *detail)
{
        struct diff_event ev = { .pos = *n, .index = index, .type = type, .digest_known = digest_known };
        struct diff_event *nv;
        int r;

        /* Amortised growth: double when n reaches a power of two. */
        if ((*n & (*n - 1)) == 0) {
                nv = reallocarray(*v, *n ? 2 * *n : 1, sizeof(**v));
                if (!nv)
                        return -ENOMEM;
                *v = nv;
        }
        if (digest_known)
                memcpy(ev.digest, digest, SHA384_LEN);
        r = utf8_sanitize_dup(what && *what ? what : "unknown", &ev.what);
        if (r >= 0)
                r = utf8_sanitize_dup(detail, &ev.detail);
        if (r < 0) {
                event_clear(&ev);
                return r;
        }
        (*v)[(*n)++] = ev;
        return 0;
}

static int collect_golden(const struct golden *g, struct diff_result *d, struct tdxh_err *e)
{
        for (size_t i = 0; i < g->n_events; i++) {
                const struct golden_event *ev = &g->events[i];
                struct diff_register *R;
                int r;

                if (ev->rtmr < 0 || ev->rtmr > 3)
                        return err_setf(e, -EINVAL, "golden events[%zu].rtmr: %d is not 0..3", i,
                                        ev->rtmr);
                R = &d->regs[GOLDEN_RTMR0 + ev->rtmr];
                r = push_event(&R->golden_events, &R->n_golden, i, ev->type, ev->digest_known,
                               ev->digest, ev->what, ev->detail);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int collect_observed(const struct evlog *log, struct diff_result *d)
{
        for (size_t i = 0; i < log->n_events; i++) {
                const struct evlog_event *ev = &log->events[i];
                struct diff_register *R;
                int r;

                if (ev->rtmr < 0 || ev->rtmr > 3) {
                        d->n_unmapped++;
                        continue;
                }
                R = &d->regs[GOLDEN_RTMR0 + ev->rtmr];
                r = push_event(&R->observed_events, &R->n_observed, ev->index, ev->type,
                               ev->has_sha384, ev->sha384, ev->what, ev->detail);
                if (r < 0)
                        return r;
                /* Replay per register, so that one event without a digest
                 * leaves the other registers checkable. */
                if (R->replay == DIFF_REPLAY_INCOMPLETE)
                        continue;
                if (!ev->has_sha384) {
                        R->replay = DIFF_REPLAY_INCOMPLETE;
                        R->replay_missing_index = ev->index;
                } else {
                        rtmr_extend(R->replayed, ev->sha384);
                }
        }
        return 0;
}

static enum diff_fold fold_golden(const struct diff_register *R)
{
        uint8_t v[SHA384_LEN] = { 0 };

        if (!R->golden_known || R->n_golden == 0)
                return DIFF_FOLD_NONE;
        for (size_t i = 0; i < R->n_golden; i++) {
                if (!R->golden_events[i].digest_known)
                        return DIFF_FOLD_NONE;
                rtmr_extend(v, R->golden_events[i].digest);
        }
        return memcmp(v, R->golden, SHA384_LEN) == 0 ? DIFF_FOLD_OK : DIFF_FOLD_MISMATCH;
}

static void event_item(const struct diff_event *ev, struct align_item *it)
{
        *it = (struct align_item){ .type = ev->type,
                                   .digest_known = ev->digest_known,
                                   .digest = ev->digest,
                                   .what = ev->what,
                                   .detail = ev->detail };
}

static int align_register(struct diff_register *R)
{
        _cleanup_free_ struct align_item *a = calloc(R->n_golden + 1, sizeof(*a));
        _cleanup_free_ struct align_item *b = calloc(R->n_observed + 1, sizeof(*b));
        int r;

        if (!a || !b)
                return -ENOMEM;
        for (size_t i = 0; i < R->n_golden; i++)
                event_item(&R->golden_events[i], &a[i]);
        for (size_t i = 0; i < R->n_observed; i++)
                event_item(&R->observed_events[i], &b[i]);
        r = align_events(a, R->n_golden, b, R->n_observed, &R->rows, &R->n_rows);
        if (r < 0)
                return r;
        for (size_t i = 0; i < R->n_rows; i++) {
                switch (R->rows[i].op) {
                case ALIGN_SAME:
                        R->n_same++;
                        break;
                case ALIGN_CHANGED:
                        R->n_changed++;
                        break;
                case ALIGN_UNCHECKED:
                        R->n_unchecked++;
                        break;
                case ALIGN_DELETED:
                        R->n_deleted++;
                        break;
                case ALIGN_INSERTED:
                        R->n_inserted++;
                        break;
                }
        }
        return 0;
}

static void settle_register(struct diff_register *R, const struct diff_observed *obs)
{
        bool is_rtmr = R->reg != GOLDEN_MRTD;
        bool events_differ = R->n_changed + R->n_inserted + R->n_deleted > 0;

        if (obs->have_reg[R->reg]) {
                R->observed_known = true;
                memcpy(R->observed, obs->reg[R->reg], SHA384_LEN);
                R->observed_source = "registers";
                if (obs->log && is_rtmr && R->replay != DIFF_REPLAY_INCOMPLETE)
                        R->replay = memcmp(R->replayed, R->observed, SHA384_LEN) == 0
                                            ? DIFF_REPLAY_OK
                                            : DIFF_REPLAY_MISMATCH;
        } else if (obs->log && is_rtmr && R->replay != DIFF_REPLAY_INCOMPLETE) {
                /* The log is the only evidence: its replay is the value. */
                R->observed_known = true;
                memcpy(R->observed, R->replayed, SHA384_LEN);
                R->observed_source = "log";
        }
        R->golden_fold = fold_golden(R);

        if (!R->golden_listed)
                R->status = DIFF_REG_NOT_LISTED;
        else if (R->golden_known && R->observed_known)
                R->status = memcmp(R->golden, R->observed, SHA384_LEN) == 0 ? DIFF_REG_MATCH
                                                                             : DIFF_REG_MISMATCH;
        else if (events_differ)
                R->status = DIFF_REG_MISMATCH;
        else if (!R->golden_known)
                R->status = DIFF_REG_UNKNOWN;
        else
                R->status = DIFF_REG_NOT_OBSERVED;
}

int diff_run(const struct golden *g, const struct diff_observed *obs, struct diff_result *ret,
             struct tdxh_err *e)
{
        struct diff_result d = { 0 };
        int r = 0;

        d.have_log = obs->log != NULL;
        for (int i = 0; i < GOLDEN_NREGS; i++) {
                struct diff_register *R = &d.regs[i];

                R->reg = (enum golden_reg)i;
                d.have_registers |= obs->have_reg[i];
                R->golden_listed = g->regs[i].present;
                R->golden_known = g->regs[i].present && g->regs[i].known;
                if (R->golden_known)
                        memcpy(R->golden, g->regs[i].value, SHA384_LEN);
                if (r >= 0 && R->golden_listed && !R->golden_known)
                        r = utf8_sanitize_dup(g->regs[i].unknown_reason, &R->golden_unknown_reason);
        }
        if (r >= 0)
                r = utf8_sanitize_dup(g->profile_name, &d.profile);
        if (r >= 0)
                r = utf8_sanitize_dup(obs->log_name, &d.log_name);
        if (r >= 0)
                r = utf8_sanitize_dup(obs->reg_source, &d.reg_source);
        if (r >= 0)
                r = collect_golden(g, &d, e);
        if (r >= 0 && obs->log)
                r = collect_observed(obs->log, &d);
        for (int i = 0; i < GOLDEN_NREGS && r >= 0; i++) {
                struct diff_register *R = &d.regs[i];

                /* A golden file without events (registers only) gives
                 * nothing to align against. */
                R->compared = obs->log && i != GOLDEN_MRTD && g->n_events > 0 && R->golden_listed;
                /* A register the golden file does not predict, with no event
                 * of its own listed, has nothing to compare: it is unknown,
                 * not a register whose every event was "inserted". */
                if (R->golden_listed && !R->golden_known && R->n_golden == 0)
                        R->compared = false;
                if (R->compared)
                        r = align_register(R);
                settle_register(R, obs);
                d.n_mismatched += R->status == DIFF_REG_MISMATCH;
                d.n_compared += R->status == DIFF_REG_MATCH || R->status == DIFF_REG_MISMATCH;
                d.n_not_replaying += R->replay == DIFF_REPLAY_MISMATCH;
        }
        if (r < 0) {
                diff_result_free(&d);
                return r == -ENOMEM ? err_setf(e, r, "out of memory comparing events") : r;
        }
        d.match = d.n_mismatched == 0 && d.n_not_replaying == 0;
        *ret = d;
        return 0;
}
