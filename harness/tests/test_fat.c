/* The read-only FAT reader (measure/fat.h) on file systems made by mtools,
 * FAT12, FAT16 and FAT32, with files in subdirectories, 8.3 and long names,
 * matched case-insensitively; and corrupt variants of a FAT32 volume, each
 * refused with -EINVAL (or -EFBIG/-ENOENT) and a message naming the file and
 * the field. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/le.h"
#include "measure/fat.h"
#include "testutil.h"

#define PAYLOAD_LEN 70000 /* several clusters on every type */

static char *dir;
static uint8_t payload[PAYLOAD_LEN];

static void mtools(const char *const *argv)
{
        struct run_result r;

        run_cmd(&r, argv, 60);
        ck_assert_msg(r.status == 0, "%s failed (%d): %s", argv[0], r.status, r.err);
        run_result_free(&r);
}

/* A volume of the given mformat geometry holding /EFI/BOOT/BOOTX64.EFI (the
 * payload), /EFI/debian/grub.cfg and /EFI/debian/LongFileName.conf. */
static char *make_volume(const char *name, const char *const *geometry)
{
        char *img = NULL, *src = NULL, *cfg = NULL;
        const char *argv[16] = { "mformat", "-C", "-i", NULL };
        size_t n = 3;
        FILE *f;

        ck_assert_int_ge(asprintf(&img, "%s/%s", dir, name), 0);
        ck_assert_int_ge(asprintf(&src, "%s/payload", dir), 0);
        ck_assert_int_ge(asprintf(&cfg, "%s/grub.cfg", dir), 0);
        f = fopen(src, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(payload, 1, sizeof(payload), f), sizeof(payload));
        fclose(f);
        f = fopen(cfg, "w");
        ck_assert_ptr_nonnull(f);
        fputs("linuxefi /vmlinuz\n", f);
        fclose(f);
        argv[n++] = img;
        for (size_t i = 0; geometry[i]; i++)
                argv[n++] = geometry[i];
        argv[n++] = "::";
        argv[n] = NULL;
        mtools(argv);
        mtools((const char *[]){ "mmd", "-i", img, "::/EFI", "::/EFI/BOOT", "::/EFI/debian", NULL });
        mtools((const char *[]){ "mcopy", "-i", img, src, "::/EFI/BOOT/BOOTX64.EFI", NULL });
        mtools((const char *[]){ "mcopy", "-i", img, cfg, "::/EFI/debian/grub.cfg", NULL });
        mtools((const char *[]){ "mcopy", "-i", img, cfg, "::/EFI/debian/LongFileName.conf",
                                 NULL });
        free(cfg);
        free(src);
        return img;
}

static void setup(void)
{
        dir = tmpdir_make();
        setenv("MTOOLS_SKIP_CHECK", "1", 1);
        for (size_t i = 0; i < sizeof(payload); i++)
                payload[i] = (uint8_t)(i * 7 + i / 251);
}

static void teardown(void)
{
        tmpdir_remove(dir);
}

START_TEST(test_fat_reads_files_on_fat12_16_32)
{
        static const struct {
                const char *name;
                const char *geometry[6];
                enum fat_type type;
        } cases[] = {
                { "f12.img", { "-f", "1440", NULL }, FAT_TYPE_12 },
                { "f16.img", { "-T", "65536", NULL }, FAT_TYPE_16 },
                { "f32.img", { "-F", "-T", "81920", NULL }, FAT_TYPE_32 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *img = make_volume(cases[i].name, cases[i].geometry);
                struct fat_fs fs = FAT_FS_INIT;
                struct tdxh_err e = { 0 };
                uint8_t *data = NULL;
                size_t len = 0;

                ck_assert_msg(fat_open(img, 0, 0, &fs, &e) == 0, "%s: %s", cases[i].name, e.msg);
                ck_assert_int_eq(fs.type, cases[i].type);
                ck_assert_msg(fat_read_file(&fs, "\\EFI\\BOOT\\BOOTX64.EFI", 1 << 20, &data, &len,
                                            &e) == 0, "%s: %s", cases[i].name, e.msg);
                ck_assert_uint_eq(len, PAYLOAD_LEN);
                ck_assert_mem_eq(data, payload, PAYLOAD_LEN);
                free(data);
                ck_assert_msg(fat_read_file(&fs, "/efi/debian/GRUB.CFG", 1 << 20, &data, &len,
                                            &e) == 0, "%s: %s", cases[i].name, e.msg);
                ck_assert_str_eq((char *)data, "linuxefi /vmlinuz\n");
                free(data);
                ck_assert_msg(fat_read_file(&fs, "EFI/debian/longfilename.CONF", 1 << 20, &data,
                                            &len, &e) == 0, "%s: %s", cases[i].name, e.msg);
                ck_assert_uint_eq(len, 18);
                free(data);
                e = (struct tdxh_err){ 0 };
                ck_assert_int_eq(fat_read_file(&fs, "/EFI/debian/missing", 1 << 20, &data, &len,
                                               &e), -ENOENT);
                ck_assert_ptr_nonnull(strstr(e.msg, "no /EFI/debian/missing"));
                e = (struct tdxh_err){ 0 };
                ck_assert_int_eq(fat_read_file(&fs, "/EFI/BOOT/BOOTX64.EFI", 1000, &data, &len,
                                               &e), -EFBIG);
                ck_assert_msg(strstr(e.msg, "FileSize 70000"), "%s", e.msg);
                ck_assert_int_eq(fat_read_file(&fs, "/EFI/BOOT", 1 << 20, &data, &len, &e),
                                 -EISDIR);
                fat_close(&fs);
                free(img);
        }
}
END_TEST

enum corrupt_where { IN_BOOT_SECTOR, ALL_FAT_ENTRIES };

START_TEST(test_fat_refuses_corrupt_volumes)
{
        static const struct {
                enum corrupt_where where;
                size_t off, width;
                uint32_t value;
                const char *msg;
        } cases[] = {
                { IN_BOOT_SECTOR, 510, 2, 0, "offset 0x1fe: boot sector signature" },
                { IN_BOOT_SECTOR, 11, 2, 0, "offset 0xb: BPB_BytsPerSec 0" },
                { IN_BOOT_SECTOR, 11, 2, 520, "offset 0xb: BPB_BytsPerSec 520" },
                { IN_BOOT_SECTOR, 13, 1, 3, "offset 0xd: BPB_SecPerClus 3" },
                { IN_BOOT_SECTOR, 14, 2, 0, "offset 0xe: BPB_RsvdSecCnt is 0" },
                { IN_BOOT_SECTOR, 16, 1, 0, "offset 0x10: BPB_NumFATs is 0" },
                { IN_BOOT_SECTOR, 32, 4, 0x10000000, "offset 0x20: the volume's" },
                { IN_BOOT_SECTOR, 36, 4, 0, "offset 0x24: BPB_FATSz32 is 0" },
                { IN_BOOT_SECTOR, 36, 4, 50000, "fill the volume" },
                { IN_BOOT_SECTOR, 36, 4, 2, "does not hold" },
                { IN_BOOT_SECTOR, 44, 4, 0, "offset 0x2c: BPB_RootClus 0" },
                { IN_BOOT_SECTOR, 44, 4, 0x7fffffff, "offset 0x2c: BPB_RootClus 2147483647" },
                { IN_BOOT_SECTOR, 17, 2, 16, "BPB_RootEntCnt 16 on FAT32" },
                { ALL_FAT_ENTRIES, 0, 4, 0x0ffffff8, "the cluster chain ends after" },
                { ALL_FAT_ENTRIES, 0, 4, 0x00ffffff, "is not a data cluster" },
                { ALL_FAT_ENTRIES, 0, 4, 3, "longer than 65536 entries" },
        };
        const char *geometry[] = { "-F", "-T", "81920", NULL };
        char *img = make_volume("f32.img", geometry);
        size_t len;
        uint8_t *orig = slurp(img, &len);

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                uint8_t *d = malloc(len), *data = NULL;
                struct fat_fs fs = FAT_FS_INIT;
                struct tdxh_err e = { 0 };
                size_t dlen;
                FILE *f;
                int r;

                ck_assert_ptr_nonnull(d);
                memcpy(d, orig, len);
                if (cases[i].where == IN_BOOT_SECTOR) {
                        for (size_t k = 0; k < cases[i].width; k++)
                                d[cases[i].off + k] = (uint8_t)(cases[i].value >> (8 * k));
                } else {
                        /* Every FAT entry past the two reserved ones. */
                        size_t fat = (size_t)le16_get(d + 14) * 512, fatsz = le32_get(d + 36);

                        for (size_t k = 8; k < fatsz * 512; k += 4)
                                le32_put(d + fat + k, cases[i].value);
                }
                f = fopen(img, "wb");
                ck_assert_ptr_nonnull(f);
                ck_assert_uint_eq(fwrite(d, 1, len, f), len);
                fclose(f);
                r = fat_open(img, 0, 0, &fs, &e);
                if (r == 0) {
                        r = fat_read_file(&fs, "/EFI/BOOT/BOOTX64.EFI", 1 << 20, &data, &dlen, &e);
                        fat_close(&fs);
                }
                ck_assert_msg(r == -EINVAL, "case %zu: %d %s", i, r, e.msg);
                ck_assert_msg(strstr(e.msg, cases[i].msg), "case %zu: %s", i, e.msg);
                ck_assert_msg(strstr(e.msg, img) && !strchr(e.msg, '\n'), "case %zu: %s", i, e.msg);
                free(d);
        }
        free(orig);
        free(img);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("fat");
        TCase *tc = tcase_create("fat");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_fat_reads_files_on_fat12_16_32);
        tcase_add_test(tc, test_fat_refuses_corrupt_volumes);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
