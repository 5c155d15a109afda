/* libFuzzer target: efi_decompress() on arbitrary streams. The decoder's
 * cost is linear in the original size the header states, so a stream that
 * states more than 16 KiB is decoded as if it stated 16 KiB: the same bits
 * and tables are read, and the fuzzer's time goes to the bit-level paths
 * rather than to long outputs. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/le.h"
#include "measure/efi_decompress.h"

#define ORIG_CAP (16u << 10)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        uint32_t comp, orig;
        uint8_t *copy, *out = NULL;
        size_t len = 0;

        if (efi_decompress_info(data, size, &comp, &orig, NULL) < 0)
                return 0;
        copy = malloc(size);
        if (!copy)
                return 0;
        memcpy(copy, data, size);
        if (orig > ORIG_CAP) {
                orig = ORIG_CAP;
                le32_put(copy + 4, orig);
        }
        if (efi_decompress(copy, size, &out, &len, NULL) == 0 && len != orig)
                abort();
        free(out);
        free(copy);
        return 0;
}
