/* String vector; see strv.h. */
#include "core/strv.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

static int push_owned(struct strv *s, char *str)
{
        if (s->n + 2 > s->cap) {
                size_t cap = s->cap ? s->cap * 2 : 8;
                char **v = realloc(s->v, cap * sizeof(*v));

                if (!v) {
                        free(str);
                        return -ENOMEM;
                }
                s->v = v;
                s->cap = cap;
        }
        s->v[s->n++] = str;
        s->v[s->n] = NULL;
        return 0;
}

int strv_push(struct strv *s, const char *str)
{
        char *copy = strdup(str);

        return copy ? push_owned(s, copy) : -ENOMEM;
}

int strv_pushf(struct strv *s, const char *fmt, ...)
{
        char *str = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&str, fmt, ap);
        va_end(ap);
        return n < 0 ? -ENOMEM : push_owned(s, str);
}

char *strv_join(const struct strv *s, const char *sep)
{
        struct buf b = BUF_INIT;

        for (size_t i = 0; i < s->n; i++)
                if ((i && buf_puts(&b, sep) < 0) || buf_puts(&b, s->v[i]) < 0) {
                        buf_free(&b);
                        return NULL;
                }
        return buf_detach(&b, NULL);
}

void strv_free(struct strv *s)
{
        for (size_t i = 0; i < s->n; i++)
                free(s->v[i]);
        free(s->v);
        *s = (struct strv)STRV_INIT;
}
