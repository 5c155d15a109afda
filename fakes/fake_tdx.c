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
