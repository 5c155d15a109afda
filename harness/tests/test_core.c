/* Core helpers: hex, sizes, digests, buffers, atomic files, event names. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/digest.h"
#include "core/event_type.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/json_parse.h"
#include "core/json_util.h"
#include "core/size.h"
#include "core/strv.h"
#include "testutil.h"

START_TEST(test_hex_round_trip_and_rejects_junk)
{
        const uint8_t in[] = { 0x00, 0xab, 0xff, 0x10 };
        uint8_t out[4];
        char text[9];

        hex_encode(in, sizeof(in), text);
        ck_assert_str_eq(text, "00abff10");
        ck_assert_int_eq(hex_decode_exact(" 00ABff10\n", out, sizeof(out)), 0);
        ck_assert_mem_eq(in, out, sizeof(in));
        ck_assert_int_eq(hex_decode_exact("00abff1", out, sizeof(out)), -EINVAL);
        ck_assert_int_eq(hex_decode_exact("00abff1g", out, sizeof(out)), -EINVAL);
        ck_assert_int_eq(hex_decode_exact("00abff1000", out, sizeof(out)), -EINVAL);
}
END_TEST

START_TEST(test_size_parse_accepts_qemu_forms)
{
        uint64_t v;
        char text[32];

        ck_assert_int_eq(size_parse("2G", &v), 0);
        ck_assert_uint_eq(v, 2ull << 30);
        ck_assert_int_eq(size_parse("2.5G", &v), 0);
        ck_assert_uint_eq(v, 5ull << 29);
        ck_assert_int_eq(size_parse("1536M", &v), 0);
        ck_assert_uint_eq(v, 1536ull << 20);
        ck_assert_int_eq(size_parse("4GiB", &v), 0);
        ck_assert_uint_eq(v, 4ull << 30);
        ck_assert_int_eq(size_parse("1024", &v), 0); /* MiB, like -m */
        ck_assert_uint_eq(v, 1ull << 30);
        size_format(5ull << 29, text);
        ck_assert_str_eq(text, "2560M");
        size_format(16ull << 30, text);
        ck_assert_str_eq(text, "16G");
}
END_TEST

START_TEST(test_size_parse_rejects_junk)
{
        uint64_t v;

        ck_assert_int_eq(size_parse("", &v), -EINVAL);
        ck_assert_int_eq(size_parse("G", &v), -EINVAL);
        ck_assert_int_eq(size_parse("2X", &v), -EINVAL);
        ck_assert_int_eq(size_parse("2Gb", &v), -EINVAL);
        ck_assert_int_eq(size_parse("0", &v), -EINVAL);
        ck_assert_int_eq(size_parse("-1G", &v), -EINVAL);
        ck_assert_int_eq(size_parse("99999999999999999999T", &v), -EINVAL);
        ck_assert_int_eq(size_parse("0.1B", &v), -EINVAL);
}
END_TEST

START_TEST(test_separator_digest_matches_reference)
{
        /* TDX-REFERENCE §3.1: SHA384(00 00 00 00) */
        const uint8_t sep[4] = { 0 };
        uint8_t d[SHA384_LEN];
        char text[2 * SHA384_LEN + 1];

        ck_assert_int_eq(digest_buf(DIGEST_SHA384, sep, sizeof(sep), d), 0);
        hex_encode(d, sizeof(d), text);
        ck_assert_str_eq(text, "394341b7182cd227c5c6b07ef8000cdfd86136c4292b8e576573ad7ed9ae4101"
                               "9f5818b4b971c9effc60e1ad9f1289f0");
}
END_TEST

START_TEST(test_digest_file_streams_and_matches_buffer)
{
        char *dir = tmpdir_make(), *path = NULL;
        uint8_t a[SHA384_LEN], b[SHA384_LEN], *data;
        size_t len = (3u << 20) + 17;
        uint64_t size = 0;

        data = malloc(len);
        for (size_t i = 0; i < len; i++)
                data[i] = (uint8_t)(i * 7 + (i >> 11));
        ck_assert_int_ge(asprintf(&path, "%s/blob", dir), 0);
        ck_assert_int_eq(file_write_atomic(path, data, len, 0600, NULL), 0);
        ck_assert_int_eq(digest_file(DIGEST_SHA384, path, a, &size, NULL), 0);
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, data, len, b), 0);
        ck_assert_mem_eq(a, b, sizeof(a));
        ck_assert_uint_eq(size, len);
        free(data);
        free(path);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_digest_file_names_missing_file)
{
        struct tdxh_err e = { 0 };
        uint8_t d[SHA384_LEN];

        ck_assert_int_eq(digest_file(DIGEST_SHA384, "/nonexistent/initrd", d, NULL, &e), -ENOENT);
        ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/initrd"));
}
END_TEST

START_TEST(test_rtmr_extend_of_zero_register)
{
        uint8_t reg[SHA384_LEN] = { 0 }, d[SHA384_LEN] = { 0 }, in[2 * SHA384_LEN] = { 0 };
        uint8_t want[SHA384_LEN];

        d[0] = 1;
        in[SHA384_LEN] = 1;
        digest_buf(DIGEST_SHA384, in, sizeof(in), want);
        rtmr_extend(reg, d);
        ck_assert_mem_eq(reg, want, SHA384_LEN);
}
END_TEST

START_TEST(test_atomic_file_abort_leaves_nothing)
{
        char *dir = tmpdir_make(), *path = NULL;
        struct atomic_file af = ATOMIC_FILE_INIT;
        struct stat st;

        ck_assert_int_ge(asprintf(&path, "%s/out.json", dir), 0);
        ck_assert_int_eq(atomic_file_open(&af, path, 0644, NULL), 0);
        ck_assert_int_eq(atomic_file_write(&af, "half", 4, NULL), 0);
        atomic_file_abort(&af);
        ck_assert_int_eq(stat(path, &st), -1);
        ck_assert_int_eq(rmdir(dir), 0); /* empty: the temporary is gone */
        free(dir);
        free(path);
}
END_TEST

START_TEST(test_buf_and_strv_grow)
{
        struct buf b = BUF_INIT;
        struct strv s = STRV_INIT;
        char *joined;

        for (int i = 0; i < 1000; i++)
                ck_assert_int_eq(buf_printf(&b, "%d,", i), 0);
        ck_assert_uint_eq(strlen(b.data), b.len);
        ck_assert_int_eq(strncmp(b.data, "0,1,2,", 6), 0);
        buf_free(&b);
        ck_assert_int_eq(strv_push(&s, "qemu-system-x86_64"), 0);
        ck_assert_int_eq(strv_pushf(&s, "-m%d", 2048), 0);
        ck_assert_ptr_null(s.v[2]);
        joined = strv_join(&s, " ");
        ck_assert_str_eq(joined, "qemu-system-x86_64 -m2048");
        free(joined);
        strv_free(&s);
}
END_TEST

START_TEST(test_event_type_names_round_trip)
{
        uint32_t v;
        char text[40];

        ck_assert_str_eq(event_type_name(EV_EFI_HANDOFF_TABLES2), "EV_EFI_HANDOFF_TABLES2");
        ck_assert_int_eq(event_type_parse("EV_EFI_BOOT_SERVICES_APPLICATION", &v), 0);
        ck_assert_uint_eq(v, 0x80000003u);
        ck_assert_int_eq(event_type_parse("0x8000000a", &v), 0);
        ck_assert_uint_eq(v, EV_EFI_PLATFORM_FIRMWARE_BLOB2);
        ck_assert_int_eq(event_type_parse("EV_BOGUS", &v), -EINVAL);
        event_type_format(0x12345678, text);
        ck_assert_str_eq(text, "0x12345678");
}
END_TEST

/* A broken JSON document is told as where it breaks and what is wrong in
 * plain words: never one of json-c's own ("continue"). */
START_TEST(test_json_parse_says_where_in_plain_words)
{
        static const struct {
                const char *text;
                const char *message; /* exactly; NULL: parses */
        } cases[] = {
                { "", "empty file" },
                { " \n\t", "empty file (only white space)" },
                { "{\"schema\":", "line 1, column 11 (byte 10): the JSON text ends there, unfinished (truncated?)" },
                { "{\n  \"a\": [1,\n", "line 3, column 1 (byte 13): the JSON text ends there, unfinished (truncated?)" },
                { "hello", "line 1, column 1 (byte 0): not JSON: unexpected character 'h'" },
                { "{\"a\": tru}", "line 1, column 10 (byte 9): not JSON: a misspelt null, true or false" },
                { "{\"a\" 1}", "line 1, column 6 (byte 5): expected ':' after a member name" },
                { "{} x", "line 1, column 4 (byte 3): trailing data after the JSON value" },
                { "[1, 2", "line 1, column 6 (byte 5): the JSON text ends there, unfinished (truncated?)" },
                { "42", NULL },
                { "{\"a\": [true, null]}\n", NULL },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                json_object *o = NULL;
                struct tdxh_err e = { 0 };
                int r = json_parse_text(cases[i].text, strlen(cases[i].text), 0, &o, &e);

                if (!cases[i].message) {
                        ck_assert_msg(r == 0, "'%s': %s", cases[i].text, e.msg);
                        json_object_put(o);
                        continue;
                }
                ck_assert_int_eq(r, -EINVAL);
                ck_assert_ptr_null(o);
                ck_assert_str_eq(e.msg, cases[i].message);
                ck_assert_ptr_null(strstr(e.msg, "continue"));
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("core");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_hex_round_trip_and_rejects_junk);
        tcase_add_test(tc, test_size_parse_accepts_qemu_forms);
        tcase_add_test(tc, test_size_parse_rejects_junk);
        tcase_add_test(tc, test_separator_digest_matches_reference);
        tcase_add_test(tc, test_digest_file_streams_and_matches_buffer);
        tcase_add_test(tc, test_digest_file_names_missing_file);
        tcase_add_test(tc, test_rtmr_extend_of_zero_register);
        tcase_add_test(tc, test_atomic_file_abort_leaves_nothing);
        tcase_add_test(tc, test_buf_and_strv_grow);
        tcase_add_test(tc, test_event_type_names_round_trip);
        tcase_add_test(tc, test_json_parse_says_where_in_plain_words);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
