/* Image kinds told from content (measure/disk_image.h): a directory, a raw
 * disk with "EFI PART" at offset 512, a qcow2 magic; anything else, a short
 * file or a missing path is refused with the path named. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "measure/disk_image.h"
#include "testutil.h"

static void write_bytes(const char *path, const void *data, size_t len)
{
        FILE *f = fopen(path, "wb");

        ck_assert_ptr_nonnull(f);
        if (len)
                ck_assert_uint_eq(fwrite(data, 1, len, f), len);
        ck_assert_int_eq(fclose(f), 0);
}

START_TEST(test_disk_image_kinds_from_content)
{
        static uint8_t gpt[1024], qcow2[1024], mbr_only[1024], short_gpt[515];
        static const struct {
                const char *name;
                const uint8_t *data;
                size_t len;
                int r;
                enum disk_image_kind kind;
                const char *msg;
        } cases[] = {
                { "disk.img", gpt, sizeof(gpt), 0, IMAGE_KIND_RAW_GPT, NULL },
                { "disk.qcow2", qcow2, sizeof(qcow2), 0, IMAGE_KIND_QCOW2, NULL },
                { "mbr.img", mbr_only, sizeof(mbr_only), -EINVAL, 0, "offset 512: not an image" },
                { "short.img", short_gpt, sizeof(short_gpt), -EINVAL, 0, "offset 512" },
                { "empty.img", NULL, 0, -EINVAL, 0, "offset 512" },
        };
        char *dir = tmpdir_make(), *path = NULL;
        enum disk_image_kind kind;
        struct tdxh_err e = { 0 };

        memcpy(gpt + 512, "EFI PART", 8);
        memcpy(qcow2, "QFI\xfb", 4);
        mbr_only[510] = 0x55;
        mbr_only[511] = 0xaa;
        memcpy(short_gpt + 512, "EFI", 3);
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                ck_assert_int_ge(asprintf(&path, "%s/%s", dir, cases[i].name), 0);
                write_bytes(path, cases[i].data, cases[i].len);
                err_clear(&e);
                ck_assert_int_eq(disk_image_detect(path, &kind, &e), cases[i].r);
                if (cases[i].r == 0)
                        ck_assert_int_eq(kind, cases[i].kind);
                else
                        ck_assert_msg(strstr(e.msg, path) && strstr(e.msg, cases[i].msg),
                                      "%s: %s", cases[i].name, e.msg);
                free(path);
        }
        ck_assert_int_eq(disk_image_detect(dir, &kind, &e), 0);
        ck_assert_int_eq(kind, IMAGE_KIND_DIR);
        ck_assert_int_ge(asprintf(&path, "%s/missing", dir), 0);
        err_clear(&e);
        ck_assert_int_eq(disk_image_detect(path, &kind, &e), -ENOENT);
        ck_assert_ptr_nonnull(strstr(e.msg, path));
        free(path);
        ck_assert_str_eq(disk_image_kind_name(IMAGE_KIND_RAW_GPT), "raw");
        ck_assert_str_eq(disk_image_kind_name(IMAGE_KIND_QCOW2), "qcow2");
        tmpdir_remove(dir);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("disk_image");
        TCase *tc = tcase_create("detect");

        tcase_add_test(tc, test_disk_image_kinds_from_content);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
