/* The RTMR extend through a kept digest context; see rtmr_extend_ctx() in
 * digest.h. In a file of its own so that programs which never replay a log
 * (the guest agent) link the same objects as before. */
#include <errno.h>
#include <openssl/evp.h>

#include "core/digest.h"

int rtmr_extend_ctx(struct digest *ctx, uint8_t reg[SHA384_LEN], const uint8_t d[SHA384_LEN])
{
        /* a NULL type re-initialises with the digest the context already has */
        if (EVP_DigestInit_ex(ctx->ctx, NULL, NULL) != 1 ||
            EVP_DigestUpdate(ctx->ctx, reg, SHA384_LEN) != 1 ||
            EVP_DigestUpdate(ctx->ctx, d, SHA384_LEN) != 1 ||
            EVP_DigestFinal_ex(ctx->ctx, reg, NULL) != 1)
                return -EIO;
        return 0;
}
