/* libFuzzer target: tdreport_parse() and the JSON rendering. */
#include <stddef.h>
#include <stdint.h>

#include "core/json_util.h"
#include "evidence/tdreport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct tdreport t;

        if (tdreport_parse(data, size, &t, NULL) == 0) {
                json_object *o = NULL;

                if (tdreport_to_json(&t, &o) == 0)
                        json_object_put(o);
        }
        return 0;
}
