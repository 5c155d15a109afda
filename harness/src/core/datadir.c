/* Finding the data directory; see datadir.h for the order and why. */
#include "core/datadir.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"

#ifndef TDXH_DATADIR_SOURCE
#error "harness/src/CMakeLists.txt defines the data directory paths"
#endif

static bool is_dir(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* True when path (resolved) is dir (resolved) or below it. */
static bool is_below(const char *path, const char *dir)
{
        char rdir[PATH_MAX];
        size_t n;

        if (!realpath(dir, rdir))
                return false;
        n = strlen(rdir);
        return strncmp(path, rdir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* The running program's directory, resolved; false when unknown. */
static bool program_dir(char out[PATH_MAX])
{
        ssize_t n = readlink("/proc/self/exe", out, PATH_MAX - 1);
        char *slash;

        if (n <= 0)
                return false;
        out[n] = '\0';
        slash = strrchr(out, '/');
        if (!slash)
                return false;
        *slash = '\0';
        return true;
}

int datadir_find(char **ret, struct tdxh_err *e)
{
        const char *env = getenv("TDXH_DATADIR");
        char exe_dir[PATH_MAX];
        _cleanup_free_ char *beside = NULL;
        const char *found = NULL;
        char *p;

        if (env && *env) {
                if (!is_dir(env))
                        return err_setf(e, -ENOENT, "TDXH_DATADIR=%s: not a directory", env);
                found = env;
        } else if (program_dir(exe_dir)) {
                if (is_below(exe_dir, TDXH_DATADIR_BUILD) && is_dir(TDXH_DATADIR_SOURCE))
                        found = TDXH_DATADIR_SOURCE;
                else if (asprintf(&beside, "%s/%s", exe_dir, TDXH_DATADIR_FROM_BINDIR) < 0)
                        return -ENOMEM;
                else if (is_dir(beside))
                        found = beside;
        }
        if (!found && is_dir(TDXH_DATADIR_INSTALL))
                found = TDXH_DATADIR_INSTALL;
        if (!found)
                return err_setf(e, -ENOENT,
                                "no data directory: not in a build tree, and neither %s beside "
                                "the program nor %s exists (set TDXH_DATADIR)",
                                TDXH_DATADIR_FROM_BINDIR, TDXH_DATADIR_INSTALL);
        p = realpath(found, NULL);
        if (!p)
                p = strdup(found);
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

int datadir_path(const char *rel, char **ret, struct tdxh_err *e)
{
        _cleanup_free_ char *dir = NULL;
        char *p;
        int r = datadir_find(&dir, e);

        if (r < 0)
                return r;
        if (asprintf(&p, "%s/%s", dir, rel) < 0)
                return -ENOMEM;
        *ret = p;
        return 0;
}
