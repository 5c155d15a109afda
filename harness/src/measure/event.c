/* Predicted measurement events; see event.h. */
#include "measure/event.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void measure_event_clear(struct measure_event *ev)
{
        free(ev->what);
        free(ev->detail);
        ev->what = NULL;
        ev->detail = NULL;
}

static int dup_or_null(const char *s, char **ret)
{
        if (!s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

int measure_events_add(struct measure_events *l, int rtmr, uint32_t type,
                       const uint8_t *digest_or_NULL, const char *what, const char *detail)
{
        struct measure_event ev = { .rtmr = rtmr, .type = type };

        if (l->n == l->cap) {
                size_t cap = l->cap ? l->cap * 2 : 16;
                struct measure_event *v;

                if (cap > SIZE_MAX / sizeof(*v))
                        return -ENOMEM;
                v = realloc(l->v, cap * sizeof(*v));
                if (!v)
                        return -ENOMEM;
                l->v = v;
                l->cap = cap;
        }
        if (dup_or_null(what, &ev.what) < 0 || dup_or_null(detail, &ev.detail) < 0) {
                measure_event_clear(&ev);
                return -ENOMEM;
        }
        if (digest_or_NULL) {
                ev.digest_known = true;
                memcpy(ev.digest, digest_or_NULL, sizeof(ev.digest));
        }
        l->v[l->n++] = ev;
        return 0;
}

void measure_events_free(struct measure_events *l)
{
        for (size_t i = 0; i < l->n; i++)
                measure_event_clear(&l->v[i]);
        free(l->v);
        *l = (struct measure_events){ 0 };
}
