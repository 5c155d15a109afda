/* The report model; see model.h. */
#include "report/model.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/file.h"
#include "core/utf8.h"

const char *report_status_name(enum report_status s)
{
        switch (s) {
        case REPORT_PASS:
                return "pass";
        case REPORT_FAIL:
                return "fail";
        case REPORT_ERROR:
                return "error";
        case REPORT_SKIP:
                return "skip";
        }
        return "?";
}

static void check_clear(struct report_check *c)
{
        free(c->name);
        free(c->message);
        free(c->output);
}

static void scenario_free(struct report_scenario *s)
{
        if (!s)
                return;
        for (size_t i = 0; i < s->n_checks; i++)
                check_clear(&s->checks[i]);
        free(s->checks);
        free(s->name);
        free(s->backend);
        free(s->started);
        free(s->host);
        free(s->shard);
        if (s->diff)
                diff_result_free(s->diff);
        if (s->explain)
                explain_result_free(s->explain);
        free(s->diff);
        free(s->explain);
        for (size_t i = 0; i < s->n_comparisons; i++) {
                free(s->comparisons[i].label);
                diff_result_free(&s->comparisons[i].diff);
                explain_result_free(&s->comparisons[i].explain);
        }
        free(s->comparisons);
        json_object_put(s->facts);
        json_object_put(s->values);
        json_object_put(s->reproduce);
        free(s);
}

void report_set_reproduce(struct report_scenario *s, json_object *reproduce)
{
        json_object_put(s->reproduce);
        s->reproduce = json_object_get(reproduce);
}

int report_set_facts(struct report_scenario *s, json_object *facts)
{
        json_object_put(s->facts);
        s->facts = json_object_get(facts);
        return 0;
}

static const char *host_string(json_object *host, const char *key)
{
        json_object *v;

        return json_object_object_get_ex(host, key, &v) && json_object_is_type(v, json_type_string)
                       ? json_object_get_string(v)
                       : NULL;
}

int report_set_origin(struct report_scenario *s, json_object *host, const char *shard)
{
        _cleanup_buf_ struct buf b = BUF_INIT;
        static const struct {
                const char *key, *label;
        } parts[] = {
                { "kernel", "kernel" }, { "qemu", "QEMU" }, { "libvirt", "libvirt" },
                { "tdx_module", "TDX module" }, { "ovmf_sha256", "OVMF sha256" },
        };
        const char *sep = ": ";
        int r = 0;

        free(s->host);
        free(s->shard);
        s->host = s->shard = NULL;
        if (shard && utf8_sanitize_dup(shard, &s->shard) < 0)
                return -ENOMEM;
        if (!host)
                return 0;
        r = buf_puts(&b, host_string(host, "name") ? host_string(host, "name") : "(unnamed host)");
        for (size_t i = 0; i < ELEMENTSOF(parts) && r >= 0; i++) {
                const char *v = host_string(host, parts[i].key);

                if (!v)
                        continue;
                /* "QEMU emulator version 7.2" names itself */
                if (strncmp(v, parts[i].label, strlen(parts[i].label)) == 0)
                        r = buf_printf(&b, "%s%s", sep, v);
                else
                        r = buf_printf(&b, "%s%s %s", sep, parts[i].label, v);
                sep = ", ";
        }
        if (r < 0)
                return r;
        return utf8_sanitize_dup(b.data, &s->host);
}

void report_set_run(struct report *r, json_object *run)
{
        json_object_put(r->run);
        r->run = json_object_get(run);
}

void report_free(struct report *r)
{
        if (!r)
                return;
        for (size_t i = 0; i < r->n_scenarios; i++)
                scenario_free(r->scenarios[i]);
        free(r->scenarios);
        free(r->title);
        free(r->tool_version);
        free(r->created);
        json_object_put(r->run);
        memset(r, 0, sizeof(*r));
}

int report_init(struct report *r, const char *title, const char *tool_version, const char *created)
{
        struct report n = { 0 };
        int ret;

        ret = utf8_sanitize_dup(title ? title : "tdxh", &n.title);
        if (ret >= 0)
                ret = utf8_sanitize_dup(tool_version, &n.tool_version);
        if (ret >= 0)
                ret = utf8_sanitize_dup(created, &n.created);
        if (ret < 0) {
                report_free(&n);
                return ret;
        }
        *r = n;
        return 0;
}

int report_add_scenario(struct report *r, const char *name, const char *backend,
                        const char *started, struct report_scenario **ret)
{
        struct report_scenario *s = calloc(1, sizeof(*s)), **v;
        int e;

        if (!s)
                return -ENOMEM;
        e = utf8_sanitize_dup(name ? name : "(unnamed)", &s->name);
        if (e >= 0)
                e = utf8_sanitize_dup(backend, &s->backend);
        if (e >= 0)
                e = utf8_sanitize_dup(started, &s->started);
        v = e >= 0 ? reallocarray(r->scenarios, r->n_scenarios + 1, sizeof(*v)) : NULL;
        if (!v) {
                scenario_free(s);
                return e < 0 ? e : -ENOMEM;
        }
        r->scenarios = v;
        r->scenarios[r->n_scenarios++] = s;
        if (ret)
                *ret = s;
        return 0;
}

int report_add_check(struct report_scenario *s, const char *name, enum report_status status,
                     const char *message, const char *output, double seconds, int reg)
{
        struct report_check c = { .status = status, .seconds = seconds, .reg = reg };
        struct report_check *v;
        int r;

        r = utf8_sanitize_dup(name ? name : "(unnamed)", &c.name);
        if (r >= 0)
                r = utf8_sanitize_dup(message, &c.message);
        if (r >= 0 && output) {
                struct buf b = BUF_INIT;

                r = utf8_sanitize(&b, output, strlen(output), true);
                c.output = buf_detach(&b, NULL);
                if (!c.output)
                        r = -ENOMEM;
        }
        v = r >= 0 ? reallocarray(s->checks, s->n_checks + 1, sizeof(*v)) : NULL;
        if (!v) {
                check_clear(&c);
                return r < 0 ? r : -ENOMEM;
        }
        s->checks = v;
        s->checks[s->n_checks++] = c;
        s->seconds += seconds;
        return 0;
}

static const char *first_cause(const struct explain_result *x, int reg)
{
        for (size_t i = 0; x && i < x->n_causes; i++)
                if (x->causes[i].reg == reg)
                        return x->causes[i].text;
        return NULL;
}

static int register_check(struct report_scenario *s, const struct diff_register *R)
{
        _cleanup_buf_ struct buf out = BUF_INIT, msg = BUF_INIT;
        enum report_status st;
        const char *cause = first_cause(s->explain, R->reg);
        int r = 0;

        switch (R->status) {
        case DIFF_REG_NOT_LISTED:
                return 0;
        case DIFF_REG_MATCH:
                st = R->replay == DIFF_REPLAY_MISMATCH ? REPORT_FAIL : REPORT_PASS;
                break;
        case DIFF_REG_MISMATCH:
                st = REPORT_FAIL;
                break;
        default:
                st = REPORT_SKIP;
        }
        if (st == REPORT_FAIL)
                r = buf_printf(&msg, "%s %s%s%s", diff_reg_title(R->reg),
                               R->status == DIFF_REG_MISMATCH ? "differs from the golden file"
                                                              : "event log does not replay",
                               cause ? ": " : "", cause ? cause : "");
        else if (st == REPORT_SKIP)
                r = buf_printf(&msg, "%s %s", diff_reg_title(R->reg),
                               R->status == DIFF_REG_UNKNOWN ? "is not predicted by the golden file"
                                                             : "is not in the evidence");
        if (r >= 0 && st != REPORT_PASS)
                r = s->explain ? explain_format_text(s->diff, s->explain, R->reg, &out)
                               : diff_format_text(s->diff, R->reg, 1, &out);
        if (r < 0)
                return r;
        return report_add_check(s, golden_reg_name(R->reg), st, msg.len ? msg.data : NULL,
                                out.len ? out.data : NULL, 0, R->reg);
}

int report_attach_diff(struct report_scenario *s, struct diff_result *d, struct explain_result *x)
{
        int r = 0;

        if (s->diff)
                return -EEXIST;
        s->diff = malloc(sizeof(*s->diff));
        s->explain = x ? malloc(sizeof(*s->explain)) : NULL;
        if (!s->diff || (x && !s->explain)) {
                free(s->diff);
                free(s->explain);
                s->diff = NULL;
                s->explain = NULL;
                return -ENOMEM;
        }
        *s->diff = *d;
        memset(d, 0, sizeof(*d));
        if (x) {
                *s->explain = *x;
                memset(x, 0, sizeof(*x));
        }
        for (int i = 0; i < GOLDEN_NREGS && r >= 0; i++)
                r = register_check(s, &s->diff->regs[i]);
        return r;
}

int report_add_comparison(struct report_scenario *s, const char *label, struct diff_result *d,
                          struct explain_result *x)
{
        struct report_comparison *v = reallocarray(s->comparisons, s->n_comparisons + 1, sizeof(*v));
        char *l = NULL;

        if (!v)
                return -ENOMEM;
        s->comparisons = v;
        if (utf8_sanitize_dup(label, &l) < 0)
                return -ENOMEM;
        v[s->n_comparisons++] = (struct report_comparison){ .label = l, .diff = *d, .explain = *x };
        memset(d, 0, sizeof(*d));
        memset(x, 0, sizeof(*x));
        return 0;
}

void report_count(const struct report *r, const struct report_scenario *only, struct report_counts *ret)
{
        struct report_counts c = { 0 };

        for (size_t i = 0; i < r->n_scenarios; i++) {
                const struct report_scenario *s = r->scenarios[i];

                if (only && s != only)
                        continue;
                for (size_t j = 0; j < s->n_checks; j++) {
                        c.checks++;
                        c.passed += s->checks[j].status == REPORT_PASS;
                        c.failed += s->checks[j].status == REPORT_FAIL;
                        c.errors += s->checks[j].status == REPORT_ERROR;
                        c.skipped += s->checks[j].status == REPORT_SKIP;
                }
        }
        *ret = c;
}

enum report_status report_result(const struct report_counts *c)
{
        return c->failed ? REPORT_FAIL : c->errors ? REPORT_ERROR : REPORT_PASS;
}

static int write_out(const struct buf *b, const char *path, struct tdxh_err *e)
{
        if (!path || strcmp(path, "-") == 0) {
                if (fwrite(b->data, 1, b->len, stdout) != b->len || fflush(stdout) != 0)
                        return err_setf(e, -EIO, "cannot write to standard output");
                return 0;
        }
        return file_write_atomic(path, b->data ? b->data : "", b->len, 0644, e);
}

typedef int (*render_fn)(const struct report *r, struct buf *out);

static int write_rendered(const struct report *r, render_fn fn, const char *path, struct tdxh_err *e)
{
        _cleanup_buf_ struct buf b = BUF_INIT;
        int ret = fn(r, &b);

        if (ret < 0)
                return err_setf(e, ret, "%s: cannot render the report", path ? path : "-");
        return write_out(&b, path, e);
}

int report_write_junit(const struct report *r, const char *path, struct tdxh_err *e)
{
        return write_rendered(r, report_junit, path, e);
}

int report_write_markdown(const struct report *r, const char *path, struct tdxh_err *e)
{
        return write_rendered(r, report_markdown, path, e);
}

int report_write_html(const struct report *r, const char *path, struct tdxh_err *e)
{
        return write_rendered(r, report_html, path, e);
}

int report_dir_prepare(const char *dir, struct tdxh_err *e)
{
        struct stat st;

        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return err_setf(e, -errno, "%s: cannot create the report directory: %m", dir);
        if (stat(dir, &st) < 0)
                return err_setf(e, -errno, "%s: cannot use the report directory: %m", dir);
        if (!S_ISDIR(st.st_mode))
                return err_setf(e, -ENOTDIR, "%s: cannot use the report directory: not a directory",
                                dir);
        if (access(dir, W_OK | X_OK) < 0)
                return err_setf(e, -errno, "%s: cannot write to the report directory: %m", dir);
        return 0;
}

int report_write_dir(const struct report *r, const char *dir, struct tdxh_err *e)
{
        static const struct {
                const char *name;
                int (*write)(const struct report *r, const char *path, struct tdxh_err *e);
        } files[] = {
                { "report.xml", report_write_junit },
                { "report.json", report_write_json },
                { "summary.md", report_write_markdown },
                { "report.html", report_write_html },
        };
        int ret = report_dir_prepare(dir, e);

        for (size_t i = 0; i < ELEMENTSOF(files) && ret >= 0; i++) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", dir, files[i].name) < 0)
                        return -ENOMEM;
                ret = files[i].write(r, path, e);
        }
        return ret;
}

void report_timestamp(char out[32])
{
        const char *sde = getenv("SOURCE_DATE_EPOCH");
        time_t t = sde && *sde ? (time_t)strtoll(sde, NULL, 10) : time(NULL);
        struct tm tm;

        gmtime_r(&t, &tm);
        strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
