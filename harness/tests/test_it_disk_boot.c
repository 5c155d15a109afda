/* Disk images on the fake platform, predicted and booted: the minimal
 * image's disks (images/disk/build.sh: shim -> GRUB -> kernel, and a UKI)
 * match `tdxh golden compute --disk` of themselves event for event, raw and
 * as qcow2, and the disk file is not written. A disk whose GRUB command line
 * or kernel changed is a mismatch whose explanation names what changed, on
 * both boot paths. `tdxh run` runs the measure-extend-quote-seal scenario on
 * a disk with its golden file. Bad disk input ends with exit 2 and one line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/digest.h"
#include "it_tdxh.h"
#include "testutil.h"

#define CHANGED_ARG "tdxh.changed=1"

static char *disk_dir;

static char *disk_path(const char *name)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", disk_dir, name), 0);
        return p;
}

static void build_disks(const char *image, const char *sub, const char *cmdline)
{
        char *out = disk_path(sub);
        const char *argv[] = { TDXH_SOURCE_DIR "/images/disk/build.sh", "--image", image, "--out",
                               out, cmdline ? "--cmdline" : NULL, cmdline, NULL };
        struct run_result r;

        run_cmd(&r, argv, 600);
        ck_assert_msg(r.status == 0, "images/disk/build.sh %s failed (%d): %s", sub, r.status, r.err);
        run_result_free(&r);
        free(out);
}

static void run_ok(const char *const *argv)
{
        struct run_result r;

        run_cmd(&r, argv, 120);
        ck_assert_msg(r.status == 0, "%s failed (%d): %s", argv[0], r.status, r.err);
        run_result_free(&r);
}

/* The golden file of one disk, as a release engineer makes it. */
static void compute_golden(const char *disk_name, const char *golden_name)
{
        char *disk = disk_path(disk_name), *golden = disk_path(golden_name);
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "golden", "compute", "--disk", disk, "--profile", "fake",
                                       "--firmware", "/usr/share/ovmf/OVMF.fd", "--memory", "2G",
                                       "-o", golden, NULL });
        ck_assert_msg(r.status == 0, "golden compute --disk %s: exit %d: %s", disk_name, r.status,
                      r.err);
        run_result_free(&r);
        free(golden);
        free(disk);
}

/* The disks of the test's image; the same with another kernel command
 * line; the same with a kernel one byte longer (GRUB and the UKI stub hash
 * the whole file); a qcow2 copy; and the golden files of the good disks. */
static void disk_setup(void)
{
        char *changed_image = NULL, *kernel = NULL, *raw, *qcow2, *cmdline = NULL;
        FILE *f;

        it_image_setup();
        ck_assert_int_ge(asprintf(&disk_dir, "%s/disks", it_work), 0);
        build_disks(it_image, "good", NULL);

        ck_assert_int_ge(asprintf(&changed_image, "%s/image-kernel", it_work), 0);
        run_ok((const char *[]){ "cp", "-r", it_image, changed_image, NULL });
        ck_assert_int_ge(asprintf(&kernel, "%s/vmlinuz", changed_image), 0);
        f = fopen(kernel, "a");
        ck_assert_ptr_nonnull(f);
        fputc(0, f);
        ck_assert_int_eq(fclose(f), 0);
        build_disks(changed_image, "kernel", NULL);

        {
                size_t len;
                char *text, *path = NULL;

                ck_assert_int_ge(asprintf(&path, "%s/cmdline", it_image), 0);
                text = (char *)slurp(path, &len);
                while (len && (text[len - 1] == '\n' || text[len - 1] == ' '))
                        text[--len] = '\0';
                ck_assert_int_ge(asprintf(&cmdline, "%s " CHANGED_ARG, text), 0);
                free(text);
                free(path);
        }
        build_disks(it_image, "cmdline", cmdline);

        raw = disk_path("good/disk.img");
        qcow2 = disk_path("good/disk.qcow2");
        run_ok((const char *[]){ "qemu-img", "convert", "-O", "qcow2", raw, qcow2, NULL });
        compute_golden("good/disk.img", "shim-grub.json");
        compute_golden("good/disk-uki.img", "uki.json");
        free(qcow2);
        free(raw);
        free(cmdline);
        free(kernel);
        free(changed_image);
}

static void disk_teardown(void)
{
        free(disk_dir);
        disk_dir = NULL;
        it_image_teardown();
}

/* Boots a disk against a golden file; returns tdxh's output (to free). */
static char *boot_disk(const char *disk_name, const char *golden_name, int want_status)
{
        char *disk = disk_path(disk_name), *golden = disk_path(golden_name), *run = NULL, *out;
        uint8_t before[SHA256_LEN], after[SHA256_LEN];
        struct tdxh_err e = { 0 };
        struct run_result r;

        ck_assert_int_ge(asprintf(&run, "%s/run-%s", it_work, disk_name), 0);
        for (char *c = run + strlen(it_work) + 1; *c; c++)
                if (*c == '/')
                        *c = '-';
        ck_assert_int_eq(digest_file(DIGEST_SHA256, disk, before, NULL, &e), 0);
        run_tdxh(&r, (const char *[]){ "boot", "--image", disk, "--golden", golden, "--out", run,
                                       NULL });
        ck_assert_msg(r.status == want_status, "%s: exit %d, not %d\n%s\n%s", disk_name, r.status,
                      want_status, r.out, r.err);
        ck_assert_int_eq(digest_file(DIGEST_SHA256, disk, after, NULL, &e), 0);
        ck_assert_msg(memcmp(before, after, sizeof(before)) == 0, "%s was written", disk_name);
        out = r.out;
        r.out = NULL;
        run_result_free(&r);
        free(run);
        free(golden);
        free(disk);
        return out;
}

static void assert_match(const char *disk_name, const char *golden_name)
{
        char *out = boot_disk(disk_name, golden_name, 0);

        ck_assert_msg(strstr(out, "result: the evidence matches the golden file\n"), "%s", out);
        for (int i = 0; i < 3; i++) {
                char line[16];

                snprintf(line, sizeof(line), "RTMR%d: match", i);
                ck_assert_msg(strstr(out, line), "%s not predicted or not matched:\n%s", line, out);
        }
        free(out);
}

START_TEST(test_disk_shim_grub_matches_its_prediction)
{
        assert_match("good/disk.img", "shim-grub.json");
}
END_TEST

START_TEST(test_disk_qcow2_matches_the_raw_disks_prediction)
{
        assert_match("good/disk.qcow2", "shim-grub.json");
}
END_TEST

START_TEST(test_disk_uki_matches_its_prediction)
{
        assert_match("good/disk-uki.img", "uki.json");
}
END_TEST

/* The scenario of `make run` on the UKI disk: the quote and the sealing hold
 * for a disk's registers as for a directory image's. */
START_TEST(test_disk_run_scenario_passes)
{
        char *disk = disk_path("good/disk-uki.img"), *golden = disk_path("uki.json"), *out = NULL;
        struct run_result r;

        ck_assert_int_ge(asprintf(&out, "%s/run-scenario", it_work), 0);
        run_tdxh(&r, (const char *[]){ "run", TDXH_SOURCE_DIR "/scenarios/measure-extend-quote-seal.yaml",
                                       "--image", disk, "--golden", golden, "--out", out, NULL });
        ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_msg(strstr(r.out, "pass  boot: the guest booted (boot-1: disk "), "%s", r.out);
        ck_assert_msg(strstr(r.out, "pass  measure: MRTD and RTMR0-2 match"), "%s", r.out);
        ck_assert_msg(strstr(r.out, "pass  unseal: the broker released 'db-key'"), "%s", r.out);
        run_result_free(&r);
        free(out);
        free(golden);
        free(disk);
}
END_TEST

/* A changed disk against the good disk's golden file: what the explanation
 * must say. */
static const struct {
        const char *disk, *golden;
        const char *fragments[3];
} changed_cases[] = {
        { "cmdline/disk.img", "shim-grub.json",
          { "RTMR2: MISMATCH", "command line changed", CHANGED_ARG } },
        { "kernel/disk.img", "shim-grub.json",
          { "RTMR2: MISMATCH", "kernel image changed", "SHA-384 of the file of the kernel" } },
        { "kernel/disk-uki.img", "uki.json",
          { "RTMR1: MISMATCH", "kernel image changed", "Authenticode hash of the kernel" } },
        { "cmdline/disk-uki.img", "uki.json",
          { "RTMR2: MISMATCH", "command line changed", "uki-section '.cmdline' changed" } },
};

START_TEST(test_disk_change_is_named)
{
        char *out = boot_disk(changed_cases[_i].disk, changed_cases[_i].golden, 1);

        for (size_t k = 0; k < ELEMENTSOF(changed_cases[_i].fragments); k++)
                ck_assert_msg(strstr(out, changed_cases[_i].fragments[k]), "%s: no '%s' in:\n%s",
                              changed_cases[_i].disk, changed_cases[_i].fragments[k], out);
        free(out);
}
END_TEST

START_TEST(test_disk_boot_bad_input_exits_2_with_one_line)
{
        char *raw = disk_path("good/disk.img"), *junk = disk_path("junk.img");
        char *golden = disk_path("shim-grub.json"), *rout = disk_path("run-bad");
        const struct {
                const char *argv[14];
                const char *fragment;
        } cases[] = {
                { { "boot", "--image", junk, "--golden", golden, NULL }, "offset 512: not an image" },
                { { "boot", "--image", raw, NULL }, "--golden: a disk image has no golden/ folder" },
                { { "boot", "--image", raw, "--golden", golden, "--cmdline", "quiet", NULL },
                  "--cmdline: a raw disk image carries its own command line" },
                { { "golden", "compute", "--disk", junk, "--profile", "fake", "--firmware",
                    "/usr/share/ovmf/OVMF.fd", "--memory", "2G", NULL },
                  "junk.img" },
                { { "golden", "compute", "--disk", raw, "--kernel", raw, "--profile", "fake",
                    "--firmware", "/usr/share/ovmf/OVMF.fd", "--memory", "2G", NULL },
                  "--disk and --kernel exclude each other" },
                { { "golden", "compute", "--disk", raw, "--profile", "tdx-edk2-2022-qemu-pre",
                    "--firmware",
                    "/usr/share/ovmf/OVMF.fd", "--memory", "2G", NULL },
                  "only the fake platform's disk boot is predicted" },
                { { "run", TDXH_SOURCE_DIR "/scenarios/measure-extend-quote-seal.yaml", "--image",
                    raw, "--out", rout, NULL },
                  "a disk image has no golden/ folder: give --golden FILE" },
                { { "run", TDXH_SOURCE_DIR "/scenarios/seal-tamper-cmdline.yaml", "--image", raw,
                    "--golden", golden, "--out", rout, NULL },
                  "cmdline: a disk image carries its own kernel, initrd and command line" },
        };
        FILE *f = fopen(junk, "w");

        ck_assert_ptr_nonnull(f);
        fputs("not a disk\n", f);
        fclose(f);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct run_result r;
                const char *nl;

                run_tdxh(&r, cases[i].argv);
                nl = strchr(r.err, '\n');
                ck_assert_msg(r.status == 2, "case %zu: exit %d: %s", i, r.status, r.err);
                ck_assert_msg(strstr(r.err, cases[i].fragment), "case %zu: %s", i, r.err);
                /* A usage error adds git's "Try '… --help'." line. */
                ck_assert_msg(nl && (nl[1] == '\0' || strncmp(nl + 1, "Try '", 5) == 0),
                              "case %zu: more than one line: %s", i, r.err);
                run_result_free(&r);
        }
        free(rout);
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
        tcase_add_test(tc, test_disk_shim_grub_matches_its_prediction);
        tcase_add_test(tc, test_disk_qcow2_matches_the_raw_disks_prediction);
        tcase_add_test(tc, test_disk_uki_matches_its_prediction);
        tcase_add_test(tc, test_disk_run_scenario_passes);
        tcase_add_loop_test(tc, test_disk_change_is_named, 0, (int)ELEMENTSOF(changed_cases));
        suite_add_tcase(s, tc);
        return run_suite(s);
}
