/* Drift between two runs; see drift.h. */
#include "check/drift.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check/report_merge.h"
#include "compare/diff.h"
#include "compare/explain.h"
#include "compare/observed.h"
#include "core/cleanup.h"
#include "core/json_util.h"
#include "golden/golden.h"
#include "predict/explain_inputs.h"

#define MAX_RUNS 256

/* One case of a run: where its evidence is and how its steps ended. */
struct dcase {
        const char *name;   /* borrowed from report */
        char *dir;          /* the case's run directory (its last attempt's) */
        json_object *host;  /* facts.host, borrowed; may be NULL */
        json_object *checks; /* borrowed */
};

struct drun {
        json_object *reports[MAX_RUNS];
        size_t n_reports;
        struct dcase *cases;
        size_t n;
};

static void drun_free(struct drun *d)
{
        for (size_t i = 0; i < d->n; i++)
                free(d->cases[i].dir);
        free(d->cases);
        for (size_t i = 0; i < d->n_reports; i++)
                json_object_put(d->reports[i]);
}

/* The case directory: the last attempt's, else the case's name ('/' as '_'). */
static char *case_dir(const char *run, json_object *sc, const char *name)
{
        json_object *facts = NULL, *att;
        const char *d = NULL;
        char *p = NULL;

        if (json_object_object_get_ex(sc, "facts", &facts) &&
            json_object_object_get_ex(facts, "attempts", &att) && json_object_array_length(att))
                d = json_get_string(json_object_array_get_idx(att, json_object_array_length(att) - 1),
                                    "run_dir");
        if (asprintf(&p, "%s/%s", run, d ? d : name) < 0)
                return NULL;
        if (!d)
                for (char *c = p + strlen(run) + 1; *c; c++)
                        if (*c == '/')
                                *c = '_';
        return p;
}

static int add_run(struct drun *d, const char *run, struct tdxh_err *e)
{
        _cleanup_free_ char *path = NULL;
        json_object *rep, *scs, *facts = NULL;

        if (d->n_reports >= MAX_RUNS)
                return err_setf(e, -E2BIG, "%s: more than %d runs", run, MAX_RUNS);
        if (asprintf(&path, "%s/report/report.json", run) < 0)
                return -ENOMEM;
        rep = json_object_from_file(path);
        if (!rep)
                return err_setf(e, -EINVAL, "%s: missing or not JSON", path);
        d->reports[d->n_reports++] = rep;
        if (!json_object_object_get_ex(rep, "scenarios", &scs) || !json_object_is_type(scs, json_type_array))
                return err_setf(e, -EINVAL, "%s: not a tdxh run report", path);
        for (size_t k = 0; k < json_object_array_length(scs); k++) {
                json_object *sc = json_object_array_get_idx(scs, k), *checks;
                struct dcase *v = reallocarray(d->cases, d->n + 1, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                d->cases = v;
                if (!json_get_string(sc, "name") || !json_object_object_get_ex(sc, "checks", &checks))
                        return err_setf(e, -EINVAL, "%s: scenarios[%zu]: no name or checks", path, k);
                facts = NULL;
                (void)json_object_object_get_ex(sc, "facts", &facts);
                v[d->n] = (struct dcase){ .name = json_get_string(sc, "name"), .checks = checks };
                if (facts)
                        (void)json_object_object_get_ex(facts, "host", &v[d->n].host);
                v[d->n].dir = case_dir(run, sc, v[d->n].name);
                if (!v[d->n++].dir)
                        return -ENOMEM;
        }
        return 0;
}

static bool is_run(const char *dir)
{
        _cleanup_free_ char *p = NULL;

        return asprintf(&p, "%s/report/report.json", dir) >= 0 && access(p, F_OK) == 0;
}

/* A run directory, or the run directories just below dir. */
static int load_runs(const char *dir, struct drun *d, struct tdxh_err *e)
{
        struct dirent **ents = NULL;
        int n, r = 0;

        if (is_run(dir))
                return add_run(d, dir, e);
        n = scandir(dir, &ents, NULL, alphasort);
        if (n < 0)
                return err_setf(e, -EINVAL, "%s: %s", dir, strerror(errno));
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *sub = NULL;

                if (r >= 0 && ents[i]->d_name[0] != '.' &&
                    asprintf(&sub, "%s/%s", dir, ents[i]->d_name) >= 0 && is_run(sub))
                        r = add_run(d, sub, e);
                free(ents[i]);
        }
        free(ents);
        if (r >= 0 && !d->n_reports)
                r = err_setf(e, -EINVAL, "%s: not a run directory of tdxh run, nor a directory of "
                             "them (no report/report.json)", dir);
        return r;
}

static const struct dcase *find_case(const struct drun *d, const char *name)
{
        for (size_t i = 0; i < d->n; i++)
                if (strcmp(d->cases[i].name, name) == 0)
                        return &d->cases[i];
        return NULL;
}

/* Host facts that differ: "kernel: 'A' -> 'B'". */
static int host_changes(const struct dcase *o, const struct dcase *n, struct buf *out)
{
        static const char *const keys[] = { "name", "kernel", "qemu", "libvirt", "tdx_module",
                                             "ovmf_sha256" };
        int r = 0;

        for (size_t i = 0; i < ELEMENTSOF(keys) && r >= 0; i++) {
                const char *a = json_get_string(o->host, keys[i]), *b = json_get_string(n->host, keys[i]);

                if ((!a && !b) || (a && b && strcmp(a, b) == 0))
                        continue;
                r = buf_printf(out, "  host %s: '%s' -> '%s'\n", keys[i], a ? a : "-", b ? b : "-");
        }
        return r;
}

/* CASE_DIR/boot-1/facts.json's "host" (what the first boot was started
 * with), or NULL. */
static json_object *boot_facts(const char *case_dir)
{
        _cleanup_free_ char *p = NULL;
        json_object *o, *h = NULL;

        if (asprintf(&p, "%s/boot-1/facts.json", case_dir) < 0)
                return NULL;
        o = json_object_from_file(p);
        if (o && json_object_object_get_ex(o, "host", &h))
                h = json_object_get(h);
        json_object_put(o);
        return h;
}

/* The boot inputs that differ (command line, memory, firmware, kernel …). */
static int input_changes(const char *old_dir, const char *new_dir, struct buf *out)
{
        static const struct {
                const char *path, *label;
        } keys[] = {
                { "cmdline", "kernel command line" }, { "memory", "memory" },
                { "firmware.sha256", "firmware sha256" }, { "kernel.sha256", "kernel sha256" },
                { "initrd.sha256", "initrd sha256" },
        };
        _cleanup_json_ json_object *o = boot_facts(old_dir), *n = boot_facts(new_dir);
        int r = 0;

        for (size_t i = 0; o && n && i < ELEMENTSOF(keys) && r >= 0; i++) {
                const char *a = json_get_string(o, keys[i].path), *b = json_get_string(n, keys[i].path);

                if ((!a && !b) || (a && b && strcmp(a, b) == 0))
                        continue;
                r = buf_printf(out, "  boot input %s: '%s' -> '%s'\n", keys[i].label, a ? a : "-",
                               b ? b : "-");
        }
        return r;
}

/* The observed evidence of one measure step directory. */
static int load_step(const char *case_dir, const char *step, struct observed *ret, struct tdxh_err *e)
{
        _cleanup_free_ char *regs = NULL, *log = NULL;

        if (asprintf(&regs, "%s/steps/%s/registers.json", case_dir, step) < 0 ||
            asprintf(&log, "%s/steps/%s/binary_bios_measurements", case_dir, step) < 0)
                return -ENOMEM;
        return observed_load((const char *const[]){ regs, log }, 2, ret, e);
}

/* The new run's check of step number nn passed. */
static bool step_passed(const struct dcase *n, unsigned nn)
{
        json_object *c = nn ? json_object_array_get_idx(n->checks, nn - 1) : NULL;
        const char *st = json_get_string(c, "status");

        return st && strcmp(st, "pass") == 0;
}

/* One measure step: registers and events that changed, with causes.
 * Returns 1 when a register changed unaccounted for. */
static int compare_step(const struct dcase *o, const struct dcase *n, const char *step,
                        struct buf *out, struct tdxh_err *e)
{
        _cleanup_observed_ struct observed old = { 0 }, new = { 0 };
        _cleanup_golden_ struct golden g = { 0 };
        _cleanup_diff_result_ struct diff_result d = { 0 };
        _cleanup_explain_result_ struct explain_result x = { 0 };
        _cleanup_explain_inputs_ struct explain_inputs inputs = EXPLAIN_INPUTS_INIT;
        _cleanup_json_ json_object *boot = boot_facts(n->dir);
        struct explain_input_args args = { .cmdline = json_get_string(boot, "cmdline") };
        struct explain_context ctx = { .kernel_header_patched = -1 };
        struct diff_observed view;
        bool changed = false, passed = step_passed(n, (unsigned)strtoul(step, NULL, 10));
        int r;

        r = load_step(o->dir, step, &old, e);
        if (r >= 0)
                r = load_step(n->dir, step, &new, e);
        if (r >= 0)
                r = observed_to_golden(&old, NULL, &g, e);
        observed_view(&new, &view);
        if (r >= 0)
                r = diff_run(&g, &view, &d, e);
        /* The new boot's command line as a candidate: explain can then say
         * the changed event is exactly that line. */
        if (r >= 0 && args.cmdline && explain_inputs_compute(&args, &g, &inputs, NULL) >= 0)
                ctx.inputs = &inputs;
        if (r >= 0)
                r = explain_run(&g, &view, &d, &ctx, &x, e);
        if (r < 0)
                return r;
        for (int i = 0; i < GOLDEN_NREGS && r >= 0; i++) {
                const struct diff_register *R = &d.regs[i];

                if (R->status != DIFF_REG_MISMATCH)
                        continue;
                changed = true;
                r = buf_printf(out, "  %s: %s changed (%zu events changed, %zu inserted, %zu removed)%s\n",
                               step, diff_reg_title(R->reg), R->n_changed, R->n_inserted, R->n_deleted,
                               passed ? "; the new golden files account for it"
                                      : "; NOT accounted for by the new golden files");
                for (size_t k = 0; k < x.n_causes && r >= 0; k++)
                        if (x.causes[k].reg == (int)R->reg)
                                r = buf_printf(out, "    cause (%s): %s\n",
                                               explain_confidence_name(x.causes[k].confidence),
                                               x.causes[k].text);
        }
        if (r < 0)
                return r;
        return changed && !passed ? 1 : 0;
}

static int measure_steps(const char *case_dir, struct dirent ***ret)
{
        _cleanup_free_ char *steps = NULL;

        if (asprintf(&steps, "%s/steps", case_dir) < 0)
                return -ENOMEM;
        return scandir(steps, ret, NULL, alphasort);
}

static int compare_case(const struct dcase *o, const struct dcase *n, struct buf *out,
                        size_t *ret_changed, struct tdxh_err *e)
{
        _cleanup_buf_ struct buf body = BUF_INIT;
        struct dirent **ents = NULL;
        int k = measure_steps(n->dir, &ents), r = 0, unaccounted = 0;

        for (int i = 0; i < (k > 0 ? k : 0); i++) {
                const char *nm = ents[i]->d_name;
                size_t len = strlen(nm);

                if (r >= 0 && len > 8 && strcmp(nm + len - 8, "-measure") == 0) {
                        r = compare_step(o, n, nm, &body, e);
                        if (r > 0)
                                unaccounted = 1;
                        if (r == -ENOENT || r == -EINVAL) {
                                /* One side lacks this step's evidence (it failed earlier). */
                                r = buf_printf(&body, "  %s: not compared: %s\n", nm, e->msg);
                                *e = (struct tdxh_err){ 0 };
                        }
                }
                free(ents[i]);
        }
        free(ents);
        if (r >= 0)
                r = input_changes(o->dir, n->dir, &body);
        if (r >= 0)
                r = host_changes(o, n, &body);
        if (r < 0)
                return r;
        if (body.len)
                (*ret_changed)++;
        r = buf_printf(out, "case %s: %s\n", n->name, body.len ? "changed" : "unchanged");
        if (r >= 0 && body.len)
                r = buf_puts(out, body.data);
        return r < 0 ? r : unaccounted;
}

int drift_compare(const char *old_dir, const char *new_dir, struct buf *out, struct tdxh_err *e)
{
        _cleanup_(drun_free) struct drun o = { 0 }, n = { 0 };
        size_t changed = 0, compared = 0;
        int r, unaccounted = 0;

        r = load_runs(old_dir, &o, e);
        if (r >= 0)
                r = load_runs(new_dir, &n, e);
        for (size_t i = 0; i < n.n && r >= 0; i++) {
                const struct dcase *oc = find_case(&o, n.cases[i].name);

                if (!oc) {
                        r = buf_printf(out, "case %s: new (not in %s)\n", n.cases[i].name, old_dir);
                        continue;
                }
                compared++;
                r = compare_case(oc, &n.cases[i], out, &changed, e);
                if (r > 0)
                        unaccounted++;
        }
        for (size_t i = 0; i < o.n && r >= 0; i++)
                if (!find_case(&n, o.cases[i].name))
                        r = buf_printf(out, "case %s: gone (not in %s)\n", o.cases[i].name, new_dir);
        if (r < 0)
                return r;
        r = buf_printf(out, "drift: %zu of %zu cases changed; %d with a register change the new golden "
                       "files do not account for\n", changed, compared, unaccounted);
        return r < 0 ? r : unaccounted ? 1 : 0;
}
