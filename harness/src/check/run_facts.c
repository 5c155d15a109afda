/* Reading back what a run directory recorded; see run_facts.h. */
#include "check/run_facts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/json_parse.h"
#include "core/json_util.h"
#include <stdint.h>
#include "core/size.h"

/* facts.json is a few kilobytes; a bound keeps a wrong path from reading
 * a disk image into memory. */
#define RUN_JSON_MAX (1u << 20)

int run_dir_read_json(const char *path, json_object **ret, struct tdxh_err *e)
{
        _cleanup_free_ char *text = NULL;
        size_t len;
        int r;

        r = file_read_all(path, RUN_JSON_MAX, &text, &len, e);
        if (r >= 0)
                r = json_parse_text(text, len, 0, ret, e);
        if (r >= 0 && !json_object_is_type(*ret, json_type_object)) {
                json_object_put(*ret);
                *ret = NULL;
                r = err_setf(e, -EINVAL, "not a JSON object");
        }
        if (r < 0 && e && e->msg[0] && strncmp(e->msg, path, strlen(path)) != 0)
                err_prefix(e, "%s: ", path);
        return r;
}

int run_facts_load(const char *run_dir, json_object **ret, char **ret_path, struct tdxh_err *e)
{
        _cleanup_free_ char *path = NULL;
        int r;

        if (asprintf(&path, "%s/facts.json", run_dir) < 0)
                return err_setf(e, -ENOMEM, "out of memory");
        if (access(path, F_OK) < 0)
                return err_setf(e, -EINVAL, "%s: not the run directory of a tdxh boot (no facts.json)",
                                run_dir);
        r = run_dir_read_json(path, ret, e);
        if (r >= 0 && ret_path)
                *ret_path = TAKE_PTR(path);
        return r;
}

/* host.WHAT.{path,sha256} into f; nothing when the run did not record it. */
static int input_file(json_object *facts, const char *facts_path, const char *what,
                      struct golden_input_file *f, struct tdxh_err *e)
{
        char key[48];
        const char *path, *sha256;

        snprintf(key, sizeof(key), "host.%s.path", what);
        path = json_get_string(facts, key);
        snprintf(key, sizeof(key), "host.%s.sha256", what);
        sha256 = json_get_string(facts, key);
        if (!sha256)
                return 0;
        if (hex_decode_exact(sha256, f->sha256, SHA256_LEN) < 0)
                return err_setf(e, -EINVAL, "%s: %s: not a SHA-256 in hex", facts_path, key);
        f->have_sha256 = true;
        free(f->path);
        f->path = path ? strdup(path) : NULL;
        return path && !f->path ? -ENOMEM : 0;
}

int run_facts_golden_inputs(json_object *facts, const char *facts_path, struct golden *g,
                            struct tdxh_err *e)
{
        const char *cmdline = json_get_string(facts, "host.cmdline");
        const char *memory = json_get_string(facts, "host.memory");
        json_object *v;
        int r;

        if ((r = input_file(facts, facts_path, "firmware", &g->firmware, e)) < 0 ||
            (r = input_file(facts, facts_path, "kernel", &g->kernel, e)) < 0 ||
            (r = input_file(facts, facts_path, "initrd", &g->initrd, e)) < 0)
                return r;
        if (!cmdline)
                cmdline = json_get_string(facts, "cmdline");
        if (cmdline) {
                free(g->cmdline);
                if (!(g->cmdline = strdup(cmdline)))
                        return -ENOMEM;
        }
        if (memory && size_parse(memory, &g->memory) < 0)
                return err_setf(e, -EINVAL, "%s: host.memory: '%s' is not a memory size", facts_path,
                                memory);
        if (json_object_object_get_ex(facts, "host", &v) && json_object_object_get_ex(v, "vcpus", &v)) {
                int64_t n = json_object_get_int64(v);

                if (!json_object_is_type(v, json_type_int) || n < 1 || n > UINT16_MAX)
                        return err_setf(e, -EINVAL, "%s: host.vcpus: not a vCPU count", facts_path);
                g->vcpus = (unsigned)n;
        }
        return 0;
}

int run_dir_evidence(const char *run_dir, struct strv *ret, struct tdxh_err *e)
{
        /* observed_load() reads the registers first, then the log. */
        static const char *const names[] = { "registers.json", "binary_bios_measurements" };

        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
                _cleanup_free_ char *p = NULL;

                if (asprintf(&p, "%s/evidence/%s", run_dir, names[i]) < 0)
                        return -ENOMEM;
                if (access(p, R_OK) == 0 && strv_push(ret, p) < 0)
                        return -ENOMEM;
        }
        if (ret->n == 0)
                return err_setf(e, -ENOENT, "%s/evidence: no registers.json or event log: the run "
                                            "ended before the guest handed its evidence over",
                                run_dir);
        return 0;
}
