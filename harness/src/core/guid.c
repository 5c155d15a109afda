/* GUID text/memory conversion; see guid.h. */
#include "core/guid.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "core/hex.h"

/* Text form <-> big-endian "as written" byte order: the first three groups
 * are stored little-endian, so those bytes swap. The mapping is its own
 * inverse. */
static void swap_groups(const uint8_t in[GUID_LEN], uint8_t out[GUID_LEN])
{
        static const uint8_t order[GUID_LEN] = { 3, 2, 1, 0, 5, 4, 7, 6,
                                                 8, 9, 10, 11, 12, 13, 14, 15 };

        for (int i = 0; i < GUID_LEN; i++)
                out[i] = in[order[i]];
}

static bool is_dash_pos(int i)
{
        return i == 8 || i == 13 || i == 18 || i == 23;
}

int guid_parse(const char *text, uint8_t out[GUID_LEN])
{
        char digits[2 * GUID_LEN + 1];
        uint8_t natural[GUID_LEN];
        int n = 0;

        if (strnlen(text, GUID_TEXT_LEN + 1) != GUID_TEXT_LEN)
                return -EINVAL;
        for (int i = 0; i < GUID_TEXT_LEN; i++) {
                if (is_dash_pos(i) != (text[i] == '-') || isspace((unsigned char)text[i]))
                        return -EINVAL;
                if (!is_dash_pos(i))
                        digits[n++] = text[i];
        }
        digits[n] = '\0';
        if (hex_decode_exact(digits, natural, GUID_LEN) < 0)
                return -EINVAL;
        swap_groups(natural, out);
        return 0;
}

void guid_format(const uint8_t guid[GUID_LEN], bool upper, char out[GUID_TEXT_LEN + 1])
{
        char digits[2 * GUID_LEN + 1];
        uint8_t natural[GUID_LEN];
        int n = 0;

        swap_groups(guid, natural);
        hex_encode(natural, GUID_LEN, digits);
        for (int i = 0; i < GUID_TEXT_LEN; i++) {
                char c = is_dash_pos(i) ? '-' : digits[n++];

                out[i] = upper ? (char)toupper((unsigned char)c) : c;
        }
        out[GUID_TEXT_LEN] = '\0';
}
