/* The fake TDX module, the part the fake backend needs at boot: the values
 * a TDX module would hold for the TD, handed to the guest as fw_cfg files
 * (-fw_cfg name=opt/tdxh/...,file=...) because nothing else in a non-TDX
 * guest can know them.
 *
 *   opt/tdxh/mrtd            48 bytes: MRTD of the firmware, computed by the
 *                            same code that predicts it (measure/), so the
 *                            fake reports what a TD would measure
 *   opt/tdxh/td_attributes   8 bytes, little-endian (default 0x10000000,
 *                            SEPT_VE_DISABLE, as QEMU's tdx-guest defaults)
 *
 * The MRTD computation is not done here: the caller passes it in, through
 * a fake_tdx_mrtd_fn (see boot.h), so this module depends on no measuring
 * code. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "core/digest.h"
#include "core/err.h"
#include "core/strv.h"

#define FAKE_TDX_FW_CFG_MRTD "opt/tdxh/mrtd"
#define FAKE_TDX_FW_CFG_TD_ATTRIBUTES "opt/tdxh/td_attributes"

/* Computes the MRTD of a firmware image (TDX-REFERENCE §2). */
typedef int (*fake_tdx_mrtd_fn)(const char *firmware, uint8_t ret_mrtd[SHA384_LEN],
                                struct tdxh_err *e);

/* Writes DIR/mrtd (when mrtd is non-NULL) and DIR/td_attributes atomically,
 * creating DIR, and appends each fw_cfg item to items as two strings, its
 * fw_cfg name then its file, for the platform's -fw_cfg options. Without an
 * MRTD the guest finds no opt/tdxh/mrtd file, which the agent reports as
 * unknown: the fake never invents a value. */
int fake_tdx_prepare(const char *dir, const uint8_t *mrtd, uint64_t td_attributes,
                     struct strv *items, struct tdxh_err *e);

/* The items fake_tdx_prepare() would add for DIR, without writing anything
 * (what a dry run shows). */
int fake_tdx_items(const char *dir, bool with_mrtd, struct strv *items);

/* The TD's values a TDREPORT carries, as the fake TDX module knows them: MRTD
 * from its own computation, RTMRs the harness verified from the vTPM. */
struct fake_tdx_td {
        uint8_t mrtd[SHA384_LEN];
        uint8_t rtmr[4][SHA384_LEN];
        uint64_t td_attributes;
};

#define FAKE_TDX_REPORT_LEN 1024
#define FAKE_TDX_REPORT_MARK "TDXH-FAKE-REPORT" /* reserved bytes 495-510 */
#define FAKE_TDX_REPORT_MARK_OFFSET 495

/* What TDG.MR.REPORT returns (TDREPORT_STRUCT, TDX-REFERENCE §6.1): report
 * type 0x81, REPORTDATA, TEE_TCB_INFO all zero (no SEAM module) and its hash,
 * TDINFO with attributes, MRTD and RTMR0-3 and its hash (TEE_INFO_HASH), the
 * MAC zero (nothing can verify it but the fake quote service, which checks
 * the hashes instead), and FAKE_TDX_REPORT_MARK in reserved bytes. */
int fake_tdx_report(const struct fake_tdx_td *td, const uint8_t report_data[64],
                    uint8_t ret[FAKE_TDX_REPORT_LEN], struct tdxh_err *e);
