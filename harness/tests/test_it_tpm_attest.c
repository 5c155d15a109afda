/* Registers backed by a verified vTPM quote, end to end on the fake
 * platform: the minimal image (built here by images/minimal/build.sh, with
 * the agent of this tree) boots under QEMU + OVMF + swtpm through run/boot,
 * whose swtpm_setup certifies the EK with the run's own CA; the host then
 * runs check/tpm_attest against the real agent and the real TPM.
 *
 * What must hold: the EK the host recorded (RUNDIR/tpm/ek.pem) is the TPM's;
 * a credential made in software (evidence/tpm_cred.c) activates in swtpm,
 * so MakeCredential and KDFa agree with a real TPM; the quote verifies and
 * the firmware log replays to its PCRs, giving the registers the agent
 * reports; and every forgery fails: a PCR value altered before
 * verification, a quote checked against another nonce, a credential made
 * for another AK name or another EK, a log with one digest changed. */
#include <errno.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check/tpm_attest.h"
#include "core/base64.h"
#include "core/hex.h"
#include "evidence/eventlog.h"
#include "it_guest.h"
#include "run/boot.h"
#include "testutil.h"

#define BUILD_SCRIPT TDXH_SOURCE_DIR "/images/minimal/build.sh"
#define QEMU "/usr/bin/qemu-system-x86_64"
#define CALL_TIMEOUT_MS 120000

static const uint8_t nonce[32] = { 0x6e, 0x6f, 0x6e, 0x63, 0x65, 0x2d, 0x74, 0x70,
                                   0x6d, 0x2d, 0x61, 0x74, 0x74, 0x65, 0x73, 0x74,
                                   0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08,
                                   0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10 };

static double now_ms(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static char *build_image(const char *dir)
{
        char *image = NULL;
        struct run_result res = { 0 };

        ck_assert_int_ge(asprintf(&image, "%s/image", dir), 0);
        run_cmd(&res, (const char *[]){ BUILD_SCRIPT, "--out", image, NULL }, 900);
        ck_assert_msg(res.status == 0, "build.sh exited %d: %s", res.status, res.err);
        run_result_free(&res);
        return image;
}

static char *image_file(const char *image, const char *name)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", image, name), 0);
        return p;
}

/* One agent request with the session's watch; the response is owned. */
static int call(struct boot_session *s, const char *op, json_object *params, json_object **ret,
                struct tdxh_err *e)
{
        struct deadline d = deadline_in_ms(CALL_TIMEOUT_MS);
        struct wait_watch w = { .children = { &s->qemu, &s->tpm.proc } };

        err_clear(e);
        return agent_call(&s->agent, op, params, ret, &d, &w, e);
}

static void resp_hex48(json_object *o, const char *key, uint8_t out[48])
{
        json_object *v;

        ck_assert_msg(json_object_object_get_ex(o, key, &v) &&
                              hex_decode_exact(json_object_get_string(v), out, 48) == 0,
                      "no %s in %s", key, json_object_to_json_string(o));
}

/* The firmware log the agent read, decoded. */
static uint8_t *event_log(struct boot_session *s, size_t *ret_len)
{
        json_object *r = NULL, *v;
        struct tdxh_err e = { 0 };
        uint8_t *log = NULL;

        ck_assert_msg(call(s, "event-log", NULL, &r, &e) == 0, "%s", e.msg);
        ck_assert(json_object_object_get_ex(r, "log", &v));
        ck_assert_int_eq(base64_decode(json_object_get_string(v),
                                       (size_t)json_object_get_string_len(v), &log, ret_len),
                         0);
        json_object_put(r);
        return log;
}

/* Flips a bit of the SHA-384 digest of the log's first event that extends
 * an RTMR (found by its bytes, which the parser gives). */
static void flip_a_digest(uint8_t *log, size_t len)
{
        struct evlog l = { 0 };
        struct tdxh_err e = { 0 };
        uint8_t *at = NULL;

        ck_assert_msg(evlog_parse(log, len, EVLOG_TPM, &l, &e) == 0, "%s", e.msg);
        for (size_t i = 0; i < l.n_events && !at; i++)
                if (l.events[i].rtmr >= 0 && l.events[i].has_sha384)
                        at = memmem(log + l.events[i].offset, len - l.events[i].offset,
                                    l.events[i].sha384, SHA384_LEN);
        evlog_free(&l);
        ck_assert_ptr_nonnull(at);
        at[0] ^= 0x01;
}

/* The verified PCRs replay the log to the registers the agent reports. */
static void check_registers_backed(struct boot_session *s, const struct tpm_pcr_values *pcrs)
{
        uint8_t rtmr[4][SHA384_LEN], got[48], *log;
        struct tdxh_err e = { 0 };
        json_object *regs = NULL;
        size_t len = 0;
        char key[8];

        log = event_log(s, &len);
        ck_assert_msg(tpm_attest_log_rtmrs(log, len, pcrs, rtmr, &e) == 0, "%s", e.msg);
        ck_assert_msg(call(s, "registers", NULL, &regs, &e) == 0, "%s", e.msg);
        for (int i = 0; i < 4; i++) {
                snprintf(key, sizeof(key), "rtmr%d", i);
                resp_hex48(regs, key, got);
                ck_assert_msg(memcmp(got, rtmr[i], 48) == 0, "%s differs from the quote-backed "
                              "value", key);
        }
        /* One digest of the log changed: it no longer replays to the quote. */
        flip_a_digest(log, len);
        err_clear(&e);
        if (tpm_attest_log_rtmrs(log, len, pcrs, rtmr, &e) != -EACCES)
                ck_abort_msg("a changed log still replays: %s", e.msg);
        ck_assert_msg(strstr(e.msg, "replay to other values than the quote holds") != NULL, "%s",
                      e.msg);
        json_object_put(regs);
        free(log);
}

static void check_ek_recorded(struct boot_session *s)
{
        char *path = NULL, *file;

        ck_assert_ptr_nonnull(s->tpm.ek_pem);
        ck_assert_int_ge(asprintf(&path, "%s/tpm/ek.pem", s->dir.path), 0);
        file = (char *)slurp(path, NULL);
        ck_assert_str_eq(file, s->tpm.ek_pem);
        free(file);
        free(path);
}

static void check_forgeries_fail(struct boot_session *s, const struct tpm_attest_chan *c,
                                 EVP_PKEY *ek)
{
        struct tpm_attest_key k = { 0 };
        struct tpm_attest_quote q = { 0 };
        struct tdxh_err e = { 0 };
        uint8_t other_name[2 + SHA256_LEN];
        EVP_PKEY *other_ek = EVP_RSA_gen(2048);
        int r;

        ck_assert_msg(tpm_attest_get_ak(c, ek, &k, &e) == 0, "%s", e.msg);
        /* A credential for another AK name: the TPM refuses to activate it. */
        memcpy(other_name, k.ak.name, sizeof(other_name));
        other_name[sizeof(other_name) - 1] ^= 0x01;
        err_clear(&e);
        r = tpm_attest_activate(c, ek, other_name, sizeof(other_name), &e);
        ck_assert_msg(r == -EACCES, "activation for another name: %d %s", r, e.msg);
        ck_assert_msg(strstr(e.msg, "was not made for this AK and this EK") != NULL, "%s", e.msg);
        /* A credential encrypted to another EK: this TPM cannot open it. */
        err_clear(&e);
        r = tpm_attest_activate(c, other_ek, k.ak.name, k.ak.name_len, &e);
        ck_assert_msg(r < 0, "activation under another EK succeeded");
        fprintf(stderr, "another EK: %s\n", e.msg);
        /* The agent still serves, and the right credential still works. */
        err_clear(&e);
        ck_assert_msg(tpm_attest_activate(c, ek, k.ak.name, k.ak.name_len, &e) == 0, "%s", e.msg);

        /* A PCR value altered before verification. */
        ck_assert_msg(tpm_attest_get_quote(c, nonce, sizeof(nonce), TPM_ATTEST_PCRS,
                                           TPM_ALG_SHA384, &q, &e) == 0,
                      "%s", e.msg);
        ck_assert_msg(tpm_attest_verify(&k, &q, nonce, sizeof(nonce), &e) == 0, "%s", e.msg);
        q.pcrs.value[4][0] ^= 0x80;
        ck_assert_int_eq(tpm_attest_verify(&k, &q, nonce, sizeof(nonce), &e), -EACCES);
        ck_assert_msg(strstr(e.msg, "tpm-quote: attest: pcrDigest ") == e.msg, "%s", e.msg);
        q.pcrs.value[4][0] ^= 0x80;
        /* A PCR left out of the values given. */
        q.pcrs.mask &= ~(1u << 16);
        err_clear(&e);
        ck_assert_int_eq(tpm_attest_verify(&k, &q, nonce, sizeof(nonce), &e), -EACCES);
        ck_assert_msg(strstr(e.msg, "pcrSelect is sha384:0-16, the PCR values given are "
                                    "sha384:0-15") != NULL,
                      "%s", e.msg);
        q.pcrs.mask |= 1u << 16;
        /* The same quote replayed against a fresh nonce. */
        err_clear(&e);
        ck_assert_int_eq(tpm_attest_verify(&k, &q, nonce, sizeof(nonce) - 1, &e), -EACCES);
        ck_assert_msg(strstr(e.msg, "is not the nonce") != NULL, "%s", e.msg);
        /* A signature byte changed. */
        q.signature[q.signature_len - 1] ^= 0x01;
        err_clear(&e);
        ck_assert_int_eq(tpm_attest_verify(&k, &q, nonce, sizeof(nonce), &e), -EBADMSG);
        tpm_attest_quote_done(&q);
        tpm_attest_key_done(&k);
        EVP_PKEY_free(other_ek);
        (void)s;
}

/* qualifyingData is a TPM2B_DATA: 64 bytes fit through tpm2-tss, 65 do not. */
static void check_nonce_limits(struct boot_session *s, const struct tpm_attest_chan *c,
                               EVP_PKEY *ek)
{
        struct tpm_attest_key k = { 0 };
        struct tpm_attest_quote q = { 0 };
        struct tdxh_err e = { 0 };
        uint8_t big[TPM_NONCE_MAX];
        char hex[2 * 65 + 1];
        json_object *params = json_object_new_object(), *r = NULL;

        memset(big, 0xab, sizeof(big));
        ck_assert_msg(tpm_attest_get_ak(c, ek, &k, &e) == 0, "%s", e.msg);
        ck_assert_msg(tpm_attest_get_quote(c, big, sizeof(big), 1u << 16, TPM_ALG_SHA256, &q,
                                           &e) == 0,
                      "%s", e.msg);
        ck_assert_msg(tpm_attest_verify(&k, &q, big, sizeof(big), &e) == 0, "%s", e.msg);
        memset(hex, 'a', 2 * 65);
        hex[2 * 65] = '\0';
        json_object_object_add(params, "nonce", json_object_new_string(hex));
        ck_assert_int_eq(call(s, "tpm-quote", params, &r, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "field \"nonce\": 65 bytes, expected 1 to 64") != NULL, "%s",
                      e.msg);
        json_object_put(params);
        tpm_attest_quote_done(&q);
        tpm_attest_key_done(&k);
}

START_TEST(test_tpm_attest_backs_the_registers_and_refuses_forgeries)
{
        _cleanup_boot_session_ struct boot_session *s = NULL;
        struct platform p;
        struct fake_boot_opts o = { .wait_agent = true };
        struct tdxh_err e = { 0 };
        char *tmp = tmpdir_make(), *image, *kernel, *initrd, *cmdline_path, *cmdline;
        struct deadline d;
        struct wait_watch w = { 0 };
        struct tpm_attest_chan c;
        struct tpm_pcr_values pcrs, pcrs2;
        EVP_PKEY *ek = NULL;
        json_object *params, *r = NULL;
        uint8_t digest[48], rtmr3[48];
        double t0;

        it_become_subreaper();
        image = build_image(tmp);
        kernel = image_file(image, "vmlinuz");
        initrd = image_file(image, "initrd.img");
        cmdline_path = image_file(image, "cmdline");
        cmdline = (char *)slurp(cmdline_path, NULL);
        it_platform(&p, kernel, initrd, cmdline);
        p.memory = 1ull << 30;
        o.out_dir = tmp;
        ck_assert_msg(boot_session_new(&p, &o, &s, &e) == 0, "%s", e.msg);
        ck_assert_msg(fake_boot_start(s, NULL, &e) == 0, "%s", e.msg);
        it_print_timings("tpm attest boot", s);
        fprintf(stderr, "figures swtpm: setup %llu ms (EK certificate included), CA and "
                "certificate check %llu ms\n", (unsigned long long)s->tpm.setup_ms,
                (unsigned long long)s->tpm.ek_ms);
        check_ek_recorded(s);
        ck_assert_int_eq(tpm_ek_load_pem(s->tpm.ek_pem, strlen(s->tpm.ek_pem), &ek, &e), 0);

        w.children[0] = &s->qemu;
        w.children[1] = &s->tpm.proc;
        d = deadline_in_ms(CALL_TIMEOUT_MS * 4);
        c = (struct tpm_attest_chan){ .chan = &s->agent, .deadline = &d, .watch = &w };
        t0 = now_ms();
        ck_assert_msg(tpm_attest_registers(&c, s->tpm.ek_pem, nonce, sizeof(nonce), &pcrs, &e) ==
                              0,
                      "%s", e.msg);
        fprintf(stderr, "figures tpm attestation: tpm-ak, activation, quote and verification "
                "%.0f ms\n", now_ms() - t0);
        ck_assert_uint_eq(pcrs.mask, TPM_ATTEST_PCRS);
        ck_assert_uint_eq(pcrs.bank, TPM_ALG_SHA384);
        check_registers_backed(s, &pcrs);

        /* RTMR3: an extend shows in PCR 16 of the next verified quote. */
        memset(digest, 0x3c, sizeof(digest));
        params = json_object_new_object();
        json_object_object_add(params, "rtmr", json_object_new_int(3));
        json_object_object_add(params, "digest", json_object_new_string(
                "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"
                "3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c"));
        ck_assert_msg(call(s, "extend", params, &r, &e) == 0, "%s", e.msg);
        resp_hex48(r, "rtmr3", rtmr3);
        json_object_put(r);
        json_object_put(params);
        ck_assert_msg(tpm_attest_registers(&c, s->tpm.ek_pem, nonce, sizeof(nonce), &pcrs2, &e) ==
                              0,
                      "%s", e.msg);
        ck_assert_mem_eq(pcrs2.value[16], rtmr3, 48);
        ck_assert(memcmp(pcrs2.value[16], pcrs.value[16], 48) != 0);
        check_registers_backed(s, &pcrs2);

        check_forgeries_fail(s, &c, ek);
        check_nonce_limits(s, &c, ek);

        ck_assert_msg(fake_boot_stop(s, &e) == 0, "%s", e.msg);
        EVP_PKEY_free(ek);
        free(cmdline);
        free(cmdline_path);
        free(initrd);
        free(kernel);
        free(image);
        tmpdir_remove(tmp);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("it/tpm-attest");
        TCase *tc = tcase_create("tpm-attest");

        /* Skip only where the fake platform's parts are not installed. */
        if (access(QEMU, X_OK) < 0 || access(IT_OVMF, R_OK) < 0 ||
            access("/usr/bin/swtpm", X_OK) < 0 || access("/usr/bin/swtpm_setup", X_OK) < 0)
                return 77;
        tcase_set_timeout(tc, 880);
        tcase_add_test(tc, test_tpm_attest_backs_the_registers_and_refuses_forgeries);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
