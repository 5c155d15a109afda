/* Booting an image on the fake platform: swtpm, then QEMU, then the guest
 * agent's hello, and the way back down. The result is a live session: QEMU
 * running, the agent channel open and answering, everything recorded (host
 * facts, command lines, timings) for the run's report.
 *
 * Lifecycle:
 *
 *   boot_session_new(&platform, &opts, &s, &e)   run directory made, nothing
 *                                               running; takes the platform
 *   fake_boot_start(s, &sw, &e)                  swtpm ready → QEMU up (its
 *                                               agent socket accepts) → the
 *                                               agent answered hello
 *   ... agent_call(&s->agent, ...) ...           the session is live
 *   fake_boot_stop(s, &e)                        agent poweroff → QEMU exits
 *                                               (deadline) → TERM → KILL;
 *                                               swtpm TERM → KILL; runtime
 *                                               directory removed
 *   boot_session_free(s)                         kills and reaps whatever
 *                                               still runs, removes the
 *                                               runtime directory; the run
 *                                               directory stays
 *
 * With opts.libvirt_uri the same boot goes through libvirt (the libvirt
 * backend with the fake platform): swtpm, the fake TDX module's files and
 * the agent channel are tdxh's as above, but QEMU is a transient domain
 * started from the platform's domain XML (libvirt_xml.h, the TPM as
 * libvirt's external backend on swtpm's socket) instead of a child, and the
 * stop path waits for the domain to go away after the poweroff request,
 * then destroys it. The domain is destroyed on every path a QEMU child
 * would be killed on. What libvirt ran is recorded in the run directory:
 * domain.xml (as written), domain-defined.xml (as libvirt defined it) and
 * the facts' "libvirt" object (URI, libvirt's and QEMU's versions, the
 * domain's name, QEMU's command line as libvirt generates it).
 *
 * For a guest without the agent (opts.wait_agent false) fake_boot_start()
 * returns once QEMU is up, and fake_boot_wait_exit() waits for the guest to
 * power off by itself.
 *
 * Host evidence (opts.host_evidence): QEMU also serves QMP and pauses when
 * the guest powers off or resets, so that the host can read what a guest
 * without the agent measured:
 *
 *   fake_boot_start(s, &sw, &e)                  with agent_optional, -ENOMSG
 *                                               and s->no_agent when the
 *                                               guest stopped before any
 *                                               hello; or without
 *                                               wait_agent, then
 *   fake_boot_wait_stopped(s, &d, &e)            the guest stopped (or was
 *                                               paused at the deadline)
 *   fake_boot_read_memory(s, addr, buf, n, &e)   its physical memory
 *   fake_boot_read_pcrs(s, mask, pcrs, &e)       QEMU killed, the PCRs read
 *                                               from swtpm
 *   fake_boot_stop(s, &e)                        as above
 *
 * When a step fails, every child has already been stopped and reaped and
 * the runtime directory removed when the function returns; s->failure says
 * what failed and the error message is one line: QEMU's last stderr line
 * when it would not start, the panic line from the serial console, which
 * child died and how, or which deadline passed. A SIGINT/SIGTERM (through
 * the signal watch) ends any wait with -ECANCELED and the same cleanup.
 * Every such failure is an infrastructure failure: the command exits with
 * boot_exit_code(), 3, except bad platform input (2). */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/cleanup.h"
#include "core/err.h"
#include "core/strv.h"
#include "run/agent_chan.h"
#include "run/child.h"
#include "fakes/fake_tdx.h"
#include "run/platform.h"
#include "run/qmp.h"
#include "run/rundir.h"
#include "run/signals.h"
#include "run/swtpm.h"

struct libvirt_domain;

enum boot_phase {
        BOOT_PHASE_SWTPM_READY,  /* swtpm's control socket accepts */
        BOOT_PHASE_QEMU_STARTED, /* QEMU runs and its agent socket accepts */
        BOOT_PHASE_AGENT_READY,  /* the agent answered hello */
};

enum boot_failure {
        BOOT_FAIL_NONE = 0,
        BOOT_FAIL_SETUP,   /* platform, run directory or inputs (before any child) */
        BOOT_FAIL_SWTPM,   /* swtpm missing, would not start, or died during the boot */
        BOOT_FAIL_QEMU,    /* QEMU missing, would not start, or exited early */
        BOOT_FAIL_PANIC,   /* the guest kernel panicked (serial console) */
        BOOT_FAIL_TIMEOUT, /* a deadline passed (the agent did not answer) */
        BOOT_FAIL_AGENT,   /* the agent channel failed */
        BOOT_FAIL_SIGNAL,  /* interrupted by SIGINT/SIGTERM/SIGHUP */
        BOOT_FAIL_LIBVIRT, /* libvirt refused the connection or the domain */
};

struct fake_boot_opts {
        const char *out_dir;       /* run directory; NULL: a new one under $TMPDIR */
        const char *swtpm;         /* NULL: "swtpm" from $PATH */
        const char *swtpm_setup;   /* NULL: "swtpm_setup" from $PATH */
        /* The TPM's state directory (absolute, private): manufactured on the
         * first boot and kept for the next ones, so that a reboot keeps the
         * TPM's seeds (a scenario seals, reboots, unseals). The caller
         * removes it. NULL: a fresh TPM in the runtime directory. */
        const char *tpm_state_dir;
        /* Integration point with measure/: computes the MRTD the fake TDX
         * module hands to the guest. NULL: no opt/tdxh/mrtd file. */
        fake_tdx_mrtd_fn mrtd_fn;
        bool wait_agent;           /* wait for the agent's hello */
        bool host_evidence;        /* QMP, and a pause instead of an exit (see above) */
        /* With wait_agent and host_evidence: a guest that stops (powers
         * off, resets, panics) before any hello has no agent; the start
         * returns -ENOMSG with s->no_agent set and nothing failed. */
        bool agent_optional;
        uint64_t boot_timeout_ms;  /* QEMU start to hello; 0: 180 s */
        uint64_t hello_try_ms;     /* hello resent this often; 0: 2 s */
        /* The libvirt backend (see above): the URI to start the domain
         * through, and the domain's name, to which the runtime directory's
         * unique suffix is appended (NULL: "tdxh"). NULL URI: QEMU is a
         * child. */
        const char *libvirt_uri;
        const char *domain_name;
        /* Progress; may be NULL. Called in the caller's process. */
        void (*on_phase)(enum boot_phase phase, void *userdata);
        void *userdata;
};

/* Milliseconds; 0 when the step did not happen. */
struct boot_timings {
        uint64_t facts_ms;       /* host facts: versions and hashes */
        uint64_t swtpm_setup_ms; /* swtpm_setup */
        uint64_t swtpm_ready_ms; /* swtpm spawn to its socket accepting */
        uint64_t qemu_ready_ms;  /* QEMU spawn to its agent socket accepting */
        uint64_t agent_ready_ms; /* QEMU spawn to the agent's hello */
        uint64_t guest_ran_ms;   /* QEMU spawn to QEMU exit (when it exited) */
        uint64_t poweroff_ms;    /* stop: poweroff request to QEMU's exit */
        uint64_t stop_ms;        /* stop: the whole path, swtpm included */
};

struct boot_session {
        struct platform platform; /* with the run's sockets, logs and fw_cfg */
        struct fake_boot_opts opts;
        struct rundir dir;
        struct swtpm tpm;
        struct child qemu;
        struct strv qemu_argv;
        struct agent_chan agent;
        struct qmp qmp;         /* with host_evidence */
        bool no_agent;          /* the guest stopped before any hello */
        char *stopped_how;      /* how the guest stopped, for the report */
        json_object *facts;     /* host facts incl. argv lists (host_facts.h) */
        json_object *hello;     /* the agent's hello answer, when live */
        struct libvirt_domain *domain; /* the running domain (libvirt_uri), else NULL */
        char *domain_xml;       /* the domain XML as written (libvirt_uri) */
        const char *domain_stopped_by; /* "poweroff" or "destroy" once stopped */
        struct signal_watch *sig; /* borrowed from fake_boot_start() */
        char *qemu_log;         /* QEMU's stdout and stderr (run directory) */
        uint64_t qemu_started_ns;
        struct boot_timings timings;
        enum boot_failure failure;
        bool live;              /* started and not stopped */
};

/* Creates the session and its run directory. Takes over the contents of p
 * (left empty); copies opts (its strings must outlive the session). */
int boot_session_new(struct platform *p, const struct fake_boot_opts *opts,
                     struct boot_session **ret, struct tdxh_err *e);

/* Boots; see the lifecycle above. sw may be NULL (no signal handling). */
int fake_boot_start(struct boot_session *s, struct signal_watch *sw, struct tdxh_err *e);

/* For guests without the agent: waits until QEMU exits by itself, then
 * stops swtpm. 0 when the guest powered off cleanly; a panic, a non-zero
 * QEMU exit, swtpm's death, the deadline or a signal fail as above. */
int fake_boot_wait_exit(struct boot_session *s, const struct deadline *d, struct tdxh_err *e);

/* Host evidence; see the lifecycle above. Waits until the guest powers off
 * or resets (QEMU pauses) or its kernel panics (QEMU is paused); at the
 * deadline the running guest is paused. s->stopped_how says which. QEMU's
 * or swtpm's death and signals fail as above. */
int fake_boot_wait_stopped(struct boot_session *s, const struct deadline *d, struct tdxh_err *e);

/* len bytes of the paused guest's physical memory at addr (QMP pmemsave
 * into the runtime directory, read back, removed). */
int fake_boot_read_memory(struct boot_session *s, uint64_t addr, void *buf, size_t len,
                          struct tdxh_err *e);

/* RAM from address 0 up: all of it below 4 GiB on q35 unless it reaches
 * 0xb0000000, then 2 GiB ([Q] hw/i386/pc_q35.c, pc_q35_init, lowmem). */
uint64_t fake_boot_low_ram(const struct boot_session *s);

/* Ends QEMU with SIGKILL, so that it sends swtpm no CMD_SHUTDOWN, and reads
 * the SHA-384 value of each PCR in mask from swtpm (run/swtpm_pcr.h). */
int fake_boot_read_pcrs(struct boot_session *s, uint32_t mask, uint8_t ret[][SHA384_LEN],
                        struct tdxh_err *e);

/* The stop path; see the lifecycle above. After a signal (the session's
 * watch saw one) the poweroff request is skipped and QEMU gets SIGTERM at
 * once. Not interruptible (it is what runs after a signal) but bounded: about a minute when nothing cooperates
 * (poweroff request 10 s, guest poweroff 30 s, then 5 s after SIGTERM and
 * 5 s after SIGKILL for QEMU and again for swtpm); a fraction of a second
 * normally. 0 when everything was reaped. */
int fake_boot_stop(struct boot_session *s, struct tdxh_err *e);

/* Kills and reaps anything still running, closes the channel, removes the
 * runtime directory, frees. NULL is fine. */
void boot_session_free(struct boot_session *s);
DEFINE_POINTER_CLEANUP(struct boot_session *, boot_session_free)
#define _cleanup_boot_session_ __attribute__((cleanup(boot_session_freep)))

/* Exit code for the result r of a boot function on s. */
int boot_exit_code(const struct boot_session *s, int r);

const char *boot_failure_name(enum boot_failure f);

/* {"failure": name or null, "run_dir", "timings_ms": {...},
 *  "qemu": {"status"}, "swtpm": {"status"}} for the report. */
int boot_session_summary(const struct boot_session *s, json_object **ret);
