/* Boots the minimal image on the fake platform (QEMU under TCG, OVMF, swtpm
 * with a SHA-384 bank, the fake MRTD and TD attributes in fw_cfg) and drives
 * every agent request over the virtio-serial port: hello, registers,
 * event-log, extend (digest and file), digest, report, quote, seal and unseal
 * (round trip, refusal after an extend of a policy register, a policy that
 * leaves RTMR3 out), bad requests, and poweroff.
 *
 * The registers the agent returns are checked for self-consistency (RTMR0-2
 * equal the fold of the returned TPM log, the TPM PCR check passed, RTMR3
 * equals the fold of the RTMR3 log), and RTMR0-2 must equal what
 * `tdxh golden compute --profile fake` predicts for the image.
 *
 * The VM itself (swtpm, QEMU, the agent channel, cleanup on every path) is
 * agent_vm.c. */
#include <errno.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "agent_vm.h"
#include "core/base64.h"
#include "core/digest.h"
#include "core/hex.h"
#include "evidence/tpm_fold.h"
#include "golden/golden.h"
#include "testutil.h"

#define BUILD_SCRIPT TDXH_SOURCE_DIR "/images/minimal/build.sh"
#define INIT_SOURCE TDXH_SOURCE_DIR "/images/minimal/init"
#define BOOT_TIMEOUT_S 180
#define REQUEST_TIMEOUT_S 90

/* TD attributes the fake TDX module would hand over: SEPT_VE_DISABLE. */
static const uint8_t fake_attributes[8] = { 0x00, 0x00, 0x00, 0x10 };

static json_object *callf_owned(char *req)
{
        json_object *o = vm_call(req, REQUEST_TIMEOUT_S);

        free(req);
        return o;
}

/* The registers the agent read in the guest must be the ones
 * `tdxh golden compute --profile fake` predicts for this image and memory. */
static void check_registers_match_golden(json_object *regs, const char *image)
{
        char *dir = tmpdir_make(), *out = NULL, *kernel = NULL, *initrd = NULL, *cmdline_path = NULL;
        char *cmdline, hex[97];
        struct golden g = { 0 };
        struct tdxh_err e = { 0 };
        struct run_result r;

        ck_assert_int_ge(asprintf(&out, "%s/fake.json", dir), 0);
        ck_assert_int_ge(asprintf(&kernel, "%s/vmlinuz", image), 0);
        ck_assert_int_ge(asprintf(&initrd, "%s/initrd.img", image), 0);
        ck_assert_int_ge(asprintf(&cmdline_path, "%s/cmdline", image), 0);
        cmdline = (char *)slurp(cmdline_path, NULL);
        run_tdxh(&r, (const char *[]){ "golden", "compute", "--profile", "fake", "--firmware",
                                       VM_OVMF, "--kernel", kernel, "--initrd", initrd,
                                       "--cmdline", cmdline, "--memory", VM_MEMORY, "-o", out,
                                       NULL });
        ck_assert_msg(r.status == 0, "golden compute failed: %s", r.err);
        run_result_free(&r);
        ck_assert_msg(golden_load(out, &g, &e) == 0, "%s", e.msg);
        for (int i = GOLDEN_RTMR0; i <= GOLDEN_RTMR2; i++) {
                const char *name = golden_reg_name((enum golden_reg)i);

                ck_assert(g.regs[i].known);
                hex_encode(g.regs[i].value, 48, hex);
                printf("%s observed %s predicted %s\n", name, resp_str(regs, name), hex);
                ck_assert_str_eq(resp_str(regs, name), hex);
        }
        golden_free(&g);
        free(cmdline);
        free(cmdline_path);
        free(initrd);
        free(kernel);
        free(out);
        tmpdir_remove(dir);
}

static void check_registers_consistent(json_object *regs, json_object *evlog)
{
        uint8_t *log = NULL, got[48], rtmr3[48] = { 0 }, d[48];
        const char *log_b64 = resp_str(evlog, "log");
        json_object *check, *v, *arr;
        struct tpm_fold fold;
        struct tdxh_err e = { 0 };
        size_t len = 0;
        char key[8];

        ck_assert_str_eq(resp_str(evlog, "format"), "tpm");
        ck_assert_int_eq(base64_decode(log_b64, strlen(log_b64), &log, &len), 0);
        ck_assert_msg(tpm_fold_log(log, len, &fold, &e) == 0, "%s", e.msg);
        for (int i = 0; i < 3; i++) {
                snprintf(key, sizeof(key), "rtmr%d", i);
                resp_hex48(regs, key, got);
                ck_assert_msg(memcmp(got, fold.rtmr[i], 48) == 0, "%s is not the fold of the "
                              "returned TPM log", key);
        }
        /* The agent replayed every PCR the log extends against the TPM. */
        ck_assert(json_object_object_get_ex(regs, "check", &check));
        ck_assert(json_object_object_get_ex(check, "ok", &v) && json_object_get_boolean(v));
        ck_assert(json_object_object_get_ex(check, "checked", &v));
        ck_assert_int_ge(json_object_array_length(v), 5);
        /* RTMR3 is the fold of the agent's own log. */
        ck_assert(json_object_object_get_ex(evlog, "rtmr3_log", &arr));
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
                ck_assert_int_eq(hex_decode_exact(resp_str(json_object_array_get_idx(arr, i),
                                                      "digest"), d, 48), 0);
                rtmr_extend(rtmr3, d);
        }
        resp_hex48(regs, "rtmr3", got);
        ck_assert_msg(memcmp(got, rtmr3, 48) == 0, "rtmr3 is not the fold of rtmr3_log");
        free(log);
}

static bool file_contains(const char *name, const char *needle)
{
        char *path = vm_path(name);
        char *text = (char *)slurp(path, NULL);
        bool found = strstr(text, needle) != NULL;

        free(text);
        free(path);
        return found;
}

static char *build_image(void)
{
        char *image = vm_path("image");
        const char *argv[] = { BUILD_SCRIPT, "--out", image, NULL };
        struct run_result res = { 0 };

        run_cmd(&res, argv, 600);
        ck_assert_msg(res.status == 0, "build.sh exited %d: %s", res.status, res.err);
        run_result_free(&res);
        return image;
}

static void check_seal(const char *secret_b64)
{
        json_object *r, *sealed, *sealed_boot;
        char *blob, *blob_boot;

        /* Round trip under a policy that includes RTMR3. */
        sealed = callf_owned(fmt("{\"id\":20,\"op\":\"seal\",\"name\":\"app-key\",\"data\":"
                                     "\"%s\",\"policy\":[\"rtmr0\",\"rtmr1\",\"rtmr2\","
                                     "\"rtmr3\"]}", secret_b64));
        resp_expect_ok(sealed);
        blob = strdup(resp_str(sealed, "blob"));
        r = callf_owned(fmt("{\"id\":21,\"op\":\"unseal\",\"name\":\"app-key\",\"blob\":\"%s\"}",
                                blob));
        resp_expect_ok(r);
        ck_assert_str_eq(resp_str(r, "data"), secret_b64);
        json_object_put(r);
        /* The blob opens only under its own name. */
        r = callf_owned(fmt("{\"id\":22,\"op\":\"unseal\",\"name\":\"other\",\"blob\":\"%s\"}",
                                blob));
        resp_expect_errno(r, EINVAL);
        json_object_put(r);
        /* A policy of the boot registers only survives RTMR3 extends. */
        sealed_boot = callf_owned(fmt("{\"id\":23,\"op\":\"seal\",\"name\":\"boot-key\","
                                          "\"data\":\"%s\",\"policy\":[\"rtmr0\",\"rtmr1\","
                                          "\"rtmr2\"]}", secret_b64));
        resp_expect_ok(sealed_boot);
        blob_boot = strdup(resp_str(sealed_boot, "blob"));
        r = vm_call("{\"id\":24,\"op\":\"extend\",\"rtmr\":3,\"event\":\"after-seal\",\"digest\":\""
                 "0101010101010101010101010101010101010101010101010101010101010101"
                 "01010101010101010101010101010101\"}", REQUEST_TIMEOUT_S);
        resp_expect_ok(r);
        json_object_put(r);
        r = callf_owned(fmt("{\"id\":25,\"op\":\"unseal\",\"name\":\"app-key\",\"blob\":\"%s\"}",
                                blob));
        resp_expect_errno(r, EACCES);
        json_object_put(r);
        r = callf_owned(fmt("{\"id\":26,\"op\":\"unseal\",\"name\":\"boot-key\",\"blob\":"
                                "\"%s\"}", blob_boot));
        resp_expect_ok(r);
        ck_assert_str_eq(resp_str(r, "data"), secret_b64);
        json_object_put(r);
        json_object_put(sealed);
        json_object_put(sealed_boot);
        free(blob);
        free(blob_boot);
}

static void check_bad_requests(void)
{
        static const struct {
                const char *line;
                int err;
                bool id_null;
        } bad[] = {
                { "{\"id\":40,\"op\":\"frobnicate\"}", ENOSYS, false },
                { "{\"id\":41,\"op\":\"extend\",\"rtmr\":3,\"digest\":\"abcd\"}", EINVAL, false },
                { "{\"id\":42,\"op\":\"extend\",\"rtmr\":2,\"digest\":\"" /* 48 bytes */
                  "000000000000000000000000000000000000000000000000"
                  "000000000000000000000000000000000000000000000000\"}", EINVAL, false },
                { "{\"id\":43,\"op\":\"digest\",\"path\":\"/no/such/file\"}", ENOENT, false },
                { "{\"id\":44,\"op\":\"quote\",\"report_data\":\"" /* 64 bytes */
                  "00000000000000000000000000000000000000000000000000000000000000000000"
                  "000000000000000000000000000000000000000000000000000000000000\"}",
                  EOPNOTSUPP, false },
                { "this is not JSON", EINVAL, true },
        };
        json_object *r, *id;
        size_t big_len = (1u << 20) + 16;
        char *big;

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                r = vm_call(bad[i].line, REQUEST_TIMEOUT_S);
                resp_expect_errno(r, bad[i].err);
                ck_assert(json_object_object_get_ex(r, "id", &id));
                ck_assert_int_eq(id == NULL, bad[i].id_null);
                json_object_put(r);
        }
        /* A line over 1 MiB is discarded and answered once. */
        big = malloc(big_len + 1);
        ck_assert_ptr_nonnull(big);
        memset(big, 'x', big_len);
        big[big_len] = '\0';
        r = vm_call(big, BOOT_TIMEOUT_S);
        resp_expect_errno(r, E2BIG);
        json_object_put(r);
        free(big);
        /* And the agent is still there. */
        r = vm_call("{\"id\":45,\"op\":\"hello\"}", REQUEST_TIMEOUT_S);
        resp_expect_ok(r);
        json_object_put(r);
}

static void check_report(const uint8_t mrtd[48])
{
        uint8_t *rep = NULL, rd[64];
        json_object *r;
        size_t len = 0;
        const char *b64;

        memset(rd, 0xab, sizeof(rd));
        r = vm_call("{\"id\":30,\"op\":\"report\",\"report_data\":\""
                 "abababababababababababababababababababababababababababababababab"
                 "abababababababababababababababababababababababababababababababab\"}",
                 REQUEST_TIMEOUT_S);
        resp_expect_ok(r);
        b64 = resp_str(r, "tdreport");
        ck_assert_int_eq(base64_decode(b64, strlen(b64), &rep, &len), 0);
        ck_assert_uint_eq(len, 1024);
        ck_assert_uint_eq(rep[0], 0x81);
        ck_assert_mem_eq(rep + 128, rd, 64);
        ck_assert_mem_eq(rep + 528, mrtd, 48);
        free(rep);
        json_object_put(r);
}

START_TEST(test_agent_boot_serves_every_request)
{
        uint8_t mrtd[48], secret[64], d1[48], init_sha[48], rtmr3[48] = { 0 }, got[48];
        char *image, *secret_b64, secret_hex[129], d1_hex[97];
        json_object *r, *regs, *evlog, *arr;
        double boot_to_hello;
        int status;

        vm_init();
        image = build_image();
        for (size_t i = 0; i < sizeof(mrtd); i++)
                mrtd[i] = (uint8_t)(0xa0 + i);
        vm_start(image, mrtd, fake_attributes);

        r = vm_call("{\"id\":1,\"op\":\"hello\"}", BOOT_TIMEOUT_S);
        boot_to_hello = vm_now() - vm_started_at();
        resp_expect_ok(r);
        ck_assert_str_eq(resp_str(r, "provider"), "vtpm");
        ck_assert_str_eq(resp_str(r, "protocol"), "1");
        ck_assert_str_eq(resp_str(r, "kernel"), "6.1.0-56-amd64");
        json_object_put(r);
        printf("boot to hello under TCG: %.1f s\n", boot_to_hello);

        regs = vm_call("{\"id\":2,\"op\":\"registers\"}", REQUEST_TIMEOUT_S);
        resp_expect_ok(regs);
        resp_hex48(regs, "mrtd", got);
        ck_assert_mem_eq(got, mrtd, 48);
        ck_assert_str_eq(resp_str(regs, "td_attributes"), "0000001000000000");
        resp_hex48(regs, "rtmr3", got);
        ck_assert_mem_eq(got, rtmr3, 48);
        evlog = vm_call("{\"id\":3,\"op\":\"event-log\"}", REQUEST_TIMEOUT_S);
        resp_expect_ok(evlog);
        check_registers_consistent(regs, evlog);
        check_registers_match_golden(regs, image);
        json_object_put(regs);
        json_object_put(evlog);

        /* digest of a guest file: /init is the recipe's file, byte for byte. */
        ck_assert_int_eq(digest_file(DIGEST_SHA384, INIT_SOURCE, init_sha, NULL, NULL), 0);
        r = vm_call("{\"id\":4,\"op\":\"digest\",\"path\":\"/init\"}", REQUEST_TIMEOUT_S);
        resp_expect_ok(r);
        hex_encode(init_sha, 48, d1_hex);
        ck_assert_str_eq(resp_str(r, "sha384"), d1_hex);
        json_object_put(r);

        /* extend with a digest, then with a file. */
        memset(d1, 0x5a, sizeof(d1));
        hex_encode(d1, sizeof(d1), d1_hex);
        r = callf_owned(fmt("{\"id\":5,\"op\":\"extend\",\"rtmr\":3,\"event\":\"test-digest\","
                                "\"digest\":\"%s\"}", d1_hex));
        resp_expect_ok(r);
        rtmr_extend(rtmr3, d1);
        resp_hex48(r, "rtmr3", got);
        ck_assert_mem_eq(got, rtmr3, 48);
        json_object_put(r);
        r = vm_call("{\"id\":6,\"op\":\"extend\",\"rtmr\":3,\"file\":\"/init\"}", REQUEST_TIMEOUT_S);
        resp_expect_ok(r);
        rtmr_extend(rtmr3, init_sha);
        resp_hex48(r, "digest", got);
        ck_assert_mem_eq(got, init_sha, 48);
        resp_hex48(r, "rtmr3", got);
        ck_assert_mem_eq(got, rtmr3, 48);
        json_object_put(r);
        regs = vm_call("{\"id\":7,\"op\":\"registers\"}", REQUEST_TIMEOUT_S);
        resp_expect_ok(regs);
        evlog = vm_call("{\"id\":8,\"op\":\"event-log\"}", REQUEST_TIMEOUT_S);
        resp_expect_ok(evlog);
        check_registers_consistent(regs, evlog);
        ck_assert(json_object_object_get_ex(evlog, "rtmr3_log", &arr));
        ck_assert_uint_eq(json_object_array_length(arr), 2);
        ck_assert_str_eq(resp_str(json_object_array_get_idx(arr, 0), "event"), "test-digest");
        ck_assert_str_eq(resp_str(json_object_array_get_idx(arr, 1), "event"), "/init");
        json_object_put(regs);
        json_object_put(evlog);

        /* seal and unseal with a secret that must never reach the console. */
        for (size_t i = 0; i < sizeof(secret); i++)
                secret[i] = (uint8_t)(i * 37 + 11);
        secret_b64 = base64_encode(secret, sizeof(secret));
        hex_encode(secret, sizeof(secret), secret_hex);
        check_seal(secret_b64);
        check_report(mrtd);
        check_bad_requests();

        r = vm_call("{\"id\":50,\"op\":\"poweroff\"}", REQUEST_TIMEOUT_S);
        resp_expect_ok(r);
        json_object_put(r);
        ck_assert_msg(vm_wait_exit(60, &status), "QEMU still runs 60 s after poweroff");
        ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "QEMU status 0x%x", status);
        ck_assert(file_contains("console.log", "agent exited with 0"));
        ck_assert(!file_contains("console.log", secret_b64));
        ck_assert(!file_contains("console.log", secret_hex));
        free(secret_b64);
        free(image);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("agent-boot");
        TCase *tc = tcase_create("fake-platform");

        /* Skip only where the fake platform's parts are not installed. */
        if (!vm_platform_present())
                return 77;

        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, test_agent_boot_serves_every_request);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
