/* Scenario files as files and sets of cases (check/scenario.h): a matrix
 * expands to named cases, the last key varying fastest; relative paths are
 * joined to the file's directory; a missing or empty file is named; and
 * every file of the scenario library (scenarios/, *.yaml) parses, follows
 * the library's conventions and finds the files its steps name. */
#include <errno.h>
#include <glob.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check/scenario.h"
#include "core/file.h"
#include "testutil.h"

#define FILE_NAME "dir/s.yaml"

START_TEST(test_scenario_matrix_expands_to_named_cases_last_key_fastest)
{
        static const char yaml[] = "name: mx\nplatform: {memory: 4G, vcpus: 4}\n"
                                   "matrix: {vcpus: [1, 2], memory: [1G, 2G], profile: [fake, alt]}\n"
                                   "steps: [boot]\n";
        static const struct {
                const char *name;
                uint64_t memory;
                unsigned vcpus;
                const char *profile;
        } want[] = {
                { "mx[memory=1G,vcpus=1,profile=fake]", 1ull << 30, 1, "fake" },
                { "mx[memory=1G,vcpus=1,profile=alt]", 1ull << 30, 1, "alt" },
                { "mx[memory=1G,vcpus=2,profile=fake]", 1ull << 30, 2, "fake" },
                { "mx[memory=1G,vcpus=2,profile=alt]", 1ull << 30, 2, "alt" },
                { "mx[memory=2G,vcpus=1,profile=fake]", 2ull << 30, 1, "fake" },
                { "mx[memory=2G,vcpus=1,profile=alt]", 2ull << 30, 1, "alt" },
                { "mx[memory=2G,vcpus=2,profile=fake]", 2ull << 30, 2, "fake" },
                { "mx[memory=2G,vcpus=2,profile=alt]", 2ull << 30, 2, "alt" },
        };
        struct tdxh_err e = { 0 };

        for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
                struct scenario s = { 0 };

                ck_assert_msg(scenario_parse(FILE_NAME, yaml, strlen(yaml), &s, &e) == 0, "%s", e.msg);
                ck_assert_uint_eq(scenario_n_cases(&s), 8);
                ck_assert_int_eq(scenario_apply_case(&s, i), 0);
                ck_assert_str_eq(s.name, want[i].name);
                ck_assert_str_eq(s.base_name, "mx");
                ck_assert_uint_eq(s.platform.memory, want[i].memory);
                ck_assert_uint_eq(s.platform.vcpus, want[i].vcpus);
                ck_assert_str_eq(s.profile, want[i].profile);
                ck_assert_int_eq(scenario_apply_case(&s, 8), -ERANGE);
                scenario_free(&s);
        }
}
END_TEST

START_TEST(test_scenario_without_matrix_is_one_case_of_its_own_name)
{
        static const char yaml[] = "name: one\nsteps: [boot]\n";
        struct scenario s = { 0 };
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(scenario_parse(FILE_NAME, yaml, strlen(yaml), &s, &e), 0);
        ck_assert_uint_eq(scenario_n_cases(&s), 1);
        ck_assert_int_eq(scenario_apply_case(&s, 0), 0);
        ck_assert_str_eq(s.name, "one");
        ck_assert_ptr_null(s.profile);
        scenario_free(&s);
}
END_TEST

START_TEST(test_scenario_load_joins_relative_paths_to_the_file_directory)
{
        static const char text[] =
                "name: paths\nimage: out/image\nplatform: {firmware: fw/OVMF.fd}\nsteps:\n"
                "  - boot: {kernel: vmlinuz, initrd: /abs/initrd.img}\n"
                "  - measure: {golden: ../golden.json}\n"
                "  - extend: {file: payload.bin}\n";
        char *dir = tmpdir_make(), *sub = NULL, *path = NULL, *want = NULL;
        struct scenario s = { 0 };
        struct tdxh_err e = { 0 };

        ck_assert_int_ge(asprintf(&sub, "%s/lib", dir), 0);
        ck_assert_int_eq(mkdir(sub, 0755), 0);
        ck_assert_int_ge(asprintf(&path, "%s/paths.yaml", sub), 0);
        ck_assert_int_eq(file_write_atomic(path, text, strlen(text), 0644, NULL), 0);
        ck_assert_msg(scenario_load(path, &s, &e) == 0, "%s", e.msg);
        ck_assert_str_eq(s.path, path);
        ck_assert_str_eq(s.image, "out/image"); /* a build output: from where tdxh runs */
        ck_assert_int_ge(asprintf(&want, "%s/fw/OVMF.fd", sub), 0);
        ck_assert_str_eq(s.platform.firmware, want);
        free(want);
        ck_assert_int_ge(asprintf(&want, "%s/vmlinuz", sub), 0);
        ck_assert_str_eq(s.steps[0].boot.kernel, want);
        free(want);
        ck_assert_str_eq(s.steps[0].boot.initrd, "/abs/initrd.img");
        ck_assert_int_ge(asprintf(&want, "%s/../golden.json", sub), 0);
        ck_assert_str_eq(s.steps[1].measure.golden, want);
        free(want);
        ck_assert_int_ge(asprintf(&want, "%s/payload.bin", sub), 0);
        ck_assert_str_eq(s.steps[2].extend.file, want);
        free(want);
        scenario_free(&s);
        free(path);
        free(sub);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_scenario_paths_of_a_file_in_the_current_directory_stay_as_written)
{
        static const char text[] = "name: t\nsteps:\n  - boot: {kernel: k, firmware: /fw}\n";
        struct scenario s = { 0 };
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(scenario_parse("s.yaml", text, strlen(text), &s, &e), 0);
        ck_assert_str_eq(s.steps[0].boot.kernel, "k");
        ck_assert_str_eq(s.steps[0].boot.firmware, "/fw");
        scenario_free(&s);
        ck_assert_int_eq(scenario_parse("/s.yaml", text, strlen(text), &s, &e), 0);
        ck_assert_str_eq(s.steps[0].boot.kernel, "/k");
        scenario_free(&s);
}
END_TEST

START_TEST(test_scenario_load_names_a_missing_or_empty_file)
{
        char *dir = tmpdir_make(), *path = NULL;
        struct scenario s = { 0 };
        struct tdxh_err e = { 0 };
        char want[512];

        ck_assert_int_eq(scenario_load("/nonexistent/s.yaml", &s, &e), -ENOENT);
        ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/s.yaml"));
        err_clear(&e);
        ck_assert_int_ge(asprintf(&path, "%s/empty.yaml", dir), 0);
        ck_assert_int_eq(file_write_atomic(path, "", 0, 0644, NULL), 0);
        ck_assert_int_eq(scenario_load(path, &s, &e), -EINVAL);
        snprintf(want, sizeof(want), "%s:1:1: the file is empty (expected a mapping with name and steps)",
                 path);
        ck_assert_str_eq(e.msg, want);
        free(path);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_scenario_library_files_all_parse)
{
        glob_t g = { 0 };
        char pattern[512];
        size_t n = 0;

        snprintf(pattern, sizeof(pattern), "%s/scenarios/*.yaml", TDXH_SOURCE_DIR);
        ck_assert_int_eq(glob(pattern, 0, NULL, &g), 0);
        for (size_t i = 0; i < g.gl_pathc; i++) {
                struct scenario s = { 0 };
                struct tdxh_err e = { 0 };
                char *copy = strdup(g.gl_pathv[i]), *base;

                ck_assert_msg(scenario_load(g.gl_pathv[i], &s, &e) == 0, "%s", e.msg);
                /* the library's convention: name = file name, and a description */
                base = basename(copy);
                base[strlen(base) - strlen(".yaml")] = '\0';
                ck_assert_str_eq(s.name, base);
                ck_assert_msg(s.description && strlen(s.description) > 20, "%s: no description",
                              g.gl_pathv[i]);
                for (size_t j = 0; j < s.n_steps; j++) {
                        struct stat st;

                        /* files the steps name exist beside the scenarios */
                        if (s.steps[j].kind == STEP_EXTEND && s.steps[j].extend.source == EXTEND_FILE)
                                ck_assert_msg(stat(s.steps[j].extend.file, &st) == 0, "%s: %s missing",
                                              g.gl_pathv[i], s.steps[j].extend.file);
                }
                scenario_free(&s);
                free(copy);
                n++;
        }
        globfree(&g);
        ck_assert_uint_ge(n, 8);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("scenario_files");
        TCase *tc = tcase_create("scenario_files");

        tcase_add_test(tc, test_scenario_matrix_expands_to_named_cases_last_key_fastest);
        tcase_add_test(tc, test_scenario_without_matrix_is_one_case_of_its_own_name);
        tcase_add_test(tc, test_scenario_load_joins_relative_paths_to_the_file_directory);
        tcase_add_test(tc, test_scenario_paths_of_a_file_in_the_current_directory_stay_as_written);
        tcase_add_test(tc, test_scenario_load_names_a_missing_or_empty_file);
        tcase_add_test(tc, test_scenario_library_files_all_parse);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
