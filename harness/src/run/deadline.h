/* Monotonic deadlines. Every wait in the run layer takes one, so no wait can
 * hang: a deadline is an absolute point on CLOCK_MONOTONIC (immune to wall
 * clock changes), computed once and then handed down through nested waits,
 * so the inner ones never outlive the outer. DEADLINE_NEVER exists for
 * callers that truly cannot bound a wait; the run layer itself never uses it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

struct deadline {
        uint64_t at_ns; /* CLOCK_MONOTONIC nanoseconds; UINT64_MAX = never */
};
#define DEADLINE_NEVER ((struct deadline){ .at_ns = UINT64_MAX })

/* Current CLOCK_MONOTONIC time in nanoseconds. */
uint64_t mono_now_ns(void);

/* A deadline ms milliseconds from now (saturating). */
struct deadline deadline_in_ms(uint64_t ms);

/* The earlier of a and b: an inner wait bounded by an outer deadline. */
struct deadline deadline_min(struct deadline a, struct deadline b);

bool deadline_expired(const struct deadline *d);

/* Milliseconds left, rounded up so a wait never returns just before the
 * deadline, clamped to INT32_MAX; 0 when expired, -1 for DEADLINE_NEVER.
 * Ready to pass to poll(). */
int deadline_poll_ms(const struct deadline *d);

/* Milliseconds elapsed since a mono_now_ns() reading, for timings. */
uint64_t elapsed_ms(uint64_t since_ns);
