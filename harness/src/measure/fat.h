/* Read-only access to a FAT12/16/32 file system inside a disk file (the EFI
 * system partition of a raw disk): the boot sector, one directory walk per
 * path and the files the boot chain loads, read without mounting. Layout
 * and type rules follow Microsoft's FAT specification (fatgen103: BPB
 * fields, cluster count thresholds 4085/65525, FAT entry widths) with the
 * FAT32 test edk2's FAT driver uses (BPB_FATSz16 == 0, FatPkg
 * EnhancedFatDxe/Init.c). The image is untrusted: every field is bounds
 * checked, and an error names the file, the byte offset in it and the
 * field. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum fat_type { FAT_TYPE_12 = 12, FAT_TYPE_16 = 16, FAT_TYPE_32 = 32 };

struct fat_fs {
        int fd;
        char *path;         /* the disk file, for messages */
        uint64_t base;      /* byte offset of the file system in the disk file */
        enum fat_type type;
        uint32_t bytes_per_sector;
        uint32_t cluster_bytes;
        uint32_t nclusters;   /* data clusters 2 .. nclusters + 1 */
        uint64_t fat_off;     /* first FAT, disk-file offset */
        uint8_t *fat;         /* the first FAT, loaded */
        size_t fat_len;
        uint64_t root_off;    /* FAT12/16: fixed root directory region */
        uint32_t root_bytes;
        uint32_t root_cluster; /* FAT32: first cluster of the root directory */
        uint64_t data_off;    /* cluster 2 */
};
#define FAT_FS_INIT { .fd = -1 }

/* Opens the file system that starts at byte offset `offset` of the disk file
 * and spans `length` bytes (0: to the end of the file). */
int fat_open(const char *path, uint64_t offset, uint64_t length, struct fat_fs *ret,
             struct tdxh_err *e);
void fat_close(struct fat_fs *fs);
#define _cleanup_fat_fs_ __attribute__((cleanup(fat_close)))

/* Reads the file at name ("/" or "\" separated, leading separator optional,
 * components matched case-insensitively against long names and 8.3 names,
 * as the UEFI FAT driver does) into a malloc'd buffer (NUL-terminated, the
 * NUL not counted). -ENOENT when a component is missing, -EFBIG above
 * max_size, -EINVAL for a corrupt structure. */
int fat_read_file(const struct fat_fs *fs, const char *name, size_t max_size, uint8_t **ret,
                  size_t *ret_len, struct tdxh_err *e);
