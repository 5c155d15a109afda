/* Turning what users hand over as "a quote" into quote bytes: the raw
 * binary, hex text as printed by many tools (line-wrapped or not), or a JSON
 * object carrying the quote in a "quote" member, as hex or base64. The
 * decision is made from the content, never from the file name. */
#include <ctype.h>
#include <errno.h>
#include <json-c/json.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/json_parse.h"
#include "core/json_util.h"
#include "evidence/quote.h"

/* Index of the first digit: after leading whitespace and a 0x prefix. */
static size_t hex_start(const uint8_t *d, size_t len)
{
        size_t i = 0;

        while (i < len && isspace(d[i]))
                i++;
        if (len - i >= 2 && d[i] == '0' && (d[i + 1] == 'x' || d[i + 1] == 'X'))
                i += 2;
        return i;
}

/* True when data is hex digits and whitespace only, with an optional 0x
 * prefix after leading whitespace, and at least one digit. */
static bool looks_like_hex(const uint8_t *d, size_t len)
{
        size_t i, digits = 0;

        i = hex_start(d, len);
        for (; i < len; i++) {
                if (isxdigit(d[i]))
                        digits++;
                else if (!isspace(d[i]))
                        return false;
        }
        return digits > 0;
}

/* Decodes hex text that passed looks_like_hex(); what names the source in
 * messages. */
static int decode_hex(const uint8_t *d, size_t len, const char *what, uint8_t **ret,
                      size_t *ret_len, struct tdxh_err *e)
{
        _cleanup_free_ char *digits = NULL;
        size_t i, n = 0;
        int r;

        digits = malloc(len + 1);
        if (!digits)
                return -ENOMEM;
        i = hex_start(d, len);
        for (; i < len; i++)
                if (!isspace(d[i]))
                        digits[n++] = (char)d[i];
        digits[n] = '\0';
        r = hex_decode_alloc(digits, ret, ret_len);
        if (r == -EINVAL)
                return err_setf(e, r, "%s: odd number of hex digits", what);
        return r;
}

static int decode_base64(const char *text, size_t len, uint8_t **ret, size_t *ret_len,
                         struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *out = NULL;
        EVP_ENCODE_CTX *ctx;
        int n1 = 0, n2 = 0, ok;

        if (len > INT_MAX)
                return err_setf(e, -EFBIG, "JSON member \"quote\": too long");
        out = malloc(len / 4 * 3 + 4);
        ctx = EVP_ENCODE_CTX_new();
        if (!out || !ctx) {
                EVP_ENCODE_CTX_free(ctx);
                return -ENOMEM;
        }
        EVP_DecodeInit(ctx);
        ok = EVP_DecodeUpdate(ctx, out, &n1, (const unsigned char *)text, (int)len) >= 0 &&
             EVP_DecodeFinal(ctx, out + n1, &n2) == 1;
        EVP_ENCODE_CTX_free(ctx);
        if (!ok || n1 + n2 == 0)
                return err_setf(e, -EINVAL,
                                "JSON member \"quote\": neither hex nor base64");
        *ret = TAKE_PTR(out);
        *ret_len = (size_t)(n1 + n2);
        return 0;
}

static int decode_json(const uint8_t *d, size_t len, uint8_t **ret, size_t *ret_len,
                       struct tdxh_err *e)
{
        _cleanup_json_ json_object *root = NULL;
        json_object *member;
        const char *text;
        size_t n;
        int r;

        r = json_parse_text((const char *)d, len, 0, &root, e);
        if (r < 0)
                return r;
        if (!json_object_is_type(root, json_type_object))
                return err_setf(e, -EINVAL, "JSON input is not an object with a \"quote\" member");
        if (!json_object_object_get_ex(root, "quote", &member))
                return err_setf(e, -EINVAL, "JSON object has no \"quote\" member");
        if (!json_object_is_type(member, json_type_string))
                return err_setf(e, -EINVAL, "JSON member \"quote\" is not a string");
        text = json_object_get_string(member);
        n = (size_t)json_object_get_string_len(member);
        if (looks_like_hex((const uint8_t *)text, n))
                return decode_hex((const uint8_t *)text, n, "JSON member \"quote\"", ret,
                                  ret_len, e);
        return decode_base64(text, n, ret, ret_len, e);
}

int quote_load_buffer(const uint8_t *data, size_t len, uint8_t **ret_bytes, size_t *ret_len,
                      struct tdxh_err *e)
{
        size_t i = 0;
        uint8_t *copy;

        while (i < len && isspace(data[i]))
                i++;
        if (i < len && data[i] == '{')
                return decode_json(data, len, ret_bytes, ret_len, e);
        if (looks_like_hex(data, len))
                return decode_hex(data, len, "hex text", ret_bytes, ret_len, e);
        copy = malloc(len ? len : 1);
        if (!copy)
                return -ENOMEM;
        if (len)
                memcpy(copy, data, len);
        *ret_bytes = copy;
        *ret_len = len;
        return 0;
}

int quote_load_file(const char *path, uint8_t **ret_bytes, size_t *ret_len, struct tdxh_err *e)
{
        _cleanup_mapped_file_ struct mapped_file m = { 0 };
        int r;

        r = file_map(path, QUOTE_MAX_FILE, &m, e);
        if (r < 0)
                return r;
        r = quote_load_buffer(m.data, m.size, ret_bytes, ret_len, e);
        if (r < 0 && e && e->code == r)
                err_prefix(e, "%s: ", path);
        return r;
}
