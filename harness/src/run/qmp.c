/* QMP client; see qmp.h. */
#include "run/qmp.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "run/unix_sock.h"

#define QMP_READ_CHUNK 4096

static int qmp_watch_error(int r, const char *what, const struct child *dead,
                           struct tdxh_err *e)
{
        char status[96];

        if (r == -ECHILD && dead) {
                child_describe(dead, status, sizeof(status));
                return err_setf(e, r, "qmp: %s: %s %s", what, dead->name, status);
        }
        if (r == -ETIMEDOUT)
                return err_setf(e, r, "qmp: %s: deadline passed", what);
        return err_setf(e, r, "qmp: %s: %s", what, strerror(-r));
}

/* The next JSON object QEMU sent (owned), waiting for it as needed. */
static int qmp_read(struct qmp *q, const char *what, json_object **ret, const struct deadline *d,
                    const struct wait_watch *w, struct tdxh_err *e)
{
        for (;;) {
                char *nl = q->in.len ? memchr(q->in.data, '\n', q->in.len) : NULL;
                struct child *dead = NULL;
                ssize_t n;
                int r;

                if (nl) {
                        size_t len = (size_t)(nl - q->in.data) + 1;
                        json_object *o;

                        *nl = '\0';
                        o = json_tokener_parse(q->in.data);
                        memmove(q->in.data, nl + 1, q->in.len - len);
                        q->in.len -= len;
                        q->in.data[q->in.len] = '\0';
                        if (!o || !json_object_is_type(o, json_type_object)) {
                                json_object_put(o);
                                return err_setf(e, -EPROTO, "qmp: %s: a line that is not a "
                                                "JSON object", what);
                        }
                        *ret = o;
                        return 0;
                }
                if (q->in.len > QMP_LINE_MAX)
                        return err_setf(e, -E2BIG, "qmp: %s: a line longer than 1 MiB", what);
                if (buf_reserve(&q->in, QMP_READ_CHUNK) < 0)
                        return -ENOMEM;
                n = recv(q->fd, q->in.data + q->in.len, QMP_READ_CHUNK, 0);
                if (n > 0) {
                        q->in.len += (size_t)n;
                        q->in.data[q->in.len] = '\0';
                        continue;
                }
                if (n == 0)
                        return err_setf(e, -ECONNRESET, "qmp: %s: QEMU closed the socket", what);
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN)
                        return err_setf(e, -errno, "qmp: %s: %s", what, strerror(errno));
                r = wait_fd(q->fd, POLLIN, d, w, &dead);
                if (r < 0)
                        return qmp_watch_error(r, what, dead, e);
        }
}

int qmp_call(struct qmp *q, const char *command, json_object *args, json_object **ret_return,
             const struct deadline *d, const struct wait_watch *w, struct tdxh_err *e)
{
        _cleanup_json_ json_object *req = json_object_new_object();
        _cleanup_free_ char *line = NULL;
        struct child *dead = NULL;
        int64_t id = q->next_id++;
        int r;

        if (q->fd < 0)
                return err_setf(e, -ENOTCONN, "qmp: %s: not connected", command);
        if (!req || json_add_string(req, "execute", command) < 0 || json_add_int(req, "id", id) < 0 ||
            (args && json_add(req, "arguments", json_object_get(args)) < 0))
                return -ENOMEM;
        if (asprintf(&line, "%s\n",
                     json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE)) < 0)
                return -ENOMEM;
        r = unix_send_all(q->fd, line, strlen(line), d, w, &dead);
        if (r < 0)
                return qmp_watch_error(r, command, dead, e);
        for (;;) {
                _cleanup_json_ json_object *o = NULL;
                json_object *v, *err, *desc;

                r = qmp_read(q, command, &o, d, w, e);
                if (r < 0)
                        return r;
                if (json_object_object_get_ex(o, "event", NULL))
                        continue;
                if (!json_object_object_get_ex(o, "id", &v) || json_object_get_int64(v) != id)
                        continue; /* the answer to an earlier command */
                if (json_object_object_get_ex(o, "error", &err)) {
                        json_object_object_get_ex(err, "desc", &desc);
                        return err_setf(e, -EIO, "qmp: %s: %s", command,
                                        desc ? json_object_get_string(desc) : "error");
                }
                if (!json_object_object_get_ex(o, "return", &v))
                        return err_setf(e, -EPROTO, "qmp: %s: an answer without return", command);
                if (ret_return)
                        *ret_return = json_object_get(v);
                return 0;
        }
}

int qmp_connect(struct qmp *q, const char *path, const struct deadline *d,
                const struct wait_watch *w, struct tdxh_err *e)
{
        _cleanup_json_ json_object *greeting = NULL;
        struct child *dead = NULL;
        int fd = -1, r;

        qmp_close(q);
        r = unix_connect_wait(path, d, w, &dead, &fd);
        if (r < 0)
                return qmp_watch_error(r, path, dead, e);
        q->fd = fd;
        r = qmp_read(q, "greeting", &greeting, d, w, e);
        if (r < 0)
                return r;
        if (!json_object_object_get_ex(greeting, "QMP", NULL))
                return err_setf(e, -EPROTO, "qmp: %s: no QMP greeting", path);
        return qmp_call(q, "qmp_capabilities", NULL, NULL, d, w, e);
}

int qmp_run_state(struct qmp *q, char **ret, const struct deadline *d,
                  const struct wait_watch *w, struct tdxh_err *e)
{
        _cleanup_json_ json_object *st = NULL;
        json_object *v;
        int r = qmp_call(q, "query-status", NULL, &st, d, w, e);

        if (r < 0)
                return r;
        if (!json_object_object_get_ex(st, "status", &v) || !json_object_is_type(v, json_type_string))
                return err_setf(e, -EPROTO, "qmp: query-status: no status");
        *ret = strdup(json_object_get_string(v));
        return *ret ? 0 : -ENOMEM;
}

void qmp_close(struct qmp *q)
{
        if (q->fd >= 0)
                close(q->fd);
        q->fd = -1;
        buf_free(&q->in);
        q->next_id = 1;
}
