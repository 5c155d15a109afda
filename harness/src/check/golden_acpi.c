/* ACPI digests from a QEMU binary; see golden_acpi.h. */
#include "check/golden_acpi.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "run/acpi_qemu.h"

/* The fake platform's firmware is Debian 12's OVMF 2022.11 under TCG
 * (TDX-REFERENCE §12); its profile names that generation. */
static int chipset_for(const struct profile *prof, struct acpi_qemu_chipset *ret,
                       struct tdxh_err *e)
{
        if (prof->platform == PLATFORM_FAKE) {
                *ret = acpi_qemu_ovmf_2022_tcg();
                return 0;
        }
        return err_setf(e, -EOPNOTSUPP,
                        "--qemu: profile %s: the 64-bit PCI window OVMF places in a TD (it "
                        "follows the TD's guest physical address width) is not modelled; take "
                        "the ACPI digests from a reference boot with --acpi-from-log",
                        prof->name);
}

static int dump(const char *dir, const struct acpi_qemu_blob *const b[ACPI_BLOB_COUNT],
                struct tdxh_err *e)
{
        static const char *const names[] = { "table-loader", "rsdp", "tables" };
        int r = file_mkdir_p(dir, 0755);

        if (r < 0)
                return err_setf(e, r, "--acpi-dump: cannot create %s: %s", dir, strerror(-r));
        for (int i = 0; i < ACPI_BLOB_COUNT; i++) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", dir, names[i]) < 0)
                        return -ENOMEM;
                r = file_write_atomic(path, b[i]->data, b[i]->len, 0644, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* OVMF measures the loader, then each allocated blob in command order
 * (TDX-REFERENCE §3.1 rows 10-11). The fake machine's TPM adds etc/tpm/log,
 * which the fake's firmware does not measure (it measures no ACPI blob);
 * any other extra blob would be a fourth event this prediction lacks. */
static int pick(const struct acpi_qemu_blobs *blobs, bool fake,
                const struct acpi_qemu_blob *ret[ACPI_BLOB_COUNT], struct tdxh_err *e)
{
        int next = ACPI_RSDP;

        ret[ACPI_TABLE_LOADER] = &blobs->v[0];
        for (size_t i = 1; i < blobs->n; i++) {
                const char *n = blobs->v[i].name;

                if (fake && strcmp(n, "etc/tpm/log") == 0)
                        continue;
                if (next == ACPI_BLOB_COUNT || strcmp(n, acpi_blob_fw_cfg_name(next)) != 0)
                        return err_setf(e, -EPROTO,
                                        "--qemu: etc/table-loader allocates '%s' where %s was "
                                        "expected: the loader is not the one RTMR0 is predicted for",
                                        n, next == ACPI_BLOB_COUNT ? "no further blob"
                                                                   : acpi_blob_fw_cfg_name(next));
                ret[next++] = &blobs->v[i];
        }
        if (next != ACPI_BLOB_COUNT)
                return err_setf(e, -EPROTO, "--qemu: etc/table-loader does not allocate %s",
                                acpi_blob_fw_cfg_name(next));
        return 0;
}

int golden_acpi_from_qemu(const struct golden_acpi_params *p,
                          uint8_t ret[ACPI_BLOB_COUNT][SHA384_LEN], const char **ret_note,
                          struct tdxh_err *e)
{
        _cleanup_acpi_qemu_blobs_ struct acpi_qemu_blobs blobs = { .n = 0 };
        const struct acpi_qemu_blob *b[ACPI_BLOB_COUNT];
        struct acpi_qemu_params ap = { .qemu = p->qemu, .firmware = p->firmware,
                                       .memory = p->memory, .vcpus = p->vcpus ? p->vcpus : 1,
                                       .sig = p->sig };
        bool fake = p->profile->platform == PLATFORM_FAKE, tdx = false;
        uint8_t d[ACPI_BLOB_COUNT][SHA384_LEN];
        int r;

        *ret_note = NULL;
        r = acpi_qemu_has_tdx(p->qemu, p->sig, &tdx, e);
        if (r < 0)
                return r;
        if (!tdx && !fake)
                return err_setf(e, -EOPNOTSUPP,
                                "--qemu: %s has no tdx-guest object, so it cannot build the "
                                "machine of profile %s (QEMU >= 10.1 with TDX can); use "
                                "--acpi-from-log or --acpi-dir",
                                p->qemu ? p->qemu : "qemu-system-x86_64", p->profile->name);
        if (!tdx)
                *ret_note = "this QEMU has no tdx-guest object: the ACPI blobs are those of "
                            "the fake platform's machine (q35, TCG, swtpm TPM)";
        r = chipset_for(p->profile, &ap.chipset, e);
        if (r < 0)
                return r;
        ap.backend = fake ? BACKEND_FAKE : BACKEND_QEMU_TDX;
        r = acpi_qemu_read(&ap, &blobs, e);
        if (r < 0)
                return r;
        r = pick(&blobs, fake, b, e);
        if (r < 0)
                return r;
        for (int i = 0; i < ACPI_BLOB_COUNT; i++) {
                r = digest_buf(DIGEST_SHA384, b[i]->data, b[i]->len, d[i]);
                if (r < 0)
                        return r;
        }
        if (p->dump_dir) {
                r = dump(p->dump_dir, b, e);
                if (r < 0)
                        return r;
        }
        memcpy(ret, d, sizeof(d));
        return 0;
}
