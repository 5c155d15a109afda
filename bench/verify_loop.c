/* In-process quote verification time for bench/bench_verify.sh: loads the
 * quote once, builds one verification context (the pinned Intel root,
 * certificate validity checked at a fixed time), then parses and verifies
 * the quote N times and prints the mean time per verification (CPU and
 * wall). The figure leaves out what every `tdxh verify` run also pays:
 * process start, OpenSSL initialisation and reading the file.
 *
 * Usage: verify_loop QUOTE_FILE UNIX_TIME N
 * Exit status 0 when every round verified, 1 when one did not, 2 bad input. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/cleanup.h"
#include "evidence/quote.h"
#include "evidence/verify.h"

static uint64_t clock_ns(clockid_t id)
{
        struct timespec ts;

        clock_gettime(id, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One round: what `tdxh verify --quote` does once the file is read. */
static int verify_once(const struct verify_ctx *ctx, const uint8_t *bytes, size_t len,
                       struct tdxh_err *e)
{
        _cleanup_verify_result_ struct verify_result res = VERIFY_RESULT_INIT;
        struct quote q;
        int r;

        r = quote_parse(bytes, len, &q, e);
        if (r < 0)
                return r;
        r = verify_quote(ctx, &q, &res);
        if (r < 0)
                return r;
        return verify_passed(&res) ? 0 : 1;
}

int main(int argc, char **argv)
{
        _cleanup_verify_ctx_ struct verify_ctx *ctx = NULL;
        _cleanup_free_ uint8_t *bytes = NULL;
        struct verify_opts o = { .time_mode = VERIFY_TIME_AT };
        struct tdxh_err e = { 0 };
        uint64_t cpu0, wall0, cpu, wall;
        size_t len = 0;
        long n;

        if (argc != 4 || (n = strtol(argv[3], NULL, 10)) <= 0) {
                fprintf(stderr, "usage: verify_loop QUOTE_FILE UNIX_TIME N\n");
                return 2;
        }
        o.at = (time_t)strtoll(argv[2], NULL, 10);
        if (quote_load_file(argv[1], &bytes, &len, &e) < 0 || verify_ctx_new(&o, &ctx, &e) < 0) {
                fprintf(stderr, "verify_loop: %s\n", e.msg);
                return 2;
        }
        cpu0 = clock_ns(CLOCK_PROCESS_CPUTIME_ID);
        wall0 = clock_ns(CLOCK_MONOTONIC);
        for (long i = 0; i < n; i++) {
                int r = verify_once(ctx, bytes, len, &e);

                if (r != 0) {
                        fprintf(stderr, "verify_loop: %s: round %ld: %s\n", argv[1], i,
                                r < 0 ? e.msg : "did not verify");
                        return r < 0 ? 2 : 1;
                }
        }
        cpu = clock_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu0;
        wall = clock_ns(CLOCK_MONOTONIC) - wall0;
        printf("%.1f %.1f\n", (double)cpu / 1000.0 / (double)n, (double)wall / 1000.0 / (double)n);
        return 0;
}
