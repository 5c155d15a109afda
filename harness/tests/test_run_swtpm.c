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

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "core/file.h"
#include "evidence/tpm_quote.h"
#include "core/json_util.h"
#include "proc_check.h"
#include "run/host_facts.h"
#include "run/swtpm.h"
#include "run/swtpm_ek.h"
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

START_TEST(test_swtpm_argv_with_ek_certifies_it_with_the_runs_ca)
{
        struct swtpm_opts o = { .state_dir = "/tmp/tdxh-x/tpm", .ctrl_socket = "/tmp/tdxh-x/s",
                                .log_path = "/run/r/swtpm.log", .output_path = "/run/r/o",
                                .ek_dir = "/run/r/tpm", .ca_dir = "/tmp/tdxh-x/tpm-ca" };
        struct strv setup = STRV_INIT, run = STRV_INIT;
        struct tdxh_err e = { 0 };
        char *a;

        ck_assert_int_eq(swtpm_argv_build(&o, &setup, &run, &e), 0);
        a = strv_join(&setup, " ");
        ck_assert_str_eq(a, "swtpm_setup --tpm2 --tpmstate /tmp/tdxh-x/tpm --pcr-banks "
                            "sha256,sha384 --createek --overwrite --create-ek-cert --config "
                            "/tmp/tdxh-x/tpm-ca/swtpm_setup.conf --write-ek-cert-files /run/r/tpm");
        free(a);
        strv_free(&setup);
        strv_free(&run);
        o.ca_dir = NULL;
        ck_assert_int_eq(swtpm_argv_build(&o, &setup, &run, &e), -EINVAL);
        ck_assert_str_eq(e.msg, "swtpm: ek_dir and ca_dir go together");
        err_clear(&e);
        o.ca_dir = "/tmp/tdxh x/ca"; /* the configuration files cannot quote */
        ck_assert_int_eq(swtpm_argv_build(&o, &setup, &run, &e), -EINVAL);
        ck_assert_str_eq(e.msg, "swtpm: ca_dir must not contain whitespace, '$', '=' or ',': "
                                "/tmp/tdxh x/ca");
}
END_TEST

/* Starts swtpm with the EK certified, returns the PEM it recorded. */
static char *start_with_ek(struct swtpm *t, const struct paths *p, const char *ek, const char *ca,
                           bool keep)
{
        struct tdxh_err e = { 0 };

        ck_assert_msg(swtpm_start(t,
                                  &(struct swtpm_opts){ .state_dir = p->state,
                                                        .ctrl_socket = p->sock,
                                                        .log_path = p->log,
                                                        .output_path = p->out,
                                                        .keep_state = keep,
                                                        .ek_dir = ek,
                                                        .ca_dir = ca },
                                  NULL, &e) == 0,
                      "%s", e.msg);
        ck_assert_ptr_nonnull(t->ek_pem);
        return strdup(t->ek_pem);
}

START_TEST(test_swtpm_with_ek_dir_records_the_ek_its_runs_ca_certified)
{
        struct paths p;
        struct swtpm t = SWTPM_INIT;
        struct tdxh_err e = { 0 };
        char *ek = NULL, *ca = NULL, *ek2 = NULL, *path = NULL, *pem, *pem2, *file;
        EVP_PKEY *key = NULL;

        ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
        paths_make(&p);
        ck_assert_int_ge(asprintf(&ek, "%s/run/tpm", p.dir), 0);
        ck_assert_int_ge(asprintf(&ek2, "%s/run2/tpm", p.dir), 0);
        ck_assert_int_ge(asprintf(&ca, "%s/ca", p.dir), 0);
        pem = start_with_ek(&t, &p, ek, ca, false);
        fprintf(stderr, "figures swtpm with EK certificate: setup %llu ms, CA and certificate "
                "check %llu ms, ready %llu ms\n", (unsigned long long)t.setup_ms,
                (unsigned long long)t.ek_ms, (unsigned long long)t.ready_ms);
        ck_assert_msg(tpm_ek_load_pem(pem, strlen(pem), &key, &e) == 0, "%s", e.msg);
        EVP_PKEY_free(key);
        ck_assert_int_ge(asprintf(&path, "%s/ek.pem", ek), 0);
        file = (char *)slurp(path, NULL);
        ck_assert_str_eq(file, pem);
        free(file);
        free(path);
        /* Both EKs' certificates are kept as evidence. */
        ck_assert_int_ge(asprintf(&path, "%s/ek-secp384r1.crt", ek), 0);
        ck_assert_int_eq(access(path, R_OK), 0);
        free(path);
        ck_assert_int_eq(swtpm_stop(&t, &e), 0);
        swtpm_done(&t);
        ck_assert_ptr_null(t.ek_pem);
        /* A kept state is not manufactured again and has the same EK. */
        t = (struct swtpm)SWTPM_INIT;
        pem2 = start_with_ek(&t, &p, ek2, ca, true);
        ck_assert_uint_eq(t.setup_ms, 0);
        ck_assert_str_eq(pem2, pem);
        ck_assert_int_ge(asprintf(&path, "%s/ek.pem", ek2), 0);
        file = (char *)slurp(path, NULL);
        ck_assert_str_eq(file, pem);
        free(file);
        free(path);
        ck_assert_int_eq(swtpm_stop(&t, &e), 0);
        swtpm_done(&t);
        while (waitpid(-1, NULL, WNOHANG) > 0)
                ;
        free(pem);
        free(pem2);
        free(ek);
        free(ek2);
        free(ca);
        paths_free(&p);
}
END_TEST

/* A certificate of a fresh RSA 2048 key signed by signer (self-signed when
 * NULL), as DER. */
static uint8_t *cert_der(EVP_PKEY *subject, EVP_PKEY *signer, int *ret_len)
{
        X509 *x = X509_new();
        uint8_t *der = NULL;

        ck_assert_int_eq(X509_set_version(x, X509_VERSION_3), 1);
        ck_assert_int_eq(ASN1_INTEGER_set(X509_get_serialNumber(x), 7), 1);
        ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notBefore(x), 0));
        ck_assert_ptr_nonnull(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
        ck_assert_int_eq(X509_set_pubkey(x, subject), 1);
        ck_assert_int_gt(X509_sign(x, signer ? signer : subject, EVP_sha256()), 0);
        *ret_len = i2d_X509(x, &der);
        ck_assert_int_gt(*ret_len, 0);
        X509_free(x);
        return der;
}

START_TEST(test_swtpm_ek_certificate_must_come_from_the_runs_ca)
{
        char *dir = tmpdir_make(), *ca = NULL, *ek = NULL, *state = NULL, *cert = NULL;
        char *pem = NULL;
        struct tdxh_err e = { 0 };
        EVP_PKEY *rsa = EVP_RSA_gen(2048), *other = EVP_EC_gen("P-256");
        uint8_t *der;
        int len;

        ck_assert_int_ge(asprintf(&ca, "%s/ca", dir), 0);
        ck_assert_int_ge(asprintf(&ek, "%s/tpm", dir), 0);
        ck_assert_int_ge(asprintf(&state, "%s", dir), 0);
        ck_assert_int_ge(asprintf(&cert, "%s/ek-rsa2048.crt", ek), 0);
        ck_assert_msg(swtpm_ek_prepare(ca, ek, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(swtpm_ek_collect(ca, ek, state, &pem, &e), -ENOENT);
        ck_assert_msg(strstr(e.msg, "swtpm_setup wrote no EK certificate") != NULL, "%s", e.msg);
        /* Signed by another CA: refused. */
        der = cert_der(rsa, other, &len);
        ck_assert_int_eq(file_write_atomic(cert, der, (size_t)len, 0644, &e), 0);
        OPENSSL_free(der);
        err_clear(&e);
        ck_assert_int_eq(swtpm_ek_collect(ca, ek, state, &pem, &e), -EACCES);
        ck_assert_msg(strstr(e.msg, "not issued by this run's EK CA") != NULL, "%s", e.msg);
        ck_assert_ptr_null(pem);
        ck_assert_int_eq(file_write_atomic(cert, "junk", 4, 0644, &e), 0);
        err_clear(&e);
        ck_assert_int_eq(swtpm_ek_collect(ca, ek, state, &pem, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "not a DER certificate") != NULL, "%s", e.msg);
        EVP_PKEY_free(rsa);
        EVP_PKEY_free(other);
        free(cert);
        free(state);
        free(ek);
        free(ca);
        tmpdir_remove(dir);
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
        tcase_add_test(tc, test_swtpm_argv_with_ek_certifies_it_with_the_runs_ca);
        tcase_add_test(tc, test_swtpm_with_ek_dir_records_the_ek_its_runs_ca_certified);
        tcase_add_test(tc, test_swtpm_ek_certificate_must_come_from_the_runs_ca);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
