/* The host side of the agent channel (docs/agent-protocol.md): one JSON
 * object per line over QEMU's agent chardev socket, one request and one
 * response at a time, each response repeating the request's id.
 *
 * The virtio-serial port is silent until the guest opens it: what the host
 * writes before then waits in the socket and QEMU, and is delivered when the
 * agent starts. Readiness is therefore `hello` sent again every try period
 * until an answer comes, and the answers to the earlier, queued hellos that
 * arrive later are recognised by their ids and skipped. Every read and
 * write waits on a deadline and on a wait_watch (signals, QEMU's death). */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "run/wait.h"

#define AGENT_LINE_MAX (1u << 20) /* bytes per line, newline excluded */

struct agent_chan {
        int fd;          /* connected, non-blocking; -1 when closed */
        struct buf in;   /* received bytes not yet consumed */
        bool discarding; /* skipping the rest of an oversize line */
        int64_t next_id;
        bool refused;    /* the last call's answer was {"ok":false}: the agent
                          * refused the request; the channel is fine */
};
#define AGENT_CHAN_INIT { .fd = -1, .next_id = 1 }

/* Connects to QEMU's agent socket (QEMU is the server and listens from its
 * start; the wait covers QEMU still starting up). */
int agent_chan_connect(struct agent_chan *c, const char *path, const struct deadline *d,
                       const struct wait_watch *w, struct tdxh_err *e);

/* Adopts an already connected socket (made non-blocking), e.g. one end of
 * a socketpair in tests. */
int agent_chan_adopt(struct agent_chan *c, int fd);

/* Sends {"id":N,"op":OP,...params} and waits for the response with id N.
 * params is borrowed (may be NULL); its members are copied into the request.
 * On {"ok":true} *ret_result is the whole response object (owned by the
 * caller). Errors: {"ok":false} gives -errno from its "errno" field (EIO if
 * absent) with "agent: OP: <error>"; -ETIMEDOUT at the deadline;
 * -ECONNRESET when the channel closed; -EPROTO for a line that is not a
 * JSON object (after {"ok":false} c->refused is set, after anything else it
 * is clear); -E2BIG for a line over AGENT_LINE_MAX (the rest of it is
 * skipped, the channel stays usable); -ECANCELED and -ECHILD from the
 * watch. Responses to earlier requests (other ids) are skipped. */
int agent_call(struct agent_chan *c, const char *op, json_object *params,
               json_object **ret_result, const struct deadline *d, const struct wait_watch *w,
               struct tdxh_err *e);

/* Called after each unanswered hello; a negative return ends the wait with
 * that error (the boot uses it to notice a guest panic on the console). */
typedef int (*agent_retry_fn)(void *userdata, struct tdxh_err *e);

/* Sends hello every try_ms until the agent answers one of them or d
 * passes (-ETIMEDOUT). *ret_hello (optional) is the answer. on_retry may
 * be NULL. */
int agent_wait_hello(struct agent_chan *c, uint64_t try_ms, const struct deadline *d,
                     const struct wait_watch *w, agent_retry_fn on_retry, void *userdata,
                     json_object **ret_hello, struct tdxh_err *e);

void agent_chan_close(struct agent_chan *c);
#define _cleanup_agent_chan_ __attribute__((cleanup(agent_chan_close)))
