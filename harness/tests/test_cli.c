/* The tdxh command: help, version, and exit code 2 for usage errors. */
#include <string.h>

#include "testutil.h"

START_TEST(test_help_lists_commands_and_exit_codes)
{
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "--help", NULL });
        ck_assert_int_eq(r.status, 0);
        ck_assert_ptr_nonnull(strstr(r.out, "Commands:"));
        ck_assert_ptr_nonnull(strstr(r.out, "version"));
        ck_assert_ptr_nonnull(strstr(r.out, "3 infrastructure failure"));
        run_result_free(&r);
}
END_TEST

START_TEST(test_version_prints_version)
{
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "--version", NULL });
        ck_assert_int_eq(r.status, 0);
        ck_assert_int_eq(strncmp(r.out, "tdxh ", 5), 0);
        run_result_free(&r);
}
END_TEST

START_TEST(test_unknown_command_exits_2)
{
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "frobnicate", NULL });
        ck_assert_int_eq(r.status, 2);
        ck_assert_ptr_nonnull(strstr(r.err, "unknown command 'frobnicate'"));
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ NULL });
        ck_assert_int_eq(r.status, 2);
        run_result_free(&r);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("cli");
        TCase *tc = tcase_create("cli");

        tcase_add_test(tc, test_help_lists_commands_and_exit_codes);
        tcase_add_test(tc, test_version_prints_version);
        tcase_add_test(tc, test_unknown_command_exits_2);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
