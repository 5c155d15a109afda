/* The logger: the only process-wide state tdxh has.
 *
 * Messages go to stderr prefixed with "tdxh: ". The command layer sets the
 * level and whether progress may be drawn; library code logs at debug level
 * only and otherwise reports through return values and struct tdxh_err. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

void log_set_level(enum log_level level);
enum log_level log_get_level(void);

/* Progress is drawn only on a terminal, never in --json mode or under CI
 * (the CI environment variable set and non-empty). */
void log_set_machine_output(bool json);
bool log_progress_enabled(void);

void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_error(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)

/* A progress line for one long operation ("hashing initrd 37%"). Cheap to
 * call often: it redraws at most a few times per second. */
struct progress {
        const char *label;
        uint64_t total;
        uint64_t last_draw_ns;
        bool active;
};

void progress_begin(struct progress *p, const char *label, uint64_t total);
void progress_update(struct progress *p, uint64_t done);
void progress_end(struct progress *p);
