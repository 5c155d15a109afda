/* A NIC's option ROM on the fake platform, end to end: the minimal image
 * booted with `tdxh boot --nic virtio-net-pci` measures the EFI driver of
 * QEMU's default ROM (Debian's ipxe-qemu) into RTMR1, and a golden file
 * computed with `golden compute --option-rom 00:02.0=ROM` predicts that
 * event and RTMR1 exactly; without --option-rom the explanation names the
 * device and the option, and tdxh reproduce boots the same NIC again. A ROM
 * built here with its driver EFI-compressed shows that what OVMF
 * decompresses and measures is what the prediction decompresses and
 * hashes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "core/hex.h"
#include "evidence/eventlog.h"
#include "golden/golden.h"
#include "measure/option_rom.h"
#include "it_tdxh.h"
#include "option_rom_fixture.h"
#include "testutil.h"

#define VIRTIO_ROM "/usr/lib/ipxe/qemu/efi-virtio.rom"

static char *work_path(const char *name)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", it_work, name), 0);
        return p;
}

/* golden compute for the image as images/minimal/golden.sh does it, plus
 * the ROM of 00:02.0; the golden file's path. */
static char *golden_with_rom(const char *name, const char *rom)
{
        char *out = work_path(name), *kernel = NULL, *initrd = NULL, *cmdfile = NULL, *cmdline;
        char arg[4200];
        size_t len;
        struct run_result r;

        ck_assert_int_ge(asprintf(&kernel, "%s/vmlinuz", it_image), 0);
        ck_assert_int_ge(asprintf(&initrd, "%s/initrd.img", it_image), 0);
        ck_assert_int_ge(asprintf(&cmdfile, "%s/cmdline", it_image), 0);
        cmdline = (char *)slurp(cmdfile, &len);
        cmdline[strcspn(cmdline, "\n")] = '\0';
        snprintf(arg, sizeof(arg), "00:02.0=%s", rom);
        run_tdxh(&r, (const char *[]){ "--quiet", "golden", "compute", "--profile", "fake",
                                       "--firmware", "/usr/share/ovmf/OVMF.fd", "--kernel", kernel,
                                       "--initrd", initrd, "--cmdline", cmdline, "--memory", "2G",
                                       "--vcpus", "1", "--option-rom", arg, "-o", out, NULL });
        ck_assert_msg(r.status == 0, "golden compute: exit %d: %s", r.status, r.err);
        run_result_free(&r);
        free(cmdline);
        free(cmdfile);
        free(initrd);
        free(kernel);
        return out;
}

/* The boot's RTMR1 and option-rom event against the golden file: the same
 * register value, the same digest and device path. */
static void assert_observed_matches(const char *run, const char *golden_path, const char *offset)
{
        struct golden g = { 0 };
        struct evlog log = { 0 };
        struct tdxh_err e = { 0 };
        const struct golden_event *want = NULL;
        char *log_path = NULL, hex[97];
        json_object *regs = it_load_json(run, "evidence/registers.json"), *v;
        size_t found = 0;

        ck_assert_msg(golden_load(golden_path, &g, &e) == 0, "%s", e.msg);
        for (size_t i = 0; i < g.n_events && !want; i++)
                if (strcmp(g.events[i].what, "option-rom") == 0)
                        want = &g.events[i];
        ck_assert_ptr_nonnull(want);
        ck_assert_str_eq(want->detail, offset);
        ck_assert(json_object_object_get_ex(regs, "rtmr1", &v));
        hex_encode(g.regs[GOLDEN_RTMR1].value, 48, hex);
        ck_assert_str_eq(json_object_get_string(v), hex);
        ck_assert_int_ge(asprintf(&log_path, "%s/evidence/binary_bios_measurements", run), 0);
        ck_assert_msg(evlog_load_file(log_path, &log, &e) == 0, "%s", e.msg);
        for (size_t i = 0; i < log.n_events; i++) {
                if (strcmp(log.events[i].what, "option-rom") != 0)
                        continue;
                found++;
                ck_assert_int_eq(log.events[i].rtmr, 1);
                ck_assert_mem_eq(log.events[i].sha384, want->digest, 48);
                ck_assert_ptr_nonnull(memmem(log.events[i].data, log.events[i].data_len,
                                             "\x02\x01\x0c\x00", 4)); /* ACPI PciRoot node */
        }
        ck_assert_uint_eq(found, 1);
        evlog_free(&log);
        json_object_put(regs);
        golden_free(&g);
        free(log_path);
}

static void boot(const char *const *argv, int want_status, struct run_result *r)
{
        run_tdxh(r, argv);
        ck_assert_msg(r->status == want_status, "exit %d (want %d)\n%s\n%s", r->status, want_status,
                      r->out, r->err);
}

START_TEST(test_predicted_rom_matches_the_boot)
{
        char *golden = golden_with_rom("golden-virtio.json", VIRTIO_ROM), *run = work_path("run-nic");
        struct run_result r;

        boot((const char *[]){ "boot", "--image", it_image, "--golden", golden, "--nic",
                               "virtio-net-pci", "--out", run, NULL },
             0, &r);
        ck_assert_ptr_nonnull(strstr(r.out, "verdict: match"));
        run_result_free(&r);
        assert_observed_matches(run, golden, "PciRoot(0x0)/Pci(0x2,0x0)/Offset(0x12800,0x3cdff)");
        free(run);
        free(golden);
}
END_TEST

START_TEST(test_unpredicted_rom_is_named_with_the_option)
{
        char *run = work_path("run-nic-unpredicted"), *again = work_path("run-nic-again");
        struct run_result r;

        /* The image's own golden file has no NIC. */
        boot((const char *[]){ "boot", "--image", it_image, "--nic", "virtio-net-pci", "--out", run,
                               NULL },
             1, &r);
        ck_assert_msg(strstr(r.out, "RTMR1: MISMATCH") &&
                              strstr(r.out, "PCI option ROM measured, not predicted") &&
                              strstr(r.out, "PCI device 00:02.0") &&
                              strstr(r.out, "--option-rom 00:02.0=" VIRTIO_ROM) &&
                              strstr(r.out, "romfile="),
                      "%s", r.out);
        ck_assert_ptr_nonnull(strstr(r.out, "RTMR0: match"));
        ck_assert_ptr_nonnull(strstr(r.out, "RTMR2: match"));
        run_result_free(&r);
        /* The run records its NIC: booted again, the same RTMR1 comes back. */
        run_tdxh(&r, (const char *[]){ "reproduce", run, "--out", again, NULL });
        ck_assert_msg(r.status == 0 && strstr(r.out, "every register is the same: the result reproduces"),
                      "exit %d\n%s\n%s", r.status, r.out, r.err);
        run_result_free(&r);
        free(again);
        free(run);
}
END_TEST

START_TEST(test_nic_without_rom_measures_nothing_more)
{
        char *run = work_path("run-nic-norom");
        struct run_result r;

        boot((const char *[]){ "boot", "--image", it_image, "--nic", "virtio-net-pci,romfile=", "--out",
                               run, NULL },
             0, &r);
        run_result_free(&r);
        free(run);
}
END_TEST

/* A one-image ROM holding the driver of efi-virtio.rom, EFI-compressed. */
static char *compressed_rom(void)
{
        size_t len, pe_len, s_len, cap, out_len;
        uint8_t *rom = slurp(VIRTIO_ROM, &len), *pe = NULL, *s, *out;
        struct rom_img_spec img = { .code_type = PCI_CODE_TYPE_EFI, .compression = 1 };
        struct option_rom r = { 0 };
        struct tdxh_err e = { 0 };
        char *path = work_path("virtio-compressed.rom");

        ck_assert_msg(option_rom_parse(rom, len, &r, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(option_rom_efi_image(rom, len, &r.v[1], &pe, &pe_len, &e), 0);
        s = efi_literal_stream(pe, pe_len, &s_len);
        img.payload = s;
        img.payload_len = s_len;
        cap = s_len + 1024;
        out = malloc(cap);
        ck_assert_ptr_nonnull(out);
        out_len = rom_build(out, cap, &img, 1);
        ck_assert_int_eq(file_write_atomic(path, out, out_len, 0644, NULL), 0);
        option_rom_free(&r);
        free(out);
        free(s);
        free(pe);
        free(rom);
        return path;
}

START_TEST(test_compressed_rom_matches_the_boot)
{
        char *rom = compressed_rom(), *golden = golden_with_rom("golden-compressed.json", rom);
        char *run = work_path("run-nic-compressed"), *nic = NULL;
        struct run_result r;

        ck_assert_int_ge(asprintf(&nic, "virtio-net-pci,romfile=%s", rom), 0);
        boot((const char *[]){ "boot", "--image", it_image, "--golden", golden, "--nic", nic, "--out",
                               run, NULL },
             0, &r);
        run_result_free(&r);
        assert_observed_matches(run, golden, "PciRoot(0x0)/Pci(0x2,0x0)/Offset(0x0,0x2a7ff)");
        free(nic);
        free(run);
        free(golden);
        free(rom);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("option_rom_boot");
        TCase *tc = tcase_create("option_rom_boot");

        if (access("/usr/share/ovmf/OVMF.fd", R_OK) != 0 || access(VIRTIO_ROM, R_OK) != 0) {
                fprintf(stderr, "SKIP: needs OVMF and ipxe-qemu (scripts/install-deps.sh)\n");
                return 77;
        }
        tcase_add_unchecked_fixture(tc, it_image_setup, it_image_teardown);
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, test_predicted_rom_matches_the_boot);
        tcase_add_test(tc, test_unpredicted_rom_is_named_with_the_option);
        tcase_add_test(tc, test_nic_without_rom_measures_nothing_more);
        tcase_add_test(tc, test_compressed_rom_matches_the_boot);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
