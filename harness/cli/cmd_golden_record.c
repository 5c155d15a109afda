/* tdxh golden record: a golden file from the evidence of a known-good run
 * (its event log, and the quote's or report's registers), for configurations
 * whose values cannot be predicted (ACPI tables of a new QEMU, secure-boot
 * variable stores). The log must replay to the registers given with it.
 * Given a run directory, the evidence is the run's own and the golden file
 * records the inputs the run booted, as a computed one does. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "core/cleanup.h"
#include "compare/observed.h"
#include "check/run_facts.h"
#include "core/json_util.h"

static void usage(FILE *f)
{
        fputs("Usage: tdxh golden record OBSERVED... -o GOLDEN --profile NAME\n"
              "       tdxh golden record RUNDIR -o GOLDEN [--profile NAME]\n"
              "\n"
              "Makes a golden file from a known-good run: the event log's events, and MRTD and\n"
              "RTMR0-3 from the registers given (a register JSON such as 'tdxh inspect --json'\n"
              "of the quote), else from replaying the log. Given the run directory of a\n"
              "'tdxh boot', its evidence is used and the file's inputs are the firmware,\n"
              "kernel, initrd (SHA-256), command line, memory and vCPUs the run booted.\n"
              "\n"
              "Options:\n"
              "  -o, --output FILE   the golden file to write ('-': standard output)\n"
              "  --profile NAME      the platform profile the run used ('tdxh golden profiles');\n"
              "                      for a run directory, default: the profile of the golden\n"
              "                      file the run compared with\n"
              "\n"
              "Exit status: 0 written, 2 bad input (including a log that does not replay to\n"
              "the registers given with it).\n",
              f);
}

/* The profile of the golden file the run compared with, while that file
 * is still there; NULL otherwise (the caller then needs --profile). */
static char *run_profile(json_object *facts)
{
        _cleanup_golden_ struct golden g = { 0 };
        const char *path = json_get_string(facts, "golden");

        if (!path || golden_load(path, &g, NULL) < 0 || !g.profile_name)
                return NULL;
        return strdup(g.profile_name);
}

static int record_run_dir(const char *run_dir, const char *output, const char *profile)
{
        _cleanup_json_ json_object *facts = NULL;
        _cleanup_free_ char *facts_path = NULL, *recorded = NULL;
        _cleanup_strv_ struct strv files = STRV_INIT;
        _cleanup_observed_ struct observed obs = { 0 };
        _cleanup_golden_ struct golden g = { 0 };
        struct tdxh_err e = { 0 };
        int r;

        r = run_facts_load(run_dir, &facts, &facts_path, &e);
        if (r >= 0)
                r = run_dir_evidence(run_dir, &files, &e);
        if (r >= 0 && !profile && !(profile = recorded = run_profile(facts)))
                return cli_usage_error("golden record", "--profile NAME is required: the golden file "
                                                        "this run compared with is gone");
        if (r >= 0)
                r = observed_load((const char *const *)files.v, files.n, &obs, &e);
        if (r >= 0)
                r = observed_to_golden(&obs, profile, &g, &e);
        if (r >= 0)
                r = run_facts_golden_inputs(facts, facts_path, &g, &e);
        if (r >= 0)
                r = golden_save(&g, output, &e);
        return cli_report(r, &e);
}

int cmd_golden_record(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "help", no_argument, NULL, 'h' },
                { "output", required_argument, NULL, 'o' },
                { "profile", required_argument, NULL, 'p' },
                { NULL, 0, NULL, 0 },
        };
        _cleanup_observed_ struct observed obs = { 0 };
        _cleanup_golden_ struct golden g = { 0 };
        struct cli_getopt opt = CLI_GETOPT_INIT("golden record", "ho:", longopts);
        const char *output = NULL, *profile = NULL;
        struct tdxh_err e = { 0 };
        int c, r;

        while ((c = cli_getopt_next(&opt, argc, argv)) != CLI_OPT_END) {
                switch (c) {
                case 'h':
                        usage(stdout);
                        return TDXH_EXIT_OK;
                case 'o':
                        output = optarg;
                        break;
                case 'p':
                        profile = optarg;
                        break;
                default:
                        return TDXH_EXIT_BAD_INPUT;
                }
        }
        if (!output)
                return cli_usage_error("golden record", "-o GOLDEN is required");
        if (optind >= argc)
                return cli_usage_error("golden record", "expected the evidence files of the run");
        if (argc - optind == 1 && cli_is_dir(argv[optind]))
                return record_run_dir(argv[optind], output, profile);
        if (!profile)
                return cli_usage_error("golden record", "--profile NAME is required: a golden file names "
                                                        "the platform profile it is for");
        r = observed_load((const char *const *)argv + optind, (size_t)(argc - optind), &obs, &e);
        if (r >= 0)
                r = observed_to_golden(&obs, profile, &g, &e);
        if (r >= 0)
                r = golden_save(&g, output, &e);
        return cli_report(r, &e);
}
