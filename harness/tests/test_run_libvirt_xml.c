/* The libvirt domain XML of the platform descriptions the QEMU command-line
 * test uses (platform_fixture.h), against reviewed expected files
 * (data/libvirt/NAME.xml), and against the installed libvirt's own RelaxNG
 * schema: the fake domains in full; the TD domains in full where the schema
 * knows launchSecurity type tdx (libvirt >= 11.6), else everything but the
 * launchSecurity element (Debian 12's libvirt 9.0 predates TDX). */
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/relaxng.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "platform_fixture.h"
#include "run/libvirt_xml.h"
#include "testutil.h"

#define LIBVIRT_SCHEMA "/usr/share/libvirt/schemas/domain.rng"

enum desc { FAKE_TCG, FAKE_KVM, TDX_DEFAULTS, TDX_MR, TDX_DEBUG, TDX_FAKE_QGS, FAKE_DISK, TDX_DISK };

static const struct {
        enum desc desc;
        const char *file;
} cases[] = {
        { FAKE_TCG, "fake-tcg.xml" },         { FAKE_KVM, "fake-kvm.xml" },
        { TDX_DEFAULTS, "tdx-defaults.xml" }, { TDX_MR, "tdx-mr.xml" },
        { TDX_DEBUG, "tdx-debug.xml" },       { TDX_FAKE_QGS, "tdx-fake-qgs.xml" },
        { FAKE_DISK, "fake-disk.xml" },       { TDX_DISK, "tdx-disk.xml" },
};

/* A qcow2 disk instead of the kernel, initrd and command line. */
static void use_disk(struct platform *p)
{
        ck_assert_int_eq(platform_set(&p->kernel, NULL), 0);
        ck_assert_int_eq(platform_set(&p->initrd, NULL), 0);
        ck_assert_int_eq(platform_set(&p->cmdline, NULL), 0);
        ck_assert_int_eq(platform_set(&p->disk, "/images/disk.qcow2"), 0);
        ck_assert_int_eq(platform_set(&p->disk_format, "qcow2"), 0);
}

static void describe(enum desc d, struct platform *p)
{
        if (d == FAKE_TCG || d == FAKE_KVM || d == FAKE_DISK) {
                fake_platform(p, d == FAKE_KVM ? ACCEL_KVM : ACCEL_TCG);
                if (d == FAKE_DISK)
                        use_disk(p);
                return;
        }
        tdx_platform(p);
        if (d == TDX_DISK)
                use_disk(p);
        p->accel = ACCEL_KVM;
        ck_assert_int_eq(platform_set(&p->qgs_unix, d == TDX_FAKE_QGS
                                                           ? "/tmp/tdxh-AbC123/qgs.sock"
                                                           : PLATFORM_DEFAULT_QGS_SOCKET),
                         0);
        if (d == TDX_MR) {
                mr_fill(&p->mrconfigid, 0x10);
                mr_fill(&p->mrowner, 0xa0);
                mr_fill(&p->mrownerconfig, 0xf0);
        }
        if (d == TDX_DEBUG)
                p->td_attributes |= PLATFORM_TD_ATTR_DEBUG;
}

static char *domain_xml(enum desc d)
{
        struct platform p;
        struct tdxh_err e = { 0 };
        char *xml = NULL;

        describe(d, &p);
        ck_assert_msg(libvirt_domain_xml(&p, "tdxh-test", &xml, &e) == 0, "%s", e.msg);
        platform_free(&p);
        return xml;
}

START_TEST(test_libvirt_xml_matches_expected)
{
        char *rel = NULL, *path, *want, *got = domain_xml(cases[_i].desc);

        ck_assert_int_ge(asprintf(&rel, "libvirt/%s", cases[_i].file), 0);
        path = test_data_path(rel);
        want = (char *)slurp(path, NULL);
        ck_assert_msg(strcmp(got, want) == 0, "%s differs; built:\n%s", cases[_i].file, got);
        free(want);
        free(path);
        free(rel);
        free(got);
}
END_TEST

/* 0 valid, else the number of errors libxml2 found. */
static int validate(xmlDocPtr doc)
{
        xmlRelaxNGParserCtxtPtr pc = xmlRelaxNGNewParserCtxt(LIBVIRT_SCHEMA);
        xmlRelaxNGPtr schema = pc ? xmlRelaxNGParse(pc) : NULL;
        xmlRelaxNGValidCtxtPtr vc = schema ? xmlRelaxNGNewValidCtxt(schema) : NULL;
        int r;

        ck_assert_msg(vc, "%s does not load", LIBVIRT_SCHEMA);
        r = xmlRelaxNGValidateDoc(vc, doc);
        xmlRelaxNGFreeValidCtxt(vc);
        xmlRelaxNGFree(schema);
        xmlRelaxNGFreeParserCtxt(pc);
        return r;
}

static bool schema_knows_tdx(void)
{
        char *text = NULL;
        bool yes = file_read_all("/usr/share/libvirt/schemas/domaincommon.rng", 16u << 20, &text,
                                 NULL, NULL) >= 0 &&
                   strstr(text, "<value>tdx</value>");

        free(text);
        return yes;
}

START_TEST(test_libvirt_xml_valid_for_installed_schema)
{
        char *xml;
        xmlDocPtr doc;
        xmlNodePtr n;
        bool tdx = cases[_i].desc != FAKE_TCG && cases[_i].desc != FAKE_KVM &&
                   cases[_i].desc != FAKE_DISK;

        xml = domain_xml(cases[_i].desc);
        doc = xmlReadMemory(xml, (int)strlen(xml), cases[_i].file, NULL, XML_PARSE_NONET);
        ck_assert_ptr_nonnull(doc);
        if (tdx && !schema_knows_tdx()) {
                /* Everything else of a TD's domain still has to be valid. */
                for (n = xmlDocGetRootElement(doc)->children; n; n = n->next)
                        if (n->type == XML_ELEMENT_NODE &&
                            strcmp((const char *)n->name, "launchSecurity") == 0)
                                break;
                ck_assert_ptr_nonnull(n);
                xmlUnlinkNode(n);
                xmlFreeNode(n);
        }
        ck_assert_msg(validate(doc) == 0, "%s is not valid for %s:\n%s", cases[_i].file,
                      LIBVIRT_SCHEMA, xml);
        xmlFreeDoc(doc);
        free(xml);
}
END_TEST

START_TEST(test_libvirt_xml_escapes_what_it_writes)
{
        struct platform p;
        struct tdxh_err e = { 0 };
        char *xml = NULL;

        fake_platform(&p, ACCEL_TCG);
        ck_assert_int_eq(platform_set(&p.cmdline, "console=ttyS0 a=\"<b>&c'\""), 0);
        ck_assert_int_eq(libvirt_domain_xml(&p, "x", &xml, &e), 0);
        ck_assert_ptr_nonnull(strstr(xml, "<cmdline>console=ttyS0 a=\"&lt;b&gt;&amp;c'\"</cmdline>"));
        free(xml);
        platform_free(&p);
}
END_TEST

START_TEST(test_libvirt_xml_refuses_unresolved_or_bad_platforms)
{
        struct platform p;
        struct tdxh_err e = { 0 };
        char *xml = NULL;

        fake_platform(&p, ACCEL_AUTO);
        ck_assert_int_eq(libvirt_domain_xml(&p, "x", &xml, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "accel must be resolved"));
        ck_assert_ptr_null(xml);
        platform_free(&p);
        err_clear(&e);
        tdx_platform(&p);
        p.accel = ACCEL_TCG;
        ck_assert_int_eq(libvirt_domain_xml(&p, "x", &xml, &e), -EINVAL);
        ck_assert_str_eq(e.msg, "platform: accel: qemu-tdx needs kvm, not tcg");
        platform_free(&p);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("run/libvirt_xml");
        TCase *tc = tcase_create("xml");

        tcase_add_loop_test(tc, test_libvirt_xml_matches_expected, 0, ELEMENTSOF(cases));
        if (access(LIBVIRT_SCHEMA, R_OK) == 0)
                tcase_add_loop_test(tc, test_libvirt_xml_valid_for_installed_schema, 0,
                                    ELEMENTSOF(cases));
        else
                fprintf(stderr, "%s: not installed (libvirt-daemon); schema checks skipped\n",
                        LIBVIRT_SCHEMA);
        if (access(LIBVIRT_SCHEMA, R_OK) == 0 && !schema_knows_tdx())
                fprintf(stderr, "%s predates TDX (libvirt < 11.6): launchSecurity type tdx is "
                                "checked against the expected files only\n",
                        LIBVIRT_SCHEMA);
        tcase_add_test(tc, test_libvirt_xml_escapes_what_it_writes);
        tcase_add_test(tc, test_libvirt_xml_refuses_unresolved_or_bad_platforms);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
