/* Strict decimal numbers; see number.h. */
#include "core/number.h"

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>

int number_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *ret)
{
        uint64_t v = 0;
        bool overflow = false;
        size_t i;

        if (!text || !text[0])
                return -EINVAL;
        for (i = 0; text[i]; i++) {
                unsigned d;

                if (text[i] < '0' || text[i] > '9')
                        return -EINVAL;
                d = (unsigned)(text[i] - '0');
                if (v > (UINT64_MAX - d) / 10)
                        overflow = true;
                else
                        v = v * 10 + d;
        }
        if (overflow || v < min || v > max)
                return -ERANGE;
        *ret = v;
        return 0;
}

int number_parse_uint(const char *text, unsigned min, unsigned max, unsigned *ret)
{
        uint64_t v;
        int r = number_parse_u64(text, min, max, &v);

        if (r < 0)
                return r;
        *ret = (unsigned)v;
        return 0;
}
