/* Event alignment; see align.h.
 *
 * Two passes of the same difference algorithm: first with exact equality
 * (type and digest), which fixes the anchors, then inside each stretch
 * between anchors with "same event" equality, which turns a deletion and an
 * insertion of the same measurement into one changed row. */
#include "compare/align.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/digest.h"
#include "core/event_type.h"

typedef bool (*item_eq_fn)(const struct align_item *x, const struct align_item *y);

struct pair {
        size_t a, b;
};

struct pairs {
        struct pair *v;
        size_t n, cap;
};

struct rows {
        struct align_row *v;
        size_t n, cap;
};

const char *align_op_name(enum align_op op)
{
        switch (op) {
        case ALIGN_SAME:
                return "same";
        case ALIGN_CHANGED:
                return "changed";
        case ALIGN_UNCHECKED:
                return "unchecked";
        case ALIGN_DELETED:
                return "deleted";
        case ALIGN_INSERTED:
                return "inserted";
        }
        return "?";
}

static bool exact_eq(const struct align_item *x, const struct align_item *y)
{
        return x->type == y->type && x->digest_known && y->digest_known &&
               memcmp(x->digest, y->digest, SHA384_LEN) == 0;
}

/* Labels that say only what kind of record an event is, not what it
 * measures: such an event pairs with any event of its type. */
static const char *known_what(const char *w)
{
        static const char *const generic[] = { "unknown", "tagged-event", "config-flags", "ipl",
                                                "efi-app", "handoff-tables" };

        if (!w || !*w)
                return NULL;
        for (size_t i = 0; i < ELEMENTSOF(generic); i++)
                if (strcmp(w, generic[i]) == 0)
                        return NULL;
        return w;
}

/* "fwcfg" and "fwcfg-bootmenu" are one family: a reader may label more
 * coarsely than a prediction does. */
static bool what_family_eq(const char *x, const char *y)
{
        size_t lx = strlen(x), ly = strlen(y);

        if (lx == ly)
                return memcmp(x, y, lx) == 0;
        if (lx < ly)
                return memcmp(x, y, lx) == 0 && y[lx] == '-';
        return memcmp(x, y, ly) == 0 && x[ly] == '-';
}

static bool what_names_something(const char *w)
{
        return strcmp(w, "secureboot-var") == 0 || strcmp(w, "boot-var") == 0 ||
               strcmp(w, "rtmr3") == 0 || strncmp(w, "fwcfg", 5) == 0;
}

/* The name a detail text starts with: "PK", "Boot0001", "bootorder", with
 * an optional leading "GUID:" or "GUID/" skipped. */
static const char *name_token(const char *d, size_t *ret_len)
{
        size_t n = 0;

        if (strlen(d) > 37 && d[8] == '-' && d[13] == '-' && d[18] == '-' && d[23] == '-' &&
            (d[36] == ':' || d[36] == '/'))
                d += 37;
        while (d[n] && !strchr(" =:(,\t", d[n]))
                n++;
        *ret_len = n;
        return d;
}

bool align_same_event(const struct align_item *x, const struct align_item *y)
{
        const char *wx = known_what(x->what), *wy = known_what(y->what), *w;

        if (x->type != y->type)
                return false;
        if (wx && wy && !what_family_eq(wx, wy))
                return false;
        w = wx ? wx : wy;
        /* An action's digest is the digest of its text: another digest is
         * another action, not the same one changed. */
        if (x->type == EV_EFI_ACTION || x->type == EV_ACTION || (w && strcmp(w, "action") == 0))
                return !x->digest_known || !y->digest_known;
        if (w && what_names_something(w) && x->detail && y->detail) {
                size_t lx, ly;
                const char *nx = name_token(x->detail, &lx), *ny = name_token(y->detail, &ly);

                return lx == ly && memcmp(nx, ny, lx) == 0;
        }
        return true;
}

static int pairs_push(struct pairs *p, size_t a, size_t b)
{
        if (p->n == p->cap) {
                size_t cap = p->cap ? 2 * p->cap : 16;
                struct pair *v = reallocarray(p->v, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                p->v = v;
                p->cap = cap;
        }
        p->v[p->n++] = (struct pair){ a, b };
        return 0;
}

/* Furthest x reachable on diagonal k in round d from round d-1 (row prev,
 * indexed k + d - 1), staying inside the N×M grid; -1 when unreachable.
 * Shared by the forward pass and the backtrack so both take the same path. */
static int myers_step(const int *prev, int d, int k, int n, int m, int *ret_pk)
{
        int down = -1, right = -1;

        if (k < d) {
                down = prev[k + 1 + d - 1];
                if (down >= 0 && down - k > m)
                        down = -1;
        }
        if (k > -d) {
                right = prev[k - 1 + d - 1];
                if (right >= 0)
                        right = right + 1 > n ? -1 : right + 1;
        }
        if (right >= down) {
                *ret_pk = k - 1;
                return right;
        }
        *ret_pk = k + 1;
        return down;
}

/* Longest common subsequence of a[0..n) and b[0..m) under eq, appended to out
 * in increasing order with the offsets oa/ob added. Round d of the search
 * keeps the furthest point of every diagonal in trace[d*d .. (d+1)^2). */
static int myers(const struct align_item *a, size_t na, const struct align_item *b, size_t nb,
                 item_eq_fn eq, size_t oa, size_t ob, struct pairs *out)
{
        int n = (int)na, m = (int)nb, max = n + m, found = -1;
        _cleanup_free_ int *trace = NULL;
        size_t first = out->n, cap = 0;

        if (max > ALIGN_MAX_EDITS)
                max = ALIGN_MAX_EDITS;
        for (int d = 0; d <= max && found < 0; d++) {
                size_t need = ((size_t)d + 1) * ((size_t)d + 1);
                int *row, *prev;

                /* Grown as rounds go: logs that differ little stay small. */
                if (need > cap) {
                        size_t ncap = need * 2;
                        int *t = reallocarray(trace, ncap, sizeof(int));

                        if (!t)
                                return -ENOMEM;
                        trace = t;
                        cap = ncap;
                }
                row = trace + (size_t)d * d;
                prev = d > 0 ? trace + (size_t)(d - 1) * (d - 1) : NULL;

                for (int k = -d; k <= d; k += 2) {
                        int x = 0, y, pk;

                        if (d > 0)
                                x = myers_step(prev, d, k, n, m, &pk);
                        if (x < 0) {
                                row[k + d] = -1;
                                continue;
                        }
                        y = x - k;
                        while (x < n && y < m && eq(&a[x], &b[y])) {
                                x++;
                                y++;
                        }
                        row[k + d] = x;
                        if (x == n && y == m) {
                                found = d;
                                break;
                        }
                }
        }
        if (found < 0)
                return -E2BIG;

        int x = n, y = m;

        for (int d = found; d >= 0; d--) {
                int sx = 0, sy = 0, px = 0, py = 0, pk;

                if (d > 0) {
                        px = myers_step(trace + (size_t)(d - 1) * (d - 1), d, x - y, n, m, &pk);
                        if (pk == x - y - 1) { /* came by a deletion */
                                px -= 1;
                                sx = px + 1;
                                py = px - pk;
                                sy = py;
                        } else {
                                py = px - pk;
                                sx = px;
                                sy = py + 1;
                        }
                }
                while (x > sx && y > sy) {
                        x--;
                        y--;
                        if (pairs_push(out, oa + (size_t)x, ob + (size_t)y) < 0)
                                return -ENOMEM;
                }
                x = px;
                y = py;
        }
        /* Collected back to front. */
        for (size_t i = first, j = out->n; i + 1 < j; i++, j--) {
                struct pair t = out->v[i];

                out->v[i] = out->v[j - 1];
                out->v[j - 1] = t;
        }
        return 0;
}

static int rows_push(struct rows *r, enum align_op op, size_t a, size_t b)
{
        if (r->n == r->cap) {
                size_t cap = r->cap ? 2 * r->cap : 32;
                struct align_row *v = reallocarray(r->v, cap, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                r->v = v;
                r->cap = cap;
        }
        r->v[r->n++] = (struct align_row){ op, a, b };
        return 0;
}

static int emit_unpaired(struct rows *r, size_t a_from, size_t a_to, size_t b_from, size_t b_to)
{
        int ret = 0;

        for (size_t i = a_from; i < a_to && ret >= 0; i++)
                ret = rows_push(r, ALIGN_DELETED, i, ALIGN_NONE);
        for (size_t j = b_from; j < b_to && ret >= 0; j++)
                ret = rows_push(r, ALIGN_INSERTED, ALIGN_NONE, j);
        return ret;
}

/* The stretch a[ia..ea) / b[ib..eb) between two exact anchors. */
static int align_gap(const struct align_item *a, size_t ia, size_t ea, const struct align_item *b,
                     size_t ib, size_t eb, struct rows *r)
{
        struct pairs p = { 0 };
        int ret = 0;

        if (ea > ia && eb > ib) {
                ret = myers(a + ia, ea - ia, b + ib, eb - ib, align_same_event, ia, ib, &p);
                if (ret == -E2BIG) {
                        /* Too different to search: pair by position. */
                        ret = 0;
                        for (size_t t = 0; ia + t < ea && ib + t < eb && ret >= 0; t++)
                                if (align_same_event(&a[ia + t], &b[ib + t]))
                                        ret = pairs_push(&p, ia + t, ib + t);
                }
        }
        for (size_t i = 0; i < p.n && ret >= 0; i++) {
                const struct align_item *x = &a[p.v[i].a], *y = &b[p.v[i].b];
                enum align_op op = exact_eq(x, y)                       ? ALIGN_SAME
                                   : x->digest_known && y->digest_known ? ALIGN_CHANGED
                                                                        : ALIGN_UNCHECKED;

                ret = emit_unpaired(r, ia, p.v[i].a, ib, p.v[i].b);
                if (ret >= 0)
                        ret = rows_push(r, op, p.v[i].a, p.v[i].b);
                ia = p.v[i].a + 1;
                ib = p.v[i].b + 1;
        }
        if (ret >= 0)
                ret = emit_unpaired(r, ia, ea, ib, eb);
        free(p.v);
        return ret;
}

int align_events(const struct align_item *a, size_t na, const struct align_item *b, size_t nb,
                 struct align_row **ret, size_t *ret_n)
{
        struct rows r = { 0 };
        struct pairs p = { 0 };
        size_t pre = 0, suf = 0, ia, ib;
        int res = 0;

        if (na > INT32_MAX / 2 || nb > INT32_MAX / 2)
                return -E2BIG;
        /* Common head and tail cost nothing to find and are most of a log
         * that differs in one place. */
        while (pre < na && pre < nb && exact_eq(&a[pre], &b[pre]))
                pre++;
        while (suf < na - pre && suf < nb - pre && exact_eq(&a[na - 1 - suf], &b[nb - 1 - suf]))
                suf++;
        for (size_t i = 0; i < pre && res >= 0; i++)
                res = rows_push(&r, ALIGN_SAME, i, i);
        if (res >= 0 && na - pre - suf > 0 && nb - pre - suf > 0) {
                res = myers(a + pre, na - pre - suf, b + pre, nb - pre - suf, exact_eq, pre, pre, &p);
                if (res == -E2BIG)
                        res = 0; /* one gap: the whole middle */
        }
        ia = ib = pre;
        for (size_t i = 0; i <= p.n && res >= 0; i++) {
                size_t ea = i < p.n ? p.v[i].a : na - suf, eb = i < p.n ? p.v[i].b : nb - suf;

                res = align_gap(a, ia, ea, b, ib, eb, &r);
                if (res >= 0 && i < p.n)
                        res = rows_push(&r, ALIGN_SAME, ea, eb);
                ia = ea + 1;
                ib = eb + 1;
        }
        for (size_t i = 0; i < suf && res >= 0; i++)
                res = rows_push(&r, ALIGN_SAME, na - suf + i, nb - suf + i);
        free(p.v);
        if (res < 0) {
                free(r.v);
                return res;
        }
        *ret = r.v;
        *ret_n = r.n;
        return 0;
}
