/* The EFI decompressor: streams written by edk2's reference compressor
 * (harness/tests/data/efi-compress) decompress to the bytes they were made
 * from; hand-built streams reach each path (single-symbol sets, an empty
 * original) and each refusal, with the offset named; every truncation of a
 * real stream is refused or decodes within bounds. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/le.h"
#include "efi_sample.h"
#include "measure/efi_decompress.h"
#include "option_rom_fixture.h"
#include "testutil.h"

#define SAMPLE_SIZE 200000u

/* A hand-built stream in a fixed buffer. */
struct bitwriter {
        uint8_t buf[256];
        struct efi_bits b;
};

static void bw_init(struct bitwriter *w)
{
        memset(w, 0, sizeof(*w));
        w->b = (struct efi_bits){ .p = w->buf, .cap = sizeof(w->buf) };
}

static void bw_put(struct bitwriter *w, uint32_t v, unsigned n)
{
        efi_bits_put(&w->b, v, n);
}

static size_t bw_finish(struct bitwriter *w, uint32_t orig)
{
        return efi_bits_finish(&w->b, orig);
}

/* A block header whose three sets are single symbols: t (extra set),
 * c (char/length set) and p (position set), each coded with no bits. */
static void single_sets(struct bitwriter *w, uint32_t symbols, uint32_t t, uint32_t c, uint32_t p)
{
        bw_put(w, symbols, 16);
        bw_put(w, 0, 5);
        bw_put(w, t, 5);
        bw_put(w, 0, 9);
        bw_put(w, c, 9);
        bw_put(w, 0, 4);
        bw_put(w, p, 4);
}

static void check_file(const char *name, const uint8_t *want, size_t want_len)
{
        char *path = test_data_path(name);
        size_t len, out_len = 0;
        uint8_t *in = slurp(path, &len), *out = NULL;
        struct tdxh_err e = { 0 };

        ck_assert_msg(efi_decompress(in, len, &out, &out_len, &e) == 0, "%s: %s", name, e.msg);
        ck_assert_uint_eq(out_len, want_len);
        ck_assert_msg(memcmp(out, want, want_len) == 0, "%s: decompressed bytes differ", name);
        free(out);
        free(in);
        free(path);
}

START_TEST(test_reference_streams_decompress_to_their_originals)
{
        uint8_t *sample = malloc(SAMPLE_SIZE), zeros[4096] = { 0 };

        ck_assert_ptr_nonnull(sample);
        efi_sample_data(sample, SAMPLE_SIZE);
        check_file("efi-compress/sample-200000.bin", sample, SAMPLE_SIZE);
        check_file("efi-compress/zeros-4096.bin", zeros, sizeof(zeros));
        free(sample);
}
END_TEST

START_TEST(test_single_symbol_sets_take_no_bits)
{
        /* A block of five symbols whose char set is the one byte 'B'. */
        struct bitwriter w;
        uint8_t *out = NULL;
        size_t out_len = 0, len;
        struct tdxh_err e = { 0 };

        bw_init(&w);
        single_sets(&w, 5, 0, 'B', 0);
        len = bw_finish(&w, 5);
        ck_assert_int_eq(efi_decompress(w.buf, len, &out, &out_len, &e), 0);
        ck_assert_uint_eq(out_len, 5);
        ck_assert_mem_eq(out, "BBBBB", 5);
        free(out);
}
END_TEST

START_TEST(test_empty_original_gives_no_bytes)
{
        uint8_t hdr[8] = { 0 };
        uint8_t *out = (uint8_t *)hdr;
        size_t out_len = 1;

        ck_assert_int_eq(efi_decompress(hdr, sizeof(hdr), &out, &out_len, NULL), 0);
        ck_assert_ptr_null(out);
        ck_assert_uint_eq(out_len, 0);
}
END_TEST

START_TEST(test_a_match_copies_overlapping_bytes)
{
        /* Block of 2: char set with two 1-bit codes, 'x' (0) and length 4
         * (symbol 257, 1); the position set a single symbol 0 (distance 1).
         * Extra set: lengths of 'x' and 257 are 1 (coded as symbol 3), the
         * rest zero runs. */
        struct bitwriter w;
        uint8_t *out = NULL;
        size_t out_len = 0, len;
        struct tdxh_err e = { 0 };

        bw_init(&w);
        bw_put(&w, 2, 16);
        /* Extra set: 4 lengths: symbol 0 (len 2), 1 (len 2), 2 (len 2),
         * then 2 bits of zero run (0), then symbol 3 (len 2). */
        bw_put(&w, 4, 5);
        bw_put(&w, 2, 3);
        bw_put(&w, 2, 3);
        bw_put(&w, 2, 3);
        bw_put(&w, 0, 2);
        bw_put(&w, 2, 3);
        /* Char set: 258 lengths. Codes: 0=00, 1=01, 2=10, 3=11. 'x' = 120:
         * run of 120 zeros = symbol 2 (20 + 100 in 9 bits); length 1 (sym
         * 3); run of 136 zeros = symbol 2 (20 + 116); length 1 (sym 3). */
        bw_put(&w, 258, 9);
        bw_put(&w, 2, 2);
        bw_put(&w, 100, 9);
        bw_put(&w, 3, 2);
        bw_put(&w, 2, 2);
        bw_put(&w, 116, 9);
        bw_put(&w, 3, 2);
        /* Position set: single symbol 0. */
        bw_put(&w, 0, 4);
        bw_put(&w, 0, 4);
        /* 'x' (code 0), then length 4 (code 1) at distance 1. */
        bw_put(&w, 0, 1);
        bw_put(&w, 1, 1);
        len = bw_finish(&w, 5);
        ck_assert_msg(efi_decompress(w.buf, len, &out, &out_len, &e) == 0, "%s", e.msg);
        ck_assert_uint_eq(out_len, 5);
        ck_assert_mem_eq(out, "xxxxx", 5);
        free(out);
}
END_TEST

struct bad_case {
        const char *name;
        void (*build)(struct bitwriter *w);
        uint32_t orig;
        int code;
        const char *msg;
};

static void incomplete_extra_set(struct bitwriter *w)
{
        bw_put(w, 1, 16);
        bw_put(w, 1, 5); /* one length ... */
        bw_put(w, 1, 3); /* ... of 1 bit: half the code space */
}

static void extra_symbol_out_of_range(struct bitwriter *w)
{
        single_sets(w, 1, 25, 'a', 0);
}

static void char_symbol_out_of_range(struct bitwriter *w)
{
        single_sets(w, 1, 0, 511, 0);
}

static void too_many_char_lengths(struct bitwriter *w)
{
        bw_put(w, 1, 16);
        bw_put(w, 0, 5);
        bw_put(w, 3, 5);
        bw_put(w, 511, 9);
}

static void match_before_start(struct bitwriter *w)
{
        single_sets(w, 1, 0, 256, 0); /* a 3-byte match first */
}

static void code_length_above_16(struct bitwriter *w)
{
        bw_put(w, 1, 16);
        bw_put(w, 1, 5);
        bw_put(w, 7, 3);
        bw_put(w, 0x3ff, 10); /* 7 + 10 more ones */
}

static void empty_char_set(struct bitwriter *w)
{
        /* Extra set: symbols 0 and 1, 1 bit each; char set: one length,
         * coded as a zero run (symbol 0): all lengths zero. */
        bw_put(w, 1, 16);
        bw_put(w, 2, 5);
        bw_put(w, 1, 3);
        bw_put(w, 1, 3);
        bw_put(w, 1, 9);
        bw_put(w, 0, 1);
        bw_put(w, 0, 4);
        bw_put(w, 0, 4);
}

static const struct bad_case bad_cases[] = {
        { "incomplete extra set", incomplete_extra_set, 1, -EINVAL,
          "offset 0xa: code-length code lengths do not form a complete prefix code" },
        { "extra symbol out of range", extra_symbol_out_of_range, 1, -EINVAL,
          "offset 0xa: code-length set's only symbol 25 is not below 19" },
        { "char symbol out of range", char_symbol_out_of_range, 1, -EINVAL,
          "char/length set's only symbol 511 is not below 510" },
        { "too many char lengths", too_many_char_lengths, 1, -EINVAL,
          "char/length set has 511 code lengths, at most 510" },
        { "match before the start", match_before_start, 3, -EINVAL,
          "match 1 bytes back from output byte 0x0 reaches before the start" },
        { "code length above 16", code_length_above_16, 1, -EINVAL,
          "code-length code length above 16" },
        { "empty char set", empty_char_set, 1, -EINVAL, "bits match no char/length code" },
};

START_TEST(test_bad_streams_are_refused_with_the_offset)
{
        const struct bad_case *c = &bad_cases[_i];
        struct bitwriter w;
        uint8_t *out = NULL;
        size_t out_len = 0, len;
        struct tdxh_err e = { 0 };
        int r;

        bw_init(&w);
        c->build(&w);
        len = bw_finish(&w, c->orig);
        r = efi_decompress(w.buf, len, &out, &out_len, &e);
        ck_assert_msg(r == c->code, "%s: %d (%s)", c->name, r, e.msg);
        ck_assert_msg(strstr(e.msg, c->msg) && strncmp(e.msg, "offset 0x", 9) == 0,
                      "%s: message '%s' lacks '%s'", c->name, e.msg, c->msg);
        ck_assert_ptr_null(out);
}
END_TEST

START_TEST(test_bad_headers_are_refused)
{
        uint8_t hdr[12] = { 0 };
        uint8_t *out = NULL;
        size_t out_len = 0;
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(efi_decompress(hdr, 7, &out, &out_len, &e), -EINVAL);
        ck_assert_str_eq(e.msg, "offset 0x0: compressed image of 7 bytes is shorter than its 8-byte header");
        err_clear(&e);
        le32_put(hdr, 5);
        ck_assert_int_eq(efi_decompress(hdr, sizeof(hdr), &out, &out_len, &e), -EINVAL);
        ck_assert_str_eq(e.msg, "offset 0x0: CompSize 0x5 runs past the end of the 12-byte compressed image");
        err_clear(&e);
        le32_put(hdr, 4);
        le32_put(hdr + 4, EFI_DECOMPRESS_MAX + 1);
        ck_assert_int_eq(efi_decompress(hdr, sizeof(hdr), &out, &out_len, &e), -EFBIG);
        ck_assert(strstr(e.msg, "offset 0x4: OrigSize 0x4000001 is above the limit"));
}
END_TEST

/* Every cut of a real stream, with CompSize made to fit: the bits past the
 * cut read as zero (as in the firmware); the result is an error or OrigSize
 * bytes, never a read or write out of bounds (the sanitizer build checks). */
START_TEST(test_truncated_real_stream_stays_in_bounds)
{
        char *path = test_data_path("efi-compress/sample-200000.bin");
        size_t len;
        uint8_t *in = slurp(path, &len);
        unsigned refused = 0, cuts = 0;

        for (size_t cut = 8; cut < len; cut += cut < 64 ? 1 : 997) {
                uint8_t *copy = malloc(cut), *out = NULL;
                size_t out_len = 0;
                struct tdxh_err e = { 0 };
                int r;

                ck_assert_ptr_nonnull(copy);
                memcpy(copy, in, cut);
                le32_put(copy, (uint32_t)(cut - 8));
                r = efi_decompress(copy, cut, &out, &out_len, &e);
                if (r < 0) {
                        refused++;
                        ck_assert_msg(strncmp(e.msg, "offset 0x", 9) == 0, "%s", e.msg);
                } else {
                        ck_assert_uint_eq(out_len, SAMPLE_SIZE);
                }
                cuts++;
                free(out);
                free(copy);
        }
        ck_assert_uint_gt(refused, 0);
        ck_assert_uint_gt(cuts, 50);
        free(in);
        free(path);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("efi_decompress");
        TCase *tc = tcase_create("efi_decompress");

        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_reference_streams_decompress_to_their_originals);
        tcase_add_test(tc, test_single_symbol_sets_take_no_bits);
        tcase_add_test(tc, test_empty_original_gives_no_bytes);
        tcase_add_test(tc, test_a_match_copies_overlapping_bytes);
        tcase_add_loop_test(tc, test_bad_streams_are_refused_with_the_offset, 0,
                            (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
        tcase_add_test(tc, test_bad_headers_are_refused);
        tcase_add_test(tc, test_truncated_real_stream_stays_in_bounds);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
