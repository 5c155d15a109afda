/* RTMR1 and RTMR2 event lists of a direct kernel boot: the action-string
 * constants of TDX-REFERENCE §4.1, LoadOptions in both edk2 encodings against
 * UTF-16 built by the compiler, the initrd digest against `openssl dgst`, the
 * initrd streamed in constant memory, and the kernel event of the pinned
 * reference kernel with and without QEMU's header patch. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <uchar.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/digest.h"
#include "core/event_type.h"
#include "core/file.h"
#include "core/hex.h"
#include "measure/kernel_events.h"
#include "measure/pe.h"
#include "testutil.h"

#define SEPARATOR_SHA384 \
        "394341b7182cd227c5c6b07ef8000cdfd86136c4292b8e576573ad7ed9ae41019f5818b4b971c9effc60e1ad9f1289f0"
#define CALLING_SHA384 \
        "77a0dab2312b4e1e57a84d865a21e5b2ee8d677a21012ada819d0a98988078d3d740f6346bfe0abaa938ca20439a8d71"
#define EBS_SHA384 \
        "214b0bef1379756011344877743fdc2a5382bac6e70362d624ccf3f654407c1b4badf7d8f9295dd3dabdef65b27677e0"
#define EBS_OK_SHA384 \
        "0a2e01c85deae718a530ad8c6d20a84009babe6c8989269e950d8cf440c6e997695e64d455c4174a652cd080f6230b74"
/* §12: SHA384(UTF-16LE("console=ttyS0 quiet panic=-1 initrd=initrd") || 00 00), as logged. */
#define FAKE_CMDLINE_SHA384 \
        "e48aa5bbb3bb748371d3421136369d97e3849e1051958f5dd8453e46026c24fc6c63d8b7c99beb5589451c60640a336d"
/* The pinned reference kernel (see test_pe.c): Authenticode SHA-384 as is, and
 * with QEMU 7.2's patch for -m 1G, a 1028398-byte initrd and the §12 command
 * line (the value the captured fake boot log shows for PCR 4). */
#define REF_UNPATCHED \
        "e494e71ba795e8fc3edc1b3cab678c8c8782a6efe14d2d5a25155dc948b53f7d1dab088ff7005b7e6f9b0534738660e2"
#define REF_PATCHED_1G \
        "00b862a873e6e6890473902e32ace275906f293e30e4d90c8c7cb779b0d8115c99fecc2aab20350e8024a1db0e97ef7f"
#define REF_INITRD_SIZE 1028398u
#define FAKE_CMDLINE "console=ttyS0 quiet panic=-1"

static char *ref_kernel;

static void assert_hex(const uint8_t *d, const char *want)
{
        char hex[2 * SHA384_LEN + 1];

        hex_encode(d, SHA384_LEN, hex);
        ck_assert_str_eq(hex, want);
}

/* A file of `size` pseudo-random bytes. */
static void write_random_file(const char *path, size_t size)
{
        _cleanup_free_ uint8_t *data = malloc(size);
        uint32_t x = 0x12345678;

        ck_assert_ptr_nonnull(data);
        for (size_t i = 0; i < size; i++) {
                x = x * 1103515245u + 12345u;
                data[i] = (uint8_t)(x >> 23);
        }
        ck_assert_int_eq(file_write_atomic(path, data, size, 0644, NULL), 0);
}

START_TEST(test_action_and_separator_digests_match_reference)
{
        char *dir = tmpdir_make(), *junk = NULL;
        struct kernel_boot b = { 0 };
        struct rtmr1_flags f = { .separators = RTMR1_SEPARATOR_ONE };
        struct measure_events l = { 0 };
        struct tdxh_err e = { 0 };
        uint8_t d[SHA384_LEN];
        static const uint8_t zero[4];

        ck_assert_str_eq(ACTION_CALLING_EFI_APP, "Calling EFI Application from Boot Option");
        ck_assert_uint_eq(strlen(ACTION_CALLING_EFI_APP), 40);
        ck_assert_str_eq(ACTION_EXIT_BOOT_SERVICES, "Exit Boot Services Invocation");
        ck_assert_str_eq(ACTION_EXIT_BOOT_SERVICES_OK, "Exit Boot Services Returned with Success");
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, ACTION_CALLING_EFI_APP, 40, d), 0);
        assert_hex(d, CALLING_SHA384);
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, ACTION_EXIT_BOOT_SERVICES,
                                    strlen(ACTION_EXIT_BOOT_SERVICES), d), 0);
        assert_hex(d, EBS_SHA384);
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, ACTION_EXIT_BOOT_SERVICES_OK,
                                    strlen(ACTION_EXIT_BOOT_SERVICES_OK), d), 0);
        assert_hex(d, EBS_OK_SHA384);
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, zero, sizeof(zero), d), 0);
        assert_hex(d, SEPARATOR_SHA384);

        /* A kernel that is not a PE image fails, names the file and leaves
         * the list alone. */
        ck_assert_int_ge(asprintf(&junk, "%s/junk", dir), 0);
        write_random_file(junk, 4096);
        b.kernel_path = junk;
        ck_assert_int_eq(kernel_rtmr1_events(&b, &f, &l, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, junk) && strstr(e.msg, "offset 0x"), "%s", e.msg);
        ck_assert_uint_eq(l.n, 0);
        measure_events_free(&l);
        free(junk);
        tmpdir_remove(dir);
}
END_TEST

/* LoadOptions as OVMF builds it, against the compiler's own UTF-16 (which
 * includes the terminating NUL, as LoadOptionsSize does). */
static void assert_options(const char *cmdline, bool initrd, bool prefix, bool shim,
                           const char *want_text, const char16_t *want, size_t want_size)
{
        struct rtmr2_flags f = { .initrd_prefix = prefix, .shim = shim };
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ uint8_t *wide = NULL;
        size_t size = 0;

        ck_assert_int_eq(kernel_load_options(cmdline, initrd, &f, &text, &wide, &size), 1);
        ck_assert_str_eq(text, want_text);
        ck_assert_uint_eq(size, want_size);
        ck_assert_mem_eq(wide, want, want_size);
}
#define ASSERT_OPTIONS(cmdline, initrd, prefix, shim, literal) \
        assert_options(cmdline, initrd, prefix, shim, literal, u"" literal, sizeof(u"" literal))

START_TEST(test_load_options_both_encodings)
{
        ASSERT_OPTIONS(FAKE_CMDLINE, true, false, false, "console=ttyS0 quiet panic=-1 initrd=initrd");
        ASSERT_OPTIONS(FAKE_CMDLINE, true, true, false, "initrd=initrd console=ttyS0 quiet panic=-1");
        ASSERT_OPTIONS(FAKE_CMDLINE, false, false, false, "console=ttyS0 quiet panic=-1");
        ASSERT_OPTIONS(FAKE_CMDLINE, false, true, false, "console=ttyS0 quiet panic=-1");
        ASSERT_OPTIONS("", true, false, false, " initrd=initrd");
        ASSERT_OPTIONS(NULL, true, true, false, "initrd=initrd ");
        ASSERT_OPTIONS("quiet", true, false, true, "kernel quiet initrd=initrd");
        ASSERT_OPTIONS("quiet", true, true, true, "kernel initrd=initrd quiet");
        ASSERT_OPTIONS(NULL, false, true, true, "kernel ");
}
END_TEST

START_TEST(test_load_options_digest_matches_fake_log)
{
        static const char16_t hand[] = u"console=ttyS0 quiet panic=-1 initrd=initrd";
        struct rtmr2_flags f = { 0 };
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ uint8_t *wide = NULL;
        uint8_t d[SHA384_LEN];
        size_t size;

        ck_assert_int_eq(digest_buf(DIGEST_SHA384, hand, sizeof(hand), d), 0);
        assert_hex(d, FAKE_CMDLINE_SHA384);
        ck_assert_int_eq(kernel_load_options(FAKE_CMDLINE, true, &f, &text, &wide, &size), 1);
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, wide, size, d), 0);
        assert_hex(d, FAKE_CMDLINE_SHA384);
}
END_TEST

START_TEST(test_load_options_absent_without_cmdline_or_initrd)
{
        struct rtmr2_flags f = { .initrd_prefix = true };
        char *text = (char *)"x";
        uint8_t *wide = (uint8_t *)"x";
        size_t size = 1;

        ck_assert_int_eq(kernel_load_options(NULL, false, &f, &text, &wide, &size), 0);
        ck_assert_ptr_null(text);
        ck_assert_ptr_null(wide);
        ck_assert_uint_eq(size, 0);
        ck_assert_int_eq(kernel_load_options("", false, &f, &text, &wide, &size), 0);
}
END_TEST

START_TEST(test_load_options_widen_bytes_not_utf8)
{
        static const uint8_t want[] = { 'c', 0, 'a', 0, 'f', 0, 0xc3, 0, 0xa9, 0, 0, 0 };
        struct rtmr2_flags f = { 0 };
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ uint8_t *wide = NULL;
        size_t size;

        ck_assert_int_eq(kernel_load_options("caf\xc3\xa9", false, &f, &text, &wide, &size), 1);
        ck_assert_uint_eq(size, sizeof(want));
        ck_assert_mem_eq(wide, want, sizeof(want));
}
END_TEST

static void openssl_sha384(const char *path, char out[2 * SHA384_LEN + 1])
{
        struct run_result res = { 0 };

        run_cmd(&res, (const char *const[]){ "openssl", "dgst", "-sha384", "-r", path, NULL }, 60);
        ck_assert_msg(res.status == 0, "openssl: %s", res.err);
        ck_assert_uint_ge(strlen(res.out), 2 * SHA384_LEN);
        memcpy(out, res.out, 2 * SHA384_LEN);
        out[2 * SHA384_LEN] = 0;
        run_result_free(&res);
}

START_TEST(test_rtmr2_events_cmdline_then_initrd)
{
        char *dir = tmpdir_make(), *initrd = NULL, want[2 * SHA384_LEN + 1];
        struct kernel_boot b = { .cmdline = FAKE_CMDLINE };
        struct rtmr2_flags f = { 0 };
        struct measure_events l = { 0 };
        struct tdxh_err e = { 0 };

        ck_assert_int_ge(asprintf(&initrd, "%s/initrd.img", dir), 0);
        write_random_file(initrd, (3u << 20) + 123);
        openssl_sha384(initrd, want);
        b.initrd_path = initrd;
        ck_assert_msg(kernel_rtmr2_events(&b, &f, &l, &e) == 0, "%s", e.msg);
        ck_assert_uint_eq(l.n, 2);
        ck_assert_int_eq(l.v[0].rtmr, 2);
        ck_assert_uint_eq(l.v[0].type, EV_EVENT_TAG);
        ck_assert_str_eq(l.v[0].what, "cmdline");
        ck_assert_str_eq(l.v[0].detail, FAKE_CMDLINE " initrd=initrd");
        assert_hex(l.v[0].digest, FAKE_CMDLINE_SHA384);
        ck_assert_int_eq(l.v[1].rtmr, 2);
        ck_assert_uint_eq(l.v[1].type, EV_EVENT_TAG);
        ck_assert_str_eq(l.v[1].what, "initrd");
        ck_assert_str_eq(l.v[1].detail, "initrd.img");
        ck_assert(l.v[1].digest_known);
        assert_hex(l.v[1].digest, want);
        measure_events_free(&l);
        free(initrd);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_rtmr2_empty_initrd_and_no_cmdline)
{
        char *dir = tmpdir_make(), *initrd = NULL;
        struct kernel_boot b = { 0 };
        struct rtmr2_flags f = { 0 };
        struct measure_events l = { 0 };
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(kernel_rtmr2_events(&b, &f, &l, &e), 0);
        ck_assert_uint_eq(l.n, 0);
        /* An empty -initrd reaches OVMF as size 0: neither suffix nor event. */
        ck_assert_int_ge(asprintf(&initrd, "%s/empty", dir), 0);
        ck_assert_int_eq(file_write_atomic(initrd, "", 0, 0644, NULL), 0);
        b.initrd_path = initrd;
        b.cmdline = "quiet";
        ck_assert_int_eq(kernel_rtmr2_events(&b, &f, &l, &e), 0);
        ck_assert_uint_eq(l.n, 1);
        ck_assert_str_eq(l.v[0].detail, "quiet");
        measure_events_free(&l);
        b.initrd_path = "/nonexistent/initrd";
        ck_assert_int_eq(kernel_rtmr2_events(&b, &f, &l, &e), -ENOENT);
        ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/initrd"));
        ck_assert_uint_eq(l.n, 0);
        free(initrd);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_initrd_digest_memory_does_not_grow)
{
        char *dir = tmpdir_make(), *initrd = NULL;
        struct kernel_boot b = { 0 };
        struct rtmr2_flags f = { 0 };
        struct measure_events l = { 0 };
        struct tdxh_err e = { 0 };
        struct rusage before, after;
        int fd;

        /* 256 MiB sparse: reading it costs no disk, loading it would cost RSS. */
        ck_assert_int_ge(asprintf(&initrd, "%s/big", dir), 0);
        fd = open(initrd, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(ftruncate(fd, 256 << 20), 0);
        close(fd);
        b.initrd_path = initrd;
        ck_assert_int_eq(getrusage(RUSAGE_SELF, &before), 0);
        ck_assert_int_eq(kernel_rtmr2_events(&b, &f, &l, &e), 0);
        ck_assert_int_eq(getrusage(RUSAGE_SELF, &after), 0);
        ck_assert_uint_eq(l.n, 2);
        ck_assert_msg(after.ru_maxrss - before.ru_maxrss < 32 * 1024,
                      "peak RSS grew by %ld KiB hashing a 256 MiB initrd",
                      after.ru_maxrss - before.ru_maxrss);
        measure_events_free(&l);
        free(initrd);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_rtmr1_events_reference_kernel_fake_order)
{
        static const char *const order[] = { "kernel", "action", "separator", "separator", "separator",
                                             "separator", "separator", "action", "action" };
        char *dir = tmpdir_make(), *initrd = sparse_file(dir, "initrd.img", REF_INITRD_SIZE);
        struct kernel_boot b = { .kernel_path = ref_kernel, .initrd_path = initrd,
                                 .cmdline = FAKE_CMDLINE, .ram_size = 1ull << 30 };
        struct rtmr1_flags f = { .header_patched = true, .separators = RTMR1_SEPARATORS_PCR2_6 };
        struct measure_events l = { 0 };
        struct tdxh_err e = { 0 };

        ck_assert_msg(kernel_rtmr1_events(&b, &f, &l, &e) == 0, "%s", e.msg);
        ck_assert_uint_eq(l.n, ELEMENTSOF(order));
        for (size_t i = 0; i < l.n; i++) {
                ck_assert_int_eq(l.v[i].rtmr, 1);
                ck_assert(l.v[i].digest_known);
                ck_assert_str_eq(l.v[i].what, order[i]);
        }
        ck_assert_uint_eq(l.v[0].type, EV_EFI_BOOT_SERVICES_APPLICATION);
        ck_assert_str_eq(l.v[0].detail, "vmlinuz-6.1.0-56-amd64");
        assert_hex(l.v[0].digest, REF_PATCHED_1G);
        ck_assert_uint_eq(l.v[1].type, EV_EFI_ACTION);
        assert_hex(l.v[1].digest, CALLING_SHA384);
        ck_assert_str_eq(l.v[1].detail, ACTION_CALLING_EFI_APP);
        for (size_t i = 2; i < 7; i++) {
                char pcr[8];

                snprintf(pcr, sizeof(pcr), "PCR %zu", i);
                ck_assert_uint_eq(l.v[i].type, EV_SEPARATOR);
                ck_assert_str_eq(l.v[i].detail, pcr);
                assert_hex(l.v[i].digest, SEPARATOR_SHA384);
        }
        assert_hex(l.v[7].digest, EBS_SHA384);
        ck_assert_str_eq(l.v[7].detail, ACTION_EXIT_BOOT_SERVICES);
        assert_hex(l.v[8].digest, EBS_OK_SHA384);
        ck_assert_str_eq(l.v[8].detail, ACTION_EXIT_BOOT_SERVICES_OK);
        measure_events_free(&l);

        /* TDX generations: unpatched file, one separator or none. */
        f = (struct rtmr1_flags){ .header_patched = false, .separators = RTMR1_SEPARATOR_ONE };
        ck_assert_int_eq(kernel_rtmr1_events(&b, &f, &l, &e), 0);
        ck_assert_uint_eq(l.n, 5);
        assert_hex(l.v[0].digest, REF_UNPATCHED);
        ck_assert_ptr_null(l.v[2].detail);
        /* Appending: the list keeps the 5 events and gains 4. */
        f.separators = RTMR1_SEPARATORS_NONE;
        ck_assert_int_eq(kernel_rtmr1_events(&b, &f, &l, &e), 0);
        ck_assert_uint_eq(l.n, 9);
        ck_assert_str_eq(l.v[7].what, "action");
        measure_events_free(&l);
        free(initrd);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_kernel_digest_overlay_equals_patched_copy)
{
        struct linux_setup_params p = { .ram_size = 5ull << 29, .initrd = true,
                                        .initrd_size = REF_INITRD_SIZE, .cmdline = "vga=791 quiet" };
        struct linux_setup_info info;
        struct tdxh_err e = { 0 };
        _cleanup_free_ uint8_t *copy = NULL;
        size_t size;
        struct pe_view v;
        uint8_t d1[SHA384_LEN], d2[SHA384_LEN];

        ck_assert_msg(kernel_image_digest(ref_kernel, &p, d1, &info, &e) == 0, "%s", e.msg);
        ck_assert_uint_eq(info.protocol, 0x20f);
        ck_assert_uint_eq(info.initrd_max, 0x9ffd7fff);
        ck_assert_uint_eq(info.initrd_addr, (0x9ffd7fffu - REF_INITRD_SIZE) & ~0xfffu);
        ck_assert(info.vid_mode_set);
        copy = slurp(ref_kernel, &size);
        ck_assert_int_eq(linux_setup_patch(copy, LINUX_HEADER_MAX, size, &p, NULL, &e), 0);
        v = (struct pe_view){ .data = copy, .size = size };
        ck_assert_int_eq(pe_authenticode(&v, DIGEST_SHA384, d2, &e), 0);
        ck_assert_mem_eq(d1, d2, sizeof(d1));
        p.ram_size = 1ull << 30;
        p.cmdline = FAKE_CMDLINE;
        ck_assert_int_eq(kernel_image_digest(ref_kernel, &p, d1, &info, &e), 0);
        assert_hex(d1, REF_PATCHED_1G);
        ck_assert_uint_eq(info.initrd_addr, 0x3fedc000);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("kernel_events");
        TCase *tc = tcase_create("kernel_events");
        int status;

        tcase_add_test(tc, test_action_and_separator_digests_match_reference);
        tcase_add_test(tc, test_load_options_both_encodings);
        tcase_add_test(tc, test_load_options_digest_matches_fake_log);
        tcase_add_test(tc, test_load_options_absent_without_cmdline_or_initrd);
        tcase_add_test(tc, test_load_options_widen_bytes_not_utf8);
        tcase_add_test(tc, test_rtmr2_events_cmdline_then_initrd);
        tcase_add_test(tc, test_rtmr2_empty_initrd_and_no_cmdline);
        tcase_add_test(tc, test_initrd_digest_memory_does_not_grow);
        ref_kernel = reference_kernel_path();
        if (ref_kernel) {
                tcase_add_test(tc, test_rtmr1_events_reference_kernel_fake_order);
                tcase_add_test(tc, test_kernel_digest_overlay_equals_patched_copy);
        }
        suite_add_tcase(s, tc);
        status = run_suite(s);
        if (status == EXIT_SUCCESS && !ref_kernel)
                status = 77;
        free(ref_kernel);
        return status;
}
