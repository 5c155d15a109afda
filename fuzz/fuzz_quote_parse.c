/* libFuzzer target: quote_parse() on arbitrary bytes, and the JSON rendering
 * (which parses the PEM chain with OpenSSL) of whatever parses. */
#include <stddef.h>
#include <stdint.h>

#include "core/json_util.h"
#include "evidence/quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct tdxh_err e = { 0 };
        struct quote q;

        if (quote_parse(data, size, &q, &e) == 0) {
                json_object *o = NULL;

                if (quote_to_json(&q, &o) == 0)
                        json_object_put(o);
        }
        return 0;
}
