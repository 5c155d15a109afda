/* Booting the pinned Debian kernel on the fake platform with real QEMU,
 * OVMF and swtpm: a busybox guest that powers itself off, and a guest whose
 * shell stand-in for the agent answers hello and poweroff over the real
 * virtio-serial port. Checks the session's records (host facts, command
 * lines, logs, the fake TDX module's fw_cfg values as the guest read them),
 * the stop path, and that nothing is left behind. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "it_guest.h"
#include "run/boot.h"

static char *kernel;

static const char *jstr(json_object *o, const char *path1, const char *path2)
{
        json_object *a, *b;

        if (!json_object_object_get_ex(o, path1, &a))
                return NULL;
        if (!path2)
                return json_object_get_string(a);
        return json_object_object_get_ex(a, path2, &b) ? json_object_get_string(b) : NULL;
}

static char *run_file_text(const struct boot_session *s, const char *name)
{
        char *path = rundir_file(&s->dir, name);
        char *text = (char *)slurp(path, NULL);

        free(path);
        return text;
}

START_TEST(test_it_boot_busybox_guest_powers_off_and_run_is_recorded)
{
        _cleanup_boot_session_ struct boot_session *s = NULL;
        struct platform p;
        struct fake_boot_opts o = { 0 };
        struct deadline d = deadline_in_ms(180000);
        struct tdxh_err e = { 0 };
        char *tmp = tmpdir_make(), *initrd = NULL, *runtime = NULL, *console, *argv_text;
        json_object *qemu_argv;
        uint8_t attr[8];
        size_t n;
        uint8_t *raw;

        it_become_subreaper();
        ck_assert_int_ge(asprintf(&initrd, "%s/initrd.cpio", tmp), 0);
        it_initramfs_write(initrd, IT_INIT_POWEROFF, NULL);
        it_platform(&p, kernel, initrd, "console=ttyS0 quiet panic=-1");
        o.out_dir = tmp;
        ck_assert_msg(boot_session_new(&p, &o, &s, &e) == 0, "%s", e.msg);
        runtime = strdup(s->dir.runtime);
        ck_assert_msg(fake_boot_start(s, NULL, &e) == 0, "%s", e.msg);
        ck_assert(s->live);
        ck_assert_msg(fake_boot_wait_exit(s, &d, &e) == 0, "%s", e.msg);
        it_print_timings("busybox poweroff", s);
        ck_assert_int_eq(s->failure, BOOT_FAIL_NONE);
        ck_assert(child_succeeded(&s->qemu));
        /* QEMU tells swtpm to shut down on its way out. */
        ck_assert_int_ne(s->tpm.proc.stop_stage, CHILD_STOP_NONE);

        /* The guest ran, saw the TPM, and its console was kept. */
        console = run_file_text(s, "console.log");
        ck_assert_msg(strstr(console, "TDXH-GUEST-UP tpm=tpm0") != NULL, "%s", console);
        free(console);

        /* Host facts: versions, hashes and the exact command lines. */
        ck_assert_ptr_nonnull(strstr(jstr(s->facts, "qemu", "version"), "QEMU emulator version"));
        ck_assert_uint_eq(strlen(jstr(s->facts, "qemu", "sha256")), 64);
        ck_assert_ptr_nonnull(strstr(jstr(s->facts, "swtpm", "version"), "TPM emulator version"));
        ck_assert_uint_eq(strlen(jstr(s->facts, "firmware", "sha256")), 64);
        ck_assert_uint_eq(strlen(jstr(s->facts, "kernel", "sha256")), 64);
        ck_assert_uint_eq(strlen(jstr(s->facts, "initrd", "sha256")), 64);
        ck_assert_str_eq(jstr(s->facts, "cmdline", NULL), "console=ttyS0 quiet panic=-1");
        ck_assert(json_object_object_get_ex(s->facts, "argv", &qemu_argv));
        argv_text = strdup(json_object_to_json_string(qemu_argv));
        ck_assert_ptr_nonnull(strstr(argv_text, "\"-tpmdev\""));
        ck_assert_ptr_nonnull(strstr(argv_text, "\"swtpm_setup\":"));
        ck_assert_ptr_nonnull(strstr(argv_text, "\"sha256,sha384\""));
        free(argv_text);

        /* The fake TDX module's attributes file, as handed to QEMU. */
        raw = slurp(s->platform.fw_cfg[0].file, &n);
        ck_assert_uint_eq(n, sizeof(attr));
        ck_assert_mem_eq(raw, ((uint8_t[]){ 0, 0, 0, 0x10, 0, 0, 0, 0 }), sizeof(attr));
        free(raw);

        it_assert_clean(runtime, s->qemu.pid, s->tpm.proc.pid);
        free(runtime);
        free(initrd);
        tmpdir_remove(tmp);
}
END_TEST

START_TEST(test_it_boot_agent_answers_hello_and_stop_powers_off)
{
        _cleanup_boot_session_ struct boot_session *s = NULL;
        struct platform p;
        struct fake_boot_opts o = { .wait_agent = true, .hello_try_ms = 1000 };
        struct deadline d;
        struct wait_watch w = { 0 };
        struct tdxh_err e = { 0 };
        char *tmp = tmpdir_make(), *initrd = NULL, *runtime = NULL, *console;
        json_object *res = NULL, *summary = NULL;

        it_become_subreaper();
        ck_assert_int_ge(asprintf(&initrd, "%s/initrd.cpio", tmp), 0);
        it_initramfs_write(initrd, IT_INIT_AGENT, kernel);
        it_platform(&p, kernel, initrd, "console=ttyS0 quiet panic=-1");
        o.out_dir = tmp;
        ck_assert_msg(boot_session_new(&p, &o, &s, &e) == 0, "%s", e.msg);
        runtime = strdup(s->dir.runtime);
        ck_assert_msg(fake_boot_start(s, NULL, &e) == 0, "%s", e.msg);
        ck_assert_str_eq(jstr(s->hello, "agent", NULL), "busybox-double");
        /* The guest read the fake TDX module's fw_cfg file. */
        ck_assert_str_eq(jstr(s->hello, "td_attributes", NULL), "0000001000000000");

        /* The live session carries requests; errors come back as errno. */
        w.children[0] = &s->qemu;
        d = deadline_in_ms(10000);
        ck_assert_int_eq(agent_call(&s->agent, "quote", NULL, &res, &d, &w, &e), -ENOSYS);
        ck_assert_str_eq(e.msg, "agent: quote: unknown op");

        err_clear(&e);
        ck_assert_msg(fake_boot_stop(s, &e) == 0, "%s", e.msg);
        it_print_timings("agent hello + poweroff", s);
        ck_assert_int_eq(s->qemu.stop_stage, CHILD_STOP_EXITED);
        ck_assert(child_succeeded(&s->qemu));
        ck_assert_uint_gt(s->timings.agent_ready_ms, 0);
        ck_assert_uint_gt(s->timings.poweroff_ms, 0);
        ck_assert_int_eq(boot_session_summary(s, &summary), 0);
        ck_assert_ptr_null(json_object_object_get(summary, "failure"));
        ck_assert_str_eq(jstr(summary, "qemu", "stopped_by"), "exited");
        json_object_put(summary);

        console = run_file_text(s, "console.log");
        ck_assert_msg(strstr(console, "TDXH-AGENT-DOUBLE port=/dev/vport") != NULL, "%s", console);
        free(console);
        it_assert_clean(runtime, s->qemu.pid, s->tpm.proc.pid);
        free(runtime);
        free(initrd);
        tmpdir_remove(tmp);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("it/boot");
        TCase *tc = tcase_create("boot");

        kernel = it_reference_kernel();
        if (!kernel)
                return 77;
        tcase_set_timeout(tc, 300);
        tcase_add_test(tc, test_it_boot_busybox_guest_powers_off_and_run_is_recorded);
        tcase_add_test(tc, test_it_boot_agent_answers_hello_and_stop_powers_off);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
