/* Pseudo-file helpers; see sysfile.h. */
#include "sysfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"

int sysfile_read(const char *path, size_t max, uint8_t **ret, size_t *ret_len,
                 struct tdxh_err *e)
{
        _cleanup_close_ int fd = -1;
        _cleanup_buf_ struct buf b = BUF_INIT;
        size_t len;
        int r;

        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return err_setf(e, -errno, "%s: cannot open: %s", path, strerror(errno));
        for (;;) {
                ssize_t n;

                r = buf_reserve(&b, 65536);
                if (r < 0)
                        return r;
                n = read(fd, b.data + b.len, 65536);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return err_setf(e, -errno, "%s: read failed at offset 0x%zx: %s", path,
                                        b.len, strerror(errno));
                if (n == 0)
                        break;
                b.len += (size_t)n;
                if (b.len > max)
                        return err_setf(e, -EFBIG, "%s: more than %zu bytes", path, max);
        }
        r = buf_reserve(&b, 1);
        if (r < 0)
                return r;
        b.data[b.len] = '\0';
        *ret = (uint8_t *)buf_detach(&b, &len);
        *ret_len = len;
        return 0;
}

int sysfile_read_exact(const char *path, uint8_t *out, size_t len, struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *data = NULL;
        size_t n = 0;
        int r;

        r = sysfile_read(path, len + 1, &data, &n, e);
        if (r < 0)
                return r;
        if (n != len)
                return err_setf(e, -EINVAL, "%s: %zu bytes, expected %zu", path, n, len);
        memcpy(out, data, len);
        return 0;
}

int sysfile_write(const char *path, const void *data, size_t len, struct tdxh_err *e)
{
        _cleanup_close_ int fd = -1;
        ssize_t n;

        fd = open(path, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return err_setf(e, -errno, "%s: cannot open for writing: %s", path,
                                strerror(errno));
        do
                n = write(fd, data, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return err_setf(e, -errno, "%s: write of %zu bytes failed: %s", path, len,
                                strerror(errno));
        if ((size_t)n != len)
                return err_setf(e, -EIO, "%s: short write (%zd of %zu bytes)", path, n, len);
        return 0;
}

int sysfile_read_u64(const char *path, uint64_t *ret, struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *data = NULL;
        unsigned long long v;
        size_t n = 0;
        char *end;
        int r;

        r = sysfile_read(path, 64, &data, &n, e);
        if (r < 0)
                return r;
        errno = 0;
        v = strtoull((const char *)data, &end, 10);
        if (errno != 0 || end == (char *)data || (*end != '\0' && *end != '\n'))
                return err_setf(e, -EINVAL, "%s: not a decimal number", path);
        *ret = v;
        return 0;
}
