/* Offline verification of TDX quotes (TDX-REFERENCE §6.5) with OpenSSL: the
 * quote signature, the QE report binding and signature, the PCK chain up to
 * a trust anchor, optional CRLs and TCB collateral, and policy checks such
 * as the expected REPORT_DATA and the event-log binding.
 *
 * The outcome is a list of named checks, each passed or failed with a
 * one-line detail, so a person (or CI) sees every failure at once rather
 * than the first. Functions return a negative errno only for problems with
 * the inputs themselves (an unreadable trust root, a CRL that is not a CRL)
 * or for resource exhaustion; a quote that does not verify is a result,
 * not an error. */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "core/buf.h"
#include "core/err.h"
#include "evidence/quote.h"

/* Check names, stable: scripts and tests match on them. */
#define VERIFY_ATT_KEY_TYPE "att-key-type"
#define VERIFY_TEE_TYPE "tee-type"
#define VERIFY_QE_VENDOR "qe-vendor-id"
#define VERIFY_QUOTE_SIG "quote-signature"
#define VERIFY_QE_BINDING "qe-report-binding"
#define VERIFY_QE_SIG "qe-report-signature"
#define VERIFY_PCK_CHAIN "pck-chain"
#define VERIFY_DEBUG "td-debug-off"
#define VERIFY_REPORT_DATA "report-data"
#define VERIFY_CRL "crl"
#define VERIFY_TCB_INFO "tcb-info"
#define VERIFY_QE_IDENTITY "qe-identity"
#define VERIFY_TCB_STATUS "tcb-status"
/* with collateral, also "tcb-signing-chain" and (with CRLs) "tcb-signing-crl" */
#define VERIFY_EVENT_LOG "event-log-replay"

/* SHA-256 of the SubjectPublicKeyInfo of the Intel SGX Root CA
 * ("CN=Intel SGX Root CA, O=Intel Corporation, L=Santa Clara, ST=CA, C=US",
 * valid 2018-05-21 to 2049-12-31), the default trust anchor. */
extern const uint8_t verify_intel_root_spki_sha256[32];

struct verify_check {
        char *name;
        bool passed;
        char *detail; /* one line, never NULL */
};

struct verify_result {
        struct verify_check *checks;
        size_t n_checks;
        size_t cap;
};
#define VERIFY_RESULT_INIT { 0 }

/* Appends a check. 0 or -ENOMEM. */
int verify_add(struct verify_result *r, const char *name, bool passed, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));
/* True when there is at least one check and every check passed. */
bool verify_passed(const struct verify_result *r);
/* The check of that name, or NULL. */
const struct verify_check *verify_find(const struct verify_result *r, const char *name);
/* For people: "PASS name: detail" / "FAIL name: detail" lines, then
 * "verdict: pass|fail". */
int verify_result_format(const struct verify_result *r, struct buf *out);
/* {"verdict": "pass"|"fail", "checks": [{"name", "status", "detail"}]} */
int verify_result_to_json(const struct verify_result *r, json_object **ret);
void verify_result_free(struct verify_result *r);
#define _cleanup_verify_result_ __attribute__((cleanup(verify_result_free)))

enum verify_time_mode {
        VERIFY_TIME_NOW,    /* validity periods checked at the current time */
        VERIFY_TIME_AT,     /* ... at verify_opts.at (e.g. when the quote was taken) */
        VERIFY_TIME_IGNORE, /* not checked (said in the pck-chain detail) */
};

struct verify_opts {
        const uint8_t *report_data; /* expected REPORT_DATA, 64 bytes, or NULL */
        const char *trust_root;     /* PEM file of trusted roots; NULL: the pinned Intel root */
        const char *const *crls;    /* CRL files (PEM or DER) */
        size_t n_crls;
        enum verify_time_mode time_mode;
        time_t at;
        bool allow_debug;           /* do not fail a TD whose DEBUG attribute is set */
        /* TCB collateral (all optional): TDX TCB Info and TD QE Identity JSON as
         * served by Intel PCS / PCCS, and the PEM chain of the TCB signing
         * certificate that signed them (leaf first, root last). */
        const char *tcb_info;
        const char *qe_identity;
        const char *tcb_chain;
        /* TCB statuses that pass tcb-status, comma-separated; NULL: "UpToDate" */
        const char *accept_tcb;
};

/* Everything loaded once from the options: trust anchors, CRLs, collateral.
 * A context may verify any number of quotes. */
struct verify_ctx;

int verify_ctx_new(const struct verify_opts *o, struct verify_ctx **ret, struct tdxh_err *e);
void verify_ctx_free(struct verify_ctx *c);
static inline void verify_ctx_freep(struct verify_ctx **c)
{
        verify_ctx_free(*c);
}
#define _cleanup_verify_ctx_ __attribute__((cleanup(verify_ctx_freep)))

/* Runs every check that applies and appends it to res. 0 or -ENOMEM. */
int verify_quote(const struct verify_ctx *c, const struct quote *q, struct verify_result *res);

/* The event-log binding: appends VERIFY_EVENT_LOG, passed when every RTMR i
 * with bit i set in rtmr_mask equals replayed[i], the registers obtained by
 * replaying the log (evlog_replay()). Whether the log deserves trust follows
 * from the quote's own checks. 0 or -ENOMEM. */
int verify_bind_event_log(struct verify_result *res, const struct quote *q,
                          const uint8_t replayed[4][48], unsigned rtmr_mask);
