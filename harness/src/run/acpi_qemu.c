/* ACPI blobs from a paused QEMU; see acpi_qemu.h. Sources of the registers
 * and values, each checked against the upstream trees:
 *   [Q] QEMU: docs/specs/fw_cfg.rst (ports 0x510/0x511/0x514, the DMA
 *       access structure, item 0x19 = file directory), hw/nvram/fw_cfg.c,
 *       include/hw/pci-host/q35.h (MCH_HOST_BRIDGE_PCIEXBAR 0x60, enable
 *       bit 0), include/hw/southbridge/ich9.h (LPC 00:1f.0: PMBASE 0x40,
 *       ACPI_CTRL 0x44 with ACPI_EN 0x80), hw/pci-host/q35.c
 *       (q35_host_get_pci_hole64_start: the DSDT's 64-bit window starts at
 *       the lowest enabled 64-bit BAR), hw/acpi/bios-linker-loader.c
 *       (128-byte loader commands, ALLOCATE = 1 with the file name at +4).
 *   [E] edk2 OvmfPkg: PlatformInitLib/Platform.c (PCIEXBAR high then low
 *       with bit 0, PMBASE masked with 0xFF80 and set to
 *       PcdAcpiPmBaseAddress 0x600, then ACPI_EN), PlatformInitLib/
 *       MemDetect.c PlatformDynamicMmioWindow (the 64-bit aperture is the
 *       top eighth of the physical address space), OvmfPkgX64.dsc
 *       (PcdPciExpressBaseAddress: 0xB0000000 in the 2022 builds, later
 *       0xE0000000). */
#include "run/acpi_qemu.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/strv.h"
#include "run/child.h"
#include "run/qemu_argv.h"
#include "run/qtest.h"
#include "run/rundir.h"
#include "run/swtpm.h"

#define PCI_CFG_ADDR 0xcf8
#define PCI_CFG_DATA 0xcfc
#define MCH_PCIEXBAR 0x60        /* [Q] q35.h, 64-bit: low dword, high at +4 */
#define MCH_PCIEXBAR_EN 0x1
#define LPC_DEV 31               /* [Q] ich9.h ICH9_LPC_DEV */
#define LPC_PMBASE 0x40
#define LPC_PMBASE_MASK 0xff80u  /* [E] ICH9_PMBASE_MASK, bits 15..7 */
#define LPC_ACPI_CTRL 0x44
#define LPC_ACPI_EN 0x80
#define OVMF_PMBASE 0x600        /* [E] PcdAcpiPmBaseAddress */
#define FW_CFG_PORT_SEL 0x510    /* [Q] fw_cfg.rst, "Register Locations" */
#define FW_CFG_PORT_DATA 0x511
#define FW_CFG_PORT_DMA 0x514    /* big-endian; writing the low half at +4 starts it */
#define FW_CFG_ID 0x01
#define FW_CFG_ID_DMA 0x2
#define FW_CFG_FILE_DIR 0x19
#define FW_CFG_DMA_CTL_ERROR 0x01
#define FW_CFG_DMA_CTL_READ 0x02
#define FW_CFG_DMA_CTL_SELECT 0x08
#define LOADER_CMD_LEN 128       /* [Q] bios-linker-loader.c BiosLinkerLoaderEntry */
#define LOADER_ALLOCATE 1
/* Guest RAM used for the DMA descriptor and the bounce buffer: nothing runs
 * (-S), so any RAM below 16 MiB (the platform's minimum) will do. */
#define DMA_DESC_GPA 0x8000
#define DMA_BUF_GPA 0x100000
#define DMA_CHUNK (1u << 20)

struct acpi_qemu_chipset acpi_qemu_ovmf_2022_tcg(void)
{
        /* QEMU's TCG CPU has 40 physical address bits (target/i386/cpu.h
         * TCG_PHYS_ADDR_BITS); OVMF puts its aperture at 2^40 - 2^37. */
        return (struct acpi_qemu_chipset){ .pciexbar = 0xB0000000u,
                                           .mmio64_base = (1ull << 40) - (1ull << 37) };
}

void acpi_qemu_blobs_free(struct acpi_qemu_blobs *b)
{
        for (size_t i = 0; i < b->n; i++)
                free(b->v[i].data);
        b->n = 0;
}

static uint32_t cfg_addr(unsigned dev, unsigned reg)
{
        return 0x80000000u | dev << 11 | (reg & 0xfc);
}

static int cfg_write(struct qtest *q, unsigned width, unsigned dev, unsigned reg, uint32_t v,
                     struct tdxh_err *e)
{
        int r = qtest_out(q, 4, PCI_CFG_ADDR, cfg_addr(dev, reg), e);

        return r < 0 ? r : qtest_out(q, width, (uint16_t)(PCI_CFG_DATA + (reg & 3)), v, e);
}

static int cfg_read(struct qtest *q, unsigned width, unsigned dev, unsigned reg, uint32_t *v,
                    struct tdxh_err *e)
{
        int r = qtest_out(q, 4, PCI_CFG_ADDR, cfg_addr(dev, reg), e);

        return r < 0 ? r : qtest_in(q, width, (uint16_t)(PCI_CFG_DATA + (reg & 3)), v, e);
}

/* OVMF sizes and places every BAR; the tables see only the lowest 64-bit
 * one, which OVMF puts at the base of its aperture. The first 64-bit
 * memory BAR on bus 0 stands in for it. */
static int place_mmio64(struct qtest *q, uint64_t base, struct tdxh_err *e)
{
        for (unsigned dev = 0; dev < 32; dev++) {
                uint32_t id, bar, cmd;
                int r = cfg_read(q, 4, dev, 0x00, &id, e);

                if (r < 0)
                        return r;
                if ((id & 0xffff) == 0xffff)
                        continue;
                for (unsigned reg = 0x10; reg < 0x24; reg += 4) {
                        r = cfg_read(q, 4, dev, reg, &bar, e);
                        if (r < 0)
                                return r;
                        /* memory BAR (bit 0 clear), type 64-bit (bits 2:1 = 10) */
                        if ((bar & 0x1) || (bar & 0x6) != 0x4)
                                continue;
                        if ((r = cfg_write(q, 4, dev, reg, (uint32_t)base, e)) < 0 ||
                            (r = cfg_write(q, 4, dev, reg + 4, (uint32_t)(base >> 32), e)) < 0 ||
                            (r = cfg_read(q, 2, dev, 0x04, &cmd, e)) < 0)
                                return r;
                        /* PCI_COMMAND_MEMORY: an unmapped BAR does not count */
                        return cfg_write(q, 2, dev, 0x04, cmd | 0x2, e);
                }
        }
        return 0;
}

static int program_chipset(struct qtest *q, const struct acpi_qemu_chipset *c, struct tdxh_err *e)
{
        uint32_t v;
        int r;

        if ((r = cfg_write(q, 4, 0, MCH_PCIEXBAR + 4, 0, e)) < 0 ||
            (r = cfg_write(q, 4, 0, MCH_PCIEXBAR, c->pciexbar | MCH_PCIEXBAR_EN, e)) < 0 ||
            (r = cfg_read(q, 4, LPC_DEV, LPC_PMBASE, &v, e)) < 0 ||
            (r = cfg_write(q, 4, LPC_DEV, LPC_PMBASE, (v & ~LPC_PMBASE_MASK) | OVMF_PMBASE, e)) < 0 ||
            (r = cfg_read(q, 1, LPC_DEV, LPC_ACPI_CTRL, &v, e)) < 0 ||
            (r = cfg_write(q, 1, LPC_DEV, LPC_ACPI_CTRL, v | LPC_ACPI_EN, e)) < 0)
                return r;
        return c->mmio64_base ? place_mmio64(q, c->mmio64_base, e) : 0;
}

static uint32_t be32(const uint8_t *p)
{
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
        p[0] = (uint8_t)(v >> 24);
        p[1] = (uint8_t)(v >> 16);
        p[2] = (uint8_t)(v >> 8);
        p[3] = (uint8_t)v;
}

/* The 32-bit port writes are little-endian on x86 while the DMA register
 * is big-endian, hence the byte swap. */
static uint32_t swap32(uint32_t v)
{
        return v >> 24 | (v >> 8 & 0xff00) | (v << 8 & 0xff0000) | v << 24;
}

/* Reads len bytes of item sel through DMA (the first chunk selects it, the
 * next ones continue at the item's offset). */
static int fwcfg_read(struct qtest *q, uint16_t sel, uint8_t *out, size_t len, struct tdxh_err *e)
{
        for (size_t done = 0; done < len || (done == 0 && len == 0);) {
                size_t n = len - done < DMA_CHUNK ? len - done : DMA_CHUNK;
                uint8_t desc[16] = { 0 }, ctl[4];
                uint32_t control = FW_CFG_DMA_CTL_READ | (done ? 0 : (uint32_t)sel << 16 |
                                                                     FW_CFG_DMA_CTL_SELECT);
                int r;

                put_be32(desc, control);
                put_be32(desc + 4, (uint32_t)n);
                put_be32(desc + 12, DMA_BUF_GPA);
                if ((r = qtest_mem_write(q, DMA_DESC_GPA, desc, sizeof(desc), e)) < 0 ||
                    (r = qtest_out(q, 4, FW_CFG_PORT_DMA, 0, e)) < 0 ||
                    (r = qtest_out(q, 4, FW_CFG_PORT_DMA + 4, swap32(DMA_DESC_GPA), e)) < 0 ||
                    (r = qtest_mem_read(q, DMA_DESC_GPA, ctl, sizeof(ctl), e)) < 0)
                        return r;
                if (be32(ctl) != 0)
                        return err_setf(e, -EIO, "fw_cfg: DMA read of item 0x%x at offset %zu "
                                        "ended with control 0x%x", sel, done, be32(ctl));
                if (n == 0)
                        return 0;
                r = qtest_mem_read(q, DMA_BUF_GPA, out + done, n, e);
                if (r < 0)
                        return r;
                done += n;
        }
        return 0;
}

static int fwcfg_has_dma(struct qtest *q, struct tdxh_err *e)
{
        uint32_t b, id = 0;
        int r = qtest_out(q, 2, FW_CFG_PORT_SEL, FW_CFG_ID, e);

        for (int i = 0; i < 4 && r >= 0; i++) {
                r = qtest_in(q, 1, FW_CFG_PORT_DATA, &b, e);
                id |= (b & 0xff) << (8 * i); /* little-endian ([Q] fw_cfg.rst) */
        }
        if (r < 0)
                return r;
        if (!(id & FW_CFG_ID_DMA))
                return err_setf(e, -EIO, "fw_cfg: this QEMU offers no DMA interface "
                                "(FW_CFG_ID 0x%x)", id);
        return 0;
}

struct fwcfg_file {
        uint32_t size;
        uint16_t select;
        char name[57];
};

static int read_directory(struct qtest *q, struct fwcfg_file **ret, size_t *ret_n,
                          struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *raw = NULL;
        _cleanup_free_ struct fwcfg_file *files = NULL;
        uint8_t head[4];
        uint32_t n;
        int r;

        r = fwcfg_read(q, FW_CFG_FILE_DIR, head, sizeof(head), e);
        if (r < 0)
                return r;
        n = be32(head);
        if (n > 4096)
                return err_setf(e, -EIO, "fw_cfg: directory claims %u files", n);
        raw = malloc(4 + 64 * (size_t)n);
        files = calloc(n ? n : 1, sizeof(*files));
        if (!raw || !files)
                return -ENOMEM;
        r = fwcfg_read(q, FW_CFG_FILE_DIR, raw, 4 + 64 * (size_t)n, e);
        if (r < 0)
                return r;
        for (uint32_t i = 0; i < n; i++) {
                const uint8_t *f = raw + 4 + 64 * (size_t)i;

                files[i].size = be32(f);
                files[i].select = (uint16_t)(f[4] << 8 | f[5]);
                memcpy(files[i].name, f + 8, 56);
                files[i].name[56] = '\0';
        }
        *ret = TAKE_PTR(files);
        *ret_n = n;
        return 0;
}

static int read_blob(struct qtest *q, const struct fwcfg_file *files, size_t n, const char *name,
                     struct acpi_qemu_blobs *out, struct tdxh_err *e)
{
        struct acpi_qemu_blob *b;
        int r;

        for (size_t i = 0; i < n; i++) {
                if (strcmp(files[i].name, name) != 0)
                        continue;
                if (out->n == ACPI_QEMU_MAX_BLOBS)
                        return err_setf(e, -EIO, "fw_cfg: the loader allocates more than %d blobs",
                                        ACPI_QEMU_MAX_BLOBS - 1);
                b = &out->v[out->n];
                b->data = malloc(files[i].size ? files[i].size : 1);
                if (!b->data)
                        return -ENOMEM;
                snprintf(b->name, sizeof(b->name), "%s", name);
                b->len = files[i].size;
                out->n++;
                r = fwcfg_read(q, files[i].select, b->data, b->len, e);
                return r < 0 ? r : 0;
        }
        return err_setf(e, -EIO, "fw_cfg: no item '%s' in the directory", name);
}

/* The loader first, then each blob an ALLOCATE command names, in order. */
static int read_blobs(struct qtest *q, struct acpi_qemu_blobs *out, struct tdxh_err *e)
{
        _cleanup_free_ struct fwcfg_file *files = NULL;
        size_t n = 0;
        int r;

        if ((r = fwcfg_has_dma(q, e)) < 0 || (r = read_directory(q, &files, &n, e)) < 0 ||
            (r = read_blob(q, files, n, ACPI_QEMU_LOADER, out, e)) < 0)
                return r;
        for (size_t off = 0; off + LOADER_CMD_LEN <= out->v[0].len; off += LOADER_CMD_LEN) {
                const uint8_t *cmd = out->v[0].data + off;
                char name[57];

                /* commands are little-endian u32s ([Q] bios-linker-loader.c) */
                if ((cmd[0] | cmd[1] << 8 | cmd[2] << 16 | (uint32_t)cmd[3] << 24) != LOADER_ALLOCATE)
                        continue;
                memcpy(name, cmd + 4, 56);
                name[56] = '\0';
                r = read_blob(q, files, n, name, out, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* The platform's own command line (qemu_argv.h) for this shape, without
 * what cannot reach the ACPI tables: -kernel, -initrd and -append load
 * through fw_cfg only. */
static int shape_argv(const struct acpi_qemu_params *p, const char *rt, struct strv *ret,
                      struct tdxh_err *e)
{
        _cleanup_platform_ struct platform pl;
        _cleanup_strv_ struct strv full = STRV_INIT;
        _cleanup_free_ char *serial = NULL, *agent = NULL, *tpm = NULL;
        int r;

        platform_init(&pl, p->backend);
        pl.memory = p->memory;
        pl.vcpus = p->vcpus;
        /* The TDX shape's -accel kvm -cpu host would need KVM; the machine
         * and devices are what shape the tables. */
        pl.accel = ACCEL_TCG;
        if (asprintf(&serial, "%s/console.log", rt) < 0 || asprintf(&agent, "%s/agent.sock", rt) < 0 ||
            asprintf(&tpm, "%s/swtpm.sock", rt) < 0)
                return -ENOMEM;
        if (platform_set(&pl.qemu, p->qemu) < 0 || platform_set(&pl.firmware, p->firmware) < 0 ||
            platform_set(&pl.kernel, "/dev/null") < 0 || platform_set(&pl.serial_log, serial) < 0 ||
            platform_set(&pl.agent_socket, agent) < 0 ||
            (p->backend == BACKEND_FAKE && platform_set(&pl.tpm_socket, tpm) < 0))
                return -ENOMEM;
        if (p->backend == BACKEND_QEMU_TDX)
                pl.accel = ACCEL_KVM;
        r = qemu_argv_build(&pl, &full, e);
        if (r < 0)
                return r;
        for (size_t i = 0; i < full.n; i++) {
                const char *a = full.v[i];

                if (i + 1 < full.n && (strcmp(a, "-kernel") == 0 || strcmp(a, "-initrd") == 0 ||
                                       strcmp(a, "-append") == 0 || strcmp(a, "-cpu") == 0 ||
                                       strcmp(a, "-object") == 0)) {
                        i++;
                        continue;
                }
                if (i > 0 && strcmp(full.v[i - 1], "-accel") == 0)
                        a = "tcg";
                if (i > 0 && strcmp(full.v[i - 1], "-machine") == 0 && p->backend == BACKEND_QEMU_TDX)
                        /* without the tdx-guest object it refers to */
                        a = "q35,kernel-irqchip=split,smm=off,pic=off,hpet=off";
                if (strv_push(ret, a) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int acpi_qemu_has_tdx(const char *qemu, struct signal_watch *sig, bool *ret, struct tdxh_err *e)
{
        const char *argv[] = { qemu ? qemu : PLATFORM_DEFAULT_QEMU, "-object", "help", NULL };
        struct deadline d = deadline_in_ms(30000);
        _cleanup_free_ char *out = NULL;
        int r;

        r = child_run_capture(argv, 1 << 20, &d, sig, &out, e);
        if (r < 0)
                return r;
        *ret = strstr(out, "tdx-guest") != NULL;
        return 0;
}

static int start_tpm(const struct acpi_qemu_params *p, const char *rt, struct swtpm *t,
                     struct tdxh_err *e)
{
        _cleanup_free_ char *state = NULL, *sock = NULL, *log = NULL, *out = NULL;
        struct swtpm_opts o = { .swtpm = p->swtpm, .swtpm_setup = p->swtpm_setup };

        if (asprintf(&state, "%s/tpm", rt) < 0 || asprintf(&sock, "%s/swtpm.sock", rt) < 0 ||
            asprintf(&log, "%s/swtpm.log", rt) < 0 || asprintf(&out, "%s/swtpm.out", rt) < 0)
                return -ENOMEM;
        o.state_dir = state;
        o.ctrl_socket = sock;
        o.log_path = log;
        o.output_path = out;
        return swtpm_start(t, &o, p->sig, e);
}

static void remove_runtime(char **dir)
{
        if (*dir)
                (void)remove_tree(*dir);
        free(*dir);
}

int acpi_qemu_read(const struct acpi_qemu_params *p, struct acpi_qemu_blobs *ret,
                   struct tdxh_err *e)
{
        __attribute__((cleanup(remove_runtime))) char *rt = NULL;
        _cleanup_swtpm_ struct swtpm tpm = SWTPM_INIT;
        _cleanup_qtest_ struct qtest q = QTEST_INIT;
        _cleanup_strv_ struct strv argv = STRV_INIT;
        _cleanup_acpi_qemu_blobs_ struct acpi_qemu_blobs blobs = { .n = 0 };
        _cleanup_free_ char *sock = NULL, *err_log = NULL;
        char tmpl[] = "/tmp/tdxh-XXXXXX";
        struct deadline d = deadline_in_ms(p->timeout_ms ? p->timeout_ms : 60000);
        int r;

        if (!mkdtemp(tmpl))
                return err_setf(e, -errno, "cannot create a directory under /tmp: %s",
                                strerror(errno));
        rt = strdup(tmpl);
        if (!rt || asprintf(&sock, "%s/qtest.sock", rt) < 0 ||
            asprintf(&err_log, "%s/qemu.err", rt) < 0)
                return -ENOMEM;
        r = shape_argv(p, rt, &argv, e);
        if (r < 0)
                return r;
        if (p->backend == BACKEND_FAKE) {
                r = start_tpm(p, rt, &tpm, e);
                if (r < 0)
                        return r;
        }
        r = qtest_start(&q, &argv, sock, err_log, d, p->sig, e);
        if (r >= 0)
                r = program_chipset(&q, &p->chipset, e);
        if (r >= 0)
                r = read_blobs(&q, &blobs, e);
        if (r < 0)
                return r;
        *ret = blobs;
        blobs.n = 0;
        return 0;
}
