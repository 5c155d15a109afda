/* Memory size parsing; see size.h. */
#include "core/size.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

int size_parse(const char *text, uint64_t *ret)
{
        uint64_t whole = 0, frac = 0, frac_div = 1, unit = 1ull << 20, v;
        const char *p = text;
        int digits = 0;

        if (!text)
                return -EINVAL;
        for (; isdigit((unsigned char)*p); p++, digits++) {
                if (whole > (UINT64_MAX - 9) / 10)
                        return -EINVAL;
                whole = whole * 10 + (uint64_t)(*p - '0');
        }
        if (*p == '.') {
                p++;
                for (; isdigit((unsigned char)*p); p++) {
                        if (frac_div > UINT64_MAX / 100)
                                return -EINVAL;
                        frac = frac * 10 + (uint64_t)(*p - '0');
                        frac_div *= 10;
                        digits++;
                }
        }
        if (digits == 0)
                return -EINVAL;
        switch (toupper((unsigned char)*p)) {
        case '\0':
                break;
        case 'B':
                unit = 1;
                p++;
                break;
        case 'K':
                unit = 1ull << 10;
                p++;
                break;
        case 'M':
                unit = 1ull << 20;
                p++;
                break;
        case 'G':
                unit = 1ull << 30;
                p++;
                break;
        case 'T':
                unit = 1ull << 40;
                p++;
                break;
        default:
                return -EINVAL;
        }
        if (unit > 1 && (strcmp(p, "iB") == 0 || strcmp(p, "B") == 0))
                p += strlen(p);
        if (*p != '\0')
                return -EINVAL;
        if (whole > UINT64_MAX / unit)
                return -EINVAL;
        v = whole * unit;
        if (frac) {
                /* frac/frac_div of a unit must be a whole number of bytes */
                if (unit > UINT64_MAX / frac || (frac * unit) % frac_div != 0)
                        return -EINVAL;
                v += frac * unit / frac_div;
        }
        if (v == 0)
                return -EINVAL;
        *ret = v;
        return 0;
}

void size_format(uint64_t bytes, char out[32])
{
        static const char suffix[] = "TGMK";

        for (int i = 0; i < 4; i++) {
                uint64_t unit = 1ull << (10 * (4 - i));

                if (bytes >= unit && bytes % unit == 0) {
                        snprintf(out, 32, "%llu%c", (unsigned long long)(bytes / unit),
                                 suffix[i]);
                        return;
                }
        }
        snprintf(out, 32, "%lluB", (unsigned long long)bytes);
}
