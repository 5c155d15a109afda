/* tdxh reproduce: boots again what a `tdxh boot` run directory recorded,
 * on the fake platform, and says whether its result comes back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/reproduce.h"
#include "cli.h"
#include "core/log.h"
#include "options.h"
#include "run/signals.h"

static void usage(FILE *f)
{
        fputs("Usage: tdxh reproduce RUNDIR [--out DIR] [--timeout SECONDS] [--json]\n"
              "\n"
              "Boots again, on the fake platform, what the run directory of a 'tdxh boot'\n"
              "recorded in RUNDIR/facts.json (image, golden file, firmware, kernel, initrd,\n"
              "command line, memory, vCPUs, QEMU), and says whether the first run's result\n"
              "comes back: the same verdict and the same registers. The recorded files must\n"
              "be the ones the run used (same SHA-256).\n"
              "\n"
              "  --out DIR       run directory of the new boot (default: a new one under $TMPDIR)\n"
              "  --timeout S     seconds from QEMU's start to the agent's hello (default 300)\n"
              "  --json          print {\"reproduced\", \"summary\", ...} instead of text\n"
              "\n"
              "Exit status: 0 the result reproduces, 1 it does not, 2 bad input (not a run\n"
              "directory, or a recorded file changed), 3 infrastructure failure.\n",
              f);
}

static void print_json(const struct reproduce_result *res)
{
        json_object *o = json_object_new_object(), *regs = json_object_new_object();

        if (!o || !regs) {
                json_object_put(o);
                json_object_put(regs);
                return;
        }
        json_object_object_add(o, "reproduced", json_object_new_boolean(res->exit_code == 0));
        json_object_object_add(o, "original_verdict", json_object_new_string(res->original_verdict ? res->original_verdict : ""));
        json_object_object_add(o, "verdict", res->verdict ? json_object_new_string(res->verdict) : NULL);
        for (int i = 0; res->registers_known && i < GOLDEN_NREGS; i++)
                json_object_object_add(regs, golden_reg_name((enum golden_reg)i),
                                       json_object_new_boolean(res->same[i]));
        json_object_object_add(o, "same_registers", res->registers_known ? regs : (json_object_put(regs), NULL));
        json_object_object_add(o, "summary", res->summary ? json_object_new_string(res->summary) : NULL);
        json_object_object_add(o, "run_dir", res->boot.run_dir ? json_object_new_string(res->boot.run_dir) : NULL);
        json_object_object_add(o, "report_dir",
                               res->boot.report_dir ? json_object_new_string(res->boot.report_dir) : NULL);
        puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
}

int cmd_reproduce(int argc, char **argv)
{
        enum { OPT_OUT = 0x100, OPT_TIMEOUT, OPT_JSON };
        static const struct option opts[] = {
                { "out", required_argument, NULL, OPT_OUT },
                { "timeout", required_argument, NULL, OPT_TIMEOUT },
                { "json", no_argument, NULL, OPT_JSON },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_reproduce_result_ struct reproduce_result res = { 0 };
        _cleanup_signal_watch_ struct signal_watch sw = SIGNAL_WATCH_INIT;
        struct cli_getopt g = CLI_GETOPT_INIT("reproduce", "h", opts);
        struct reproduce_opts o = { .on_progress = cli_show_progress, .userdata = (void *)"reproduce" };
        struct tdxh_err e = { 0 };
        bool json = false;
        int c, r, code;

        while ((c = cli_getopt_next(&g, argc, argv)) != CLI_OPT_END) {
                switch (c) {
                case OPT_OUT:
                        o.out_dir = optarg;
                        break;
                case OPT_TIMEOUT:
                        r = cli_opt_uint(&g, optarg, 1, 86400, "a number of seconds", &o.timeout_s);
                        if (r)
                                return r;
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
        if (optind >= argc)
                return cli_usage_error("reproduce", "no run directory given");
        r = cli_opt_no_more_args(&g, argc, argv, 1);
        if (r)
                return r;
        o.run_dir = argv[optind];
        log_set_machine_output(json);
        r = cli_watch_signals(&sw);
        if (r)
                return r;
        code = reproduce_run(&o, &sw, &res, &e);
        if (code >= TDXH_EXIT_BAD_INPUT && e.msg[0])
                log_error("%s", e.msg);
        if (json) {
                print_json(&res);
                return code;
        }
        if (res.summary)
                printf("%s\n", res.summary);
        if (res.boot.run_dir)
                printf("run directory: %s\n", res.boot.run_dir);
        if (res.boot.report_dir)
                cli_print_report_paths(res.boot.report_dir);
        fflush(stdout);
        return code;
}
