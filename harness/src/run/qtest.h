/* A client of QEMU's qtest protocol: QEMU started with a qtest chardev
 * listening on a unix socket and -S, so that no guest instruction runs, and
 * driven one text command at a time ("outl PORT VALUE", "b64read ADDR
 * SIZE"...; QEMU docs/devel/qtest.rst). Every exchange is bounded by the
 * session's deadline and watches QEMU itself, so a QEMU that dies or hangs
 * ends the session with its last stderr line rather than a wait. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/strv.h"
#include "run/child.h"
#include "run/deadline.h"
#include "run/signals.h"

struct qtest {
        struct child proc;
        int fd;
        struct buf in;          /* bytes received after the last full line */
        struct deadline d;
        struct signal_watch *sig;
        char *stderr_path;      /* QEMU's stderr, for messages */
};
#define QTEST_INIT { .proc = CHILD_INIT, .fd = -1, .in = BUF_INIT }

/* Starts argv (a QEMU command line without -qtest, which is added here:
 * -qtest unix:SOCKET,server=on,wait=off -qtest-log none -S) and connects.
 * QEMU's stderr goes to stderr_path. On failure nothing is left running. */
int qtest_start(struct qtest *q, const struct strv *argv, const char *socket_path,
                const char *stderr_path, struct deadline d, struct signal_watch *sig,
                struct tdxh_err *e);

/* Port I/O: "outb/outw/outl PORT VALUE", "inb/inw/inl PORT". */
int qtest_out(struct qtest *q, unsigned width, uint16_t port, uint32_t value, struct tdxh_err *e);
int qtest_in(struct qtest *q, unsigned width, uint16_t port, uint32_t *ret, struct tdxh_err *e);

/* Guest memory through base64 ("b64write", "b64read"): one line each way,
 * much faster than byte-wise commands for blobs of 100 KiB. */
int qtest_mem_write(struct qtest *q, uint64_t addr, const void *data, size_t len,
                    struct tdxh_err *e);
int qtest_mem_read(struct qtest *q, uint64_t addr, void *out, size_t len, struct tdxh_err *e);

/* Kills and reaps QEMU, closes the socket. Safe on QTEST_INIT. */
void qtest_done(struct qtest *q);
#define _cleanup_qtest_ __attribute__((cleanup(qtest_done)))
