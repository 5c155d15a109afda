/* json-c helpers; see json_util.h. */
#include "core/json_util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/file.h"
#include "core/hex.h"

int json_add(json_object *obj, const char *key, json_object *value)
{
        if (json_object_object_add(obj, key, value) < 0) {
                json_object_put(value);
                return -ENOMEM;
        }
        return 0;
}

int json_add_string(json_object *obj, const char *key, const char *value)
{
        if (!value)
                return json_add(obj, key, NULL);
        json_object *s = json_object_new_string(value);

        return s ? json_add(obj, key, s) : -ENOMEM;
}

int json_add_hex(json_object *obj, const char *key, const uint8_t *data, size_t len)
{
        char *h = hex_dup(data, len);
        int r;

        if (!h)
                return -ENOMEM;
        r = json_add_string(obj, key, h);
        free(h);
        return r;
}

int json_add_int(json_object *obj, const char *key, int64_t value)
{
        json_object *v = json_object_new_int64(value);

        return v ? json_add(obj, key, v) : -ENOMEM;
}

int json_add_bool(json_object *obj, const char *key, bool value)
{
        json_object *v = json_object_new_boolean(value);

        return v ? json_add(obj, key, v) : -ENOMEM;
}

int json_array_add(json_object *arr, json_object *value)
{
        if (json_object_array_add(arr, value) < 0) {
                json_object_put(value);
                return -ENOMEM;
        }
        return 0;
}

const char *json_pretty(json_object *o)
{
        return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
                                                         JSON_C_TO_STRING_SPACED |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE);
}

int json_write(json_object *o, const char *path, struct tdxh_err *e)
{
        const char *text = json_pretty(o);
        struct buf b = BUF_INIT;
        int r;

        if (!text)
                return -ENOMEM;
        if (!path || strcmp(path, "-") == 0) {
                if (fputs(text, stdout) < 0 || fputc('\n', stdout) < 0 || fflush(stdout) != 0)
                        return err_setf(e, -EIO, "cannot write to standard output");
                return 0;
        }
        r = buf_puts(&b, text);
        if (r >= 0)
                r = buf_putc(&b, '\n');
        if (r >= 0)
                r = file_write_atomic(path, b.data, b.len, 0644, e);
        buf_free(&b);
        return r;
}

const char *json_get_string(json_object *o, const char *path)
{
        char key[128];

        while (o) {
                size_t n = strcspn(path, ".");
                json_object *v;

                if (n >= sizeof(key))
                        return NULL;
                memcpy(key, path, n);
                key[n] = '\0';
                if (!json_object_object_get_ex(o, key, &v))
                        return NULL;
                if (!path[n])
                        return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
                o = v;
                path += n + 1;
        }
        return NULL;
}
