/* The JSON form of an event's type and digest, one spelling for golden files,
 * diffs and reports. */
#pragma once

#include <json-c/json.h>
#include <stdint.h>

/* "key": the type's name as event_type_format() writes it. */
int json_add_event_type(json_object *obj, const char *key, uint32_t type);
/* "key": the SHA-384 digest in hex, or null when digest is NULL (unknown). */
int json_add_digest384(json_object *obj, const char *key, const uint8_t *digest);
