/* Profiles: names, what each generation implies, and the error for a typo. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
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

/* `tdxh golden profiles`: its own help; each name alone on a line with its
 * generations and what it measures below; --json with the documented keys,
 * agreeing with the predicates the predictions use. */
START_TEST(test_cli_profiles_describe_each_profile)
{
        static const char *const measure_keys[] = { "acpi_events", "separator_rtmr",
                                                    "fwcfg_cache_events", "smbios_event",
                                                    "cmdline_initrd_prefix",
                                                    "kernel_header_patched", "page_add" };
        const char *const *names = profile_names();
        struct run_result r;
        json_object *j, *list;
        size_t n = 0;

        run_tdxh(&r, (const char *[]){ "golden", "profiles", "--help", NULL });
        ck_assert_int_eq(r.status, 0);
        ck_assert_msg(strncmp(r.out, "Usage: tdxh golden profiles [--json]\n", 37) == 0, "%s", r.out);
        run_result_free(&r);

        run_tdxh(&r, (const char *[]){ "golden", "profiles", NULL });
        ck_assert_int_eq(r.status, 0);
        for (; names[n]; n++) {
                struct profile p;
                char *want = NULL;

                ck_assert_int_eq(profile_lookup(names[n], &p, NULL), 0);
                ck_assert_int_ge(asprintf(&want, "%s\n  platform: %s\n  edk2 %s: %s\n  QEMU %s: %s\n  "
                                                 "measures: %s; separator in RTMR%d;",
                                          names[n], profile_platform_description(&p),
                                          edk2_gen_name(p.edk2), edk2_gen_description(p.edk2),
                                          qemu_gen_name(p.qemu), qemu_gen_description(p.qemu),
                                          profile_has_acpi_events(&p) ? "ACPI DATA events"
                                                                      : "no ACPI DATA events",
                                          profile_separator_in_rtmr1(&p) ? 1 : 0),
                                 0);
                ck_assert_msg(strstr(r.out, want), "lacks: %s", want);
                free(want);
        }
        ck_assert_ptr_nonnull(strstr(r.out, "tdx-edk2-202411-qemu-10.1\n  platform: a TDX host\n  edk2 "
                                            "202411: stable202411: the separator moves to RTMR1\n"));
        run_result_free(&r);

        run_tdxh(&r, (const char *[]){ "golden", "profiles", "--json", NULL });
        ck_assert_int_eq(r.status, 0);
        j = json_tokener_parse(r.out);
        ck_assert_ptr_nonnull(j);
        ck_assert_str_eq(json_object_get_string(json_object_object_get(j, "schema")), "tdxh-profiles/1");
        list = json_object_object_get(j, "profiles");
        ck_assert_uint_eq(json_object_array_length(list), n);
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_array_get_idx(list, i), *m;
                struct profile p;

                ck_assert_int_eq(profile_lookup(names[i], &p, NULL), 0);
                ck_assert_str_eq(json_object_get_string(json_object_object_get(o, "name")), names[i]);
                ck_assert_str_eq(json_object_get_string(json_object_object_get(
                                         json_object_object_get(o, "edk2"), "generation")),
                                 edk2_gen_name(p.edk2));
                m = json_object_object_get(o, "measures");
                for (size_t k = 0; k < sizeof(measure_keys) / sizeof(measure_keys[0]); k++)
                        ck_assert_msg(json_object_object_get_ex(m, measure_keys[k], NULL), "%s: no %s",
                                      names[i], measure_keys[k]);
                ck_assert(json_object_get_boolean(json_object_object_get(m, "kernel_header_patched")) ==
                          profile_kernel_header_patched(&p));
                ck_assert_int_eq(json_object_get_int(json_object_object_get(m, "separator_rtmr")),
                                 profile_separator_in_rtmr1(&p) ? 1 : 0);
        }
        json_object_put(j);
        run_result_free(&r);
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
        tcase_add_test(tc, test_cli_profiles_describe_each_profile);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
