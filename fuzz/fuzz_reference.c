/* libFuzzer target for the golden side of diff and explain: every input is
 * read as a golden file or reference values (trustee's event-log JSON,
 * register values; compare/reference.h), and what is read is written as a
 * golden file. */
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compare/reference.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct golden g = { 0 };
        enum reference_form form;
        struct tdxh_err e = { 0 };
        json_object *o = NULL;

        if (reference_parse("fuzz", (const char *)data, size, &g, &form, &e) < 0)
                return 0;
        if (golden_to_json(&g, &o) == 0)
                json_object_put(o);
        golden_free(&g);
        return 0;
}
