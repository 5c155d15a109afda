/* Predicted event lists; see event.h. */
#include "measure/event.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void measure_event_clear(struct measure_event *ev)
{
        free(ev->what);
        free(ev->detail);
        free(ev->data);
}

static int grow(struct measure_events *l, size_t extra)
{
        struct measure_event *v;
        size_t cap;

        if (l->n + extra <= l->cap)
                return 0;
        cap = l->cap ? l->cap : 16;
        while (cap < l->n + extra)
                cap *= 2;
        v = reallocarray(l->v, cap, sizeof(*v));
        if (!v)
                return -ENOMEM;
        l->v = v;
        l->cap = cap;
        return 0;
}

int measure_events_add(struct measure_events *l, int rtmr, uint32_t type, const uint8_t *digest,
                       const char *what, const char *detail, const void *data, size_t data_len)
{
        struct measure_event ev = { .rtmr = rtmr, .type = type, .digest_known = digest != NULL };
        int r = grow(l, 1);

        if (r < 0)
                return r;
        if (digest)
                memcpy(ev.digest, digest, SHA384_LEN);
        ev.what = strdup(what);
        ev.detail = detail ? strdup(detail) : NULL;
        if (data) {
                ev.data = malloc(data_len ? data_len : 1);
                if (ev.data) {
                        memcpy(ev.data, data, data_len);
                        ev.data_len = data_len;
                }
        }
        if (!ev.what || (detail && !ev.detail) || (data && !ev.data)) {
                measure_event_clear(&ev);
                return -ENOMEM;
        }
        l->v[l->n++] = ev;
        return 0;
}

int measure_events_move(struct measure_events *dst, struct measure_events *src)
{
        int r;

        if (src->n == 0)
                return 0;
        r = grow(dst, src->n);
        if (r < 0)
                return r;
        memcpy(dst->v + dst->n, src->v, src->n * sizeof(*src->v));
        dst->n += src->n;
        free(src->v);
        *src = (struct measure_events)MEASURE_EVENTS_INIT;
        return 0;
}

int measure_events_replay(const struct measure_events *l, int rtmr, uint8_t ret[SHA384_LEN])
{
        uint8_t reg[SHA384_LEN] = { 0 };

        for (size_t i = 0; i < l->n; i++) {
                if (l->v[i].rtmr != rtmr)
                        continue;
                if (!l->v[i].digest_known)
                        return -ENODATA;
                rtmr_extend(reg, l->v[i].digest);
        }
        memcpy(ret, reg, SHA384_LEN);
        return 0;
}

void measure_events_free(struct measure_events *l)
{
        for (size_t i = 0; i < l->n; i++)
                measure_event_clear(&l->v[i]);
        free(l->v);
        *l = (struct measure_events)MEASURE_EVENTS_INIT;
}
