/* Error reporting for commands; see cli.h. */
#include "cli.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cleanup.h"
#include "core/log.h"
#include "run/signals.h"

int cli_report(int r, const struct tdxh_err *e)
{
        if (r >= 0)
                return TDXH_EXIT_OK;
        if (e && e->msg[0])
                log_error("%s", e->msg);
        else
                log_error("%s", strerror(-r));
        return (int)err_exit_code(r);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
        va_list ap;

        fprintf(stderr, "tdxh %s: ", cmd);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\nTry 'tdxh %s --help'.\n", cmd);
        return TDXH_EXIT_BAD_INPUT;
}

void cli_print_report_paths(const char *report_dir)
{
        printf("report (HTML):  %s/report.html\n", report_dir);
        printf("report (JUnit): %s/report.xml\n", report_dir);
        printf("report (JSON):  %s/report.json\n", report_dir);
        printf("summary (Markdown): %s/summary.md\n", report_dir);
}

int cli_print_report_json(const char *report_dir)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        int c;

        if (!report_dir || asprintf(&path, "%s/report.json", report_dir) < 0)
                return -ENOENT;
        f = fopen(path, "re");
        if (!f)
                return -errno;
        while ((c = fgetc(f)) != EOF)
                putchar(c);
        return fflush(stdout) == 0 ? 0 : -EIO;
}

void cli_show_progress(const char *what, void *userdata)
{
        if (log_progress_enabled())
                fprintf(stderr, "tdxh %s: %s...\n", (const char *)userdata, what);
}

int cli_watch_signals(struct signal_watch *sw)
{
        if (signal_watch_begin(sw) >= 0)
                return 0;
        log_error("cannot watch for signals");
        return TDXH_EXIT_INFRA;
}

bool cli_is_dir(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}
