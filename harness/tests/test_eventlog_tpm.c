/* TPM crypto-agile logs and hostile binary logs: the PCR→RTMR map (PCR 0
 * and 10 skipped, the agent's PCR to RTMR3), bank handling, format
 * detection, a real log of the fake platform folding to its PCRs, and the
 * stop rules: a log cut at any length is an error or a shorter valid log,
 * corrupt fields are errors that name their offset, garbage never crashes. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/event_type.h"
#include "core/hex.h"
#include "evidence/eventlog.h"
#include "testutil.h"

static const uint16_t both_banks[] = { TPM_ALG_SHA256, TPM_ALG_SHA384 };
static const uint16_t sha384_only[] = { TPM_ALG_SHA384 };
static const uint16_t sha256_only[] = { TPM_ALG_SHA256 };

static void put_spec_id(struct buf *b, uint32_t pcr, const uint16_t *algs, size_t n)
{
        static const uint8_t zero[20];

        ck_assert_int_eq(buf_put_le32(b, pcr), 0);
        ck_assert_int_eq(buf_put_le32(b, EV_NO_ACTION), 0);
        ck_assert_int_eq(buf_append(b, zero, sizeof(zero)), 0);
        ck_assert_int_eq(buf_put_le32(b, (uint32_t)(29 + 4 * n)), 0);
        ck_assert_int_eq(buf_append(b, "Spec ID Event03", 16), 0);
        ck_assert_int_eq(buf_put_le32(b, 0), 0);
        ck_assert_int_eq(buf_append(b, "\x00\x02\x00\x02", 4), 0);
        ck_assert_int_eq(buf_put_le32(b, (uint32_t)n), 0);
        for (size_t i = 0; i < n; i++) {
                ck_assert_int_eq(buf_put_le16(b, algs[i]), 0);
                ck_assert_int_eq(buf_put_le16(b, algs[i] == TPM_ALG_SHA384 ? 48 : 32), 0);
        }
        ck_assert_int_eq(buf_putc(b, 0), 0);
}

/* One TCG_PCR_EVENT2 whose digests are those of its data. */
static void put_event(struct buf *b, uint32_t pcr, uint32_t type, const uint16_t *algs, size_t n,
                      const char *data)
{
        size_t len = strlen(data);

        ck_assert_int_eq(buf_put_le32(b, pcr), 0);
        ck_assert_int_eq(buf_put_le32(b, type), 0);
        ck_assert_int_eq(buf_put_le32(b, (uint32_t)n), 0);
        for (size_t i = 0; i < n; i++) {
                uint8_t d[48];
                bool big = algs[i] == TPM_ALG_SHA384;

                ck_assert_int_eq(digest_buf(big ? DIGEST_SHA384 : DIGEST_SHA256, data, len, d),
                                 0);
                ck_assert_int_eq(buf_put_le16(b, algs[i]), 0);
                ck_assert_int_eq(buf_append(b, d, big ? 48 : 32), 0);
        }
        ck_assert_int_eq(buf_put_le32(b, (uint32_t)len), 0);
        ck_assert_int_eq(buf_append(b, data, len), 0);
}

static const struct {
        uint32_t pcr, type;
        int rtmr;
} pcr_map[] = {
        { 0, EV_S_CRTM_VERSION, -1 },   { 1, EV_EFI_VARIABLE_BOOT, 0 },
        { 7, EV_SEPARATOR, 0 },         { 2, EV_EFI_BOOT_SERVICES_DRIVER, 1 },
        { 6, EV_SEPARATOR, 1 },         { 4, EV_EFI_ACTION, 1 },
        { 8, EV_IPL, 2 },               { 9, EV_EVENT_TAG, 2 },
        { 10, EV_IPL, -1 },             { 15, EV_IPL, 2 },
        { EVLOG_TPM_RTMR3_PCR, EV_IPL, 3 }, { 17, EV_IPL, -1 },
        { 3, EV_NO_ACTION, -1 },
};

static void build_tpm_log(struct buf *b, const uint16_t *algs, size_t n)
{
        put_spec_id(b, 0, algs, n);
        for (size_t i = 0; i < sizeof(pcr_map) / sizeof(pcr_map[0]); i++) {
                char data[32];

                snprintf(data, sizeof(data), "event %zu", i);
                put_event(b, pcr_map[i].pcr, pcr_map[i].type, algs, n, data);
        }
}

START_TEST(test_tpm_log_maps_pcrs_to_rtmrs)
{
        _cleanup_buf_ struct buf b = BUF_INIT;
        _cleanup_evlog_ struct evlog l = { 0 };
        struct tdxh_err e = { 0 };
        uint8_t want[4][48] = { { 0 } }, got[4][48];

        build_tpm_log(&b, both_banks, 2);
        ck_assert_int_eq(evlog_parse((uint8_t *)b.data, b.len, -1, &l, &e), 0);
        ck_assert_int_eq(l.format, EVLOG_TPM);
        ck_assert_uint_eq(l.n_algs, 2);
        ck_assert_uint_eq(l.n_events, sizeof(pcr_map) / sizeof(pcr_map[0]));
        ck_assert_uint_eq(l.log_len, b.len);
        for (size_t i = 0; i < l.n_events; i++) {
                char data[32];
                uint8_t d[48];

                ck_assert_msg(l.events[i].rtmr == pcr_map[i].rtmr, "PCR %u → %d", pcr_map[i].pcr,
                              l.events[i].rtmr);
                ck_assert(l.events[i].has_sha384);
                snprintf(data, sizeof(data), "event %zu", i);
                ck_assert_int_eq(digest_buf(DIGEST_SHA384, data, strlen(data), d), 0);
                ck_assert_mem_eq(l.events[i].sha384, d, 48);
                if (pcr_map[i].rtmr >= 0)
                        rtmr_extend(want[pcr_map[i].rtmr], d);
        }
        ck_assert_int_eq(evlog_replay(&l, got, &e), 0);
        ck_assert_mem_eq(got, want, sizeof(want));
}
END_TEST

START_TEST(test_tpm_or_ccel_detection_and_hint)
{
        _cleanup_buf_ struct buf b = BUF_INIT, c = BUF_INIT;
        _cleanup_evlog_ struct evlog l = { 0 }, m = { 0 }, n = { 0 };
        struct tdxh_err e = { 0 };

        /* one SHA-384 bank, spec ID index 0, but a PCR 0 measurement: TPM */
        build_tpm_log(&b, sha384_only, 1);
        ck_assert_int_eq(evlog_parse((uint8_t *)b.data, b.len, -1, &l, &e), 0);
        ck_assert_int_eq(l.format, EVLOG_TPM);

        /* indices 1..4 only and no fill: read as CCEL unless told */
        put_spec_id(&c, 0, sha384_only, 1);
        put_event(&c, 1, EV_EFI_HANDOFF_TABLES2, sha384_only, 1, "a");
        put_event(&c, 4, EV_IPL, sha384_only, 1, "b");
        ck_assert_int_eq(evlog_parse((uint8_t *)c.data, c.len, -1, &m, &e), 0);
        ck_assert_int_eq(m.format, EVLOG_CCEL);
        ck_assert_int_eq(m.events[1].rtmr, 3);
        ck_assert_int_eq(evlog_parse((uint8_t *)c.data, c.len, EVLOG_TPM, &n, &e), 0);
        ck_assert_int_eq(n.format, EVLOG_TPM);
        ck_assert_int_eq(n.events[0].rtmr, 0);
        ck_assert_int_eq(n.events[1].rtmr, 1);
}
END_TEST

START_TEST(test_log_without_sha384_bank_cannot_replay)
{
        _cleanup_buf_ struct buf b = BUF_INIT;
        _cleanup_evlog_ struct evlog l = { 0 };
        struct tdxh_err e = { 0 };
        uint8_t reg[4][48];

        build_tpm_log(&b, sha256_only, 1);
        ck_assert_int_eq(evlog_parse((uint8_t *)b.data, b.len, -1, &l, &e), 0);
        ck_assert(!l.events[1].has_sha384);
        ck_assert_int_eq(evlog_replay(&l, reg, &e), -ENODATA);
        ck_assert_ptr_nonnull(strstr(e.msg, "no SHA-384 digest"));
}
END_TEST

START_TEST(test_ten_thousand_events_parse)
{
        _cleanup_buf_ struct buf b = BUF_INIT;
        _cleanup_evlog_ struct evlog l = { 0 };
        struct tdxh_err e = { 0 };
        uint8_t reg[4][48];

        put_spec_id(&b, 0, both_banks, 2);
        for (int i = 0; i < 10000; i++)
                put_event(&b, (uint32_t)(i % 17), EV_IPL, both_banks, 2,
                          "grub_cmd: linux /vmlinuz");
        ck_assert_int_eq(evlog_parse((uint8_t *)b.data, b.len, -1, &l, &e), 0);
        ck_assert_uint_eq(l.n_events, 10000);
        ck_assert_str_eq(l.events[9999].what, "grub-cmd");
        ck_assert_int_eq(evlog_replay(&l, reg, &e), 0);
}
END_TEST

/* pcr-sha384.txt of the capture: "N HEX" per line, PCR 0..23. */
static void read_pcr_file(uint8_t pcr[17][48])
{
        _cleanup_free_ char *path = test_data_path("fake-boot/pcr-sha384.txt");
        _cleanup_free_ uint8_t *text = slurp(path, NULL);
        const char *line = (const char *)text;

        memset(pcr, 0, 17 * 48);
        for (; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
                unsigned idx;
                char hex[97];

                ck_assert_int_eq(sscanf(line, "%u %96s", &idx, hex), 2);
                if (idx < 17)
                        ck_assert_int_eq(hex_decode_exact(hex, pcr[idx], 48), 0);
        }
}

START_TEST(test_real_tpm_log_folds_to_its_pcrs)
{
        _cleanup_free_ char *path = test_data_path("fake-boot/binary_bios_measurements");
        _cleanup_evlog_ struct evlog l = { 0 };
        struct tdxh_err e = { 0 };
        uint8_t pcr[17][48], fold[17][48] = { { 0 } }, reg[4][48];

        ck_assert_msg(evlog_load_file(path, &l, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(l.format, EVLOG_TPM);
        ck_assert_uint_eq(l.n_events, 24);
        ck_assert_uint_eq(l.n_algs, 2);
        read_pcr_file(pcr);
        for (size_t i = 0; i < l.n_events; i++)
                if (l.events[i].type != EV_NO_ACTION && l.events[i].pcr < 17)
                        rtmr_extend(fold[l.events[i].pcr], l.events[i].sha384);
        for (int i = 0; i <= 9; i++)
                ck_assert_msg(memcmp(fold[i], pcr[i], 48) == 0, "PCR %d", i);
        ck_assert_int_eq(evlog_replay(&l, reg, &e), 0);
        ck_assert_mem_eq(reg[2], pcr[9], 48); /* PCR 9 is RTMR2's only PCR here */
        ck_assert_str_eq(l.events[0].what, "crtm-version");
        ck_assert_str_eq(l.events[9].what, "kernel");
        ck_assert_str_eq(l.events[20].what, "cmdline");
        ck_assert_str_eq(l.events[21].what, "initrd");
        ck_assert_int_eq(l.events[0].rtmr, -1);
}
END_TEST

/* Every prefix of a log is an error that names an offset, or a valid log
 * whose events are a prefix of the whole log's. */
static void check_truncations(const uint8_t *data, size_t len, size_t step)
{
        _cleanup_evlog_ struct evlog full = { 0 };
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(evlog_parse(data, len, -1, &full, &e), 0);
        for (size_t cut = 0; cut < len; cut += step) {
                _cleanup_evlog_ struct evlog l = { 0 };

                err_clear(&e);
                if (evlog_parse(data, cut, full.format, &l, &e) < 0) {
                        ck_assert_msg(strstr(e.msg, "offset") != NULL, "cut %zu: %s", cut, e.msg);
                        continue;
                }
                ck_assert_uint_le(l.n_events, full.n_events);
                for (size_t i = 0; i < l.n_events; i++) {
                        ck_assert_uint_eq(l.events[i].type, full.events[i].type);
                        ck_assert_mem_eq(l.events[i].sha384, full.events[i].sha384, 48);
                }
        }
}

START_TEST(test_truncated_logs_are_errors_or_shorter_logs)
{
        static const char *const fixtures[] = { "go-tdx-guest/ccel/ccel_data.dat",
                                                "trustee/CCEL_data_ovmf" };
        _cleanup_free_ char *tpm = test_data_path("fake-boot/binary_bios_measurements");
        _cleanup_buf_ struct buf b = BUF_INIT;
        size_t len;

        for (size_t f = 0; f < 2; f++) {
                _cleanup_free_ char *path = fixture_path(fixtures[f]);
                _cleanup_free_ uint8_t *data = slurp(path, &len);

                /* past the log everything is fill: stop a little after it */
                check_truncations(data, f == 0 ? 18101 + 70 : 2120 + 70, 1);
        }
        {
                _cleanup_free_ uint8_t *data = slurp(tpm, &len);

                check_truncations(data, len, 1);
        }
        build_tpm_log(&b, both_banks, 2);
        check_truncations((uint8_t *)b.data, b.len, 1);
}
END_TEST

static uint8_t *cos_log(size_t *len)
{
        _cleanup_free_ char *path = fixture_path("go-tdx-guest/ccel/ccel_data.dat");

        return slurp(path, len);
}

static void expect_error_code(const uint8_t *data, size_t len, const char *what, size_t off,
                              int code)
{
        _cleanup_evlog_ struct evlog l = { 0 };
        struct tdxh_err e = { 0 };
        char where[32];

        snprintf(where, sizeof(where), "offset 0x%zx", off);
        ck_assert_int_eq(evlog_parse(data, len, -1, &l, &e), code);
        ck_assert_msg(strstr(e.msg, what) && strstr(e.msg, where), "%s", e.msg);
}

static void expect_error(const uint8_t *data, size_t len, const char *what, size_t off)
{
        expect_error_code(data, len, what, off, -EINVAL);
}

START_TEST(test_corrupt_records_are_errors_with_offsets)
{
        size_t len;
        _cleanup_free_ uint8_t *data = cos_log(&len);
        const size_t rec = 0x129; /* the SecureBoot record, third after the header */

        data[rec + 8] = 0;
        expect_error(data, len, "digestCount 0", rec + 8);
        data[rec + 8] = 9;
        expect_error(data, len, "digestCount 9", rec + 8);
        data[rec + 8] = 1;
        data[rec + 12] = 0x13;
        expect_error(data, len, "algorithm 0x0013 not listed", rec + 12);
        data[rec + 12] = 0x0c;
        /* EventSize of the SecureBoot record */
        data[rec + 62 + 3] = 0x10;
        expect_error(data, len, "past the end", rec + 62);
}
END_TEST

START_TEST(test_spec_id_event_checks)
{
        size_t len;
        _cleanup_free_ uint8_t *data = cos_log(&len);
        _cleanup_evlog_ struct evlog l = { 0 };
        struct tdxh_err e = { 0 };

        /* the spec ID event's index is not insisted on */
        data[0] = 7;
        ck_assert_int_eq(evlog_parse(data, len, -1, &l, &e), 0);
        ck_assert_int_eq(l.format, EVLOG_CCEL);
        ck_assert_uint_eq(l.n_events, 43);
        data[0] = 1;
        data[56] = 0;
        expect_error(data, len, "numberOfAlgorithms 0", 0x38);
        data[56] = 9;
        expect_error(data, len, "numberOfAlgorithms 9", 0x38);
        data[56] = 1;
        data[0x20 + 14] = '2';
        expect_error(data, len, "signature", 0x20);
        data[0x20 + 14] = '3';
        data[4] = 4;
        /* no spec ID event: not a log at all, for readers trying others */
        expect_error_code(data, len, "not EV_NO_ACTION", 0x4, -EMEDIUMTYPE);
}
END_TEST

START_TEST(test_zero_filled_area_ends_the_log)
{
        _cleanup_free_ char *path = fixture_path("trustee/CCEL_data_ovmf");
        _cleanup_evlog_ struct evlog l = { 0 };
        struct tdxh_err e = { 0 };
        size_t len;
        _cleanup_free_ uint8_t *data = slurp(path, &len);

        memset(data + 2120, 0, len - 2120);
        ck_assert_int_eq(evlog_parse(data, len, EVLOG_CCEL, &l, &e), 0);
        ck_assert_uint_eq(l.n_events, 20);
}
END_TEST

/* A small deterministic generator, so failures reproduce. */
static uint32_t next_rand(uint32_t *s)
{
        *s ^= *s << 13;
        *s ^= *s >> 17;
        *s ^= *s << 5;
        return *s;
}

START_TEST(test_garbage_and_mutations_never_crash)
{
        size_t len;
        _cleanup_free_ uint8_t *orig = cos_log(&len);
        _cleanup_free_ uint8_t *data = malloc(len);
        uint32_t seed = 0x1234567;

        ck_assert_ptr_nonnull(data);
        len = 18101 + 64;
        for (int round = 0; round < 600; round++) {
                _cleanup_evlog_ struct evlog l = { 0 };
                struct tdxh_err e = { 0 };
                int hint = (int)(next_rand(&seed) % 4) - 1;

                memcpy(data, orig, len);
                if (round % 3 == 0) {
                        for (size_t i = 0; i < 256; i++)
                                data[i] = (uint8_t)next_rand(&seed);
                }
                for (int k = 0; k < 8; k++)
                        data[next_rand(&seed) % len] = (uint8_t)next_rand(&seed);
                if (evlog_parse(data, len, hint, &l, &e) < 0)
                        ck_assert(e.msg[0] != '\0');
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("eventlog-tpm");
        TCase *tc = tcase_create("tpm");

        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, test_tpm_log_maps_pcrs_to_rtmrs);
        tcase_add_test(tc, test_tpm_or_ccel_detection_and_hint);
        tcase_add_test(tc, test_log_without_sha384_bank_cannot_replay);
        tcase_add_test(tc, test_ten_thousand_events_parse);
        tcase_add_test(tc, test_real_tpm_log_folds_to_its_pcrs);
        tcase_add_test(tc, test_truncated_logs_are_errors_or_shorter_logs);
        tcase_add_test(tc, test_corrupt_records_are_errors_with_offsets);
        tcase_add_test(tc, test_spec_id_event_checks);
        tcase_add_test(tc, test_zero_filled_area_ends_the_log);
        tcase_add_test(tc, test_garbage_and_mutations_never_crash);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
