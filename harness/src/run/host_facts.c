/* Host facts; see host_facts.h. */
#include "run/host_facts.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "core/cleanup.h"
#include "core/digest.h"
#include "core/file.h"
#include "core/json_util.h"
#include "core/size.h"
#include "run/child.h"

#define VERSION_OUTPUT_MAX 4096

int host_file_facts(const char *path, json_object **ret, struct tdxh_err *e)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        uint8_t d[SHA256_LEN];
        uint64_t size = 0;
        int r;

        if (!o)
                return -ENOMEM;
        r = digest_file(DIGEST_SHA256, path, d, &size, e);
        if (r < 0)
                return r;
        if (json_add_string(o, "path", path) < 0 || json_add_hex(o, "sha256", d, sizeof(d)) < 0 ||
            json_add_int(o, "size", (int64_t)size) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

int host_tool_version(const char *program, const struct deadline *d, struct signal_watch *sw,
                      char **ret, struct tdxh_err *e)
{
        const char *argv[] = { program, "--version", NULL };
        _cleanup_free_ char *out = NULL;
        int r;

        r = child_run_capture(argv, VERSION_OUTPUT_MAX, d, sw, &out, e);
        if (r < 0)
                return r;
        out[strcspn(out, "\n")] = '\0';
        *ret = TAKE_PTR(out);
        return 0;
}

int host_tool_facts(const char *program, const struct deadline *d, struct signal_watch *sw,
                    json_object **ret, struct tdxh_err *e)
{
        _cleanup_free_ char *path = NULL, *version = NULL;
        _cleanup_json_ json_object *o = NULL;
        int r;

        r = child_resolve_program(program, &path, e);
        if (r < 0)
                return r;
        r = host_file_facts(path, &o, e);
        if (r < 0)
                return r;
        r = host_tool_version(path, d, sw, &version, e);
        if (r < 0)
                return r;
        if (json_add_string(o, "version", version) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

/* An input that cannot be read is recorded with the reason rather than
 * failing the collection: QEMU, which reads it next, says best what is
 * wrong with it, and the report still shows which path was given. */
static int add_file(json_object *facts, const char *key, const char *path)
{
        struct tdxh_err inner = { 0 };
        json_object *f = NULL;
        int r;

        if (!path)
                return 0;
        r = host_file_facts(path, &f, &inner);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                f = json_object_new_object();
                if (!f || json_add_string(f, "path", path) < 0 ||
                    json_add_string(f, "error", inner.msg) < 0) {
                        json_object_put(f);
                        return -ENOMEM;
                }
        }
        return json_add(facts, key, f);
}

int host_facts_collect(const struct platform *p, const char *swtpm, const struct deadline *d,
                       struct signal_watch *sw, json_object **ret, struct tdxh_err *e)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *tool = NULL;
        char mem[32];
        int r;

        if (!o)
                return -ENOMEM;
        size_format(p->memory, mem);
        if (json_add_string(o, "backend", platform_backend_name(p->backend)) < 0 ||
            json_add_string(o, "accel", platform_accel_name(p->accel)) < 0 ||
            json_add_string(o, "memory", mem) < 0 || json_add_int(o, "vcpus", p->vcpus) < 0 ||
            json_add_string(o, "cmdline", p->cmdline) < 0)
                return -ENOMEM;
        r = host_tool_facts(platform_qemu(p), d, sw, &tool, e);
        if (r < 0 || (r = json_add(o, "qemu", tool)) < 0)
                return r;
        if (swtpm) {
                r = host_tool_facts(swtpm, d, sw, &tool, e);
                if (r < 0 || (r = json_add(o, "swtpm", tool)) < 0)
                        return r;
        }
        if ((r = add_file(o, "firmware", p->firmware)) < 0 ||
            (r = add_file(o, "kernel", p->kernel)) < 0 || (r = add_file(o, "initrd", p->initrd)) < 0 ||
            (r = add_file(o, "disk", p->disk)) < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int host_facts_add_argv(json_object *facts, const char *name, const struct strv *argv)
{
        json_object *all, *arr = json_object_new_array();

        if (!arr)
                return -ENOMEM;
        for (size_t i = 0; i < argv->n; i++)
                if (json_array_add(arr, json_object_new_string(argv->v[i])) < 0) {
                        json_object_put(arr);
                        return -ENOMEM;
                }
        if (!json_object_object_get_ex(facts, "argv", &all)) {
                all = json_object_new_object();
                if (!all || json_add(facts, "argv", all) < 0) {
                        json_object_put(arr);
                        return -ENOMEM;
                }
        }
        return json_add(all, name, arr);
}

#define TDX_MODULE_SYSFS "/sys/firmware/tdx/tdx_module"

/* One line of a sysfs attribute, without its newline; NULL when absent. */
static char *sysfs_line(const char *name)
{
        _cleanup_free_ char *path = NULL;
        char *text = NULL;
        size_t len = 0;

        if (asprintf(&path, "%s/%s", TDX_MODULE_SYSFS, name) < 0 ||
            file_read_all(path, 256, &text, &len, NULL) < 0)
                return NULL;
        text[strcspn(text, "\n")] = '\0';
        return text;
}

int host_system_facts(json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_free_ char *kernel = NULL, *module = NULL;
        _cleanup_free_ char *major = sysfs_line("major_version"), *minor = sysfs_line("minor_version"),
                            *build = sysfs_line("build_num");
        struct utsname u;

        if (!o)
                return -ENOMEM;
        if (uname(&u) < 0)
                return -errno;
        if (asprintf(&kernel, "%s %s", u.release, u.version) < 0 ||
            (major && minor && asprintf(&module, "%s.%s%s%s", major, minor, build ? " build " : "",
                                        build ? build : "") < 0))
                return -ENOMEM;
        if (json_add_string(o, "name", u.nodename) < 0 || json_add_string(o, "kernel", kernel) < 0 ||
            json_add_string(o, "tdx_module", module) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}
