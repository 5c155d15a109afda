/* GUID text and memory forms (TDX-REFERENCE §0). */
#include <errno.h>

#include "core/guid.h"
#include "testutil.h"

START_TEST(test_guid_round_trips_in_mixed_endian_layout)
{
        static const uint8_t want[GUID_LEN] =
                GUID_BYTES(0xe9eaf9f3, 0x168e, 0x44d5, 0xa8, 0xeb, 0x7f, 0x4d, 0x87, 0x38, 0xf6, 0xae);
        /* §1.1 spells out the bytes of the TDVF metadata GUID */
        static const uint8_t bytes[GUID_LEN] = { 0xf3, 0xf9, 0xea, 0xe9, 0x8e, 0x16, 0xd5, 0x44,
                                                 0xa8, 0xeb, 0x7f, 0x4d, 0x87, 0x38, 0xf6, 0xae };
        uint8_t g[GUID_LEN];
        char text[GUID_TEXT_LEN + 1];

        ck_assert_mem_eq(want, bytes, GUID_LEN);
        ck_assert_int_eq(guid_parse("E9EAF9F3-168e-44d5-a8eb-7f4d8738f6ae", g), 0);
        ck_assert_mem_eq(g, bytes, GUID_LEN);
        guid_format(g, false, text);
        ck_assert_str_eq(text, "e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ae");
        guid_format(g, true, text);
        ck_assert_str_eq(text, "E9EAF9F3-168E-44D5-A8EB-7F4D8738F6AE");
}
END_TEST

START_TEST(test_guid_parse_rejects_malformed_text)
{
        uint8_t g[GUID_LEN];

        ck_assert_int_eq(guid_parse("e9eaf9f3-168e-44d5-a8eb-7f4d8738f6a", g), -EINVAL);
        ck_assert_int_eq(guid_parse("e9eaf9f3-168e-44d5-a8eb-7f4d8738f6aee", g), -EINVAL);
        ck_assert_int_eq(guid_parse("e9eaf9f3x168e-44d5-a8eb-7f4d8738f6ae", g), -EINVAL);
        ck_assert_int_eq(guid_parse("e9eaf9f3-168e-44d5-a8eb-7f4d8738f6ag", g), -EINVAL);
        ck_assert_int_eq(guid_parse("e9eaf9f3-168e-44d5-a8eb-7f4d8738f6 e", g), -EINVAL);
        ck_assert_int_eq(guid_parse("", g), -EINVAL);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("guid");
        TCase *tc = tcase_create("guid");

        tcase_add_test(tc, test_guid_round_trips_in_mixed_endian_layout);
        tcase_add_test(tc, test_guid_parse_rejects_malformed_text);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
