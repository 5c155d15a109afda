/* json-c ownership and output helpers. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

static inline void json_object_putp(json_object **o)
{
        if (*o)
                json_object_put(*o);
}
#define _cleanup_json_ __attribute__((cleanup(json_object_putp)))

/* Adds key → value, taking ownership of value even on failure. 0 or -ENOMEM. */
int json_add(json_object *obj, const char *key, json_object *value);
int json_add_string(json_object *obj, const char *key, const char *value); /* NULL → null */
int json_add_hex(json_object *obj, const char *key, const uint8_t *data, size_t len);
int json_add_int(json_object *obj, const char *key, int64_t value);
int json_add_bool(json_object *obj, const char *key, bool value);
int json_array_add(json_object *arr, json_object *value);

/* The string at a dotted path of objects ("host.kernel.sha256"), or NULL
 * when o is NULL, a member is missing or the value is not a string. The
 * string belongs to o. */
const char *json_get_string(json_object *o, const char *path);

/* Pretty, stable output (two-space indentation, keys in insertion order),
 * ending with a newline. */
const char *json_pretty(json_object *o);

/* Writes o to path atomically, or to stdout when path is NULL or "-". */
int json_write(json_object *o, const char *path, struct tdxh_err *e);
