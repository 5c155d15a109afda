/* Reading Intel collateral JSON with json-c: typed member access whose
 * errors name the file and the JSON path, and the byte span of a top-level
 * member (what Intel's signatures cover). Internal to the evidence module. */
#pragma once

#include <errno.h>
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/err.h"

struct cj {
        const char *file;
        struct tdxh_err *e;
};

/* Records "FILE: MESSAGE". */
void cj_failf(struct cj *cj, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Records "FILE: MESSAGE" and is -EINVAL. A macro so that the constant is
 * visible where it is returned: the compiler then knows that a reader which
 * failed returns < 0 and left its out-parameter alone, and does not warn that
 * the caller may use it uninitialised (gcc -O2 -Wmaybe-uninitialized). */
#define cj_fail(cj, ...) (cj_failf((cj), __VA_ARGS__), -EINVAL)

/* Each reads member key of o (path names o in messages) and fails when it is
 * missing or of another type. */
int cj_object(struct cj *cj, json_object *o, const char *key, const char *path,
              json_object **ret);
int cj_array(struct cj *cj, json_object *o, const char *key, const char *path,
             json_object **ret);
int cj_string(struct cj *cj, json_object *o, const char *key, const char *path, char *out,
              size_t size);
int cj_int(struct cj *cj, json_object *o, const char *key, const char *path, int64_t min,
           int64_t max, int64_t *ret);
/* Exactly len bytes as hex (either case). */
int cj_hex(struct cj *cj, json_object *o, const char *key, const char *path, uint8_t *out,
           size_t len);
/* "YYYY-MM-DDTHH:MM:SSZ" */
int cj_time(struct cj *cj, json_object *o, const char *key, const char *path, time_t *ret);

/* Finds the value of top-level member key in the JSON object text[0, len):
 * its offset and length, exactly as written. -ENOENT when absent, -EINVAL
 * when the text is not an object. */
int json_member_span(const char *text, size_t len, const char *key, size_t *ret_off,
                     size_t *ret_len);
