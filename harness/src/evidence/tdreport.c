/* TDREPORT_STRUCT parsing (TDX-REFERENCE §6.1) and its JSON rendering.
 *
 * The MAC can only be checked by the TDX module of the platform that made the
 * report, so off the platform the report is checked for internal consistency:
 * TEE_TCB_INFO_HASH and TEE_INFO_HASH must be the SHA-384 of the structures
 * they cover. A mismatch is a finding about the report, not a parse error. */
#include "evidence/tdreport.h"

#include <errno.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/digest.h"
#include "core/json_util.h"
#include "evidence/td_json.h"

#define REPORTMAC_OFF 0
#define TEE_TCB_INFO_OFF 256
#define TEE_TCB_INFO_LEN 239
#define TDINFO_OFF 512
#define TDINFO_LEN 512
#define REPORT_TYPE_TDX 0x81

static void parse_fields(const uint8_t *d, struct tdreport *t)
{
        const uint8_t *m = d + REPORTMAC_OFF, *tcb = d + TEE_TCB_INFO_OFF, *ti = d + TDINFO_OFF;

        memcpy(t->report_type, m, 4);
        memcpy(t->cpusvn, m + 16, 16);
        memcpy(t->tee_tcb_info_hash, m + 32, 48);
        memcpy(t->tee_info_hash, m + 80, 48);
        memcpy(t->report_data, m + 128, 64);
        memcpy(t->mac, m + 224, 32);

        memcpy(t->tcb_valid, tcb, 8);
        memcpy(t->tee_tcb_svn, tcb + 8, 16);
        memcpy(t->mr_seam, tcb + 24, 48);
        memcpy(t->mrsigner_seam, tcb + 72, 48);
        memcpy(t->seam_attributes, tcb + 120, 8);
        memcpy(t->tee_tcb_svn2, tcb + 128, 16);

        memcpy(t->td_attributes, ti, 8);
        memcpy(t->xfam, ti + 8, 8);
        memcpy(t->mr_td, ti + 16, 48);
        memcpy(t->mr_config_id, ti + 64, 48);
        memcpy(t->mr_owner, ti + 112, 48);
        memcpy(t->mr_owner_config, ti + 160, 48);
        for (int i = 0; i < 4; i++)
                memcpy(t->rtmr[i], ti + 208 + 48 * i, 48);
        memcpy(t->servtd_hash, ti + 400, 48);
}

int tdreport_parse(const uint8_t *data, size_t len, struct tdreport *ret, struct tdxh_err *e)
{
        struct tdreport t = { 0 };
        uint8_t h[SHA384_LEN];
        int r;

        if (len != TDREPORT_LEN)
                return err_setf(e, -EINVAL,
                                "offset 0x%zx: TDREPORT: %zu bytes, a TD report is exactly %u",
                                len < TDREPORT_LEN ? len : (size_t)TDREPORT_LEN, len,
                                TDREPORT_LEN);
        if (data[0] != REPORT_TYPE_TDX)
                return err_setf(e, -EINVAL,
                                "offset 0x0: REPORTTYPE.type: 0x%02x is not TDX (0x81)", data[0]);
        if (data[1] != 0)
                return err_setf(e, -EINVAL,
                                "offset 0x1: REPORTTYPE.subtype: %u, expected 0", data[1]);
        parse_fields(data, &t);
        r = digest_buf(DIGEST_SHA384, data + TEE_TCB_INFO_OFF, TEE_TCB_INFO_LEN, h);
        if (r < 0)
                return r;
        t.tee_tcb_info_hash_ok = memcmp(h, t.tee_tcb_info_hash, SHA384_LEN) == 0;
        r = digest_buf(DIGEST_SHA384, data + TDINFO_OFF, TDINFO_LEN, h);
        if (r < 0)
                return r;
        t.tee_info_hash_ok = memcmp(h, t.tee_info_hash, SHA384_LEN) == 0;
        *ret = t;
        return 0;
}

int tdreport_to_json(const struct tdreport *t, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        const struct td_regs regs = {
                .tee_tcb_svn = t->tee_tcb_svn,
                .mr_seam = t->mr_seam,
                .mrsigner_seam = t->mrsigner_seam,
                .seam_attributes = t->seam_attributes,
                .td_attributes = t->td_attributes,
                .xfam = t->xfam,
                .mr_td = t->mr_td,
                .mr_config_id = t->mr_config_id,
                .mr_owner = t->mr_owner,
                .mr_owner_config = t->mr_owner_config,
                .rtmr = t->rtmr,
                .report_data = t->report_data,
        };
        const struct json_hex_field mac[] = {
                { "report_type", t->report_type, 4 },
                { "cpusvn", t->cpusvn, 16 },
                { "tee_tcb_info_hash", t->tee_tcb_info_hash, 48 },
                { "tee_info_hash", t->tee_info_hash, 48 },
                { "mac", t->mac, 32 },
                { "tcb_valid", t->tcb_valid, 8 },
        };
        const struct json_hex_field v15[] = {
                { "tee_tcb_svn2", t->tee_tcb_svn2, 16 },
                { "servtd_hash", t->servtd_hash, 48 },
        };
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "kind", "tdreport");
        if (r >= 0)
                r = json_add_int(o, "version", t->report_type[2]);
        if (r >= 0)
                r = td_regs_to_json(o, &regs);
        if (r >= 0)
                r = json_add_hex_fields(o, mac, ELEMENTSOF(mac));
        if (r >= 0)
                r = json_add_hex_fields(o, v15, ELEMENTSOF(v15));
        if (r >= 0)
                r = json_add_bool(o, "tee_tcb_info_hash_ok", t->tee_tcb_info_hash_ok);
        if (r >= 0)
                r = json_add_bool(o, "tee_info_hash_ok", t->tee_info_hash_ok);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}
