/* Boot faults against the real processes: QEMU missing or failing to start,
 * swtpm killed during the boot, a guest whose agent never answers, a guest
 * kernel panic (with and without panic=-1), and SIGINT in the middle of a
 * boot. Each must end with exit code 3, a one-line reason naming the cause,
 * no process left (the test is the subreaper of everything it starts) and
 * no runtime directory or socket left. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "it_guest.h"
#include "run/boot.h"

static char *kernel;

struct fault {
        const char *init;    /* /init script; NULL: none */
        const char *cmdline;
        const char *qemu;    /* NULL: default */
        const char *firmware;
        bool wait_agent;
        uint64_t boot_timeout_ms;
        bool kill_swtpm;     /* SIGKILL swtpm once QEMU is up */
};

struct outcome {
        struct boot_session *s;
        char *runtime;
        char *tmp;
        int r;
        struct tdxh_err e;
        uint64_t ms; /* fake_boot_start, plus fake_boot_wait_exit when used */
};

static void kill_swtpm_when_qemu_is_up(enum boot_phase phase, void *userdata)
{
        struct boot_session *s = userdata;

        if (phase == BOOT_PHASE_QEMU_STARTED)
                ck_assert_int_eq(kill(s->tpm.proc.pid, SIGKILL), 0);
}

static void run_fault(const struct fault *f, struct outcome *out)
{
        struct platform p;
        struct fake_boot_opts o = { .wait_agent = f->wait_agent,
                                    .boot_timeout_ms = f->boot_timeout_ms,
                                    .hello_try_ms = 1000 };
        char *initrd = NULL;
        uint64_t t0;

        it_become_subreaper();
        *out = (struct outcome){ .tmp = tmpdir_make() };
        ck_assert_int_ge(asprintf(&initrd, "%s/initrd.cpio", out->tmp), 0);
        it_initramfs_write(initrd, f->init, NULL);
        it_platform(&p, kernel, initrd, f->cmdline);
        free(initrd);
        if (f->qemu)
                ck_assert_int_eq(platform_set(&p.qemu, f->qemu), 0);
        if (f->firmware)
                ck_assert_int_eq(platform_set(&p.firmware, f->firmware), 0);
        o.out_dir = out->tmp;
        ck_assert_msg(boot_session_new(&p, &o, &out->s, &out->e) == 0, "%s", out->e.msg);
        out->runtime = strdup(out->s->dir.runtime);
        if (f->kill_swtpm) {
                out->s->opts.on_phase = kill_swtpm_when_qemu_is_up;
                out->s->opts.userdata = out->s;
        }
        t0 = mono_now_ns();
        out->r = fake_boot_start(out->s, NULL, &out->e);
        if (out->r == 0 && !f->wait_agent) {
                struct deadline d = deadline_in_ms(180000);

                out->r = fake_boot_wait_exit(out->s, &d, &out->e);
        }
        out->ms = elapsed_ms(t0);
        fprintf(stderr, "figures fault: %llu ms to '%s'\n", (unsigned long long)out->ms,
                out->e.msg);
}

/* The common verdict: failed as expected, exit 3, nothing left. */
static void assert_failed(struct outcome *out, enum boot_failure failure, const char *reason)
{
        ck_assert_int_lt(out->r, 0);
        ck_assert_msg(out->s->failure == failure, "failure %s: %s",
                      boot_failure_name(out->s->failure), out->e.msg);
        ck_assert_int_eq(boot_exit_code(out->s, out->r), TDXH_EXIT_INFRA);
        ck_assert_msg(strstr(out->e.msg, reason) != NULL, "reason: %s", out->e.msg);
        ck_assert_ptr_null(strchr(out->e.msg, '\n'));
        ck_assert(!out->s->live);
        it_assert_clean(out->runtime, out->s->qemu.pid, out->s->tpm.proc.pid);
        boot_session_free(out->s);
        it_assert_clean(out->runtime, 0, 0);
        free(out->runtime);
        tmpdir_remove(out->tmp);
}

START_TEST(test_it_boot_fault_qemu_missing_is_infrastructure_error)
{
        struct outcome out;

        run_fault(&(struct fault){ .init = IT_INIT_POWEROFF, .cmdline = "console=ttyS0",
                                   .qemu = "/nonexistent/qemu-system-x86_64" },
                  &out);
        ck_assert_int_eq(out.r, -ENOENT);
        ck_assert_int_eq(out.s->tpm.proc.pid, 0); /* nothing was started */
        assert_failed(&out, BOOT_FAIL_QEMU,
                      "/nonexistent/qemu-system-x86_64: No such file or directory");
}
END_TEST

START_TEST(test_it_boot_fault_qemu_failing_to_start_reports_its_stderr)
{
        struct outcome out;

        run_fault(&(struct fault){ .init = IT_INIT_POWEROFF, .cmdline = "console=ttyS0",
                                   .firmware = "/nonexistent/OVMF.fd" },
                  &out);
        assert_failed(&out, BOOT_FAIL_QEMU,
                      "QEMU exited with status 1: qemu: could not load PC BIOS "
                      "'/nonexistent/OVMF.fd'");
}
END_TEST

START_TEST(test_it_boot_fault_swtpm_killed_during_boot)
{
        struct outcome out;

        run_fault(&(struct fault){ .init = IT_INIT_SILENT, .cmdline = "console=ttyS0 quiet",
                                   .wait_agent = true, .boot_timeout_ms = 120000,
                                   .kill_swtpm = true },
                  &out);
        ck_assert_uint_lt(out.ms, 60000);
        assert_failed(&out, BOOT_FAIL_SWTPM,
                      "swtpm killed by signal 9 (Killed) while waiting for the agent's hello");
}
END_TEST

START_TEST(test_it_boot_fault_agent_never_answers_hits_deadline)
{
        struct outcome out;

        run_fault(&(struct fault){ .init = IT_INIT_SILENT, .cmdline = "console=ttyS0 quiet",
                                   .wait_agent = true, .boot_timeout_ms = 20000 },
                  &out);
        ck_assert_int_eq(out.r, -ETIMEDOUT);
        ck_assert_uint_ge(out.s->timings.guest_ran_ms, 20000);
        /* What the console last said depends on how far the guest got. */
        assert_failed(&out, BOOT_FAIL_TIMEOUT,
                      "deadline passed after 20 s waiting for the agent's hello; last console "
                      "line: '");
}
END_TEST

START_TEST(test_it_boot_fault_kernel_panic_with_panic_reboot_is_detected)
{
        struct outcome out;

        /* No /init and no root: the kernel panics; panic=-1 reboots, which
         * -no-reboot turns into QEMU exiting with status 0. */
        run_fault(&(struct fault){ .init = NULL,
                                   .cmdline = "console=ttyS0 quiet panic=-1 rdinit=/nonexistent" },
                  &out);
        assert_failed(&out, BOOT_FAIL_PANIC, "guest kernel panic: Kernel panic - not syncing: ");
}
END_TEST

START_TEST(test_it_boot_fault_hanging_kernel_panic_is_seen_on_the_console)
{
        struct outcome out;

        /* Without panic=-1 the guest hangs after the panic; the console is
         * checked on every unanswered hello, well before the deadline. */
        run_fault(&(struct fault){ .init = NULL,
                                   .cmdline = "console=ttyS0 quiet rdinit=/nonexistent",
                                   .wait_agent = true, .boot_timeout_ms = 150000 },
                  &out);
        ck_assert_uint_lt(out.ms, 120000);
        assert_failed(&out, BOOT_FAIL_PANIC, "guest kernel panic: Kernel panic - not syncing: ");
}
END_TEST

static void notify_phase(enum boot_phase phase, void *userdata)
{
        int fd = *(int *)userdata;
        char c = phase == BOOT_PHASE_QEMU_STARTED ? 'Q' : 'p';

        if (write(fd, &c, 1) != 1)
                _exit(99);
}

/* The boot of the SIGINT test, in its own process as tdxh would run it. */
static void __attribute__((noreturn)) boot_child(const char *tmp, int fd)
{
        _cleanup_signal_watch_ struct signal_watch sw = SIGNAL_WATCH_INIT;
        struct boot_session *s = NULL;
        struct platform p;
        struct fake_boot_opts o = { .out_dir = tmp, .wait_agent = true, .boot_timeout_ms = 150000,
                                    .on_phase = notify_phase, .userdata = &fd };
        struct tdxh_err e = { 0 };
        char *initrd = NULL;
        int r, code;

        if (signal_watch_begin(&sw) < 0 || asprintf(&initrd, "%s/initrd.cpio", tmp) < 0)
                _exit(98);
        it_initramfs_write(initrd, IT_INIT_SILENT, NULL);
        it_platform(&p, kernel, initrd, "console=ttyS0 quiet");
        if (boot_session_new(&p, &o, &s, &e) < 0)
                _exit(97);
        dprintf(fd, "R%s\n", s->dir.runtime);
        r = fake_boot_start(s, &sw, &e);
        code = boot_exit_code(s, r);
        dprintf(fd, "E%s\n", e.msg);
        boot_session_free(s);
        signal_watch_end(&sw);
        free(initrd);
        _exit(code);
}

static void read_until(int fd, char stop, char *out, size_t len, const struct deadline *d)
{
        size_t n = 0;

        for (;;) {
                struct pollfd pf = { .fd = fd, .events = POLLIN };
                char c;

                ck_assert_msg(poll(&pf, 1, deadline_poll_ms(d)) == 1, "boot child silent");
                ck_assert_int_eq(read(fd, &c, 1), 1);
                if (c == stop)
                        break;
                if (n + 1 < len)
                        out[n++] = c;
        }
        out[n] = '\0';
}

START_TEST(test_it_boot_fault_sigint_mid_boot_cleans_up_and_exits_3)
{
        struct deadline d = deadline_in_ms(120000);
        char *tmp = tmpdir_make(), line[512], runtime[256], skip[64];
        int p[2], st = 0, pidfd;
        struct pollfd pf;
        uint64_t t0, ms;
        pid_t pid;

        it_become_subreaper();
        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
                close(p[0]);
                boot_child(tmp, p[1]);
        }
        close(p[1]);
        read_until(p[0], '\n', runtime, sizeof(runtime), &d);
        ck_assert_int_eq(runtime[0], 'R');
        /* Phases arrive as single letters; 'Q' is QEMU up. */
        read_until(p[0], 'Q', skip, sizeof(skip), &d);
        t0 = mono_now_ns();
        ck_assert_int_eq(kill(pid, SIGINT), 0);
        pidfd = pidfd_open(pid, 0);
        ck_assert_int_ge(pidfd, 0);
        pf = (struct pollfd){ .fd = pidfd, .events = POLLIN };
        ck_assert_msg(poll(&pf, 1, 60000) == 1, "the boot did not end after SIGINT");
        ms = elapsed_ms(t0);
        close(pidfd);
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        fprintf(stderr, "figures sigint: %llu ms from SIGINT to exit\n", (unsigned long long)ms);
        ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == TDXH_EXIT_INFRA, "status 0x%x", st);
        read_until(p[0], '\n', line, sizeof(line), &d);
        ck_assert_str_eq(line, "Einterrupted by SIGINT while waiting for the agent's hello");
        close(p[0]);
        it_assert_clean(runtime + 1, 0, 0);
        tmpdir_remove(tmp);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("it/boot-faults");
        TCase *tc = tcase_create("faults");

        kernel = it_reference_kernel();
        if (!kernel)
                return 77;
        tcase_set_timeout(tc, 240);
        tcase_add_test(tc, test_it_boot_fault_qemu_missing_is_infrastructure_error);
        tcase_add_test(tc, test_it_boot_fault_qemu_failing_to_start_reports_its_stderr);
        tcase_add_test(tc, test_it_boot_fault_swtpm_killed_during_boot);
        tcase_add_test(tc, test_it_boot_fault_agent_never_answers_hits_deadline);
        tcase_add_test(tc, test_it_boot_fault_kernel_panic_with_panic_reboot_is_detected);
        tcase_add_test(tc, test_it_boot_fault_hanging_kernel_panic_is_seen_on_the_console);
        tcase_add_test(tc, test_it_boot_fault_sigint_mid_boot_cleans_up_and_exits_3);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
