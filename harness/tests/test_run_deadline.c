/* Deadlines, the signal watch, and the wait loop that combines them with
 * child exits. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "run/deadline.h"
#include "run/signals.h"
#include "run/wait.h"
#include "testutil.h"

START_TEST(test_deadline_remaining_rounds_up_and_clamps)
{
        struct deadline d = deadline_in_ms(1500), past = deadline_in_ms(0);
        struct deadline never = DEADLINE_NEVER, huge = deadline_in_ms(UINT64_MAX / 2);
        int ms = deadline_poll_ms(&d);

        ck_assert_int_gt(ms, 1400);
        ck_assert_int_le(ms, 1500);
        ck_assert(!deadline_expired(&d));
        ck_assert(deadline_expired(&past));
        ck_assert_int_eq(deadline_poll_ms(&past), 0);
        ck_assert_int_eq(deadline_poll_ms(&never), -1);
        ck_assert(!deadline_expired(&never));
        ck_assert_uint_eq(huge.at_ns, UINT64_MAX); /* saturates to never */
        ck_assert_uint_eq(deadline_min(d, never).at_ns, d.at_ns);
        ck_assert_uint_eq(deadline_min(never, past).at_ns, past.at_ns);
}
END_TEST

START_TEST(test_wait_fd_returns_ready_timeout_and_keeps_deadline)
{
        _cleanup_close_ int rd = -1, wr = -1;
        struct deadline d = deadline_in_ms(150);
        uint64_t t0 = mono_now_ns();
        int p[2];

        ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
        rd = p[0];
        wr = p[1];
        ck_assert_int_eq(wait_fd(rd, POLLIN, &d, NULL, NULL), -ETIMEDOUT);
        ck_assert_uint_ge(elapsed_ms(t0), 149);
        ck_assert_uint_lt(elapsed_ms(t0), 2000);
        ck_assert_int_eq(write(wr, "x", 1), 1);
        d = deadline_in_ms(5000);
        ck_assert_int_eq(wait_fd(rd, POLLIN, &d, NULL, NULL), 0);
}
END_TEST

START_TEST(test_wait_fd_ends_on_signal_and_watch_end_restores_mask)
{
        struct signal_watch sw = SIGNAL_WATCH_INIT;
        struct wait_watch w = { .sig = &sw };
        struct deadline d = deadline_in_ms(20000);
        sigset_t now;

        ck_assert_int_eq(signal_watch_begin(&sw), 0);
        ck_assert(!signal_watch_pending(&sw));
        ck_assert_int_eq(kill(getpid(), SIGHUP), 0);
        ck_assert_int_eq(wait_fd(-1, 0, &d, &w, NULL), -ECANCELED);
        ck_assert_int_eq(sw.received, SIGHUP);
        /* A later wait returns at once: the run is being torn down. */
        ck_assert_int_eq(wait_fd(-1, 0, &d, &w, NULL), -ECANCELED);
        ck_assert_int_eq(kill(getpid(), SIGTERM), 0); /* pending at end: drained, not fatal */
        signal_watch_end(&sw);
        ck_assert_int_eq(sw.fd, -1);
        ck_assert_int_eq(sw.received, SIGHUP);
        ck_assert_int_eq(sigprocmask(SIG_SETMASK, NULL, &now), 0);
        ck_assert(!sigismember(&now, SIGINT) && !sigismember(&now, SIGTERM));
        signal_watch_end(&sw); /* twice is fine */
}
END_TEST

START_TEST(test_wait_fd_ends_when_a_watched_child_exits)
{
        const char *argv[] = { "true", NULL };
        struct child c = CHILD_INIT;
        struct wait_watch w = { .children = { NULL, &c } };
        struct deadline d = deadline_in_ms(20000);
        struct tdxh_err e = { 0 };
        struct child *dead = NULL;

        ck_assert_int_eq(child_spawn(&c, &(struct child_opts){ .argv = argv }, &e), 0);
        ck_assert_int_eq(wait_fd(-1, 0, &d, &w, &dead), -ECHILD);
        ck_assert_ptr_eq(dead, &c);
        ck_assert(c.reaped);
        ck_assert(child_succeeded(&c));
        child_done(&c);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("run/deadline");
        TCase *tc = tcase_create("deadline");

        tcase_add_test(tc, test_deadline_remaining_rounds_up_and_clamps);
        tcase_add_test(tc, test_wait_fd_returns_ready_timeout_and_keeps_deadline);
        tcase_add_test(tc, test_wait_fd_ends_on_signal_and_watch_end_restores_mask);
        tcase_add_test(tc, test_wait_fd_ends_when_a_watched_child_exits);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
