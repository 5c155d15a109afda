/* Error detail recording; see err.h. */
#include "core/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int err_setf(struct tdxh_err *e, int code, const char *fmt, ...)
{
        va_list ap;

        if (!e || e->msg[0] != '\0')
                return code;
        e->code = code;
        va_start(ap, fmt);
        vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
        va_end(ap);
        return code;
}

void err_prefix(struct tdxh_err *e, const char *fmt, ...)
{
        char prefix[512];
        size_t plen, olen;
        va_list ap;

        if (!e)
                return;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof(prefix), fmt, ap);
        va_end(ap);
        plen = strlen(prefix);
        olen = strlen(e->msg);
        if (plen + olen >= sizeof(e->msg))
                olen = sizeof(e->msg) - 1 - plen;
        memmove(e->msg + plen, e->msg, olen);
        memcpy(e->msg, prefix, plen);
        e->msg[plen + olen] = '\0';
}

void err_clear(struct tdxh_err *e)
{
        if (!e)
                return;
        e->code = 0;
        e->msg[0] = '\0';
}

enum tdxh_exit err_exit_code(int code)
{
        switch (code) {
        case 0:
                return TDXH_EXIT_OK;
        case -ETIMEDOUT:
        case -ECHILD:
        case -ECONNREFUSED:
        case -ECONNRESET:
        case -EPIPE:
        case -ESRCH:
        case -EINTR:
        case -EAGAIN:
        case -ENOMEM:
        case -EIO:
        case -ENOSPC:
        case -EHOSTDOWN:
        case -ECANCELED:
                return TDXH_EXIT_INFRA;
        default:
                return TDXH_EXIT_BAD_INPUT;
        }
}
