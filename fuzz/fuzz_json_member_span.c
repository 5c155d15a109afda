/* libFuzzer target: json_member_span(), the scanner that finds the signed
 * bytes of TCB Info and QE Identity documents, on arbitrary text. Whatever
 * span it returns must lie inside the input. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "evidence/collateral_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char *const keys[] = { "tcbInfo", "enclaveIdentity", "signature" };
        size_t off, len;

        for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
                if (json_member_span((const char *)data, size, keys[i], &off, &len) == 0 &&
                    (off > size || len > size - off))
                        abort();
        return 0;
}
