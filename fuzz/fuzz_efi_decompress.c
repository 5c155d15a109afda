/* libFuzzer target: efi_decompress() on arbitrary streams. Streams that ask
 * for more than 1 MiB are skipped: the decoder's cost is linear in the
 * original size it is told, and the fuzzer's time is better spent on the
 * bit-level paths. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "measure/efi_decompress.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        uint32_t comp, orig;
        uint8_t *out = NULL;
        size_t len = 0;

        if (efi_decompress_info(data, size, &comp, &orig, NULL) < 0 || orig > (1u << 20))
                return 0;
        if (efi_decompress(data, size, &out, &len, NULL) == 0 && len != orig)
                abort();
        free(out);
        return 0;
}
