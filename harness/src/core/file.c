/* File input and atomic output; see file.h. */
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"

int file_mkdir_p(const char *path, mode_t mode)
{
        _cleanup_free_ char *copy = strdup(path);

        if (!copy)
                return -ENOMEM;
        for (char *p = copy + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                if (mkdir(copy, mode) < 0 && errno != EEXIST)
                        return -errno;
                *p = '/';
        }
        if (mkdir(copy, mode) < 0 && errno != EEXIST)
                return -errno;
        return 0;
}

int file_open_regular(const char *path, struct stat *ret_st, struct tdxh_err *e)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);

        if (fd < 0)
                return err_setf(e, -errno, "%s: cannot open: %s", path, strerror(errno));
        if (fstat(fd, ret_st) < 0)
                return err_setf(e, -errno, "%s: cannot stat: %s", path, strerror(errno));
        if (!S_ISREG(ret_st->st_mode))
                return err_setf(e, -EINVAL, "%s: not a regular file", path);
        return TAKE_FD(fd);
}

int file_map(const char *path, size_t max_size, struct mapped_file *ret, struct tdxh_err *e)
{
        _cleanup_close_ int fd = -1;
        struct stat st;
        void *p;

        fd = file_open_regular(path, &st, e);
        if (fd < 0)
                return fd;
        if ((uint64_t)st.st_size > max_size)
                return err_setf(e, -EFBIG, "%s: file is %lld bytes, more than the %zu accepted",
                                path, (long long)st.st_size, max_size);
        if (st.st_size == 0) {
                *ret = (struct mapped_file){ 0 };
                return 0;
        }
        /* Populated: every input is read whole, and one call maps its
         * pages for much less than a page fault each (costly in a VM). */
        p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd, 0);
        if (p == MAP_FAILED)
                return err_setf(e, -errno, "%s: cannot map: %s", path, strerror(errno));
        *ret = (struct mapped_file){ .data = p, .size = (size_t)st.st_size };
        return 0;
}

void file_unmap(struct mapped_file *f)
{
        if (f->data)
                munmap((void *)f->data, f->size);
        *f = (struct mapped_file){ 0 };
}

int file_read_all(const char *path, size_t max_size, char **ret, size_t *ret_len,
                  struct tdxh_err *e)
{
        _cleanup_mapped_file_ struct mapped_file m = { 0 };
        char *buf;
        int r;

        r = file_map(path, max_size, &m, e);
        if (r < 0)
                return r;
        buf = malloc(m.size + 1);
        if (!buf)
                return -ENOMEM;
        if (m.size)
                memcpy(buf, m.data, m.size);
        buf[m.size] = '\0';
        *ret = buf;
        if (ret_len)
                *ret_len = m.size;
        return 0;
}

int atomic_file_open(struct atomic_file *af, const char *path, mode_t mode, struct tdxh_err *e)
{
        const char *slash = strrchr(path, '/');
        int dirlen = slash ? (int)(slash - path) + 1 : 0;
        char *tmp = NULL;
        int fd;

        if (asprintf(&tmp, "%.*s.%s.tmpXXXXXX", dirlen, path, slash ? slash + 1 : path) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0) {
                int r = -errno;

                free(tmp);
                return err_setf(e, r, "%s: cannot create: %s", path, strerror(-r));
        }
        if (fchmod(fd, mode) < 0) {
                int r = -errno;

                unlink(tmp);
                free(tmp);
                close(fd);
                return err_setf(e, r, "%s: cannot set mode: %s", path, strerror(-r));
        }
        af->path = strdup(path);
        if (!af->path) {
                unlink(tmp);
                free(tmp);
                close(fd);
                return -ENOMEM;
        }
        af->fd = fd;
        af->tmp_path = tmp;
        return 0;
}

int atomic_file_write(struct atomic_file *af, const void *data, size_t len, struct tdxh_err *e)
{
        const uint8_t *p = data;

        while (len > 0) {
                ssize_t n = write(af->fd, p, len);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return err_setf(e, -errno, "%s: write failed: %s", af->path,
                                        strerror(errno));
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

int atomic_file_commit(struct atomic_file *af, struct tdxh_err *e)
{
        int r = 0;

        if (fsync(af->fd) < 0)
                r = err_setf(e, -errno, "%s: fsync failed: %s", af->path, strerror(errno));
        else if (rename(af->tmp_path, af->path) < 0)
                r = err_setf(e, -errno, "%s: rename failed: %s", af->path, strerror(errno));
        if (r == 0) {
                free(af->tmp_path);
                af->tmp_path = NULL;
        }
        atomic_file_abort(af);
        return r;
}

void atomic_file_abort(struct atomic_file *af)
{
        if (af->fd >= 0)
                close(af->fd);
        if (af->tmp_path)
                unlink(af->tmp_path);
        free(af->tmp_path);
        free(af->path);
        *af = (struct atomic_file)ATOMIC_FILE_INIT;
}

int file_write_atomic(const char *path, const void *data, size_t len, mode_t mode,
                      struct tdxh_err *e)
{
        _cleanup_atomic_file_ struct atomic_file af = ATOMIC_FILE_INIT;
        int r;

        r = atomic_file_open(&af, path, mode, e);
        if (r < 0)
                return r;
        r = atomic_file_write(&af, data, len, e);
        if (r < 0)
                return r;
        return atomic_file_commit(&af, e);
}
