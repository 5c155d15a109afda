/* The TD HOB (TDX-REFERENCE §3.2): the hand-off block list QEMU writes into
 * the TD_HOB section, describing guest RAM as "added" (the TEMP_MEM and
 * TD_HOB pages the VMM page-added) or "unaccepted" (the rest). OVMF's SEC
 * phase measures it into RTMR0 as the first event, so its bytes must be
 * reproduced exactly. Inputs: the TDVF sections and the memory size; the
 * vCPU count plays no part. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/digest.h"
#include "core/err.h"
#include "measure/tdvf.h"

#define TD_HOB_EVENT_DATA_LEN 42

/* QEMU q35's RAM split: lowmem is 0x80000000 when ram >= 0xB0000000, else
 * 0xB0000000, capped by max-ram-below-4g (0 means QEMU's default, 4 GiB).
 * RAM beyond lowmem goes above 4 GiB. */
void td_hob_q35_ram_split(uint64_t ram_bytes, uint64_t max_ram_below_4g, uint64_t *ret_below_4g,
                          uint64_t *ret_above_4g);

/* Builds the HOB list for RAM [0, below_4g) + [4 GiB, 4 GiB + above_4g):
 * PHIT, one resource descriptor per RAM range (sorted by address), END.
 * *ret_hob receives the whole list as QEMU writes it (buf_free() it);
 * *ret_measured_len the number of leading bytes OVMF hashes (PHIT and the
 * resource descriptors, not END). Fails with -EINVAL when a TEMP_MEM/TD_HOB
 * section lies outside one RAM range (QEMU refuses to start then), when there
 * is no TD_HOB section, or when the list does not fit in it. */
int td_hob_build_split(const struct tdvf_metadata *md, uint64_t below_4g, uint64_t above_4g,
                       struct buf *ret_hob, size_t *ret_measured_len, struct tdxh_err *e);

/* The same for a q35 guest with ram_bytes of memory and default options. */
int td_hob_build(const struct tdvf_metadata *md, uint64_t ram_bytes, struct buf *ret_hob,
                 size_t *ret_measured_len, struct tdxh_err *e);

/* SHA-384 of the measured part of td_hob_build()'s list: RTMR0 event 1. */
int td_hob_digest(const struct tdvf_metadata *md, uint64_t ram_bytes, uint8_t ret[SHA384_LEN],
                  struct tdxh_err *e);

/* The event data OVMF logs with that digest (EV_EFI_HANDOFF_TABLES2):
 * {u8 9, "TdxTable\0", u64 1, GUID gUefiOvmfPkgTokenSpaceGuid, u64 HOB GPA}.
 * -EINVAL without a TD_HOB section. */
int td_hob_event_data(const struct tdvf_metadata *md, uint8_t ret[TD_HOB_EVENT_DATA_LEN],
                      struct tdxh_err *e);
