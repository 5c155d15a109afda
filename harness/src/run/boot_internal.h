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
