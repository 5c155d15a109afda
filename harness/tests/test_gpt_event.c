/* UEFI_GPT_DATA (measure/gpt_event.h): the 92-byte header, the count of
 * entries in use and those entries only, in table order; a table that
 * breaks a bound is refused with the file and the field named. The digest
 * of the disk images' GPT event was checked against a real boot (the
 * fake platform's EV_EFI_GPT_EVENT of out/disk.img): see docs/disk-images.md. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/le.h"
#include "measure/gpt_event.h"
#include "testutil.h"

#define ENTRIES 4
#define ESIZE 128

/* A 64-sector disk: header at LBA 1, four entries at LBA 2, the second and
 * fourth in use. */
static uint8_t *make_disk(size_t *len)
{
        uint8_t *d = calloc(64, GPT_SECTOR);

        ck_assert_ptr_nonnull(d);
        memcpy(d + 512, "EFI PART", 8);
        le32_put(d + 512 + 12, 92);
        le64_put(d + 512 + 72, 2);
        le32_put(d + 512 + 80, ENTRIES);
        le32_put(d + 512 + 84, ESIZE);
        memset(d + 1024 + 1 * ESIZE, 0x11, ESIZE);
        memset(d + 1024 + 3 * ESIZE, 0x33, ESIZE);
        *len = 64 * GPT_SECTOR;
        return d;
}

static char *write_disk(const char *dir, const char *name, const uint8_t *d, size_t len)
{
        char *path = NULL;
        FILE *f;

        ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
        f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(d, 1, len, f), len);
        ck_assert_int_eq(fclose(f), 0);
        return path;
}

START_TEST(test_gpt_event_has_header_count_and_used_entries)
{
        char *dir = tmpdir_make(), *path;
        struct tdxh_err e = { 0 };
        uint8_t *disk, *data = NULL;
        size_t len, dlen;
        uint64_t used;

        disk = make_disk(&len);
        path = write_disk(dir, "disk.img", disk, len);
        ck_assert_msg(gpt_event_data(path, &data, &dlen, &used, &e) == 0, "%s", e.msg);
        ck_assert_uint_eq(used, 2);
        ck_assert_uint_eq(dlen, 92 + 8 + 2 * ESIZE);
        ck_assert_mem_eq(data, disk + 512, 92);
        ck_assert_uint_eq(le64_get(data + 92), 2);
        ck_assert_mem_eq(data + 100, disk + 1024 + 1 * ESIZE, ESIZE);
        ck_assert_mem_eq(data + 100 + ESIZE, disk + 1024 + 3 * ESIZE, ESIZE);
        free(data);
        free(disk);
        free(path);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_gpt_event_refuses_broken_tables)
{
        static const struct {
                size_t off, width;
                uint64_t value;
                const char *msg;
        } cases[] = {
                { 512, 4, 0, "offset 512: no GPT signature" },
                { 512 + 12, 4, 91, "HeaderSize 91" },
                { 512 + 84, 4, 100, "SizeOfPartitionEntry 100" },
                { 512 + 80, 4, 100000, "NumberOfPartitionEntries 100000" },
                { 512 + 72, 8, 1000, "PartitionEntryLBA 1000" },
                { 512 + 80, 4, 1000, "the disk ends inside the GPT" },
        };
        char *dir = tmpdir_make();

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct tdxh_err e = { 0 };
                uint8_t *disk, *data = NULL;
                size_t len, dlen;
                uint64_t used;
                char *path;

                disk = make_disk(&len);
                if (cases[i].width == 8)
                        le64_put(disk + cases[i].off, cases[i].value);
                else
                        le32_put(disk + cases[i].off, (uint32_t)cases[i].value);
                path = write_disk(dir, "bad.img", disk, len);
                ck_assert_int_eq(gpt_event_data(path, &data, &dlen, &used, &e), -EINVAL);
                ck_assert_msg(strstr(e.msg, path) && strstr(e.msg, cases[i].msg), "case %zu: %s",
                              i, e.msg);
                ck_assert_ptr_null(data);
                free(disk);
                free(path);
        }
        tmpdir_remove(dir);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("gpt_event");
        TCase *tc = tcase_create("gpt_event");

        tcase_add_test(tc, test_gpt_event_has_header_count_and_used_entries);
        tcase_add_test(tc, test_gpt_event_refuses_broken_tables);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
