/* tdxh golden compute: the fake profile against a real boot captured here,
 * the TDX reference vectors, and bad input (exit 2, one line, no output). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/hex.h"
#include "evidence/eventlog.h"
#include "golden/golden.h"
#include "testutil.h"

#define OVMF "/usr/share/ovmf/OVMF.fd"
#define CAPTURE_CMDLINE "console=ttyS0 quiet panic=-1"
#define CAPTURE_INITRD_SIZE 1028398 /* harness/tests/data/fake-boot/manifest.txt */

static char *kernel;
static char *dir;

static void setup(void)
{
        dir = tmpdir_make();
}

static void teardown(void)
{
        tmpdir_remove(dir);
        dir = NULL;
}

static char *path_in(const char *name)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
        return p;
}

static void compute(struct golden *g, const char *const *extra)
{
        const char *argv[32] = { "golden", "compute", "--firmware", OVMF, "-o", NULL };
        struct tdxh_err e = { 0 };
        struct run_result r;
        char *out = path_in("golden.json");
        size_t n = 4;

        argv[n++] = "-o";
        argv[n++] = out;
        for (size_t i = 0; extra[i]; i++)
                argv[n++] = extra[i];
        argv[n] = NULL;
        run_tdxh(&r, argv);
        ck_assert_msg(r.status == 0, "golden compute failed (%d): %s", r.status, r.err);
        run_result_free(&r);
        ck_assert_msg(golden_load(out, g, &e) == 0, "%s", e.msg);
        free(out);
}

/* The first event measuring `what`; fails the test when there is none. */
static const struct golden_event *find_event(const struct golden *g, const char *what)
{
        for (size_t i = 0; i < g->n_events; i++)
                if (strcmp(g->events[i].what, what) == 0)
                        return &g->events[i];
        ck_abort_msg("no '%s' event", what);
        return &g->events[0];
}

START_TEST(test_fake_profile_matches_the_captured_boot)
{
        /* The capture booted with a 1 MiB initrd that is rebuilt, not
         * committed; the kernel's header patch depends only on its size, so
         * a sparse file of that size predicts RTMR0, RTMR1 and the command
         * line exactly. */
        char *initrd = sparse_file(dir, "initrd.img", CAPTURE_INITRD_SIZE);
        char *log_path = test_data_path("fake-boot/binary_bios_measurements");
        struct golden g = { 0 };
        struct evlog log = { 0 };
        struct tdxh_err e = { 0 };
        uint8_t replayed[4][48];
        const struct golden_event *cmdline = NULL;

        if (!kernel)
                return;
        compute(&g, (const char *[]){ "--profile", "fake", "--kernel", kernel, "--initrd", initrd,
                                      "--cmdline", CAPTURE_CMDLINE, "--memory", "1G", NULL });
        ck_assert_msg(evlog_load_file(log_path, &log, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(evlog_replay(&log, replayed, &e), 0);
        ck_assert(g.regs[GOLDEN_RTMR0].known && g.regs[GOLDEN_RTMR1].known);
        ck_assert_mem_eq(g.regs[GOLDEN_RTMR0].value, replayed[0], 48);
        ck_assert_mem_eq(g.regs[GOLDEN_RTMR1].value, replayed[1], 48);
        cmdline = find_event(&g, "cmdline");
        ck_assert_ptr_nonnull(cmdline);
        for (size_t i = 0; i < log.n_events; i++)
                if (log.events[i].rtmr == 2 && strcmp(log.events[i].what, "cmdline") == 0) {
                        ck_assert_mem_eq(cmdline->digest, log.events[i].sha384, 48);
                        cmdline = NULL;
                }
        ck_assert_msg(cmdline == NULL, "the captured log has no cmdline event");
        cmdline = find_event(&g, "cmdline");
        ck_assert_str_eq(cmdline->detail, CAPTURE_CMDLINE " initrd=initrd");
        /* MRTD of the fake is Debian's OVMF per page (TDX-REFERENCE §2.6). */
        ck_assert(g.regs[GOLDEN_MRTD].known);
        ck_assert(g.initrd.have_sha384 && g.kernel.have_sha256 && g.firmware.have_sha256);
        evlog_free(&log);
        golden_free(&g);
        free(log_path);
        free(initrd);
}
END_TEST

#define VIRTIO_ROM "/usr/lib/ipxe/qemu/efi-virtio.rom"

/* A NIC's ROM: its driver's event is RTMR1's first, before the kernel, and
 * RTMR1 is the captured boot's (no NIC) with that event extended first. */
START_TEST(test_option_rom_event_comes_first_in_rtmr1)
{
        char *initrd = sparse_file(dir, "initrd.img", CAPTURE_INITRD_SIZE);
        char *log_path = test_data_path("fake-boot/binary_bios_measurements");
        char rom_arg[128];
        struct golden g = { 0 };
        struct evlog log = { 0 };
        struct tdxh_err e = { 0 };
        const struct golden_event *first = NULL;
        uint8_t want[48] = { 0 };

        if (!kernel || access(VIRTIO_ROM, R_OK) != 0)
                return;
        snprintf(rom_arg, sizeof(rom_arg), "00:02.0=%s", VIRTIO_ROM);
        compute(&g, (const char *[]){ "--profile", "fake", "--kernel", kernel, "--initrd", initrd,
                                      "--cmdline", CAPTURE_CMDLINE, "--memory", "1G",
                                      "--option-rom", rom_arg, NULL });
        for (size_t i = 0; i < g.n_events && !first; i++)
                if (g.events[i].rtmr == 1)
                        first = &g.events[i];
        ck_assert_ptr_nonnull(first);
        ck_assert_str_eq(first->what, "option-rom");
        ck_assert_str_eq(first->detail, "PciRoot(0x0)/Pci(0x2,0x0)/Offset(0x12800,0x3cdff)");
        ck_assert_uint_eq(first->type, 0x80000004u);
        ck_assert_msg(evlog_load_file(log_path, &log, &e) == 0, "%s", e.msg);
        rtmr_extend(want, first->digest);
        for (size_t i = 0; i < log.n_events; i++)
                if (log.events[i].rtmr == 1)
                        rtmr_extend(want, log.events[i].sha384);
        ck_assert(g.regs[GOLDEN_RTMR1].known);
        ck_assert_mem_eq(g.regs[GOLDEN_RTMR1].value, want, 48);
        evlog_free(&log);
        golden_free(&g);
        free(log_path);
        free(initrd);
}
END_TEST

static void assert_hex(const uint8_t *v, const char *hex)
{
        char got[97];

        hex_encode(v, 48, got);
        ck_assert_str_eq(got, hex);
}

START_TEST(test_tdx_profile_reproduces_reference_vectors)
{
        struct golden g = { 0 };

        compute(&g, (const char *[]){ "--profile", "tdx-edk2-202411-qemu-10.1", "--memory", "2G",
                                      "--page-add", "two-pass", NULL });
        assert_hex(g.regs[GOLDEN_MRTD].value,
                   "acccbcc870a381adab0d3919d90a7f268ac3b0364771f202ed4bb4e892d045b3"
                   "3db3b32e6924cba830a724eed443f7e1");
        assert_hex(find_event(&g, "td-hob")->digest,
                   "0b8772e5b0b41b83e6044a68397e02f49fb47066b4fbe4917ea2c45c64f323fd"
                   "acbb37948f821ebaf8bc9c938ba8a749");
        assert_hex(find_event(&g, "cfv")->digest,
                   "f87302177b059d54a2cf0c5f13340dbabf5c9dd60dc3f996c68b776fbe4de959"
                   "769443a3d8ef6538b97d7e151c8298e8");
        /* No ACPI blobs and no kernel: those registers are unknown, with why. */
        ck_assert(!g.regs[GOLDEN_RTMR0].known);
        ck_assert_ptr_nonnull(strstr(g.regs[GOLDEN_RTMR0].unknown_reason, "acpi"));
        ck_assert(!g.regs[GOLDEN_RTMR1].known);
        ck_assert_ptr_nonnull(strstr(g.regs[GOLDEN_RTMR1].unknown_reason, "--kernel"));
        ck_assert_str_eq(g.page_add, "two-pass");
        golden_free(&g);
        compute(&g, (const char *[]){ "--profile", "tdx-edk2-202411-qemu-10.1", "--memory", "4G",
                                      NULL });
        assert_hex(g.regs[GOLDEN_MRTD].value,
                   "4c7206f0f483c524f12c366c711e9049030a8d47c471ee5aa9c4999a08de4057"
                   "fb887fed0744d5631a212967fb231c47");
        assert_hex(find_event(&g, "td-hob")->digest,
                   "5b684faf8d02a733945f821d9cdd170802e72103977acf66949c9382500283ad"
                   "c90cbec57f8e7653f8bee1cab83689de");
        golden_free(&g);
}
END_TEST

START_TEST(test_acpi_from_log_completes_rtmr0)
{
        /* trustee's CCEL is an edk2 >= 202302 TDX log: three ACPI DATA events. */
        char *log = fixture_path("trustee/CCEL_data_ovmf");
        struct golden g = { 0 };

        compute(&g, (const char *[]){ "--profile", "tdx-edk2-202411-qemu-10.1", "--memory", "2G",
                                      "--acpi-from-log", log, NULL });
        ck_assert_msg(g.regs[GOLDEN_RTMR0].known, "%s", g.regs[GOLDEN_RTMR0].unknown_reason);
        ck_assert(find_event(&g, "acpi-tables")->digest_known);
        golden_free(&g);
        free(log);
}
END_TEST

static void expect_bad_input(const char *const *argv, const char *fragment)
{
        char *out = path_in("never.json");
        const char *full[32];
        struct run_result r;
        size_t n = 0;

        for (; argv[n]; n++)
                full[n] = argv[n];
        full[n++] = "-o";
        full[n++] = out;
        full[n] = NULL;
        run_tdxh(&r, full);
        ck_assert_msg(r.status == 2, "exit %d, stderr: %s", r.status, r.err);
        ck_assert_msg(strstr(r.err, fragment) != NULL, "stderr '%s' lacks '%s'", r.err, fragment);
        ck_assert_msg(access(out, F_OK) != 0, "an output file was written");
        run_result_free(&r);
        free(out);
}

START_TEST(test_bad_input_exits_2_with_one_line_and_no_output)
{
        char *garbage = sparse_file(dir, "zeros.fd", 2 << 20);
        char *small = sparse_file(dir, "tiny.bin", 10);

        expect_bad_input((const char *[]){ "golden", "compute", "--profile", "fake", "--firmware",
                                           "/nonexistent/OVMF.fd", "--memory", "1G", NULL },
                         "/nonexistent/OVMF.fd");
        expect_bad_input((const char *[]){ "golden", "compute", "--profile", "fake", "--firmware",
                                           garbage, "--memory", "1G", NULL },
                         garbage);
        expect_bad_input((const char *[]){ "golden", "compute", "--profile", "fake", "--firmware",
                                           OVMF, "--memory", "2Q", NULL },
                         "--memory: '2Q'");
        expect_bad_input((const char *[]){ "golden", "compute", "--profile", "tdx-foo", "--firmware",
                                           OVMF, "--memory", "1G", NULL },
                         "valid profiles: fake");
        expect_bad_input((const char *[]){ "golden", "compute", "--profile", "fake", "--firmware",
                                           OVMF, "--memory", "1G", "--kernel", small, NULL },
                         small);
        expect_bad_input((const char *[]){ "golden", "compute", "--profile", "fake", "--firmware",
                                           OVMF, "--memory", "1G", "--page-add", "three", NULL },
                         "--page-add");
        if (kernel)
                expect_bad_input((const char *[]){ "golden", "compute", "--profile", "fake",
                                                   "--firmware", kernel, "--memory", "1G", NULL },
                                 "not an OVMF/TDVF image");
        expect_bad_input((const char *[]){ "golden", "compute", "--profile", "fake", "--firmware",
                                           OVMF, "--memory", "1G", "--option-rom", "00:02.0", NULL },
                         "--option-rom: '00:02.0': expected BDF=FILE");
        expect_bad_input((const char *[]){ "golden", "compute", "--profile", "fake", "--firmware",
                                           OVMF, "--memory", "1G", "--option-rom", "00:40.0=x.rom",
                                           NULL },
                         "PCI address '00:40.0'");
        if (access(VIRTIO_ROM, R_OK) == 0) {
                /* The ROM cut inside its EFI image: the file and the offset
                 * of the field that no longer fits. */
                size_t len;
                uint8_t *rom = slurp(VIRTIO_ROM, &len);
                char *cut = path_in("cut.rom"), arg[4200];
                FILE *f = fopen(cut, "wb");

                ck_assert_ptr_nonnull(f);
                ck_assert_uint_eq(fwrite(rom, 1, 0x20000, f), 0x20000);
                ck_assert_int_eq(fclose(f), 0);
                snprintf(arg, sizeof(arg), "00:02.0=%s", cut);
                expect_bad_input((const char *[]){ "golden", "compute", "--profile", "fake",
                                                   "--firmware", OVMF, "--memory", "1G",
                                                   "--option-rom", arg, NULL },
                                 "cut.rom: offset 0x1282c: ImageLength 0x153 (x 512) runs past the end");
                snprintf(arg, sizeof(arg), "00:02.0=%s", VIRTIO_ROM);
                expect_bad_input((const char *[]){ "golden", "compute", "--profile", "fake",
                                                   "--firmware", OVMF, "--memory", "1G",
                                                   "--option-rom", arg, "--option-rom", arg, NULL },
                                 "device 00:02.0 is given twice");
                free(cut);
                free(rom);
        }
        free(garbage);
        free(small);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("golden_compute");
        TCase *tc = tcase_create("golden_compute");
        int status;

        if (access(OVMF, R_OK) != 0)
                return 77;
        kernel = reference_kernel_path();
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_fake_profile_matches_the_captured_boot);
        tcase_add_test(tc, test_tdx_profile_reproduces_reference_vectors);
        tcase_add_test(tc, test_acpi_from_log_completes_rtmr0);
        tcase_add_test(tc, test_option_rom_event_comes_first_in_rtmr1);
        tcase_add_test(tc, test_bad_input_exits_2_with_one_line_and_no_output);
        suite_add_tcase(s, tc);
        status = run_suite(s);
        free(kernel);
        return status;
}
