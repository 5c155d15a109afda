/* Quotes and TD reports as observed evidence, from the real fixtures: the
 * COS-113 quote with its CCEL log (the log replays to the quote), dstack's
 * GetQuote bundle (quote and log in one JSON file), Intel's test TDREPORT. */
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "compare/observed.h"
#include "testutil.h"

static void hex48(const char *h, uint8_t out[48])
{
        ck_assert_int_eq(hex_decode_exact(h, out, 48), 0);
}

START_TEST(test_observed_quote_and_log_replay)
{
        char *log = fixture_path("go-tdx-guest/ccel/ccel_data.dat");
        char *quote = fixture_path("go-tdx-guest/ccel/cos-113-tdx-quote.dat");
        struct observed o;
        struct golden g;
        struct tdxh_err e = { 0 };
        uint8_t mrtd[48];

        ck_assert_msg(observed_load((const char *[]){ log, quote }, 2, &o, &e) == 0, "%s", e.msg);
        ck_assert(o.have_log && o.have_reg[GOLDEN_MRTD] && o.have_reg[GOLDEN_RTMR3]);
        hex48("dae67181d3d65e073ad8f95b7907d5e927bfe9761c9ff3e9b89734a45d8954dba41394c7717cb2735396c1d04231f94a", mrtd);
        ck_assert_mem_eq(o.reg[GOLDEN_MRTD], mrtd, 48);
        ck_assert_ptr_nonnull(strstr(o.reg_source, "quote "));
        /* A known-good run: the log replays to the quote, so it records. */
        ck_assert_msg(observed_to_golden(&o, NULL, &g, &e) == 0, "%s", e.msg);
        ck_assert_mem_eq(g.regs[GOLDEN_MRTD].value, mrtd, 48);
        golden_free(&g);
        observed_free(&o);
        free(log);
        free(quote);
}
END_TEST

START_TEST(test_observed_dstack_bundle_gives_quote_and_log)
{
        char *p = fixture_path("dstack/tdx-lite-getquote.json");
        struct observed o;
        struct tdxh_err e = { 0 };
        uint8_t mrtd[48];

        ck_assert_msg(observed_load((const char *[]){ p }, 1, &o, &e) == 0, "%s", e.msg);
        ck_assert(o.have_log);
        ck_assert_uint_eq(o.log.n_events, 29);
        hex48("fd685522ce791dfef67414614eb07d03fc07a32c5a66f36288b329dab92b724b1564c73d436ffb9ea84488c51ac5a1c5", mrtd);
        ck_assert(o.have_reg[GOLDEN_MRTD]);
        ck_assert_mem_eq(o.reg[GOLDEN_MRTD], mrtd, 48);
        observed_free(&o);
        free(p);
}
END_TEST

START_TEST(test_observed_tdreport)
{
        char *p = fixture_path("intel-dcap/tdreport_for_test.dat");
        struct observed o;
        struct tdxh_err e = { 0 };
        uint8_t rtmr1[48];

        ck_assert_msg(observed_load((const char *[]){ p }, 1, &o, &e) == 0, "%s", e.msg);
        ck_assert(!o.have_log);
        hex48("eac22f0257a3dcce04d13a8ec1e5e89112e1bc649e743845f58598f6e13bc7fc62506296235aa300eab6b16292cd8a9c", rtmr1);
        ck_assert_mem_eq(o.reg[GOLDEN_RTMR1], rtmr1, 48);
        ck_assert_ptr_nonnull(strstr(o.reg_source, "TD report "));
        observed_free(&o);
        free(p);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("observed-quote");
        TCase *tc = tcase_create("observed-quote");

        tcase_add_test(tc, test_observed_quote_and_log_replay);
        tcase_add_test(tc, test_observed_dstack_bundle_gives_quote_and_log);
        tcase_add_test(tc, test_observed_tdreport);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
