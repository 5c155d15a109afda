/* The inputs a golden file records (firmware, kernel, initrd, command line),
 * taken as explain's inputs when the user names none: a developer holding a
 * golden file and a stranger's log should not have to know which files it
 * was computed from. A file is used only when it is found with the digest
 * the golden file records: as recorded (relative to the working directory),
 * else beside the golden file, else one directory up (an image directory
 * with its golden/ folder), else by its name alone in those two. */
#include "predict/explain_inputs.h"

#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/digest.h"

int explain_input_is_recorded(const struct golden_input_file *f, const char *path, int *ret,
                              struct tdxh_err *e)
{
        bool sha256 = f->have_sha256;
        uint8_t d[SHA384_LEN];
        int r;

        *ret = -1;
        if (!f->have_sha256 && !f->have_sha384)
                return 0;
        r = digest_file(sha256 ? DIGEST_SHA256 : DIGEST_SHA384, path, d, NULL, e);
        if (r < 0)
                return r;
        *ret = sha256 ? memcmp(d, f->sha256, SHA256_LEN) == 0 : memcmp(d, f->sha384, SHA384_LEN) == 0;
        return 0;
}

static bool digest_matches(const struct golden_input_file *f, const char *path)
{
        int same;

        return explain_input_is_recorded(f, path, &same, NULL) >= 0 && same == 1;
}

/* The recorded file as found, or NULL (*ret stays NULL). */
static int find_recorded(const struct golden_input_file *f, const char *golden_path, char **ret)
{
        _cleanup_free_ char *copy = golden_path ? strdup(golden_path) : NULL;
        const char *dir, *slash, *names[2];
        char *p = NULL;

        *ret = NULL;
        if (!f->path || !*f->path)
                return 0;
        if (golden_path && !copy)
                return -ENOMEM;
        if (access(f->path, R_OK) == 0 && digest_matches(f, f->path)) {
                *ret = strdup(f->path);
                return *ret ? 0 : -ENOMEM;
        }
        if (!copy)
                return 0;
        dir = dirname(copy);
        /* The recorded path below the golden file's folder or its parent,
         * then the file's name alone there (a path recorded relative to
         * another working directory). */
        slash = strrchr(f->path, '/');
        names[0] = f->path[0] == '/' ? NULL : f->path;
        names[1] = slash ? slash + 1 : NULL;

        for (int k = 0; k < 4; k++) {
                const char *name = names[k / 2];

                if (!name)
                        continue;
                if (asprintf(&p, k % 2 ? "%s/../%s" : "%s/%s", dir, name) < 0)
                        return -ENOMEM;
                if (access(p, R_OK) == 0 && digest_matches(f, p)) {
                        /* named as found, without "golden/.." */
                        *ret = realpath(p, NULL);
                        free(p);
                        return *ret ? 0 : -ENOMEM;
                }
                free(p);
                p = NULL;
        }
        return 0;
}

int explain_inputs_from_golden(const struct golden *g, const char *golden_path,
                               struct explain_input_args *args, struct explain_golden_files *ret)
{
        struct {
                const struct golden_input_file *f;
                const char **arg;
                char **keep;
                bool *from_golden;
        } files[] = {
                { &g->firmware, &args->firmware, &ret->firmware, &args->firmware_from_golden },
                { &g->kernel, &args->kernel, &ret->kernel, &args->kernel_from_golden },
                { &g->initrd, &args->initrd, &ret->initrd, &args->initrd_from_golden },
        };
        int n = 0, r;

        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                if (*files[i].arg)
                        continue;
                r = find_recorded(files[i].f, golden_path, files[i].keep);
                if (r < 0)
                        return r;
                if (*files[i].keep) {
                        *files[i].arg = *files[i].keep;
                        *files[i].from_golden = true;
                        n++;
                }
        }
        if (!args->cmdline && g->cmdline) {
                args->cmdline = g->cmdline;
                args->cmdline_from_golden = true;
                n++;
        }
        return n;
}

void explain_golden_files_free(struct explain_golden_files *f)
{
        free(f->firmware);
        free(f->kernel);
        free(f->initrd);
        *f = (struct explain_golden_files){ 0 };
}
