/* Command lines printed for people to review and paste into a shell: one
 * argument as one POSIX shell word (`tdxh run --dry-run`, the command that
 * `tdxh golden search` found). Nothing here runs a shell. */
#pragma once

#include "core/buf.h"

/* Appends s as it is when a shell takes it literally, else in single
 * quotes with each ' written as '\''. */
int shell_word(struct buf *b, const char *s);
