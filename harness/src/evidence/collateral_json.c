/* Typed JSON access for collateral, and member spans; see collateral_json.h. */
#include "evidence/collateral_json.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/hex.h"

void cj_failf(struct cj *cj, const char *fmt, ...)
{
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        (void)err_setf(cj->e, -EINVAL, "%s: %s", cj->file, msg);
}

static int member(struct cj *cj, json_object *o, const char *key, const char *path,
                  json_type type, json_object **ret)
{
        json_object *v;

        if (!json_object_is_type(o, json_type_object))
                return cj_fail(cj, "%s: not an object", path);
        if (!json_object_object_get_ex(o, key, &v))
                return cj_fail(cj, "%s.%s: missing", path, key);
        if (!json_object_is_type(v, type))
                return cj_fail(cj, "%s.%s: not a %s", path, key, json_type_to_name(type));
        *ret = v;
        return 0;
}

int cj_object(struct cj *cj, json_object *o, const char *key, const char *path,
              json_object **ret)
{
        return member(cj, o, key, path, json_type_object, ret);
}

int cj_array(struct cj *cj, json_object *o, const char *key, const char *path,
             json_object **ret)
{
        return member(cj, o, key, path, json_type_array, ret);
}

int cj_string(struct cj *cj, json_object *o, const char *key, const char *path, char *out,
              size_t size)
{
        json_object *v;
        int r = member(cj, o, key, path, json_type_string, &v);

        if (r < 0)
                return r;
        if ((size_t)json_object_get_string_len(v) >= size)
                return cj_fail(cj, "%s.%s: longer than %zu characters", path, key, size - 1);
        memcpy(out, json_object_get_string(v), (size_t)json_object_get_string_len(v) + 1);
        return 0;
}

int cj_int(struct cj *cj, json_object *o, const char *key, const char *path, int64_t min,
           int64_t max, int64_t *ret)
{
        json_object *v;
        int r = member(cj, o, key, path, json_type_int, &v);
        int64_t n;

        if (r < 0)
                return r;
        n = json_object_get_int64(v);
        if (n < min || n > max)
                return cj_fail(cj, "%s.%s: %lld is out of range", path, key, (long long)n);
        *ret = n;
        return 0;
}

int cj_hex(struct cj *cj, json_object *o, const char *key, const char *path, uint8_t *out,
           size_t len)
{
        json_object *v;
        int r = member(cj, o, key, path, json_type_string, &v);

        if (r < 0)
                return r;
        if (hex_decode_exact(json_object_get_string(v), out, len) < 0)
                return cj_fail(cj, "%s.%s: not %zu bytes of hex", path, key, len);
        return 0;
}

int cj_time(struct cj *cj, json_object *o, const char *key, const char *path, time_t *ret)
{
        char text[40];
        struct tm tm = { 0 };
        const char *end;
        int r = cj_string(cj, o, key, path, text, sizeof(text));

        if (r < 0)
                return r;
        end = strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm);
        if (!end || *end)
                return cj_fail(cj, "%s.%s: '%s' is not YYYY-MM-DDTHH:MM:SSZ", path, key, text);
        *ret = timegm(&tm);
        return 0;
}

static size_t skip_ws(const char *t, size_t len, size_t i)
{
        while (i < len && (t[i] == ' ' || t[i] == '\t' || t[i] == '\n' || t[i] == '\r'))
                i++;
        return i;
}

/* i at an opening quote; returns the index after the closing one, or 0. */
static size_t skip_string(const char *t, size_t len, size_t i)
{
        for (i++; i < len; i++) {
                if (t[i] == '\\')
                        i++;
                else if (t[i] == '"')
                        return i + 1;
        }
        return 0;
}

/* i at the start of a value; returns the index after it, or 0. */
static size_t skip_value(const char *t, size_t len, size_t i)
{
        size_t depth = 0;

        if (i >= len)
                return 0;
        if (t[i] == '"')
                return skip_string(t, len, i);
        if (t[i] != '{' && t[i] != '[') {
                while (i < len && !strchr(",}] \t\r\n", t[i]))
                        i++;
                return i;
        }
        while (i < len) {
                if (t[i] == '"') {
                        i = skip_string(t, len, i);
                        if (!i)
                                return 0;
                        continue;
                }
                if (t[i] == '{' || t[i] == '[')
                        depth++;
                else if ((t[i] == '}' || t[i] == ']') && --depth == 0)
                        return i + 1;
                i++;
        }
        return 0;
}

int json_member_span(const char *text, size_t len, const char *key, size_t *ret_off,
                     size_t *ret_len)
{
        size_t klen = strlen(key), i = skip_ws(text, len, 0);

        if (i >= len || text[i] != '{')
                return -EINVAL;
        i = skip_ws(text, len, i + 1);
        while (i < len && text[i] == '"') {
                size_t kstart = i + 1, kend = skip_string(text, len, i), vstart, vend;

                if (!kend)
                        return -EINVAL;
                i = skip_ws(text, len, kend);
                if (i >= len || text[i] != ':')
                        return -EINVAL;
                vstart = skip_ws(text, len, i + 1);
                vend = skip_value(text, len, vstart);
                if (!vend)
                        return -EINVAL;
                if (kend - 1 - kstart == klen && memcmp(text + kstart, key, klen) == 0) {
                        *ret_off = vstart;
                        *ret_len = vend - vstart;
                        return 0;
                }
                i = skip_ws(text, len, vend);
                if (i < len && text[i] == ',')
                        i = skip_ws(text, len, i + 1);
                else
                        break;
        }
        return -ENOENT;
}
