/* Shared between boot.c (the steps) and boot_failure.c (what a failure
 * means and how it is told). Not part of the run layer's interface. */
#pragma once

#include "run/boot.h"
#include "run/wait.h"

/* Records the failure class, stops every child at once (TERM, then KILL),
 * closes the channel, removes the runtime directory; returns r. */
int boot_fail(struct boot_session *s, enum boot_failure f, int r, struct tdxh_err *e);

/* swtpm exited: with status 0 it was told to by QEMU (CMD_SHUTDOWN on
 * QEMU's way out), so QEMU's own exit is what to report. True when swtpm
 * exited 0 and QEMU then exited within a few seconds. */
bool boot_qemu_followed_swtpm(struct boot_session *s);

/* A wait during the boot ended with r (-ECHILD with dead set, -ETIMEDOUT,
 * -ECANCELED, other): classify, write the one-line reason, fail. */
int boot_wait_failed(struct boot_session *s, int r, struct child *dead, const char *what,
                     struct tdxh_err *e);

/* The hello wait ended with r; inner holds the channel's message. */
int boot_agent_failed(struct boot_session *s, int r, const struct wait_watch *w,
                      const struct tdxh_err *inner, struct tdxh_err *e);

/* The serial console shows a kernel panic: its line in line. */
bool boot_console_panic(const struct boot_session *s, char *line, size_t len);

/* With host evidence: 1 when the guest has stopped by itself (QEMU paused
 * on its poweroff or reset, or a kernel panic on the console, after which
 * QEMU is paused), s->stopped_how set; 0 while it runs. */
int boot_host_check_stopped(struct boot_session *s, struct tdxh_err *e);

/* Fails with BOOT_FAIL_PANIC when the serial console shows a kernel panic;
 * otherwise 0. */
int boot_check_console(struct boot_session *s, struct tdxh_err *e);

/* QEMU exited by itself: 0 for a clean guest poweroff, else the failure. */
int boot_qemu_exited(struct boot_session *s, struct tdxh_err *e);

/* QEMU is up when its agent socket accepts (it has made its chardevs):
 * connects within d while watching w, keeps the channel's fd, records the
 * time since s->qemu_started_ns; on failure fails the session (what: the
 * wait, for the message). */
int boot_agent_socket_connect(struct boot_session *s, const struct deadline *d,
                              const struct wait_watch *w, const char *what, struct tdxh_err *e);

/* The libvirt backend's part of a boot (boot_libvirt.c). */
/* The domain XML of the prepared platform, kept in s->domain_xml and
 * written to RUNDIR/domain.xml. */
int boot_domain_xml(struct boot_session *s, struct tdxh_err *e);
/* Starts the domain, records what libvirt ran, and connects to the agent's
 * socket (the deadline d); on failure the session is failed as any boot
 * step fails it. */
int boot_domain_start(struct boot_session *s, const struct deadline *d, struct tdxh_err *e);
/* Waits up to grace_ms for the domain to go away by itself (the guest
 * powered off), then destroys it. */
void boot_domain_stop(struct boot_session *s, uint64_t grace_ms);
/* Is the domain still running? */
bool boot_domain_running(struct boot_session *s);
/* Destroys the domain at once, if there is one. */
void boot_domain_destroy(struct boot_session *s);
/* The agent's channel closed during the boot: the domain stopped (or the
 * channel failed while it runs); fails the session with the reason. */
int boot_domain_gone(struct boot_session *s, const char *what, const struct tdxh_err *inner,
                     struct tdxh_err *e);
/* o.domain = {"name", "stopped_by"} for the session summary. */
int boot_domain_summary(const struct boot_session *s, json_object *o);
