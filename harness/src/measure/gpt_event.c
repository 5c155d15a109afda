/* UEFI_GPT_DATA from a raw disk; see gpt_event.h. Offsets of the header are
 * those of the UEFI spec (2.10 §5.3.2, Table 5.5): Signature 0, HeaderSize
 * 12, PartitionEntryLBA 72, NumberOfPartitionEntries 80,
 * SizeOfPartitionEntry 84. */
#include "measure/gpt_event.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "core/le.h"

/* Bounds a table must keep: edk2 itself caps nothing, but a table larger
 * than this is no ESP a boot chain reads. */
#define GPT_ENTRIES_MAX 4096u
#define GPT_ENTRY_SIZE_MIN 128u
#define GPT_ENTRY_SIZE_MAX 4096u

static bool zero_guid(const uint8_t *p)
{
        for (int i = 0; i < 16; i++)
                if (p[i])
                        return false;
        return true;
}

static int read_at(int fd, const char *path, uint64_t off, void *buf, size_t len,
                   struct tdxh_err *e)
{
        ssize_t n = pread(fd, buf, len, (off_t)off);

        if (n < 0)
                return err_setf(e, -errno, "%s: offset %llu: %s", path, (unsigned long long)off,
                                strerror(errno));
        if ((size_t)n != len)
                return err_setf(e, -EINVAL, "%s: offset %llu: the disk ends inside the GPT", path,
                                (unsigned long long)off);
        return 0;
}

int gpt_event_data(const char *path, uint8_t **ret, size_t *ret_len, uint64_t *ret_used,
                   struct tdxh_err *e)
{
        _cleanup_close_ int fd = -1;
        _cleanup_free_ uint8_t *entries = NULL, *out = NULL;
        uint8_t hdr[GPT_SECTOR];
        uint64_t entry_lba, used = 0;
        uint32_t hdr_size, count, esize;
        struct stat st;
        size_t len;
        int r;

        fd = file_open_regular(path, &st, e);
        if (fd < 0)
                return fd;
        r = read_at(fd, path, GPT_SECTOR, hdr, sizeof(hdr), e);
        if (r < 0)
                return r;
        if (memcmp(hdr, "EFI PART", 8) != 0)
                return err_setf(e, -EINVAL, "%s: offset 512: no GPT signature \"EFI PART\"", path);
        hdr_size = le32_get(hdr + 12);
        entry_lba = le64_get(hdr + 72);
        count = le32_get(hdr + 80);
        esize = le32_get(hdr + 84);
        if (hdr_size < GPT_HEADER_MEASURED || hdr_size > GPT_SECTOR)
                return err_setf(e, -EINVAL, "%s: GPT header: HeaderSize %u is outside 92..512",
                                path, hdr_size);
        if (esize < GPT_ENTRY_SIZE_MIN || esize > GPT_ENTRY_SIZE_MAX || esize % 8)
                return err_setf(e, -EINVAL,
                                "%s: GPT header: SizeOfPartitionEntry %u is not a multiple of 8 "
                                "in 128..4096", path, esize);
        if (count > GPT_ENTRIES_MAX)
                return err_setf(e, -EINVAL, "%s: GPT header: NumberOfPartitionEntries %u is above %u",
                                path, count, GPT_ENTRIES_MAX);
        if (entry_lba < 2 || entry_lba > (uint64_t)st.st_size / GPT_SECTOR)
                return err_setf(e, -EINVAL, "%s: GPT header: PartitionEntryLBA %llu is outside the disk",
                                path, (unsigned long long)entry_lba);
        entries = malloc((size_t)count * esize + 1);
        out = malloc(GPT_HEADER_MEASURED + 8 + (size_t)count * esize);
        if (!entries || !out)
                return -ENOMEM;
        r = read_at(fd, path, entry_lba * GPT_SECTOR, entries, (size_t)count * esize, e);
        if (r < 0)
                return r;
        memcpy(out, hdr, GPT_HEADER_MEASURED);
        len = GPT_HEADER_MEASURED + 8;
        for (uint32_t i = 0; i < count; i++) {
                const uint8_t *ent = entries + (size_t)i * esize;

                if (zero_guid(ent))
                        continue;
                memcpy(out + len, ent, esize);
                len += esize;
                used++;
        }
        le64_put(out + GPT_HEADER_MEASURED, used);
        *ret = TAKE_PTR(out);
        *ret_len = len;
        *ret_used = used;
        return 0;
}

int gpt_event_find_esp(const char *path, const uint8_t *data, size_t len, uint64_t *ret_off,
                       uint64_t *ret_len, struct tdxh_err *e)
{
        /* c12a7328-f81f-11d2-ba4b-00a0c93ec93b in its on-disk (mixed-endian) form */
        static const uint8_t esp_type[16] = { 0x28, 0x73, 0x2a, 0xc1, 0x1f, 0xf8, 0xd2, 0x11,
                                              0xba, 0x4b, 0x00, 0xa0, 0xc9, 0x3e, 0xc9, 0x3b };
        uint32_t esize;
        uint64_t used;

        if (len < GPT_HEADER_MEASURED + 8)
                return err_setf(e, -EINVAL, "%s: GPT event data of %zu bytes is too short", path,
                                len);
        esize = le32_get(data + 84);
        used = le64_get(data + GPT_HEADER_MEASURED);
        for (uint64_t i = 0; esize && i < used && i < GPT_ENTRIES_MAX; i++) {
                size_t off = GPT_HEADER_MEASURED + 8 + (size_t)i * esize;
                uint64_t first, last;

                if (off + esize > len)
                        break;
                if (memcmp(data + off, esp_type, sizeof(esp_type)) != 0)
                        continue;
                first = le64_get(data + off + 32);
                last = le64_get(data + off + 40);
                if (last < first || last >= UINT64_MAX / GPT_SECTOR)
                        return err_setf(e, -EINVAL, "%s: GPT entry in use %llu: EndingLBA %llu is before "
                                        "StartingLBA %llu or too large", path,
                                        (unsigned long long)i, (unsigned long long)last,
                                        (unsigned long long)first);
                *ret_off = first * GPT_SECTOR;
                *ret_len = (last - first + 1) * GPT_SECTOR;
                return (int)i + 1;
        }
        return err_setf(e, -ENOENT, "%s: the GPT has no EFI system partition (type "
                        "c12a7328-f81f-11d2-ba4b-00a0c93ec93b)", path);
}
