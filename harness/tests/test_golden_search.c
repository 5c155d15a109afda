/* `tdxh golden search` against evidence computed with one input changed
 * from a golden file's (the reference kernel, Debian's OVMF, a sparse
 * initrd): the search names the input and the value that reproduces the
 * evidence, writes a golden file that matches it, and says so when nothing
 * it tries does. Evidence is a register JSON of the changed configuration's
 * registers, as a developer holding a stranger's quote has. Skipped (77)
 * without the reference kernel or OVMF. */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "core/json_util.h"
#include "golden/golden.h"
#include "ovmf_fixture.h"
#include "testutil.h"

#define INITRD_SIZE 1028398u

static char *ref_kernel, *dir, *initrd;

/* `tdxh golden compute` of the base with extra options, into dir/name. */
static char *compute(const char *name, const char *profile, const char *memory, const char *const *extra)
{
        const char *argv[32] = { "golden", "compute", "--profile", profile, "--firmware", OVMF_PATH,
                                 "--kernel", ref_kernel, "--cmdline", "console=hvc0", "--memory",
                                 memory, "--vcpus", "1", "-o" };
        char *out = NULL;
        struct run_result r;
        size_t n = 15;

        ck_assert_int_ge(asprintf(&out, "%s/%s", dir, name), 0);
        argv[n++] = out;
        for (size_t i = 0; extra && extra[i]; i++)
                argv[n++] = extra[i];
        argv[n] = NULL;
        run_tdxh(&r, argv);
        ck_assert_msg(r.status == 0, "compute %s: %s", name, r.err);
        run_result_free(&r);
        return out;
}

/* The registers of a golden file as evidence: {"mrtd": hex, ...}. */
static char *registers_of(const char *golden, const char *name)
{
        json_object *g = json_object_from_file(golden), *regs, *out = json_object_new_object();
        char *path = NULL;

        ck_assert_ptr_nonnull(g);
        ck_assert(json_object_object_get_ex(g, "registers", &regs));
        json_object_object_foreach(regs, k, v)
        {
                if (v)
                        json_object_object_add(out, k, json_object_get(v));
        }
        ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
        ck_assert_int_eq(json_write(out, path, NULL), 0);
        json_object_put(out);
        json_object_put(g);
        return path;
}

static const struct {
        const char *name, *profile, *memory;
        const char *extra[4];     /* options of the evidence's configuration */
        bool no_initrd;           /* the evidence's boot had none */
        const char *input, *from, *to; /* the change named, or NULL: none */
        int status;
} cases[] = {
        { "memory", "fake", "1G", { NULL }, false, "memory", "2G", "1G", 0 },
        /* Above 2.75 GiB q35 keeps 2 GiB below 4 GiB, where QEMU puts the
         * initrd: the fake platform's evidence cannot tell 16G from 2G, and
         * the search claims no change. */
        { "memory-unseen", "fake", "16G", { NULL }, false, NULL, NULL, NULL, 0 },
        { "page-add", "fake", "2G", { "--page-add", "two-pass", NULL }, false, "page-add", "per-page", "two-pass", 0 },
        { "no-initrd", "fake", "2G", { NULL }, true, "initrd", NULL, "none", 0 },
        { "same", "fake", "2G", { NULL }, false, NULL, NULL, NULL, 0 },
        { "profile", "tdx-edk2-202502-qemu-10.2", "2G", { NULL }, false, "profile", "tdx-edk2-202411-qemu-10.1",
          "tdx-edk2-202502-qemu-10.2", 0 },
        /* Another command line: a register JSON carries no text, so nothing
         * reproduces RTMR2, and the search says which event it could not. */
        { "cmdline", "fake", "2G", { "--cmdline", "console=ttyS0", NULL }, false, NULL, NULL, NULL, 1 },
};

static void setup(void)
{
        dir = tmpdir_make();
        initrd = sparse_file(dir, "initrd.img", INITRD_SIZE);
}

static void teardown(void)
{
        tmpdir_remove(dir);
        free(initrd);
}

START_TEST(test_golden_search_names_the_input)
{
        const char *profile = strncmp(cases[_i].profile, "tdx", 3) == 0 ? "tdx-edk2-202411-qemu-10.1" : "fake";
        const char *base_extra[] = { "--initrd", initrd, NULL };
        const char *obs_extra[8] = { NULL };
        char *base, *obs, *ev, *found = NULL, *name = NULL;
        size_t n = 0;
        struct run_result r;
        json_object *res, *v;

        for (size_t i = 0; cases[_i].extra[i]; i++)
                obs_extra[n++] = cases[_i].extra[i];
        if (!cases[_i].no_initrd) {
                obs_extra[n++] = "--initrd";
                obs_extra[n++] = initrd;
        }
        ck_assert_int_ge(asprintf(&name, "%s-base.json", cases[_i].name), 0);
        base = compute(name, profile, "2G", base_extra);
        free(name);
        ck_assert_int_ge(asprintf(&name, "%s-obs.json", cases[_i].name), 0);
        obs = compute(name, cases[_i].profile, cases[_i].memory, obs_extra);
        free(name);
        ck_assert_int_ge(asprintf(&name, "%s-regs.json", cases[_i].name), 0);
        ev = registers_of(obs, name);
        free(name);
        ck_assert_int_ge(asprintf(&found, "%s/%s-found.json", dir, cases[_i].name), 0);

        run_tdxh(&r, (const char *[]){ "golden", "search", ev, "--golden", base, "-o", found, "--json", NULL });
        ck_assert_msg(r.status == cases[_i].status, "%s: exit %d\n%s%s", cases[_i].name, r.status, r.out, r.err);
        res = json_tokener_parse(r.out);
        ck_assert_ptr_nonnull(res);
        ck_assert(json_object_object_get_ex(res, "changes", &v));
        if (cases[_i].input) {
                json_object *c = json_object_array_get_idx(v, 0);

                ck_assert_uint_eq(json_object_array_length(v), 1);
                ck_assert_str_eq(json_get_string(c, "input"), cases[_i].input);
                if (cases[_i].from)
                        ck_assert_str_eq(json_get_string(c, "golden"), cases[_i].from);
                /* The value, or one the evidence cannot tell from it. */
                ck_assert_msg(strcmp(json_get_string(c, "observed"), cases[_i].to) == 0 ||
                                      (json_get_string(c, "equally") &&
                                       strstr(json_get_string(c, "equally"), cases[_i].to)),
                              "%s: found %s (equally %s)", cases[_i].name, json_get_string(c, "observed"),
                              json_get_string(c, "equally"));
        } else if (cases[_i].status == 0) {
                ck_assert_uint_eq(json_object_array_length(v), 0);
        }
        if (cases[_i].status == 0) {
                /* What it wrote predicts the evidence. */
                struct run_result d;

                ck_assert_ptr_nonnull(json_get_string(res, "command"));
                run_tdxh(&d, (const char *[]){ "diff", found, ev, NULL });
                ck_assert_msg(d.status == 0, "%s: the golden file found does not match:\n%s", cases[_i].name,
                              d.out);
                run_result_free(&d);
        } else {
                ck_assert_msg(access(found, F_OK) != 0, "%s: wrote a golden file that reproduces nothing",
                              cases[_i].name);
                ck_assert_ptr_nonnull(json_get_string(res, "registers.rtmr2.unexplained"));
                ck_assert_ptr_nonnull(strstr(json_get_string(res, "registers.rtmr2.unexplained"), "no event log"));
        }
        json_object_put(res);
        run_result_free(&r);
        free(found);
        free(ev);
        free(obs);
        free(base);
}
END_TEST

/* A golden file whose kernel is gone cannot be searched, and says so. */
START_TEST(test_golden_search_needs_the_recorded_files)
{
        const char *base_extra[] = { "--initrd", initrd, NULL };
        char *kernel = NULL, *base, *ev;
        struct run_result r;
        uint8_t *data;
        size_t len;

        ck_assert_int_ge(asprintf(&kernel, "%s/vmlinuz-copy", dir), 0);
        data = slurp(ref_kernel, &len);
        ck_assert_int_eq(file_write_atomic(kernel, data, len, 0644, NULL), 0);
        free(data);
        {
                char *saved = ref_kernel;

                ref_kernel = kernel;
                base = compute("gone-base.json", "fake", "2G", base_extra);
                ref_kernel = saved;
        }
        ev = registers_of(base, "gone-regs.json");
        ck_assert_int_eq(unlink(kernel), 0);
        run_tdxh(&r, (const char *[]){ "golden", "search", ev, "--golden", base, NULL });
        ck_assert_int_eq(r.status, 2);
        ck_assert_ptr_nonnull(strstr(r.err, "the kernel it records"));
        ck_assert_ptr_nonnull(strstr(r.err, "give --kernel"));
        run_result_free(&r);
        /* Named by the user instead, it searches. */
        run_tdxh(&r, (const char *[]){ "golden", "search", ev, "--golden", base, "--kernel", ref_kernel, NULL });
        ck_assert_msg(r.status == 0, "%s%s", r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "result: the golden file's own inputs reproduce the evidence"));
        run_result_free(&r);
        free(ev);
        free(base);
        free(kernel);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("golden_search");
        TCase *tc = tcase_create("golden_search");
        int status;

        if (access(OVMF_PATH, R_OK) != 0)
                return OVMF_SKIP;
        ref_kernel = reference_kernel_path();
        if (!ref_kernel)
                return 77;
        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_loop_test(tc, test_golden_search_names_the_input, 0, sizeof(cases) / sizeof(cases[0]));
        tcase_add_test(tc, test_golden_search_needs_the_recorded_files);
        suite_add_tcase(s, tc);
        status = run_suite(s);
        free(ref_kernel);
        return status;
}
