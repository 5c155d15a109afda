/* tdxh: the command-line entry point. Dispatches to one command per file. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/cleanup.h"
#include "core/log.h"

static const struct cli_command commands[] = {
        { "boot", "boot an image on the fake platform and check it against its golden file", cmd_boot },
        { "run", "run scenarios (boot, measure, extend, quote, seal) and report every step", cmd_run },
        { "reproduce", "boot a recorded run again and say whether its result comes back", cmd_reproduce },
        { "report", "merge the reports of sharded runs; compare two runs (drift)", cmd_report },
        { "diff", "compare evidence with a golden file, event by event", cmd_diff },
        { "explain", "diff, and say why each difference arose", cmd_explain },
        { "host-check", "can this host run TDs? each TDX capability, its evidence, what to do",
          cmd_host_check },
        { "golden", "compute golden measurements from a TD's parts", cmd_golden },
        { "inspect", "show a quote, TD report or event log (text or --json)", cmd_inspect },
        { "verify", "verify a TDX quote offline (signatures, PCK chain, policy)", cmd_verify },
        { "version", "print the version and exit", cmd_version },
};

static void usage(FILE *f)
{
        fputs("Usage: tdxh [--verbose|--quiet] COMMAND [ARGS...]\n"
              "\n"
              "Integration test harness for Intel TDX guests.\n"
              "\n"
              "Commands:\n",
              f);
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                fprintf(f, "  %-16s %s\n", commands[i].name, commands[i].summary);
        fputs("\n"
              "Options:\n"
              "  -v, --verbose    print debug messages too\n"
              "  -q, --quiet      print warnings and errors only\n"
              "  --version        print the version and exit\n"
              "  -h, --help       list the commands and exit\n"
              "\n"
              "Run 'tdxh COMMAND --help' for the options of one command.\n"
              "Exit codes: 0 pass, 1 mismatch or failed check, 2 usage or bad input,\n"
              "3 infrastructure failure.\n",
              f);
}

int main(int argc, char **argv)
{
        int i = 1;

        for (; i < argc && argv[i][0] == '-'; i++) {
                if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
                        usage(stdout);
                        return TDXH_EXIT_OK;
                } else if (strcmp(argv[i], "--version") == 0) {
                        char name[] = "version";

                        return cmd_version(1, (char *[]){ name, NULL });
                } else if (strcmp(argv[i], "--verbose") == 0 || strcmp(argv[i], "-v") == 0) {
                        log_set_level(LOG_DEBUG);
                } else if (strcmp(argv[i], "--quiet") == 0 || strcmp(argv[i], "-q") == 0) {
                        log_set_level(LOG_WARN);
                } else {
                        fprintf(stderr, "tdxh: unknown option '%s'\n", argv[i]);
                        usage(stderr);
                        return TDXH_EXIT_BAD_INPUT;
                }
        }
        if (i >= argc) {
                usage(stderr);
                return TDXH_EXIT_BAD_INPUT;
        }
        for (size_t c = 0; c < ELEMENTSOF(commands); c++)
                if (strcmp(argv[i], commands[c].name) == 0)
                        return commands[c].run(argc - i, argv + i);
        fprintf(stderr, "tdxh: unknown command '%s'\n", argv[i]);
        usage(stderr);
        return TDXH_EXIT_BAD_INPUT;
}
