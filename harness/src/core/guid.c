/* GUID text/memory conversion; see guid.h. */
#include "core/guid.h"

#include <errno.h>

/* Where each memory byte's two hex digits start in the text form. The first
 * three groups are stored little-endian, so their bytes run backwards. */
static const uint8_t text_pos[GUID_LEN] = { 6, 4, 2, 0, 11, 9, 16, 14,
                                            19, 21, 24, 26, 28, 30, 32, 34 };

static int nibble(char c)
{
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

int guid_parse(const char *text, uint8_t out[GUID_LEN])
{
        uint8_t tmp[GUID_LEN];

        for (int i = 0; i < GUID_TEXT_LEN; i++) {
                bool dash = i == 8 || i == 13 || i == 18 || i == 23;

                if (text[i] == '\0' || (dash ? text[i] != '-' : nibble(text[i]) < 0))
                        return -EINVAL;
        }
        if (text[GUID_TEXT_LEN] != '\0')
                return -EINVAL;
        for (int i = 0; i < GUID_LEN; i++)
                tmp[i] = (uint8_t)(nibble(text[text_pos[i]]) << 4 | nibble(text[text_pos[i] + 1]));
        for (int i = 0; i < GUID_LEN; i++)
                out[i] = tmp[i];
        return 0;
}

void guid_format(const uint8_t guid[GUID_LEN], bool upper, char out[GUID_TEXT_LEN + 1])
{
        const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";

        for (int i = 0; i < GUID_TEXT_LEN; i++)
                out[i] = '-';
        for (int i = 0; i < GUID_LEN; i++) {
                out[text_pos[i]] = digits[guid[i] >> 4];
                out[text_pos[i] + 1] = digits[guid[i] & 0xf];
        }
        out[GUID_TEXT_LEN] = '\0';
}
