/* TCB collateral (TDX-REFERENCE §6.5 item 6): the TDX TCB Info and the TD
 * QE Identity as served by Intel PCS / PCCS (API v4), checked for their
 * signature by the TCB signing certificate, and turned into a TCB status the
 * way Intel's QVL does it. Internal to the evidence module. */
#pragma once

#include <openssl/x509.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "core/err.h"
#include "evidence/pck_chain.h"
#include "evidence/quote.h"
#include "evidence/verify.h"
#include "evidence/verify_chain.h"

#define TCB_STATUS_LEN 48

struct tcb_level {
        uint8_t sgx[16]; /* sgxtcbcomponents[i].svn */
        uint16_t pcesvn;
        uint8_t tdx[16]; /* tdxtcbcomponents[i].svn */
        char date[24];
        char status[TCB_STATUS_LEN];
        char advisories[256]; /* advisoryIDs joined with ',' (possibly cut) */
};

/* One TCB level of a QE or TDX module identity: an ISV SVN and its status. */
struct isv_level {
        uint16_t isvsvn;
        char status[TCB_STATUS_LEN];
};

struct module_identity {
        char id[16]; /* "TDX_01" */
        uint8_t mrsigner[48];
        uint8_t attributes[8], attributes_mask[8];
        struct isv_level *levels;
        size_t n_levels;
};

struct tcb_info {
        char id[8];
        int version;
        time_t issue_date, next_update;
        uint8_t fmspc[6], pceid[2];
        struct module_identity module; /* "tdxModule" (no id, no levels) */
        struct module_identity *modules;
        size_t n_modules;
        struct tcb_level *levels;
        size_t n_levels;
        bool signature_ok;
};

struct qe_identity {
        char id[16];
        int version;
        time_t issue_date, next_update;
        uint8_t miscselect[4], miscselect_mask[4];
        uint8_t attributes[16], attributes_mask[16];
        uint8_t mrsigner[32];
        uint16_t isvprodid;
        struct isv_level *levels;
        size_t n_levels;
        bool signature_ok;
};

struct collateral {
        struct tcb_info *tcb;       /* NULL when not given */
        struct qe_identity *qe;     /* NULL when not given */
        STACK_OF(X509) *chain;      /* TCB signing chain, leaf first */
        const struct chain_trust *trust;
        char accept[256];           /* accepted TCB statuses, comma-separated */
        enum verify_time_mode time_mode;
        time_t at;
};

/* Loads the files named in o (o->tcb_chain is required with either
 * document) and checks the documents' signatures against the chain's leaf.
 * Malformed files are errors (-EINVAL naming file and field). */
int collateral_load(const struct verify_opts *o, const struct chain_trust *trust,
                    struct collateral **ret, struct tdxh_err *e);
void collateral_free(struct collateral *c);

/* Appends tcb-signing-chain, tcb-info, qe-identity and tcb-status checks
 * for quote q whose PCK leaf is leaf. 0 or -ENOMEM. */
int collateral_check(const struct collateral *c, const struct quote *q, X509 *leaf,
                     struct verify_result *res);

/* The TCB status of a platform (tcb_status.c), following QVL's rules:
 * the first TCB level the PCK's SGX components and PCESVN reach, then the
 * first that the TEE_TCB_SVN also reaches (bytes 0 and 1 skipped when byte 1,
 * the module version, is non-zero), converged with the TDX module identity's
 * status and the QE's. why receives what was matched. */
int tcb_status_compute(const struct tcb_info *t, const struct sgx_pck_ext *pck,
                       const struct td_quote_body *body, const char *qe_status,
                       char status[TCB_STATUS_LEN], char *why, size_t why_size);

/* The status of the first level whose isvsvn is <= isvsvn ("TcbNotSupported"
 * when none is). */
const char *isv_level_status(const struct isv_level *levels, size_t n, uint16_t isvsvn);
