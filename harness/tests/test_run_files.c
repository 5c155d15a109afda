/* Run directories (the runtime one removed, the run one kept, symlinks not
 * followed), the fake TDX module's fw_cfg files, and picking the telling
 * line out of a log tail. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "fakes/fake_tdx.h"
#include "run/logtail.h"
#include "run/rundir.h"
#include "run/unix_sock.h"
#include "testutil.h"

static bool exists(const char *path)
{
        struct stat st;

        return lstat(path, &st) == 0;
}

START_TEST(test_rundir_removes_runtime_only_and_never_follows_symlinks)
{
        char *tmp = tmpdir_make(), *out = NULL, *victim = NULL, *link = NULL, *sub = NULL;
        struct rundir rd = RUNDIR_INIT;
        struct tdxh_err e = { 0 };
        char *runtime, *kept;

        ck_assert_int_ge(asprintf(&out, "%s/a/b/run", tmp), 0);
        ck_assert_int_ge(asprintf(&victim, "%s/victim", tmp), 0);
        ck_assert_int_eq(file_write_atomic(victim, "keep", 4, 0644, &e), 0);
        ck_assert_msg(rundir_open(&rd, out, &e) == 0, "%s", e.msg);
        ck_assert_str_eq(rd.path, out);
        ck_assert_int_eq(strncmp(rd.runtime, "/tmp/tdxh-", 10), 0);
        ck_assert_uint_lt(strlen(rd.runtime) + strlen("/swtpm.sock"), UNIX_PATH_MAX_LEN);
        runtime = strdup(rd.runtime);
        kept = rundir_file(&rd, "console.log");
        ck_assert_int_eq(file_write_atomic(kept, "x", 1, 0644, &e), 0);
        /* A nested tree and a symlink pointing out of the runtime directory. */
        sub = rundir_runtime_file(&rd, "tpm");
        ck_assert_int_eq(mkdir(sub, 0700), 0);
        free(link);
        link = rundir_runtime_file(&rd, "tpm/escape");
        ck_assert_int_eq(symlink(tmp, link), 0);
        rundir_close(&rd);
        ck_assert(!exists(runtime));
        ck_assert(exists(kept));
        ck_assert(exists(victim));
        rundir_close(&rd); /* twice is fine */
        free(runtime);
        free(kept);
        free(sub);
        free(link);
        free(victim);
        free(out);
        tmpdir_remove(tmp);
}
END_TEST

START_TEST(test_rundir_new_run_directory_under_tmpdir)
{
        char *tmp = tmpdir_make();
        struct rundir rd = RUNDIR_INIT;
        struct tdxh_err e = { 0 };

        setenv("TMPDIR", tmp, 1);
        ck_assert_int_eq(rundir_open(&rd, NULL, &e), 0);
        ck_assert_int_eq(strncmp(rd.path, tmp, strlen(tmp)), 0);
        ck_assert_ptr_nonnull(strstr(rd.path, "/tdxh-run-"));
        ck_assert_int_eq(strncmp(rd.runtime, "/tmp/tdxh-", 10), 0);
        rundir_close(&rd);
        unsetenv("TMPDIR");
        tmpdir_remove(tmp);
}
END_TEST

START_TEST(test_fake_tdx_writes_fw_cfg_files_and_items)
{
        char *tmp = tmpdir_make(), *dir = NULL;
        struct strv items = STRV_INIT;
        struct tdxh_err e = { 0 };
        uint8_t mrtd[SHA384_LEN];
        uint8_t *data;
        size_t n;

        for (size_t i = 0; i < sizeof(mrtd); i++)
                mrtd[i] = (uint8_t)i;
        ck_assert_int_ge(asprintf(&dir, "%s/fake-tdx", tmp), 0);
        ck_assert_int_eq(fake_tdx_prepare(dir, mrtd, 0x10000000ull, &items, &e), 0);
        ck_assert_uint_eq(items.n, 4);
        ck_assert_str_eq(items.v[0], "opt/tdxh/mrtd");
        data = slurp(items.v[1], &n);
        ck_assert_uint_eq(n, SHA384_LEN);
        ck_assert_mem_eq(data, mrtd, SHA384_LEN);
        free(data);
        ck_assert_str_eq(items.v[2], "opt/tdxh/td_attributes");
        data = slurp(items.v[3], &n);
        ck_assert_uint_eq(n, 8);
        ck_assert_mem_eq(data, ((uint8_t[]){ 0, 0, 0, 0x10, 0, 0, 0, 0 }), 8);
        free(data);
        strv_free(&items);

        /* Without an MRTD the guest gets no mrtd file at all. */
        ck_assert_int_eq(fake_tdx_prepare(dir, NULL, 0x10000001ull, &items, &e), 0);
        ck_assert_uint_eq(items.n, 2);
        ck_assert_str_eq(items.v[0], "opt/tdxh/td_attributes");
        strv_free(&items);
        free(dir);
        tmpdir_remove(tmp);
}
END_TEST

START_TEST(test_logtail_picks_last_line_and_panic_line_clean)
{
        char *tmp = tmpdir_make(), *path = NULL, *text = NULL, line[64];
        const char log[] = "\x1b[2J\x1b[01;01Hbooting\n[    2.1] Kernel panic - not syncing: "
                           "VFS: Unable to mount root fs\n[    2.2] ---[ end \x01trace ]---\r\n\n";
        struct tdxh_err e = { 0 };

        ck_assert_int_ge(asprintf(&path, "%s/console.log", tmp), 0);
        ck_assert_int_eq(logtail_read(path, 100, &text, &e), 0); /* missing: empty */
        ck_assert_str_eq(text, "");
        free(text);
        ck_assert_int_eq(file_write_atomic(path, log, sizeof(log) - 1, 0644, &e), 0);
        ck_assert_int_eq(logtail_read(path, 4096, &text, &e), 0);
        logtail_last_line(text, line, sizeof(line));
        ck_assert_str_eq(line, "[    2.2] ---[ end trace ]---");
        ck_assert(logtail_find_line(text, "Kernel panic", line, sizeof(line)));
        ck_assert_str_eq(line, "Kernel panic - not syncing: VFS: Unable to mount root fs");
        ck_assert(!logtail_find_line(text, "Oops", line, sizeof(line)));
        logtail_last_line("\x1b[2J\x1b[01;01H\n", line, sizeof(line));
        ck_assert_str_eq(line, "");
        free(text);
        /* Only the tail is read. */
        ck_assert_int_eq(logtail_read(path, 10, &text, &e), 0);
        ck_assert_uint_eq(strlen(text), 10);
        free(text);
        free(path);
        tmpdir_remove(tmp);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("run/files");
        TCase *tc = tcase_create("files");

        tcase_add_test(tc, test_rundir_removes_runtime_only_and_never_follows_symlinks);
        tcase_add_test(tc, test_rundir_new_run_directory_under_tmpdir);
        tcase_add_test(tc, test_fake_tdx_writes_fw_cfg_files_and_items);
        tcase_add_test(tc, test_logtail_picks_last_line_and_panic_line_clean);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
