/* The host side of the agent protocol against a scripted peer on the other
 * end of a socketpair (a forked process standing in for the guest agent):
 * requests on the wire, partial and stale responses, oversize lines, error
 * responses, timeouts, a closed channel, and hello readiness while the
 * "guest" is not reading yet. */
#include <errno.h>
#include <json-c/json.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/json_util.h"
#include "run/agent_chan.h"
#include "testutil.h"

enum peer_mode {
        PEER_ECHO,      /* answer every request, repeating its fields */
        PEER_PARTIAL,   /* answer in three pieces, 50 ms apart */
        PEER_OVERSIZE,  /* first answer a 1 MiB + 16 line, then behave */
        PEER_STALE,     /* answer with an old id first, then the right one */
        PEER_ERROR,     /* ok:false, errno 95 */
        PEER_GARBAGE,   /* a line that is not JSON */
        PEER_SILENT,    /* read, never answer */
        PEER_CLOSE,     /* close at once */
        PEER_LATE,      /* read nothing for 300 ms (guest not up), then echo */
};

static void pause_ms(long ms)
{
        struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

        nanosleep(&ts, NULL);
}

static void write_str(int fd, const char *s)
{
        size_t len = strlen(s);

        while (len) {
                ssize_t n = write(fd, s, len);

                if (n <= 0)
                        _exit(3);
                s += n;
                len -= (size_t)n;
        }
}

/* Reads one line (blocking) into buf; returns 0 at EOF. */
static int peer_read_line(int fd, char *buf, size_t len)
{
        size_t n = 0;

        while (n + 1 < len) {
                char ch;
                ssize_t r = read(fd, &ch, 1);

                if (r <= 0)
                        return 0;
                if (ch == '\n')
                        break;
                buf[n++] = ch;
        }
        buf[n] = '\0';
        return 1;
}

static void echo_answer(int fd, const char *line)
{
        json_object *req = json_tokener_parse(line), *resp = json_object_new_object();

        json_object_object_foreach(req, key, val) json_object_object_add(resp, key,
                                                                         json_object_get(val));
        json_object_object_add(resp, "ok", json_object_new_boolean(1));
        write_str(fd, json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN));
        write_str(fd, "\n");
        json_object_put(req);
        json_object_put(resp);
}

static long request_id(const char *line)
{
        const char *p = strstr(line, "\"id\":");

        return p ? strtol(p + 5, NULL, 10) : -1;
}

static void __attribute__((noreturn)) peer(int fd, enum peer_mode mode)
{
        char line[4096], out[256];
        bool first = true;

        if (mode == PEER_CLOSE)
                _exit(0);
        if (mode == PEER_LATE)
                pause_ms(300);
        while (peer_read_line(fd, line, sizeof(line))) {
                long id = request_id(line);

                switch (mode) {
                case PEER_PARTIAL:
                        snprintf(out, sizeof(out), "{\"id\":%ld,\"ok\":true,\"rtmr3\":\"%s\"}\n",
                                 id, "00ff");
                        for (size_t i = 0, n = strlen(out); i < n; i += n / 3 + 1) {
                                char piece[128];

                                snprintf(piece, sizeof(piece), "%.*s", (int)(n / 3 + 1), out + i);
                                write_str(fd, piece);
                                pause_ms(50);
                        }
                        break;
                case PEER_OVERSIZE:
                        if (first) {
                                char *big = malloc(AGENT_LINE_MAX + 18);

                                memset(big, 'x', AGENT_LINE_MAX + 16);
                                big[AGENT_LINE_MAX + 16] = '\n';
                                big[AGENT_LINE_MAX + 17] = '\0';
                                write_str(fd, big);
                                free(big);
                        } else {
                                echo_answer(fd, line);
                        }
                        break;
                case PEER_STALE:
                        snprintf(out, sizeof(out), "{\"id\":%ld,\"ok\":true,\"old\":1}\n", id - 1);
                        write_str(fd, out);
                        echo_answer(fd, line);
                        break;
                case PEER_ERROR:
                        snprintf(out, sizeof(out),
                                 "{\"id\":%ld,\"ok\":false,\"errno\":95,\"error\":\"quote: not "
                                 "offered by the vtpm provider\"}\n",
                                 id);
                        write_str(fd, out);
                        break;
                case PEER_GARBAGE:
                        write_str(fd, "Linux version 6.1 booting\n");
                        break;
                case PEER_SILENT:
                        break;
                case PEER_ECHO:
                case PEER_LATE:
                case PEER_CLOSE:
                default:
                        echo_answer(fd, line);
                        break;
                }
                first = false;
        }
        _exit(0);
}

struct session {
        struct agent_chan chan;
        pid_t peer;
};

static void session_start(struct session *s, enum peer_mode mode)
{
        int sv[2];

        ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        s->peer = fork();
        ck_assert_int_ge(s->peer, 0);
        if (s->peer == 0) {
                close(sv[0]);
                peer(sv[1], mode);
        }
        close(sv[1]);
        ck_assert_int_eq(agent_chan_adopt(&s->chan, sv[0]), 0);
}

static void session_end(struct session *s)
{
        int st;

        agent_chan_close(&s->chan);
        kill(s->peer, SIGKILL);
        ck_assert_int_eq(waitpid(s->peer, &st, 0), s->peer);
}

static const char *str_field(json_object *o, const char *key)
{
        json_object *v;

        return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

START_TEST(test_agent_call_sends_op_params_and_returns_response)
{
        struct session s;
        struct deadline d = deadline_in_ms(5000);
        struct tdxh_err e = { 0 };
        json_object *params = json_object_new_object(), *res = NULL, *id;

        session_start(&s, PEER_ECHO);
        json_add_int(params, "rtmr", 3);
        json_add_string(params, "event", "app-binary\nwith newline");
        json_add_string(params, "op", "ignored: the op argument wins");
        ck_assert_msg(agent_call(&s.chan, "extend", params, &res, &d, NULL, &e) == 0, "%s", e.msg);
        ck_assert_str_eq(str_field(res, "op"), "extend");
        ck_assert_str_eq(str_field(res, "event"), "app-binary\nwith newline");
        ck_assert_str_eq(str_field(res, "rtmr"), "3");
        ck_assert(json_object_object_get_ex(res, "id", &id));
        ck_assert_int_eq(json_object_get_int(id), 1);
        json_object_put(res);
        ck_assert_int_eq(agent_call(&s.chan, "registers", NULL, &res, &d, NULL, &e), 0);
        ck_assert(json_object_object_get_ex(res, "id", &id));
        ck_assert_int_eq(json_object_get_int(id), 2);
        json_object_put(res);
        json_object_put(params);
        session_end(&s);
}
END_TEST

START_TEST(test_agent_call_assembles_partial_lines)
{
        struct session s;
        struct deadline d = deadline_in_ms(5000);
        struct tdxh_err e = { 0 };
        json_object *res = NULL;

        session_start(&s, PEER_PARTIAL);
        ck_assert_msg(agent_call(&s.chan, "registers", NULL, &res, &d, NULL, &e) == 0, "%s", e.msg);
        ck_assert_str_eq(str_field(res, "rtmr3"), "00ff");
        json_object_put(res);
        session_end(&s);
}
END_TEST

START_TEST(test_agent_call_rejects_oversize_line_and_recovers)
{
        struct session s;
        struct deadline d = deadline_in_ms(10000);
        struct tdxh_err e = { 0 };
        json_object *res = NULL;

        session_start(&s, PEER_OVERSIZE);
        ck_assert_int_eq(agent_call(&s.chan, "event-log", NULL, &res, &d, NULL, &e), -E2BIG);
        ck_assert_str_eq(e.msg, "agent: event-log: response line longer than 1 MiB");
        ck_assert_ptr_null(res);
        err_clear(&e);
        /* The rest of the long line is skipped; the next call works. */
        ck_assert_msg(agent_call(&s.chan, "hello", NULL, &res, &d, NULL, &e) == 0, "%s", e.msg);
        ck_assert_str_eq(str_field(res, "op"), "hello");
        json_object_put(res);
        session_end(&s);
}
END_TEST

START_TEST(test_agent_call_skips_responses_to_earlier_requests)
{
        struct session s;
        struct deadline d = deadline_in_ms(5000);
        struct tdxh_err e = { 0 };
        json_object *res = NULL;

        session_start(&s, PEER_STALE);
        ck_assert_int_eq(agent_call(&s.chan, "registers", NULL, &res, &d, NULL, &e), 0);
        ck_assert_ptr_null(str_field(res, "old"));
        ck_assert_str_eq(str_field(res, "op"), "registers");
        json_object_put(res);
        session_end(&s);
}
END_TEST

/* Responses that end a call with an error, one row each. */
static const struct {
        enum peer_mode mode;
        const char *op;
        uint64_t deadline_ms;
        int r;
        const char *msg; /* NULL: not checked */
} failing_calls[] = {
        { PEER_ERROR, "quote", 5000, -EOPNOTSUPP,
          "agent: quote: quote: not offered by the vtpm provider" },
        { PEER_GARBAGE, "hello", 5000, -EPROTO,
          "agent: hello: response is not a JSON object: Linux version 6.1 booting" },
        { PEER_SILENT, "report", 200, -ETIMEDOUT, "agent: report: deadline passed" },
        { PEER_CLOSE, "hello", 5000, -ECONNRESET, NULL },
};

START_TEST(test_agent_call_failing_responses_become_errors)
{
        struct session s;
        struct deadline d = deadline_in_ms(failing_calls[_i].deadline_ms);
        struct tdxh_err e = { 0 };
        json_object *res = NULL;
        uint64_t t0 = mono_now_ns();

        session_start(&s, failing_calls[_i].mode);
        ck_assert_int_eq(agent_call(&s.chan, failing_calls[_i].op, NULL, &res, &d, NULL, &e),
                         failing_calls[_i].r);
        if (failing_calls[_i].msg)
                ck_assert_str_eq(e.msg, failing_calls[_i].msg);
        ck_assert_ptr_null(res);
        /* A deadline is kept, neither cut short nor overrun. */
        if (failing_calls[_i].r == -ETIMEDOUT)
                ck_assert_uint_ge(elapsed_ms(t0), failing_calls[_i].deadline_ms - 10);
        ck_assert_uint_lt(elapsed_ms(t0), 3000);
        session_end(&s);
}
END_TEST

START_TEST(test_agent_call_is_cancelled_by_signal)
{
        _cleanup_signal_watch_ struct signal_watch sw = SIGNAL_WATCH_INIT;
        struct session s;
        struct deadline d = deadline_in_ms(20000);
        struct wait_watch w = { .sig = &sw };
        struct tdxh_err e = { 0 };
        json_object *res = NULL;

        ck_assert_int_eq(signal_watch_begin(&sw), 0);
        session_start(&s, PEER_SILENT);
        kill(getpid(), SIGINT);
        ck_assert_int_eq(agent_call(&s.chan, "hello", NULL, &res, &d, &w, &e), -ECANCELED);
        ck_assert_str_eq(e.msg, "agent: hello: interrupted by signal 2");
        session_end(&s);
}
END_TEST

START_TEST(test_agent_wait_hello_retries_until_guest_reads_and_skips_queued_answers)
{
        struct session s;
        struct deadline d = deadline_in_ms(5000);
        struct tdxh_err e = { 0 };
        json_object *hello = NULL, *res = NULL, *id;

        session_start(&s, PEER_LATE);
        ck_assert_msg(agent_wait_hello(&s.chan, 100, &d, NULL, NULL, NULL, &hello, &e) == 0, "%s", e.msg);
        ck_assert_str_eq(str_field(hello, "op"), "hello");
        ck_assert_int_gt(s.chan.next_id, 2); /* it had to send more than one */
        json_object_put(hello);
        /* Answers to the queued hellos arrive first and must be skipped. */
        ck_assert_int_eq(agent_call(&s.chan, "registers", NULL, &res, &d, NULL, &e), 0);
        ck_assert_str_eq(str_field(res, "op"), "registers");
        ck_assert(json_object_object_get_ex(res, "id", &id));
        ck_assert_int_eq(json_object_get_int64(id), s.chan.next_id - 1);
        json_object_put(res);
        session_end(&s);
}
END_TEST

START_TEST(test_agent_wait_hello_gives_up_at_the_deadline)
{
        struct session s;
        struct deadline d = deadline_in_ms(400);
        struct tdxh_err e = { 0 };
        json_object *hello = NULL;

        session_start(&s, PEER_SILENT);
        ck_assert_int_eq(agent_wait_hello(&s.chan, 100, &d, NULL, NULL, NULL, &hello, &e), -ETIMEDOUT);
        ck_assert_ptr_nonnull(strstr(e.msg, "agent: no answer to hello within"));
        ck_assert_int_ge(s.chan.next_id, 4);
        session_end(&s);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("run/agent_chan");
        TCase *tc = tcase_create("agent_chan");

        tcase_add_test(tc, test_agent_call_sends_op_params_and_returns_response);
        tcase_add_test(tc, test_agent_call_assembles_partial_lines);
        tcase_add_test(tc, test_agent_call_rejects_oversize_line_and_recovers);
        tcase_add_test(tc, test_agent_call_skips_responses_to_earlier_requests);
        tcase_add_loop_test(tc, test_agent_call_failing_responses_become_errors, 0,
                            (int)(sizeof(failing_calls) / sizeof(failing_calls[0])));
        tcase_add_test(tc, test_agent_call_is_cancelled_by_signal);
        tcase_add_test(tc, test_agent_wait_hello_retries_until_guest_reads_and_skips_queued_answers);
        tcase_add_test(tc, test_agent_wait_hello_gives_up_at_the_deadline);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
