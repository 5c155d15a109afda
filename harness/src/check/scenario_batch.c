/* Several scenarios, one after another or in parallel processes, and one
 * report over them; see scenario_batch.h. */
#include "check/scenario_batch.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/file.h"
#include "core/json_util.h"
#include "core/strv.h"
#include "report/model.h"
#include "run/child.h"
#include "run/rundir.h"
#include "tdxh_version.h"

#define PROGRESS_PREFIX "tdxh-progress\t"
#define CHILD_STEP_BUDGET_MS (15u * 60 * 1000) /* backstop per step; the child has its own deadlines */
#define CHILD_STOP_GRACE_MS 90000               /* a child stopping its guest after a signal */
#define TICK_MS 500

extern char **environ;

void batch_result_free(struct batch_result *r)
{
        if (!r)
                return;
        for (size_t i = 0; i < r->n; i++)
                scenario_result_free(&r->results[i]);
        free(r->results);
        free(r->out_dir);
        free(r->report_dir);
        *r = (struct batch_result){ 0 };
}

static enum step_status status_from_name(const char *s)
{
        return strcmp(s, "pass") == 0 ? STEP_PASSED
               : strcmp(s, "fail") == 0 ? STEP_FAILED
               : strcmp(s, "skip") == 0 ? STEP_SKIPPED
                                        : STEP_ERROR;
}

static char *string_member(json_object *o, const char *key)
{
        json_object *v;

        if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
                return NULL;
        return strdup(json_object_get_string(v));
}

int scenario_result_load(const char *run_dir, struct scenario_result *ret, struct tdxh_err *e)
{
        _cleanup_free_ char *path = NULL, *text = NULL;
        _cleanup_json_ json_object *root = NULL;
        json_object *scs, *sc, *checks, *v;
        size_t len = 0, n;
        int r;

        if (asprintf(&path, "%s/report/report.json", run_dir) < 0)
                return -ENOMEM;
        r = file_read_all(path, 64u << 20, &text, &len, e);
        if (r < 0)
                return r;
        root = json_tokener_parse(text);
        if (!root || !json_object_object_get_ex(root, "scenarios", &scs) ||
            !json_object_is_type(scs, json_type_array) || json_object_array_length(scs) != 1 ||
            !(sc = json_object_array_get_idx(scs, 0)) ||
            !json_object_object_get_ex(sc, "checks", &checks) ||
            !json_object_is_type(checks, json_type_array))
                return err_setf(e, -EPROTO, "%s: not the report of one scenario", path);
        n = json_object_array_length(checks);
        ret->steps = calloc(n ? n : 1, sizeof(*ret->steps));
        if (!ret->steps)
                return -ENOMEM;
        ret->n_steps = n;
        for (size_t i = 0; i < n; i++) {
                json_object *c = json_object_array_get_idx(checks, i);
                struct step_result *s = &ret->steps[i];
                _cleanup_free_ char *st = string_member(c, "status");

                s->name = string_member(c, "name");
                s->message = string_member(c, "message");
                s->detail = string_member(c, "output");
                s->status = st ? status_from_name(st) : STEP_ERROR;
                if (json_object_object_get_ex(c, "seconds", &v))
                        s->seconds = json_object_get_double(v);
                if (!s->name || !s->message)
                        return err_setf(e, -EPROTO, "%s: check %zu has no name or message", path, i);
        }
        if (json_object_object_get_ex(sc, "seconds", &v))
                ret->seconds = json_object_get_double(v);
        if (json_object_object_get_ex(sc, "facts", &v) && json_object_is_type(v, json_type_object))
                ret->facts = json_object_get(v);
        if (json_object_object_get_ex(sc, "values", &v) && json_object_is_type(v, json_type_object))
                ret->values = json_object_get(v);
        ret->run_dir = strdup(run_dir);
        return asprintf(&ret->report_dir, "%s/report", run_dir) < 0 || !ret->run_dir ? -ENOMEM : 0;
}

/* OUT/NAME, made unique among the batch's scenarios. */
static int scenario_dirs(struct scenario *const *scs, size_t n, const char *out, char ***ret)
{
        char **dirs = calloc(n, sizeof(*dirs));

        if (!dirs)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                unsigned same = 0;

                for (size_t j = 0; j < i; j++)
                        same += strcmp(scs[j]->name, scs[i]->name) == 0;
                if ((same ? asprintf(&dirs[i], "%s/%s-%u", out, scs[i]->name, same + 1)
                          : asprintf(&dirs[i], "%s/%s", out, scs[i]->name)) < 0) {
                        for (size_t j = 0; j < i; j++)
                                free(dirs[j]);
                        free(dirs);
                        return -ENOMEM;
                }
                /* A case of an image matrix names a path: one directory all the same. */
                for (char *c = dirs[i] + strlen(out) + 1; *c; c++)
                        if (*c == '/')
                                *c = '_';
        }
        *ret = dirs;
        return 0;
}

static int set_result_verdict(struct scenario_result *r, int code, const char *reason)
{
        r->exit_code = code;
        r->verdict = strdup(code == 0 ? "pass" : code == 1 ? "fail"
                            : code == 2 ? "bad input" : "infrastructure failure");
        if (reason && !r->reason)
                r->reason = strdup(reason);
        if (!r->reason)
                for (size_t i = 0; i < r->n_steps; i++)
                        if (r->steps[i].status == STEP_FAILED || r->steps[i].status == STEP_ERROR) {
                                r->reason = strdup(r->steps[i].message);
                                break;
                        }
        return r->verdict ? 0 : -ENOMEM;
}

/* ---- in process, one after another ---- */

struct seq_progress {
        const struct batch_opts *o;
        size_t k, n;
};

static void seq_on_progress(const struct scenario *sc, size_t i, size_t n, const char *what, void *ud)
{
        const struct seq_progress *p = ud;

        p->o->on_progress(p->k, p->n, sc->name, i, n, what, p->o->userdata);
}

static void run_sequential(struct scenario *const *scs, size_t n, char **dirs,
                           const struct batch_opts *o, struct signal_watch *sw,
                           struct batch_result *ret)
{
        for (size_t k = 0; k < n; k++) {
                struct scenario_run_opts ro = o->run;
                struct seq_progress p = { .o = o, .k = k, .n = n };
                struct tdxh_err e = { 0 };

                ro.out_dir = dirs[k];
                if (o->on_progress) {
                        ro.on_progress = seq_on_progress;
                        ro.userdata = &p;
                }
                if (sw && sw->received) {
                        set_result_verdict(&ret->results[k], 3, "not run: interrupted");
                        continue;
                }
                (void)scenario_run(scs[k], &ro, sw, &ret->results[k], &e);
        }
}

/* ---- in parallel processes ---- */

struct job {
        struct child proc;
        int err_fd;          /* read end of the child's stderr; -1 when closed */
        struct buf line;     /* a partial line */
        struct buf log;      /* what the child said that was not progress */
        struct deadline deadline;
        bool started, done;
};

static int spawn_job(const struct scenario *sc, const char *dir, const struct batch_opts *o,
                     struct job *j, struct tdxh_err *e)
{
        _cleanup_strv_ struct strv argv = STRV_INIT;
        int pipefd[2];
        int r;

        if (strv_push(&argv, o->self) < 0 || strv_push(&argv, "run") < 0 ||
            strv_push(&argv, "--progress-lines") < 0 || strv_push(&argv, "--out") < 0 ||
            strv_push(&argv, dir) < 0 ||
            (o->run.backend && (strv_push(&argv, "--backend") < 0 || strv_push(&argv, o->run.backend) < 0)) ||
            (o->run.libvirt_fake && (strv_push(&argv, "--platform") < 0 ||
                                     strv_push(&argv, "fake") < 0)) ||
            (o->run.libvirt_uri && (strv_push(&argv, "--connect") < 0 ||
                                    strv_push(&argv, o->run.libvirt_uri) < 0)) ||
            (o->run.image && (strv_push(&argv, "--image") < 0 || strv_push(&argv, o->run.image) < 0)) ||
            (o->run.firmware && (strv_push(&argv, "--firmware") < 0 ||
                                 strv_push(&argv, o->run.firmware) < 0)) ||
            (o->run.qemu && (strv_push(&argv, "--qemu") < 0 || strv_push(&argv, o->run.qemu) < 0)) ||
            (o->run.shard && (strv_push(&argv, "--shard") < 0 || strv_push(&argv, o->run.shard) < 0)) ||
            (strcmp(sc->name, sc->base_name) != 0 &&
             (strv_push(&argv, "--case") < 0 || strv_push(&argv, sc->name) < 0)) ||
            strv_push(&argv, "--") < 0 || strv_push(&argv, sc->path) < 0)
                return -ENOMEM;
        if (pipe2(pipefd, O_CLOEXEC) < 0)
                return err_setf(e, -errno, "cannot make a pipe: %s", strerror(errno));
        r = child_spawn(&j->proc,
                        &(struct child_opts){ .name = "tdxh run", .argv = (const char *const *)argv.v,
                                              .envp = (const char *const *)environ,
                                              .err = { .kind = CHILD_IO_FD, .fd = pipefd[1] } },
                        e);
        close(pipefd[1]);
        if (r < 0) {
                close(pipefd[0]);
                return r;
        }
        (void)fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
        j->err_fd = pipefd[0];
        j->started = true;
        j->deadline = deadline_in_ms((uint64_t)CHILD_STEP_BUDGET_MS * (sc->n_steps + 1));
        return 0;
}

/* "tdxh-progress\tI\tN\tWHAT" lines become progress; the rest is kept. */
static void job_line(const struct batch_opts *o, size_t k, size_t n, const struct scenario *sc,
                     struct job *j, char *line)
{
        char *end = NULL;

        if (strncmp(line, PROGRESS_PREFIX, strlen(PROGRESS_PREFIX)) == 0) {
                char *p = line + strlen(PROGRESS_PREFIX);
                unsigned long i = strtoul(p, &end, 10), steps;

                if (end && *end == '\t') {
                        steps = strtoul(end + 1, &end, 10);
                        if (end && *end == '\t' && o->on_progress)
                                o->on_progress(k, n, sc->name, i, steps, end + 1, o->userdata);
                }
                return;
        }
        (void)buf_puts(&j->log, line);
        (void)buf_putc(&j->log, '\n');
}

static void job_read(const struct batch_opts *o, size_t k, size_t n, const struct scenario *sc,
                     struct job *j)
{
        char chunk[4096];

        for (;;) {
                ssize_t got = read(j->err_fd, chunk, sizeof(chunk));

                if (got < 0 && errno == EINTR)
                        continue;
                if (got <= 0) {
                        if (got == 0 || errno != EAGAIN) {
                                close(j->err_fd);
                                j->err_fd = -1;
                        }
                        break;
                }
                for (ssize_t i = 0; i < got; i++) {
                        if (chunk[i] != '\n') {
                                (void)buf_putc(&j->line, chunk[i]);
                                continue;
                        }
                        if (j->line.data) {
                                job_line(o, k, n, sc, j, j->line.data);
                                buf_reset(&j->line);
                        }
                }
        }
}

static void job_finish(const struct scenario *sc, const char *dir, struct job *j,
                       struct scenario_result *res)
{
        struct tdxh_err e = { 0 };
        char status[96];
        int code;

        j->done = true;
        if (j->err_fd >= 0) {
                close(j->err_fd);
                j->err_fd = -1;
        }
        code = WIFEXITED(j->proc.status) ? WEXITSTATUS(j->proc.status) : 3;
        if (code > 3)
                code = 3;
        if (scenario_result_load(dir, res, &e) < 0) {
                child_describe(&j->proc, status, sizeof(status));
                scenario_result_free(res);
                (void)asprintf(&res->reason, "%s: the scenario's process %s without a report%s%.200s",
                               sc->name, status, j->log.len ? ": " : "",
                               j->log.len ? j->log.data : "");
                res->run_dir = strdup(dir);
                code = code == 0 || code == 1 ? 3 : code;
        }
        set_result_verdict(res, code, NULL);
}

static void run_parallel(struct scenario *const *scs, size_t n, char **dirs,
                         const struct batch_opts *o, struct signal_watch *sw,
                         struct batch_result *ret)
{
        struct job *jobs = calloc(n, sizeof(*jobs));
        size_t next = 0, running = 0, finished = 0;
        bool stopping = false;

        if (!jobs) {
                for (size_t k = 0; k < n; k++)
                        set_result_verdict(&ret->results[k], 3, "out of memory");
                return;
        }
        for (size_t k = 0; k < n; k++)
                jobs[k] = (struct job){ .proc = CHILD_INIT, .err_fd = -1 };
        while (finished < n) {
                struct pollfd fds[1 + 2 * 64];
                size_t map[1 + 2 * 64], nf = 0;

                while (!stopping && next < n && running < o->jobs && running < 64) {
                        struct tdxh_err e = { 0 };

                        if (spawn_job(scs[next], dirs[next], o, &jobs[next], &e) < 0) {
                                set_result_verdict(&ret->results[next], 3, e.msg[0] ? e.msg : "cannot start");
                                jobs[next].done = true;
                                finished++;
                        } else {
                                running++;
                        }
                        next++;
                }
                if (stopping && next < n) {
                        for (; next < n; next++, finished++) {
                                jobs[next].done = true;
                                set_result_verdict(&ret->results[next], 3, "not run: interrupted");
                        }
                        continue;
                }
                if (sw && sw->fd >= 0) {
                        fds[nf] = (struct pollfd){ .fd = sw->fd, .events = POLLIN };
                        map[nf++] = SIZE_MAX;
                }
                for (size_t k = 0; k < n; k++) {
                        if (!jobs[k].started || jobs[k].done)
                                continue;
                        if (jobs[k].err_fd >= 0) {
                                fds[nf] = (struct pollfd){ .fd = jobs[k].err_fd, .events = POLLIN };
                                map[nf++] = k;
                        }
                        fds[nf] = (struct pollfd){ .fd = jobs[k].proc.pidfd, .events = POLLIN };
                        map[nf++] = k;
                }
                (void)poll(fds, nf, TICK_MS);
                if (!stopping && signal_watch_pending(sw)) {
                        /* Pass it on: each child stops its guest and exits. */
                        stopping = true;
                        for (size_t k = 0; k < n; k++)
                                if (jobs[k].started && !jobs[k].done)
                                        (void)child_signal(&jobs[k].proc, SIGTERM);
                }
                for (size_t f = 0; f < nf; f++) {
                        size_t k = map[f];

                        if (k == SIZE_MAX || !(fds[f].revents & (POLLIN | POLLHUP | POLLERR)))
                                continue;
                        if (jobs[k].err_fd >= 0 && fds[f].fd == jobs[k].err_fd)
                                job_read(o, k, n, scs[k], &jobs[k]);
                }
                for (size_t k = 0; k < n; k++) {
                        struct job *j = &jobs[k];

                        if (!j->started || j->done)
                                continue;
                        if (!child_exited(&j->proc)) {
                                if (!deadline_expired(&j->deadline))
                                        continue;
                                (void)child_terminate(&j->proc, 0, CHILD_STOP_GRACE_MS, NULL);
                        }
                        while (j->err_fd >= 0)
                                job_read(o, k, n, scs[k], j);
                        job_finish(scs[k], dirs[k], j, &ret->results[k]);
                        running--;
                        finished++;
                        if (o->on_progress)
                                o->on_progress(k, n, scs[k]->name, scs[k]->n_steps, scs[k]->n_steps,
                                               ret->results[k].verdict, o->userdata);
                }
                if (stopping) {
                        /* Bounded: every child gets the grace period, then SIGKILL. */
                        for (size_t k = 0; k < n; k++) {
                                struct job *j = &jobs[k];

                                if (!j->started || j->done)
                                        continue;
                                (void)child_terminate(&j->proc, CHILD_STOP_GRACE_MS, 5000, NULL);
                                while (j->err_fd >= 0)
                                        job_read(o, k, n, scs[k], j);
                                job_finish(scs[k], dirs[k], j, &ret->results[k]);
                                running--;
                                finished++;
                        }
                }
        }
        for (size_t k = 0; k < n; k++) {
                if (jobs[k].err_fd >= 0)
                        close(jobs[k].err_fd);
                child_done(&jobs[k].proc);
                buf_free(&jobs[k].line);
                buf_free(&jobs[k].log);
        }
        free(jobs);
}

/* ---- the batch's report ---- */

static enum report_status report_status_of(enum step_status s)
{
        return s == STEP_PASSED ? REPORT_PASS
               : s == STEP_FAILED ? REPORT_FAIL
               : s == STEP_ERROR ? REPORT_ERROR
                                 : REPORT_SKIP;
}

/* The report's "run": the shard and every case of the whole run, which a
 * merge of the shards checks against what they ran. */
static int run_json(const struct batch_opts *o, struct report *rep)
{
        _cleanup_json_ json_object *run = json_object_new_object(), *cases = json_object_new_array();
        json_object *shard = NULL;

        if (!run || !cases)
                return -ENOMEM;
        if (o->shard_count) {
                shard = json_object_new_object();
                if (!shard || json_add(run, "shard", shard) < 0 ||
                    json_add_int(shard, "index", o->shard_index) < 0 ||
                    json_add_int(shard, "count", o->shard_count) < 0)
                        return -ENOMEM;
        } else if (json_add(run, "shard", NULL) < 0) {
                return -ENOMEM;
        }
        for (size_t i = 0; i < o->n_plan; i++)
                if (json_array_add(cases, json_object_new_string(o->plan[i])) < 0)
                        return -ENOMEM;
        if (json_add(run, "cases", TAKE_PTR(cases)) < 0 || json_add_int(run, "retries", o->retries) < 0)
                return -ENOMEM;
        report_set_run(rep, run);
        return 0;
}

static int write_report(struct scenario *const *scs, const struct batch_opts *o,
                        struct batch_result *ret, struct tdxh_err *e)
{
        _cleanup_report_ struct report rep = { 0 };
        char now[32];
        int r;

        report_timestamp(now);
        r = report_init(&rep, "tdxh run", TDXH_VERSION, now);
        if (r >= 0)
                r = run_json(o, &rep);
        for (size_t k = 0; k < ret->n && r >= 0; k++) {
                const struct scenario_result *res = &ret->results[k];
                struct report_scenario *s = NULL;

                r = report_add_scenario(&rep, scs[k]->name, o->run.backend ? o->run.backend : "fake",
                                        NULL, &s);
                if (r < 0)
                        break;
                s->seconds = res->seconds;
                s->values = json_object_get(res->values);
                if (res->facts) {
                        json_object *host = NULL;

                        (void)json_object_object_get_ex(res->facts, "host", &host);
                        r = report_set_facts(s, res->facts);
                        if (r >= 0)
                                r = report_set_origin(s, host, o->run.shard);
                }
                for (size_t i = 0; i < res->n_steps && r >= 0; i++)
                        r = report_add_check(s, res->steps[i].name, report_status_of(res->steps[i].status),
                                             res->steps[i].message, res->steps[i].detail,
                                             res->steps[i].seconds, -1);
                /* A scenario that never ran its steps still shows, as an error. */
                if (r >= 0 && !res->n_steps)
                        r = report_add_check(s, "scenario", res->exit_code ? REPORT_ERROR : REPORT_PASS,
                                             res->reason ? res->reason : res->verdict, NULL, 0, -1);
        }
        if (r < 0)
                return err_setf(e, r, "cannot build the report");
        if (asprintf(&ret->report_dir, "%s/report", ret->out_dir) < 0)
                return -ENOMEM;
        r = report_write_dir(&rep, ret->report_dir, e);
        if (r < 0) {
                free(ret->report_dir);
                ret->report_dir = NULL;
        }
        if (r >= 0 && o->junit)
                r = report_write_junit(&rep, o->junit, e);
        return r;
}

static void run_round(struct scenario *const *scs, size_t n, char **dirs, const struct batch_opts *o,
                      struct signal_watch *sw, struct scenario_result *results)
{
        struct batch_result round = { .results = results, .n = n };

        if (o->jobs > 1 && n > 1 && o->self)
                run_parallel(scs, n, dirs, o, sw, &round);
        else
                run_sequential(scs, n, dirs, o, sw, &round);
}

/* {"attempt", "verdict", "exit_code", "reason", "run_dir"} of one attempt;
 * run_dir relative to the batch's directory, so that reports stay the same
 * wherever the directory is unpacked. */
static int attempt_json(const struct scenario_result *res, unsigned attempt, json_object *list)
{
        json_object *a = json_object_new_object();
        const char *dir = res->run_dir ? strrchr(res->run_dir, '/') : NULL;

        if (!a || json_array_add(list, a) < 0 || json_add_int(a, "attempt", attempt) < 0 ||
            json_add_string(a, "verdict", res->verdict) < 0 ||
            json_add_int(a, "exit_code", res->exit_code) < 0 ||
            json_add_string(a, "reason", res->reason) < 0 ||
            json_add_string(a, "run_dir", dir ? dir + 1 : res->run_dir) < 0)
                return -ENOMEM;
        return 0;
}

/* Infrastructure failures run again, each attempt in a directory of its
 * own; only exit 3 does (a mismatch is a verdict, not bad luck). Every
 * attempt ends up in the last one's facts.attempts. */
static void run_retries(struct scenario *const *scs, size_t n, char **dirs, const struct batch_opts *o,
                        struct signal_watch *sw, struct scenario_result *results)
{
        json_object **attempts = calloc(n ? n : 1, sizeof(*attempts));
        struct scenario **sub = calloc(n ? n : 1, sizeof(*sub));
        struct scenario_result *subres = calloc(n ? n : 1, sizeof(*subres));
        char **subdirs = calloc(n ? n : 1, sizeof(*subdirs));
        size_t *map = calloc(n ? n : 1, sizeof(*map));

        if (!attempts || !sub || !subres || !subdirs || !map)
                goto out;
        for (size_t k = 0; k < n; k++) {
                attempts[k] = json_object_new_array();
                if (attempts[k])
                        (void)attempt_json(&results[k], 1, attempts[k]);
        }
        for (unsigned a = 2; a <= o->retries + 1 && !(sw && sw->received); a++) {
                size_t m = 0;

                for (size_t k = 0; k < n; k++) {
                        if (results[k].exit_code != TDXH_EXIT_INFRA)
                                continue;
                        subdirs[m] = NULL;
                        if (asprintf(&subdirs[m], "%s.attempt-%u", dirs[k], a) < 0)
                                break;
                        sub[m] = scs[k];
                        subres[m] = (struct scenario_result){ 0 };
                        map[m++] = k;
                }
                if (!m)
                        break;
                run_round(sub, m, subdirs, o, sw, subres);
                for (size_t i = 0; i < m; i++) {
                        scenario_result_free(&results[map[i]]);
                        results[map[i]] = subres[i];
                        if (attempts[map[i]])
                                (void)attempt_json(&results[map[i]], a, attempts[map[i]]);
                        free(subdirs[i]);
                }
        }
        for (size_t k = 0; k < n; k++) {
                if (!results[k].facts)
                        results[k].facts = json_object_new_object();
                if (results[k].facts && attempts[k])
                        (void)json_add(results[k].facts, "attempts", json_object_get(attempts[k]));
                json_object_put(attempts[k]);
        }
out:
        free(attempts);
        free(sub);
        free(subres);
        free(subdirs);
        free(map);
}

int batch_run(struct scenario *const *scs, size_t n, const struct batch_opts *o,
              struct signal_watch *sw, struct batch_result *ret, struct tdxh_err *e)
{
        _cleanup_(rundir_close) struct rundir rd = RUNDIR_INIT;
        char **dirs = NULL;
        int r, code = 0;

        *ret = (struct batch_result){ 0 };
        ret->results = calloc(n ? n : 1, sizeof(*ret->results));
        if (!ret->results)
                return err_setf(e, -ENOMEM, "out of memory"), TDXH_EXIT_INFRA;
        ret->n = n;
        r = rundir_open(&rd, o->out_dir, e);
        if (r < 0)
                return (ret->exit_code = TDXH_EXIT_INFRA);
        ret->out_dir = strdup(rd.path);
        if (!ret->out_dir || scenario_dirs(scs, n, ret->out_dir, &dirs) < 0)
                return err_setf(e, -ENOMEM, "out of memory"), (ret->exit_code = TDXH_EXIT_INFRA);
        run_round(scs, n, dirs, o, sw, ret->results);
        run_retries(scs, n, dirs, o, sw, ret->results);
        for (size_t k = 0; k < n; k++) {
                int c = ret->results[k].exit_code;

                /* 3 outranks 2 outranks 1 outranks 0. */
                if (c > code)
                        code = c;
                free(dirs[k]);
        }
        free(dirs);
        if (write_report(scs, o, ret, e) < 0 && code != TDXH_EXIT_INFRA) {
                /* The verdict cannot be delivered: a failure of the harness. */
                code = TDXH_EXIT_INFRA;
        }
        ret->exit_code = code;
        return code;
}
