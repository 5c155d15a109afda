/* The real TDX data in harness/tests/data/real is what PROVENANCE.md says it
 * is: every file there has a row in its table, every row names a file that
 * exists, and each file's sha256 is the one recorded, so a copy that drifted
 * from its upstream (or a file added without its source) fails here. */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cleanup.h"
#include "core/digest.h"
#include "core/hex.h"
#include "testutil.h"

struct row {
        char *file;
        char *sha256;
};

/* The text between the first pair of backticks of `cell`, or NULL. */
static char *backticked(const char *cell)
{
        const char *a = strchr(cell, '`'), *b;

        if (!a)
                return NULL;
        b = strchr(a + 1, '`');
        if (!b)
                return NULL;
        return strndup(a + 1, (size_t)(b - a - 1));
}

/* Rows of the table: lines "| `FILE` | ... | `SHA256` |". */
static size_t read_rows(const char *md, struct row *rows, size_t max)
{
        _cleanup_free_ char *text = (char *)slurp(md, NULL);
        size_t n = 0;
        char *save = NULL;

        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *last;

                if (strncmp(line, "| `", 3) != 0)
                        continue;
                ck_assert_uint_lt(n, max);
                last = strrchr(line, '|');
                ck_assert_ptr_nonnull(last);
                *last = 0;
                last = strrchr(line, '|');
                ck_assert_ptr_nonnull(last);
                rows[n].file = backticked(line);
                rows[n].sha256 = backticked(last);
                ck_assert_msg(rows[n].file && rows[n].sha256, "%s: bad row: %s", md, line);
                n++;
        }
        return n;
}

static bool listed(const struct row *rows, size_t n, const char *rel)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(rows[i].file, rel) == 0)
                        return true;
        return false;
}

/* Walks dir (relative path rel under the data root) and fails on a file that
 * has no row; returns the number of files seen. */
static size_t check_listed(const char *root, const char *rel, const struct row *rows, size_t n)
{
        _cleanup_free_ char *dir = NULL;
        DIR *d;
        struct dirent *de;
        size_t seen = 0;

        ck_assert_int_ge(asprintf(&dir, "%s%s%s", root, *rel ? "/" : "", rel), 0);
        d = opendir(dir);
        ck_assert_msg(d != NULL, "cannot open %s: %s", dir, strerror(errno));
        while ((de = readdir(d))) {
                _cleanup_free_ char *sub = NULL, *path = NULL;
                struct stat st;

                if (de->d_name[0] == '.')
                        continue;
                ck_assert_int_ge(asprintf(&sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name), 0);
                ck_assert_int_ge(asprintf(&path, "%s/%s", root, sub), 0);
                ck_assert_int_eq(lstat(path, &st), 0);
                if (S_ISDIR(st.st_mode)) {
                        if (strcmp(sub, "LICENSES") != 0)
                                seen += check_listed(root, sub, rows, n);
                        continue;
                }
                if (strcmp(sub, "PROVENANCE.md") == 0)
                        continue;
                ck_assert_msg(S_ISREG(st.st_mode), "%s: not a regular file", path);
                ck_assert_msg(listed(rows, n, sub), "%s has no row in PROVENANCE.md", sub);
                seen++;
        }
        closedir(d);
        return seen;
}

START_TEST(test_provenance_lists_every_file_with_its_sha256)
{
        _cleanup_free_ char *root = fixture_path(""), *md = fixture_path("PROVENANCE.md");
        struct row rows[64];
        size_t n = read_rows(md, rows, 64);

        /* The files the tests, benchmarks and fuzz seeds read. */
        ck_assert_uint_ge(n, 9);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *path = fixture_path(rows[i].file);
                uint8_t sum[SHA256_LEN];
                char hex[2 * SHA256_LEN + 1];
                struct tdxh_err e = { 0 };

                ck_assert_msg(digest_file(DIGEST_SHA256, path, sum, NULL, &e) == 0, "%s", e.msg);
                hex_encode(sum, sizeof(sum), hex);
                ck_assert_msg(strcmp(hex, rows[i].sha256) == 0, "%s: sha256 %s, PROVENANCE.md says %s",
                              rows[i].file, hex, rows[i].sha256);
        }
        ck_assert_uint_eq(check_listed(root, "", rows, n), n);
        for (size_t i = 0; i < n; i++) {
                free(rows[i].file);
                free(rows[i].sha256);
        }
}
END_TEST

START_TEST(test_provenance_row_names_source_commit_and_licence)
{
        _cleanup_free_ char *md = fixture_path("PROVENANCE.md");
        _cleanup_free_ char *text = (char *)slurp(md, NULL);
        char *save = NULL;
        size_t rows = 0;

        for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                char *cells[8] = { 0 }, *c, *s2 = NULL;
                size_t k = 0;

                if (strncmp(line, "| `", 3) != 0)
                        continue;
                for (c = strtok_r(line, "|", &s2); c && k < 8; c = strtok_r(NULL, "|", &s2))
                        cells[k++] = c;
                /* file, repository, upstream path, commit, licence, sha256 */
                ck_assert_uint_eq(k, 6);
                ck_assert_msg(strchr(cells[1], '/') != NULL, "repository: %s", cells[1]);
                ck_assert_uint_gt(strlen(cells[2]), 2);
                {
                        char commit[41] = { 0 };

                        ck_assert_int_eq(sscanf(cells[3], " %40[0-9a-f]", commit), 1);
                        ck_assert_uint_eq(strlen(commit), 40);
                }
                ck_assert_msg(strstr(cells[4], "Apache-2.0") || strstr(cells[4], "BSD-3-Clause") ||
                                      strstr(cells[4], "CC0-1.0"),
                              "licence: %s", cells[4]);
                rows++;
        }
        ck_assert_uint_ge(rows, 9);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("provenance");
        TCase *tc = tcase_create("provenance");

        tcase_add_test(tc, test_provenance_lists_every_file_with_its_sha256);
        tcase_add_test(tc, test_provenance_row_names_source_commit_and_licence);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
