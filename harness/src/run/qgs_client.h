/* The host side of a quote generation service, as QEMU's tdx-guest object
 * talks to it over its quote-generation-socket (fakes/fake_qgs.h has the
 * framing and its sources): one GET_QUOTE_REQ per connection, one
 * GET_QUOTE_RESP back. The fake backend sends the fake TDX module's TDREPORT
 * this way to tdxh-fake-qgs, so the service is exercised exactly as QEMU
 * would exercise it on a TDX host. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "run/wait.h"

/* Connects to the unix socket path, sends report, reads the response and
 * returns its quote (*ret owned by the caller). Errors, one line each:
 * -ETIMEDOUT, -ECANCELED and -ECHILD from the deadline and the watch (the
 * service died), -ECONNRESET when it closed the connection, -EPROTO for a
 * response that is not a well-formed GET_QUOTE_RESP, -EREMOTEIO for an
 * error response (its QGS error code named). */
int qgs_get_quote(const char *path, const uint8_t *report, size_t report_len,
                  const struct deadline *d, const struct wait_watch *w, uint8_t **ret,
                  size_t *ret_len, struct tdxh_err *e);
