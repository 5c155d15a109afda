/* The fake platform's TPM: swtpm with a SHA-384 bank (TDX-REFERENCE §8.4,
 * §12). swtpm_setup manufactures a fresh TPM 2.0 state in a per-run
 * directory (--pcr-banks sha256,sha384, an EK, overwriting anything there);
 * then `swtpm socket` runs in the foreground (no --daemon, so tdxh owns its
 * pid and its process group) with the state given as an absolute path and
 * only a control socket: QEMU's tpm emulator backend connects there and
 * hands swtpm the data channel itself (CMD_SET_DATAFD). Ready means the
 * control socket accepts a connection, checked while watching that swtpm
 * is still alive. Given ek_dir, swtpm_setup also certifies the EK with a
 * per-run CA (swtpm_ek.h), so that the host knows the EK's public key. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "core/strv.h"
#include "run/child.h"
#include "run/signals.h"

#define SWTPM_DEFAULT_BANKS "sha256,sha384"

struct swtpm_opts {
        const char *swtpm;          /* binary; NULL: "swtpm" from $PATH */
        const char *swtpm_setup;    /* binary; NULL: "swtpm_setup" from $PATH */
        const char *state_dir;      /* absolute; created 0700 if missing */
        const char *ctrl_socket;    /* absolute, at most 107 bytes */
        const char *log_path;       /* swtpm's own log (--log file=) */
        const char *output_path;    /* swtpm_setup's output and swtpm's stdout and
                                     * stderr (messages before its log is open) */
        const char *pcr_banks;      /* NULL: SWTPM_DEFAULT_BANKS */
        bool keep_state;            /* a state already manufactured in state_dir is
                                     * used as it is (no swtpm_setup): the same TPM
                                     * across the boots of one scenario */
        uint64_t setup_timeout_ms;  /* 0: 30 s */
        uint64_t ready_timeout_ms;  /* 0: 10 s */
        /* The EK, known to the host (swtpm_ek.h): where its certificates and
         * ek.pem go (the run directory's tpm/), and a private directory
         * (absolute, no whitespace) for the per-run CA that certifies it and
         * swtpm_setup's configuration. Both or neither; NULL: no EK
         * certificate, ek_pem stays NULL. */
        const char *ek_dir;
        const char *ca_dir;
};

struct swtpm {
        struct child proc;
        int output_fd;          /* output_path, opened for appending */
        struct strv setup_argv; /* as run, for host facts */
        struct strv argv;
        uint64_t setup_ms;      /* swtpm_setup wall time */
        uint64_t ready_ms;      /* spawn of swtpm to its control socket accepting */
        uint64_t ek_ms;         /* the per-run CA made and the EK certificate checked */
        char *ek_pem;           /* the EK public key (PEM, malloc'd) with ek_dir */
};
#define SWTPM_INIT { .proc = CHILD_INIT, .output_fd = -1 }

/* Both command lines, without running anything (for tests and dry runs).
 * The state and socket paths must be absolute: swtpm resolves them after
 * changing directory in some modes (§12). -EINVAL otherwise. */
int swtpm_argv_build(const struct swtpm_opts *o, struct strv *ret_setup, struct strv *ret_run,
                     struct tdxh_err *e);

/* Manufactures the state, starts swtpm and waits until it is ready. On
 * failure nothing is left running; the message says which step failed and
 * ends with the tool's last output line. -ECANCELED on a signal.
 * While swtpm_setup runs the process is a child subreaper, so that the
 * swtpm swtpm_setup forks away is reaped as soon as it exits (swtpm_setup
 * waits for that, up to half a second); the setting is restored after. */
int swtpm_start(struct swtpm *t, const struct swtpm_opts *o, struct signal_watch *sw,
                struct tdxh_err *e);

/* SIGTERM (swtpm saves its state and exits), then SIGKILL; reaped. */
int swtpm_stop(struct swtpm *t, struct tdxh_err *e);

/* Kills and reaps a running swtpm and frees the argv lists. */
void swtpm_done(struct swtpm *t);
#define _cleanup_swtpm_ __attribute__((cleanup(swtpm_done)))
