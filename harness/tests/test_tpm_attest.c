/* The host's attestation flow (check/tpm_attest.h) without a VM: a forked
 * process on the other end of a socketpair answers as the agent would, with
 * answers made here, so that each way an agent can lie or garble an answer
 * is met: an AK name that is not its key's, an EK that is not the run's, a
 * secret that is not the credential's, PCR values missing, extra or short.
 * The binding of the firmware log to verified PCRs runs on the log captured
 * from a boot of the minimal image (tests/data/fake_tpm_eventlog.bin). The
 * same flow against the real agent and swtpm is test_it_tpm_attest. */
#include <errno.h>
#include <json-c/json.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <tss2/tss2_mu.h>
#include <unistd.h>

#include "check/tpm_attest.h"
#include "core/base64.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "evidence/tpm_fold.h"
#include "testutil.h"
#include "tpm_forge.h"

/* The peer answers the n-th request with answers[n] plus the request's id. */
struct peer {
        pid_t pid;
        struct agent_chan chan;
        struct deadline d;
        struct tpm_attest_chan c;
};

static void peer_serve(int fd, json_object *const *answers, size_t n)
{
        FILE *in = fdopen(dup(fd), "r");
        char line[65536];

        for (size_t i = 0; i < n && fgets(line, sizeof(line), in); i++) {
                json_object *req = json_tokener_parse(line), *id = NULL;
                json_object *resp = json_object_new_object();
                const char *text;

                json_object_object_get_ex(req, "id", &id);
                json_object_object_add(resp, "id", json_object_get(id));
                json_object_object_foreach(answers[i], k, v)
                        json_object_object_add(resp, k, json_object_get(v));
                text = json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN);
                if (write(fd, text, strlen(text)) < 0 || write(fd, "\n", 1) < 0)
                        _exit(3);
        }
        _exit(0);
}

static void peer_start(struct peer *p, json_object *const *answers, size_t n)
{
        int sv[2];

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        p->pid = fork();
        ck_assert_int_ge(p->pid, 0);
        if (p->pid == 0) {
                close(sv[0]);
                peer_serve(sv[1], answers, n);
        }
        close(sv[1]);
        p->chan = (struct agent_chan)AGENT_CHAN_INIT;
        ck_assert_int_eq(agent_chan_adopt(&p->chan, sv[0]), 0);
        p->d = deadline_in_ms(10000);
        p->c = (struct tpm_attest_chan){ .chan = &p->chan, .deadline = &p->d };
}

static void peer_stop(struct peer *p)
{
        agent_chan_close(&p->chan);
        ck_assert_int_eq(waitpid(p->pid, NULL, 0), p->pid);
}

static json_object *ok_answer(void)
{
        json_object *o = json_object_new_object();

        json_object_object_add(o, "ok", json_object_new_boolean(1));
        return o;
}

static void add_b64(json_object *o, const char *key, const uint8_t *data, size_t len)
{
        char *b = base64_encode(data, len);

        json_object_object_add(o, key, json_object_new_string(b));
        free(b);
}

/* A TPM2B_PUBLIC: an ECC P-256 attestation key, or an RSA decryption key
 * (an EK) for rsa. */
static size_t public_of(EVP_PKEY *key, bool rsa, uint8_t *out, size_t cap)
{
        TPM2B_PUBLIC pub;
        size_t off = 0;

        if (rsa)
                tpm_forge_public_rsa(key, TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT |
                                     TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT,
                                     TPM2_ALG_NULL, &pub);
        else
                tpm_forge_public_ecc(key, TPM_FORGE_AK_ATTRS, &pub);
        ck_assert_int_eq(Tss2_MU_TPM2B_PUBLIC_Marshal(&pub, out, cap, &off), TSS2_RC_SUCCESS);
        return off;
}

/* A tpm-ak answer for ak and ek; name_flip changes a byte of the name. */
static json_object *ak_answer(EVP_PKEY *ak, EVP_PKEY *ek, bool name_flip)
{
        json_object *o = ok_answer();
        uint8_t pub[sizeof(TPM2B_PUBLIC)], name[34] = { 0x00, 0x0b };
        char hex[69];
        size_t n;

        n = public_of(ak, false, pub, sizeof(pub));
        ck_assert_int_eq(digest_buf(DIGEST_SHA256, pub + 2, n - 2, name + 2), 0);
        name[33] ^= name_flip;
        add_b64(o, "ak_public", pub, n);
        hex_encode(name, sizeof(name), hex);
        json_object_object_add(o, "ak_name", json_object_new_string(hex));
        n = public_of(ek, true, pub, sizeof(pub));
        add_b64(o, "ek_public", pub, n);
        return o;
}

static const struct {
        int case_id;
        int err;
        const char *msg;
} ak_cases[] = {
        { 0, 0, NULL },
        { 1, -EACCES, "tpm-ak: ak_public: its name 000b" },
        { 2, -EACCES, "tpm-ak: ek_public: the TPM's EK is not the EK the host knows" },
        { 3, -EPROTO, "agent: tpm-ak: \"ak_public\" is missing or not base64" },
        { 4, -EPROTO, "agent: tpm-ak: \"ak_name\" is missing or not hex" },
};

START_TEST(test_attest_ak_must_be_named_for_its_key_beside_the_runs_ek)
{
        EVP_PKEY *ak = EVP_EC_gen("P-256"), *ek = EVP_RSA_gen(2048), *other = EVP_RSA_gen(2048);
        struct tpm_attest_key k = { 0 };
        struct tdxh_err e = { 0 };
        json_object *answer;
        struct peer p;

        switch (ak_cases[_i].case_id) {
        case 2:
                answer = ak_answer(ak, other, false);
                break;
        case 3:
                answer = ak_answer(ak, ek, false);
                json_object_object_add(answer, "ak_public", json_object_new_string("!!"));
                break;
        case 4:
                answer = ak_answer(ak, ek, false);
                json_object_object_del(answer, "ak_name");
                break;
        default:
                answer = ak_answer(ak, ek, ak_cases[_i].case_id == 1);
                break;
        }
        peer_start(&p, &answer, 1);
        ck_assert_int_eq(tpm_attest_get_ak(&p.c, ek, &k, &e), ak_cases[_i].err);
        if (ak_cases[_i].msg)
                ck_assert_msg(strstr(e.msg, ak_cases[_i].msg) == e.msg, "%s", e.msg);
        else
                ck_assert_uint_eq(k.ak.name_len, 34);
        tpm_attest_key_done(&k);
        peer_stop(&p);
        json_object_put(answer);
        EVP_PKEY_free(ak);
        EVP_PKEY_free(ek);
        EVP_PKEY_free(other);
}
END_TEST

START_TEST(test_attest_activation_needs_the_credentials_own_secret)
{
        EVP_PKEY *ek = EVP_RSA_gen(2048);
        uint8_t name[34] = { 0x00, 0x0b }, wrong[32] = { 1 };
        struct tdxh_err e = { 0 };
        json_object *answers[2];
        struct peer p;

        /* An agent that answers anything but the secret it was sent. */
        answers[0] = ok_answer();
        add_b64(answers[0], "secret", wrong, sizeof(wrong));
        answers[1] = json_tokener_parse("{\"ok\":false,\"errno\":13,\"error\":\"TPM2_ActivateCredential: "
                                        "the credential was not made for this AK and this EK "
                                        "(integrity check failed)\"}");
        peer_start(&p, answers, 2);
        ck_assert_int_eq(tpm_attest_activate(&p.c, ek, name, sizeof(name), &e), -EACCES);
        ck_assert_str_eq(e.msg, "tpm-activate: the TPM gave back another secret than the "
                                "credential holds");
        err_clear(&e);
        ck_assert_int_eq(tpm_attest_activate(&p.c, ek, name, sizeof(name), &e), -EACCES);
        ck_assert_msg(strstr(e.msg, "agent: tpm-activate: TPM2_ActivateCredential: the credential "
                                    "was not made") == e.msg,
                      "%s", e.msg);
        peer_stop(&p);
        json_object_put(answers[0]);
        json_object_put(answers[1]);
        EVP_PKEY_free(ek);
}
END_TEST

/* pcr_values as the agent sends them, for PCRs 0-16 of SHA-384, changed by
 * case: 0 as is, 1 PCR 16 left out, 2 PCR 20 added, 3 PCR 3 short. */
static json_object *quote_answer(int change)
{
        json_object *o = ok_answer(), *vals = json_object_new_object();
        uint8_t attest[8] = { 0xff, 0x54, 0x43, 0x47 }, sig[4] = { 0 }, v[48];
        char key[4], hex[97];

        add_b64(o, "attest", attest, sizeof(attest));
        add_b64(o, "signature", sig, sizeof(sig));
        for (int pcr = 0; pcr <= 20; pcr++) {
                if ((pcr > 16 && !(change == 2 && pcr == 20)) || (change == 1 && pcr == 16))
                        continue;
                memset(v, pcr, sizeof(v));
                hex_encode(v, change == 3 && pcr == 3 ? 47 : 48, hex);
                snprintf(key, sizeof(key), "%d", pcr);
                json_object_object_add(vals, key, json_object_new_string(hex));
        }
        json_object_object_add(o, "pcr_values", vals);
        return o;
}

static const struct {
        int err;
        const char *msg;
} quote_cases[] = {
        { 0, NULL },
        { -EPROTO, "agent: tpm-quote: pcr_values lacks PCRs 16" },
        { -EPROTO, "agent: tpm-quote: pcr_values holds \"20\", a PCR that was not asked for" },
        { -EPROTO, "agent: tpm-quote: pcr_values[\"3\"] is not 48 bytes of hex" },
};

START_TEST(test_attest_quote_answer_must_hold_exactly_the_pcrs_asked_for)
{
        struct tpm_attest_quote q = { 0 };
        struct tdxh_err e = { 0 };
        uint8_t nonce[4] = { 1, 2, 3, 4 };
        json_object *answer = quote_answer(_i);
        struct peer p;

        peer_start(&p, &answer, 1);
        ck_assert_int_eq(tpm_attest_get_quote(&p.c, nonce, sizeof(nonce), TPM_ATTEST_PCRS,
                                              TPM_ALG_SHA384, &q, &e),
                         quote_cases[_i].err);
        if (quote_cases[_i].msg) {
                ck_assert_str_eq(e.msg, quote_cases[_i].msg);
        } else {
                ck_assert_uint_eq(q.pcrs.mask, TPM_ATTEST_PCRS);
                ck_assert_uint_eq(q.pcrs.value[16][0], 16);
                ck_assert_uint_eq(q.attest_len, 8);
        }
        tpm_attest_quote_done(&q);
        peer_stop(&p);
        json_object_put(answer);
}
END_TEST

/* The captured log, and the SHA-384 PCRs it replays to. */
static uint8_t *fixture_log(size_t *len, struct tpm_pcr_values *pcrs, struct tpm_fold *f)
{
        char *path = test_data_path("fake_tpm_eventlog.bin");
        uint8_t *log = slurp(path, len);
        struct tdxh_err e = { 0 };

        free(path);
        ck_assert_msg(tpm_fold_log(log, *len, f, &e) == 0, "%s", e.msg);
        memset(pcrs, 0, sizeof(*pcrs));
        pcrs->bank = TPM_ALG_SHA384;
        pcrs->mask = TPM_ATTEST_PCRS;
        for (int i = 0; i < 16; i++)
                memcpy(pcrs->value[i], f->pcr[i], SHA384_LEN);
        memset(pcrs->value[16], 0x16, SHA384_LEN);
        return log;
}

START_TEST(test_attest_log_replays_to_the_quoted_pcrs_or_names_those_it_does_not)
{
        struct tpm_pcr_values pcrs;
        struct tpm_fold f;
        struct tdxh_err e = { 0 };
        uint8_t rtmr[4][SHA384_LEN];
        size_t len = 0;
        uint8_t *log = fixture_log(&len, &pcrs, &f);

        ck_assert_msg(tpm_attest_log_rtmrs(log, len, &pcrs, rtmr, &e) == 0, "%s", e.msg);
        ck_assert_mem_eq(rtmr, f.rtmr, sizeof(f.rtmr));
        ck_assert_mem_eq(rtmr[3], pcrs.value[16], SHA384_LEN);
        /* PCR 10 (IMA) is not the firmware's: anything goes there. */
        memset(pcrs.value[10], 0xee, SHA384_LEN);
        ck_assert_int_eq(tpm_attest_log_rtmrs(log, len, &pcrs, rtmr, &e), 0);
        /* Quoted values the log does not replay to. */
        pcrs.value[4][0] ^= 1;
        pcrs.value[12][0] ^= 1;
        ck_assert_int_eq(tpm_attest_log_rtmrs(log, len, &pcrs, rtmr, &e), -EACCES);
        ck_assert_msg(strstr(e.msg, "event log: PCRs 4,12 replay to other values than the quote "
                                    "holds (PCR 4: log ") == e.msg,
                      "%s", e.msg);
        pcrs.value[4][0] ^= 1;
        pcrs.value[12][0] ^= 1;
        /* What the RTMRs need must have been quoted. */
        pcrs.mask &= ~(1u << 16 | 1u << 7);
        err_clear(&e);
        ck_assert_int_eq(tpm_attest_log_rtmrs(log, len, &pcrs, rtmr, &e), -EINVAL);
        ck_assert_str_eq(e.msg, "pcr_values: PCRs 7,16 were not quoted");
        pcrs.mask = TPM_ATTEST_PCRS;
        pcrs.bank = TPM_ALG_SHA256;
        err_clear(&e);
        ck_assert_int_eq(tpm_attest_log_rtmrs(log, len, &pcrs, rtmr, &e), -EINVAL);
        ck_assert_str_eq(e.msg, "pcr_values: bank sha256, the RTMRs fold from sha384");
        pcrs.bank = TPM_ALG_SHA384;
        err_clear(&e);
        ck_assert_int_eq(tpm_attest_log_rtmrs(log, 20, &pcrs, rtmr, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "event log: offset 0x0") == e.msg, "%s", e.msg);
        free(log);
}
END_TEST

START_TEST(test_attest_registers_needs_an_ek)
{
        struct tpm_pcr_values pcrs;
        struct tdxh_err e = { 0 };
        struct tpm_attest_chan c = { 0 };
        uint8_t nonce[1] = { 0 };

        ck_assert_int_eq(tpm_attest_registers(&c, NULL, nonce, 1, &pcrs, &e), -EINVAL);
        ck_assert_str_eq(e.msg, "tpm attestation: the host knows no EK (swtpm ran without an EK "
                                "certificate)");
        err_clear(&e);
        ck_assert_int_eq(tpm_attest_registers(&c, "junk", nonce, 1, &pcrs, &e), -EINVAL);
        ck_assert_str_eq(e.msg, "ek: not a PEM public key");
}
END_TEST

int main(void)
{
        Suite *s = suite_create("tpm_attest");
        TCase *tc = tcase_create("tpm_attest");

        tcase_add_loop_test(tc, test_attest_ak_must_be_named_for_its_key_beside_the_runs_ek, 0,
                            (int)(sizeof(ak_cases) / sizeof(ak_cases[0])));
        tcase_add_test(tc, test_attest_activation_needs_the_credentials_own_secret);
        tcase_add_loop_test(tc, test_attest_quote_answer_must_hold_exactly_the_pcrs_asked_for, 0,
                            (int)(sizeof(quote_cases) / sizeof(quote_cases[0])));
        tcase_add_test(tc, test_attest_log_replays_to_the_quoted_pcrs_or_names_those_it_does_not);
        tcase_add_test(tc, test_attest_registers_needs_an_ek);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
