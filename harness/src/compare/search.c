/* The search for the inputs that reproduce the evidence; see search.h.
 *
 * One input is changed at a time from the base (what the golden file
 * records), each configuration computed in full; the values that account
 * for more of the evidence than the base are then combined and the
 * combination computed too. Configurations are independent, so they run in
 * threads; each owns its golden model and error. */
#include "compare/search.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "core/shell_word.h"
#include "core/size.h"
#include "predict/explain_inputs.h"

/* Memory sizes TDs are given; the base's own is skipped. */
static const char *const search_memory[] = { "256M", "512M", "1G",  "2G",  "3G",  "4G",
                                             "6G",   "8G",   "12G", "16G", "24G", "32G",
                                             "48G",  "64G",  "96G", "128G", "256G" };

/* One configuration: the base with one or more inputs changed. Strings are
 * borrowed from the search's own storage (struct search_state). */
struct config {
        const char *axis;  /* "memory", ..., "base", "combined" */
        const char *value; /* for people */
        struct golden_compute_params p;
        struct golden g;
        int rc;
        unsigned regs, events; /* of the evidence, accounted for */
};

struct search_state {
        const struct search_opts *o;
        struct golden_compute_params base;
        struct explain_golden_files files;
        char *cmdlines[3]; /* candidates read from the log */
        struct config *v;
        size_t n, cap;
        atomic_size_t next;
};

static void config_clear(struct config *c)
{
        golden_free(&c->g);
}

static int add_config(struct search_state *S, const char *axis, const char *value,
                      const struct golden_compute_params *p)
{
        if (S->n == S->cap) {
                size_t cap = S->cap ? 2 * S->cap : 32;
                struct config *v = realloc(S->v, cap * sizeof(*v));

                if (!v)
                        return -ENOMEM;
                S->v = v;
                S->cap = cap;
        }
        S->v[S->n++] = (struct config){ .axis = axis, .value = value, .p = *p };
        return 0;
}

/* How much of the evidence a computed golden file accounts for: the
 * registers it gives the observed value, then the observed events it
 * predicts (each predicted event counted once). */
static void score(const struct diff_result *d, struct config *c)
{
        c->regs = c->events = 0;
        if (c->rc < 0)
                return;
        for (int i = 0; i < GOLDEN_NREGS; i++) {
                const struct diff_register *R = &d->regs[i];

                if (R->observed_known && c->g.regs[i].present && c->g.regs[i].known &&
                    memcmp(R->observed, c->g.regs[i].value, SHA384_LEN) == 0)
                        c->regs++;
        }
        for (int k = 0; k < 4; k++) {
                const struct diff_register *R = &d->regs[GOLDEN_RTMR0 + k];
                bool used[512] = { false };

                for (size_t j = 0; j < R->n_observed; j++) {
                        const struct diff_event *ev = &R->observed_events[j];

                        if (!ev->digest_known)
                                continue;
                        for (size_t m = 0; m < c->g.n_events && m < 512; m++) {
                                const struct golden_event *x = &c->g.events[m];

                                if (!used[m] && x->rtmr == k && x->digest_known &&
                                    memcmp(x->digest, ev->digest, SHA384_LEN) == 0) {
                                        used[m] = true;
                                        c->events++;
                                        break;
                                }
                        }
                }
        }
}

static bool better(const struct config *a, const struct config *b)
{
        return a->regs > b->regs || (a->regs == b->regs && a->events > b->events);
}

static void *worker(void *arg)
{
        struct search_state *S = arg;
        size_t i;

        while ((i = atomic_fetch_add(&S->next, 1)) < S->n) {
                struct config *c = &S->v[i];

                c->rc = golden_compute(&c->p, &c->g, NULL);
                score(S->o->diff, c);
        }
        return NULL;
}

/* Computes configurations [from, S->n) on up to `threads` threads. */
static int compute_all(struct search_state *S, size_t from, unsigned threads)
{
        pthread_t t[16];
        unsigned n = 0;

        atomic_store(&S->next, from);
        if (threads > 16)
                threads = 16;
        while (n + 1 < threads && n < S->n - from && pthread_create(&t[n], NULL, worker, S) == 0)
                n++;
        worker(S);
        for (unsigned i = 0; i < n; i++)
                pthread_join(t[i], NULL);
        return 0;
}

/* The command line of the log's cmdline event, without what GRUB or the
 * firmware added to it: the input `--cmdline` would take. */
static int cmdline_candidates(struct search_state *S)
{
        static const char *const tag = "initrd=initrd";
        const char *text = S->o->observed_cmdline;
        size_t n = 0;

        for (int i = GOLDEN_RTMR0; i < GOLDEN_NREGS && !text; i++) {
                const struct diff_register *R = &S->o->diff->regs[i];

                for (size_t j = 0; j < R->n_observed && !text; j++)
                        if (strcmp(R->observed_events[j].what, "cmdline") == 0 &&
                            R->observed_events[j].detail &&
                            strncmp(R->observed_events[j].detail, "LOADED_IMAGE::", 14) != 0)
                                text = R->observed_events[j].detail;
        }
        if (!text)
                return 0;
        if (strncmp(text, "kernel_cmdline: ", 16) == 0)
                text += 16;
        /* As it is (a profile that adds nothing), and without the tag at
         * either end. */
        if (!(S->cmdlines[n++] = strdup(text)))
                return -ENOMEM;
        if (strncmp(text, tag, strlen(tag)) == 0 && text[strlen(tag)] == ' ' &&
            !(S->cmdlines[n++] = strdup(text + strlen(tag) + 1)))
                return -ENOMEM;
        {
                size_t len = strlen(text), t = strlen(tag);

                if (len > t && strcmp(text + len - t, tag) == 0 && text[len - t - 1] == ' ' &&
                    !(S->cmdlines[n++] = strndup(text, len - t - 1)))
                        return -ENOMEM;
        }
        return 0;
}

static int base_params(struct search_state *S, struct tdxh_err *e)
{
        const struct search_opts *o = S->o;
        struct explain_input_args args = { .firmware = o->firmware, .kernel = o->kernel,
                                           .initrd = o->initrd, .cmdline = o->cmdline };
        struct golden_compute_params *p = &S->base;
        enum page_add_pattern pa;
        int r;

        if (!o->g->profile_name)
                return err_setf(e, -EINVAL, "%s: the golden file names no profile", o->golden_path);
        r = profile_lookup(o->g->profile_name, &p->profile, e);
        if (r < 0)
                return r;
        if (o->g->page_add && page_add_parse(o->g->page_add, &pa) == 0)
                p->profile.page_add = pa;
        if (explain_inputs_from_golden(o->g, o->golden_path, &args, &S->files) < 0)
                return -ENOMEM;
        if (!args.firmware)
                return err_setf(e, -EINVAL, "%s: the firmware it records (%s) is not on disk with its "
                                            "recorded digest: give --firmware",
                                o->golden_path, o->g->firmware.path ? o->g->firmware.path : "none");
        /* A register the golden file predicts from a file that is gone
         * cannot be searched: say which file, rather than report a
         * "reproduction" of fewer registers. */
        if (!args.kernel && (o->g->kernel.have_sha256 || o->g->kernel.have_sha384))
                return err_setf(e, -EINVAL, "%s: the kernel it records (%s) is not on disk with its "
                                            "recorded digest: give --kernel",
                                o->golden_path, o->g->kernel.path ? o->g->kernel.path : "no path");
        if (!args.initrd && (o->g->initrd.have_sha256 || o->g->initrd.have_sha384))
                return err_setf(e, -EINVAL, "%s: the initrd it records (%s) is not on disk with its "
                                            "recorded digest: give --initrd",
                                o->golden_path, o->g->initrd.path ? o->g->initrd.path : "no path");
        p->firmware = args.firmware;
        p->kernel = args.kernel;
        p->initrd = args.initrd;
        p->cmdline = args.cmdline;
        p->memory = o->memory ? o->memory : o->g->memory ? o->g->memory : 2ull << 30;
        p->vcpus = o->g->vcpus;
        return 0;
}

/* One configuration per value of each input, the base first. */
static int plan(struct search_state *S)
{
        struct golden_compute_params p;
        const char *const *names = profile_names();
        int r = add_config(S, "base", NULL, &S->base);

        for (size_t i = 0; i < sizeof(search_memory) / sizeof(search_memory[0]) && r >= 0; i++) {
                p = S->base;
                if (size_parse(search_memory[i], &p.memory) < 0 || p.memory == S->base.memory)
                        continue;
                r = add_config(S, "memory", search_memory[i], &p);
        }
        for (size_t i = 0; i < 3 && S->cmdlines[i] && r >= 0; i++) {
                if (S->base.cmdline && strcmp(S->cmdlines[i], S->base.cmdline) == 0)
                        continue;
                p = S->base;
                p.cmdline = S->cmdlines[i];
                r = add_config(S, "cmdline", S->cmdlines[i], &p);
        }
        if (r >= 0 && S->base.initrd) {
                p = S->base;
                p.initrd = NULL;
                r = add_config(S, "initrd", "none", &p);
        }
        if (r >= 0) {
                p = S->base;
                p.profile.page_add = p.profile.page_add == PAGE_ADD_PER_PAGE ? PAGE_ADD_TWO_PASS
                                                                             : PAGE_ADD_PER_PAGE;
                r = add_config(S, "page-add", page_add_name(p.profile.page_add), &p);
        }
        for (size_t i = 0; names[i] && r >= 0; i++) {
                struct profile other;

                if (strcmp(names[i], S->base.profile.name) == 0 || profile_lookup(names[i], &other, NULL) < 0 ||
                    other.platform != S->base.profile.platform)
                        continue;
                p = S->base;
                p.profile = other;
                r = add_config(S, "profile", names[i], &p);
        }
        return r;
}

static const char *const search_axes[] = { "memory", "cmdline", "initrd", "page-add", "profile" };

/* The best configuration of each axis that does better than the base, or
 * NULL. */
static const struct config *axis_best(const struct search_state *S, const char *axis)
{
        const struct config *best = NULL;

        for (size_t i = 1; i < S->n; i++) {
                const struct config *c = &S->v[i];

                if (strcmp(c->axis, axis) == 0 && better(c, best ? best : &S->v[0]))
                        best = c;
        }
        return best;
}

static int add_combined(struct search_state *S, size_t *n_best)
{
        struct golden_compute_params p = S->base;

        *n_best = 0;
        for (size_t a = 0; a < sizeof(search_axes) / sizeof(search_axes[0]); a++) {
                const struct config *b = axis_best(S, search_axes[a]);

                if (!b)
                        continue;
                (*n_best)++;
                if (strcmp(b->axis, "memory") == 0)
                        p.memory = b->p.memory;
                else if (strcmp(b->axis, "cmdline") == 0)
                        p.cmdline = b->p.cmdline;
                else if (strcmp(b->axis, "initrd") == 0)
                        p.initrd = b->p.initrd;
                else if (strcmp(b->axis, "page-add") == 0)
                        p.profile.page_add = b->p.profile.page_add;
                else
                        p.profile = b->p.profile;
        }
        return *n_best > 1 ? add_config(S, "combined", NULL, &p) : 0;
}

/* The other values of an axis that account for exactly as much as the one
 * found: the evidence cannot tell them apart, and the result says so. */
static int ties(const struct search_state *S, const char *axis, const char *found, char **ret)
{
        const struct config *b = axis_best(S, axis);
        _cleanup_buf_ struct buf t = BUF_INIT;

        *ret = NULL;
        if (!b)
                return 0;
        for (size_t i = 1; i < S->n; i++) {
                const struct config *c = &S->v[i];

                if (strcmp(c->axis, axis) != 0 || c->regs != b->regs || c->events != b->events ||
                    (found && strcmp(c->value, found) == 0))
                        continue;
                if (buf_printf(&t, "%s%s", t.len ? ", " : "", c->value) < 0)
                        return -ENOMEM;
        }
        *ret = t.len ? buf_detach(&t, NULL) : NULL;
        return 0;
}

static int push_change(const struct search_state *S, struct search_result *r, const char *input,
                       const char *golden, const char *found)
{
        struct search_change *v = realloc(r->changes, (r->n_changes + 1) * sizeof(*v));

        if (!v)
                return -ENOMEM;
        r->changes = v;
        v[r->n_changes] = (struct search_change){ .input = strdup(input),
                                                  .golden = golden ? strdup(golden) : NULL,
                                                  .found = strdup(found ? found : "none") };
        r->n_changes++;
        if (!v[r->n_changes - 1].input || !v[r->n_changes - 1].found)
                return -ENOMEM;
        return ties(S, input, found, &v[r->n_changes - 1].equally);
}

/* What the configuration found changes from the base. */
static int changes(const struct search_state *S, const struct golden_compute_params *f,
                   struct search_result *r)
{
        const struct golden_compute_params *b = &S->base;
        char x[32], y[32];
        int q = 0;

        if (f->memory != b->memory) {
                size_format(b->memory, x);
                size_format(f->memory, y);
                q = push_change(S, r, "memory", x, y);
        }
        if (q >= 0 && (!f->cmdline != !b->cmdline || (f->cmdline && strcmp(f->cmdline, b->cmdline) != 0)))
                q = push_change(S, r, "cmdline", b->cmdline, f->cmdline);
        if (q >= 0 && !f->initrd != !b->initrd)
                q = push_change(S, r, "initrd", b->initrd, f->initrd);
        if (q >= 0 && strcmp(f->profile.name, b->profile.name) != 0)
                q = push_change(S, r, "profile", b->profile.name, f->profile.name);
        if (q >= 0 && f->profile.page_add != b->profile.page_add)
                q = push_change(S, r, "page-add", page_add_name(b->profile.page_add),
                                page_add_name(f->profile.page_add));
        return q;
}

/* The observed events of register i that g does not predict, for people. */
static int unexplained(const struct diff_register *R, const struct golden *g, char **ret)
{
        _cleanup_buf_ struct buf b = BUF_INIT;
        bool used[512] = { false };
        int r = 0;

        for (size_t j = 0; j < R->n_observed && r >= 0; j++) {
                const struct diff_event *ev = &R->observed_events[j];
                bool found = false;

                for (size_t m = 0; m < g->n_events && m < 512 && !found; m++)
                        if (!used[m] && g->events[m].rtmr + GOLDEN_RTMR0 == (int)R->reg &&
                            g->events[m].digest_known && ev->digest_known &&
                            memcmp(g->events[m].digest, ev->digest, SHA384_LEN) == 0)
                                used[m] = found = true;
                if (found)
                        continue;
                r = buf_printf(&b, "%s%s", b.len ? ", " : "", ev->what);
                if (r >= 0 && ev->detail)
                        r = buf_printf(&b, " (%s)", ev->detail);
        }
        if (r >= 0 && R->n_observed == 0)
                r = buf_puts(&b, "its events (the evidence has no event log)");
        if (r < 0)
                return r;
        *ret = b.len ? buf_detach(&b, NULL) : NULL;
        return 0;
}

static int command(const struct golden_compute_params *p, char **ret)
{
        _cleanup_buf_ struct buf b = BUF_INIT;
        char mem[32];
        int r;

        size_format(p->memory, mem);
        r = buf_puts(&b, "tdxh golden compute --profile ");
        if (r >= 0)
                r = shell_word(&b, p->profile.name);
        if (r >= 0)
                r = buf_puts(&b, " --firmware ");
        if (r >= 0)
                r = shell_word(&b, p->firmware);
        if (r >= 0 && p->kernel && (r = buf_puts(&b, " --kernel ")) >= 0)
                r = shell_word(&b, p->kernel);
        if (r >= 0 && p->initrd && (r = buf_puts(&b, " --initrd ")) >= 0)
                r = shell_word(&b, p->initrd);
        if (r >= 0 && p->cmdline && (r = buf_puts(&b, " --cmdline ")) >= 0)
                r = shell_word(&b, p->cmdline);
        if (r >= 0)
                r = buf_printf(&b, " --memory %s", mem);
        if (r >= 0 && p->vcpus)
                r = buf_printf(&b, " --vcpus %u", p->vcpus);
        if (r >= 0)
                r = buf_printf(&b, " --page-add %s", page_add_name(p->profile.page_add));
        if (r < 0)
                return r;
        *ret = buf_detach(&b, NULL);
        return *ret ? 0 : -ENOMEM;
}

static int axes(const struct search_state *S, struct search_result *r)
{
        size_t n = sizeof(search_axes) / sizeof(search_axes[0]);

        if (!(r->axes = calloc(n, sizeof(*r->axes))))
                return -ENOMEM;
        for (size_t a = 0; a < n; a++) {
                const struct config *b = axis_best(S, search_axes[a]);
                struct search_axis *x = &r->axes[r->n_axes];

                for (size_t i = 1; i < S->n; i++)
                        x->tried += strcmp(S->v[i].axis, search_axes[a]) == 0;
                if (!x->tried)
                        continue;
                r->n_axes++;
                if (!(x->input = strdup(search_axes[a])) || (b && !(x->best = strdup(b->value))))
                        return -ENOMEM;
        }
        return 0;
}

static double now_s(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void state_free(struct search_state *S)
{
        for (size_t i = 0; i < S->n; i++)
                config_clear(&S->v[i]);
        free(S->v);
        for (size_t i = 0; i < 3; i++)
                free(S->cmdlines[i]);
        explain_golden_files_free(&S->files);
}

int golden_search(const struct search_opts *o, struct search_result *ret, struct tdxh_err *e)
{
        struct search_state S = { .o = o };
        struct search_result res = { 0 };
        const struct config *found;
        unsigned threads = o->threads;
        double t0 = now_s();
        size_t n_best = 0, first;
        int r;

        if (!threads) {
                long n = sysconf(_SC_NPROCESSORS_ONLN);

                threads = n > 0 ? (unsigned)n : 1;
        }
        r = base_params(&S, e);
        if (r >= 0)
                r = cmdline_candidates(&S);
        if (r >= 0)
                r = plan(&S);
        if (r >= 0)
                r = compute_all(&S, 0, threads);
        if (r >= 0 && S.v[0].rc < 0) {
                /* The base must compute: say why it does not. */
                golden_free(&S.v[0].g);
                r = golden_compute(&S.base, &S.v[0].g, e);
                if (r >= 0)
                        r = err_setf(e, -EIO, "the golden file's own inputs do not compute");
        }
        first = S.n;
        if (r >= 0)
                r = add_combined(&S, &n_best);
        if (r >= 0 && S.n > first)
                r = compute_all(&S, first, 1);
        if (r < 0) {
                state_free(&S);
                return r;
        }
        /* The combination when it does best, else the best single change. */
        found = &S.v[0];
        for (size_t i = 1; i < S.n; i++)
                if (better(&S.v[i], found) || (S.v[i].regs == found->regs && S.v[i].events == found->events &&
                                               strcmp(S.v[i].axis, "combined") == 0))
                        found = &S.v[i];
        res.reproduced = true;
        for (int i = 0; i < GOLDEN_NREGS; i++) {
                const struct diff_register *R = &o->diff->regs[i];

                res.have[i] = R->observed_known && found->g.regs[i].present && found->g.regs[i].known;
                res.same[i] = res.have[i] && memcmp(R->observed, found->g.regs[i].value, SHA384_LEN) == 0;
                if (res.have[i] && !res.same[i]) {
                        res.reproduced = false;
                        if (i != GOLDEN_MRTD && unexplained(R, &found->g, &res.unexplained[i]) < 0)
                                r = -ENOMEM;
                }
        }
        res.n_tried = S.n;
        if (r >= 0)
                r = changes(&S, &found->p, &res);
        if (r >= 0)
                r = axes(&S, &res);
        if (r >= 0)
                r = command(&found->p, &res.command);
        if (r >= 0) {
                res.found = found->g;
                S.v[found - S.v].g = (struct golden){ 0 };
        }
        res.seconds = now_s() - t0;
        state_free(&S);
        if (r < 0) {
                search_result_free(&res);
                return r;
        }
        *ret = res;
        return 0;
}

void search_result_free(struct search_result *r)
{
        for (size_t i = 0; i < r->n_changes; i++) {
                free(r->changes[i].input);
                free(r->changes[i].golden);
                free(r->changes[i].found);
                free(r->changes[i].equally);
        }
        free(r->changes);
        for (size_t i = 0; i < r->n_axes; i++) {
                free(r->axes[i].input);
                free(r->axes[i].best);
        }
        free(r->axes);
        free(r->command);
        for (int i = 0; i < GOLDEN_NREGS; i++)
                free(r->unexplained[i]);
        golden_free(&r->found);
        *r = (struct search_result){ 0 };
}
