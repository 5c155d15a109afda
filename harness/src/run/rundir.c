/* Run and runtime directories; see rundir.h. */
#include "run/rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/file.h"

int rundir_open(struct rundir *rd, const char *out, struct tdxh_err *e)
{
        _cleanup_free_ char *path = NULL, *runtime = NULL;
        const char *tmp = getenv("TMPDIR");
        struct stat st;
        int r;

        if (!tmp || !*tmp)
                tmp = "/tmp";
        if (out) {
                r = file_mkdir_p(out, 0755);
                if (r < 0)
                        return err_setf(e, r, "%s: cannot create run directory: %s", out,
                                        strerror(-r));
                if (stat(out, &st) < 0 || !S_ISDIR(st.st_mode))
                        return err_setf(e, -ENOTDIR, "%s: not a directory", out);
                path = realpath(out, NULL);
                if (!path)
                        return err_setf(e, -errno, "%s: %s", out, strerror(errno));
        } else {
                if (asprintf(&path, "%s/tdxh-run-XXXXXX", tmp) < 0)
                        return -ENOMEM;
                if (!mkdtemp(path))
                        return err_setf(e, -errno, "%s: cannot create run directory: %s", tmp,
                                        strerror(errno));
        }
        runtime = strdup("/tmp/tdxh-XXXXXX");
        if (!runtime)
                return -ENOMEM;
        if (!mkdtemp(runtime))
                return err_setf(e, -errno, "/tmp: cannot create runtime directory: %s",
                                strerror(errno));
        rd->path = TAKE_PTR(path);
        rd->runtime = TAKE_PTR(runtime);
        return 0;
}

char *rundir_file(const struct rundir *rd, const char *name)
{
        char *p = NULL;

        return asprintf(&p, "%s/%s", rd->path, name) < 0 ? NULL : p;
}

char *rundir_runtime_file(const struct rundir *rd, const char *name)
{
        char *p = NULL;

        return asprintf(&p, "%s/%s", rd->runtime, name) < 0 ? NULL : p;
}

/* Removes name (relative to dirfd) and, for a directory, its contents first.
 * Directories are opened with O_NOFOLLOW, so a symlink is removed, never
 * followed. Returns the first error but keeps removing what it can. */
static int remove_at(int dirfd, const char *name, unsigned depth)
{
        struct dirent *de;
        DIR *d;
        int fd, r = 0;

        if (unlinkat(dirfd, name, 0) == 0 || errno == ENOENT)
                return 0;
        if (errno != EISDIR && errno != EPERM)
                return -errno;
        if (depth > 64)
                return -ELOOP;
        fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        d = fdopendir(fd);
        if (!d) {
                r = -errno;
                close(fd);
                return r;
        }
        while ((de = readdir(d))) {
                int q;

                if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                        continue;
                q = remove_at(fd, de->d_name, depth + 1);
                if (q < 0 && r == 0)
                        r = q;
        }
        closedir(d);
        if (unlinkat(dirfd, name, AT_REMOVEDIR) < 0 && errno != ENOENT && r == 0)
                r = -errno;
        return r;
}

int remove_tree(const char *path)
{
        return remove_at(AT_FDCWD, path, 0);
}

void rundir_remove_runtime(struct rundir *rd)
{
        if (rd->runtime)
                (void)remove_tree(rd->runtime);
        free(rd->runtime);
        rd->runtime = NULL;
}

void rundir_close(struct rundir *rd)
{
        rundir_remove_runtime(rd);
        free(rd->path);
        *rd = (struct rundir)RUNDIR_INIT;
}
