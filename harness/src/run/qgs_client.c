/* The QGS client; see qgs_client.h. */
#include "run/qgs_client.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "fakes/fake_qgs.h"
#include "run/unix_sock.h"

static int watch_error(int r, const char *path, const struct wait_watch *w,
                       const struct child *dead, struct tdxh_err *e)
{
        char status[96];

        switch (r) {
        case -ETIMEDOUT:
                return err_setf(e, r, "quote service %s: no answer before the deadline", path);
        case -ECANCELED:
                return err_setf(e, r, "quote service %s: interrupted by signal %d", path,
                                w && w->sig ? w->sig->received : 0);
        case -ECHILD:
                child_describe(dead, status, sizeof(status));
                return err_setf(e, r, "quote service %s: %s %s", path, dead->name, status);
        default:
                return err_setf(e, r, "quote service %s: %s", path, strerror(-r));
        }
}

static int recv_all(int fd, uint8_t *p, size_t len, const char *path, const struct deadline *d,
                    const struct wait_watch *w, struct tdxh_err *e)
{
        while (len > 0) {
                struct child *dead = NULL;
                ssize_t n = recv(fd, p, len, 0);
                int r;

                if (n > 0) {
                        p += n;
                        len -= (size_t)n;
                        continue;
                }
                if (n == 0)
                        return err_setf(e, -ECONNRESET, "quote service %s: closed the connection "
                                        "before its answer was complete", path);
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN)
                        return err_setf(e, -errno, "quote service %s: receiving: %s", path,
                                        strerror(errno));
                r = wait_fd(fd, POLLIN, d, w, &dead);
                if (r < 0)
                        return watch_error(r, path, w, dead, e);
        }
        return 0;
}

int qgs_get_quote(const char *path, const uint8_t *report, size_t report_len,
                  const struct deadline *d, const struct wait_watch *w, uint8_t **ret,
                  size_t *ret_len, struct tdxh_err *e)
{
        _cleanup_buf_ struct buf req = BUF_INIT;
        _cleanup_free_ uint8_t *frame = NULL;
        _cleanup_close_ int fd = -1;
        struct qgs_get_quote_resp resp;
        struct child *dead = NULL;
        uint32_t len;
        uint8_t *q;
        int r;

        r = qgs_get_quote_req_build(&req, report, (uint32_t)report_len, NULL, 0);
        if (r < 0)
                return r == -ENOMEM ? r : err_setf(e, r, "quote service: a report of %zu bytes "
                                                   "does not fit a request", report_len);
        r = unix_connect_wait(path, d, w, &dead, &fd);
        if (r < 0)
                return watch_error(r, path, w, dead, e);
        r = unix_send_all(fd, req.data, req.len, d, w, &dead);
        if (r == -ETIMEDOUT || r == -ECANCELED || r == -ECHILD)
                return watch_error(r, path, w, dead, e);
        if (r < 0)
                return err_setf(e, r, "quote service %s: sending: %s", path, strerror(-r));
        frame = malloc(QGS_PREFIX_LEN + QGS_MSG_MAX_LEN);
        if (!frame)
                return -ENOMEM;
        r = recv_all(fd, frame, QGS_PREFIX_LEN, path, d, w, e);
        if (r < 0)
                return r;
        r = qgs_frame_len(frame, &len, e);
        if (r < 0)
                return err_setf(e, -EPROTO, "quote service %s: %s", path, e->msg);
        r = recv_all(fd, frame + QGS_PREFIX_LEN, len, path, d, w, e);
        if (r < 0)
                return r;
        r = qgs_get_quote_resp_parse(frame, QGS_PREFIX_LEN + len, &resp, e);
        if (r < 0)
                return err_setf(e, -EPROTO, "quote service %s: %s", path, e->msg);
        if (resp.header.error_code)
                return err_setf(e, -EREMOTEIO, "quote service %s: answered error 0x%x (%s)", path,
                                resp.header.error_code, qgs_error_name(resp.header.error_code));
        q = malloc(resp.quote_size);
        if (!q)
                return -ENOMEM;
        memcpy(q, resp.quote, resp.quote_size);
        *ret = q;
        *ret_len = resp.quote_size;
        return 0;
}
