/* The swtpm launcher against the real swtpm: command lines, manufacture
 * with a SHA-384 bank, readiness on the control socket, the stop path, and
 * a swtpm that dies before it is ready. Also the host facts of the tools. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/file.h"
#include "core/json_util.h"
#include "proc_check.h"
#include "run/host_facts.h"
#include "run/swtpm.h"
#include "run/unix_sock.h"
#include "testutil.h"

struct paths {
        char *dir, *state, *sock, *log, *out;
};

static void paths_make(struct paths *p)
{
        p->dir = tmpdir_make();
        ck_assert_int_ge(asprintf(&p->state, "%s/tpm", p->dir), 0);
        ck_assert_int_ge(asprintf(&p->sock, "%s/swtpm.sock", p->dir), 0);
        ck_assert_int_ge(asprintf(&p->log, "%s/swtpm.log", p->dir), 0);
        ck_assert_int_ge(asprintf(&p->out, "%s/swtpm.out", p->dir), 0);
}

/* Starts swtpm with the paths of p and the given binaries (NULL: from $PATH). */
static void start_ok(struct swtpm *t, const struct paths *p, const char *swtpm, const char *setup)
{
        struct tdxh_err e = { 0 };

        ck_assert_msg(swtpm_start(t,
                                  &(struct swtpm_opts){ .swtpm = swtpm,
                                                        .swtpm_setup = setup,
                                                        .state_dir = p->state,
                                                        .ctrl_socket = p->sock,
                                                        .log_path = p->log,
                                                        .output_path = p->out },
                                  NULL, &e) == 0,
                      "%s", e.msg);
}

static void paths_free(struct paths *p)
{
        free(p->state);
        free(p->sock);
        free(p->log);
        free(p->out);
        tmpdir_remove(p->dir);
}

START_TEST(test_swtpm_argv_has_sha384_bank_absolute_state_and_ctrl_only)
{
        struct swtpm_opts o = { .state_dir = "/tmp/tdxh-x/tpm", .ctrl_socket = "/tmp/tdxh-x/s",
                                .log_path = "/run/r/swtpm.log", .output_path = "/run/r/o" };
        struct strv setup = STRV_INIT, run = STRV_INIT;
        struct tdxh_err e = { 0 };
        char *a, *b;

        ck_assert_int_eq(swtpm_argv_build(&o, &setup, &run, &e), 0);
        a = strv_join(&setup, " ");
        b = strv_join(&run, " ");
        ck_assert_str_eq(a, "swtpm_setup --tpm2 --tpmstate /tmp/tdxh-x/tpm --pcr-banks "
                            "sha256,sha384 --createek --overwrite");
        ck_assert_str_eq(b, "swtpm socket --tpm2 --tpmstate dir=/tmp/tdxh-x/tpm --ctrl "
                            "type=unixio,path=/tmp/tdxh-x/s --log "
                            "file=/run/r/swtpm.log,level=20,truncate");
        free(a);
        free(b);
        strv_free(&setup);
        strv_free(&run);

        o.state_dir = "tpm"; /* relative: swtpm would resolve it elsewhere (§12) */
        ck_assert_int_eq(swtpm_argv_build(&o, &setup, &run, &e), -EINVAL);
        ck_assert_str_eq(e.msg, "swtpm: state_dir must be an absolute path: tpm");
}
END_TEST

START_TEST(test_swtpm_starts_ready_and_stops_with_sigterm)
{
        struct paths p;
        struct swtpm t = SWTPM_INIT;
        struct tdxh_err e = { 0 };
        char desc[256], *log;
        int fd = -1;

        ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
        paths_make(&p);
        /* An explicit binary is also handed to swtpm_setup (--tpm). */
        start_ok(&t, &p, "/usr/bin/swtpm", NULL);
        fprintf(stderr, "figures swtpm: setup %llu ms, ready %llu ms\n",
                (unsigned long long)t.setup_ms, (unsigned long long)t.ready_ms);
        ck_assert(child_running(&t.proc));
        ck_assert_int_eq(unix_connect(p.sock, &fd), 0); /* still accepting after the probe */
        close(fd);
        log = (char *)slurp(p.out, NULL);
        ck_assert_msg(strstr(log, "Successfully activated PCR banks sha256,sha384") != NULL,
                      "%s", log);
        free(log);
        ck_assert_int_eq(swtpm_stop(&t, &e), 0);
        ck_assert_int_eq(t.proc.stop_stage, CHILD_STOP_TERM);
        swtpm_done(&t);
        /* swtpm_setup leaves the swtpm it ran to be reaped by init: here, us. */
        while (proc_count(getpid(), -1, desc, sizeof(desc)) > 0 && strstr(desc, ",Z)"))
                ck_assert_int_gt(waitpid(-1, NULL, 0), 0);
        ck_assert_int_eq(proc_count(getpid(), -1, desc, sizeof(desc)), 0);
        paths_free(&p);
}
END_TEST

START_TEST(test_swtpm_dying_before_ready_is_reported_with_its_message)
{
        struct paths p;
        struct swtpm t = SWTPM_INIT;
        struct tdxh_err e = { 0 };
        char *bad = NULL;

        paths_make(&p);
        /* A socket in a directory that does not exist: swtpm cannot bind. */
        ck_assert_int_ge(asprintf(&bad, "%s/missing/swtpm.sock", p.dir), 0);
        ck_assert_int_eq(swtpm_start(&t,
                                     &(struct swtpm_opts){ .state_dir = p.state,
                                                           .ctrl_socket = bad,
                                                           .log_path = p.log,
                                                           .output_path = p.out },
                                     NULL, &e),
                         -EIO);
        ck_assert_msg(strstr(e.msg, "swtpm exited with status 1 before its control socket "
                                    "accepted: ") != NULL,
                      "%s", e.msg);
        ck_assert(!child_running(&t.proc));
        swtpm_done(&t);
        free(bad);
        paths_free(&p);
}
END_TEST

START_TEST(test_host_facts_name_versions_hashes_and_unreadable_inputs)
{
        struct deadline d = deadline_in_ms(30000);
        struct tdxh_err e = { 0 };
        struct platform p;
        json_object *facts = NULL, *v;
        char *tmp = tmpdir_make(), *file = NULL;
        struct strv argv = STRV_INIT;

        ck_assert_int_ge(asprintf(&file, "%s/abc", tmp), 0);
        ck_assert_int_eq(file_write_atomic(file, "abc", 3, 0644, &e), 0);
        platform_init(&p, BACKEND_FAKE);
        p.accel = ACCEL_TCG;
        ck_assert_int_eq(platform_set(&p.qemu, "qemu-system-x86_64"), 0);
        ck_assert_int_eq(platform_set(&p.firmware, file), 0);
        ck_assert_int_eq(platform_set(&p.kernel, "/nonexistent/vmlinuz"), 0);
        ck_assert_msg(host_facts_collect(&p, "swtpm", &d, NULL, &facts, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(strv_push(&argv, "qemu-system-x86_64"), 0);
        ck_assert_int_eq(host_facts_add_argv(facts, "qemu", &argv), 0);
        v = json_object_object_get(json_object_object_get(facts, "qemu"), "version");
        ck_assert_int_eq(strncmp(json_object_get_string(v), "QEMU emulator version ", 22), 0);
        v = json_object_object_get(json_object_object_get(facts, "swtpm"), "version");
        ck_assert_int_eq(strncmp(json_object_get_string(v), "TPM emulator version ", 21), 0);
        v = json_object_object_get(json_object_object_get(facts, "firmware"), "sha256");
        ck_assert_str_eq(json_object_get_string(v),
                         "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        v = json_object_object_get(json_object_object_get(facts, "kernel"), "error");
        ck_assert_str_eq(json_object_get_string(v),
                         "/nonexistent/vmlinuz: cannot open: No such file or directory");
        ck_assert_ptr_null(json_object_object_get(facts, "initrd"));
        v = json_object_object_get(json_object_object_get(facts, "argv"), "qemu");
        ck_assert_str_eq(json_object_to_json_string(v), "[ \"qemu-system-x86_64\" ]");
        json_object_put(facts);
        strv_free(&argv);
        platform_free(&p);
        free(file);
        tmpdir_remove(tmp);
}
END_TEST

/* Stands in for swtpm_setup: runs a process through a double fork, as
 * swtpm_setup runs swtpm, and waits at most 1 s for it to be gone, that is
 * reaped by whoever adopted it. A PID 1 that reaps orphans late (this
 * container's takes over a second) would fail it. */
static const char fake_setup[] =
        "#!/bin/sh\n"
        "pid=$(sh -c 'sleep 0.1 </dev/null >/dev/null 2>&1 & echo $!')\n"
        "i=0\n"
        "while kill -0 \"$pid\" 2>/dev/null; do\n"
        "        i=$((i + 1))\n"
        "        [ \"$i\" -le 100 ] || { echo \"$pid was not reaped\" >&2; exit 1; }\n"
        "        sleep 0.01\n"
        "done\n";

START_TEST(test_swtpm_setup_grandchild_is_reaped_at_once)
{
        struct paths p;
        struct swtpm t = SWTPM_INIT;
        struct tdxh_err e = { 0 };
        char desc[256], *setup = NULL;
        int subreaper = -1;

        paths_make(&p);
        ck_assert_int_ge(asprintf(&setup, "%s/swtpm_setup", p.dir), 0);
        ck_assert_int_eq(file_write_atomic(setup, fake_setup, sizeof(fake_setup) - 1, 0755, &e), 0);
        start_ok(&t, &p, NULL, setup);
        /* tdxh was a subreaper only while swtpm_setup ran, and reaped it all. */
        ck_assert_int_eq(prctl(PR_GET_CHILD_SUBREAPER, &subreaper), 0);
        ck_assert_int_eq(subreaper, 0);
        ck_assert_int_eq(swtpm_stop(&t, &e), 0);
        swtpm_done(&t);
        ck_assert_int_eq(proc_count(getpid(), -1, desc, sizeof(desc)), 0);
        free(setup);
        paths_free(&p);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("run/swtpm");
        TCase *tc = tcase_create("swtpm");

        tcase_add_test(tc, test_swtpm_argv_has_sha384_bank_absolute_state_and_ctrl_only);
        tcase_add_test(tc, test_swtpm_starts_ready_and_stops_with_sigterm);
        tcase_add_test(tc, test_swtpm_dying_before_ready_is_reported_with_its_message);
        tcase_add_test(tc, test_swtpm_setup_grandchild_is_reaped_at_once);
        tcase_add_test(tc, test_host_facts_name_versions_hashes_and_unreadable_inputs);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
