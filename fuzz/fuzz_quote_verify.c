/* libFuzzer target: full offline verification (signatures, PEM chain,
 * X.509 path building) of whatever quote_parse() accepts. Certificate
 * validity times are not checked, so that the result does not depend on the
 * day the fuzzer runs. */
#include <stddef.h>
#include <stdint.h>

#include "evidence/verify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static struct verify_ctx *ctx;
        struct verify_result res = VERIFY_RESULT_INIT;
        struct quote q;

        if (!ctx) {
                const struct verify_opts o = { .time_mode = VERIFY_TIME_IGNORE };

                if (verify_ctx_new(&o, &ctx, NULL) < 0)
                        return 0;
        }
        if (quote_parse(data, size, &q, NULL) == 0)
                (void)verify_quote(ctx, &q, &res);
        verify_result_free(&res);
        return 0;
}
