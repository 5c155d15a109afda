/* Base64 helpers; see base64.h. */
#include "core/base64.h"

#include <errno.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

char *base64_encode(const uint8_t *data, size_t len)
{
        size_t out_len;
        char *out;

        if (len > (size_t)INT_MAX / 4 * 3 - 3)
                return NULL;
        out_len = 4 * ((len + 2) / 3);
        out = malloc(out_len + 1);
        if (!out)
                return NULL;
        if (len == 0) {
                out[0] = '\0';
                return out;
        }
        EVP_EncodeBlock((unsigned char *)out, data, (int)len);
        out[out_len] = '\0';
        return out;
}

int base64_decode(const char *text, size_t text_len, uint8_t **ret, size_t *ret_len)
{
        size_t pad = 0, len;
        uint8_t *out;
        int n;

        if (text_len % 4 != 0 || text_len > (size_t)INT_MAX)
                return -EINVAL;
        /* EVP_DecodeBlock skips leading and trailing blanks; the protocol
         * allows neither, so reject every byte outside the alphabet first. */
        for (size_t i = 0; i < text_len; i++) {
                char c = text[i];
                bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                          (c >= '0' && c <= '9') || c == '+' || c == '/';

                if (c == '=' && i >= text_len - 2) {
                        if (text[text_len - 1] != '=')
                                return -EINVAL;
                        continue;
                }
                if (!ok)
                        return -EINVAL;
        }
        if (text_len >= 1 && text[text_len - 1] == '=')
                pad++;
        if (text_len >= 2 && text[text_len - 2] == '=')
                pad++;
        len = text_len / 4 * 3;
        out = malloc(len + 1);
        if (!out)
                return -ENOMEM;
        if (text_len > 0) {
                /* EVP_DecodeBlock does not drop the bytes that padding stands
                 * for; its length counts them. */
                n = EVP_DecodeBlock(out, (const unsigned char *)text, (int)text_len);
                if (n < 0 || (size_t)n != len) {
                        free(out);
                        return -EINVAL;
                }
        }
        len -= pad;
        out[len] = 0;
        *ret = out;
        *ret_len = len;
        return 0;
}
