/* The vtpm provider: the fake platform's registers from a TPM 2.0 with a
 * SHA-384 bank (TDX-REFERENCE §8.4, §12). RTMR0-2 are folds of the firmware's
 * TPM event log, each replayed PCR is checked against the TPM, RTMR3 is the
 * dedicated PCR only the agent extends, and MRTD and the TD attributes come
 * from fw_cfg files that the fake TDX module hands to QEMU. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <tss2/tss2_tcti_device.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/digest.h"
#include "core/json_util.h"
#include "evidence/tpm_fold.h"
#include "sysfile.h"
#include "vtpm.h"

#define TPM_DEVICE "/dev/tpmrm0"
#define TPM_LOG "/sys/kernel/security/tpm0/binary_bios_measurements"
#define FWCFG_MRTD "/sys/firmware/qemu_fw_cfg/by_name/opt/tdxh/mrtd/raw"
#define FWCFG_ATTRIBUTES "/sys/firmware/qemu_fw_cfg/by_name/opt/tdxh/td_attributes/raw"
#define IMA_PCR 10
#define MAX_LOG (16u << 20)
/* Where a fake TDREPORT says what it is, in TDREPORT's reserved bytes 495..511. */
#define FAKE_MARK_OFFSET 495
#define FAKE_MARK "TDXH-FAKE-REPORT"

static int vtpm_probe(const char *root)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s%s", root, TPM_DEVICE) < 0)
                return -ENOMEM;
        return access(path, F_OK) == 0 ? 0 : -ENODEV;
}

static void vtpm_close(struct provider *p)
{
        struct vtpm *t = p->state;

        if (!t)
                return;
        if (t->esys)
                Esys_Finalize(&t->esys);
        if (t->tcti) {
                Tss2_Tcti_Finalize(t->tcti);
                free(t->tcti);
        }
        free(t);
        p->state = NULL;
}

static int vtpm_open(struct provider *p, struct tdxh_err *e)
{
        _cleanup_free_ char *dev = provider_path(p, TPM_DEVICE);
        struct vtpm *t;
        size_t size = 0;
        TSS2_RC rc;

        if (!dev)
                return -ENOMEM;
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        p->state = t;
        rc = Tss2_Tcti_Device_Init(NULL, &size, dev);
        if (rc == TSS2_RC_SUCCESS) {
                t->tcti = calloc(1, size);
                if (!t->tcti) {
                        vtpm_close(p);
                        return -ENOMEM;
                }
                rc = Tss2_Tcti_Device_Init(t->tcti, &size, dev);
                if (rc != TSS2_RC_SUCCESS) {
                        free(t->tcti);
                        t->tcti = NULL;
                }
        }
        if (rc == TSS2_RC_SUCCESS)
                rc = Esys_Initialize(&t->esys, t->tcti, NULL);
        if (rc != TSS2_RC_SUCCESS) {
                vtpm_close(p);
                return err_setf(e, -EIO, "%s: cannot open the TPM (TSS error 0x%x)", dev, rc);
        }
        return 0;
}

uint32_t vtpm_pcrs_of_policy(uint32_t policy)
{
        uint32_t pcrs = 0;

        if (policy & (1u << AGENT_REG_MRTD))
                pcrs |= 1u << 0;
        for (uint32_t pcr = 1; pcr < 16; pcr++) {
                int rtmr = tpm_fold_rtmr_of_pcr(pcr);

                if (rtmr >= 0 && policy & (1u << (AGENT_REG_RTMR0 + rtmr)))
                        pcrs |= 1u << pcr;
        }
        if (policy & (1u << AGENT_REG_RTMR3))
                pcrs |= 1u << TPM_FOLD_RTMR3_PCR;
        return pcrs;
}

void vtpm_pcr_selection(uint32_t pcr_mask, TPML_PCR_SELECTION *ret)
{
        memset(ret, 0, sizeof(*ret));
        ret->count = 1;
        ret->pcrSelections[0].hash = TPM2_ALG_SHA384;
        ret->pcrSelections[0].sizeofSelect = 3;
        for (int i = 0; i < 3; i++)
                ret->pcrSelections[0].pcrSelect[i] = (uint8_t)(pcr_mask >> (8 * i));
}

int vtpm_create_primary(ESYS_CONTEXT *esys, ESYS_TR hierarchy, const TPM2B_PUBLIC *tmpl,
                        ESYS_TR *ret, const char *what, struct tdxh_err *e)
{
        TPM2B_SENSITIVE_CREATE sens = { 0 };
        TPM2B_DATA outside = { 0 };
        TPML_PCR_SELECTION none = { 0 };
        TPM2B_PUBLIC *pub = NULL;
        TPM2B_CREATION_DATA *cdata = NULL;
        TPM2B_DIGEST *chash = NULL;
        TPMT_TK_CREATION *ticket = NULL;
        TSS2_RC rc;

        rc = Esys_CreatePrimary(esys, hierarchy, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &sens,
                                tmpl, &outside, &none, ret, &pub, &cdata, &chash, &ticket);
        Esys_Free(pub);
        Esys_Free(cdata);
        Esys_Free(chash);
        Esys_Free(ticket);
        if (rc != TSS2_RC_SUCCESS)
                return vtpm_rc(rc, what, e);
        return 0;
}

int vtpm_rc(TSS2_RC rc, const char *command, struct tdxh_err *e)
{
        TSS2_RC tpm = rc & ~(TSS2_RC)TSS2_RC_LAYER_MASK;

        /* A format-1 code carries the session, handle or parameter number
         * in its upper bits; only the error number matters here. */
        if ((rc & TSS2_RC_LAYER_MASK) == TSS2_TPM_RC_LAYER && (tpm & TPM2_RC_FMT1) &&
            (tpm & 0x3f) == (TPM2_RC_POLICY_FAIL & 0x3f))
                return err_setf(e, -EACCES, "%s: the TPM refused: the registers of the policy "
                                "differ from when the data was sealed", command);
        return err_setf(e, -EIO, "%s failed: TSS error 0x%x", command, rc);
}

/* Reads the SHA-384 bank values of every PCR in mask. The TPM may return
 * fewer PCRs than asked per call, so this loops until all are read. */
static int read_pcrs(struct vtpm *t, uint32_t mask, uint8_t out[TPM_FOLD_NPCR][SHA384_LEN],
                     struct tdxh_err *e)
{
        while (mask) {
                TPML_PCR_SELECTION sel, *got = NULL;
                TPML_DIGEST *vals = NULL;
                uint32_t got_mask = 0, counter;
                size_t k = 0;
                TSS2_RC rc;

                vtpm_pcr_selection(mask, &sel);
                rc = Esys_PCR_Read(t->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel,
                                   &counter, &got, &vals);
                if (rc != TSS2_RC_SUCCESS)
                        return vtpm_rc(rc, "TPM2_PCR_Read", e);
                for (uint32_t i = 0; i < got->count; i++)
                        if (got->pcrSelections[i].hash == TPM2_ALG_SHA384)
                                for (int b = 0; b < 3; b++)
                                        got_mask |= (uint32_t)got->pcrSelections[i].pcrSelect[b]
                                                    << (8 * b);
                got_mask &= mask;
                for (uint32_t pcr = 0; pcr < TPM_FOLD_NPCR; pcr++) {
                        if (!(got_mask & (1u << pcr)))
                                continue;
                        if (k >= vals->count || vals->digests[k].size != SHA384_LEN)
                                break;
                        memcpy(out[pcr], vals->digests[k].buffer, SHA384_LEN);
                        k++;
                }
                Esys_Free(got);
                Esys_Free(vals);
                if (!got_mask || k != (size_t)__builtin_popcount(got_mask))
                        return err_setf(e, -EIO, "TPM2_PCR_Read: the TPM returned no SHA-384 "
                                        "values for PCR mask 0x%06x (is the SHA-384 bank "
                                        "active?)", mask);
                mask &= ~got_mask;
        }
        return 0;
}

static int read_log(struct provider *p, uint8_t **ret, size_t *ret_len, struct tdxh_err *e)
{
        _cleanup_free_ char *path = provider_path(p, TPM_LOG);

        if (!path)
                return -ENOMEM;
        return sysfile_read(path, MAX_LOG, ret, ret_len, e);
}

/* Records, for people and for the harness, which PCRs were checked against
 * the TPM and which did not replay. */
static int check_json(const struct tpm_fold *f, uint32_t mask,
                      uint8_t tpm[TPM_FOLD_NPCR][SHA384_LEN], json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        json_object *checked = json_object_new_array(), *bad = json_object_new_array();
        bool ok = true;

        if (!o || json_add(o, "checked", checked) < 0 || json_add(o, "mismatches", bad) < 0)
                return -ENOMEM;
        for (uint32_t pcr = 0; pcr < TPM_FOLD_NPCR; pcr++) {
                json_object *m;

                if (!(mask & (1u << pcr)))
                        continue;
                if (json_array_add(checked, json_object_new_int((int32_t)pcr)) < 0)
                        return -ENOMEM;
                if (memcmp(f->pcr[pcr], tpm[pcr], SHA384_LEN) == 0)
                        continue;
                ok = false;
                m = json_object_new_object();
                if (!m || json_array_add(bad, m) < 0 || json_add_int(m, "pcr", pcr) < 0 ||
                    json_add_hex(m, "replayed", f->pcr[pcr], SHA384_LEN) < 0 ||
                    json_add_hex(m, "tpm", tpm[pcr], SHA384_LEN) < 0)
                        return -ENOMEM;
        }
        if (json_add_string(o, "kind", "tpm-pcr-replay") < 0 || json_add_bool(o, "ok", ok) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

static int read_fwcfg(struct provider *p, const char *file, uint8_t *out, size_t len,
                      bool *ret_present, struct tdxh_err *e)
{
        _cleanup_free_ char *path = provider_path(p, file);

        if (!path)
                return -ENOMEM;
        if (access(path, F_OK) < 0) {
                *ret_present = false;
                return 0;
        }
        *ret_present = true;
        return sysfile_read_exact(path, out, len, e);
}

static int vtpm_registers(struct provider *p, struct agent_registers *ret, struct tdxh_err *e)
{
        uint8_t tpm[TPM_FOLD_NPCR][SHA384_LEN];
        _cleanup_free_ uint8_t *log = NULL;
        struct tpm_fold f;
        uint32_t mask;
        size_t len = 0;
        int r;

        r = read_log(p, &log, &len, e);
        if (r < 0)
                return r;
        r = tpm_fold_log(log, len, &f, e);
        if (r < 0) {
                err_prefix(e, "%s: ", TPM_LOG);
                return r;
        }
        /* PCR 10 holds IMA's runtime measurements, which are not in the
         * firmware log; the agent's PCR is checked through its own log. */
        mask = f.pcr_extended & ~(1u << IMA_PCR) & ~(1u << TPM_FOLD_RTMR3_PCR);
        memset(tpm, 0, sizeof(tpm));
        r = read_pcrs(p->state, mask | 1u << TPM_FOLD_RTMR3_PCR, tpm, e);
        if (r < 0)
                return r;
        r = check_json(&f, mask, tpm, &ret->check);
        if (r < 0)
                return r;
        memcpy(ret->rtmr, f.rtmr, sizeof(f.rtmr));
        memcpy(ret->rtmr[3], tpm[TPM_FOLD_RTMR3_PCR], SHA384_LEN);
        r = read_fwcfg(p, FWCFG_MRTD, ret->mrtd, AGENT_MR_LEN, &ret->has_mrtd, e);
        if (r >= 0)
                r = read_fwcfg(p, FWCFG_ATTRIBUTES, ret->td_attributes, AGENT_ATTR_LEN,
                               &ret->has_td_attributes, e);
        if (r < 0) {
                agent_registers_done(ret);
                return r;
        }
        snprintf(ret->source, sizeof(ret->source),
                 "tpm: rtmr0-2 folded from the SHA-384 event log, rtmr3 = PCR %d; "
                 "mrtd and td_attributes from fw_cfg opt/tdxh",
                 TPM_FOLD_RTMR3_PCR);
        return 0;
}

static int vtpm_event_log(struct provider *p, const char **ret_format, uint8_t **ret_log,
                          size_t *ret_len, struct tdxh_err *e)
{
        int r = read_log(p, ret_log, ret_len, e);

        if (r >= 0)
                *ret_format = "tpm";
        return r;
}

static int vtpm_extend(struct provider *p, const uint8_t digest[AGENT_MR_LEN],
                       uint8_t ret_rtmr3[AGENT_MR_LEN], struct tdxh_err *e)
{
        struct vtpm *t = p->state;
        uint8_t pcrs[TPM_FOLD_NPCR][SHA384_LEN];
        TPML_DIGEST_VALUES v = { .count = 1 };
        TSS2_RC rc;
        int r;

        v.digests[0].hashAlg = TPM2_ALG_SHA384;
        memcpy(v.digests[0].digest.sha384, digest, AGENT_MR_LEN);
        rc = Esys_PCR_Extend(t->esys, ESYS_TR_PCR0 + TPM_FOLD_RTMR3_PCR, ESYS_TR_PASSWORD,
                             ESYS_TR_NONE, ESYS_TR_NONE, &v);
        if (rc != TSS2_RC_SUCCESS)
                return vtpm_rc(rc, "TPM2_PCR_Extend", e);
        r = read_pcrs(t, 1u << TPM_FOLD_RTMR3_PCR, pcrs, e);
        if (r < 0)
                return r;
        memcpy(ret_rtmr3, pcrs[TPM_FOLD_RTMR3_PCR], AGENT_MR_LEN);
        return 0;
}

/* A TDREPORT-shaped structure (TDX-REFERENCE §6.1) built from the fake
 * registers: TDINFO holds the registers, REPORTMACSTRUCT the report data and
 * the TDINFO hash, the MAC is zero, and the reserved bytes say it is fake. */
static int vtpm_report(struct provider *p, const uint8_t report_data[AGENT_REPORT_DATA_LEN],
                       uint8_t ret_tdreport[AGENT_TDREPORT_LEN], struct tdxh_err *e)
{
        struct agent_registers regs = { 0 };
        uint8_t rep[AGENT_TDREPORT_LEN] = { 0 };
        uint8_t *tdinfo = rep + 512;
        int r;

        r = vtpm_registers(p, &regs, e);
        if (r < 0)
                return r;
        agent_registers_done(&regs);
        rep[0] = 0x81; /* REPORTTYPE: TDX */
        memcpy(rep + 128, report_data, AGENT_REPORT_DATA_LEN);
        memcpy(rep + FAKE_MARK_OFFSET, FAKE_MARK, sizeof(FAKE_MARK) - 1);
        memcpy(tdinfo + 0, regs.td_attributes, AGENT_ATTR_LEN);
        memcpy(tdinfo + 16, regs.mrtd, AGENT_MR_LEN);
        for (int i = 0; i < 4; i++)
                memcpy(tdinfo + 208 + 48 * i, regs.rtmr[i], AGENT_MR_LEN);
        r = digest_buf(DIGEST_SHA384, rep + 256, 239, rep + 32);
        if (r >= 0)
                r = digest_buf(DIGEST_SHA384, tdinfo, 512, rep + 80);
        if (r < 0)
                return err_setf(e, r, "hashing the report failed");
        memcpy(ret_tdreport, rep, sizeof(rep));
        return 0;
}

const struct provider_ops provider_vtpm_ops = {
        .name = "vtpm",
        .probe = vtpm_probe,
        .open = vtpm_open,
        .close = vtpm_close,
        .registers = vtpm_registers,
        .event_log = vtpm_event_log,
        .extend_rtmr3 = vtpm_extend,
        .report = vtpm_report,
        .seal = vtpm_seal,
        .unseal = vtpm_unseal,
        .tpm_ak = vtpm_tpm_ak,
        .tpm_activate = vtpm_tpm_activate,
        .tpm_quote = vtpm_tpm_quote,
};
