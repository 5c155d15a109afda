/* Boots the pinned reference kernel on the fake platform (QEMU q35 under TCG,
 * Debian's OVMF.fd, swtpm with SHA-256 and SHA-384 banks, no NIC) with a
 * busybox initramfs built here, reads the TPM event log and the SHA-384 PCRs
 * the guest prints on its serial console, and checks that the kernel (PCR 4),
 * LoadOptions (PCR 9, tag 0x8F3B22ED) and initrd (PCR 9, tag 0x8F3B22EC)
 * digests equal the measure/ predictions, that the unpatched kernel digest
 * would not match, and that the folds of PCRs 2-6 and 8-15 (minus 10) equal
 * the predicted RTMR1 and RTMR2. A second case checks the same against the
 * capture committed under tests/data/fake-boot (scripts/capture-fake-log.sh).
 *
 * The boot goes through the run layer (run/boot.h), which stops and reaps
 * swtpm and QEMU on every path before any assertion runs. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/base64.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/event_type.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/le.h"
#include "evidence/eventlog.h"
#include "it_guest.h"
#include "measure/kernel_events.h"
#include "testutil.h"

#define OVMF "/usr/share/ovmf/OVMF.fd"
#define BUSYBOX "/bin/busybox"
#define CMDLINE "console=ttyS0 quiet panic=-1"
#define MEMORY (1ull << 30)
#define BOOT_DEADLINE_S 150

static char *ref_kernel;

/* ---- the capture: no Check assertions until every child is reaped ---- */

static const char init_script[] =
        "#!/bin/busybox sh\n"
        "/bin/busybox mount -t devtmpfs devtmpfs /dev\n"
        "exec >/dev/ttyS0 2>&1\n"
        "/bin/busybox mount -t proc proc /proc\n"
        "/bin/busybox mount -t sysfs sysfs /sys\n"
        "/bin/busybox mount -t securityfs securityfs /sys/kernel/security\n"
        "echo TDXH-EVENTLOG-BEGIN\n"
        "/bin/busybox base64 /sys/kernel/security/tpm0/binary_bios_measurements\n"
        "echo TDXH-EVENTLOG-END\n"
        "echo TDXH-PCRS-BEGIN\n"
        "for i in 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do\n"
        "        echo \"$i $(/bin/busybox cat /sys/class/tpm/tpm0/pcr-sha384/$i)\"\n"
        "done\n"
        "echo TDXH-PCRS-END\n"
        "/bin/busybox poweroff -f\n";

static int build_initrd(const char *path, struct buf *why)
{
        _cleanup_buf_ struct buf b = BUF_INIT;
        struct tdxh_err e = { 0 };
        int r;

        it_cpio_entry(&b, "bin", 040755, 0, 0, NULL, 0);
        it_cpio_file(&b, "bin/busybox", 0755, BUSYBOX);
        it_cpio_entry(&b, "dev", 040755, 0, 0, NULL, 0);
        it_cpio_entry(&b, "proc", 040755, 0, 0, NULL, 0);
        it_cpio_entry(&b, "sys", 040755, 0, 0, NULL, 0);
        it_cpio_entry(&b, "init", 0100755, 0, 0, init_script, strlen(init_script));
        it_cpio_entry(&b, "TRAILER!!!", 0, 0, 0, NULL, 0);
        r = file_write_atomic(path, b.data, b.len, 0644, &e);
        if (r < 0)
                buf_puts(why, e.msg);
        return r;
}

struct capture {
        char *console;          /* what the guest printed */
        struct measure_events rtmr1, rtmr1_unpatched, rtmr2;
        double boot_seconds;
};

static void capture_free(struct capture *c)
{
        free(c->console);
        measure_events_free(&c->rtmr1);
        measure_events_free(&c->rtmr1_unpatched);
        measure_events_free(&c->rtmr2);
}

static int predict(const char *kernel, const char *initrd, uint64_t memory, const char *cmdline,
                   struct capture *c, struct buf *why)
{
        struct kernel_boot b = { .kernel_path = kernel, .initrd_path = initrd, .cmdline = cmdline,
                                 .ram_size = memory };
        struct rtmr1_flags fake = { .header_patched = true, .separators = RTMR1_SEPARATORS_PCR2_6 };
        struct rtmr1_flags unpatched = fake;
        struct rtmr2_flags old_suffix = { 0 };
        struct tdxh_err e = { 0 };
        int r;

        unpatched.header_patched = false;
        r = kernel_rtmr1_events(&b, &fake, &c->rtmr1, &e);
        if (r >= 0)
                r = kernel_rtmr1_events(&b, &unpatched, &c->rtmr1_unpatched, &e);
        if (r >= 0)
                r = kernel_rtmr2_events(&b, &old_suffix, &c->rtmr2, &e);
        if (r < 0)
                buf_puts(why, e.msg);
        return r;
}

/* The last bytes of a log, for a failure message (the directory is removed). */
/* The whole boot, through the run layer (swtpm with SHA-256 and SHA-384
 * banks, QEMU q35 under TCG, OVMF); the guest powers off by itself. The
 * session stops and reaps everything it started, whatever happened. */
static int boot_and_capture(const char *dir, struct capture *c, struct buf *why)
{
        _cleanup_boot_session_ struct boot_session *s = NULL;
        _cleanup_free_ char *initrd = NULL;
        struct deadline d = deadline_in_ms(BOOT_DEADLINE_S * 1000ull);
        struct fake_boot_opts o = { .out_dir = dir };
        struct tdxh_err e = { 0 };
        struct platform p;
        uint64_t t0;
        size_t len;
        int r;

        if (asprintf(&initrd, "%s/initrd.img", dir) < 0)
                return -ENOMEM;
        r = build_initrd(initrd, why);
        if (r < 0)
                return r;
        r = predict(ref_kernel, initrd, MEMORY, CMDLINE, c, why);
        if (r < 0)
                return r;
        platform_init(&p, BACKEND_FAKE);
        p.memory = MEMORY;
        if (platform_set(&p.firmware, OVMF) < 0 || platform_set(&p.kernel, ref_kernel) < 0 ||
            platform_set(&p.initrd, initrd) < 0 || platform_set(&p.cmdline, CMDLINE) < 0) {
                platform_free(&p);
                return -ENOMEM;
        }
        r = boot_session_new(&p, &o, &s, &e);
        platform_free(&p);
        t0 = mono_now_ns();
        if (r >= 0)
                r = fake_boot_start(s, NULL, &e);
        if (r >= 0)
                r = fake_boot_wait_exit(s, &d, &e);
        c->boot_seconds = (double)elapsed_ms(t0) / 1000.0;
        if (r < 0) {
                buf_puts(why, e.msg);
                return r;
        }
        r = file_read_all(s->platform.serial_log, 16u << 20, &c->console, &len, NULL);
        if (r < 0)
                buf_printf(why, "cannot read %s", s->platform.serial_log);
        return r;
}

/* ---- the log, read with evidence/eventlog.h ---- */

static const struct evlog_event *find_tagged(const struct evlog_event *ev, size_t n, uint32_t tag)
{
        for (size_t i = 0; i < n; i++)
                if (ev[i].pcr == 9 && ev[i].type == EV_EVENT_TAG && ev[i].data_len >= 8 &&
                    le32_get(ev[i].data) == tag)
                        return &ev[i];
        return NULL;
}

static const struct evlog_event *find_type(const struct evlog_event *ev, size_t n, uint32_t pcr,
                                         uint32_t type)
{
        for (size_t i = 0; i < n; i++)
                if (ev[i].pcr == pcr && ev[i].type == type)
                        return &ev[i];
        return NULL;
}

/* Folds the log's SHA-384 digests of PCRs [lo, hi] except `skip` in log order. */
static void fold_log(const struct evlog_event *ev, size_t n, uint32_t lo, uint32_t hi, uint32_t skip,
                     uint8_t out[SHA384_LEN])
{
        memset(out, 0, SHA384_LEN);
        for (size_t i = 0; i < n; i++)
                if (ev[i].type != EV_NO_ACTION && ev[i].pcr >= lo && ev[i].pcr <= hi &&
                    ev[i].pcr != skip && ev[i].has_sha384)
                        rtmr_extend(out, ev[i].sha384);
}

static void fold_events(const struct measure_events *l, uint8_t out[SHA384_LEN])
{
        memset(out, 0, SHA384_LEN);
        for (size_t i = 0; i < l->n; i++)
                rtmr_extend(out, l->v[i].digest);
}

/* Drops the serial line's carriage returns in place. */
static void strip_cr(char *text)
{
        char *w = text;

        for (const char *r = text; *r; r++)
                if (*r != '\r')
                        *w++ = *r;
        *w = '\0';
}

/* The text between the begin and end marker lines, or NULL. */
static char *section(const char *console, const char *begin, const char *end)
{
        const char *p = strstr(console, begin), *q;

        if (!p || !(q = strstr(p + strlen(begin), end)))
                return NULL;
        p += strlen(begin);
        return strndup(p, (size_t)(q - p));
}

/* busybox base64 wraps lines; the core decoder takes canonical text only. */
static uint8_t *decode_base64(char *text, size_t *ret_len)
{
        uint8_t *out = NULL;
        char *w = text;

        for (const char *r = text; *r; r++)
                if (*r != '\n' && *r != '\r' && *r != ' ')
                        *w++ = *r;
        *w = '\0';
        ck_assert_int_eq(base64_decode(text, strlen(text), &out, ret_len), 0);
        return out;
}

static void parse_pcrs(const char *text, uint8_t pcrs[16][SHA384_LEN], bool seen[16])
{
        const char *p = text;

        while (*p) {
                unsigned idx;
                char hex[2 * SHA384_LEN + 1];

                if (sscanf(p, "%u %96s", &idx, hex) == 2 && idx < 16 &&
                    hex_decode_exact(hex, pcrs[idx], SHA384_LEN) == 0)
                        seen[idx] = true;
                p += strcspn(p, "\n");
                p += *p == '\n';
        }
}

static void print_digest(const char *label, const uint8_t *d)
{
        char hex[2 * SHA384_LEN + 1];

        hex_encode(d, SHA384_LEN, hex);
        fprintf(stderr, "  %-28s %s\n", label, hex);
}

/* The checks shared by the live boot and the committed capture. */
static void check_log(const uint8_t *log, size_t log_len, const uint8_t pcrs[16][SHA384_LEN],
                      const bool seen[16], const struct capture *c)
{
        _cleanup_evlog_ struct evlog evl = { 0 };
        const struct evlog_event *ev, *kernel, *cmdline, *initrd;
        struct tdxh_err e = { 0 };
        uint8_t fold_log1[SHA384_LEN], fold_log2[SHA384_LEN], fold_p1[SHA384_LEN], fold_p2[SHA384_LEN];
        size_t n = 0;

        ck_assert_uint_eq(c->rtmr1.n, 9);
        ck_assert_uint_eq(c->rtmr2.n, 2);
        ck_assert_msg(evlog_parse(log, log_len, EVLOG_TPM, &evl, &e) == 0, "%s", e.msg);
        ev = evl.events;
        n = evl.n_events;
        ck_assert_uint_gt(n, 10);
        /* The reader is right if the log replays to the TPM's own PCRs
         * (PCR 10 also holds IMA's extends, which are not in this log). */
        for (uint32_t pcr = 0; pcr < 16; pcr++) {
                uint8_t replay[SHA384_LEN];

                if (pcr == 10)
                        continue;
                ck_assert_msg(seen[pcr], "PCR %u not printed", pcr);
                fold_log(ev, n, pcr, pcr, UINT32_MAX, replay);
                ck_assert_msg(memcmp(replay, pcrs[pcr], SHA384_LEN) == 0, "PCR %u does not replay", pcr);
        }

        kernel = find_type(ev, n, 4, EV_EFI_BOOT_SERVICES_APPLICATION);
        cmdline = find_tagged(ev, n, TAGGED_EVENT_LOAD_OPTIONS);
        initrd = find_tagged(ev, n, TAGGED_EVENT_INITRD);
        ck_assert(kernel && cmdline && initrd);
        fprintf(stderr, "fake boot log: %zu events\n", n);
        print_digest("kernel, predicted", c->rtmr1.v[0].digest);
        print_digest("kernel, logged", kernel->sha384);
        print_digest("kernel, unpatched file", c->rtmr1_unpatched.v[0].digest);
        print_digest("cmdline, predicted", c->rtmr2.v[0].digest);
        print_digest("cmdline, logged", cmdline->sha384);
        print_digest("initrd, predicted", c->rtmr2.v[1].digest);
        print_digest("initrd, logged", initrd->sha384);
        ck_assert_mem_eq(kernel->sha384, c->rtmr1.v[0].digest, SHA384_LEN);
        ck_assert(memcmp(kernel->sha384, c->rtmr1_unpatched.v[0].digest, SHA384_LEN) != 0);
        ck_assert_str_eq(c->rtmr2.v[0].what, "cmdline");
        ck_assert_mem_eq(cmdline->sha384, c->rtmr2.v[0].digest, SHA384_LEN);
        ck_assert_str_eq(c->rtmr2.v[1].what, "initrd");
        ck_assert_mem_eq(initrd->sha384, c->rtmr2.v[1].digest, SHA384_LEN);

        fold_log(ev, n, 2, 6, UINT32_MAX, fold_log1);
        fold_log(ev, n, 8, 15, 10, fold_log2);
        fold_events(&c->rtmr1, fold_p1);
        fold_events(&c->rtmr2, fold_p2);
        print_digest("RTMR1 (PCR 2-6), predicted", fold_p1);
        print_digest("RTMR1 (PCR 2-6), log fold", fold_log1);
        print_digest("RTMR2 (PCR 8-15 \\ 10), pred.", fold_p2);
        print_digest("RTMR2 (PCR 8-15 \\ 10), log", fold_log2);
        ck_assert_mem_eq(fold_p1, fold_log1, SHA384_LEN);
        ck_assert_mem_eq(fold_p2, fold_log2, SHA384_LEN);
}

START_TEST(test_fake_boot_log_matches_predictions)
{
        char *dir = tmpdir_make();
        struct capture c = { 0 };
        _cleanup_buf_ struct buf why = BUF_INIT;
        _cleanup_free_ char *b64 = NULL, *pcr_text = NULL;
        _cleanup_free_ uint8_t *log = NULL;
        uint8_t pcrs[16][SHA384_LEN];
        bool seen[16] = { false };
        size_t log_len;
        int r;

        r = boot_and_capture(dir, &c, &why);
        tmpdir_remove(dir);
        ck_assert_msg(r >= 0, "%s", why.data ? why.data : "capture failed");
        fprintf(stderr, "boot to poweroff: %.1f s\n", c.boot_seconds);
        strip_cr(c.console);
        b64 = section(c.console, "TDXH-EVENTLOG-BEGIN\n", "TDXH-EVENTLOG-END");
        pcr_text = section(c.console, "TDXH-PCRS-BEGIN\n", "TDXH-PCRS-END");
        ck_assert_msg(b64 && pcr_text, "markers missing from the console; its end:\n%s",
                      c.console + (strlen(c.console) > 2000 ? strlen(c.console) - 2000 : 0));
        log = decode_base64(b64, &log_len);
        parse_pcrs(pcr_text, pcrs, seen);
        check_log(log, log_len, pcrs, seen, &c);
        capture_free(&c);
}
END_TEST

/* The capture committed by scripts/capture-fake-log.sh: the same checks
 * without booting; the initrd is represented by its size and SHA-384 from
 * manifest.txt (only its size enters the kernel digest). */
START_TEST(test_committed_capture_matches_predictions)
{
        char *dir = tmpdir_make(), *initrd = NULL, *mpath = test_data_path("fake-boot/manifest.txt");
        char *lpath = test_data_path("fake-boot/binary_bios_measurements");
        char *ppath = test_data_path("fake-boot/pcr-sha384.txt");
        _cleanup_free_ char *manifest = NULL, *pcr_text = NULL;
        _cleanup_free_ uint8_t *log = NULL;
        struct capture c = { 0 };
        _cleanup_buf_ struct buf why = BUF_INIT;
        unsigned long long initrd_size = 0;
        char initrd_sha384[2 * SHA384_LEN + 1] = "";
        uint8_t pcrs[16][SHA384_LEN];
        bool seen[16] = { false };
        const char *p;
        size_t log_len;
        int fd;

        manifest = (char *)slurp(mpath, NULL);
        p = strstr(manifest, "\ninitrd ");
        ck_assert_ptr_nonnull(p);
        ck_assert_int_eq(sscanf(strstr(p, " sha384 "), " sha384 %96s size %llu", initrd_sha384,
                                &initrd_size), 2);
        ck_assert_ptr_nonnull(strstr(manifest, "\nmemory 1G\n"));
        ck_assert_ptr_nonnull(strstr(manifest, "\ncmdline " CMDLINE "\n"));
        ck_assert_ptr_nonnull(strstr(manifest, "kernel vmlinuz-6.1.0-56-amd64 sha256 "
                                               "26f2e57c99338feaf71c46fa4babdc7e1a6c115943002d109fdb746667104f5f"));
        ck_assert_int_ge(asprintf(&initrd, "%s/initrd.img", dir), 0);
        fd = open(initrd, O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
        ck_assert_int_ge(fd, 0);
        ck_assert_int_eq(ftruncate(fd, (off_t)initrd_size), 0);
        close(fd);
        ck_assert_msg(predict(ref_kernel, initrd, MEMORY, CMDLINE, &c, &why) == 0, "%s", why.data);
        /* Stand in the recorded initrd digest for the sparse file's. */
        ck_assert_int_eq(hex_decode_exact(initrd_sha384, c.rtmr2.v[1].digest, SHA384_LEN), 0);
        log = slurp(lpath, &log_len);
        pcr_text = (char *)slurp(ppath, NULL);
        parse_pcrs(pcr_text, pcrs, seen);
        check_log(log, log_len, pcrs, seen, &c);
        capture_free(&c);
        free(initrd);
        free(mpath);
        free(lpath);
        free(ppath);
        tmpdir_remove(dir);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("fake_boot_log");
        TCase *tc = tcase_create("fake_boot_log");
        int status;

        ref_kernel = reference_kernel_path();
        if (!ref_kernel) {
                fprintf(stderr, "skipped: the reference kernel cannot be fetched\n");
                return 77;
        }
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, test_committed_capture_matches_predictions);
        tcase_add_test(tc, test_fake_boot_log_matches_predictions);
        suite_add_tcase(s, tc);
        status = run_suite(s);
        free(ref_kernel);
        return status;
}
