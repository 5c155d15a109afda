/* Logger and terminal progress; see log.h. */
#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static struct {
        enum log_level level;
        bool machine_output;
} logger = { .level = LOG_INFO };

void log_set_level(enum log_level level)
{
        logger.level = level;
}

enum log_level log_get_level(void)
{
        return logger.level;
}

void log_set_machine_output(bool json)
{
        logger.machine_output = json;
}

bool log_progress_enabled(void)
{
        const char *ci = getenv("CI");

        if (logger.machine_output || (ci && *ci) || logger.level < LOG_INFO)
                return false;
        return isatty(STDERR_FILENO) == 1;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
        va_list ap;

        if (level > logger.level)
                return;
        fputs("tdxh: ", stderr);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fputc('\n', stderr);
}

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void progress_begin(struct progress *p, const char *label, uint64_t total)
{
        *p = (struct progress){ .label = label, .total = total, .active = log_progress_enabled() };
}

void progress_update(struct progress *p, uint64_t done)
{
        uint64_t t;

        if (!p->active)
                return;
        t = now_ns();
        if (t - p->last_draw_ns < 200000000u)
                return;
        p->last_draw_ns = t;
        if (p->total > 0)
                fprintf(stderr, "\r%s %3u%%", p->label, (unsigned)(done * 100 / p->total));
        else
                fprintf(stderr, "\r%s %llu MiB", p->label, (unsigned long long)(done >> 20));
        fflush(stderr);
}

void progress_end(struct progress *p)
{
        if (p->active && p->last_draw_ns != 0)
                fputs("\r\033[K", stderr);
        p->active = false;
}
