/* Monotonic deadlines; see deadline.h. */
#include "run/deadline.h"

#include <stdint.h>
#include <time.h>

uint64_t mono_now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

struct deadline deadline_in_ms(uint64_t ms)
{
        uint64_t now = mono_now_ns();

        if (ms >= (UINT64_MAX - now) / 1000000u)
                return DEADLINE_NEVER;
        return (struct deadline){ .at_ns = now + ms * 1000000u };
}

struct deadline deadline_min(struct deadline a, struct deadline b)
{
        return a.at_ns <= b.at_ns ? a : b;
}

bool deadline_expired(const struct deadline *d)
{
        return d->at_ns != UINT64_MAX && mono_now_ns() >= d->at_ns;
}

int deadline_poll_ms(const struct deadline *d)
{
        uint64_t now, left;

        if (d->at_ns == UINT64_MAX)
                return -1;
        now = mono_now_ns();
        if (now >= d->at_ns)
                return 0;
        left = (d->at_ns - now + 999999u) / 1000000u;
        return left > INT32_MAX ? INT32_MAX : (int)left;
}

uint64_t elapsed_ms(uint64_t since_ns)
{
        uint64_t now = mono_now_ns();

        return now > since_ns ? (now - since_ns) / 1000000u : 0;
}
