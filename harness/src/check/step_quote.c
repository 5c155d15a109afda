/* The quote step and the quote path of the fake backend.
 *
 * On TDX the guest asks the TDX module for a TDREPORT and QEMU relays it to
 * the quote generation service. The fake backend does what those would do,
 * from evidence only: the registers are the ones the guest's vTPM quote
 * proves (step_attest.c: AK bound to this run's EK, TPM2_Quote verified, the
 * event log replayed to the quoted PCRs and folded into RTMRs), MRTD is the
 * fake TDX module's own computation from the firmware this boot used; the
 * fake TDX module turns them into a TDREPORT and tdxh-fake-qgs, reached over
 * its socket exactly as QEMU reaches a QGS, signs the quote. The quote is
 * then verified like any other: signature and chain against this run's fake
 * root (RUNDIR/fake-root.pem), the report data asked for, the registers
 * proven; and it must fail against Intel's root, or something is badly
 * wrong. */
#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check/scenario_internal.h"
#include "core/cleanup.h"
#include "core/file.h"
#include "core/hex.h"
#include "evidence/quote.h"
#include "evidence/verify.h"
#include "fakes/fake_pki.h"
#include "fakes/fake_tdx.h"
#include "measure/mrtd.h"
#include "run/qgs_client.h"
#include "run/unix_sock.h"

#define QGS_START_MS 10000
#define QGS_CALL_MS 30000
#define QGS_STOP_MS 2000

static const char *const reg_names[5] = { "mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3" };

/* The running tdxh's path, also after a rebuild replaced the file (the
 * kernel then shows the link as "PATH (deleted)"). */
static char *self_path(void)
{
        char buf[4096];
        ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);
        const char *del = " (deleted)";
        size_t dl = strlen(del);

        if (n <= 0)
                return NULL;
        buf[n] = '\0';
        if ((size_t)n > dl && strcmp(buf + n - dl, del) == 0)
                buf[n - dl] = '\0';
        return strdup(buf);
}

/* tdxh-fake-qgs: the option, $TDXH_FAKE_QGS, beside a build tree's tdxh
 * (BUILD/harness/tdxh → BUILD/fakes/), beside an installed one
 * (PREFIX/bin/tdxh → PREFIX/libexec/tdxh/), then $PATH. */
static int find_fake_qgs(const struct srun *R, char **ret)
{
        static const char *const rel[] = { "../fakes/tdxh-fake-qgs", "../libexec/tdxh/tdxh-fake-qgs" };
        _cleanup_free_ char *self = self_path();
        const char *env = getenv("TDXH_FAKE_QGS");
        char *slash;

        if (R->o->fake_qgs)
                return (*ret = strdup(R->o->fake_qgs)) ? 0 : -ENOMEM;
        if (env && *env)
                return (*ret = strdup(env)) ? 0 : -ENOMEM;
        slash = self ? strrchr(self, '/') : NULL;
        for (size_t i = 0; slash && i < sizeof(rel) / sizeof(rel[0]); i++) {
                char *p = NULL;

                *slash = '\0';
                if (asprintf(&p, "%s/%s", self, rel[i]) < 0)
                        return -ENOMEM;
                *slash = '/';
                if (access(p, X_OK) == 0) {
                        *ret = p;
                        return 0;
                }
                free(p);
        }
        return (*ret = strdup("tdxh-fake-qgs")) ? 0 : -ENOMEM;
}

/* The service of this scenario: its PKI made (the root, public, in the run
 * directory; the keys in the private one), then the program started and
 * its socket accepting. */
static int qgs_ensure(struct srun *R)
{
        _cleanup_fake_pki_ struct fake_pki *pki = NULL;
        _cleanup_free_ char *bin = NULL, *pki_dir = NULL, *root = NULL, *log = NULL;
        struct deadline d = deadline_in_ms(QGS_START_MS);
        struct wait_watch w = { .sig = R->sw, .children = { &R->qgs } };
        struct child *dead = NULL;
        _cleanup_close_ int fd = -1;
        int r;

        if (child_running(&R->qgs))
                return 0;
        if (R->qgs.pid > 0) {
                char status[96];

                child_describe(&R->qgs, status, sizeof(status));
                return err_setf(R->e, -ECHILD, "tdxh-fake-qgs %s", status);
        }
        pki_dir = rundir_runtime_file(&R->scratch, "fake-pki");
        R->qgs_socket = rundir_runtime_file(&R->scratch, "qgs.sock");
        if (!pki_dir || !R->qgs_socket || asprintf(&root, "%s/" FAKE_PKI_ROOT_FILE, R->run_dir) < 0 ||
            asprintf(&log, "%s/fake-qgs.log", R->run_dir) < 0)
                return -ENOMEM;
        r = fake_pki_new(&pki, R->e);
        if (r >= 0)
                r = fake_pki_save(pki, pki_dir, R->e);
        if (r >= 0)
                r = fake_pki_write_root(pki, root, R->e);
        if (r < 0)
                return r;
        r = find_fake_qgs(R, &bin);
        if (r < 0)
                return r;
        const char *argv[] = { bin, "--socket", R->qgs_socket, "--pki", pki_dir, NULL };
        r = child_spawn(&R->qgs,
                        &(struct child_opts){ .name = "tdxh-fake-qgs", .argv = argv,
                                              .out = { .kind = CHILD_IO_FILE, .path = log },
                                              .err = { .kind = CHILD_IO_FILE, .path = log } },
                        R->e);
        if (r < 0)
                return r;
        r = unix_connect_wait(R->qgs_socket, &d, &w, &dead, &fd);
        if (r == -ECHILD) {
                char status[96];

                child_describe(&R->qgs, status, sizeof(status));
                return err_setf(R->e, r, "tdxh-fake-qgs %s before its socket accepted (see %s)",
                                status, log);
        }
        if (r < 0)
                return err_setf(R->e, r, "tdxh-fake-qgs: its socket %s did not accept: %s",
                                R->qgs_socket, strerror(-r));
        return 0;
}

void srun_stop_qgs(struct srun *R)
{
        if (child_running(&R->qgs))
                (void)child_terminate(&R->qgs, 0, QGS_STOP_MS, NULL);
        child_done(&R->qgs);
        free(R->qgs_socket);
        R->qgs_socket = NULL;
}

/* Verifies q twice: against the run's fake root with the report data asked
 * for (must pass), and against Intel's pinned root (must fail). */
static int verify_fake(struct srun *R, const struct quote *q, const uint8_t rd[64],
                       struct step_outcome *out)
{
        _cleanup_(verify_ctx_freep) struct verify_ctx *fake = NULL, *intel = NULL;
        _cleanup_verify_result_ struct verify_result res = VERIFY_RESULT_INIT, ires = VERIFY_RESULT_INIT;
        _cleanup_free_ char *root = NULL;
        const struct verify_check *chain;
        int r;

        if (asprintf(&root, "%s/" FAKE_PKI_ROOT_FILE, R->run_dir) < 0)
                return -ENOMEM;
        r = verify_ctx_new(&(struct verify_opts){ .trust_root = root, .report_data = rd }, &fake, R->e);
        if (r >= 0)
                r = verify_ctx_new(&(struct verify_opts){ 0 }, &intel, R->e);
        if (r >= 0)
                r = verify_quote(fake, q, &res);
        if (r >= 0)
                r = verify_quote(intel, q, &ires);
        if (r < 0)
                return r == -ENOMEM ? r : step_outcome_set(out, OUT_ERROR, "%s", R->e->msg);
        for (size_t i = 0; i < res.n_checks; i++)
                if (!res.checks[i].passed)
                        return step_outcome_set(out, OUT_REFUSED, "the quote does not verify: %s: %s",
                                                res.checks[i].name, res.checks[i].detail);
        if (!res.n_checks)
                return step_outcome_set(out, OUT_REFUSED, "the quote does not verify");
        chain = verify_find(&ires, VERIFY_PCK_CHAIN);
        if (!chain || chain->passed)
                return step_outcome_set(out, OUT_ERROR, "a fake quote verified against Intel's root: "
                                        "the fake PKI is not what it must be");
        return 0;
}

int srun_attested_quote(struct srun *R, const uint8_t report_data[64], struct srun_quote *ret,
                        struct step_outcome *out)
{
        struct wait_watch w = { .sig = R->sw, .children = { &R->qgs } };
        struct deadline d = deadline_in_ms(QGS_CALL_MS);
        struct fake_tdx_td td = { .td_attributes = PLATFORM_DEFAULT_TD_ATTRIBUTES };
        _cleanup_free_ uint8_t *bytes = NULL;
        _cleanup_free_ char *path = NULL;
        uint8_t regs[5][SHA384_LEN], report[FAKE_TDX_REPORT_LEN], asked[64];
        struct quote q;
        size_t len = 0;
        int r;

        *ret = (struct srun_quote){ 0 };
        r = srun_verified_registers(R, regs, out);
        if (r < 0)
                return r == -ENOMEM ? r : -EIO;
        if (out->kind != OUT_PASS)
                return out->kind == OUT_REFUSED ? -EBADMSG : -EIO;
        /* MRTD: the fake TDX module's, for the firmware this boot used. */
        r = mrtd_of_file(R->in.firmware, PAGE_ADD_PER_PAGE, regs[0], R->e);
        if (r < 0) {
                step_outcome_set(out, OUT_ERROR, "%s", R->e->msg);
                return -EIO;
        }
        memcpy(td.mrtd, regs[0], SHA384_LEN);
        memcpy(td.rtmr, regs + 1, sizeof(td.rtmr));
        memcpy(asked, report_data, sizeof(asked));
        if (R->inject_wrong_report_data)
                asked[0] ^= 1; /* what a guest swapping the report data would get */
        r = fake_tdx_report(&td, asked, report, R->e);
        if (r >= 0)
                r = qgs_ensure(R);
        if (r >= 0)
                r = qgs_get_quote(R->qgs_socket, report, sizeof(report), &d, &w, &bytes, &len, R->e);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                step_outcome_set(out, OUT_ERROR, "%s", R->e->msg);
                return -EIO;
        }
        r = srun_step_file(R, "quote.dat", &path);
        if (r >= 0)
                r = file_write_atomic(path, bytes, len, 0644, R->e);
        if (r < 0) {
                step_outcome_set(out, OUT_ERROR, "%s", R->e->msg);
                return -EIO;
        }
        r = quote_parse(bytes, len, &q, R->e);
        if (r < 0) {
                step_outcome_set(out, OUT_REFUSED, "the quote service answered something that is not "
                                 "a quote: %s", R->e->msg);
                return -EBADMSG;
        }
        r = verify_fake(R, &q, report_data, out);
        if (r < 0)
                return r;
        if (out->kind != OUT_PASS)
                return out->kind == OUT_REFUSED ? -EBADMSG : -EIO;
        for (int i = 0; i < 5; i++) {
                const uint8_t *v = i == 0 ? q.body.mr_td : q.body.rtmr[i - 1];

                if (memcmp(v, regs[i], SHA384_LEN) != 0) {
                        step_outcome_set(out, OUT_REFUSED, "the quote's %s is not the proven value",
                                         reg_names[i]);
                        return -EBADMSG;
                }
        }
        memcpy(ret->regs, regs, sizeof(ret->regs));
        memcpy(ret->report_data, report_data, sizeof(ret->report_data));
        ret->path = TAKE_PTR(path);
        return step_outcome_set(out, OUT_PASS, "a v%u quote (%zu bytes, %s) verified against the run's "
                                "fake root; report data as asked; MRTD and RTMR0-3 as the vTPM proved "
                                "them; Intel's root refuses it",
                                q.version, len, ret->path);
}

int step_quote(struct srun *R, const struct step *st, struct step_outcome *out)
{
        struct srun_quote q = { 0 };
        uint8_t rd[64];
        int r;

        if (st->quote.kind == REPORT_DATA_HEX)
                memcpy(rd, st->quote.report_data, sizeof(rd));
        else if (RAND_bytes(rd, sizeof(rd)) != 1)
                return -EIO;
        R->inject_wrong_report_data = st->quote.inject == QUOTE_INJECT_WRONG_REPORT_DATA;
        R->inject_lying_guest = st->quote.inject == QUOTE_INJECT_LYING_GUEST;
        r = srun_attested_quote(R, rd, &q, out);
        R->inject_wrong_report_data = R->inject_lying_guest = false;
        srun_quote_free(&q);
        return r == -ENOMEM ? r : 0;
}
