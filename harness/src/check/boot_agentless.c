/* Host-side evidence of a boot without the agent; see boot_agentless.h. */
#include "check/boot_agentless.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "core/json_util.h"
#include "evidence/efi_tpm_log.h"
#include "evidence/tpm_fold.h"
#include "fakes/fake_tdx.h"

#define IMA_PCR 10u
#define TD_ATTRIBUTES_LEN 8

const struct agentless_skip agentless_skipped[] = {
        { "guest-registers", "no agent in the guest: the registers as the guest reads them "
                             "(the host read the TPM and the fake TDX module instead)" },
        { "guest-event-log", "no agent in the guest: the log as securityfs shows it (the host "
                             "read the kernel's copy from guest memory instead)" },
        { "rtmr3-extend", "no agent in the guest: runtime extends of RTMR3 (PCR 16)" },
        { "quote", "no agent in the guest: a TD report or TPM quote over the registers" },
        { "seal", "no agent in the guest: sealing to and unsealing with the registers" },
};
const size_t agentless_n_skipped = ELEMENTSOF(agentless_skipped);

static int read_mem(void *userdata, uint64_t addr, void *buf, size_t len, struct tdxh_err *e)
{
        return fake_boot_read_memory(userdata, addr, buf, len, e);
}

/* The fake TDX module's file handed to QEMU under fw_cfg name, exactly
 * len bytes; *found false when the platform had none. */
static int fw_cfg_value(const struct boot_session *s, const char *name, uint8_t *out,
                        size_t len, bool *found, struct tdxh_err *e)
{
        _cleanup_free_ char *data = NULL;
        size_t got = 0;
        int r;

        *found = false;
        for (size_t i = 0; i < s->platform.n_fw_cfg; i++) {
                if (strcmp(s->platform.fw_cfg[i].name, name) != 0)
                        continue;
                r = file_read_all(s->platform.fw_cfg[i].file, len + 1, &data, &got, e);
                if (r < 0)
                        return r;
                if (got != len)
                        return err_setf(e, -EINVAL, "%s: %zu bytes, not %zu",
                                        s->platform.fw_cfg[i].file, got, len);
                memcpy(out, data, len);
                *found = true;
        }
        return 0;
}

static int registers_json(const struct boot_session *s, const struct tpm_fold *f,
                          const uint8_t rtmr3[SHA384_LEN], bool have_rtmr3, const char *source,
                          json_object **ret, struct tdxh_err *e)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        uint8_t mrtd[SHA384_LEN], attr[TD_ATTRIBUTES_LEN];
        bool have_mrtd, have_attr;
        char key[8];
        int r;

        if (!o)
                return -ENOMEM;
        r = fw_cfg_value(s, FAKE_TDX_FW_CFG_MRTD, mrtd, sizeof(mrtd), &have_mrtd, e);
        if (r >= 0)
                r = fw_cfg_value(s, FAKE_TDX_FW_CFG_TD_ATTRIBUTES, attr, sizeof(attr), &have_attr, e);
        if (r < 0)
                return r;
        if ((have_mrtd ? json_add_hex(o, "mrtd", mrtd, sizeof(mrtd))
                       : json_add(o, "mrtd", NULL)) < 0)
                return -ENOMEM;
        for (int i = 0; i < 3; i++) {
                snprintf(key, sizeof(key), "rtmr%d", i);
                if (json_add_hex(o, key, f->rtmr[i], SHA384_LEN) < 0)
                        return -ENOMEM;
        }
        if ((have_rtmr3 ? json_add_hex(o, "rtmr3", rtmr3, SHA384_LEN)
                        : json_add(o, "rtmr3", NULL)) < 0 ||
            (have_attr ? json_add_hex(o, "td_attributes", attr, sizeof(attr))
                       : json_add(o, "td_attributes", NULL)) < 0 ||
            json_add_string(o, "source", source) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

static json_object *pcr_list(uint32_t mask)
{
        json_object *a = json_object_new_array();

        for (uint32_t pcr = 0; a && pcr < TPM_FOLD_NPCR; pcr++)
                if (mask & (1u << pcr) &&
                    json_array_add(a, json_object_new_int((int32_t)pcr)) < 0) {
                        json_object_put(a);
                        return NULL;
                }
        return a;
}

/* Compares the TPM's PCRs with the log's replay; the note names them. */
static int check_pcrs(const struct tpm_fold *f, uint32_t mask,
                      uint8_t tpm[TPM_FOLD_NPCR][SHA384_LEN], struct agentless_evidence *ev,
                      json_object *host)
{
        _cleanup_json_ json_object *checked = pcr_list(mask), *mismatched = NULL;
        uint32_t bad = 0;

        for (uint32_t pcr = 0; pcr < TPM_FOLD_NPCR; pcr++)
                if (mask & (1u << pcr) && memcmp(f->pcr[pcr], tpm[pcr], SHA384_LEN) != 0)
                        bad |= 1u << pcr;
        mismatched = pcr_list(bad);
        if (!checked || !mismatched || json_add(host, "pcrs_checked", TAKE_PTR(checked)) < 0 ||
            json_add(host, "pcr_mismatches", TAKE_PTR(mismatched)) < 0)
                return -ENOMEM;
        ev->pcrs_match = bad == 0;
        if (bad)
                snprintf(ev->pcr_note, sizeof(ev->pcr_note),
                         "the TPM's SHA-384 PCRs differ from the log's replay (mask 0x%06x of "
                         "0x%06x)", bad, mask);
        else
                snprintf(ev->pcr_note, sizeof(ev->pcr_note),
                         "the TPM's SHA-384 PCRs (mask 0x%06x) equal the log's replay", mask);
        return 0;
}

static int host_json(const struct efi_tpm_log *l, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();

        if (!o || json_add_string(o, "log_source", "guest memory: Linux's LINUX_EFI_TPM_EVENT_LOG "
                                                   "copy and EFI_TCG2_FINAL_EVENTS_TABLE") < 0 ||
            json_add_int(o, "linux_table", (int64_t)l->linux_table) < 0 ||
            json_add_int(o, "final_table", (int64_t)l->final_table) < 0 ||
            json_add_int(o, "stub_bytes", (int64_t)l->stub_len) < 0 ||
            json_add_int(o, "final_events", (int64_t)l->final_events) < 0 ||
            json_add_int(o, "memory_read_bytes", (int64_t)l->bytes_read) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(o);
        return 0;
}

int agentless_collect(struct boot_session *s, struct agentless_evidence *ret, struct tdxh_err *e)
{
        struct guest_mem m = { .size = fake_boot_low_ram(s), .read = read_mem, .userdata = s };
        _cleanup_(efi_tpm_log_free) struct efi_tpm_log l = { 0 };
        _cleanup_json_ json_object *host = NULL;
        uint8_t tpm[TPM_FOLD_NPCR][SHA384_LEN];
        struct tdxh_err pe = { 0 };
        struct tpm_fold f;
        uint32_t mask;
        int r;

        *ret = (struct agentless_evidence){ 0 };
        r = efi_tpm_log_find(&m, &l, e);
        if (r < 0)
                return r;
        r = tpm_fold_log(l.log, l.len, &f, e);
        if (r < 0) {
                err_prefix(e, "guest memory event log: ");
                return r;
        }
        r = host_json(&l, &host);
        if (r < 0)
                return r;
        /* PCR 10 is IMA's, which the firmware log does not hold. */
        mask = f.pcr_extended & ~(1u << IMA_PCR) & ~(1u << TPM_FOLD_RTMR3_PCR);
        memset(tpm, 0, sizeof(tpm));
        r = fake_boot_read_pcrs(s, mask | 1u << TPM_FOLD_RTMR3_PCR, tpm, &pe);
        ret->pcrs_read = r >= 0;
        if (r >= 0)
                r = check_pcrs(&f, mask, tpm, ret, host);
        else {
                snprintf(ret->pcr_note, sizeof(ret->pcr_note),
                         "not read from the TPM (%s): the registers are the log's replay", pe.msg);
                r = json_add_string(host, "pcr_read_error", pe.msg);
        }
        if (r >= 0)
                r = json_add_string(host, "pcrs", ret->pcr_note);
        if (r >= 0)
                r = registers_json(s, &f, tpm[TPM_FOLD_RTMR3_PCR], ret->pcrs_read,
                                   ret->pcrs_read
                                           ? "host: rtmr0-2 folded from the guest-memory event "
                                             "log and checked against swtpm's SHA-384 PCRs, rtmr3 "
                                             "= swtpm PCR 16; mrtd and td_attributes as the fake "
                                             "TDX module handed them to QEMU"
                                           : "host: rtmr0-2 folded from the guest-memory event "
                                             "log (not checked against the TPM); mrtd and "
                                             "td_attributes as the fake TDX module handed them "
                                             "to QEMU",
                                   &ret->registers, e);
        if (r < 0) {
                agentless_evidence_free(ret);
                return r;
        }
        ret->host = TAKE_PTR(host);
        ret->log = TAKE_PTR(l.log);
        ret->log_len = l.len;
        return 0;
}

void agentless_evidence_free(struct agentless_evidence *ev)
{
        free(ev->log);
        json_object_put(ev->registers);
        json_object_put(ev->host);
        *ev = (struct agentless_evidence){ 0 };
}
