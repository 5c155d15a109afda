/* The verification result model: an ordered list of named checks, and its
 * renderings for people and for machines; see verify.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "evidence/verify.h"

int verify_add(struct verify_result *r, const char *name, bool passed, const char *fmt, ...)
{
        _cleanup_free_ char *detail = NULL, *name_copy = NULL;
        va_list ap;
        int n;

        va_start(ap, fmt);
        n = vasprintf(&detail, fmt, ap);
        va_end(ap);
        if (n < 0) {
                detail = NULL;
                return -ENOMEM;
        }
        /* One line per check, whatever a detail quoted (a certificate name...). */
        for (char *p = detail; *p; p++)
                if (*p == '\n' || *p == '\r')
                        *p = ' ';
        name_copy = strdup(name);
        if (!name_copy)
                return -ENOMEM;
        if (r->n_checks == r->cap) {
                size_t cap = r->cap ? 2 * r->cap : 16;
                struct verify_check *c = realloc(r->checks, cap * sizeof(*c));

                if (!c)
                        return -ENOMEM;
                r->checks = c;
                r->cap = cap;
        }
        r->checks[r->n_checks++] = (struct verify_check){
                .name = TAKE_PTR(name_copy),
                .passed = passed,
                .detail = TAKE_PTR(detail),
        };
        return 0;
}

bool verify_passed(const struct verify_result *r)
{
        for (size_t i = 0; i < r->n_checks; i++)
                if (!r->checks[i].passed)
                        return false;
        return r->n_checks > 0;
}

const struct verify_check *verify_find(const struct verify_result *r, const char *name)
{
        for (size_t i = 0; i < r->n_checks; i++)
                if (strcmp(r->checks[i].name, name) == 0)
                        return &r->checks[i];
        return NULL;
}

int verify_result_format(const struct verify_result *r, struct buf *out)
{
        for (size_t i = 0; i < r->n_checks; i++) {
                const struct verify_check *c = &r->checks[i];
                int ret = buf_printf(out, "%s %s%s%s\n", c->passed ? "PASS" : "FAIL", c->name,
                                     c->detail[0] ? ": " : "", c->detail);

                if (ret < 0)
                        return ret;
        }
        return buf_printf(out, "verdict: %s\n", verify_passed(r) ? "pass" : "fail");
}

int verify_result_to_json(const struct verify_result *r, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *arr = json_object_new_array();
        int ret_code;

        if (!o || !arr) {
                json_object_put(arr);
                return -ENOMEM;
        }
        ret_code = json_add_string(o, "verdict", verify_passed(r) ? "pass" : "fail");
        if (ret_code < 0) {
                json_object_put(arr);
                return ret_code;
        }
        /* o owns arr from here on, even when the add fails. */
        ret_code = json_add(o, "checks", arr);
        if (ret_code < 0)
                return ret_code;
        for (size_t i = 0; i < r->n_checks; i++) {
                json_object *c = json_object_new_object();

                if (!c)
                        return -ENOMEM;
                ret_code = json_add_string(c, "name", r->checks[i].name);
                if (ret_code >= 0)
                        ret_code = json_add_string(c, "status",
                                                   r->checks[i].passed ? "pass" : "fail");
                if (ret_code >= 0)
                        ret_code = json_add_string(c, "detail", r->checks[i].detail);
                if (ret_code >= 0)
                        ret_code = json_array_add(arr, c);
                else
                        json_object_put(c);
                if (ret_code < 0)
                        return ret_code;
        }
        *ret = TAKE_PTR(o);
        return 0;
}

void verify_result_free(struct verify_result *r)
{
        for (size_t i = 0; i < r->n_checks; i++) {
                free(r->checks[i].name);
                free(r->checks[i].detail);
        }
        free(r->checks);
        *r = (struct verify_result)VERIFY_RESULT_INIT;
}
