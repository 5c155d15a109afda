/* JSON event fields; see json_event.h. Kept apart from json_util.c, which the
 * in-guest agent links, so the agent stays free of event-type tables. */
#include "core/json_event.h"

#include "core/digest.h"
#include "core/event_type.h"
#include "core/json_util.h"

int json_add_event_type(json_object *obj, const char *key, uint32_t type)
{
        char name[40];

        event_type_format(type, name);
        return json_add_string(obj, key, name);
}

int json_add_digest384(json_object *obj, const char *key, const uint8_t *digest)
{
        return digest ? json_add_hex(obj, key, digest, SHA384_LEN) : json_add(obj, key, NULL);
}
