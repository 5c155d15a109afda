/* tdxh explain (and the engine of tdxh diff): compares observed evidence
 * with a golden file register by register and event by event, and for
 * explain says why each difference arose. Phases: options, inputs (golden
 * file, evidence, the named inputs' candidates, other profiles' golden
 * files), compare, one output (text, or JSON with --json), optionally a
 * report directory. Exit status: 0 match, 1 mismatch, 2 bad input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "options.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json_util.h"
#include "core/log.h"
#include "compare/explain.h"
#include "compare/observed.h"
#include "compare/reference.h"
#include "measure/profile.h"
#include "measure/option_rom_events.h"
#include "report/model.h"
#include "tdxh_version.h"

#define MAX_ALTERNATIVES 32

struct options {
        bool explain, json, all_rows;
        const char *golden_path;
        enum reference_form golden_form;
        const char *report_dir;
        struct explain_input_args inputs;
        bool have_inputs;
        const char *alternatives[MAX_ALTERNATIVES];
        size_t n_alternatives;
};

static void usage(FILE *f, bool explain)
{
        if (!explain) {
                fputs("Usage: tdxh diff GOLDEN OBSERVED... [--json] [--all-rows] [--report-dir DIR]\n"
                      "\n"
                      "Compares evidence with a golden file: MRTD and RTMR0-3, whether the event log\n"
                      "replays to the observed registers, and the events of each RTMR aligned\n"
                      "(changed, inserted, deleted).\n",
                      f);
        } else {
                fputs("Usage: tdxh explain GOLDEN OBSERVED... [INPUTS] [OPTIONS]\n"
                      "\n"
                      "The diff of 'tdxh diff', and for every difference what the event measures and\n"
                      "its most likely cause, ordered by register.\n"
                      "\n"
                      "Inputs (each observed event is checked against them):\n"
                      "  --firmware FILE     the TDVF/OVMF image: MRTD (both page-add patterns), CFV\n"
                      "  --kernel FILE       the kernel (with and without QEMU's header patch)\n"
                      "  --initrd FILE       the initrd\n"
                      "  --cmdline TEXT      the kernel command line (every LoadOptions form)\n"
                      "  --memory SIZE       the memory size (TD HOB; the kernel's patched header)\n"
                      "  --alternative FILE  a golden file for another profile (repeat): says which\n"
                      "                      profile the evidence matches\n"
                      "With no input given, the golden file's own are used where they are still on\n"
                      "disk with the digests it records (as recorded, beside it, or one directory\n"
                      "up), and the usual memory sizes are tried.\n",
                      f);
        }
        fputs("\n"
              "GOLDEN: a tdxh golden file, or reference values: trustee's event-log JSON\n"
              "({\"uefi_event_logs\": ...}) or register values ({\"mrtd\": HEX, \"rtmr0\": HEX, ...},\n"
              "as virtee/tdx-measure --json writes them); the first output line names the form.\n"
              "OBSERVED: quotes (binary, hex, or JSON with a \"quote\" member), TD reports,\n"
              "event logs (CCEL, TPM binary_bios_measurements, JSON), register JSON\n"
              "({\"mrtd\": HEX, \"rtmr0\": HEX, ...}). A log is checked against the registers.\n"
              "\n"
              "Options:\n"
              "  --json             print JSON (reports/SCHEMA.md) instead of text\n"
              "  --all-rows         JSON: every event row, not only differences and context\n"
              "  --report-dir DIR   also write report.xml, report.json, summary.md, report.html\n"
              "\n"
              "Exit status: 0 the evidence matches, 1 it does not, 2 bad input.\n",
              f);
}

/* 0 to go on, -1 after --help, or the exit code of a usage error. */
static int parse_options(int argc, char **argv, struct options *o)
{
        enum { OPT_JSON = 256, OPT_ALL_ROWS, OPT_REPORT_DIR, OPT_FIRMWARE, OPT_KERNEL, OPT_INITRD,
               OPT_CMDLINE, OPT_MEMORY, OPT_ALTERNATIVE };
        static const struct option longopts[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, OPT_JSON },
                { "all-rows", no_argument, NULL, OPT_ALL_ROWS },
                { "report-dir", required_argument, NULL, OPT_REPORT_DIR },
                { "firmware", required_argument, NULL, OPT_FIRMWARE },
                { "kernel", required_argument, NULL, OPT_KERNEL },
                { "initrd", required_argument, NULL, OPT_INITRD },
                { "cmdline", required_argument, NULL, OPT_CMDLINE },
                { "memory", required_argument, NULL, OPT_MEMORY },
                { "alternative", required_argument, NULL, OPT_ALTERNATIVE },
                { NULL, 0, NULL, 0 },
        };
        /* diff takes no inputs: its options are the first four */
        static const struct option diff_longopts[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, OPT_JSON },
                { "all-rows", no_argument, NULL, OPT_ALL_ROWS },
                { "report-dir", required_argument, NULL, OPT_REPORT_DIR },
                { NULL, 0, NULL, 0 },
        };
        const char *cmd = o->explain ? "explain" : "diff";
        struct cli_getopt g = CLI_GETOPT_INIT(cmd, "h", o->explain ? longopts : diff_longopts);
        int c, r;

        while ((c = cli_getopt_next(&g, argc, argv)) != CLI_OPT_END) {
                switch (c) {
                case 'h':
                        usage(stdout, o->explain);
                        return -1;
                case OPT_JSON:
                        o->json = true;
                        break;
                case OPT_ALL_ROWS:
                        o->all_rows = true;
                        break;
                case OPT_REPORT_DIR:
                        o->report_dir = optarg;
                        break;
                case OPT_FIRMWARE:
                        o->inputs.firmware = optarg;
                        break;
                case OPT_KERNEL:
                        o->inputs.kernel = optarg;
                        break;
                case OPT_INITRD:
                        o->inputs.initrd = optarg;
                        cli_opt_warn_empty_file(&g, optarg);
                        break;
                case OPT_CMDLINE:
                        o->inputs.cmdline = optarg;
                        break;
                case OPT_MEMORY:
                        r = cli_opt_size(&g, optarg, &o->inputs.memory);
                        if (r)
                                return r;
                        break;
                case OPT_ALTERNATIVE:
                        if (o->n_alternatives == MAX_ALTERNATIVES)
                                return cli_opt_error(&g, "at most %d files", MAX_ALTERNATIVES);
                        o->alternatives[o->n_alternatives++] = optarg;
                        break;
                default:
                        return TDXH_EXIT_BAD_INPUT;
                }
        }
        o->have_inputs = o->inputs.firmware || o->inputs.kernel || o->inputs.initrd ||
                         o->inputs.cmdline || o->inputs.memory;
        /* With inputs to check, an option-rom event is also checked
         * against the ROMs QEMU gives its NICs. */
        o->inputs.qemu_rom_dir = OPTION_ROM_QEMU_DIR;
        if (argc - optind < 2)
                return cli_usage_error(cmd, "expected a golden file and at least one evidence file");
        return 0;
}

/* -1 when the golden file names no profile this tool knows. */
static int header_patched(const struct golden *g)
{
        struct profile p;

        if (!g->profile_name || profile_lookup(g->profile_name, &p, NULL) < 0)
                return -1;
        return profile_kernel_header_patched(&p);
}

static int write_report(const struct options *o, const char *golden_path, struct diff_result *d,
                        struct explain_result *x, struct tdxh_err *e)
{
        _cleanup_report_ struct report rep = { 0 };
        struct report_scenario *s;
        char now[32];
        int r;

        report_timestamp(now);
        r = report_init(&rep, "tdxh", TDXH_VERSION, now);
        if (r >= 0)
                r = report_add_scenario(&rep, golden_path, NULL, now, &s);
        if (r >= 0)
                r = report_attach_diff(s, d, x);
        if (r < 0)
                return err_setf(e, r, "cannot build the report");
        return report_write_dir(&rep, o->report_dir, e);
}

static int print(const struct options *o, const struct diff_result *d, const struct explain_result *x,
                 struct tdxh_err *e)
{
        _cleanup_json_ json_object *j = NULL;
        _cleanup_buf_ struct buf b = BUF_INIT;
        int r;

        if (o->json) {
                r = o->explain ? explain_to_json(d, x, o->all_rows, &j) : diff_to_json(d, o->all_rows, &j);
                if (r >= 0)
                        r = json_add_string(j, "golden_form", reference_form_key(o->golden_form));
                return r < 0 ? err_setf(e, r, "cannot build the JSON output") : json_write(j, NULL, e);
        }
        /* Reference values of another tool: say what was read and what it
         * lets the diff compare. */
        if (o->golden_form != REFERENCE_GOLDEN)
                printf("golden: %s (%s: %s)\n", o->golden_path, reference_form_name(o->golden_form),
                       reference_form_scope(o->golden_form));
        if (o->explain)
                r = explain_format_text(d, x, -1, &b);
        else {
                r = diff_format_text(d, -1, 1, &b);
                if (r >= 0)
                        r = diff_format_result(d, &b);
        }
        if (r < 0)
                return err_setf(e, r, "cannot format the output");
        fputs(b.data, stdout);
        return fflush(stdout) == 0 ? 0 : err_setf(e, -EIO, "cannot write to standard output");
}

static int load_alternatives(const struct options *o, struct golden *goldens,
                             struct explain_alternative *alts, struct tdxh_err *e)
{
        for (size_t i = 0; i < o->n_alternatives; i++) {
                int r = golden_load(o->alternatives[i], &goldens[i], e);

                if (r < 0)
                        return r;
                alts[i] = (struct explain_alternative){
                        .profile = goldens[i].profile_name ? goldens[i].profile_name : o->alternatives[i],
                        .golden = &goldens[i],
                        .file = o->alternatives[i],
                };
        }
        return 0;
}

/* The index of the first of files[1..n) that is a tdxh golden file, or 0. */
static int find_golden_file(int n, char **files)
{
        for (int i = 1; i < n; i++) {
                _cleanup_golden_ struct golden g = { 0 };
                enum reference_form form;
                struct tdxh_err ignored = { 0 };

                if (reference_load(files[i], &g, &form, &ignored) == 0 && form == REFERENCE_GOLDEN)
                        return i;
        }
        return 0;
}

/* The golden side is no golden file: say what it is instead, and when a
 * later argument is the golden file, that the two look swapped. */
static int golden_side_error(const struct options *o, int r, int n, char **files,
                             struct tdxh_err *e)
{
        const char *cmd = o->explain ? "explain" : "diff", *kind;
        int i;

        if (!observed_probe(files[0], &kind))
                return r;
        err_clear(e);
        i = find_golden_file(n, files);
        if (i > 0)
                return err_setf(e, -EINVAL, "%s: the first argument must be a golden file, and this "
                                            "reads as %s while %s reads as a golden file: the "
                                            "arguments look swapped (tdxh %s %s %s)",
                                files[0], kind, files[i], cmd, files[i], files[0]);
        return err_setf(e, -EINVAL, "%s: the first argument must be a golden file (or reference "
                                    "values), and this reads as %s",
                        files[0], kind);
}

/* An evidence file is a golden file while the golden side was read as
 * reference values: the two look swapped. */
static int evidence_side_error(const struct options *o, int r, int n, char **files,
                               struct tdxh_err *e)
{
        const char *cmd = o->explain ? "explain" : "diff";
        int i;

        if (r != -EINVAL || o->golden_form == REFERENCE_GOLDEN)
                return r;
        i = find_golden_file(n, files);
        if (i == 0)
                return r;
        err_clear(e);
        return err_setf(e, -EINVAL, "%s: a golden file where evidence was expected, and %s was read "
                                    "as %s: the arguments look swapped (tdxh %s %s %s)",
                        files[i], files[0], reference_form_name(o->golden_form), cmd, files[i],
                        files[0]);
}

int cli_compare(int argc, char **argv, bool explain)
{
        struct options o = { .explain = explain };
        _cleanup_golden_ struct golden g = { 0 };
        _cleanup_observed_ struct observed obs = { 0 };
        _cleanup_diff_result_ struct diff_result d = { 0 };
        _cleanup_explain_result_ struct explain_result x = { 0 };
        _cleanup_explain_inputs_ struct explain_inputs in = EXPLAIN_INPUTS_INIT;
        _cleanup_explain_golden_files_ struct explain_golden_files golden_files = { 0 };
        struct golden alt_goldens[MAX_ALTERNATIVES] = { 0 };
        struct explain_alternative alts[MAX_ALTERNATIVES];
        struct explain_context ctx = { 0 };
        struct diff_observed view;
        struct tdxh_err e = { 0 };
        bool match = false;
        int r;

        r = parse_options(argc, argv, &o);
        if (r != 0)
                return r < 0 ? TDXH_EXIT_OK : r;
        log_set_machine_output(o.json);
        o.golden_path = argv[optind];
        r = reference_load(o.golden_path, &g, &o.golden_form, &e);
        if (r == -EMEDIUMTYPE)
                r = golden_side_error(&o, r, argc - optind, argv + optind, &e);
        if (r >= 0) {
                r = observed_load((const char *const *)argv + optind + 1, (size_t)(argc - optind - 1), &obs, &e);
                r = evidence_side_error(&o, r, argc - optind, argv + optind, &e);
        }
        if (r >= 0 && o.have_inputs)
                r = explain_inputs_compute(&o.inputs, &g, &in, &e);
        if (r >= 0)
                r = load_alternatives(&o, alt_goldens, alts, &e);
        /* before any output: a report that cannot be written fails the
         * command, and the diff is not printed above the error */
        if (r >= 0 && o.report_dir) {
                r = report_dir_prepare(o.report_dir, &e);
                if (r < 0)
                        err_prefix(&e, "--report-dir ");
        }
        if (r < 0)
                goto out;
        observed_view(&obs, &view);
        r = diff_run(&g, &view, &d, &e);
        if (r >= 0 && d.n_compared == 0 && d.n_not_replaying == 0)
                r = err_setf(&e, -EINVAL, "%s: the evidence has none of the registers the golden file "
                                          "predicts",
                             argv[optind]);
        /* No input named: the golden file's own, where they are still on
         * disk as recorded, so that explain can reproduce what changed. Not
         * being able to is no error: the causes are then less certain. */
        if (r >= 0 && explain && !o.have_inputs && !d.match &&
            explain_inputs_from_golden(&g, argv[optind], &o.inputs, &golden_files) > 0) {
                struct tdxh_err ie = { 0 };

                if (explain_inputs_compute(&o.inputs, &g, &in, &ie) >= 0)
                        o.have_inputs = true;
                else
                        log_warn("note: the inputs the golden file records were not used: %s", ie.msg);
        }
        if (r >= 0 && explain) {
                ctx = (struct explain_context){ .inputs = o.have_inputs ? &in : NULL,
                                                .alternatives = alts,
                                                .n_alternatives = o.n_alternatives,
                                                .kernel_header_patched = header_patched(&g) };
                r = explain_run(&g, &view, &d, &ctx, &x, &e);
        }
        if (r >= 0)
                r = print(&o, &d, explain ? &x : NULL, &e);
        match = d.match;
        if (r >= 0 && o.report_dir)
                r = write_report(&o, argv[optind], &d, explain ? &x : NULL, &e);
out:
        for (size_t i = 0; i < o.n_alternatives; i++)
                golden_free(&alt_goldens[i]);
        if (r < 0)
                return cli_report(r, &e);
        return match ? TDXH_EXIT_OK : TDXH_EXIT_MISMATCH;
}

int cmd_explain(int argc, char **argv)
{
        return cli_compare(argc, argv, true);
}
