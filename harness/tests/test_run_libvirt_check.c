/* The read-back check of a TD's launch security (run/libvirt_check.h): what
 * libvirt defined against what tdxh wrote, one case per way libvirt can
 * lose or change it. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/cleanup.h"
#include "run/libvirt_check.h"
#include "testutil.h"

#define WRITTEN                                                                               \
        "<domain type='kvm'><name>td</name>"                                                  \
        "<launchSecurity type='tdx'><policy>0x10000000</policy>"                              \
        "<mrOwner>oKGi</mrOwner>"                                                             \
        "<quoteGenerationService path='/var/run/tdx-qgs/qgs.socket'/></launchSecurity>"       \
        "</domain>"

static const struct {
        const char *name;
        const char *written, *defined;
        int want;
        const char *message;
} cases[] = {
        { "kept, as libvirt formats it", WRITTEN,
          "<domain type='kvm' id='3'>\n  <name>td</name>\n  <uuid>x</uuid>\n"
          "  <launchSecurity type='tdx'>\n    <policy>0x10000000</policy>\n"
          "    <mrOwner>oKGi</mrOwner>\n"
          "    <quoteGenerationService path='/var/run/tdx-qgs/qgs.socket'/>\n"
          "  </launchSecurity>\n</domain>\n",
          0, NULL },
        { "no launch security written", "<domain type='qemu'><name>f</name></domain>",
          "<domain type='qemu'><name>f</name></domain>", 0, NULL },
        { "quote service dropped", WRITTEN,
          "<domain><launchSecurity type='tdx'><policy>0x10000000</policy>"
          "<mrOwner>oKGi</mrOwner></launchSecurity></domain>",
          -EPROTO, "libvirt dropped <launchSecurity><quoteGenerationService>" },
        { "quote service spelt another way (Canonical 10.0)", WRITTEN,
          "<domain><launchSecurity type='tdx'><policy>0x10000000</policy><mrOwner>oKGi</mrOwner>"
          "<quoteGenerationService><SocketAddress type='vsock' cid='2' port='4050'/>"
          "</quoteGenerationService></launchSecurity></domain>",
          -EPROTO, "libvirt changed <launchSecurity><quoteGenerationService path=" },
        { "owner value changed", WRITTEN,
          "<domain><launchSecurity type='tdx'><policy>0x10000000</policy><mrOwner>AAAA</mrOwner>"
          "<quoteGenerationService path='/var/run/tdx-qgs/qgs.socket'/></launchSecurity></domain>",
          -EPROTO, "libvirt changed <launchSecurity><mrOwner>" },
        { "launch security dropped", WRITTEN, "<domain><name>td</name></domain>", -EPROTO,
          "libvirt dropped <launchSecurity>: the domain it defined is not a TD" },
        { "type changed", WRITTEN,
          "<domain><launchSecurity type='sev'><policy>0x10000000</policy></launchSecurity></domain>",
          -EPROTO, "libvirt changed <launchSecurity type=" },
        { "not XML", WRITTEN, "<domain>", -EINVAL, "the defined domain XML does not parse" },
};

START_TEST(test_libvirt_check_cases)
{
        struct tdxh_err e = { 0 };
        int r = libvirt_launch_security_check(cases[_i].written, cases[_i].defined, &e);

        ck_assert_msg(r == cases[_i].want, "%s: %d (%s)", cases[_i].name, r, e.msg);
        if (cases[_i].message)
                ck_assert_msg(strstr(e.msg, cases[_i].message), "%s: '%s'", cases[_i].name,
                              e.msg);
        else
                ck_assert_str_eq(e.msg, "");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("run/libvirt_check");
        TCase *tc = tcase_create("check");

        tcase_add_loop_test(tc, test_libvirt_check_cases, 0, ELEMENTSOF(cases));
        suite_add_tcase(s, tc);
        return run_suite(s);
}
