/* MRTD prediction (TDX-REFERENCE §2): the one running SHA-384 the TDX module
 * keeps over the build-time TDH.MEM.PAGE.ADD and TDH.MR.EXTEND calls that
 * QEMU/KVM issue for the TDVF sections. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/digest.h"
#include "core/err.h"
#include "measure/profile.h"
#include "measure/tdvf.h"

/* Computes MRTD for the firmware image fw (the file md was parsed from) with
 * the host's page-add order p: per page (PAGE.ADD then 16 MR.EXTENDs, page
 * after page) or two-pass (every PAGE.ADD of a section, then its
 * MR.EXTENDs). Sections go in metadata order; PAGE.AUG sections get no
 * PAGE.ADD record. Returns 0, -EINVAL if md does not fit fw, -ENOMEM/-EIO. */
int mrtd_compute(const uint8_t *fw, size_t size, const struct tdvf_metadata *md,
                 enum page_add_pattern p, uint8_t ret[SHA384_LEN], struct tdxh_err *e);
