/* The minimal image is reproducible: two builds in different directories give
 * the same bytes, and changing one input (the command line, one file) changes
 * the manifest and exactly the outputs it should. Runs images/minimal/build.sh
 * as `make image` does; the pinned packages come from the shared cache. The
 * disk images made from it (images/disk/build.sh, `make image-disk`) are the
 * same bytes too, and follow the command line. */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "golden/golden.h"
#include "testutil.h"

#define BUILD_SCRIPT TDXH_SOURCE_DIR "/images/minimal/build.sh"
#define DISK_SCRIPT TDXH_SOURCE_DIR "/images/disk/build.sh"
#define BUILD_TIMEOUT_S 600

static const char *const disks[] = { "disk.img", "disk-uki.img" };

static const char *const outputs[] = { "vmlinuz", "initrd.img", "cmdline", "manifest.json" };

static char *build(const char *dir, const char *const *extra)
{
        const char *argv[16] = { BUILD_SCRIPT, "--out" };
        struct run_result res = { 0 };
        char *out = NULL;
        size_t n = 3;

        ck_assert_int_ge(asprintf(&out, "%s/image", dir), 0);
        argv[2] = out;
        for (size_t i = 0; extra && extra[i]; i++)
                argv[n++] = extra[i];
        argv[n] = NULL;
        run_cmd(&res, argv, BUILD_TIMEOUT_S);
        ck_assert_msg(res.status == 0, "build.sh exited %d: %s", res.status, res.err);
        run_result_free(&res);
        return out;
}

static uint8_t *read_output(const char *image, const char *name, size_t *len)
{
        char *path = NULL;
        uint8_t *data;

        ck_assert_int_ge(asprintf(&path, "%s/%s", image, name), 0);
        data = slurp(path, len);
        free(path);
        return data;
}

static bool same_output(const char *a, const char *b, const char *name)
{
        size_t la, lb;
        uint8_t *da = read_output(a, name, &la), *db = read_output(b, name, &lb);
        bool same = la == lb && memcmp(da, db, la) == 0;

        free(da);
        free(db);
        return same;
}

/* Builds the disk images of image into DIR/NAME; returns that directory. */
static char *build_disks(const char *image, const char *dir, const char *name,
                         const char *cmdline)
{
        struct run_result res = { 0 };
        char *out = NULL;

        ck_assert_int_ge(asprintf(&out, "%s/%s", dir, name), 0);
        run_cmd(&res,
                cmdline ? (const char *[]){ DISK_SCRIPT, "--image", image, "--out", out,
                                            "--cmdline", cmdline, NULL }
                        : (const char *[]){ DISK_SCRIPT, "--image", image, "--out", out, NULL },
                BUILD_TIMEOUT_S);
        ck_assert_msg(res.status == 0, "disk build.sh exited %d: %s", res.status, res.err);
        run_result_free(&res);
        return out;
}

static const char *manifest_output_sha(json_object *m, const char *which)
{
        json_object *outs, *o, *sha;

        ck_assert(json_object_object_get_ex(m, "outputs", &outs));
        ck_assert(json_object_object_get_ex(outs, which, &o));
        ck_assert(json_object_object_get_ex(o, "sha256", &sha));
        return json_object_get_string(sha);
}

/* Runs images/minimal/golden.sh on a built image; returns the directory of
 * the golden files it wrote. */
static char *compute_golden(const char *image, const char *name)
{
        const char *tdxh = getenv("TDXH_BIN");
        char *script = NULL, *out = NULL;
        struct run_result r;

        ck_assert_ptr_nonnull(tdxh);
        ck_assert_int_ge(asprintf(&script, "%s/images/minimal/golden.sh", TDXH_SOURCE_DIR), 0);
        ck_assert_int_ge(asprintf(&out, "%s.%s", image, name), 0);
        run_cmd(&r, (const char *[]){ script, image, tdxh, out, NULL }, 120);
        ck_assert_msg(r.status == 0, "golden.sh failed (%d): %s", r.status, r.err);
        run_result_free(&r);
        free(script);
        return out;
}

static void load_fake_golden(const char *image, struct golden *ret)
{
        char *dir = compute_golden(image, "golden"), *path = NULL;
        struct tdxh_err e = { 0 };

        ck_assert_int_ge(asprintf(&path, "%s/fake.json", dir), 0);
        ck_assert_msg(golden_load(path, ret, &e) == 0, "%s", e.msg);
        ck_assert(ret->regs[GOLDEN_RTMR2].known && ret->regs[GOLDEN_RTMR1].known);
        free(path);
        free(dir);
}

static const char *const golden_files[] = { "fake.json", "tdx-edk2-202411-qemu-10.1.json",
                                            "tdx-edk2-202502-qemu-10.2.json" };

START_TEST(test_image_builds_identically_in_two_directories)
{
        char *dir_a = tmpdir_make(), *dir_b = tmpdir_make();
        char *img_a = build(dir_a, NULL), *img_b = build(dir_b, NULL);
        char *path = NULL;
        json_object *m, *pkgs;

        for (size_t i = 0; i < sizeof(outputs) / sizeof(outputs[0]); i++)
                ck_assert_msg(same_output(img_a, img_b, outputs[i]), "%s differs between builds",
                              outputs[i]);
        ck_assert_int_ge(asprintf(&path, "%s/manifest.json", img_a), 0);
        m = json_object_from_file(path);
        ck_assert_ptr_nonnull(m);
        ck_assert(json_object_object_get_ex(m, "packages", &pkgs));
        ck_assert_int_ge(json_object_array_length(pkgs), 9);
        /* The figures of the report: the outputs' sha256 of this build. */
        printf("image kernel sha256 %s\nimage initrd sha256 %s\n",
               manifest_output_sha(m, "kernel"), manifest_output_sha(m, "initrd"));
        json_object_put(m);
        free(path);
        /* The committed golden files are what this image measures: a change to
         * the recipe, a pin or the agent without `make image-golden` fails here. */
        {
                char *golden = compute_golden(img_a, "golden"), *committed = NULL;

                ck_assert_int_ge(asprintf(&committed, "%s/images/minimal/golden",
                                          TDXH_SOURCE_DIR), 0);
                for (size_t i = 0; i < sizeof(golden_files) / sizeof(golden_files[0]); i++)
                        ck_assert_msg(same_output(golden, committed, golden_files[i]),
                                      "images/minimal/golden/%s is stale: run 'make image-golden'",
                                      golden_files[i]);
                free(golden);
                free(committed);
        }
        /* The disk images: the same bytes from the two builds; another
         * command line changes both (grub.cfg, the UKI's .cmdline). */
        {
                char *disk_a = build_disks(img_a, dir_a, "disks", NULL);
                char *disk_b = build_disks(img_b, dir_b, "disks", NULL);
                char *disk_c = build_disks(img_a, dir_a, "disks-cmdline", "console=ttyS0 quiet");

                for (size_t i = 0; i < sizeof(disks) / sizeof(disks[0]); i++) {
                        ck_assert_msg(same_output(disk_a, disk_b, disks[i]),
                                      "%s differs between builds", disks[i]);
                        ck_assert_msg(!same_output(disk_a, disk_c, disks[i]),
                                      "%s does not follow --cmdline", disks[i]);
                }
                free(disk_a);
                free(disk_b);
                free(disk_c);
        }
        free(img_a);
        free(img_b);
        tmpdir_remove(dir_a);
        tmpdir_remove(dir_b);
}
END_TEST

/* Moves a build out of the way of the next one; returns its new path. */
static char *keep(const char *dir, char *image, const char *name)
{
        char *to = NULL;

        ck_assert_int_ge(asprintf(&to, "%s/%s", dir, name), 0);
        ck_assert_int_eq(rename(image, to), 0);
        free(image);
        return to;
}

START_TEST(test_image_manifest_follows_cmdline_and_files)
{
        char *dir = tmpdir_make(), *extra_file = NULL, *add = NULL;
        const char *cmdline_args[] = { "--cmdline", "console=ttyS0 quiet panic=-1 tdxh.test=1",
                                       NULL };
        const char *add_args[] = { "--add", NULL, NULL };
        char *base, *cmd, *file;
        FILE *f;

        ck_assert_int_ge(asprintf(&extra_file, "%s/extra", dir), 0);
        f = fopen(extra_file, "w");
        ck_assert_ptr_nonnull(f);
        fputs("one more file\n", f);
        fclose(f);
        ck_assert_int_ge(asprintf(&add, "%s:/etc/tdxh-extra", extra_file), 0);
        add_args[1] = add;

        base = keep(dir, build(dir, NULL), "base");
        cmd = keep(dir, build(dir, cmdline_args), "cmd");
        file = build(dir, add_args);

        /* A new command line: the cmdline output and the manifest change,
         * the kernel and the initramfs do not. */
        ck_assert(!same_output(base, cmd, "cmdline"));
        ck_assert(!same_output(base, cmd, "manifest.json"));
        ck_assert(same_output(base, cmd, "vmlinuz"));
        ck_assert(same_output(base, cmd, "initrd.img"));
        /* One more file: the initramfs and the manifest change. */
        ck_assert(!same_output(base, file, "initrd.img"));
        ck_assert(!same_output(base, file, "manifest.json"));
        ck_assert(same_output(base, file, "vmlinuz"));
        ck_assert(same_output(base, file, "cmdline"));
        /* The golden prediction follows: both change RTMR2 (command line,
         * initrd); neither touches MRTD or RTMR0. */
        {
                struct golden g_base, g_cmd, g_file;

                load_fake_golden(base, &g_base);
                load_fake_golden(cmd, &g_cmd);
                load_fake_golden(file, &g_file);
                ck_assert_mem_ne(g_base.regs[GOLDEN_RTMR2].value, g_cmd.regs[GOLDEN_RTMR2].value, 48);
                ck_assert_mem_ne(g_base.regs[GOLDEN_RTMR2].value, g_file.regs[GOLDEN_RTMR2].value,
                                 48);
                ck_assert_mem_eq(g_base.regs[GOLDEN_RTMR1].value, g_cmd.regs[GOLDEN_RTMR1].value, 48);
                ck_assert_mem_eq(g_base.regs[GOLDEN_MRTD].value, g_file.regs[GOLDEN_MRTD].value, 48);
                ck_assert_mem_eq(g_base.regs[GOLDEN_RTMR0].value, g_file.regs[GOLDEN_RTMR0].value,
                                 48);
                golden_free(&g_base);
                golden_free(&g_cmd);
                golden_free(&g_file);
        }

        free(base);
        free(cmd);
        free(file);
        free(add);
        free(extra_file);
        tmpdir_remove(dir);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("image");
        TCase *tc = tcase_create("reproducible");

        tcase_set_timeout(tc, 4 * BUILD_TIMEOUT_S);
        tcase_add_test(tc, test_image_builds_identically_in_two_directories);
        tcase_add_test(tc, test_image_manifest_follows_cmdline_and_files);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
