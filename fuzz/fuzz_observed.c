/* libFuzzer target for observed evidence as diff, explain and golden record
 * read it: register JSON, quotes, TD reports and event logs from one file
 * (compare/observed.h), then the golden file record would make of it. The
 * readers take NUL-terminated text, so the input is copied with a NUL. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "compare/observed.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct observed o = { 0 };
        struct golden g = { 0 };
        struct tdxh_err e = { 0 };
        char *text = malloc(size + 1);

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        if (observed_load_buffer("fuzz", text, size, &o, &e) == 0 &&
            observed_to_golden(&o, NULL, &g, &e) == 0)
                golden_free(&g);
        observed_free(&o);
        free(text);
        return 0;
}
