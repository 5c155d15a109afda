/* Profiles: names, what each generation implies, and the error for a typo. */
#include <errno.h>
#include <string.h>

#include "measure/profile.h"
#include "testutil.h"

START_TEST(test_fake_profile_is_the_debian12_platform)
{
        struct profile p;

        ck_assert_int_eq(profile_lookup("fake", &p, NULL), 0);
        ck_assert_int_eq(p.platform, PLATFORM_FAKE);
        ck_assert_int_eq(p.qemu, QEMU_7_2);
        ck_assert(profile_kernel_header_patched(&p));
        ck_assert(!profile_has_acpi_events(&p));
        ck_assert(!profile_cmdline_initrd_prefix(&p));
}
END_TEST

START_TEST(test_every_listed_profile_resolves)
{
        const char *const *names = profile_names();
        size_t n = 0;

        for (; names[n]; n++) {
                struct profile p;

                ck_assert_int_eq(profile_lookup(names[n], &p, NULL), 0);
                ck_assert_str_eq(p.name, names[n]);
        }
        ck_assert_uint_eq(n, 1 + 7 * 3);
}
END_TEST

START_TEST(test_generation_rules)
{
        struct profile p;

        ck_assert_int_eq(profile_lookup("tdx-edk2-202411-qemu-10.1", &p, NULL), 0);
        ck_assert(profile_kernel_header_patched(&p));
        ck_assert(profile_separator_in_rtmr1(&p));
        ck_assert(profile_has_acpi_events(&p));
        ck_assert(!profile_has_fwcfg_cache_events(&p));
        ck_assert_int_eq(p.page_add, PAGE_ADD_PER_PAGE);
        ck_assert_int_eq(profile_lookup("tdx-edk2-202502-qemu-10.1", &p, NULL), 0);
        ck_assert(!profile_kernel_header_patched(&p));
        ck_assert_int_eq(profile_lookup("tdx-edk2-202302-qemu-pre", &p, NULL), 0);
        ck_assert(profile_kernel_header_patched(&p));
        ck_assert(!profile_separator_in_rtmr1(&p));
        ck_assert_int_eq(p.page_add, PAGE_ADD_TWO_PASS);
        ck_assert_int_eq(profile_lookup("tdx-edk2-202508-qemu-10.2", &p, NULL), 0);
        ck_assert(!profile_kernel_header_patched(&p));
        ck_assert(profile_cmdline_initrd_prefix(&p));
        ck_assert(profile_has_smbios_event(&p));
}
END_TEST

START_TEST(test_unknown_profile_lists_the_valid_ones)
{
        struct profile p;
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(profile_lookup("tdx-edk2-202411-qemu-9.9", &p, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "unknown profile 'tdx-edk2-202411-qemu-9.9'"));
        ck_assert_ptr_nonnull(strstr(e.msg, "fake"));
        ck_assert_ptr_nonnull(strstr(e.msg, "tdx-edk2-master-qemu-10.2"));
}
END_TEST

int main(void)
{
        Suite *s = suite_create("profile");
        TCase *tc = tcase_create("profile");

        tcase_add_test(tc, test_fake_profile_is_the_debian12_platform);
        tcase_add_test(tc, test_every_listed_profile_resolves);
        tcase_add_test(tc, test_generation_rules);
        tcase_add_test(tc, test_unknown_profile_lists_the_valid_ones);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
