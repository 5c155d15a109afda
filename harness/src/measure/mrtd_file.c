/* MRTD of a firmware file: map, parse the TDVF metadata, compute. Used by
 * the fake TDX module, which hands the guest the MRTD a TD built from the
 * same firmware would have. */
#include <errno.h>

#include "core/file.h"
#include "measure/mrtd.h"
#include "measure/tdvf.h"

#define FIRMWARE_MAX_SIZE (256u << 20)

int mrtd_of_file(const char *firmware, enum page_add_pattern p, uint8_t ret[SHA384_LEN],
                 struct tdxh_err *e)
{
        _cleanup_mapped_file_ struct mapped_file fw = { 0 };
        _cleanup_tdvf_metadata_ struct tdvf_metadata md = { 0 };
        int r;

        r = file_map(firmware, FIRMWARE_MAX_SIZE, &fw, e);
        if (r < 0)
                return r;
        r = tdvf_parse(fw.data, fw.size, &md, e);
        if (r == -ENODATA) {
                err_clear(e);
                return err_setf(e, -EINVAL, "%s: no TDX metadata: not a TDVF/OVMF image with TDX "
                                "support", firmware);
        }
        if (r >= 0)
                r = mrtd_compute(fw.data, fw.size, &md, p, ret, e);
        if (r < 0)
                err_prefix(e, "%s: ", firmware);
        return r;
}
