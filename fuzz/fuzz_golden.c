/* libFuzzer target for the golden-file reader: every input is parsed as a
 * golden file, and what parses is written back as JSON (golden_to_json) and
 * read again, which must succeed: a golden file the reader accepted is one
 * the writer can express. */
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_util.h"
#include "golden/golden.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct golden g = { 0 }, back = { 0 };
        struct tdxh_err e = { 0 };
        json_object *o = NULL;

        if (golden_parse("fuzz", (const char *)data, size, &g, &e) < 0)
                return 0;
        if (golden_to_json(&g, &o) == 0) {
                if (golden_from_json("fuzz", o, &back, &e) < 0)
                        abort();
                golden_free(&back);
                json_object_put(o);
        }
        golden_free(&g);
        return 0;
}
