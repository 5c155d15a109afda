/* The data directory (core/datadir.h): a program of the build tree finds
 * the source tree (scenarios and the reference golden files as they are
 * there), TDXH_DATADIR overrides it, and a TDXH_DATADIR that is not a
 * directory is an error naming it. The installed case (DATADIR/tdxh beside
 * the program) is test_deb's. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/datadir.h"
#include "testutil.h"

START_TEST(test_build_tree_program_finds_the_source_tree)
{
        _cleanup_free_ char *dir = NULL, *golden = NULL;
        char src[PATH_MAX];
        struct tdxh_err e = { 0 };

        unsetenv("TDXH_DATADIR");
        ck_assert_ptr_nonnull(realpath(TDXH_SOURCE_DIR, src));
        ck_assert_msg(datadir_find(&dir, &e) == 0, "%s", e.msg);
        ck_assert_str_eq(dir, src);
        ck_assert_int_eq(datadir_path("images/minimal/golden/fake.json", &golden, &e), 0);
        ck_assert_int_eq(access(golden, R_OK), 0);
}
END_TEST

START_TEST(test_tdxh_datadir_overrides_and_must_exist)
{
        char *tmp = tmpdir_make(), real[PATH_MAX], *missing = NULL;
        _cleanup_free_ char *dir = NULL, *path = NULL;
        struct tdxh_err e = { 0 };

        ck_assert_ptr_nonnull(realpath(tmp, real));
        setenv("TDXH_DATADIR", tmp, 1);
        ck_assert_int_eq(datadir_find(&dir, &e), 0);
        ck_assert_str_eq(dir, real);
        ck_assert_int_eq(datadir_path("scenarios/x.yaml", &path, &e), 0);
        ck_assert_int_eq(strncmp(path, real, strlen(real)), 0);
        ck_assert_str_eq(path + strlen(real), "/scenarios/x.yaml");

        ck_assert_int_ge(asprintf(&missing, "%s/nowhere", tmp), 0);
        setenv("TDXH_DATADIR", missing, 1);
        free(dir);
        dir = NULL;
        ck_assert_int_eq(datadir_find(&dir, &e), -ENOENT);
        ck_assert_ptr_null(dir);
        ck_assert_ptr_nonnull(strstr(e.msg, missing));
        unsetenv("TDXH_DATADIR");
        free(missing);
        tmpdir_remove(tmp);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("datadir");
        TCase *tc = tcase_create("datadir");

        tcase_add_test(tc, test_build_tree_program_finds_the_source_tree);
        tcase_add_test(tc, test_tdxh_datadir_overrides_and_must_exist);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
