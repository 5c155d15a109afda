/* The QEMU command line for each backend against expected argv files
 * (data/argv/NAME.txt, one argument per line), option-list escaping, and
 * the platform checks that run before a command line is built. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/strv.h"
#include "run/qemu_argv.h"
#include "platform_fixture.h"
#include "testutil.h"

static void assert_argv_matches(const struct platform *p, const char *expected_file)
{
        struct strv v = STRV_INIT;
        struct tdxh_err e = { 0 };
        char *path = NULL, *want, *got, *rel = NULL;

        ck_assert_int_ge(asprintf(&rel, "argv/%s", expected_file), 0);
        path = test_data_path(rel);
        ck_assert_msg(qemu_argv_build(p, &v, &e) == 0, "%s", e.msg);
        got = strv_join(&v, "\n");
        ck_assert_ptr_nonnull(got);
        want = (char *)slurp(path, NULL);
        /* The file ends with a newline after the last argument. */
        ck_assert_uint_gt(strlen(want), 0);
        want[strlen(want) - 1] = '\0';
        ck_assert_msg(strcmp(got, want) == 0, "%s differs; built:\n%s", expected_file, got);
        free(got);
        free(want);
        free(path);
        free(rel);
        strv_free(&v);
}

START_TEST(test_qemu_argv_fake_tcg_matches_expected)
{
        struct platform p;

        fake_platform(&p, ACCEL_TCG);
        assert_argv_matches(&p, "fake-tcg.txt");
        platform_free(&p);
}
END_TEST

/* A disk replaces -kernel, -initrd and -append: read-only virtio-blk, the
 * path escaped like every option-list value. */
START_TEST(test_qemu_argv_fake_disk_matches_expected)
{
        struct platform p;

        fake_platform(&p, ACCEL_TCG);
        ck_assert_int_eq(platform_set(&p.kernel, NULL), 0);
        ck_assert_int_eq(platform_set(&p.initrd, NULL), 0);
        ck_assert_int_eq(platform_set(&p.cmdline, NULL), 0);
        ck_assert_int_eq(platform_set(&p.disk, "/images/disk,1.qcow2"), 0);
        ck_assert_int_eq(platform_set(&p.disk_format, "qcow2"), 0);
        assert_argv_matches(&p, "fake-disk.txt");
        platform_free(&p);
}
END_TEST

/* A disk with a kernel, or in a format QEMU would guess at, is refused. */
START_TEST(test_qemu_argv_disk_refuses_kernel_and_unknown_format)
{
        static const struct {
                const char *kernel, *format, *msg;
        } cases[] = {
                { "/images/vmlinuz", "raw", "without kernel, initrd or cmdline" },
                { NULL, "vmdk", "disk_format: 'vmdk' is not raw or qcow2" },
                { NULL, NULL, "disk_format: '' is not raw or qcow2" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct platform p;
                struct strv v = STRV_INIT;
                struct tdxh_err e = { 0 };

                fake_platform(&p, ACCEL_TCG);
                ck_assert_int_eq(platform_set(&p.kernel, cases[i].kernel), 0);
                ck_assert_int_eq(platform_set(&p.initrd, NULL), 0);
                ck_assert_int_eq(platform_set(&p.cmdline, NULL), 0);
                ck_assert_int_eq(platform_set(&p.disk, "/images/disk.img"), 0);
                ck_assert_int_eq(platform_set(&p.disk_format, cases[i].format), 0);
                ck_assert_int_eq(qemu_argv_build(&p, &v, &e), -EINVAL);
                ck_assert_msg(strstr(e.msg, cases[i].msg), "case %zu: %s", i, e.msg);
                platform_free(&p);
        }
}
END_TEST

START_TEST(test_qemu_argv_fake_kvm_differs_only_in_accel_and_cpu)
{
        struct platform p;

        fake_platform(&p, ACCEL_KVM);
        assert_argv_matches(&p, "fake-kvm.txt");
        platform_free(&p);
}
END_TEST

START_TEST(test_qemu_argv_tdx_with_unix_qgs_matches_expected)
{
        struct platform p;

        tdx_platform(&p);
        ck_assert_int_eq(platform_set(&p.qgs_unix, "/var/run/tdx-qgs/qgs.socket"), 0);
        platform_resolve_accel(&p); /* qemu-tdx always resolves to kvm */
        ck_assert_int_eq(p.accel, ACCEL_KVM);
        assert_argv_matches(&p, "qemu-tdx-unix.txt");
        platform_free(&p);
}
END_TEST

START_TEST(test_qemu_argv_tdx_with_vsock_qgs_and_debug_attributes)
{
        struct platform p;

        tdx_platform(&p);
        p.accel = ACCEL_KVM;
        p.qgs_vsock_cid = 2;
        p.qgs_vsock_port = 4050;
        p.td_attributes = 0x10000001ull; /* plus DEBUG */
        assert_argv_matches(&p, "qemu-tdx-vsock.txt");
        platform_free(&p);
}
END_TEST

START_TEST(test_qemu_argv_tdx_with_owner_values_matches_expected)
{
        struct platform p;

        tdx_platform(&p);
        p.accel = ACCEL_KVM;
        ck_assert_int_eq(platform_set(&p.qgs_unix, "/var/run/tdx-qgs/qgs.socket"), 0);
        mr_fill(&p.mrconfigid, 0x10);
        mr_fill(&p.mrowner, 0xa0);
        mr_fill(&p.mrownerconfig, 0xf0);
        assert_argv_matches(&p, "qemu-tdx-mr.txt");
        platform_free(&p);
}
END_TEST

START_TEST(test_qemu_argv_tdx_debug_with_fake_qgs_matches_expected)
{
        struct platform p;

        tdx_platform(&p);
        p.accel = ACCEL_KVM;
        p.td_attributes |= PLATFORM_TD_ATTR_DEBUG;
        ck_assert_int_eq(platform_set(&p.qgs_unix, "/tmp/tdxh-AbC123/qgs.sock"), 0);
        assert_argv_matches(&p, "qemu-tdx-fake-qgs-debug.txt");
        platform_free(&p);
}
END_TEST

/* The arguments of a that b lacks are exactly want, in order. */
static void assert_only_in(const struct strv *a, const struct strv *b, const char *const *want,
                           size_t n_want)
{
        size_t n = 0;

        for (size_t i = 0; i < a->n; i++) {
                bool found = false;

                for (size_t j = 0; j < b->n && !found; j++)
                        found = strcmp(a->v[i], b->v[j]) == 0;
                if (found)
                        continue;
                ck_assert_uint_lt(n, n_want);
                ck_assert_str_eq(a->v[i], want[n++]);
        }
        ck_assert_uint_eq(n, n_want);
}

/* The one description, built for both: what is in one command line and not
 * in the other is exactly what TDX changes. */
START_TEST(test_qemu_argv_tdx_differs_from_fake_only_where_tdx_differs)
{
        static const char *const only_fake[] = {
                "q35", "socket,id=chrtpm,path=/tmp/tdxh-AbC123/swtpm.sock", "-tpmdev",
                "emulator,id=tpm0,chardev=chrtpm", "tpm-crb,tpmdev=tpm0", "-fw_cfg",
                "name=opt/tdxh/mrtd,file=/runs/r1/fake-tdx/mrtd", "-fw_cfg",
                "name=opt/tdxh/td_attributes,file=/runs/r1/fake-tdx/td_attributes",
        };
        static const char *const only_tdx[] = {
                "q35,confidential-guest-support=tdx0,kernel-irqchip=split,smm=off,pic=off,hpet=off",
                "-object",
                "{\"qom-type\":\"tdx-guest\",\"id\":\"tdx0\"}",
        };
        struct platform p;
        struct strv fake = STRV_INIT, tdx = STRV_INIT;
        struct tdxh_err e = { 0 };

        fake_platform(&p, ACCEL_KVM);
        ck_assert_msg(qemu_argv_build(&p, &fake, &e) == 0, "%s", e.msg);
        /* The same description as a TD: no swtpm, no fake TDX module. */
        p.backend = BACKEND_QEMU_TDX;
        ck_assert_int_eq(platform_set(&p.tpm_socket, NULL), 0);
        for (size_t i = 0; i < p.n_fw_cfg; i++) {
                free(p.fw_cfg[i].name);
                free(p.fw_cfg[i].file);
        }
        p.n_fw_cfg = 0;
        ck_assert_msg(qemu_argv_build(&p, &tdx, &e) == 0, "%s", e.msg);
        assert_only_in(&fake, &tdx, only_fake, ELEMENTSOF(only_fake));
        assert_only_in(&tdx, &fake, only_tdx, ELEMENTSOF(only_tdx));
        strv_free(&fake);
        strv_free(&tdx);
        platform_free(&p);
}
END_TEST

START_TEST(test_qemu_argv_fake_refuses_owner_values)
{
        struct platform p;
        struct strv v = STRV_INIT;
        struct tdxh_err e = { 0 };

        fake_platform(&p, ACCEL_TCG);
        mr_fill(&p.mrowner, 1);
        ck_assert_int_eq(qemu_argv_build(&p, &v, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "not the fake"));
        platform_free(&p);
}
END_TEST

START_TEST(test_qemu_argv_doubles_commas_in_option_paths_only)
{
        struct platform p;
        struct strv v = STRV_INIT;
        struct tdxh_err e = { 0 };
        char *joined;

        fake_platform(&p, ACCEL_TCG);
        ck_assert_int_eq(platform_set(&p.serial_log, "/runs/a,b/console.log"), 0);
        ck_assert_int_eq(platform_set(&p.kernel, "/images/a,b/vmlinuz"), 0);
        ck_assert_int_eq(qemu_argv_build(&p, &v, &e), 0);
        joined = strv_join(&v, "\n");
        ck_assert_ptr_nonnull(strstr(joined, "\nfile,id=serial0,path=/runs/a,,b/console.log\n"));
        ck_assert_ptr_nonnull(strstr(joined, "\n-kernel\n/images/a,b/vmlinuz\n"));
        free(joined);
        strv_free(&v);
        platform_free(&p);
}
END_TEST

struct nic_case {
        const char *model, *romfile;
        const char *device; /* the -device argument; NULL: refused */
};

static const struct nic_case nic_cases[] = {
        { "virtio-net-pci", NULL, "virtio-net-pci,addr=0x2" },
        { "e1000", "", "e1000,addr=0x2,romfile=" },
        { "virtio-net-pci", "/roms/a,b.rom", "virtio-net-pci,addr=0x2,romfile=/roms/a,,b.rom" },
        { "virtio-net-pci,romfile=x", NULL, NULL },
        { "", NULL, NULL },
        { NULL, "/roms/x.rom", NULL },
};

/* The NIC sits at a fixed slot with no netdev; romfile= passes through
 * with its commas doubled; a model that would smuggle options in is
 * refused. */
START_TEST(test_qemu_argv_nic_and_its_rom)
{
        const struct nic_case *c = &nic_cases[_i];
        struct platform p;
        struct strv v = STRV_INIT;
        struct tdxh_err e = { 0 };
        char *joined, *want = NULL;

        fake_platform(&p, ACCEL_TCG);
        ck_assert_int_eq(platform_set(&p.nic_model, c->model), 0);
        ck_assert_int_eq(platform_set(&p.nic_romfile, c->romfile), 0);
        if (!c->device) {
                ck_assert_int_eq(qemu_argv_build(&p, &v, &e), -EINVAL);
                ck_assert_msg(strstr(e.msg, "platform: nic_"), "%s", e.msg);
                platform_free(&p);
                return;
        }
        ck_assert_msg(qemu_argv_build(&p, &v, &e) == 0, "%s", e.msg);
        joined = strv_join(&v, "\n");
        ck_assert_int_ge(asprintf(&want, "\n-device\n%s\n", c->device), 0);
        ck_assert_msg(strstr(joined, want), "no '%s' in:\n%s", c->device, joined);
        ck_assert_ptr_null(strstr(joined, "netdev"));
        free(want);
        free(joined);
        strv_free(&v);
        platform_free(&p);
}
END_TEST

START_TEST(test_qemu_argv_rejects_incomplete_or_unresolved_platforms)
{
        struct platform p;
        struct strv v = STRV_INIT;
        struct tdxh_err e = { 0 };
        char longpath[200];

        fake_platform(&p, ACCEL_AUTO);
        ck_assert_int_eq(qemu_argv_build(&p, &v, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "accel must be resolved"));
        p.accel = ACCEL_TCG;

        err_clear(&e);
        ck_assert_int_eq(platform_set(&p.tpm_socket, NULL), 0);
        ck_assert_int_eq(qemu_argv_build(&p, &v, &e), -EINVAL);
        ck_assert_str_eq(e.msg, "platform: tpm_socket is required");

        err_clear(&e);
        memset(longpath, 'x', sizeof(longpath) - 1);
        longpath[0] = '/';
        longpath[sizeof(longpath) - 1] = '\0';
        ck_assert_int_eq(platform_set(&p.tpm_socket, longpath), 0);
        ck_assert_int_eq(qemu_argv_build(&p, &v, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "tpm_socket: socket path longer than 107 bytes"));

        err_clear(&e);
        ck_assert_int_eq(platform_set(&p.tpm_socket, "/tmp/s"), 0);
        ck_assert_int_eq(platform_add_fw_cfg(&p, "etc/tdxh", "/x"), 0);
        ck_assert_int_eq(qemu_argv_build(&p, &v, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "fw_cfg name 'etc/tdxh'"));
        ck_assert_uint_eq(v.n, 0);
        platform_free(&p);

        err_clear(&e);
        tdx_platform(&p);
        p.accel = ACCEL_TCG;
        ck_assert_int_eq(qemu_argv_build(&p, &v, &e), -EINVAL);
        ck_assert_str_eq(e.msg, "platform: accel: qemu-tdx needs kvm, not tcg");
        platform_free(&p);
}
END_TEST

START_TEST(test_platform_names_parse_and_print)
{
        enum platform_backend b;
        enum platform_accel a;

        ck_assert_int_eq(platform_backend_parse("qemu-tdx", &b), 0);
        ck_assert_int_eq(b, BACKEND_QEMU_TDX);
        ck_assert_str_eq(platform_backend_name(b), "qemu-tdx");
        ck_assert_int_eq(platform_backend_parse("libvirt", &b), -EINVAL);
        ck_assert_int_eq(platform_accel_parse("kvm", &a), 0);
        ck_assert_int_eq(a, ACCEL_KVM);
        ck_assert_str_eq(platform_accel_name(ACCEL_TCG), "tcg");
        ck_assert_int_eq(platform_accel_parse("hvf", &a), -EINVAL);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("run/qemu_argv");
        TCase *tc = tcase_create("argv");

        tcase_add_test(tc, test_qemu_argv_fake_tcg_matches_expected);
        tcase_add_test(tc, test_qemu_argv_fake_disk_matches_expected);
        tcase_add_test(tc, test_qemu_argv_disk_refuses_kernel_and_unknown_format);
        tcase_add_test(tc, test_qemu_argv_fake_kvm_differs_only_in_accel_and_cpu);
        tcase_add_test(tc, test_qemu_argv_tdx_with_unix_qgs_matches_expected);
        tcase_add_test(tc, test_qemu_argv_tdx_with_vsock_qgs_and_debug_attributes);
        tcase_add_test(tc, test_qemu_argv_tdx_with_owner_values_matches_expected);
        tcase_add_test(tc, test_qemu_argv_tdx_debug_with_fake_qgs_matches_expected);
        tcase_add_test(tc, test_qemu_argv_tdx_differs_from_fake_only_where_tdx_differs);
        tcase_add_test(tc, test_qemu_argv_fake_refuses_owner_values);
        tcase_add_test(tc, test_qemu_argv_doubles_commas_in_option_paths_only);
        tcase_add_loop_test(tc, test_qemu_argv_nic_and_its_rom, 0,
                            (int)(sizeof(nic_cases) / sizeof(nic_cases[0])));
        tcase_add_test(tc, test_qemu_argv_rejects_incomplete_or_unresolved_platforms);
        tcase_add_test(tc, test_platform_names_parse_and_print);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
