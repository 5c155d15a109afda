/* The agent's request handling, independent of how lines arrive: one JSON
 * request in, one JSON response out (docs/agent-protocol.md). The agent keeps
 * the RTMR3 event log itself, since no kernel interface records RTMR3
 * extends. Nothing here exits or prints: the caller reads lines, writes the
 * responses and acts on exit_request. */
#pragma once

#include <json-c/json.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "provider.h"

#define AGENT_PROTOCOL 1
#define AGENT_MAX_LINE (1u << 20)
#define AGENT_MAX_EVENT_TEXT 4096
#define AGENT_MAX_RTMR3_LOG 65536
#define AGENT_MAX_NAME 255

enum agent_exit {
        AGENT_EXIT_NONE = 0,
        AGENT_EXIT_POWEROFF,
        AGENT_EXIT_REBOOT,
};

struct rtmr3_entry {
        uint8_t digest[AGENT_MR_LEN];
        char *event; /* owned, or NULL */
};

struct agent {
        struct provider prov;
        struct rtmr3_entry *log;
        size_t n_log;
        size_t cap_log;
        enum agent_exit exit_request; /* set by poweroff and reboot */
};

/* Takes ownership of an opened provider. */
void agent_init(struct agent *a, struct provider *prov);
void agent_done(struct agent *a);

/* Handles one request line (without its newline; it need not be
 * NUL-terminated). Returns the response, or NULL only when memory ran out. */
json_object *agent_handle_line(struct agent *a, const char *line, size_t len);

/* An error response {"id", "ok": false, "errno", "error"}; id may be NULL
 * (JSON null) and is not consumed. err is a positive errno value. */
json_object *agent_error_response(json_object *id, int err, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));

/* Serialises a response as one line, newline included (malloc'd). */
char *agent_response_line(json_object *resp, size_t *ret_len);

/* Request handlers, one per operation (agent_ops.c). Each fills resp with
 * its result fields and returns 0, or returns a negative errno with the
 * message in e. */
typedef int (*agent_handler)(struct agent *a, json_object *req, json_object *resp,
                             struct tdxh_err *e);
int agent_op_registers(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e);
int agent_op_event_log(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e);
int agent_op_extend(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e);
int agent_op_report(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e);
int agent_op_quote(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e);
int agent_op_seal(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e);
int agent_op_unseal(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e);
/* TPM attestation (agent_tpm_ops.c). */
int agent_op_tpm_ak(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e);
int agent_op_tpm_activate(struct agent *a, json_object *req, json_object *resp,
                          struct tdxh_err *e);
int agent_op_tpm_quote(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e);
/* Key-broker release (kbs.c). */
int agent_op_kbs_key(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e);
int agent_op_kbs_unwrap(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e);

/* Field access for handlers: a missing or mistyped field is -EINVAL with a
 * message naming it. */
int agent_field_string(json_object *req, const char *key, bool required, const char **ret,
                       struct tdxh_err *e);
int agent_field_hex(json_object *req, const char *key, uint8_t *out, size_t len,
                    struct tdxh_err *e);
int agent_field_base64(json_object *req, const char *key, uint8_t **ret, size_t *ret_len,
                       struct tdxh_err *e);
