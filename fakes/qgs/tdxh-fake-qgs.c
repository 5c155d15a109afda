/* tdxh-fake-qgs: the fake platform's quote generation service. It listens
 * on a unix stream socket where QEMU's `tdx-guest` object (option
 * quote-generation-socket) or any client speaking the same framing sends
 * GET_QUOTE requests, and answers each with a quote signed under a fake PKI
 * (fakes/fake_qgs.h, fakes/fake_pki.h) — a quote that verifies against the
 * run's fake root and never against Intel's.
 *
 *   tdxh-fake-qgs --socket PATH --pki DIR [--once] [--timeout S]
 *   tdxh-fake-qgs --make-pki DIR
 *
 * One process, one poll() loop: the listening socket, a signalfd for
 * SIGTERM/SIGINT/SIGHUP, and up to 16 connections (QEMU's
 * TDX_MAX_GET_QUOTE_REQUEST), each read and written without blocking, each
 * serving any number of requests in turn and closed when it has not
 * completed a request within S seconds (default 30, the transaction timeout
 * of both QEMU and Intel's QGS). Ready when the socket accepts. One line per
 * request on stderr, never key material. Exit status: 0 after a signal (or,
 * with --once, after the first connection ends), the socket removed; 2 for
 * bad options, an unreadable PKI directory or an unusable socket path;
 * 3 when the service itself fails. */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/err.h"
#include "core/hex.h"
#include "core/number.h"
#include "fakes/fake_pki.h"
#include "fakes/fake_qgs.h"

#define PROG "tdxh-fake-qgs"
#define MAX_CONNS 16
#define DEFAULT_TIMEOUT_S 30u
#define MAX_TIMEOUT_S 86400u

struct opts {
        const char *socket;
        const char *pki;
        const char *make_pki;
        bool once;
        unsigned timeout_s;
};

struct conn {
        int fd; /* -1: a free slot */
        uint8_t prefix[QGS_PREFIX_LEN];
        uint8_t *frame;   /* prefix and message, once the prefix is read */
        uint32_t msg_len;
        size_t have;      /* bytes of the current frame received */
        struct buf out;   /* responses not yet sent */
        size_t out_off;
        bool closing;     /* no more requests: close once out is sent */
        uint64_t deadline_ns;
};

struct server {
        const struct fake_pki *pki;
        int listen_fd, sig_fd;
        unsigned timeout_s;
        bool once, accepted;
        struct conn conns[MAX_CONNS];
};

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        fputs(PROG ": ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
}

static uint64_t now_ns(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* ---- options ---- */

static void usage(FILE *f)
{
        fputs("Usage: " PROG " --socket PATH --pki DIR [--once] [--timeout S]\n"
              "       " PROG " --make-pki DIR\n"
              "Serves fake TDX quotes (QGS framing, as QEMU's tdx-guest sends it) on a unix\n"
              "socket, signed under the fake PKI in DIR; --make-pki creates that PKI\n"
              "(DIR/" FAKE_PKI_ROOT_FILE " is the root for tdxh verify --trust-root).\n"
              "  --once       exit after the first connection ends\n"
              "  --timeout S  close a connection without a complete request for S seconds\n"
              "               (default 30)\n",
              f);
}

/* 0, 1 for --help, or -EINVAL after saying why in one line. */
static int parse_opts(int argc, char **argv, struct opts *o)
{
        static const struct option longs[] = {
                { "socket", required_argument, NULL, 's' },
                { "pki", required_argument, NULL, 'p' },
                { "make-pki", required_argument, NULL, 'm' },
                { "once", no_argument, NULL, 'o' },
                { "timeout", required_argument, NULL, 't' },
                { "help", no_argument, NULL, 'h' },
                { 0 },
        };
        int c;

        *o = (struct opts){ .timeout_s = DEFAULT_TIMEOUT_S };
        opterr = 0;
        while ((c = getopt_long(argc, argv, "+:h", longs, NULL)) != -1) {
                switch (c) {
                case 's':
                        o->socket = optarg;
                        break;
                case 'p':
                        o->pki = optarg;
                        break;
                case 'm':
                        o->make_pki = optarg;
                        break;
                case 'o':
                        o->once = true;
                        break;
                case 't':
                        if (number_parse_uint(optarg, 1, MAX_TIMEOUT_S, &o->timeout_s) < 0) {
                                say("--timeout: '%s' is not a number of seconds from 1 to %u",
                                    optarg, MAX_TIMEOUT_S);
                                return -EINVAL;
                        }
                        break;
                case 'h':
                        return 1;
                case ':':
                        say("option '%s' needs a value (see --help)", argv[optind - 1]);
                        return -EINVAL;
                default:
                        say("unknown option '%s' (see --help)", argv[optind - 1]);
                        return -EINVAL;
                }
        }
        if (optind < argc) {
                say("unexpected argument '%s' (see --help)", argv[optind]);
                return -EINVAL;
        }
        if (o->make_pki && (o->socket || o->pki || o->once)) {
                say("--make-pki takes no other option");
                return -EINVAL;
        }
        if (!o->make_pki && (!o->socket || !o->pki)) {
                say("%s is required (see --help)", o->socket ? "--pki DIR" : "--socket PATH");
                return -EINVAL;
        }
        return 0;
}

/* ---- the socket ---- */

/* Binds and listens on path, mode 0600. A leftover socket nobody listens on
 * is replaced; anything else at path is refused. */
static int listen_on(const char *path, int *ret_fd, struct tdxh_err *e)
{
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_close_ int fd = -1;
        size_t len = strlen(path);
        struct stat st;
        mode_t old;
        int r;

        if (len == 0 || len >= sizeof(sa.sun_path))
                return err_setf(e, -ENAMETOOLONG, "%s: a socket path is 1 to %zu bytes", path,
                                sizeof(sa.sun_path) - 1);
        memcpy(sa.sun_path, path, len + 1);
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
                return err_setf(e, -errno, "socket: %s", strerror(errno));
        if (lstat(path, &st) == 0) {
                if (!S_ISSOCK(st.st_mode))
                        return err_setf(e, -EEXIST, "%s: exists and is not a socket", path);
                if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN)
                        return err_setf(e, -EADDRINUSE, "%s: another server is listening",
                                        path);
                if (unlink(path) < 0)
                        return err_setf(e, -errno, "%s: cannot remove the stale socket: %s",
                                        path, strerror(errno));
                close(fd);
                fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
                if (fd < 0)
                        return err_setf(e, -errno, "socket: %s", strerror(errno));
        }
        old = umask(0177);
        r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
        umask(old);
        if (r < 0)
                return err_setf(e, -errno, "%s: cannot bind: %s", path, strerror(errno));
        if (listen(fd, MAX_CONNS) < 0) {
                r = -errno;
                unlink(path);
                return err_setf(e, r, "%s: cannot listen: %s", path, strerror(-r));
        }
        *ret_fd = TAKE_FD(fd);
        return 0;
}

static int signals_open(int *ret_fd)
{
        sigset_t set;
        int fd;

        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
                return -errno;
        fd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
        if (fd < 0)
                return -errno;
        signal(SIGPIPE, SIG_IGN); /* a client gone mid-response is an error, not a death */
        *ret_fd = fd;
        return 0;
}

/* ---- connections ---- */

static void conn_close(struct conn *c)
{
        if (c->fd >= 0)
                close(c->fd);
        free(c->frame);
        buf_free(&c->out);
        *c = (struct conn){ .fd = -1 };
}

static size_t conns_open(const struct server *s)
{
        size_t n = 0;

        for (size_t i = 0; i < MAX_CONNS; i++)
                n += s->conns[i].fd >= 0;
        return n;
}

/* Answers the frame just completed and logs one line. */
static int conn_answer(struct server *s, struct conn *c)
{
        struct fake_qgs_outcome oc;
        struct tdxh_err e = { 0 };
        char rd[9];
        int r;

        r = fake_qgs_handle(s->pki, c->frame, QGS_PREFIX_LEN + (size_t)c->msg_len, &c->out, &oc,
                            &e);
        free(c->frame);
        c->frame = NULL;
        c->have = 0;
        c->deadline_ns = now_ns() + (uint64_t)s->timeout_s * 1000000000u;
        if (r < 0) {
                say("cannot answer a request: %s", strerror(-r));
                return r;
        }
        if (oc.qgs_error == QGS_MSG_SUCCESS) {
                hex_encode(oc.report_data, 4, rd);
                say("fake quote for report_data %s\u2026: %zu bytes", rd, oc.quote_len);
        } else {
                say("bad request: %s; answered %s (0x%x)", e.msg, qgs_error_name(oc.qgs_error),
                    oc.qgs_error);
        }
        return 0;
}

/* Reads what is there; answers each complete frame. */
static int conn_read(struct server *s, struct conn *c)
{
        while (!c->closing) {
                struct tdxh_err e = { 0 };
                uint8_t *dst;
                size_t want;
                ssize_t n;

                if (!c->frame) {
                        dst = c->prefix + c->have;
                        want = QGS_PREFIX_LEN - c->have;
                } else {
                        dst = c->frame + c->have;
                        want = QGS_PREFIX_LEN + (size_t)c->msg_len - c->have;
                }
                n = recv(c->fd, dst, want, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return errno == EAGAIN ? 0 : -errno;
                if (n == 0) {
                        if (c->have)
                                say("connection closed after %zu bytes of a request", c->have);
                        c->closing = true;
                        return 0;
                }
                c->have += (size_t)n;
                if (!c->frame && c->have == QGS_PREFIX_LEN) {
                        if (qgs_frame_len(c->prefix, &c->msg_len, &e) < 0) {
                                /* past a bad prefix the stream has no boundaries */
                                say("bad request: %s; answered %s (0x%x) and closed", e.msg,
                                    qgs_error_name(QGS_MSG_ERROR_INVALID_SIZE),
                                    QGS_MSG_ERROR_INVALID_SIZE);
                                c->closing = true;
                                return qgs_error_resp_build(&c->out, QGS_GET_QUOTE_RESP,
                                                            QGS_MSG_ERROR_INVALID_SIZE);
                        }
                        c->frame = malloc(QGS_PREFIX_LEN + (size_t)c->msg_len);
                        if (!c->frame)
                                return -ENOMEM;
                        memcpy(c->frame, c->prefix, QGS_PREFIX_LEN);
                }
                if (c->frame && c->have == QGS_PREFIX_LEN + (size_t)c->msg_len) {
                        int r = conn_answer(s, c);

                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

static int conn_write(struct conn *c)
{
        while (c->out_off < c->out.len) {
                ssize_t n = send(c->fd, c->out.data + c->out_off, c->out.len - c->out_off,
                                 MSG_NOSIGNAL);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return errno == EAGAIN ? 0 : -errno;
                c->out_off += (size_t)n;
        }
        buf_reset(&c->out);
        c->out_off = 0;
        return 0;
}

static void accept_all(struct server *s)
{
        for (size_t i = 0; i < MAX_CONNS; i++) {
                struct conn *c = &s->conns[i];
                int fd;

                if (c->fd >= 0)
                        continue;
                if (s->once && s->accepted)
                        return;
                fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
                if (fd < 0) {
                        if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
                                say("accept: %s", strerror(errno));
                        return;
                }
                *c = (struct conn){ .fd = fd };
                c->deadline_ns = now_ns() + (uint64_t)s->timeout_s * 1000000000u;
                s->accepted = true;
        }
}

/* One connection's events; closes it when it is done or broken. */
static void conn_event(struct server *s, struct conn *c, short revents)
{
        int r = 0;

        if (revents & (POLLIN | POLLHUP | POLLERR))
                r = conn_read(s, c);
        if (r >= 0)
                r = conn_write(c);
        if (r < 0) {
                if (r != -EPIPE && r != -ECONNRESET)
                        say("connection: %s", strerror(-r));
                conn_close(c);
        } else if (c->closing && c->out.len == 0) {
                conn_close(c);
        }
}

static void expire(struct server *s)
{
        uint64_t now = now_ns();

        for (size_t i = 0; i < MAX_CONNS; i++) {
                struct conn *c = &s->conns[i];

                if (c->fd < 0 || now < c->deadline_ns)
                        continue;
                if (c->have || c->out.len)
                        say("connection timed out after %u s (%zu bytes of a request read, %zu "
                            "of a response unsent)",
                            s->timeout_s, c->have, c->out.len - c->out_off);
                conn_close(c);
        }
}

static int poll_timeout_ms(const struct server *s)
{
        uint64_t next = UINT64_MAX, now = now_ns();

        for (size_t i = 0; i < MAX_CONNS; i++)
                if (s->conns[i].fd >= 0 && s->conns[i].deadline_ns < next)
                        next = s->conns[i].deadline_ns;
        if (next == UINT64_MAX)
                return -1;
        if (next <= now)
                return 0;
        return (int)((next - now + 999999u) / 1000000u);
}

/* Until a signal, or with --once the end of the first connection. */
static int serve(struct server *s)
{
        for (;;) {
                struct pollfd pfd[2 + MAX_CONNS];
                struct conn *who[2 + MAX_CONNS];
                struct signalfd_siginfo si;
                size_t n = 0;
                bool can_accept = !(s->once && s->accepted) && conns_open(s) < MAX_CONNS;

                if (s->once && s->accepted && conns_open(s) == 0)
                        return 0;
                pfd[n++] = (struct pollfd){ .fd = s->sig_fd, .events = POLLIN };
                pfd[n++] = (struct pollfd){ .fd = can_accept ? s->listen_fd : -1,
                                            .events = POLLIN };
                for (size_t i = 0; i < MAX_CONNS; i++) {
                        struct conn *c = &s->conns[i];

                        if (c->fd < 0)
                                continue;
                        who[n] = c;
                        pfd[n++] = (struct pollfd){
                                .fd = c->fd,
                                .events = (short)((c->closing ? 0 : POLLIN) |
                                                  (c->out.len ? POLLOUT : 0)),
                        };
                }
                if (poll(pfd, n, poll_timeout_ms(s)) < 0) {
                        if (errno == EINTR)
                                continue;
                        say("poll: %s", strerror(errno));
                        return -errno;
                }
                if (pfd[0].revents & POLLIN) {
                        if (read(s->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
                                say("stopping on %s", strsignal((int)si.ssi_signo));
                                return 0;
                        }
                }
                if (pfd[1].revents & POLLIN)
                        accept_all(s);
                for (size_t i = 2; i < n; i++)
                        if (pfd[i].revents && who[i]->fd == pfd[i].fd)
                                conn_event(s, who[i], pfd[i].revents);
                expire(s);
        }
}

/* ---- main ---- */

static int make_pki(const char *dir)
{
        _cleanup_fake_pki_ struct fake_pki *p = NULL;
        struct tdxh_err e = { 0 };
        int r;

        r = fake_pki_new(&p, &e);
        if (r >= 0)
                r = fake_pki_save(p, dir, &e);
        if (r < 0) {
                say("%s", e.msg[0] ? e.msg : strerror(-r));
                return err_exit_code(r);
        }
        printf("%s/%s\n", dir, FAKE_PKI_ROOT_FILE);
        return fflush(stdout) == 0 ? TDXH_EXIT_OK : TDXH_EXIT_INFRA;
}

static int run(const struct opts *o)
{
        _cleanup_fake_pki_ struct fake_pki *pki = NULL;
        _cleanup_close_ int sig_fd = -1, listen_fd = -1;
        struct server s = { 0 };
        struct tdxh_err e = { 0 };
        int r;

        r = fake_pki_load(o->pki, &pki, &e);
        if (r < 0) {
                say("%s", e.msg[0] ? e.msg : strerror(-r));
                return err_exit_code(r);
        }
        r = signals_open(&sig_fd);
        if (r < 0) {
                say("signalfd: %s", strerror(-r));
                return TDXH_EXIT_INFRA;
        }
        r = listen_on(o->socket, &listen_fd, &e);
        if (r < 0) {
                say("%s", e.msg);
                return err_exit_code(r);
        }
        say("serving fake quotes on %s (trust root %s/%s)", o->socket, o->pki,
            FAKE_PKI_ROOT_FILE);
        s = (struct server){ .pki = pki, .listen_fd = listen_fd, .sig_fd = sig_fd,
                             .timeout_s = o->timeout_s, .once = o->once };
        for (size_t i = 0; i < MAX_CONNS; i++)
                s.conns[i] = (struct conn){ .fd = -1 };
        r = serve(&s);
        for (size_t i = 0; i < MAX_CONNS; i++)
                conn_close(&s.conns[i]);
        if (unlink(o->socket) < 0 && errno != ENOENT)
                say("%s: cannot remove: %s", o->socket, strerror(errno));
        return r < 0 ? TDXH_EXIT_INFRA : TDXH_EXIT_OK;
}

int main(int argc, char **argv)
{
        struct opts o;
        int r;

        r = parse_opts(argc, argv, &o);
        if (r == 1) {
                usage(stdout);
                return TDXH_EXIT_OK;
        }
        if (r < 0)
                return TDXH_EXIT_BAD_INPUT;
        if (o.make_pki)
                return make_pki(o.make_pki);
        return run(&o);
}
