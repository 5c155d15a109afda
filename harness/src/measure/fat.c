/* Read-only FAT12/16/32 reader; see fat.h. Offsets named in errors are byte
 * offsets in the disk file. BPB offsets (fatgen103): BytsPerSec 11,
 * SecPerClus 13, RsvdSecCnt 14, NumFATs 16, RootEntCnt 17, TotSec16 19,
 * FATSz16 22, TotSec32 32, FATSz32 36, RootClus 44; signature 0x55AA at 510.
 * Directory entries are 32 bytes: name 0-10, attributes 11, case flags 12,
 * FstClusHI 20, FstClusLO 26, FileSize 28. */
#include "measure/fat.h"

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "core/le.h"

#define FAT_MAX_FAT_BYTES (64u << 20) /* a FAT32 of 16M clusters */
#define FAT_MAX_DIR_BYTES (65536u * 32u) /* the spec's 65536 entries per directory */
#define FAT_NAME_MAX 255
#define ATTR_VOLUME_ID 0x08
#define ATTR_DIRECTORY 0x10
#define ATTR_LONG_NAME 0x0f
#define NTRES_LOWER_BASE 0x08
#define NTRES_LOWER_EXT 0x10

static int read_at(const struct fat_fs *fs, uint64_t off, void *buf, size_t len,
                   const char *what, struct tdxh_err *e)
{
        ssize_t n = pread(fs->fd, buf, len, (off_t)off);

        if (n < 0)
                return err_setf(e, -errno, "%s: offset 0x%llx: %s: %s", fs->path,
                                (unsigned long long)off, what, strerror(errno));
        if ((size_t)n != len)
                return err_setf(e, -EINVAL, "%s: offset 0x%llx: %s: the disk ends inside it",
                                fs->path, (unsigned long long)off, what);
        return 0;
}

static bool power_of_two(uint32_t v)
{
        return v && !(v & (v - 1));
}

/* Geometry from the boot sector; every field is checked before it is used
 * in arithmetic, so that no later offset can overflow or leave the volume. */
static int parse_bpb(struct fat_fs *fs, const uint8_t *bs, uint64_t length, struct tdxh_err *e)
{
        uint64_t b = fs->base, tot, fatsz, meta, data_sectors, root_sectors;
        uint32_t spc = bs[13], rsvd = le16_get(bs + 14), nfats = bs[16];
        uint32_t root_ents = le16_get(bs + 17);

        if (bs[510] != 0x55 || bs[511] != 0xaa)
                return err_setf(e, -EINVAL, "%s: offset 0x%llx: boot sector signature is not 55 aa",
                                fs->path, (unsigned long long)(b + 510));
        fs->bytes_per_sector = le16_get(bs + 11);
        if (fs->bytes_per_sector < 512 || fs->bytes_per_sector > 4096 ||
            !power_of_two(fs->bytes_per_sector))
                return err_setf(e, -EINVAL, "%s: offset 0x%llx: BPB_BytsPerSec %u is not 512, "
                                "1024, 2048 or 4096", fs->path, (unsigned long long)(b + 11),
                                fs->bytes_per_sector);
        if (!power_of_two(spc) || spc > 128)
                return err_setf(e, -EINVAL, "%s: offset 0x%llx: BPB_SecPerClus %u is not a power "
                                "of two up to 128", fs->path, (unsigned long long)(b + 13), spc);
        if (rsvd == 0)
                return err_setf(e, -EINVAL, "%s: offset 0x%llx: BPB_RsvdSecCnt is 0", fs->path,
                                (unsigned long long)(b + 14));
        if (nfats == 0)
                return err_setf(e, -EINVAL, "%s: offset 0x%llx: BPB_NumFATs is 0", fs->path,
                                (unsigned long long)(b + 16));
        tot = le16_get(bs + 19) ? le16_get(bs + 19) : le32_get(bs + 32);
        fatsz = le16_get(bs + 22) ? le16_get(bs + 22) : le32_get(bs + 36);
        fs->type = le16_get(bs + 22) ? FAT_TYPE_16 : FAT_TYPE_32; /* 12 vs 16: below */
        if (fs->type == FAT_TYPE_32 && root_ents)
                return err_setf(e, -EINVAL, "%s: offset 0x%llx: BPB_RootEntCnt %u on FAT32 (must "
                                "be 0)", fs->path, (unsigned long long)(b + 17), root_ents);
        if (fatsz == 0)
                return err_setf(e, -EINVAL, "%s: offset 0x%llx: BPB_FATSz32 is 0", fs->path,
                                (unsigned long long)(b + 36));
        if (tot * fs->bytes_per_sector > length)
                return err_setf(e, -EINVAL, "%s: offset 0x%llx: the volume's %llu sectors "
                                "(BPB_TotSec) do not fit in the %llu-byte partition", fs->path,
                                (unsigned long long)(b + (le16_get(bs + 19) ? 19 : 32)),
                                (unsigned long long)tot, (unsigned long long)length);
        root_sectors = ((uint64_t)root_ents * 32 + fs->bytes_per_sector - 1) /
                       fs->bytes_per_sector;
        meta = rsvd + nfats * fatsz + root_sectors;
        if (meta >= tot)
                return err_setf(e, -EINVAL, "%s: offset 0x%llx: reserved, FAT and root directory "
                                "sectors (%llu) fill the volume (BPB_TotSec %llu)", fs->path,
                                (unsigned long long)(b + 14), (unsigned long long)meta,
                                (unsigned long long)tot);
        data_sectors = tot - meta;
        if (data_sectors / spc > 0x0ffffff5u)
                return err_setf(e, -EINVAL, "%s: offset 0x%llx: %llu clusters are more than FAT32 "
                                "addresses", fs->path, (unsigned long long)(b + 32),
                                (unsigned long long)(data_sectors / spc));
        fs->nclusters = (uint32_t)(data_sectors / spc);
        if (fs->type == FAT_TYPE_16 && fs->nclusters < 4085)
                fs->type = FAT_TYPE_12;
        fs->cluster_bytes = spc * fs->bytes_per_sector;
        fs->fat_off = b + (uint64_t)rsvd * fs->bytes_per_sector;
        fs->fat_len = (size_t)(fatsz * fs->bytes_per_sector);
        if (fs->fat_len > FAT_MAX_FAT_BYTES ||
            (uint64_t)(fs->nclusters + 2) * (uint64_t)fs->type / 8 > fs->fat_len)
                return err_setf(e, -EINVAL, "%s: offset 0x%llx: FAT size of %llu sectors does not "
                                "hold %u clusters or is above %u MiB", fs->path,
                                (unsigned long long)(b + (le16_get(bs + 22) ? 22 : 36)),
                                (unsigned long long)fatsz, fs->nclusters,
                                FAT_MAX_FAT_BYTES >> 20);
        fs->root_off = fs->fat_off + (uint64_t)nfats * fatsz * fs->bytes_per_sector;
        fs->root_bytes = root_ents * 32;
        fs->data_off = fs->root_off + root_sectors * fs->bytes_per_sector;
        if (fs->type == FAT_TYPE_32) {
                fs->root_cluster = le32_get(bs + 44);
                if (fs->root_cluster < 2 || fs->root_cluster - 2 >= fs->nclusters)
                        return err_setf(e, -EINVAL, "%s: offset 0x%llx: BPB_RootClus %u is not a "
                                        "data cluster (2..%u)", fs->path,
                                        (unsigned long long)(b + 44), fs->root_cluster,
                                        fs->nclusters + 1);
        }
        return 0;
}

int fat_open(const char *path, uint64_t offset, uint64_t length, struct fat_fs *ret,
             struct tdxh_err *e)
{
        struct fat_fs fs = FAT_FS_INIT;
        uint8_t bs[512];
        struct stat st;
        int r;

        fs.fd = file_open_regular(path, &st, e);
        if (fs.fd < 0)
                return fs.fd;
        fs.path = strdup(path);
        if (!fs.path) {
                fat_close(&fs);
                return -ENOMEM;
        }
        fs.base = offset;
        if (offset > (uint64_t)st.st_size)
                length = 0;
        else if (length == 0 || length > (uint64_t)st.st_size - offset)
                length = (uint64_t)st.st_size - offset;
        r = read_at(&fs, offset, bs, sizeof(bs), "FAT boot sector", e);
        if (r >= 0)
                r = parse_bpb(&fs, bs, length, e);
        if (r >= 0) {
                fs.fat = malloc(fs.fat_len);
                r = fs.fat ? read_at(&fs, fs.fat_off, fs.fat, fs.fat_len, "FAT", e) : -ENOMEM;
        }
        if (r < 0) {
                fat_close(&fs);
                return r;
        }
        *ret = fs;
        return 0;
}

void fat_close(struct fat_fs *fs)
{
        if (fs->fd >= 0)
                close(fs->fd);
        free(fs->path);
        free(fs->fat);
        *fs = (struct fat_fs)FAT_FS_INIT;
}

/* The FAT entry of cluster c (2 <= c <= nclusters + 1: parse_bpb checked
 * that the FAT holds it), widened so that end-of-chain reads >= 0x0ffffff8. */
static uint32_t fat_entry(const struct fat_fs *fs, uint32_t c)
{
        uint32_t v;

        switch (fs->type) {
        case FAT_TYPE_12:
                v = le16_get(fs->fat + c + c / 2);
                v = c & 1 ? v >> 4 : v & 0xfff;
                return v >= 0xff7 ? v | 0x0ffff000u : v;
        case FAT_TYPE_16:
                v = le16_get(fs->fat + 2 * (size_t)c);
                return v >= 0xfff7 ? v | 0x0fff0000u : v;
        default:
                return le32_get(fs->fat + 4 * (size_t)c) & 0x0fffffffu;
        }
}

/* Reads len bytes of the chain starting at cluster first into buf. The
 * chain must have enough clusters; a walk never takes more steps than len
 * needs, so a loop in the FAT cannot make it run forever. */
static int read_chain(const struct fat_fs *fs, uint32_t first, uint8_t *buf, size_t len,
                      const char *name, struct tdxh_err *e)
{
        uint32_t c = first;
        size_t done = 0;

        while (done < len) {
                size_t n = len - done < fs->cluster_bytes ? len - done : fs->cluster_bytes;
                int r;

                if (c >= 0x0ffffff8u)
                        return err_setf(e, -EINVAL, "%s: offset 0x%llx: %s: the cluster chain ends "
                                        "after %zu bytes, before its size", fs->path,
                                        (unsigned long long)fs->fat_off, name, done);
                if (c < 2 || c - 2 >= fs->nclusters)
                        return err_setf(e, -EINVAL, "%s: offset 0x%llx: %s: cluster %u in its chain "
                                        "is not a data cluster (2..%u)", fs->path,
                                        (unsigned long long)fs->fat_off, name, c,
                                        fs->nclusters + 1);
                r = read_at(fs, fs->data_off + (uint64_t)(c - 2) * fs->cluster_bytes, buf + done,
                            n, name, e);
                if (r < 0)
                        return r;
                done += n;
                if (done < len)
                        c = fat_entry(fs, c);
        }
        return 0;
}

/* The bytes of a directory: the fixed root region (FAT12/16) or a cluster
 * chain followed to its end (at most FAT_MAX_DIR_BYTES). */
static int read_dir(const struct fat_fs *fs, uint32_t first, uint8_t **ret, size_t *ret_len,
                    const char *name, struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *buf = NULL;
        size_t len = 0;
        uint32_t c = first;
        int r;

        if (first == 0) {
                buf = malloc(fs->root_bytes ? fs->root_bytes : 1);
                if (!buf)
                        return -ENOMEM;
                r = read_at(fs, fs->root_off, buf, fs->root_bytes, "root directory", e);
                if (r < 0)
                        return r;
                *ret_len = fs->root_bytes;
                *ret = TAKE_PTR(buf);
                return 0;
        }
        for (;;) {
                uint8_t *nb;

                if (len + fs->cluster_bytes > FAT_MAX_DIR_BYTES)
                        return err_setf(e, -EINVAL, "%s: offset 0x%llx: directory %s: cluster "
                                        "chain longer than 65536 entries (a loop in the FAT?)",
                                        fs->path, (unsigned long long)fs->fat_off, name);
                nb = realloc(buf, len + fs->cluster_bytes);
                if (!nb)
                        return -ENOMEM;
                buf = nb;
                r = read_chain(fs, c, buf + len, fs->cluster_bytes, name, e);
                if (r < 0)
                        return r;
                len += fs->cluster_bytes;
                c = fat_entry(fs, c);
                if (c >= 0x0ffffff8u)
                        break;
        }
        *ret_len = len;
        *ret = TAKE_PTR(buf);
        return 0;
}

/* "NAME.EXT" from an 8.3 entry, lower-cased where the case flags say so. */
static void short_name(const uint8_t *ent, char out[13])
{
        size_t n = 0;

        for (int i = 0; i < 8 && ent[i] != ' '; i++) {
                char ch = (char)(i == 0 && ent[0] == 0x05 ? 0xe5 : ent[i]);

                out[n++] = ent[12] & NTRES_LOWER_BASE ? (char)tolower((unsigned char)ch) : ch;
        }
        if (ent[8] != ' ') {
                out[n++] = '.';
                for (int i = 8; i < 11 && ent[i] != ' '; i++)
                        out[n++] = ent[12] & NTRES_LOWER_EXT ? (char)tolower(ent[i]) : (char)ent[i];
        }
        out[n] = '\0';
}

static uint8_t short_name_checksum(const uint8_t *ent)
{
        uint8_t sum = 0;

        for (int i = 0; i < 11; i++)
                sum = (uint8_t)(((sum & 1) << 7) + (sum >> 1) + ent[i]);
        return sum;
}

/* Long-name pieces: 13 UCS-2 characters per entry, at these offsets. */
static const uint8_t lfn_char_off[13] = { 1, 3, 5, 7, 9, 14, 16, 18, 20, 22, 24, 28, 30 };

struct lfn_state {
        char name[FAT_NAME_MAX + 1 + 13];
        uint8_t checksum;
        bool valid;
};

static void lfn_add(struct lfn_state *l, const uint8_t *ent)
{
        unsigned seq = ent[0] & 0x1f;

        if (ent[0] & 0x40) {
                memset(l->name, 0, sizeof(l->name));
                l->checksum = ent[13];
                l->valid = true;
        }
        if (!l->valid || seq == 0 || seq > 20 || ent[13] != l->checksum) {
                l->valid = false;
                return;
        }
        for (int i = 0; i < 13; i++) {
                uint16_t ch = le16_get(ent + lfn_char_off[i]);

                /* Non-ASCII characters never match an ASCII path. */
                if (ch != 0 && ch != 0xffff)
                        l->name[(seq - 1) * 13 + i] = ch < 0x80 ? (char)ch : '\x7f';
        }
}

struct dir_hit {
        uint8_t attr;
        uint32_t cluster;
        uint32_t size;
        uint64_t off; /* of the entry, for messages */
};

static int find_in_dir(const struct fat_fs *fs, const uint8_t *dir, size_t len, uint64_t dir_off,
                       size_t exact_len, const char *want, size_t want_len, struct dir_hit *hit)
{
        struct lfn_state l = { .valid = false };

        for (size_t i = 0; i + 32 <= len; i += 32) {
                const uint8_t *ent = dir + i;
                char sn[13];
                bool match;

                if (ent[0] == 0x00)
                        break;
                if (ent[0] == 0xe5) {
                        l.valid = false;
                        continue;
                }
                if ((ent[11] & 0x3f) == ATTR_LONG_NAME) {
                        lfn_add(&l, ent);
                        continue;
                }
                if (ent[11] & ATTR_VOLUME_ID) {
                        l.valid = false;
                        continue;
                }
                short_name(ent, sn);
                match = strlen(sn) == want_len && strncasecmp(sn, want, want_len) == 0;
                if (!match && l.valid && l.checksum == short_name_checksum(ent))
                        match = strlen(l.name) == want_len &&
                                strncasecmp(l.name, want, want_len) == 0;
                l.valid = false;
                if (match) {
                        hit->attr = ent[11];
                        hit->cluster = le16_get(ent + 26) |
                                       (fs->type == FAT_TYPE_32 ? (uint32_t)le16_get(ent + 20) << 16
                                                                : 0);
                        hit->size = le32_get(ent + 28);
                        hit->off = i < exact_len ? dir_off + i : dir_off;
                        return 1;
                }
        }
        return 0;
}

int fat_read_file(const struct fat_fs *fs, const char *name, size_t max_size, uint8_t **ret,
                  size_t *ret_len, struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *out = NULL;
        struct dir_hit hit = { .attr = ATTR_DIRECTORY, .cluster = 0 };
        const char *p = name;
        int r;

        if (fs->type == FAT_TYPE_32)
                hit.cluster = fs->root_cluster;
        for (;;) {
                _cleanup_free_ uint8_t *dir = NULL;
                size_t comp, dlen = 0;
                uint64_t dir_off;
                bool fixed_root;

                while (*p == '/' || *p == '\\')
                        p++;
                comp = strcspn(p, "/\\");
                if (comp == 0)
                        break;
                if (!(hit.attr & ATTR_DIRECTORY))
                        return err_setf(e, -ENOENT, "%s: %s: %.*s is not a directory", fs->path,
                                        name, (int)(p - name - 1), name);
                if (comp > FAT_NAME_MAX)
                        return err_setf(e, -EINVAL, "%s: %s: a name longer than %d characters",
                                        fs->path, name, FAT_NAME_MAX);
                fixed_root = fs->type != FAT_TYPE_32 && hit.cluster == 0;
                if (fixed_root)
                        dir_off = fs->root_off;
                else if (hit.cluster >= 2 && hit.cluster - 2 < fs->nclusters)
                        dir_off = fs->data_off + (uint64_t)(hit.cluster - 2) * fs->cluster_bytes;
                else
                        return err_setf(e, -EINVAL, "%s: offset 0x%llx: directory entry of %.*s: "
                                        "first cluster %u is not a data cluster (2..%u)",
                                        fs->path, (unsigned long long)hit.off,
                                        (int)(p - name), name, hit.cluster, fs->nclusters + 1);
                r = read_dir(fs, fixed_root ? 0 : hit.cluster, &dir, &dlen, name, e);
                if (r < 0)
                        return r;
                /* Entry offsets are exact within the first cluster (or the
                 * fixed root); past it the FAT decides where they are. */
                r = find_in_dir(fs, dir, dlen, dir_off, fixed_root ? dlen : fs->cluster_bytes,
                                p, comp, &hit);
                if (r == 0)
                        return err_setf(e, -ENOENT, "%s: %s: no %.*s in the FAT file system",
                                        fs->path, name, (int)(p + comp - name), name);
                p += comp;
        }
        if (hit.attr & ATTR_DIRECTORY)
                return err_setf(e, -EISDIR, "%s: %s: is a directory", fs->path, name);
        if (hit.size > max_size)
                return err_setf(e, -EFBIG, "%s: offset 0x%llx: %s: FileSize %u is above %zu bytes",
                                fs->path, (unsigned long long)hit.off + 28, name, hit.size,
                                max_size);
        out = malloc((size_t)hit.size + 1);
        if (!out)
                return -ENOMEM;
        if (hit.size) {
                r = read_chain(fs, hit.cluster, out, hit.size, name, e);
                if (r < 0)
                        return r;
        }
        out[hit.size] = '\0';
        *ret_len = hit.size;
        *ret = TAKE_PTR(out);
        return 0;
}
