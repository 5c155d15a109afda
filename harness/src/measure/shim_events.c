/* shim's own measurements; see shim_events.h. Facts from shim (rhboot/shim
 * 15.8-16.x): the .vendor_cert section is struct cert_table {u32
 * vendor_authorized_size, vendor_deauthorized_size, vendor_authorized_offset,
 * vendor_deauthorized_offset} (include/cert.h / shim.c); mok.c measures
 * MokList as the vendor certificate wrapped in an EFI_SIGNATURE_LIST of type
 * EFI_CERT_X509 owned by SHIM_LOCK_GUID followed by the variable's data,
 * MokListX as the vendor dbx (a dummy SHA-256 list of one zero hash when it
 * is empty), MokListTrusted as the single byte 01 when the variable is
 * absent, each with the NUL-terminated ASCII name as event data; with no
 * SbatPolicy, shim writes SBAT_VAR_ORIGINAL ("sbat,1,2021030218\n",
 * include/sbat_var_defs.h) and measures the whole UEFI_VARIABLE_DATA of
 * SbatLevel (vendor SHIM_LOCK_GUID). Checked against a real boot of
 * out/disk.img (Debian shim-signed 16.1). */
#include "measure/shim_events.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/event_type.h"
#include "core/guid.h"
#include "core/le.h"
#include "measure/pe.h"
#include "measure/uefi_var.h"

/* 605dab50-e046-4300-abb6-3dd810dd8b23 */
static const uint8_t shim_lock_guid[GUID_LEN] =
        GUID_BYTES(0x605dab50, 0xe046, 0x4300, 0xab, 0xb6, 0x3d, 0xd8, 0x10, 0xdd, 0x8b, 0x23);
/* a5c059a1-94e4-4aa7-87b5-ab155c2bf072 (UEFI 2.10 §32.4.1) */
static const uint8_t cert_x509_guid[GUID_LEN] =
        GUID_BYTES(0xa5c059a1, 0x94e4, 0x4aa7, 0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72);
/* c1c41626-504c-4092-aca9-41f936934328 */
static const uint8_t cert_sha256_guid[GUID_LEN] =
        GUID_BYTES(0xc1c41626, 0x504c, 0x4092, 0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28);

#define SBAT_VAR_ORIGINAL "sbat,1,2021030218\n"
#define RTMR_PCR7 0
#define RTMR_PCR14 2

int shim_is_shim(const uint8_t *pe, size_t len, const char *name, struct tdxh_err *e)
{
        struct pe_section sec;

        return pe_section_find(pe, len, name, ".vendor_cert", &sec, e);
}

static int add_ipl(struct measure_events *l, const char *var, const void *data, size_t len)
{
        uint8_t d[SHA384_LEN];
        int r = digest_buf(DIGEST_SHA384, data, len, d);

        return r < 0 ? r : measure_events_add(l, RTMR_PCR14, EV_IPL, d, "shim-mok", var, var,
                                              strlen(var) + 1);
}

/* EFI_SIGNATURE_LIST {type, u32 ListSize, u32 HeaderSize 0, u32
 * SignatureSize} with one EFI_SIGNATURE_DATA {owner, data}. */
static int one_esl(struct buf *out, const uint8_t type[GUID_LEN], const void *data, size_t len)
{
        int r = buf_append(out, type, GUID_LEN);

        if (r >= 0)
                r = buf_put_le32(out, (uint32_t)(28 + GUID_LEN + len));
        if (r >= 0)
                r = buf_put_le32(out, 0);
        if (r >= 0)
                r = buf_put_le32(out, (uint32_t)(GUID_LEN + len));
        if (r >= 0)
                r = buf_append(out, shim_lock_guid, GUID_LEN);
        if (r >= 0)
                r = buf_append(out, data, len);
        return r;
}

static int add_sbat_level(struct measure_events *l, const uint8_t *pe, size_t len)
{
        _cleanup_buf_ struct buf var = BUF_INIT;
        static const char text[] = SBAT_VAR_ORIGINAL;
        uint8_t d[SHA384_LEN];
        int r;

        if (!memmem(pe, len, text, sizeof(text) - 1))
                return measure_events_add(l, RTMR_PCR7, EV_EFI_VARIABLE_AUTHORITY, NULL,
                                          "authority", "SbatLevel: not predicted: the shim "
                                          "binary does not hold the original SBAT level "
                                          "sbat,1,2021030218", NULL, 0);
        r = uefi_variable_data(&var, shim_lock_guid, "SbatLevel", text, sizeof(text) - 1);
        if (r >= 0)
                r = digest_buf(DIGEST_SHA384, var.data, var.len, d);
        if (r < 0)
                return r;
        return measure_events_add(l, RTMR_PCR7, EV_EFI_VARIABLE_AUTHORITY, d, "authority",
                                  "SbatLevel: sbat,1,2021030218", var.data, var.len);
}

int shim_events(const uint8_t *pe, size_t len, const char *name, struct measure_events *l,
                struct tdxh_err *e)
{
        static const uint8_t zero_hash[32] = { 0 }, trusted = 1;
        _cleanup_buf_ struct buf mok = BUF_INIT, mokx = BUF_INIT;
        uint32_t asz, dsz, aoff, doff;
        struct pe_section sec = { 0 };
        const uint8_t *vc;
        size_t vlen;
        int r;

        r = pe_section_find(pe, len, name, ".vendor_cert", &sec, e);
        vc = sec.raw;
        vlen = r > 0 ? sec.raw_len : 0;
        if (r < 0)
                return r;
        if (r == 0 || vlen < 16)
                return err_setf(e, -EINVAL, "%s: no .vendor_cert section of 16 bytes or more: "
                                "not a shim", name);
        asz = le32_get(vc);
        dsz = le32_get(vc + 4);
        aoff = le32_get(vc + 8);
        doff = le32_get(vc + 12);
        if ((uint64_t)aoff + asz > vlen || (uint64_t)doff + dsz > vlen)
                return err_setf(e, -EINVAL, "%s: section .vendor_cert: certificate table "
                                "(authorized %u@%u, deauthorized %u@%u) exceeds its %zu bytes",
                                name, asz, aoff, dsz, doff, vlen);
        /* MokList is measured first, then MokListX; SbatLevel sits between
         * MokListX and MokListTrusted in shim's table. */
        if (asz)
                r = one_esl(&mok, cert_x509_guid, vc + aoff, asz);
        if (r >= 0)
                r = dsz ? buf_append(&mokx, vc + doff, dsz)
                        : one_esl(&mokx, cert_sha256_guid, zero_hash, sizeof(zero_hash));
        if (r < 0)
                return r;
        if (asz)
                r = add_ipl(l, "MokList", mok.data, mok.len);
        else
                r = measure_events_add(l, RTMR_PCR14, EV_IPL, NULL, "shim-mok",
                                       "MokList: not predicted: this shim has no built-in vendor "
                                       "certificate", "MokList", sizeof("MokList"));
        if (r >= 0)
                r = add_ipl(l, "MokListX", mokx.data, mokx.len);
        if (r >= 0)
                r = add_sbat_level(l, pe, len);
        if (r >= 0)
                r = add_ipl(l, "MokListTrusted", &trusted, 1);
        return r < 0 ? r : 0;
}
