/* Firmware files: map one, parse its TDVF metadata, and the MRTD of a file.
 * One place for the messages a user sees about a firmware image. */
#include <errno.h>

#include "measure/mrtd.h"
#include "measure/tdvf.h"

/* OVMF images are a few MiB; anything past this is not a firmware image. */
#define FIRMWARE_MAX_SIZE (256u << 20)

int tdvf_open_file(const char *path, struct mapped_file *ret_fw, struct tdvf_metadata *ret_md,
                   struct tdxh_err *e)
{
        _cleanup_mapped_file_ struct mapped_file fw = { 0 };
        struct tdvf_metadata md = { 0 };
        int r;

        r = file_map(path, FIRMWARE_MAX_SIZE, &fw, e);
        if (r < 0)
                return r;
        r = tdvf_parse(fw.data, fw.size, &md, e);
        if (r == -ENODATA) {
                err_clear(e);
                return err_setf(e, -EINVAL, "%s: no TDX metadata: not a TDVF/OVMF image with TDX "
                                "support", path);
        }
        if (r < 0) {
                err_prefix(e, "%s: ", path);
                return r;
        }
        *ret_fw = fw;
        fw = (struct mapped_file){ 0 };
        *ret_md = md;
        return 0;
}

int mrtd_of_file(const char *firmware, enum page_add_pattern p, uint8_t ret[SHA384_LEN],
                 struct tdxh_err *e)
{
        _cleanup_mapped_file_ struct mapped_file fw = { 0 };
        _cleanup_tdvf_metadata_ struct tdvf_metadata md = { 0 };
        int r;

        r = tdvf_open_file(firmware, &fw, &md, e);
        if (r < 0)
                return r;
        r = mrtd_compute(fw.data, fw.size, &md, p, ret, e);
        if (r < 0)
                err_prefix(e, "%s: ", firmware);
        return r;
}
