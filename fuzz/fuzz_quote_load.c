/* libFuzzer target: the input decoding of quote files (binary, hex text,
 * JSON with hex or base64), followed by parsing of what it decodes. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "evidence/quote.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        uint8_t *bytes = NULL;
        size_t len;
        struct quote q;

        if (quote_load_buffer(data, size, &bytes, &len, NULL) == 0) {
                (void)quote_parse(bytes, len, &q, NULL);
                free(bytes);
        }
        return 0;
}
