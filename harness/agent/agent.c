/* Request parsing, dispatch and the requests that need no provider (hello,
 * digest, poweroff, reboot); see agent.h. */
#include "agent.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "core/base64.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "tdxh_version.h"

void agent_init(struct agent *a, struct provider *prov)
{
        *a = (struct agent){ .prov = *prov };
        *prov = (struct provider){ 0 };
}

void agent_done(struct agent *a)
{
        for (size_t i = 0; i < a->n_log; i++)
                free(a->log[i].event);
        free(a->log);
        provider_close(&a->prov);
        *a = (struct agent){ 0 };
}

int agent_field_string(json_object *req, const char *key, bool required, const char **ret,
                       struct tdxh_err *e)
{
        json_object *v;

        if (!json_object_object_get_ex(req, key, &v) || json_object_is_type(v, json_type_null)) {
                if (required)
                        return err_setf(e, -EINVAL, "field \"%s\" is missing", key);
                *ret = NULL;
                return 0;
        }
        if (!json_object_is_type(v, json_type_string))
                return err_setf(e, -EINVAL, "field \"%s\" is not a string", key);
        *ret = json_object_get_string(v);
        return 0;
}

int agent_field_hex(json_object *req, const char *key, uint8_t *out, size_t len,
                    struct tdxh_err *e)
{
        const char *s = NULL;
        int r;

        r = agent_field_string(req, key, true, &s, e);
        if (r < 0)
                return r;
        if (strlen(s) != 2 * len || hex_decode_exact(s, out, len) < 0)
                return err_setf(e, -EINVAL, "field \"%s\": expected %zu hex digits (%zu bytes), "
                                "got %zu characters", key, 2 * len, len, strlen(s));
        return 0;
}

int agent_field_base64(json_object *req, const char *key, uint8_t **ret, size_t *ret_len,
                       struct tdxh_err *e)
{
        json_object *v;
        int r;

        r = json_object_object_get_ex(req, key, &v);
        if (!r || !json_object_is_type(v, json_type_string))
                return err_setf(e, -EINVAL, "field \"%s\" is missing or not a string", key);
        r = base64_decode(json_object_get_string(v), (size_t)json_object_get_string_len(v), ret,
                          ret_len);
        if (r == -EINVAL)
                return err_setf(e, -EINVAL, "field \"%s\" is not base64", key);
        return r;
}

static json_object *response_new(json_object *id, bool ok)
{
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o)
                return NULL;
        if (json_add(o, "id", id ? json_object_get(id) : NULL) < 0 ||
            json_add_bool(o, "ok", ok) < 0)
                return NULL;
        return TAKE_PTR(o);
}

json_object *agent_error_response(json_object *id, int err, const char *fmt, ...)
{
        _cleanup_json_ json_object *o = response_new(id, false);
        _cleanup_free_ char *msg = NULL;
        va_list ap;
        int r;

        if (!o)
                return NULL;
        va_start(ap, fmt);
        r = vasprintf(&msg, fmt, ap);
        va_end(ap);
        if (r < 0)
                return NULL;
        /* One line, always. */
        for (char *p = msg; *p; p++)
                if (*p == '\n' || *p == '\r')
                        *p = ' ';
        if (json_add_int(o, "errno", err) < 0 || json_add_string(o, "error", msg) < 0)
                return NULL;
        return TAKE_PTR(o);
}

char *agent_response_line(json_object *resp, size_t *ret_len)
{
        const char *text = NULL;
        char *line = NULL;
        int n;

        /* PLAIN output escapes control characters inside strings, so the
         * serialised object never contains a newline of its own. */
        text = json_object_to_json_string_ext(resp, JSON_C_TO_STRING_PLAIN |
                                                            JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!text)
                return NULL;
        n = asprintf(&line, "%s\n", text);
        if (n < 0)
                return NULL;
        *ret_len = (size_t)n;
        return line;
}

static int op_hello(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e)
{
        struct utsname u;

        if (uname(&u) < 0)
                return err_setf(e, -errno, "uname failed: %s", strerror(errno));
        if (json_add_string(resp, "agent", TDXH_VERSION) < 0 ||
            json_add_int(resp, "protocol", AGENT_PROTOCOL) < 0 ||
            json_add_string(resp, "provider", a->prov.ops->name) < 0 ||
            json_add_string(resp, "kernel", u.release) < 0 ||
            json_add_string(resp, "machine", u.machine) < 0)
                return -ENOMEM;
        return 0;
}

/* Files of sysfs and procfs report size 0 and produce their bytes on read
 * (the fw_cfg items under /sys/firmware/qemu_fw_cfg, for instance), so a
 * file that says it is empty is read until end of file instead. */
static int digest_until_eof(const char *path, uint8_t d[SHA384_LEN], uint64_t *ret_size,
                            struct tdxh_err *e)
{
        _cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
        _cleanup_digest_ struct digest dg = { 0 };
        uint8_t buf[65536];
        uint64_t size = 0;
        int r;

        if (fd < 0)
                return err_setf(e, -errno, "%s: %s", path, strerror(errno));
        r = digest_begin(&dg, DIGEST_SHA384);
        for (;;) {
                ssize_t n;

                if (r < 0)
                        return r;
                n = read(fd, buf, sizeof(buf));
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return err_setf(e, -errno, "%s: read failed at offset %llu: %s", path,
                                        (unsigned long long)size, strerror(errno));
                if (n == 0)
                        break;
                size += (uint64_t)n;
                r = digest_update(&dg, buf, (size_t)n);
        }
        *ret_size = size;
        return digest_end(&dg, d);
}

static int op_digest(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e)
{
        uint8_t d[SHA384_LEN];
        uint64_t size = 0;
        const char *path = NULL;
        int r;

        r = agent_field_string(req, "path", true, &path, e);
        if (r < 0)
                return r;
        r = digest_file(DIGEST_SHA384, path, d, &size, e);
        if (r >= 0 && size == 0)
                r = digest_until_eof(path, d, &size, e);
        if (r < 0)
                return r;
        if (json_add_hex(resp, "sha384", d, sizeof(d)) < 0 ||
            json_add_int(resp, "size", (int64_t)size) < 0)
                return -ENOMEM;
        return 0;
}

static int op_poweroff(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e)
{
        a->exit_request = AGENT_EXIT_POWEROFF;
        return 0;
}

static int op_reboot(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e)
{
        a->exit_request = AGENT_EXIT_REBOOT;
        return 0;
}

static const struct {
        const char *op;
        agent_handler fn;
} handlers[] = {
        { "hello", op_hello },
        { "registers", agent_op_registers },
        { "event-log", agent_op_event_log },
        { "extend", agent_op_extend },
        { "report", agent_op_report },
        { "quote", agent_op_quote },
        { "seal", agent_op_seal },
        { "unseal", agent_op_unseal },
        { "tpm-ak", agent_op_tpm_ak },
        { "tpm-activate", agent_op_tpm_activate },
        { "tpm-quote", agent_op_tpm_quote },
        { "kbs-key", agent_op_kbs_key },
        { "kbs-unwrap", agent_op_kbs_unwrap },
        { "digest", op_digest },
        { "poweroff", op_poweroff },
        { "reboot", op_reboot },
};

static json_object *parse_request(const char *line, size_t len, struct tdxh_err *e)
{
        json_tokener *tok;
        json_object *o;
        size_t used;

        if (len > (size_t)INT32_MAX) {
                err_setf(e, -E2BIG, "request line too long");
                return NULL;
        }
        if (memchr(line, '\0', len)) {
                err_setf(e, -EINVAL, "request line contains a NUL byte");
                return NULL;
        }
        tok = json_tokener_new();
        if (!tok) {
                err_setf(e, -ENOMEM, "out of memory");
                return NULL;
        }
        o = json_tokener_parse_ex(tok, line, (int)len);
        if (!o) {
                enum json_tokener_error je = json_tokener_get_error(tok);

                err_setf(e, -EINVAL, "request is not JSON: %s at offset %zu",
                         je == json_tokener_continue ? "unexpected end"
                                                     : json_tokener_error_desc(je),
                         json_tokener_get_parse_end(tok));
                json_tokener_free(tok);
                return NULL;
        }
        used = json_tokener_get_parse_end(tok);
        json_tokener_free(tok);
        while (used < len && (line[used] == ' ' || line[used] == '\t' || line[used] == '\r'))
                used++;
        if (used != len) {
                err_setf(e, -EINVAL, "trailing data after the request at offset %zu", used);
                json_object_put(o);
                return NULL;
        }
        if (!json_object_is_type(o, json_type_object)) {
                err_setf(e, -EINVAL, "request is not a JSON object");
                json_object_put(o);
                return NULL;
        }
        return o;
}

json_object *agent_handle_line(struct agent *a, const char *line, size_t len)
{
        _cleanup_json_ json_object *req = NULL, *resp = NULL;
        struct tdxh_err e = { 0 };
        json_object *id = NULL, *opv;
        const char *op = NULL;
        int r;

        req = parse_request(line, len, &e);
        if (!req)
                return agent_error_response(NULL, -e.code, "%s", e.msg);
        if (json_object_object_get_ex(req, "id", &id) && id &&
            !json_object_is_type(id, json_type_int))
                return agent_error_response(NULL, EINVAL, "field \"id\" is not an integer");
        if (!json_object_object_get_ex(req, "op", &opv) ||
            !json_object_is_type(opv, json_type_string))
                return agent_error_response(id, EINVAL, "field \"op\" is missing or not a string");
        op = json_object_get_string(opv);
        for (size_t i = 0; i < sizeof(handlers) / sizeof(handlers[0]); i++) {
                if (strcmp(op, handlers[i].op) != 0)
                        continue;
                resp = response_new(id, true);
                if (!resp)
                        return NULL;
                r = handlers[i].fn(a, req, resp, &e);
                if (r >= 0)
                        return TAKE_PTR(resp);
                if (r == -ENOMEM && !e.code)
                        return agent_error_response(id, ENOMEM, "out of memory");
                if (!e.code)
                        return agent_error_response(id, -r, "%s failed: %s", op, strerror(-r));
                return agent_error_response(id, -r, "%s", e.msg);
        }
        return agent_error_response(id, ENOSYS, "unknown operation \"%.64s\"", op);
}
