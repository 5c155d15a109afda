/* Sanitising untrusted text: valid UTF-8 passes, everything else is shown as
 * \xNN, and the result is always valid UTF-8 without controls. */
#include <stdlib.h>
#include <string.h>

#include "core/utf8.h"
#include "testutil.h"

static char *san(const char *s)
{
        char *out = NULL;

        ck_assert_int_eq(utf8_sanitize_dup(s, &out), 0);
        ck_assert_ptr_nonnull(out);
        return out;
}

START_TEST(test_utf8_sanitize_keeps_valid_text)
{
        char *s = san("console=ttyS0 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91 <&\"'>\ttab");

        ck_assert_str_eq(s, "console=ttyS0 caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x94\x91 <&\"'>\ttab");
        free(s);
}
END_TEST

START_TEST(test_utf8_sanitize_escapes_bad_bytes_and_controls)
{
        char *s;

        /* lone continuation, truncated sequence, overlong '/', surrogate,
         * above U+10FFFF, controls, DEL, U+FFFE */
        s = san("a\x80" "b\xe2\x82" "c\xc0\xaf" "d\xed\xa0\x80" "e\xf4\x90\x80\x80" "f\x01\n\x7f"
                "\xef\xbf\xbe");
        ck_assert_str_eq(s, "a\\x80b\\xe2\\x82c\\xc0\\xafd\\xed\\xa0\\x80e\\xf4\\x90\\x80\\x80"
                            "f\\x01\\x0a\\x7f\\xef\\xbf\\xbe");
        free(s);
        s = san("");
        ck_assert_str_eq(s, "");
        free(s);
        ck_assert_int_eq(utf8_sanitize_dup(NULL, &s), 0);
        ck_assert_ptr_null(s);
}
END_TEST

START_TEST(test_utf8_sanitize_can_keep_newlines)
{
        struct buf b = BUF_INIT;

        ck_assert_int_eq(utf8_sanitize(&b, "line1\nline2\r", 12, true), 0);
        ck_assert_str_eq(b.data, "line1\nline2\\x0d");
        buf_free(&b);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("utf8");
        TCase *tc = tcase_create("utf8");

        tcase_add_test(tc, test_utf8_sanitize_keeps_valid_text);
        tcase_add_test(tc, test_utf8_sanitize_escapes_bad_bytes_and_controls);
        tcase_add_test(tc, test_utf8_sanitize_can_keep_newlines);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
