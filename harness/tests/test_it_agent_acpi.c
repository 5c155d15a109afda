/* `tdxh golden compute --qemu` against a real boot of the minimal image on
 * the fake platform: the golden file it writes matches the boot event by
 * event (tdxh boot --golden), and the three ACPI blobs it read from the
 * paused QEMU are, byte for byte (by SHA-384), the ones the booted guest
 * reads from fw_cfg, which are the ones the firmware was given. Without a
 * boot: the digests recorded from such a guest (tests/data/fake-acpi), a
 * different machine shape giving different tables, and a TDX profile that
 * this QEMU cannot build refused with exit 3. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agent_vm.h"
#include "core/digest.h"
#include "core/hex.h"
#include "it_tdxh.h"
#include "testutil.h"

#define REQUEST_TIMEOUT_S 180
#define RECORDED TDXH_TEST_DATA_DIR "/fake-acpi/sha384.txt"

static const char *const blob_files[3] = { "table-loader", "rsdp", "tables" };
static const char *const blob_names[3] = { "etc/table-loader", "etc/acpi/rsdp", "etc/acpi/tables" };

/* golden compute --qemu with the image's parts; the dump's SHA-384s in hex. */
static void compute(const char *dir, const char *memory, const char *vcpus, char hex[3][97])
{
        char *kernel = NULL, *initrd = NULL, *cmdline_path = NULL, *dump = NULL, *out = NULL;
        char *cmdline;
        struct run_result r;

        ck_assert_int_ge(asprintf(&kernel, "%s/vmlinuz", it_image), 0);
        ck_assert_int_ge(asprintf(&initrd, "%s/initrd.img", it_image), 0);
        ck_assert_int_ge(asprintf(&cmdline_path, "%s/cmdline", it_image), 0);
        ck_assert_int_ge(asprintf(&dump, "%s/acpi", dir), 0);
        ck_assert_int_ge(asprintf(&out, "%s/golden.json", dir), 0);
        cmdline = (char *)slurp(cmdline_path, NULL);
        cmdline[strcspn(cmdline, "\n")] = '\0';
        run_tdxh(&r, (const char *[]){ "golden", "compute", "--profile", "fake", "--firmware",
                                       VM_OVMF, "--kernel", kernel, "--initrd", initrd,
                                       "--cmdline", cmdline, "--memory", memory, "--vcpus", vcpus,
                                       "--qemu", VM_QEMU, "--acpi-dump", dump, "-o", out, NULL });
        ck_assert_msg(r.status == 0, "golden compute --qemu failed (%d): %s", r.status, r.err);
        run_result_free(&r);
        for (int i = 0; i < 3; i++) {
                char *path = NULL;
                uint8_t d[SHA384_LEN];
                struct tdxh_err e = { 0 };

                ck_assert_int_ge(asprintf(&path, "%s/%s", dump, blob_files[i]), 0);
                ck_assert_msg(digest_file(DIGEST_SHA384, path, d, NULL, &e) == 0, "%s", e.msg);
                hex_encode(d, SHA384_LEN, hex[i]);
                free(path);
        }
        free(kernel);
        free(initrd);
        free(cmdline_path);
        free(cmdline);
        free(dump);
        free(out);
}

START_TEST(test_acpi_qemu_matches_the_booted_guest)
{
        char *dir = tmpdir_make(), *golden = NULL, *run = NULL, hex[3][97];
        static const uint8_t attributes[8] = { 0x00, 0x00, 0x00, 0x10 };
        uint8_t mrtd[48] = { 0 };
        struct run_result r;

        compute(dir, VM_MEMORY, "1", hex);

        /* event by event, RTMR0 included: tdxh boot against that golden file */
        ck_assert_int_ge(asprintf(&golden, "%s/golden.json", dir), 0);
        ck_assert_int_ge(asprintf(&run, "%s/run", dir), 0);
        run_tdxh(&r, (const char *[]){ "boot", "--image", it_image, "--golden", golden,
                                       "--memory", VM_MEMORY, "--vcpus", "1", "--out", run,
                                       NULL });
        ck_assert_msg(r.status == 0, "tdxh boot against the --qemu golden file: exit %d\n%s%s",
                      r.status, r.out, r.err);
        run_result_free(&r);

        /* the blobs themselves, as the guest reads them from fw_cfg */
        vm_init();
        vm_start(it_image, mrtd, attributes);
        for (int i = 0; i < 3; i++) {
                char *req = fmt("{\"id\": %d, \"op\": \"digest\", \"path\": "
                                "\"/sys/firmware/qemu_fw_cfg/by_name/%s/raw\"}", i, blob_names[i]);
                json_object *o = vm_call(req, REQUEST_TIMEOUT_S);

                resp_expect_ok(o);
                printf("%s guest %s --qemu %s\n", blob_names[i], resp_str(o, "sha384"), hex[i]);
                ck_assert_str_eq(resp_str(o, "sha384"), hex[i]);
                json_object_put(o);
                free(req);
        }
        json_object_put(vm_call("{\"id\": 9, \"op\": \"poweroff\"}", REQUEST_TIMEOUT_S));
        free(golden);
        free(run);
        tmpdir_remove(dir);
}
END_TEST

/* The recorded digests hold for the QEMU and OVMF they were recorded with. */
START_TEST(test_acpi_qemu_matches_recorded_digests)
{
        char *dir = tmpdir_make(), *text = (char *)slurp(RECORDED, NULL), hex[3][97];
        const char *argv[] = { VM_QEMU, "--version", NULL };
        char *qemu_line = strstr(text, "\nqemu "), version[128] = "";
        struct run_result r;

        ck_assert_ptr_nonnull(qemu_line);
        sscanf(qemu_line + 6, "%127s", version);
        run_cmd(&r, argv, 30);
        if (!strstr(r.out, version)) {
                printf("skipped: %s is not QEMU %s", VM_QEMU, version);
                run_result_free(&r);
                free(text);
                tmpdir_remove(dir);
                return;
        }
        run_result_free(&r);
        compute(dir, VM_MEMORY, "1", hex);
        for (int i = 0; i < 3; i++) {
                char *line = fmt("\n%s %s\n", blob_names[i], hex[i]);

                ck_assert_msg(strstr(text, line), "%s: --qemu gives %s, not the recorded digest",
                              blob_names[i], hex[i]);
                free(line);
        }
        free(text);
        tmpdir_remove(dir);
}
END_TEST

/* The prediction follows the machine: the MADT lists the vCPUs, the DSDT's
 * 64-bit window sits above RAM. */
START_TEST(test_acpi_qemu_follows_the_machine_shape)
{
        static const struct { const char *memory, *vcpus; } shapes[] = {
                { "1G", "1" }, { "1G", "2" }, { "6G", "1" },
        };
        char hex[3][3][97];

        for (size_t s = 0; s < 3; s++) {
                char *dir = tmpdir_make();

                compute(dir, shapes[s].memory, shapes[s].vcpus, hex[s]);
                tmpdir_remove(dir);
        }
        ck_assert_str_ne(hex[0][2], hex[1][2]);
        ck_assert_str_ne(hex[0][2], hex[2][2]);
        ck_assert_str_ne(hex[1][2], hex[2][2]);
}
END_TEST

START_TEST(test_acpi_qemu_refuses_a_td_it_cannot_build)
{
        const char *argv[] = { VM_QEMU, "-object", "help", NULL };
        struct run_result r;

        run_cmd(&r, argv, 30);
        if (strstr(r.out, "tdx-guest")) {
                printf("skipped: this QEMU can build a TD's machine");
                run_result_free(&r);
                return;
        }
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ "golden", "compute", "--profile",
                                       "tdx-edk2-202411-qemu-10.1", "--firmware", VM_OVMF,
                                       "--memory", "1G", "--qemu", VM_QEMU, NULL });
        ck_assert_int_eq(r.status, 3);
        ck_assert_ptr_nonnull(strstr(r.err, "no tdx-guest object"));
        ck_assert_ptr_null(strchr(r.err, '\n') ? strchr(strchr(r.err, '\n') + 1, '\n') : NULL);
        ck_assert_str_eq(r.out, "");
        run_result_free(&r);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("acpi-qemu");
        TCase *tc = tcase_create("fake-platform");

        if (!vm_platform_present())
                return 77;
        /* one image for every case: building it is the slow part */
        tcase_add_unchecked_fixture(tc, it_image_setup, it_image_teardown);
        tcase_set_timeout(tc, 900);
        tcase_add_test(tc, test_acpi_qemu_matches_recorded_digests);
        tcase_add_test(tc, test_acpi_qemu_follows_the_machine_shape);
        tcase_add_test(tc, test_acpi_qemu_refuses_a_td_it_cannot_build);
        tcase_add_test(tc, test_acpi_qemu_matches_the_booted_guest);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
