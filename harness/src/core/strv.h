/* A NULL-terminated vector of owned strings, used to build argv. */
#pragma once

#include <stddef.h>

struct strv {
        char **v; /* NULL-terminated once anything was pushed */
        size_t n;
        size_t cap;
};
#define STRV_INIT { 0 }

int strv_push(struct strv *s, const char *str);
int strv_pushf(struct strv *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Joins with single spaces, for logs only (no quoting). */
char *strv_join(const struct strv *s, const char *sep);
void strv_free(struct strv *s);
#define _cleanup_strv_ __attribute__((cleanup(strv_free)))
