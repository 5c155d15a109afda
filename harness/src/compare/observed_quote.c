/* Readers of observed evidence for quotes and TD reports (observed.h): the
 * registers MRTD and RTMR0-3 from the TD report body. A quote may be raw
 * bytes, hex text, or a JSON object with a "quote" member (dstack's GetQuote
 * response, which also carries the event log); a TD report is the raw
 * 1024-byte TDREPORT_STRUCT. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "evidence/quote.h"
#include "evidence/tdreport.h"
#include "compare/observed.h"

/* A binary quote header: version 4 or 5, TEE type TDX (TDX-REFERENCE §6.2). */
static bool quote_header(const uint8_t *d, size_t len)
{
        return len >= 8 && (d[0] == 4 || d[0] == 5) && d[1] == 0 && d[4] == 0x81 && d[5] == 0 &&
               d[6] == 0 && d[7] == 0;
}

static int set_registers(struct observed *o, const uint8_t *mrtd, const uint8_t rtmr[4][48],
                         const char *kind, const char *path, struct tdxh_err *e)
{
        int r = observed_set_register(o, GOLDEN_MRTD, mrtd, kind, path, e);

        for (int i = 0; i < 4 && r >= 0; i++)
                r = observed_set_register(o, GOLDEN_RTMR0 + i, rtmr[i], kind, path, e);
        return r < 0 ? r : 1;
}

int observed_read_quote(const char *path, const uint8_t *data, size_t len, struct observed *o,
                        struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *bytes = NULL;
        bool looks = quote_header(data, len);
        struct tdxh_err le = { 0 };
        struct quote q;
        size_t n = 0;
        int r;

        if (quote_load_buffer(data, len, &bytes, &n, &le) < 0)
                return 0;
        r = quote_parse(bytes, n, &q, &le);
        if (r < 0) {
                /* Only a file that claims to be a quote is a broken one. */
                if (!looks && !quote_header(bytes, n))
                        return 0;
                return err_setf(e, r, "%s: %s", path, le.msg);
        }
        return set_registers(o, q.body.mr_td, q.body.rtmr, "quote", path, e);
}

int observed_read_tdreport(const char *path, const uint8_t *data, size_t len, struct observed *o,
                           struct tdxh_err *e)
{
        struct tdreport t;
        int r;

        if (len != TDREPORT_LEN || data[0] != 0x81)
                return 0;
        r = tdreport_parse(data, len, &t, e);
        if (r < 0) {
                err_prefix(e, "%s: ", path);
                return r;
        }
        return set_registers(o, t.mr_td, t.rtmr, "TD report", path, e);
}
