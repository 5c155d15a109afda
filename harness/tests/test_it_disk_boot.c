/* tdxh boot of disk images on the fake platform: the minimal image's disk
 * (images/disk/build.sh: shim -> GRUB -> kernel), raw and as qcow2, boots
 * through OVMF, the agent in its initrd answers, and the evidence holds the
 * boot chain's events (the GPT, shim's MOK variables, GRUB's commands); the
 * disk file is not written. Bad disk input ends with exit 2 and one line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/digest.h"
#include "it_tdxh.h"
#include "testutil.h"

static char *disk_dir;

/* The disk images of the test's minimal image, and a qcow2 copy. */
static void disk_setup(void)
{
        struct run_result r;
        char *raw = NULL, *qcow2 = NULL;

        it_image_setup();
        ck_assert_int_ge(asprintf(&disk_dir, "%s/disks", it_work), 0);
        run_cmd(&r, (const char *[]){ TDXH_SOURCE_DIR "/images/disk/build.sh", "--image", it_image,
                                      "--out", disk_dir, NULL },
                600);
        ck_assert_msg(r.status == 0, "images/disk/build.sh failed (%d): %s", r.status, r.err);
        run_result_free(&r);
        ck_assert_int_ge(asprintf(&raw, "%s/disk.img", disk_dir), 0);
        ck_assert_int_ge(asprintf(&qcow2, "%s/disk.qcow2", disk_dir), 0);
        run_cmd(&r, (const char *[]){ "qemu-img", "convert", "-O", "qcow2", raw, qcow2, NULL }, 120);
        ck_assert_msg(r.status == 0, "qemu-img convert failed (%d): %s", r.status, r.err);
        run_result_free(&r);
        free(raw);
        free(qcow2);
}

static void disk_teardown(void)
{
        free(disk_dir);
        disk_dir = NULL;
        it_image_teardown();
}

static char *disk_path(const char *name)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", disk_dir, name), 0);
        return p;
}

static bool has_bytes(const uint8_t *hay, size_t n, const char *needle)
{
        size_t k = strlen(needle);

        for (size_t i = 0; i + k <= n; i++)
                if (memcmp(hay + i, needle, k) == 0)
                        return true;
        return false;
}

/* Boots one disk against the directory image's golden file (a direct kernel
 * boot, so a mismatch) and checks the boot chain's events in the log. */
static void boot_disk(const char *name)
{
        char *disk = disk_path(name), *golden = NULL, *run = NULL, *log = NULL;
        uint8_t before[SHA256_LEN], after[SHA256_LEN];
        struct tdxh_err e = { 0 };
        struct run_result r;
        uint8_t *data;
        size_t len;

        ck_assert_int_ge(asprintf(&golden, "%s/golden/fake.json", it_image), 0);
        ck_assert_int_ge(asprintf(&run, "%s/run-%s", it_work, name), 0);
        ck_assert_int_eq(digest_file(DIGEST_SHA256, disk, before, NULL, &e), 0);
        run_tdxh(&r, (const char *[]){ "boot", "--image", disk, "--golden", golden, "--out", run,
                                       NULL });
        ck_assert_msg(r.status == 1, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "verdict: mismatch"));
        ck_assert_ptr_nonnull(strstr(r.out, "grub-cmd"));
        run_result_free(&r);
        ck_assert_int_ge(asprintf(&log, "%s/evidence/binary_bios_measurements", run), 0);
        data = slurp(log, &len);
        ck_assert_msg(has_bytes(data, len, "EFI PART"), "no GPT event");
        ck_assert_msg(has_bytes(data, len, "MokListX"), "no shim MOK event");
        ck_assert_msg(has_bytes(data, len, "grub_cmd: linuxefi /vmlinuz console=ttyS0"),
                      "no GRUB command event");
        ck_assert_msg(has_bytes(data, len, "kernel_cmdline: /vmlinuz console=ttyS0"),
                      "no GRUB kernel command line event");
        ck_assert_int_eq(digest_file(DIGEST_SHA256, disk, after, NULL, &e), 0);
        ck_assert_msg(memcmp(before, after, sizeof(before)) == 0, "%s was written", name);
        free(data);
        free(log);
        free(run);
        free(golden);
        free(disk);
}

START_TEST(test_disk_boot_raw_shows_the_boot_chain)
{
        boot_disk("disk.img");
}
END_TEST

START_TEST(test_disk_boot_qcow2_shows_the_boot_chain)
{
        boot_disk("disk.qcow2");
}
END_TEST

START_TEST(test_disk_boot_bad_input_exits_2_with_one_line)
{
        char *raw = disk_path("disk.img"), *junk = disk_path("junk.img"), *golden = NULL;
        struct {
                const char *argv[8];
                const char *fragment;
        } cases[] = {
                { { "boot", "--image", junk, "--golden", NULL, NULL }, "offset 512: not an image" },
                { { "boot", "--image", raw, NULL }, "--golden: a disk image has no golden/ folder" },
                { { "boot", "--image", raw, "--golden", NULL, "--cmdline", "quiet", NULL },
                  "--cmdline: a raw disk image carries its own command line" },
        };
        FILE *f = fopen(junk, "w");

        ck_assert_ptr_nonnull(f);
        fputs("not a disk\n", f);
        fclose(f);
        ck_assert_int_ge(asprintf(&golden, "%s/golden/fake.json", it_image), 0);
        cases[0].argv[4] = golden;
        cases[2].argv[4] = golden;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct run_result r;
                const char *nl;

                run_tdxh(&r, cases[i].argv);
                nl = strchr(r.err, '\n');
                ck_assert_msg(r.status == 2, "case %zu: exit %d: %s", i, r.status, r.err);
                ck_assert_msg(strstr(r.err, cases[i].fragment), "case %zu: %s", i, r.err);
                ck_assert_msg(nl && nl[1] == '\0', "case %zu: more than one line: %s", i, r.err);
                run_result_free(&r);
        }
        free(golden);
        free(junk);
        free(raw);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("disk_boot");
        TCase *tc = tcase_create("disk_boot");

        if (access("/usr/share/ovmf/OVMF.fd", R_OK) != 0)
                return 77;
        tcase_add_unchecked_fixture(tc, disk_setup, disk_teardown);
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, test_disk_boot_bad_input_exits_2_with_one_line);
        tcase_add_test(tc, test_disk_boot_raw_shows_the_boot_chain);
        tcase_add_test(tc, test_disk_boot_qcow2_shows_the_boot_chain);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
