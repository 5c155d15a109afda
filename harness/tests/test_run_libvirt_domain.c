/* The libvirt backend's domain life cycle (run/libvirt_domain.h) against
 * libvirt's own in-process test driver (test:///default, no daemon): the
 * fake platform's domain starts, is read back and destroyed with nothing
 * left behind; a libvirt that does not know TDX refuses the TD's domain
 * with a message naming launchSecurity, and leaves nothing either; a URI
 * with no daemon behind it fails at once. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "platform_fixture.h"
#include "run/libvirt_domain.h"
#include "run/libvirt_xml.h"
#include "testutil.h"

#define TEST_URI "test:///default"

static char *domain_xml(bool tdx, const char *name)
{
        struct platform p;
        struct tdxh_err e = { 0 };
        char *xml = NULL;

        if (tdx) {
                tdx_platform(&p);
                p.accel = ACCEL_KVM;
                mr_fill(&p.mrowner, 1);
        } else {
                fake_platform(&p, ACCEL_TCG);
        }
        ck_assert_msg(libvirt_domain_xml(&p, name, &xml, &e) == 0, "%s", e.msg);
        platform_free(&p);
        return xml;
}

/* Domains the test driver holds now (its own "test" domain included). */
static int count_domains(void)
{
        virConnectPtr c = virConnectOpen(TEST_URI);
        int n;

        ck_assert_ptr_nonnull(c);
        n = virConnectNumOfDomains(c);
        virConnectClose(c);
        return n;
}

START_TEST(test_libvirt_domain_starts_reads_back_and_destroys)
{
        struct libvirt_domain d = LIBVIRT_DOMAIN_INIT;
        struct tdxh_err e = { 0 };
        char *xml = domain_xml(false, "tdxh-fake"), version[32];
        int before = count_domains();

        ck_assert_msg(libvirt_domain_start(&d, TEST_URI, xml, &e) == 0, "%s", e.msg);
        ck_assert(libvirt_domain_running(&d));
        ck_assert_int_eq(count_domains(), before + 1);
        ck_assert_ptr_nonnull(strstr(d.defined_xml, "<name>tdxh-fake</name>"));
        ck_assert_ptr_nonnull(strstr(d.defined_xml, "<entry name='opt/tdxh/mrtd'"));
        ck_assert_uint_gt(d.lib_version, 0);
        libvirt_version_format(d.lib_version, version, sizeof(version));
        ck_assert_int_eq(strspn(version, "0123456789."), strlen(version));
        libvirt_domain_destroy(&d);
        ck_assert_ptr_null(d.dom);
        ck_assert_int_eq(count_domains(), before);
        libvirt_domain_destroy(&d); /* twice is harmless */
        free(xml);
}
END_TEST

START_TEST(test_libvirt_domain_refuses_a_td_this_libvirt_cannot_keep)
{
        struct libvirt_domain d = LIBVIRT_DOMAIN_INIT;
        struct tdxh_err e = { 0 };
        char *xml = domain_xml(true, "tdxh-td");
        int before = count_domains(), r;

        r = libvirt_domain_start(&d, TEST_URI, xml, &e);
        if (r == 0) {
                /* A libvirt that knows TDX (>= 11.6) keeps all of it. */
                ck_assert_uint_ge(d.lib_version, 11006000);
                ck_assert_ptr_nonnull(strstr(d.defined_xml, "<mrOwner>"));
                libvirt_domain_destroy(&d);
        } else {
                ck_assert_msg(r == -EINVAL || r == -EPROTO, "%d: %s", r, e.msg);
                ck_assert_msg(strstr(e.msg, "launchSecurity"), "%s", e.msg);
                ck_assert_ptr_null(d.dom);
        }
        ck_assert_int_eq(count_domains(), before);
        free(xml);
}
END_TEST

START_TEST(test_libvirt_domain_without_a_daemon_fails_at_once)
{
        struct libvirt_domain d = LIBVIRT_DOMAIN_INIT;
        struct tdxh_err e = { 0 };
        char *dir = tmpdir_make(), *uri = NULL, *xml = domain_xml(false, "tdxh-none");

        ck_assert_int_ge(asprintf(&uri, "qemu+unix:///session?socket=%s/no-daemon.sock", dir), 0);
        ck_assert_int_eq(libvirt_domain_start(&d, uri, xml, &e), -ECONNREFUSED);
        ck_assert_ptr_nonnull(strstr(e.msg, "libvirt: qemu+unix:///session"));
        ck_assert_ptr_null(d.conn);
        free(uri);
        free(xml);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_libvirt_domain_qemu_argv_is_refused_by_the_test_driver)
{
        struct libvirt_domain d = LIBVIRT_DOMAIN_INIT;
        struct tdxh_err e = { 0 };
        char *xml = domain_xml(false, "tdxh-argv"), *argv = NULL;
        int r;

        ck_assert_msg(libvirt_domain_start(&d, TEST_URI, xml, &e) == 0, "%s", e.msg);
        r = libvirt_domain_qemu_argv(&d, &argv, &e);
        /* Only the QEMU driver generates QEMU command lines. */
        ck_assert_msg(r == -ENOTSUP || r == -EIO, "%d %s", r, argv ? argv : e.msg);
        ck_assert_ptr_null(argv);
        libvirt_domain_destroy(&d);
        free(xml);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("run/libvirt_domain");
        TCase *tc = tcase_create("domain");

        tcase_add_test(tc, test_libvirt_domain_starts_reads_back_and_destroys);
        tcase_add_test(tc, test_libvirt_domain_refuses_a_td_this_libvirt_cannot_keep);
        tcase_add_test(tc, test_libvirt_domain_without_a_daemon_fails_at_once);
        tcase_add_test(tc, test_libvirt_domain_qemu_argv_is_refused_by_the_test_driver);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
