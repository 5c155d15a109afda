/* tdxh golden search: which inputs reproduce a piece of evidence, from the
 * golden file it was compared with (compare/search.h); for a developer who
 * holds a stranger's quote and log and wants the golden compute command
 * that predicts them. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "options.h"
#include "core/cleanup.h"
#include "core/json_util.h"
#include "compare/observed.h"
#include "compare/search.h"
#include "check/run_facts.h"

static void usage(FILE *f)
{
        fputs("Usage: tdxh golden search OBSERVED...|RUNDIR --golden GOLDEN [-o FILE] [--json]\n"
              "                          [--firmware F] [--kernel K] [--initrd I] [--cmdline S]\n"
              "                          [--memory SIZE] [--jobs N]\n"
              "\n"
              "Searches the inputs that reproduce the evidence (quote, TD report, register\n"
              "JSON, event log) from those the golden file records, where they are still on\n"
              "disk with the recorded digests: memory sizes, the command line the log records,\n"
              "the initrd or none, both page-add patterns, the other profiles of the platform;\n"
              "one input at a time, then the changes that help together. Every configuration\n"
              "is computed, and a result is given only when its registers were. Given the\n"
              "run directory of a 'tdxh boot', its evidence is used and the command line\n"
              "it booted is tried (a firmware's log carries only that line's digest).\n"
              "\n"
              "Options:\n"
              "  --golden FILE       the golden file the evidence was compared with\n"
              "  --firmware F, --kernel K, --initrd I, --cmdline S, --memory SIZE\n"
              "                      inputs to start from instead of the golden file's\n"
              "  --jobs N            configurations computed at once (default: one per CPU)\n"
              "  -o, --output FILE   the golden file of the configuration found, when it\n"
              "                      reproduces the evidence\n"
              "  --json              the result as JSON (tdxh-search/1)\n"
              "\n"
              "Exit status: 0 a configuration reproduces every observed register the profile\n"
              "predicts, 1 none tried does, 2 bad input.\n",
              f);
}

int cmd_golden_search(int argc, char **argv)
{
        enum { OPT_GOLDEN = 0x100, OPT_FIRMWARE, OPT_KERNEL, OPT_INITRD, OPT_CMDLINE, OPT_MEMORY,
               OPT_JOBS, OPT_JSON };
        static const struct option longopts[] = {
                { "golden", required_argument, NULL, OPT_GOLDEN },
                { "firmware", required_argument, NULL, OPT_FIRMWARE },
                { "kernel", required_argument, NULL, OPT_KERNEL },
                { "initrd", required_argument, NULL, OPT_INITRD },
                { "cmdline", required_argument, NULL, OPT_CMDLINE },
                { "memory", required_argument, NULL, OPT_MEMORY },
                { "jobs", required_argument, NULL, OPT_JOBS },
                { "output", required_argument, NULL, 'o' },
                { "json", no_argument, NULL, OPT_JSON },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct cli_getopt opt = CLI_GETOPT_INIT("golden search", "ho:", longopts);
        _cleanup_golden_ struct golden g = { 0 };
        _cleanup_observed_ struct observed obs = { 0 };
        _cleanup_diff_result_ struct diff_result d = { 0 };
        _cleanup_search_result_ struct search_result res = { 0 };
        _cleanup_json_ json_object *facts = NULL;
        _cleanup_strv_ struct strv files = STRV_INIT;
        struct search_opts so = { 0 };
        struct diff_observed view;
        struct tdxh_err e = { 0 };
        const char *output = NULL;
        bool json = false;
        int c, r;

        while ((c = cli_getopt_next(&opt, argc, argv)) != CLI_OPT_END) {
                switch (c) {
                case OPT_GOLDEN:
                        so.golden_path = optarg;
                        break;
                case OPT_FIRMWARE:
                        so.firmware = optarg;
                        break;
                case OPT_KERNEL:
                        so.kernel = optarg;
                        break;
                case OPT_INITRD:
                        so.initrd = optarg;
                        break;
                case OPT_CMDLINE:
                        so.cmdline = optarg;
                        break;
                case OPT_MEMORY:
                        if (cli_opt_size(&opt, optarg, &so.memory) < 0)
                                return TDXH_EXIT_BAD_INPUT;
                        break;
                case OPT_JOBS:
                        if (cli_opt_uint(&opt, optarg, 1, 64, "a number of jobs", &so.threads) < 0)
                                return TDXH_EXIT_BAD_INPUT;
                        break;
                case 'o':
                        output = optarg;
                        break;
                case OPT_JSON:
                        json = true;
                        break;
                case 'h':
                        usage(stdout);
                        return TDXH_EXIT_OK;
                default:
                        return TDXH_EXIT_BAD_INPUT;
                }
        }
        if (!so.golden_path)
                return cli_usage_error("golden search", "--golden GOLDEN is required: the search starts "
                                                        "from the inputs it records");
        if (optind >= argc)
                return cli_usage_error("golden search", "expected the evidence files");
        r = golden_load(so.golden_path, &g, &e);
        if (r >= 0 && argc - optind == 1 && cli_is_dir(argv[optind])) {
                r = run_facts_load(argv[optind], &facts, NULL, &e);
                if (r >= 0)
                        r = run_dir_evidence(argv[optind], &files, &e);
                if (r >= 0)
                        r = observed_load((const char *const *)files.v, files.n, &obs, &e);
                so.observed_cmdline = json_get_string(facts, "host.cmdline");
        } else if (r >= 0) {
                r = observed_load((const char *const *)argv + optind, (size_t)(argc - optind), &obs, &e);
        }
        if (r < 0)
                return cli_report(r, &e);
        observed_view(&obs, &view);
        r = diff_run(&g, &view, &d, &e);
        if (r >= 0 && d.n_compared == 0)
                r = err_setf(&e, -EINVAL, "%s: the evidence has none of the registers the golden file "
                                          "predicts",
                             argv[optind]);
        so.g = &g;
        so.diff = &d;
        if (r >= 0)
                r = golden_search(&so, &res, &e);
        if (r >= 0 && output && res.reproduced)
                r = golden_save(&res.found, output, &e);
        if (r < 0)
                return cli_report(r, &e);
        if (json) {
                _cleanup_json_ json_object *o = NULL;

                r = search_to_json(&res, &o);
                if (r >= 0)
                        r = json_write(o, NULL, &e);
        } else {
                _cleanup_buf_ struct buf b = BUF_INIT;

                r = search_format_text(&res, &b);
                if (r >= 0)
                        fputs(b.data, stdout);
                if (r >= 0 && output && !res.reproduced)
                        fprintf(stdout, "%s not written: nothing reproduces the evidence\n", output);
        }
        if (r < 0)
                return cli_report(r, &e);
        return res.reproduced ? TDXH_EXIT_OK : TDXH_EXIT_MISMATCH;
}
