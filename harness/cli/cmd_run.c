/* tdxh run: runs scenario files (the YAML files of scenarios/) step by step against
 * guests on a backend, and reports every step. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/scenario.h"
#include "check/scenario_batch.h"
#include "cli.h"
#include "options.h"
#include "core/cleanup.h"
#include "core/datadir.h"
#include "core/log.h"
#include "run/host_check.h"
#include "run/signals.h"

#define MAX_SCENARIOS 64
#define MAX_CASES 1024
#define MAX_JOBS 16
#define MAX_SHARDS 1024
#define MAX_RETRIES 10

static void usage(FILE *f)
{
        fputs("Usage: tdxh run SCENARIO... [--backend fake|qemu-tdx|libvirt] [--platform tdx|fake]\n"
              "                [--dry-run] [--image DIR|DISK] [--golden FILE] [--out DIR]\n"
              "                [--jobs N] [--json]\n"
              "                [--junit FILE] [--firmware F] [--qemu BIN] [--qgs-socket PATH]\n"
              "                [--mrconfigid HEX] [--mrowner HEX] [--mrownerconfig HEX] [--td-debug]\n"
              "                [--shard K/N] [--retries N] [--connect URI]\n"
              "\n"
              "Runs each scenario (a YAML file, docs/scenarios.md, or the name of one of the\n"
              "scenario library's, e.g. measure-extend-quote-seal) against its own guest:\n"
              "boot, measure, extend, quote, seal, reboot and unseal steps, each checked and\n"
              "reported. Every scenario gets a run directory OUT/NAME with its evidence\n"
              "(event logs, quotes, sealed blobs) and reports; OUT/report/ holds one report\n"
              "over all of them.\n"
              "\n"
              "  --backend B     fake (default): QEMU + OVMF + swtpm with the fake TDX module\n"
              "                  and the fake quote service; qemu-tdx: a TD under QEMU >= 10.1\n"
              "                  on a TDX host (checked first as tdxh host-check does: exit 3\n"
              "                  with the reason when this host cannot run TDs); libvirt: the\n"
              "                  guest as a transient libvirt domain (a TD: --dry-run only\n"
              "                  in this version)\n"
              "  --platform P    with --backend libvirt: tdx (default) or fake (the fake\n"
              "                  backend's guest, swtpm and fake TDX module, with QEMU\n"
              "                  started by libvirt)\n"
              "  --connect URI   with --backend libvirt: the libvirt URI (default\n"
              "                  qemu:///session, as root qemu:///system)\n"
              "  --dry-run       print what each boot would start and start nothing: the QEMU\n"
              "                  command line (shell-quoted, one option per line) or the\n"
              "                  libvirt domain XML; paths are those of the run directory\n"
              "                  OUT/NAME (OUT: --out, default tdxh-run)\n"
              "  --image DIR     the image to boot (default: the scenario's image, else out/image)\n"
              "  --image DISK    a raw (GPT) or qcow2 disk image OVMF boots from its EFI system\n"
              "                  partition, read-only (make image-disk); needs --golden\n"
              "  --golden FILE   the golden file of measure steps that say auto (default\n"
              "                  IMAGE/golden/PROFILE.json)\n"
              "  --out DIR       where the run directories go (default: a new one under $TMPDIR)\n"
              "  --jobs N        scenarios at once, each in its own process (default 1)\n"
              "  --json          print the JSON report on stdout, no progress\n"
              "  --junit FILE    also write the JUnit report (one test case per step) to FILE\n"
              "  --firmware F    OVMF image (default /usr/share/ovmf/OVMF.fd)\n"
              "  --qemu BIN      QEMU binary (default qemu-system-x86_64)\n"
              "  --qgs-socket PATH   a TD's quote generation service (default\n"
              "                  " PLATFORM_DEFAULT_QGS_SOCKET ", Intel's QGS; or the socket\n"
              "                  of tdxh-fake-qgs)\n"
              "  --mrconfigid HEX    a TD's MRCONFIGID, 48 bytes of hex (default zero)\n"
              "  --mrowner HEX       a TD's MROWNER, 48 bytes of hex (default zero)\n"
              "  --mrownerconfig HEX a TD's MROWNERCONFIG, 48 bytes of hex (default zero)\n"
              "  --td-debug      a TD with the DEBUG attribute (bit 0): never for evidence that\n"
              "                  must verify\n"
              "  --shard K/N     run only share K of N of the cases (a scenario's matrix\n"
              "                  makes several): sorted by name, every N-th from the K-th,\n"
              "                  so N runs with 1/N ... N/N run each case exactly once\n"
              "  --retries N     run a case again after an infrastructure failure (exit 3),\n"
              "                  up to N times; the report keeps every attempt (default 0)\n"
              "\n"
              "Exit status: 0 every step as expected, 1 a step failed, 2 bad input (a scenario\n"
              "that does not parse), 3 infrastructure failure, 130 interrupted.\n",
              f);
}

/* What the user sees while scenarios run: on a terminal one live line per
 * scenario; otherwise (and not under CI or --json) one plain line per
 * step; as a child of a parallel run, machine lines for the parent. */
struct view {
        enum { VIEW_QUIET, VIEW_LINES, VIEW_LIVE, VIEW_CHILD } mode;
        size_t n;
        char **lines;
        bool drawn;
};

static void view_draw(struct view *v)
{
        if (v->drawn)
                fprintf(stderr, "\033[%zuA", v->n);
        for (size_t k = 0; k < v->n; k++)
                fprintf(stderr, "\r\033[2K%s\n", v->lines[k] ? v->lines[k] : "");
        v->drawn = true;
        fflush(stderr);
}

static void on_progress(size_t k, size_t n, const char *scenario, size_t i, size_t n_steps,
                        const char *what, void *userdata)
{
        struct view *v = userdata;
        char *line = NULL;

        switch (v->mode) {
        case VIEW_QUIET:
                return;
        case VIEW_CHILD:
                fprintf(stderr, "tdxh-progress\t%zu\t%zu\t%s\n", i, n_steps, what);
                fflush(stderr);
                return;
        case VIEW_LINES:
                if (i < n_steps)
                        fprintf(stderr, "tdxh run: [%zu/%zu] %s: step %zu/%zu %s\n", k + 1, n, scenario,
                                i + 1, n_steps, what);
                else
                        fprintf(stderr, "tdxh run: [%zu/%zu] %s: %s\n", k + 1, n, scenario, what);
                return;
        case VIEW_LIVE:
                if (i < n_steps ? asprintf(&line, "[%zu/%zu] %-28s step %zu/%zu %s", k + 1, n, scenario,
                                           i + 1, n_steps, what) < 0
                                : asprintf(&line, "[%zu/%zu] %-28s %s", k + 1, n, scenario, what) < 0)
                        return;
                free(v->lines[k]);
                v->lines[k] = line;
                view_draw(v);
                return;
        }
}

/* In a parallel run, the parent passes this to its children. */
static void on_progress_child(const struct scenario *sc, size_t i, size_t n, const char *what,
                              void *userdata)
{
        (void)sc;
        on_progress(0, 1, sc->name, i, n, what, userdata);
}

static void print_results(const struct batch_result *res)
{
        for (size_t k = 0; k < res->n; k++) {
                const struct scenario_result *r = &res->results[k];

                printf("scenario %s: %s\n",
                       r->run_dir ? strrchr(r->run_dir, '/') + 1 : r->name ? r->name : "?",
                       r->verdict ? r->verdict : "unknown");
                for (size_t i = 0; i < r->n_steps; i++)
                        printf("  %-5s %s: %s\n", step_status_name(r->steps[i].status),
                               r->steps[i].name, r->steps[i].message ? r->steps[i].message : "");
                if (!r->n_steps && r->reason)
                        printf("  %s\n", r->reason);
                if (r->report_dir)
                        printf("  report: %s/report.html\n", r->report_dir);
        }
        printf("verdict: %s\n", res->exit_code == 0 ? "pass" : res->exit_code == 1 ? "fail"
                                : res->exit_code == 2 ? "bad input" : "infrastructure failure");
        if (res->out_dir)
                printf("run directory: %s\n", res->out_dir);
        if (res->report_dir)
                cli_print_report_paths(res->report_dir);
        fflush(stdout);
}

static void scenarios_free(struct scenario **v, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                scenario_free(v[i]);
                free(v[i]);
        }
}

/* The backend, platform and TD options agree with each other. */
static int check_backend(struct scenario_run_opts *o, const char *platform, bool td_opts)
{
        bool libvirt = o->backend && strcmp(o->backend, "libvirt") == 0;

        if (platform && !libvirt)
                return cli_usage_error("run", "--platform is for --backend libvirt (fake and "
                                       "qemu-tdx name their platform)");
        if (o->libvirt_uri && !libvirt)
                return cli_usage_error("run", "--connect is for --backend libvirt");
        o->libvirt_fake = libvirt && platform && strcmp(platform, "fake") == 0;
        if (td_opts && !scenario_run_is_td(o))
                return cli_usage_error("run", "--qgs-socket, --mrconfigid, --mrowner, "
                                       "--mrownerconfig and --td-debug are for a TD "
                                       "(--backend qemu-tdx, or libvirt with --platform tdx)");
        return 0;
}

/* --dry-run: each scenario's boots, as scenario_dry_run() prints them. */
static int dry_run_all(struct scenario **scs, size_t n, const struct batch_opts *bo)
{
        const char *out = bo->out_dir ? bo->out_dir : "tdxh-run";

        for (size_t k = 0; k < n; k++) {
                struct scenario_run_opts o = bo->run;
                _cleanup_free_ char *dir = NULL, *text = NULL;
                struct tdxh_err e = { 0 };
                int r;

                if (asprintf(&dir, "%s/%s", out, scs[k]->name) < 0)
                        return cli_report(-ENOMEM, NULL);
                o.out_dir = dir;
                r = scenario_dry_run(scs[k], &o, &text, &e);
                if (r < 0) {
                        log_error("%s: %s", scs[k]->name, e.msg[0] ? e.msg : strerror(-r));
                        return r == -ENOMEM ? TDXH_EXIT_INFRA : TDXH_EXIT_BAD_INPUT;
                }
                printf("%s%s", k ? "\n" : "", text);
        }
        return fflush(stdout) == 0 ? TDXH_EXIT_OK : TDXH_EXIT_INFRA;
}

/* Without --dry-run, a TD backend first asks whether this host can run TDs
 * at all (the probe of tdxh host-check): a host that cannot fails fast with
 * the reason, before anything starts. */
static int tdx_backend_unavailable(const struct scenario_run_opts *o)
{
        _cleanup_host_check_ struct host_check hc = { 0 };
        _cleanup_free_ char *reason = NULL;
        struct host_check_opts ho = { .qemu = o->qemu, .firmware = o->firmware,
                                      .qgs_socket = o->qgs_socket };
        struct tdxh_err e = { 0 };
        int r;

        if (scenario_run_is_td(o)) {
                r = host_check_run(&ho, NULL, &hc, &e);
                if (r < 0)
                        return cli_report(r, &e);
                if (!hc.can_run_tds) {
                        reason = host_check_reason(&hc);
                        log_error("--backend %s: this host cannot run TDs (tdxh host-check says "
                                  "why): %s", o->backend, reason ? reason : "out of memory");
                        return TDXH_EXIT_INFRA;
                }
        }
        log_error("--backend %s: this version prints what it would run (--dry-run) but does not "
                  "start it yet", o->backend);
        return TDXH_EXIT_INFRA;
}

/* "K/N" with 1 <= K <= N. */
static int parse_shard(const struct cli_getopt *g, const char *text, unsigned *k, unsigned *n)
{
        const char *den;
        char *end = NULL;
        unsigned long a, b;

        a = strtoul(text, &end, 10);
        if (end == text || *end != '/' || text[0] == '-')
                goto bad;
        den = end + 1;
        b = strtoul(den, &end, 10);
        if (end == den || *end || den[0] == '-' || a < 1 || b < 1 || a > b || b > MAX_SHARDS)
                goto bad;
        *k = (unsigned)a;
        *n = (unsigned)b;
        return 0;
bad:
        return cli_opt_error(g, "expected K/N with 1 <= K <= N <= %d (e.g. 2/4), got '%s'", MAX_SHARDS,
                             text);
}

static void strv_free_n(char **v, size_t n)
{
        for (size_t i = 0; v && i < n; i++)
                free(v[i]);
        free(v);
}

static int by_name(const void *a, const void *b)
{
        return strcmp((*(struct scenario *const *)a)->name, (*(struct scenario *const *)b)->name);
}

/* Every case of the file given as arg (a path or a library name) appended
 * to scs; only the case named only when it is set (a child of --jobs). */
static int load_cases(const char *arg, const char *only, struct scenario **scs, size_t *n,
                      struct tdxh_err *e)
{
        _cleanup_free_ char *path = NULL;
        struct scenario *v = NULL;
        size_t m = 0;
        int r;

        /* A bare name is one of the scenario library's. */
        if (access(arg, F_OK) < 0 && !strchr(arg, '/') && asprintf(&path, "scenarios/%s.yaml", arg) >= 0) {
                char *lib = NULL;

                if (datadir_path(path, &lib, NULL) >= 0 && access(lib, R_OK) == 0) {
                        free(path);
                        path = lib;
                } else {
                        free(lib);
                        free(path);
                        path = NULL;
                }
        }
        r = scenario_load_cases(path ? path : arg, &v, &m, e);
        if (r < 0)
                return r;
        for (size_t i = 0; i < m; i++) {
                struct scenario *one = NULL;

                if ((!only || strcmp(v[i].name, only) == 0) && *n < MAX_CASES &&
                    (one = malloc(sizeof(*one)))) {
                        *one = v[i];
                        scs[(*n)++] = one;
                        continue;
                }
                if (!one && (!only || strcmp(v[i].name, only) == 0))
                        r = *n >= MAX_CASES ? err_setf(e, -E2BIG, "more than %d cases", MAX_CASES)
                                            : -ENOMEM;
                scenario_free(&v[i]);
        }
        free(v);
        if (r >= 0 && only && !*n)
                r = err_setf(e, -ENOENT, "%s: no case named %s", arg, only);
        return r;
}

int cmd_run(int argc, char **argv)
{
        enum { OPT_BACKEND = 0x100, OPT_IMAGE, OPT_OUT, OPT_JOBS, OPT_JSON, OPT_JUNIT, OPT_FIRMWARE,
               OPT_QEMU, OPT_PROGRESS_LINES, OPT_PLATFORM, OPT_DRY_RUN, OPT_QGS, OPT_MRCONFIGID,
               OPT_MROWNER, OPT_MROWNERCONFIG, OPT_TD_DEBUG, OPT_SHARD, OPT_RETRIES, OPT_CASE,
               OPT_CONNECT, OPT_GOLDEN };
        static const struct option opts[] = {
                { "backend", required_argument, NULL, OPT_BACKEND },
                { "image", required_argument, NULL, OPT_IMAGE },
                { "out", required_argument, NULL, OPT_OUT },
                { "jobs", required_argument, NULL, OPT_JOBS },
                { "json", no_argument, NULL, OPT_JSON },
                { "junit", required_argument, NULL, OPT_JUNIT },
                { "firmware", required_argument, NULL, OPT_FIRMWARE },
                { "qemu", required_argument, NULL, OPT_QEMU },
                { "progress-lines", no_argument, NULL, OPT_PROGRESS_LINES },
                { "platform", required_argument, NULL, OPT_PLATFORM },
                { "dry-run", no_argument, NULL, OPT_DRY_RUN },
                { "qgs-socket", required_argument, NULL, OPT_QGS },
                { "mrconfigid", required_argument, NULL, OPT_MRCONFIGID },
                { "mrowner", required_argument, NULL, OPT_MROWNER },
                { "mrownerconfig", required_argument, NULL, OPT_MROWNERCONFIG },
                { "td-debug", no_argument, NULL, OPT_TD_DEBUG },
                { "shard", required_argument, NULL, OPT_SHARD },
                { "retries", required_argument, NULL, OPT_RETRIES },
                { "case", required_argument, NULL, OPT_CASE },
                { "connect", required_argument, NULL, OPT_CONNECT },
                { "golden", required_argument, NULL, OPT_GOLDEN },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_batch_result_ struct batch_result res = { 0 };
        _cleanup_signal_watch_ struct signal_watch sw = SIGNAL_WATCH_INIT;
        _cleanup_free_ char *self = NULL;
        static struct scenario *scs[MAX_CASES];
        char **plan = NULL;
        size_t n_plan = 0;
        _cleanup_free_ char *shard = NULL;
        const char *only = NULL;
        struct batch_opts o = { .jobs = 1 };
        struct view v = { 0 };
        struct tdxh_err e = { 0 };
        /* No '+': options may follow the scenarios (tdxh run S.yaml --jobs 2). */
        struct cli_getopt g = CLI_GETOPT_INIT("run", "h", opts);
        bool json = false, child = false, dry_run = false, td_opts = false;
        const char *platform = NULL;
        size_t n = 0, len;
        int c, r, code;

        while ((c = cli_getopt_next(&g, argc, argv)) != CLI_OPT_END) {
                switch (c) {
                case OPT_BACKEND:
                        if (strcmp(optarg, "fake") != 0 && strcmp(optarg, "qemu-tdx") != 0 &&
                            strcmp(optarg, "libvirt") != 0)
                                return cli_opt_error(&g, "'%s' is not a backend (fake, qemu-tdx, "
                                                     "libvirt)", optarg);
                        o.run.backend = optarg;
                        break;
                case OPT_PLATFORM:
                        if (strcmp(optarg, "tdx") != 0 && strcmp(optarg, "fake") != 0)
                                return cli_opt_error(&g, "'%s' is not a platform (tdx, fake)", optarg);
                        platform = optarg;
                        break;
                case OPT_DRY_RUN:
                        dry_run = true;
                        break;
                case OPT_QGS:
                        o.run.qgs_socket = optarg;
                        td_opts = true;
                        break;
                case OPT_MRCONFIGID:
                case OPT_MROWNER:
                case OPT_MROWNERCONFIG: {
                        struct platform_mr *mr = c == OPT_MRCONFIGID ? &o.run.mrconfigid
                                                 : c == OPT_MROWNER  ? &o.run.mrowner
                                                                     : &o.run.mrownerconfig;

                        r = cli_opt_hex(&g, optarg, PLATFORM_MR_LEN, PLATFORM_MR_LEN, mr->v, &len);
                        if (r)
                                return r;
                        mr->set = true;
                        td_opts = true;
                        break;
                }
                case OPT_TD_DEBUG:
                        o.run.td_attributes = PLATFORM_DEFAULT_TD_ATTRIBUTES | PLATFORM_TD_ATTR_DEBUG;
                        td_opts = true;
                        break;
                case OPT_IMAGE:
                        o.run.image = optarg;
                        break;
                case OPT_GOLDEN:
                        o.run.golden = optarg;
                        break;
                case OPT_OUT:
                        o.out_dir = optarg;
                        break;
                case OPT_JOBS:
                        r = cli_opt_uint(&g, optarg, 1, MAX_JOBS, "a number of jobs", &o.jobs);
                        if (r)
                                return r;
                        break;
                case OPT_JSON:
                        json = true;
                        break;
                case OPT_JUNIT:
                        o.junit = optarg;
                        break;
                case OPT_FIRMWARE:
                        o.run.firmware = optarg;
                        break;
                case OPT_QEMU:
                        o.run.qemu = optarg;
                        break;
                case OPT_PROGRESS_LINES:
                        child = true;
                        break;
                case OPT_SHARD:
                        r = parse_shard(&g, optarg, &o.shard_index, &o.shard_count);
                        if (r)
                                return r;
                        break;
                case OPT_RETRIES:
                        r = cli_opt_uint(&g, optarg, 0, MAX_RETRIES, "a number of retries", &o.retries);
                        if (r)
                                return r;
                        break;
                case OPT_CASE:
                        only = optarg;
                        break;
                case OPT_CONNECT:
                        if (!optarg[0])
                                return cli_opt_error(&g, "expected a libvirt URI (e.g. "
                                                     "qemu:///session), got ''");
                        o.run.libvirt_uri = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return TDXH_EXIT_OK;
                default:
                        return TDXH_EXIT_BAD_INPUT;
                }
        }
        if (optind >= argc)
                return cli_usage_error("run", "no scenario given (e.g. scenarios/measure-extend-quote-seal.yaml)");
        r = check_backend(&o.run, platform, td_opts);
        if (r)
                return r;
        if (argc - optind > MAX_SCENARIOS)
                return cli_usage_error("run", "at most %d scenarios at once", MAX_SCENARIOS);
        /* Every file is read before anything runs: a typo in the third
         * scenario must not cost the first two their boots. */
        for (int i = optind; i < argc; i++) {
                if (load_cases(argv[i], only, scs, &n, &e) < 0) {
                        scenarios_free(scs, n);
                        if (!e.msg[0])
                                return cli_report(-ENOMEM, &e);
                        log_error("%s", e.msg);
                        return TDXH_EXIT_BAD_INPUT;
                }
        }
        if (!only) {
                size_t kept = 0;

                /* By name, not by the command line: every shard of the run
                 * must cut the same list, however its job spelled it. */
                if (o.shard_count)
                        qsort(scs, n, sizeof(*scs), by_name);
                plan = calloc(n ? n : 1, sizeof(*plan));
                if (!plan) {
                        scenarios_free(scs, n);
                        return cli_report(-ENOMEM, NULL);
                }
                for (size_t i = 0; i < n; i++) {
                        if (o.shard_count && i && strcmp(scs[i]->name, scs[i - 1]->name) == 0) {
                                log_error("%s: case %s is given twice (a shard would not know "
                                          "which to run)", scs[i]->path, scs[i]->name);
                                strv_free_n(plan, i);
                                scenarios_free(scs, n);
                                return TDXH_EXIT_BAD_INPUT;
                        }
                        plan[i] = strdup(scs[i]->name);
                        if (!plan[i]) {
                                strv_free_n(plan, i);
                                scenarios_free(scs, n);
                                return cli_report(-ENOMEM, NULL);
                        }
                }
                o.plan = (const char *const *)plan;
                o.n_plan = n_plan = n;
                /* Balanced by count: every N-th case, starting at the K-th. */
                for (size_t i = 0; i < n; i++) {
                        /* A child of --jobs runs the one case it was given. */
                        if (!o.shard_count || child || i % o.shard_count == o.shard_index - 1)
                                scs[kept++] = scs[i];
                        else
                                scenarios_free(&scs[i], 1);
                }
                n = kept;
        }
        if (o.shard_count && asprintf(&shard, "%u/%u", o.shard_index, o.shard_count) < 0) {
                strv_free_n(plan, n_plan);
                scenarios_free(scs, n);
                return cli_report(-ENOMEM, NULL);
        }
        o.run.shard = shard;
        if (dry_run) {
                code = dry_run_all(scs, n, &o);
                scenarios_free(scs, n);
                strv_free_n(plan, n_plan);
                return code;
        }
        /* libvirt with the fake platform runs like the fake backend. */
        if (o.run.backend && strcmp(o.run.backend, "fake") != 0 && !o.run.libvirt_fake) {
                code = tdx_backend_unavailable(&o.run);
                scenarios_free(scs, n);
                strv_free_n(plan, n_plan);
                return code;
        }
        log_set_machine_output(json || child);
        v.n = n;
        v.lines = calloc(n ? n : 1, sizeof(*v.lines));
        if (!v.lines) {
                strv_free_n(plan, n_plan);
                scenarios_free(scs, n);
                return cli_report(-ENOMEM, NULL);
        }
        if (child)
                v.mode = VIEW_CHILD;
        else if (log_progress_enabled())
                v.mode = VIEW_LIVE;
        else if (!json && !getenv("CI"))
                v.mode = VIEW_LINES;
        o.on_progress = on_progress;
        o.userdata = &v;
        if (child) {
                /* A child runs one scenario and speaks to its parent. */
                o.run.on_progress = on_progress_child;
                o.run.userdata = &v;
        }
        self = realpath("/proc/self/exe", NULL);
        o.self = self;
        r = cli_watch_signals(&sw);
        if (r) {
                free(v.lines);
                strv_free_n(plan, n_plan);
                scenarios_free(scs, n);
                return r;
        }
        if (child && n == 1) {
                struct scenario_result one = { 0 };

                o.run.out_dir = o.out_dir;
                code = scenario_run(scs[0], &o.run, &sw, &one, &e);
                if (code != TDXH_EXIT_OK && code != TDXH_EXIT_MISMATCH && e.msg[0])
                        fprintf(stderr, "%s\n", e.msg);
                scenario_result_free(&one);
        } else {
                code = batch_run(scs, n, &o, &sw, &res, &e);
                /* One line on stderr per scenario the harness failed. */
                for (size_t k = 0; k < res.n; k++)
                        if (res.results[k].exit_code >= TDXH_EXIT_BAD_INPUT)
                                log_error("%s: %s", scs[k]->name,
                                          res.results[k].reason ? res.results[k].reason
                                                                : res.results[k].verdict);
                if (e.msg[0] && (!res.report_dir || code == TDXH_EXIT_BAD_INPUT))
                        log_error("%s", e.msg);
                if (!json || cli_print_report_json(res.report_dir) < 0)
                        print_results(&res);
        }
        for (size_t k = 0; k < n; k++)
                free(v.lines[k]);
        free(v.lines);
        scenarios_free(scs, n);
        strv_free_n(plan, n_plan);
        if (sw.received == SIGINT)
                return 130;
        return code;
}
