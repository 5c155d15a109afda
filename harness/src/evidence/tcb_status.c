/* TCB status from TDX TCB Info, following the rules of Intel's Quote
 * Verification Library (TDX-REFERENCE §6.5 item 6, §11 item 9):
 *
 *  - TCB levels are taken in the order Intel serves them (newest first). The
 *    platform's level is the first whose 16 SGX component SVNs and PCESVN the
 *    PCK certificate reaches; the TDX level is the first that, in addition,
 *    the quote's TEE_TCB_SVN reaches component by component. When
 *    TEE_TCB_SVN[1] (the TDX module's major version) is non-zero, components
 *    0 and 1 are left out: the module is judged by its identity instead.
 *  - The module identity is "TDX_%02X" of TEE_TCB_SVN[1]; its MRSIGNER and
 *    masked attributes must match MRSIGNERSEAM and SEAM_ATTRIBUTES, and its
 *    level is the first whose isvsvn TEE_TCB_SVN[0] reaches.
 *  - An out-of-date module or QE turns UpToDate / SWHardeningNeeded into
 *    OutOfDate and the Configuration statuses into
 *    OutOfDateConfigurationNeeded; Revoked anywhere wins.
 * The TD-relaunch advice QVL derives for TDX 1.5 bodies is not computed. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "evidence/collateral.h"

#define ST_UP_TO_DATE "UpToDate"
#define ST_OUT_OF_DATE "OutOfDate"
#define ST_OUT_OF_DATE_CONF "OutOfDateConfigurationNeeded"
#define ST_REVOKED "Revoked"
#define ST_NOT_SUPPORTED "TcbNotSupported"
#define ST_MODULE_MISMATCH "TdxModuleMismatch"

const char *isv_level_status(const struct isv_level *levels, size_t n, uint16_t isvsvn)
{
        for (size_t i = 0; i < n; i++)
                if (isvsvn >= levels[i].isvsvn)
                        return levels[i].status;
        return ST_NOT_SUPPORTED;
}

static bool sgx_reached(const struct tcb_level *l, const struct sgx_pck_ext *pck)
{
        for (int i = 0; i < 16; i++)
                if (pck->cpusvn[i] < l->sgx[i])
                        return false;
        return pck->pcesvn >= l->pcesvn;
}

static bool tdx_reached(const struct tcb_level *l, const uint8_t svn[16])
{
        for (int i = svn[1] > 0 ? 2 : 0; i < 16; i++)
                if (svn[i] < l->tdx[i])
                        return false;
        return true;
}

/* An out-of-date or revoked component (module, QE) lowers a level status. */
static const char *converge(const char *level, const char *component)
{
        if (strcmp(component, ST_OUT_OF_DATE) == 0) {
                if (strcmp(level, ST_UP_TO_DATE) == 0 || strcmp(level, "SWHardeningNeeded") == 0)
                        return ST_OUT_OF_DATE;
                if (strcmp(level, "ConfigurationNeeded") == 0 ||
                    strcmp(level, "ConfigurationAndSWHardeningNeeded") == 0)
                        return ST_OUT_OF_DATE_CONF;
        }
        if (strcmp(component, ST_REVOKED) == 0)
                return ST_REVOKED;
        if (strcmp(component, ST_NOT_SUPPORTED) == 0)
                return ST_NOT_SUPPORTED;
        return level;
}

static bool masked_equal(const uint8_t *value, const uint8_t *mask, const uint8_t *want,
                         size_t n)
{
        for (size_t i = 0; i < n; i++)
                if ((value[i] & mask[i]) != want[i])
                        return false;
        return true;
}

/* The module's status, or ST_MODULE_MISMATCH / ST_NOT_SUPPORTED. */
static const char *module_status(const struct tcb_info *t, const struct td_quote_body *body,
                                 char *why, size_t size)
{
        const struct module_identity *m = &t->module;
        uint8_t version = body->tee_tcb_svn[1];
        char id[16];

        if (version > 0) {
                snprintf(id, sizeof(id), "TDX_%02X", version);
                m = NULL;
                for (size_t i = 0; i < t->n_modules && !m; i++)
                        if (strcasecmp(t->modules[i].id, id) == 0)
                                m = &t->modules[i];
                if (!m) {
                        snprintf(why, size, "no TDX module identity %s", id);
                        return ST_MODULE_MISMATCH;
                }
        }
        if (memcmp(m->mrsigner, body->mrsigner_seam, 48) != 0 ||
            !masked_equal(body->seam_attributes, m->attributes_mask, m->attributes, 8)) {
                snprintf(why, size, "MRSIGNERSEAM or SEAM_ATTRIBUTES differ from module %s",
                         version ? m->id : "tdxModule");
                return ST_MODULE_MISMATCH;
        }
        if (version == 0) {
                snprintf(why, size, "module version 0");
                return ST_UP_TO_DATE;
        }
        const char *s = isv_level_status(m->levels, m->n_levels, body->tee_tcb_svn[0]);
        snprintf(why, size, "module %s isvsvn %u: %s", m->id, body->tee_tcb_svn[0], s);
        return s;
}

int tcb_status_compute(const struct tcb_info *t, const struct sgx_pck_ext *pck,
                       const struct td_quote_body *body, const char *qe_status,
                       char status[TCB_STATUS_LEN], char *why, size_t why_size)
{
        const struct tcb_level *sgx = NULL, *tdx = NULL;
        char mod_why[128];
        const char *s, *mod;

        for (size_t i = 0; i < t->n_levels && !tdx; i++) {
                if (!sgx_reached(&t->levels[i], pck))
                        continue;
                if (!sgx)
                        sgx = &t->levels[i];
                if (tdx_reached(&t->levels[i], body->tee_tcb_svn))
                        tdx = &t->levels[i];
        }
        if (!sgx || !tdx) {
                snprintf(status, TCB_STATUS_LEN, "%s", ST_NOT_SUPPORTED);
                snprintf(why, why_size, "no TCB level is reached by the %s",
                         sgx ? "TEE_TCB_SVN" : "PCK certificate's SGX TCB");
                return 0;
        }
        mod = module_status(t, body, mod_why, sizeof(mod_why));
        if (strcmp(mod, ST_MODULE_MISMATCH) == 0 || strcmp(mod, ST_NOT_SUPPORTED) == 0) {
                s = mod;
        } else {
                s = converge(tdx->status, mod);
                if (qe_status && strcmp(s, ST_REVOKED) != 0)
                        s = converge(s, qe_status);
        }
        snprintf(status, TCB_STATUS_LEN, "%s", s);
        snprintf(why, why_size, "TCB level of %s: %s%s%s; %s%s%s", tdx->date, tdx->status,
                 tdx->advisories[0] ? " " : "", tdx->advisories, mod_why,
                 qe_status ? "; QE: " : "", qe_status ? qe_status : "");
        return 0;
}
