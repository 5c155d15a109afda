/* tdxh golden record: a golden file from the evidence of a known-good run
 * (its event log, and the quote's or report's registers), for configurations
 * whose values cannot be predicted (ACPI tables of a new QEMU, secure-boot
 * variable stores). The log must replay to the registers given with it. */
#include <stdio.h>

#include "cli.h"
#include "options.h"
#include "core/cleanup.h"
#include "compare/observed.h"

static void usage(FILE *f)
{
        fputs("Usage: tdxh golden record OBSERVED... -o GOLDEN --profile NAME\n"
              "\n"
              "Makes a golden file from a known-good run: the event log's events, and MRTD and\n"
              "RTMR0-3 from the registers given (a register JSON such as 'tdxh inspect --json'\n"
              "of the quote), else from replaying the log.\n"
              "\n"
              "Options:\n"
              "  -o, --output FILE   the golden file to write ('-': standard output)\n"
              "  --profile NAME      the platform profile the run used ('tdxh golden profiles')\n"
              "\n"
              "Exit status: 0 written, 2 bad input (including a log that does not replay to\n"
              "the registers given with it).\n",
              f);
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
        if (!profile)
                return cli_usage_error("golden record", "--profile NAME is required: a golden file names "
                                                        "the platform profile it is for");
        if (optind >= argc)
                return cli_usage_error("golden record", "expected the evidence files of the run");
        r = observed_load((const char *const *)argv + optind, (size_t)(argc - optind), &obs, &e);
        if (r >= 0)
                r = observed_to_golden(&obs, profile, &g, &e);
        if (r >= 0)
                r = golden_save(&g, output, &e);
        return cli_report(r, &e);
}
