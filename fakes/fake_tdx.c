/* The fake TDX module's fw_cfg files; see fake_tdx.h. */
#include "fakes/fake_tdx.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cleanup.h"
#include "core/file.h"

static int write_item(struct strv *items, const char *dir, const char *file, const char *name,
                      const void *data, size_t len, struct tdxh_err *e)
{
        _cleanup_free_ char *path = NULL;
        int r;

        if (asprintf(&path, "%s/%s", dir, file) < 0)
                return -ENOMEM;
        r = file_write_atomic(path, data, len, 0644, e);
        if (r < 0)
                return r;
        if (strv_push(items, name) < 0 || strv_push(items, path) < 0)
                return -ENOMEM;
        return 0;
}

int fake_tdx_items(const char *dir, bool with_mrtd, struct strv *items)
{
        if (with_mrtd && (strv_push(items, FAKE_TDX_FW_CFG_MRTD) < 0 ||
                          strv_pushf(items, "%s/mrtd", dir) < 0))
                return -ENOMEM;
        if (strv_push(items, FAKE_TDX_FW_CFG_TD_ATTRIBUTES) < 0 ||
            strv_pushf(items, "%s/td_attributes", dir) < 0)
                return -ENOMEM;
        return 0;
}

int fake_tdx_prepare(const char *dir, const uint8_t *mrtd, uint64_t td_attributes,
                     struct strv *items, struct tdxh_err *e)
{
        uint8_t attr[8];
        int r;

        if (mkdir(dir, 0755) < 0 && errno != EEXIST)
                return err_setf(e, -errno, "%s: cannot create: %s", dir, strerror(errno));
        if (mrtd) {
                r = write_item(items, dir, "mrtd", FAKE_TDX_FW_CFG_MRTD, mrtd, SHA384_LEN, e);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < sizeof(attr); i++)
                attr[i] = (uint8_t)(td_attributes >> (8 * i));
        return write_item(items, dir, "td_attributes", FAKE_TDX_FW_CFG_TD_ATTRIBUTES, attr,
                          sizeof(attr), e);
}

int fake_tdx_report(const struct fake_tdx_td *td, const uint8_t report_data[64],
                    uint8_t ret[FAKE_TDX_REPORT_LEN], struct tdxh_err *e)
{
        uint8_t rep[FAKE_TDX_REPORT_LEN] = { 0 };
        uint8_t *tee_tcb_info = rep + 256, *tdinfo = rep + 512;
        int r;

        rep[0] = 0x81; /* REPORTTYPE.TYPE: TDX */
        memcpy(rep + 128, report_data, 64);
        memcpy(rep + FAKE_TDX_REPORT_MARK_OFFSET, FAKE_TDX_REPORT_MARK,
               sizeof(FAKE_TDX_REPORT_MARK) - 1);
        for (size_t i = 0; i < 8; i++)
                tdinfo[i] = (uint8_t)(td->td_attributes >> (8 * i));
        memcpy(tdinfo + 16, td->mrtd, SHA384_LEN);
        for (int i = 0; i < 4; i++)
                memcpy(tdinfo + 208 + SHA384_LEN * i, td->rtmr[i], SHA384_LEN);
        /* TEE_TCB_INFO_HASH covers the 239 bytes of TEE_TCB_INFO,
         * TEE_INFO_HASH the 512 of TDINFO. */
        r = digest_buf(DIGEST_SHA384, tee_tcb_info, 239, rep + 32);
        if (r >= 0)
                r = digest_buf(DIGEST_SHA384, tdinfo, 512, rep + 80);
        if (r < 0)
                return err_setf(e, r, "fake TDX module: hashing the report failed");
        memcpy(ret, rep, sizeof(rep));
        return 0;
}
