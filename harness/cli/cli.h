/* Shared pieces of the tdxh command layer: the command table, option
 * conventions and the one place that turns an error into a message and an
 * exit code. */
#pragma once

#include <stdbool.h>

#include "core/err.h"

struct cli_command {
        const char *name;
        const char *summary;
        int (*run)(int argc, char **argv); /* argv[0] is the command name */
};

/* Prints "tdxh: MESSAGE" for e (or for the errno when e is empty) and
 * returns the exit code for r. */
int cli_report(int r, const struct tdxh_err *e);

/* Usage error: prints "tdxh CMD: MESSAGE" and a hint, returns TDXH_EXIT_BAD_INPUT. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The report files a run wrote to REPORT_DIR, one line each (what
 * `tdxh boot` and `tdxh run` print last). */
void cli_print_report_paths(const char *report_dir);

/* Copies REPORT_DIR/report.json to stdout (the --json output of a run). */
int cli_print_report_json(const char *report_dir);

/* A progress callback of the check layer (boot_check_opts.on_progress):
 * "tdxh CMD: WHAT..." on a terminal, nothing under --json or CI; userdata
 * is the command's name. */
void cli_show_progress(const char *what, void *userdata);

/* Starts watching SIGINT/SIGTERM for a run; 0, or TDXH_EXIT_INFRA after
 * saying why. */
struct signal_watch;
int cli_watch_signals(struct signal_watch *sw);

/* Commands, one file each (cmd_NAME.c). */
int cmd_boot(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_reproduce(int argc, char **argv);
int cmd_golden(int argc, char **argv);
int cmd_version(int argc, char **argv);
int cmd_diff(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_inspect(int argc, char **argv);
int cmd_verify(int argc, char **argv);
int cmd_host_check(int argc, char **argv);
int cmd_report(int argc, char **argv);
/* Whether path is a directory (a run directory given where evidence files
 * may be). */
bool cli_is_dir(const char *path);

/* `tdxh golden record`, dispatched by `tdxh golden` (argv[0] is "record"). */
int cmd_golden_record(int argc, char **argv);
/* `tdxh golden search` (argv[0] is "search"). */
int cmd_golden_search(int argc, char **argv);
/* `tdxh golden publish` and `tdxh golden verify-published` (argv[0] is the subcommand). */
int cmd_golden_publish(int argc, char **argv);
int cmd_golden_verify_published(int argc, char **argv);

/* The engine of diff (explain false) and explain (cmd_explain.c). */
int cli_compare(int argc, char **argv, bool explain);
