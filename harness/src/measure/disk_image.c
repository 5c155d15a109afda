/* Image kind detection; see disk_image.h. */
#include "measure/disk_image.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/file.h"

#define SECTOR 512
#define GPT_SIGNATURE "EFI PART"
#define QCOW2_MAGIC "QFI\xfb"

const char *disk_image_kind_name(enum disk_image_kind k)
{
        switch (k) {
        case IMAGE_KIND_DIR:
                return "directory";
        case IMAGE_KIND_RAW_GPT:
                return "raw";
        case IMAGE_KIND_QCOW2:
                return "qcow2";
        }
        return "unknown";
}

int disk_image_detect(const char *path, enum disk_image_kind *ret, struct tdxh_err *e)
{
        _cleanup_close_ int fd = -1;
        uint8_t head[SECTOR + 8];
        struct stat st;
        ssize_t n;

        if (stat(path, &st) < 0) {
                int err = errno;

                return err_setf(e, err == ENOENT ? -ENOENT : -EINVAL, "%s: %s", path,
                                strerror(err));
        }
        if (S_ISDIR(st.st_mode)) {
                *ret = IMAGE_KIND_DIR;
                return 0;
        }
        fd = file_open_regular(path, &st, e);
        if (fd < 0)
                return fd == -ENOENT ? fd : -EINVAL;
        n = pread(fd, head, sizeof(head), 0);
        if (n < 0)
                return err_setf(e, -EINVAL, "%s: cannot read: %s", path, strerror(errno));
        if ((size_t)n >= 4 && memcmp(head, QCOW2_MAGIC, 4) == 0) {
                *ret = IMAGE_KIND_QCOW2;
                return 0;
        }
        if ((size_t)n >= sizeof(head) && memcmp(head + SECTOR, GPT_SIGNATURE, 8) == 0) {
                *ret = IMAGE_KIND_RAW_GPT;
                return 0;
        }
        return err_setf(e, -EINVAL,
                        "%s: offset 512: not an image (no GPT signature \"EFI PART\", no qcow2 "
                        "magic at offset 0, not a directory)",
                        path);
}
