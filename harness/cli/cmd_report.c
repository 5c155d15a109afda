/* tdxh report: commands over finished runs: `merge` (one report over the
 * shards of a run) and `compare` (what changed since the last good run). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "check/drift.h"
#include "check/report_merge.h"
#include "cli.h"
#include "options.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/log.h"

static void usage(FILE *f)
{
        fputs("Usage: tdxh report merge RUNDIR... -o DIR\n"
              "       tdxh report compare LAST_GOOD_DIR NEW_DIR\n"
              "\n"
              "merge: one report (report.html, report.xml, report.json, summary.md in DIR)\n"
              "over the runs of 'tdxh run', e.g. the shards of one run (--shard 1/N ... N/N),\n"
              "each case with the host and shard that ran it. The same inputs give the same\n"
              "bytes. Refused when a shard is missing or given twice, when the runs are not\n"
              "of the same cases, or when a case is missing or ran twice.\n"
              "\n"
              "compare: for every case of both runs, the registers and events that changed\n"
              "between them (the old run's evidence taken as the golden file), their causes\n"
              "as 'tdxh explain' names them, and the host facts that changed. A directory\n"
              "is a run directory or a directory of them (shards side by side).\n"
              "\n"
              "  -o, --out DIR   (merge) where the merged report goes\n"
              "\n"
              "Exit status: merge: 0 every check passed, 1 a check failed, 3 a check ended\n"
              "in an error, 2 the runs cannot be merged (nothing is written) or bad usage;\n"
              "compare: 0 no change or every change accounted for by the new run's golden\n"
              "files, 1 a register changed that they do not account for, 2 bad input.\n",
              f);
}

static int merge(int argc, char **argv)
{
        static const struct option opts[] = {
                { "out", required_argument, NULL, 'o' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct cli_getopt g = CLI_GETOPT_INIT("report merge", "o:h", opts);
        struct tdxh_err e = { 0 };
        const char *out = NULL;
        int c, r;

        while ((c = cli_getopt_next(&g, argc, argv)) != CLI_OPT_END) {
                switch (c) {
                case 'o':
                        out = optarg;
                        break;
                case 'h':
                        usage(stdout);
                        return TDXH_EXIT_OK;
                default:
                        return TDXH_EXIT_BAD_INPUT;
                }
        }
        if (!out)
                return cli_usage_error("report merge", "no output directory (-o DIR)");
        if (optind >= argc)
                return cli_usage_error("report merge", "no run directory given");
        r = report_merge((const char *const *)argv + optind, (size_t)(argc - optind), out, &e);
        if (r < 0) {
                log_error("report merge: %s", e.msg[0] ? e.msg : strerror(-r));
                return r == -ENOMEM ? TDXH_EXIT_INFRA : TDXH_EXIT_BAD_INPUT;
        }
        printf("merged %d run%s: %s\n", argc - optind, argc - optind == 1 ? "" : "s",
               r == 0 ? "pass" : r == 1 ? "fail" : "error");
        cli_print_report_paths(out);
        return r;
}

static int compare(int argc, char **argv)
{
        static const struct option opts[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct cli_getopt g = CLI_GETOPT_INIT("report compare", "h", opts);
        _cleanup_buf_ struct buf out = BUF_INIT;
        struct tdxh_err e = { 0 };
        int c, r;

        while ((c = cli_getopt_next(&g, argc, argv)) != CLI_OPT_END) {
                if (c != 'h')
                        return TDXH_EXIT_BAD_INPUT;
                usage(stdout);
                return TDXH_EXIT_OK;
        }
        if (argc - optind != 2)
                return cli_usage_error("report compare", "expected LAST_GOOD_DIR NEW_DIR");
        r = drift_compare(argv[optind], argv[optind + 1], &out, &e);
        if (r < 0) {
                log_error("report compare: %s", e.msg[0] ? e.msg : strerror(-r));
                return r == -ENOMEM ? TDXH_EXIT_INFRA : TDXH_EXIT_BAD_INPUT;
        }
        fputs(out.data ? out.data : "", stdout);
        return r;
}

int cmd_report(int argc, char **argv)
{
        if (argc >= 2 && strcmp(argv[1], "merge") == 0)
                return merge(argc - 1, argv + 1);
        if (argc >= 2 && strcmp(argv[1], "compare") == 0)
                return compare(argc - 1, argv + 1);
        if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
                usage(stdout);
                return TDXH_EXIT_OK;
        }
        if (argc < 2)
                return cli_usage_error("report", "no subcommand (merge or compare)");
        return cli_usage_error("report", "unknown subcommand '%s' (merge or compare)", argv[1]);
}
