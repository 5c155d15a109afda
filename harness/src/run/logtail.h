/* Reading the end of a log a child wrote (QEMU's stderr, the serial
 * console) and picking out the line that explains a failure. Logs may be
 * large and still growing; only the last bytes are read, and lines are
 * copied out bounded, without control characters, so that a message built
 * from them stays one printable line. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

/* Reads at most max bytes from the end of path into a NUL-terminated heap
 * string (a missing file reads as empty). NUL bytes become spaces. */
int logtail_read(const char *path, size_t max, char **ret, struct tdxh_err *e);

/* Copies the last line of text that has printable content into out (empty
 * when there is none). */
void logtail_last_line(const char *text, char *out, size_t len);

/* Copies the first line of text that contains needle, starting at the
 * needle, into out. Returns whether one was found. */
bool logtail_find_line(const char *text, const char *needle, char *out, size_t len);
