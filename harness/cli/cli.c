/* Error reporting for commands; see cli.h. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/log.h"

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
