/* The tdx provider: a real TD (TDX-REFERENCE §7). Registers come from the
 * sysfs measurement files (Linux ≥ 6.16) or, before that, from a TDREPORT
 * (/dev/tdx_guest, TDX_CMD_GET_REPORT0, Linux ≥ 6.2), which also gives the TD
 * attributes and XFAM. RTMR3 is extended through sysfs only: no upstream
 * kernel offers another way. Quotes come from configfs-tsm (Linux ≥ 6.7),
 * the event log from the ACPI CCEL table. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "provider.h"
#include "sysfile.h"

#define TDX_DEVICE "/dev/tdx_guest"
#define TDX_MEASUREMENTS "/sys/class/misc/tdx_guest/measurements"
#define TSM_REPORT_DIR "/sys/kernel/config/tsm/report"
#define CCEL_TABLE_DATA "/sys/firmware/acpi/tables/data/CCEL"
#define TDX_CMD_GET_REPORT0 0xC4405401ul
#define MAX_QUOTE (32u << 10)
#define MAX_CCEL (64u << 20)

/* TDREPORT offsets (§6.1). */
#define TDINFO_ATTRIBUTES 512
#define TDINFO_XFAM 520
#define TDINFO_MRTD 528
#define TDINFO_RTMR0 720

struct tdx_report_req {
        uint8_t reportdata[AGENT_REPORT_DATA_LEN];
        uint8_t tdreport[AGENT_TDREPORT_LEN];
};

static bool exists(const char *root, const char *path)
{
        _cleanup_free_ char *full = NULL;

        if (asprintf(&full, "%s%s", root, path) < 0)
                return false;
        return access(full, F_OK) == 0;
}

static int tdx_probe(const char *root)
{
        return exists(root, TDX_DEVICE) || exists(root, TDX_MEASUREMENTS) ? 0 : -ENODEV;
}

static int tdx_report(struct provider *p, const uint8_t report_data[AGENT_REPORT_DATA_LEN],
                      uint8_t ret_tdreport[AGENT_TDREPORT_LEN], struct tdxh_err *e)
{
        _cleanup_free_ char *dev = provider_path(p, TDX_DEVICE);
        _cleanup_close_ int fd = -1;
        struct tdx_report_req req;

        if (!dev)
                return -ENOMEM;
        fd = open(dev, O_RDWR | O_CLOEXEC);
        if (fd < 0)
                return err_setf(e, errno == ENOENT ? -EOPNOTSUPP : -errno, "%s: cannot open: %s",
                                dev, strerror(errno));
        memset(&req, 0, sizeof(req));
        memcpy(req.reportdata, report_data, AGENT_REPORT_DATA_LEN);
        if (ioctl(fd, TDX_CMD_GET_REPORT0, &req) < 0)
                return err_setf(e, -errno, "%s: TDX_CMD_GET_REPORT0 failed: %s", dev,
                                strerror(errno));
        memcpy(ret_tdreport, req.tdreport, AGENT_TDREPORT_LEN);
        return 0;
}

static int read_measurement(struct provider *p, const char *file, uint8_t out[AGENT_MR_LEN],
                            struct tdxh_err *e)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s%s/%s", p->root, TDX_MEASUREMENTS, file) < 0)
                return -ENOMEM;
        return sysfile_read_exact(path, out, AGENT_MR_LEN, e);
}

static int tdx_registers(struct provider *p, struct agent_registers *ret, struct tdxh_err *e)
{
        static const uint8_t zero[AGENT_REPORT_DATA_LEN];
        uint8_t rep[AGENT_TDREPORT_LEN];
        bool have_report, sysfs = exists(p->root, TDX_MEASUREMENTS);
        char file[16];
        int r;

        have_report = tdx_report(p, zero, rep, sysfs ? NULL : e) >= 0;
        if (!sysfs && !have_report)
                return e->code ? e->code : -EIO;
        if (sysfs) {
                r = read_measurement(p, "mrtd:sha384", ret->mrtd, e);
                for (int i = 0; i < 4 && r >= 0; i++) {
                        snprintf(file, sizeof(file), "rtmr%d:sha384", i);
                        r = read_measurement(p, file, ret->rtmr[i], e);
                }
                if (r < 0)
                        return r;
        } else {
                memcpy(ret->mrtd, rep + TDINFO_MRTD, AGENT_MR_LEN);
                for (int i = 0; i < 4; i++)
                        memcpy(ret->rtmr[i], rep + TDINFO_RTMR0 + AGENT_MR_LEN * i,
                               AGENT_MR_LEN);
        }
        ret->has_mrtd = true;
        if (have_report) {
                memcpy(ret->td_attributes, rep + TDINFO_ATTRIBUTES, AGENT_ATTR_LEN);
                memcpy(ret->xfam, rep + TDINFO_XFAM, AGENT_ATTR_LEN);
                ret->has_td_attributes = ret->has_xfam = true;
        }
        snprintf(ret->source, sizeof(ret->source), "%s%s",
                 sysfs ? "sysfs measurements" : "TDREPORT (" TDX_DEVICE ")",
                 sysfs && have_report ? "; attributes and xfam from TDREPORT" : "");
        return 0;
}

static int tdx_event_log(struct provider *p, const char **ret_format, uint8_t **ret_log,
                         size_t *ret_len, struct tdxh_err *e)
{
        _cleanup_free_ char *path = provider_path(p, CCEL_TABLE_DATA);
        int r;

        if (!path)
                return -ENOMEM;
        r = sysfile_read(path, MAX_CCEL, ret_log, ret_len, e);
        if (r >= 0)
                *ret_format = "ccel";
        return r;
}

static int tdx_extend(struct provider *p, const uint8_t digest[AGENT_MR_LEN],
                      uint8_t ret_rtmr3[AGENT_MR_LEN], struct tdxh_err *e)
{
        _cleanup_free_ char *path = NULL;
        int r;

        if (!exists(p->root, TDX_MEASUREMENTS))
                return err_setf(e, -EOPNOTSUPP, "RTMR3 extend needs %s (Linux 6.16 or later)",
                                TDX_MEASUREMENTS);
        if (asprintf(&path, "%s%s/rtmr3:sha384", p->root, TDX_MEASUREMENTS) < 0)
                return -ENOMEM;
        /* The kernel hands the 48 bytes to TDG.MR.RTMR.EXTEND unhashed. */
        r = sysfile_write(path, digest, AGENT_MR_LEN, e);
        if (r < 0)
                return r;
        return sysfile_read_exact(path, ret_rtmr3, AGENT_MR_LEN, e);
}

static int gen_read(const char *dir, uint64_t *ret, struct tdxh_err *e)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/generation", dir) < 0)
                return -ENOMEM;
        return sysfile_read_u64(path, ret, e);
}

/* One configfs-tsm report: the generation counter is read before the
 * write, after it (one more) and after reading outblob (unchanged), so a
 * concurrent writer cannot slip its quote in. */
static int tsm_quote(const char *dir, const uint8_t rd[AGENT_REPORT_DATA_LEN], uint8_t **ret,
                     size_t *ret_len, struct tdxh_err *e)
{
        _cleanup_free_ char *inblob = NULL, *outblob = NULL, *provider_file = NULL;
        _cleanup_free_ uint8_t *prov = NULL, *quote = NULL;
        uint64_t g0, g1, g2;
        size_t n = 0, qlen = 0;
        int r;

        if (asprintf(&inblob, "%s/inblob", dir) < 0 || asprintf(&outblob, "%s/outblob", dir) < 0 ||
            asprintf(&provider_file, "%s/provider", dir) < 0)
                return -ENOMEM;
        r = sysfile_read(provider_file, 64, &prov, &n, e);
        if (r < 0)
                return r;
        if (strncmp((char *)prov, "tdx_guest", 9) != 0)
                return err_setf(e, -EOPNOTSUPP, "%s: provider is \"%.32s\", not tdx_guest",
                                provider_file, (char *)prov);
        r = gen_read(dir, &g0, e);
        if (r >= 0)
                r = sysfile_write(inblob, rd, AGENT_REPORT_DATA_LEN, e);
        if (r >= 0)
                r = gen_read(dir, &g1, e);
        if (r >= 0)
                r = sysfile_read(outblob, MAX_QUOTE, &quote, &qlen, e);
        if (r >= 0)
                r = gen_read(dir, &g2, e);
        if (r < 0)
                return r;
        if (g1 != g0 + 1 || g2 != g1)
                return err_setf(e, -EBUSY, "%s: generation went %llu, %llu, %llu: another "
                                "writer used the report", dir, (unsigned long long)g0,
                                (unsigned long long)g1, (unsigned long long)g2);
        *ret = TAKE_PTR(quote);
        *ret_len = qlen;
        return 0;
}

static int tdx_quote(struct provider *p, const uint8_t report_data[AGENT_REPORT_DATA_LEN],
                     uint8_t **ret_quote, size_t *ret_len, struct tdxh_err *e)
{
        _cleanup_free_ char *dir = NULL;
        int r;

        if (!exists(p->root, TSM_REPORT_DIR))
                return err_setf(e, -EOPNOTSUPP, "quotes need %s (Linux 6.7 or later, configfs "
                                "mounted)", TSM_REPORT_DIR);
        if (asprintf(&dir, "%s%s/tdxh-%ld", p->root, TSM_REPORT_DIR, (long)getpid()) < 0)
                return -ENOMEM;
        if (mkdir(dir, 0700) < 0 && errno != EEXIST)
                return err_setf(e, -errno, "%s: cannot create: %s", dir, strerror(errno));
        r = tsm_quote(dir, report_data, ret_quote, ret_len, e);
        (void)rmdir(dir);
        return r;
}

const struct provider_ops provider_tdx_ops = {
        .name = "tdx",
        .probe = tdx_probe,
        .registers = tdx_registers,
        .event_log = tdx_event_log,
        .extend_rtmr3 = tdx_extend,
        .report = tdx_report,
        .quote = tdx_quote,
};
