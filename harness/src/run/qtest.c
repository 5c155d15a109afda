/* The qtest client; see qtest.h. The protocol is one request line, then one
 * response line "OK [value]" or "FAIL reason"; lines starting with "IRQ"
 * are asynchronous notices, sent only to clients that asked to intercept
 * interrupts, and are skipped all the same ([Q] softmmu/qtest.c,
 * docs/devel/qtest.rst). */
#include "run/qtest.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/base64.h"
#include "core/cleanup.h"
#include "run/logtail.h"
#include "run/unix_sock.h"
#include "run/wait.h"

/* A base64 line of a 128 KiB blob is about 175 KB; the tables blob of a
 * large machine stays far below this. */
#define QTEST_MAX_LINE (64u << 20)

static int qemu_failed(struct qtest *q, int r, const char *what, struct tdxh_err *e)
{
        _cleanup_free_ char *tail = NULL;
        char last[256] = "";

        if (q->stderr_path && logtail_read(q->stderr_path, 8192, &tail, NULL) >= 0)
                logtail_last_line(tail, last, sizeof(last));
        if (r == -ECHILD || !child_running(&q->proc)) {
                char how[64];

                child_describe(&q->proc, how, sizeof(how));
                return err_setf(e, -EIO, "qtest: QEMU %s while %s%s%s", how, what,
                                last[0] ? ": " : "", last);
        }
        if (r == -ETIMEDOUT)
                return err_setf(e, r, "qtest: QEMU did not answer in time while %s", what);
        if (r == -ECANCELED)
                return err_setf(e, r, "qtest: interrupted while %s", what);
        return err_setf(e, r, "qtest: %s: %s", what, strerror(-r));
}

int qtest_start(struct qtest *q, const struct strv *argv, const char *socket_path,
                const char *stderr_path, struct deadline d, struct signal_watch *sig,
                struct tdxh_err *e)
{
        _cleanup_strv_ struct strv v = STRV_INIT;
        struct wait_watch w = { .sig = sig };
        struct child_opts o = { .name = "qemu", .err = { .kind = CHILD_IO_FILE, .path = stderr_path } };
        int r;

        for (size_t i = 0; i < argv->n; i++)
                if (strv_push(&v, argv->v[i]) < 0)
                        return -ENOMEM;
        if (strv_push(&v, "-qtest") < 0 ||
            strv_pushf(&v, "unix:%s,server=on,wait=off", socket_path) < 0 ||
            strv_push(&v, "-qtest-log") < 0 || strv_push(&v, "none") < 0 ||
            strv_push(&v, "-S") < 0)
                return -ENOMEM;
        q->d = d;
        q->sig = sig;
        q->stderr_path = strdup(stderr_path);
        if (!q->stderr_path)
                return -ENOMEM;
        o.argv = (const char *const *)v.v;
        r = child_spawn(&q->proc, &o, e);
        if (r < 0)
                return r;
        w.children[0] = &q->proc;
        r = unix_connect_wait(socket_path, &q->d, &w, NULL, &q->fd);
        if (r < 0)
                return qemu_failed(q, r, "starting", e);
        return 0;
}

/* The next line from QEMU, NUL-terminated in q->in (consumed by the caller
 * through *ret_len, the length including the newline). */
static int read_line(struct qtest *q, size_t *ret_len, const char *what, struct tdxh_err *e)
{
        struct wait_watch w = { .sig = q->sig };

        w.children[0] = &q->proc;
        for (;;) {
                char *nl = q->in.len ? memchr(q->in.data, '\n', q->in.len) : NULL;
                ssize_t n;
                int r;

                if (nl) {
                        *nl = '\0';
                        *ret_len = (size_t)(nl - q->in.data) + 1;
                        return 0;
                }
                if (q->in.len > QTEST_MAX_LINE)
                        return err_setf(e, -EPROTO, "qtest: a response line over %u bytes while %s",
                                        QTEST_MAX_LINE, what);
                r = buf_reserve(&q->in, 1 << 16);
                if (r < 0)
                        return r;
                n = recv(q->fd, q->in.data + q->in.len, 1 << 16, 0);
                if (n > 0) {
                        q->in.len += (size_t)n;
                        q->in.data[q->in.len] = '\0';
                        continue;
                }
                if (n == 0)
                        return qemu_failed(q, -ECONNRESET, what, e);
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN)
                        return qemu_failed(q, -errno, what, e);
                r = wait_fd(q->fd, POLLIN, &q->d, &w, NULL);
                if (r < 0)
                        return qemu_failed(q, r, what, e);
        }
}

static void consume(struct qtest *q, size_t len)
{
        memmove(q->in.data, q->in.data + len, q->in.len - len);
        q->in.len -= len;
        q->in.data[q->in.len] = '\0';
}

/* Sends cmd (no newline) and returns a copy of the text after "OK " (an
 * empty string for a bare "OK"). */
static int command(struct qtest *q, const char *cmd, char **ret, struct tdxh_err *e)
{
        _cleanup_free_ char *line = NULL;
        struct wait_watch w = { .sig = q->sig };
        char what[64];
        size_t len = 0;
        int r;

        snprintf(what, sizeof(what), "running '%.*s'", (int)strcspn(cmd, " "), cmd);
        w.children[0] = &q->proc;
        if (asprintf(&line, "%s\n", cmd) < 0)
                return -ENOMEM;
        r = unix_send_all(q->fd, line, strlen(line), &q->d, &w, NULL);
        if (r < 0)
                return qemu_failed(q, r, what, e);
        for (;;) {
                r = read_line(q, &len, what, e);
                if (r < 0)
                        return r;
                if (strncmp(q->in.data, "IRQ", 3) == 0) {
                        consume(q, len);
                        continue;
                }
                break;
        }
        if (strcmp(q->in.data, "OK") != 0 && strncmp(q->in.data, "OK ", 3) != 0) {
                r = err_setf(e, -EPROTO, "qtest: '%s' answered '%.80s'", cmd, q->in.data);
                consume(q, len);
                return r;
        }
        *ret = strdup(q->in.data[2] ? q->in.data + 3 : "");
        consume(q, len);
        return *ret ? 0 : -ENOMEM;
}

static const char *width_letter(unsigned width)
{
        return width == 1 ? "b" : width == 2 ? "w" : "l";
}

int qtest_out(struct qtest *q, unsigned width, uint16_t port, uint32_t value, struct tdxh_err *e)
{
        _cleanup_free_ char *ans = NULL;
        char cmd[64];

        snprintf(cmd, sizeof(cmd), "out%s 0x%x 0x%" PRIx32, width_letter(width), port, value);
        return command(q, cmd, &ans, e);
}

int qtest_in(struct qtest *q, unsigned width, uint16_t port, uint32_t *ret, struct tdxh_err *e)
{
        _cleanup_free_ char *ans = NULL;
        char cmd[64], *end = NULL;
        unsigned long v;
        int r;

        snprintf(cmd, sizeof(cmd), "in%s 0x%x", width_letter(width), port);
        r = command(q, cmd, &ans, e);
        if (r < 0)
                return r;
        errno = 0;
        v = strtoul(ans, &end, 16);
        if (errno || end == ans || *end || v > UINT32_MAX)
                return err_setf(e, -EPROTO, "qtest: '%s' answered '%.40s', not a number", cmd, ans);
        *ret = (uint32_t)v;
        return 0;
}

int qtest_mem_write(struct qtest *q, uint64_t addr, const void *data, size_t len,
                    struct tdxh_err *e)
{
        _cleanup_free_ char *b64 = base64_encode(data, len), *cmd = NULL, *ans = NULL;

        if (!b64 || asprintf(&cmd, "b64write 0x%" PRIx64 " 0x%zx %s", addr, len, b64) < 0)
                return -ENOMEM;
        return command(q, cmd, &ans, e);
}

int qtest_mem_read(struct qtest *q, uint64_t addr, void *out, size_t len, struct tdxh_err *e)
{
        _cleanup_free_ char *ans = NULL;
        _cleanup_free_ uint8_t *bytes = NULL;
        size_t n = 0;
        char cmd[64];
        int r;

        snprintf(cmd, sizeof(cmd), "b64read 0x%" PRIx64 " 0x%zx", addr, len);
        r = command(q, cmd, &ans, e);
        if (r < 0)
                return r;
        if (base64_decode(ans, strlen(ans), &bytes, &n) < 0 || n != len)
                return err_setf(e, -EPROTO, "qtest: b64read of %zu bytes at 0x%" PRIx64
                                " answered %zu bytes", len, addr, n);
        memcpy(out, bytes, len);
        return 0;
}

void qtest_done(struct qtest *q)
{
        if (q->fd >= 0)
                close(q->fd);
        q->fd = -1;
        child_done(&q->proc);
        buf_free(&q->in);
        free(q->stderr_path);
        q->stderr_path = NULL;
}
