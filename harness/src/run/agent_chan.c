/* Agent channel, host side; see agent_chan.h. */
#include "run/agent_chan.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "run/unix_sock.h"

#define READ_CHUNK 65536

int agent_chan_adopt(struct agent_chan *c, int fd)
{
        int flags = fcntl(fd, F_GETFL);

        if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0)
                return -errno;
        *c = (struct agent_chan)AGENT_CHAN_INIT;
        c->fd = fd;
        return 0;
}

static int watch_error(int r, const char *what, const struct wait_watch *w,
                       const struct child *dead, struct tdxh_err *e)
{
        switch (r) {
        case -ETIMEDOUT:
                return err_setf(e, r, "agent: %s: deadline passed", what);
        case -ECANCELED:
                return err_setf(e, r, "agent: %s: interrupted by signal %d", what,
                                w && w->sig ? w->sig->received : 0);
        case -ECHILD: {
                char status[96];

                child_describe(dead, status, sizeof(status));
                return err_setf(e, r, "agent: %s: %s %s", what, dead->name, status);
        }
        default:
                return err_setf(e, r, "agent: %s: %s", what, strerror(-r));
        }
}

int agent_chan_connect(struct agent_chan *c, const char *path, const struct deadline *d,
                       const struct wait_watch *w, struct tdxh_err *e)
{
        struct child *dead = NULL;
        int fd = -1, r;

        r = unix_connect_wait(path, d, w, &dead, &fd);
        if (r < 0)
                return watch_error(r, path, w, dead, e);
        *c = (struct agent_chan)AGENT_CHAN_INIT;
        c->fd = fd;
        return 0;
}

static int send_all(struct agent_chan *c, const char *data, size_t len, const char *op,
                    const struct deadline *d, const struct wait_watch *w, struct tdxh_err *e)
{
        struct child *dead = NULL;
        int r = unix_send_all(c->fd, data, len, d, w, &dead);

        if (r == -ETIMEDOUT || r == -ECANCELED || r == -ECHILD)
                return watch_error(r, op, w, dead, e);
        if (r < 0)
                return err_setf(e, r, "agent: sending %s: %s", op, strerror(-r));
        return 0;
}

/* Sends one request and returns its id. */
static int send_request(struct agent_chan *c, const char *op, json_object *params,
                        int64_t *ret_id, const struct deadline *d, const struct wait_watch *w,
                        struct tdxh_err *e)
{
        _cleanup_json_ json_object *req = json_object_new_object();
        _cleanup_buf_ struct buf line = BUF_INIT;
        int64_t id = c->next_id++;

        if (c->fd < 0)
                return err_setf(e, -ENOTCONN, "agent: channel is closed");
        if (params && !json_object_is_type(params, json_type_object))
                return err_setf(e, -EINVAL, "agent: %s: parameters must be a JSON object", op);
        if (!req || json_add_int(req, "id", id) < 0 || json_add_string(req, "op", op) < 0)
                return -ENOMEM;
        if (params) {
                json_object_object_foreach(params, key, val)
                {
                        if (strcmp(key, "id") == 0 || strcmp(key, "op") == 0)
                                continue;
                        if (json_add(req, key, json_object_get(val)) < 0)
                                return -ENOMEM;
                }
        }
        /* PLAIN output escapes control characters, so the line has no
         * embedded newline. */
        if (buf_puts(&line, json_object_to_json_string_ext(
                                    req, JSON_C_TO_STRING_PLAIN |
                                                 JSON_C_TO_STRING_NOSLASHESCAPE)) < 0 ||
            buf_putc(&line, '\n') < 0)
                return -ENOMEM;
        if (line.len > AGENT_LINE_MAX + 1)
                return err_setf(e, -E2BIG, "agent: %s request is longer than 1 MiB", op);
        *ret_id = id;
        return send_all(c, line.data, line.len, op, d, w, e);
}

/* Takes the next complete line out of the input buffer, skipping the rest
 * of an oversize one. 1: *ret_line set (owned); 0: need more input;
 * -E2BIG: the current line has grown past the limit. */
static int next_line(struct agent_chan *c, char **ret_line)
{
        for (;;) {
                char *nl = c->in.len ? memchr(c->in.data, '\n', c->in.len) : NULL;
                size_t n;

                if (!nl) {
                        if (c->discarding) {
                                buf_reset(&c->in);
                                return 0;
                        }
                        if (c->in.len > AGENT_LINE_MAX) {
                                c->discarding = true;
                                buf_reset(&c->in);
                                return -E2BIG;
                        }
                        return 0;
                }
                n = (size_t)(nl - c->in.data);
                if (c->discarding || n > AGENT_LINE_MAX) {
                        bool was_discarding = c->discarding;

                        c->discarding = false;
                        memmove(c->in.data, nl + 1, c->in.len - n - 1);
                        c->in.len -= n + 1;
                        c->in.data[c->in.len] = '\0';
                        if (!was_discarding)
                                return -E2BIG;
                        continue;
                }
                *ret_line = strndup(c->in.data, n);
                if (!*ret_line)
                        return -ENOMEM;
                memmove(c->in.data, nl + 1, c->in.len - n - 1);
                c->in.len -= n + 1;
                c->in.data[c->in.len] = '\0';
                return 1;
        }
}

static int read_line(struct agent_chan *c, const char *op, char **ret_line,
                     const struct deadline *d, const struct wait_watch *w, struct tdxh_err *e)
{
        for (;;) {
                struct child *dead = NULL;
                ssize_t n;
                int r = next_line(c, ret_line);

                if (r == 1)
                        return 0;
                if (r == -E2BIG)
                        return err_setf(e, r, "agent: %s: response line longer than 1 MiB", op);
                if (r < 0)
                        return r;
                if (buf_reserve(&c->in, READ_CHUNK) < 0)
                        return -ENOMEM;
                n = recv(c->fd, c->in.data + c->in.len, READ_CHUNK, 0);
                if (n > 0) {
                        c->in.len += (size_t)n;
                        c->in.data[c->in.len] = '\0';
                        continue;
                }
                if (n == 0)
                        return err_setf(e, -ECONNRESET, "agent: %s: channel closed", op);
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN)
                        return err_setf(e, -errno, "agent: %s: %s", op, strerror(errno));
                r = wait_fd(c->fd, POLLIN, d, w, &dead);
                if (r < 0)
                        return watch_error(r, op, w, dead, e);
        }
}

/* Reads responses until one carries an id in [min_id, max_id] (or a null
 * id: the agent could not read ours, so it answers the one outstanding). */
static int read_response(struct agent_chan *c, const char *op, int64_t min_id, int64_t max_id,
                         json_object **ret, const struct deadline *d,
                         const struct wait_watch *w, struct tdxh_err *e)
{
        for (;;) {
                _cleanup_free_ char *line = NULL;
                _cleanup_json_ json_object *resp = NULL;
                json_object *id, *ok, *errno_obj, *msg;
                int r = read_line(c, op, &line, d, w, e);
                int64_t got;

                if (r < 0)
                        return r;
                resp = json_tokener_parse(line);
                if (!resp || !json_object_is_type(resp, json_type_object))
                        return err_setf(e, -EPROTO, "agent: %s: response is not a JSON object: %.80s",
                                        op, line);
                if (!json_object_object_get_ex(resp, "id", &id))
                        return err_setf(e, -EPROTO, "agent: %s: response has no id", op);
                if (id) {
                        if (!json_object_is_type(id, json_type_int))
                                return err_setf(e, -EPROTO, "agent: %s: response id is not an integer",
                                                op);
                        got = json_object_get_int64(id);
                        if (got < min_id || got > max_id)
                                continue; /* the answer to an earlier request */
                }
                if (!json_object_object_get_ex(resp, "ok", &ok) ||
                    !json_object_is_type(ok, json_type_boolean))
                        return err_setf(e, -EPROTO, "agent: %s: response has no boolean ok", op);
                if (!json_object_get_boolean(ok)) {
                        int num = EIO;

                        if (json_object_object_get_ex(resp, "errno", &errno_obj) &&
                            json_object_is_type(errno_obj, json_type_int) &&
                            json_object_get_int(errno_obj) > 0)
                                num = json_object_get_int(errno_obj);
                        if (!json_object_object_get_ex(resp, "error", &msg) ||
                            !json_object_is_type(msg, json_type_string))
                                msg = NULL;
                        c->refused = true;
                        return err_setf(e, -num, "agent: %s: %s", op,
                                        msg ? json_object_get_string(msg) : strerror(num));
                }
                *ret = TAKE_PTR(resp);
                return 0;
        }
}

int agent_call(struct agent_chan *c, const char *op, json_object *params,
               json_object **ret_result, const struct deadline *d, const struct wait_watch *w,
               struct tdxh_err *e)
{
        json_object *resp = NULL;
        int64_t id;
        int r;

        c->refused = false;
        r = send_request(c, op, params, &id, d, w, e);
        if (r < 0)
                return r;
        r = read_response(c, op, id, id, &resp, d, w, e);
        if (r < 0)
                return r;
        *ret_result = resp;
        return 0;
}

int agent_wait_hello(struct agent_chan *c, uint64_t try_ms, const struct deadline *d,
                     const struct wait_watch *w, agent_retry_fn on_retry, void *userdata,
                     json_object **ret_hello, struct tdxh_err *e)
{
        uint64_t t0 = mono_now_ns();
        int64_t first_id = c->next_id;

        for (;;) {
                struct deadline attempt = deadline_min(deadline_in_ms(try_ms), *d);
                struct tdxh_err inner = { 0 };
                json_object *hello = NULL;
                int64_t id;
                int r;

                r = send_request(c, "hello", NULL, &id, d, w, e);
                if (r < 0)
                        return r;
                /* Any answered hello proves the agent is there. */
                r = read_response(c, "hello", first_id, id, &hello, &attempt, w, &inner);
                if (r == 0) {
                        if (ret_hello)
                                *ret_hello = hello;
                        else
                                json_object_put(hello);
                        return 0;
                }
                if (r != -ETIMEDOUT) {
                        err_setf(e, r, "%s", inner.msg);
                        return r;
                }
                if (on_retry) {
                        r = on_retry(userdata, e);
                        if (r < 0)
                                return r;
                }
                if (deadline_expired(d))
                        return err_setf(e, -ETIMEDOUT,
                                        "agent: no answer to hello within %llu s",
                                        (unsigned long long)elapsed_ms(t0) / 1000);
        }
}

void agent_chan_close(struct agent_chan *c)
{
        if (c->fd >= 0)
                close(c->fd);
        buf_free(&c->in);
        *c = (struct agent_chan)AGENT_CHAN_INIT;
}
