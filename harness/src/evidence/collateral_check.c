/* The collateral checks of a quote: the TCB signing chain, the TCB Info and
 * QE Identity documents (signature, kind, freshness, match with the PCK
 * certificate and the QE report), and the resulting TCB status against the
 * statuses the user accepts; see collateral.h. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/hex.h"
#include "evidence/collateral.h"

#define CHECK_TCB_SIGNING_CHAIN "tcb-signing-chain"
#define CHECK_TCB_SIGNING_CRL "tcb-signing-crl"

/* Appends "; " and a formatted problem to why. */
static int problem(struct buf *why, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int problem(struct buf *why, const char *fmt, ...)
{
        va_list ap;
        int r;

        if (why->len) {
                r = buf_puts(why, "; ");
                if (r < 0)
                        return r;
        }
        va_start(ap, fmt);
        r = buf_vprintf(why, fmt, ap);
        va_end(ap);
        return r;
}

static void format_time(time_t t, char out[32])
{
        struct tm tm;

        if (gmtime_r(&t, &tm))
                strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
        else
                snprintf(out, 32, "@%lld", (long long)t);
}

/* Signature and validity window of a document. */
static int common_problems(const struct collateral *c, bool signature_ok, time_t issued,
                           time_t next_update, struct buf *why)
{
        time_t now = c->time_mode == VERIFY_TIME_AT ? c->at : time(NULL);
        char when[32];
        int r = 0;

        if (!signature_ok)
                r = problem(why, "signature does not verify with the TCB signing certificate");
        if (r >= 0 && c->time_mode != VERIFY_TIME_IGNORE && now > next_update) {
                format_time(next_update, when);
                r = problem(why, "expired (nextUpdate %s)", when);
        }
        if (r >= 0 && c->time_mode != VERIFY_TIME_IGNORE && now < issued) {
                format_time(issued, when);
                r = problem(why, "not yet issued (issueDate %s)", when);
        }
        return r;
}

static int check_tcb_info(const struct collateral *c, const struct sgx_pck_ext *pck,
                          struct verify_result *res, bool *ret_ok)
{
        const struct tcb_info *t = c->tcb;
        _cleanup_buf_ struct buf why = BUF_INIT;
        char fmspc[13], theirs[13], next[32];
        int r;

        hex_encode(t->fmspc, 6, fmspc);
        r = common_problems(c, t->signature_ok, t->issue_date, t->next_update, &why);
        if (r >= 0 && (strcmp(t->id, "TDX") != 0 || t->version != 3))
                r = problem(&why, "TCB Info %s v%d is not TDX v3", t->id, t->version);
        if (r >= 0 && !pck)
                r = problem(&why, "the PCK certificate has no readable SGX extension");
        if (r >= 0 && pck && memcmp(pck->fmspc, t->fmspc, 6) != 0) {
                hex_encode(pck->fmspc, 6, theirs);
                r = problem(&why, "FMSPC %s, the PCK certificate's is %s", fmspc, theirs);
        }
        if (r >= 0 && pck && memcmp(pck->pceid, t->pceid, 2) != 0)
                r = problem(&why, "PCEID differs from the PCK certificate's");
        if (r < 0)
                return r;
        *ret_ok = why.len == 0;
        format_time(t->next_update, next);
        if (why.len)
                return verify_add(res, VERIFY_TCB_INFO, false, "%s", why.data);
        return verify_add(res, VERIFY_TCB_INFO, true,
                          "TDX TCB Info v3 for FMSPC %s, signature valid, next update %s",
                          fmspc, next);
}

static int check_qe_identity(const struct collateral *c, const struct quote *q,
                             struct verify_result *res, const char **ret_status)
{
        const struct qe_identity *id = c->qe;
        _cleanup_buf_ struct buf why = BUF_INIT;
        struct qe_report_fields f;
        const char *status;
        uint8_t misc[4];
        int r;

        quote_qe_report_fields(q, &f);
        memcpy(misc, q->qe_report + 16, 4);
        r = common_problems(c, id->signature_ok, id->issue_date, id->next_update, &why);
        if (r >= 0 && (strcmp(id->id, "TD_QE") != 0 || id->version != 2))
                r = problem(&why, "identity %s v%d is not TD_QE v2", id->id, id->version);
        if (r >= 0 && memcmp(id->mrsigner, f.mrsigner, 32) != 0)
                r = problem(&why, "QE MRSIGNER differs");
        if (r >= 0 && id->isvprodid != f.isvprodid)
                r = problem(&why, "QE ISVPRODID %u, expected %u", f.isvprodid, id->isvprodid);
        if (r >= 0) {
                bool misc_ok = true, attr_ok = true;

                for (int i = 0; i < 4; i++)
                        misc_ok &= (misc[i] & id->miscselect_mask[i]) == id->miscselect[i];
                for (int i = 0; i < 16; i++)
                        attr_ok &= (f.attributes[i] & id->attributes_mask[i]) ==
                                   id->attributes[i];
                if (!misc_ok)
                        r = problem(&why, "QE MISCSELECT differs under the mask");
                if (r >= 0 && !attr_ok)
                        r = problem(&why, "QE ATTRIBUTES differ under the mask");
        }
        if (r < 0)
                return r;
        status = isv_level_status(id->levels, id->n_levels, f.isvsvn);
        *ret_status = why.len ? NULL : status;
        if (why.len)
                return verify_add(res, VERIFY_QE_IDENTITY, false, "%s", why.data);
        return verify_add(res, VERIFY_QE_IDENTITY, true,
                          "the QE report matches TD_QE identity; QE isvsvn %u: %s", f.isvsvn,
                          status);
}

/* True when status is one of the comma-separated accepted statuses. */
static bool accepted(const char *list, const char *status)
{
        size_t n = strlen(status);

        for (const char *p = list; *p;) {
                const char *end = strchr(p, ',');
                size_t len = end ? (size_t)(end - p) : strlen(p);

                if (len == n && strncmp(p, status, n) == 0)
                        return true;
                if (!end)
                        break;
                p = end + 1;
        }
        return false;
}

int collateral_check(const struct collateral *c, const struct quote *q, X509 *leaf,
                     struct verify_result *res)
{
        struct sgx_pck_ext pck;
        struct tdxh_err err = { 0 };
        const char *qe_status = NULL;
        bool chain_ok = false, tcb_ok = false, have_pck;
        char status[TCB_STATUS_LEN], why[512];
        int r;

        r = chain_verify(c->trust, c->chain, CHECK_TCB_SIGNING_CHAIN, false,
                         CHECK_TCB_SIGNING_CRL, res, &chain_ok);
        if (r < 0)
                return r;
        r = sgx_pck_ext_parse(leaf, &pck, &err);
        if (r == -ENOMEM)
                return r;
        have_pck = r >= 0;
        if (c->qe) {
                r = check_qe_identity(c, q, res, &qe_status);
                if (r < 0)
                        return r;
        }
        if (!c->tcb)
                return 0;
        r = check_tcb_info(c, have_pck ? &pck : NULL, res, &tcb_ok);
        if (r < 0)
                return r;
        if (!tcb_ok || !chain_ok || (c->qe && !qe_status))
                return verify_add(res, VERIFY_TCB_STATUS, false,
                                  "not computed: the collateral did not verify");
        r = tcb_status_compute(c->tcb, &pck, &q->body, qe_status, status, why, sizeof(why));
        if (r < 0)
                return r;
        return verify_add(res, VERIFY_TCB_STATUS, accepted(c->accept, status), "%s (%s)%s%s",
                          status, why, accepted(c->accept, status) ? "" : "; accepted: ",
                          accepted(c->accept, status) ? "" : c->accept);
}
