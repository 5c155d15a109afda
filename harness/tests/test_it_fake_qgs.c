/* tdxh-fake-qgs run as the harness runs it (run/child.h): made ready by its
 * socket accepting, fed framed GET_QUOTE requests the way QEMU frames them
 * (pipelined on one connection, and one connection per request), answering
 * with quotes that verify against the run's fake root only, answering bad
 * requests with QGS error responses, stopping on SIGTERM with its socket
 * removed and nothing left running, and refusing bad options, an unreadable
 * PKI and a socket path it must not take with exit status 2 and one line. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/file.h"
#include "core/le.h"
#include "evidence/quote.h"
#include "evidence/verify.h"
#include "fakes/fake_pki.h"
#include "fakes/fake_qgs.h"
#include "forge.h"
#include "proc_check.h"
#include "run/child.h"
#include "run/unix_sock.h"
#include "run/wait.h"
#include "testutil.h"

#define IO_MS 10000

/* A service under test: its directory (PKI, socket, log) and process. */
struct svc {
        char *dir, *pki, *sock, *log;
        struct child c;
};

static char *path_in(const char *dir, const char *file)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", dir, file), 0);
        return p;
}

static void svc_init(struct svc *s)
{
        struct run_result r;

        ck_assert_int_eq(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
        *s = (struct svc){ .c = CHILD_INIT };
        s->dir = tmpdir_make();
        s->pki = path_in(s->dir, "pki");
        s->sock = path_in(s->dir, "qgs.sock");
        s->log = path_in(s->dir, "qgs.log");
        run_cmd(&r, (const char *[]){ TDXH_FAKE_QGS_BIN, "--make-pki", s->pki, NULL }, 60);
        ck_assert_msg(r.status == 0, "--make-pki: %s", r.err);
        /* it says where the trust root is */
        ck_assert_uint_eq(strlen(r.out), strlen(s->pki) + strlen("/" FAKE_PKI_ROOT_FILE "\n"));
        ck_assert_mem_eq(r.out, s->pki, strlen(s->pki));
        ck_assert_str_eq(r.out + strlen(s->pki), "/" FAKE_PKI_ROOT_FILE "\n");
        run_result_free(&r);
}

/* Starts the service with extra options and connects once it accepts. */
static int svc_start(struct svc *s, const char *const *extra)
{
        const char *argv[16] = { TDXH_FAKE_QGS_BIN, "--socket", s->sock, "--pki", s->pki };
        struct deadline d = deadline_in_ms(IO_MS);
        struct wait_watch w = { .children = { &s->c } };
        struct tdxh_err e = { 0 };
        size_t n = 5;
        int fd = -1, r;

        for (; extra && *extra; extra++)
                argv[n++] = *extra;
        const struct child_opts o = {
                .argv = argv,
                .err = { .kind = CHILD_IO_FILE, .path = s->log },
        };
        ck_assert_msg(child_spawn(&s->c, &o, &e) == 0, "%s", e.msg);
        r = unix_connect_wait(s->sock, &d, &w, NULL, &fd);
        ck_assert_msg(r == 0, "the service never accepted: %s", strerror(-r));
        return fd;
}

static char *svc_log(const struct svc *s)
{
        size_t len;

        return (char *)slurp(s->log, &len);
}

/* SIGTERM; it must exit 0 on its own, its socket gone, nothing left. */
static void svc_stop(struct svc *s)
{
        struct deadline d = deadline_in_ms(IO_MS);
        struct tdxh_err e = { 0 };
        char desc[512];

        ck_assert_int_eq(child_signal(&s->c, SIGTERM), 0);
        ck_assert_msg(child_wait(&s->c, &d, NULL, &e) == 0, "%s", e.msg);
        ck_assert_msg(child_succeeded(&s->c), "status 0x%x", s->c.status);
        ck_assert_int_eq(access(s->sock, F_OK), -1);
        ck_assert_int_eq(errno, ENOENT);
        ck_assert_msg(proc_count(getpid(), -1, desc, sizeof(desc)) == 0, "left behind: %s",
                      desc);
}

static void svc_done(struct svc *s)
{
        child_done(&s->c);
        tmpdir_remove(s->dir);
        free(s->pki);
        free(s->sock);
        free(s->log);
}

/* ---- the wire ---- */

static void send_all(int fd, const void *data, size_t len)
{
        struct deadline d = deadline_in_ms(IO_MS);
        const uint8_t *p = data;

        while (len) {
                ssize_t n;

                ck_assert_int_eq(wait_fd(fd, POLLOUT, &d, NULL, NULL), 0);
                n = send(fd, p, len, MSG_NOSIGNAL);
                if (n < 0 && errno == EAGAIN)
                        continue;
                ck_assert_msg(n > 0, "send: %s", strerror(errno));
                p += n;
                len -= (size_t)n;
        }
}

/* Reads exactly len bytes; 0, or -1 at end of stream. */
static int recv_exact(int fd, uint8_t *p, size_t len)
{
        struct deadline d = deadline_in_ms(IO_MS);

        while (len) {
                ssize_t n;

                ck_assert_int_eq(wait_fd(fd, POLLIN, &d, NULL, NULL), 0);
                n = recv(fd, p, len, 0);
                if (n < 0 && errno == EAGAIN)
                        continue;
                ck_assert_msg(n >= 0, "recv: %s", strerror(errno));
                if (n == 0)
                        return -1;
                p += n;
                len -= (size_t)n;
        }
        return 0;
}

/* One response frame into out (prefix included). */
static void recv_frame(int fd, struct buf *out)
{
        uint8_t prefix[4];
        uint32_t len;

        buf_reset(out);
        ck_assert_int_eq(recv_exact(fd, prefix, 4), 0);
        ck_assert_int_eq(qgs_frame_len(prefix, &len, NULL), 0);
        ck_assert_int_eq(buf_append(out, prefix, 4), 0);
        ck_assert_int_eq(buf_reserve(out, len), 0);
        ck_assert_int_eq(recv_exact(fd, (uint8_t *)out->data + 4, len), 0);
        out->len += len;
}

/* The fake platform's kind of TDREPORT (see the agent's vtpm provider),
 * REPORTDATA starting with tag. */
static void make_tdreport(uint8_t rep[1024], uint8_t tag)
{
        memset(rep, 0, 1024);
        rep[0] = 0x81;
        memset(rep + 128, tag, 64);
        rep[512 + 3] = 0x10;
        memset(rep + 528, 0x5a, 48);
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, rep + 256, 239, rep + 32), 0);
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, rep + 512, 512, rep + 80), 0);
}

/* A quote response carrying REPORTDATA tag...; verified with root. */
static void check_quote(const struct buf *frame, uint8_t tag, const char *root)
{
        _cleanup_verify_result_ struct verify_result own = VERIFY_RESULT_INIT;
        _cleanup_verify_result_ struct verify_result intel = VERIFY_RESULT_INIT;
        struct qgs_get_quote_resp r;
        struct tdxh_err e = { 0 };
        uint8_t want[64];

        ck_assert_msg(qgs_get_quote_resp_parse((uint8_t *)frame->data, frame->len, &r, &e) == 0,
                      "%s", e.msg);
        ck_assert_uint_eq(r.header.error_code, QGS_MSG_SUCCESS);
        verify_forged(r.quote, r.quote_size, &(struct verify_opts){ .trust_root = root }, &own);
        ck_assert_msg(verify_passed(&own), "the fake quote does not verify with its own root");
        verify_forged(r.quote, r.quote_size, &(struct verify_opts){ 0 }, &intel);
        ck_assert(!check(&intel, VERIFY_PCK_CHAIN)->passed);
        memset(want, tag, sizeof(want));
        {
                struct quote q;

                ck_assert_int_eq(quote_parse(r.quote, r.quote_size, &q, NULL), 0);
                ck_assert_mem_eq(q.body.report_data, want, 64);
        }
}

static size_t count(const char *hay, const char *needle)
{
        size_t n = 0;

        for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
                n++;
        return n;
}

START_TEST(test_fake_qgs_serves_framed_requests_and_stops_on_sigterm)
{
        _cleanup_buf_ struct buf two = BUF_INIT, bad = BUF_INIT, resp = BUF_INIT;
        _cleanup_free_ char *root = NULL, *log = NULL, *key = NULL;
        _cleanup_close_ int fd = -1, fd2 = -1;
        uint8_t rep_a[1024], rep_b[1024];
        struct qgs_get_quote_resp r;
        struct svc s;
        struct stat st;
        size_t key_len;

        svc_init(&s);
        root = path_in(s.pki, FAKE_PKI_ROOT_FILE);
        fd = svc_start(&s, NULL);
        ck_assert_int_eq(stat(s.sock, &st), 0);
        ck_assert_uint_eq(st.st_mode & 0777, 0600);

        /* two requests in one write, answered in order on one connection */
        make_tdreport(rep_a, 0x1a);
        make_tdreport(rep_b, 0x2b);
        ck_assert_int_eq(qgs_get_quote_req_build(&two, rep_a, sizeof(rep_a), NULL, 0), 0);
        ck_assert_int_eq(qgs_get_quote_req_build(&two, rep_b, sizeof(rep_b), NULL, 0), 0);
        send_all(fd, two.data, two.len);
        recv_frame(fd, &resp);
        check_quote(&resp, 0x1a, root);
        recv_frame(fd, &resp);
        check_quote(&resp, 0x2b, root);

        /* a bad request gets an error response; the connection goes on */
        ck_assert_int_eq(qgs_get_quote_req_build(&bad, rep_a, sizeof(rep_a), NULL, 0), 0);
        le16_put((uint8_t *)bad.data + 4, 2); /* major version 2 */
        send_all(fd, bad.data, bad.len);
        recv_frame(fd, &resp);
        ck_assert_int_eq(qgs_get_quote_resp_parse((uint8_t *)resp.data, resp.len, &r, NULL), 0);
        ck_assert_uint_eq(r.header.error_code, QGS_MSG_ERROR_INVALID_VERSION);
        send_all(fd, two.data, two.len / 2); /* the first request again */
        recv_frame(fd, &resp);
        check_quote(&resp, 0x1a, root);

        /* QEMU's way: a connection per request, alongside the first */
        {
                struct deadline d = deadline_in_ms(IO_MS);

                ck_assert_int_eq(unix_connect_wait(s.sock, &d, NULL, NULL, &fd2), 0);
        }
        send_all(fd2, two.data + two.len / 2, two.len / 2);
        recv_frame(fd2, &resp);
        check_quote(&resp, 0x2b, root);

        svc_stop(&s);
        log = svc_log(&s);
        ck_assert_msg(count(log, "fake quote for report_data 1a1a1a1a\u2026: ") == 2, "%s", log);
        ck_assert_msg(count(log, "fake quote for report_data 2b2b2b2b\u2026: ") == 2, "%s", log);
        ck_assert_msg(strstr(log, "bad request: offset 0x4: major_version: 2, expected 1; "
                                  "answered INVALID_VERSION (0x12004)"),
                      "%s", log);
        ck_assert_msg(strstr(log, "stopping on Terminated"), "%s", log);
        /* never key material */
        key = path_in(s.pki, FAKE_PKI_ATT_KEY_FILE);
        {
                _cleanup_free_ char *pem = (char *)slurp(key, &key_len);
                char *body = strchr(pem, '\n') + 1;

                body[strcspn(body, "\n")] = '\0';
                ck_assert_ptr_null(strstr(log, "PRIVATE KEY"));
                ck_assert_ptr_null(strstr(log, body));
        }
        svc_done(&s);
}
END_TEST

START_TEST(test_fake_qgs_once_closes_a_stalled_connection_then_exits)
{
        _cleanup_buf_ struct buf req = BUF_INIT;
        _cleanup_free_ char *log = NULL;
        _cleanup_close_ int fd = -1;
        struct deadline d = deadline_in_ms(IO_MS);
        struct tdxh_err e = { 0 };
        uint8_t rep[1024], byte;
        struct svc s;

        svc_init(&s);
        fd = svc_start(&s, (const char *[]){ "--once", "--timeout", "1", NULL });
        make_tdreport(rep, 0x3c);
        ck_assert_int_eq(qgs_get_quote_req_build(&req, rep, sizeof(rep), NULL, 0), 0);
        send_all(fd, req.data, 100); /* and nothing more */
        ck_assert_int_eq(recv_exact(fd, &byte, 1), -1); /* closed by the service */
        ck_assert_msg(child_wait(&s.c, &d, NULL, &e) == 0, "%s", e.msg);
        ck_assert(child_succeeded(&s.c));
        ck_assert_int_eq(access(s.sock, F_OK), -1);
        log = svc_log(&s);
        ck_assert_msg(strstr(log, "connection timed out after 1 s (100 bytes of a request read"),
                      "%s", log);
        svc_done(&s);
}
END_TEST

START_TEST(test_fake_qgs_bad_prefix_gets_an_error_and_the_connection_ends)
{
        static const uint8_t huge[4] = { 0xff, 0xff, 0xff, 0xff };
        _cleanup_buf_ struct buf resp = BUF_INIT;
        _cleanup_free_ char *log = NULL;
        _cleanup_close_ int fd = -1;
        struct qgs_get_quote_resp r;
        struct svc s;
        uint8_t byte;

        svc_init(&s);
        fd = svc_start(&s, NULL);
        send_all(fd, huge, sizeof(huge));
        recv_frame(fd, &resp);
        ck_assert_int_eq(qgs_get_quote_resp_parse((uint8_t *)resp.data, resp.len, &r, NULL), 0);
        ck_assert_uint_eq(r.header.error_code, QGS_MSG_ERROR_INVALID_SIZE);
        ck_assert_int_eq(recv_exact(fd, &byte, 1), -1);
        svc_stop(&s);
        log = svc_log(&s);
        ck_assert_msg(strstr(log, "bad request: offset 0x0: length prefix: 4294967295"), "%s",
                      log);
        svc_done(&s);
}
END_TEST

/* Exit 2, one line on stderr that says what, nothing on stdout. */
START_TEST(test_fake_qgs_refuses_bad_options_pki_and_socket_with_exit_2)
{
        struct svc s;
        _cleanup_free_ char *file = NULL, *nopki = NULL, *toolong = NULL;

        svc_init(&s);
        file = path_in(s.dir, "a-file");
        nopki = path_in(s.dir, "no-such-pki");
        ck_assert_int_eq(file_write_atomic(file, "x", 1, 0644, NULL), 0);
        ck_assert_int_ge(asprintf(&toolong, "%s/%0120d.sock", s.dir, 0), 0);
        const struct {
                const char *argv[8];
                const char *msg;
        } cases[] = {
                { { NULL }, "--socket PATH is required" },
                { { "--socket", s.sock, NULL }, "--pki DIR is required" },
                { { "--bogus", NULL }, "unknown option '--bogus'" },
                { { "-x", NULL }, "unknown option '-x'" },
                { { "--socket", NULL }, "option '--socket' needs a value" },
                { { "--socket", s.sock, "--pki", s.pki, "--timeout", "0", NULL },
                  "--timeout: '0' is not a number of seconds" },
                { { "--socket", s.sock, "--pki", s.pki, "extra", NULL },
                  "unexpected argument 'extra'" },
                { { "--make-pki", s.pki, "--once", NULL }, "--make-pki takes no other option" },
                { { "--socket", s.sock, "--pki", nopki, NULL }, "no-such-pki/fake-chain.pem" },
                { { "--socket", file, "--pki", s.pki, NULL }, "a-file: exists and is not a socket" },
                { { "--socket", toolong, "--pki", s.pki, NULL }, "a socket path is 1 to 107 bytes" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const char *argv[10] = { TDXH_FAKE_QGS_BIN };
                struct run_result r;

                for (size_t k = 0; cases[i].argv[k]; k++)
                        argv[k + 1] = cases[i].argv[k];
                run_cmd(&r, argv, 60);
                ck_assert_msg(r.status == 2, "case %zu: status %d: %s", i, r.status, r.err);
                ck_assert_msg(strstr(r.err, cases[i].msg), "case %zu: %s", i, r.err);
                ck_assert_msg(count(r.err, "\n") == 1 && r.err[strlen(r.err) - 1] == '\n',
                              "case %zu: not one line: %s", i, r.err);
                ck_assert_str_eq(r.out, "");
                run_result_free(&r);
        }
        ck_assert_int_eq(access(s.sock, F_OK), -1);
        svc_done(&s);
}
END_TEST

START_TEST(test_fake_qgs_replaces_a_stale_socket_but_not_a_live_one)
{
        _cleanup_close_ int fd = -1, stale = -1;
        struct run_result r;
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        struct svc s;

        svc_init(&s);
        /* a socket file nobody listens on, as a killed service leaves it */
        stale = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(stale, 0);
        memcpy(sa.sun_path, s.sock, strlen(s.sock) + 1);
        ck_assert_int_eq(bind(stale, (struct sockaddr *)&sa, sizeof(sa)), 0);
        fd = svc_start(&s, NULL);
        /* a second service on the same path must not steal it */
        run_cmd(&r, (const char *[]){ TDXH_FAKE_QGS_BIN, "--socket", s.sock, "--pki", s.pki,
                                      NULL },
                60);
        ck_assert_int_eq(r.status, 2);
        ck_assert_msg(strstr(r.err, "another server is listening"), "%s", r.err);
        run_result_free(&r);
        svc_stop(&s);
        svc_done(&s);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("it_fake_qgs");
        TCase *tc = tcase_create("it_fake_qgs");

        tcase_add_test(tc, test_fake_qgs_serves_framed_requests_and_stops_on_sigterm);
        tcase_add_test(tc, test_fake_qgs_once_closes_a_stalled_connection_then_exits);
        tcase_add_test(tc, test_fake_qgs_bad_prefix_gets_an_error_and_the_connection_ends);
        tcase_add_test(tc, test_fake_qgs_refuses_bad_options_pki_and_socket_with_exit_2);
        tcase_add_test(tc, test_fake_qgs_replaces_a_stale_socket_but_not_a_live_one);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
