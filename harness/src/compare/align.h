/* Event alignment for one register: which golden event corresponds to which
 * observed event. Two events are "the same" when type and digest are equal;
 * between those anchors, a golden and an observed event are "the same event
 * with another digest" when their type and what they measure agree (the
 * kernel, the TD HOB, the variable named PK, ...). Everything else is an
 * insertion (only observed) or a deletion (only golden). The result is the
 * list of rows a person reads top to bottom: both sequences in order,
 * interleaved.
 *
 * The exact pass is Myers' O((N+M)·D) difference algorithm, so long logs that
 * differ in a few places cost little. Past ALIGN_MAX_EDITS differences the
 * sequences have little in common; the remaining events are then paired by
 * position instead, which is still a valid (if coarser) alignment. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ALIGN_MAX_EDITS 2048
#define ALIGN_NONE SIZE_MAX

/* One event as the aligner sees it (borrowed pointers). */
struct align_item {
        uint32_t type;
        bool digest_known;     /* false: not predicted (golden) or not logged (observed) */
        const uint8_t *digest; /* 48 bytes when digest_known */
        const char *what;      /* "kernel", "secureboot-var", ...; NULL or "unknown" when not known */
        const char *detail;    /* text naming the event (variable name, ...), or NULL */
};

enum align_op {
        ALIGN_SAME,      /* same type and digest */
        ALIGN_CHANGED,   /* the same event, another digest */
        ALIGN_UNCHECKED, /* the same event; a digest (usually the golden one) is not known */
        ALIGN_DELETED,   /* in the golden only */
        ALIGN_INSERTED,  /* observed only */
};

struct align_row {
        enum align_op op;
        size_t a; /* index into the golden sequence, or ALIGN_NONE */
        size_t b; /* index into the observed sequence, or ALIGN_NONE */
};

/* "same", "changed", "unchecked", "deleted", "inserted". */
const char *align_op_name(enum align_op op);

/* Whether two events are the same measurement (type and what agree, and for
 * events that name something, the name), regardless of digest. */
bool align_same_event(const struct align_item *x, const struct align_item *y);

/* Aligns golden a[0..na) with observed b[0..nb). On success *ret (owned by
 * the caller, free()) holds *ret_n rows covering every event of both
 * sequences exactly once, in order. 0 or -ENOMEM / -E2BIG (sequences longer
 * than INT32_MAX/2). */
int align_events(const struct align_item *a, size_t na, const struct align_item *b, size_t nb,
                 struct align_row **ret, size_t *ret_n);
