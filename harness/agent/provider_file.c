/* The file provider: a directory stands in for the platform, so request
 * handling can be tested on the host. Layout (all optional unless noted):
 *   mrtd, rtmr0, rtmr1, rtmr2 (required), rtmr3   48 raw bytes each
 *                                                  (rtmr3 absent = zeros)
 *   td_attributes, xfam                            8 raw bytes each
 *   eventlog, eventlog.format ("ccel" or "tpm")    the firmware log
 *   tdreport                                       1024 bytes; report returns
 *                                                  it with REPORTDATA replaced
 *   quote                                          returned as it is
 * extend rewrites rtmr3 with SHA384(rtmr3 || digest). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/digest.h"
#include "core/file.h"
#include "provider.h"
#include "sysfile.h"

#define TDREPORT_REPORT_DATA_OFFSET 128

static char *path_in(const struct provider *p, const char *name)
{
        char *s = NULL;

        if (asprintf(&s, "%s/%s", p->dir, name) < 0)
                return NULL;
        return s;
}

/* Reads dir/name of exactly len bytes; ret_present false when it is absent. */
static int read_reg(const struct provider *p, const char *name, uint8_t *out, size_t len,
                    bool *ret_present, struct tdxh_err *e)
{
        _cleanup_free_ char *path = path_in(p, name);

        if (!path)
                return -ENOMEM;
        if (access(path, F_OK) < 0 && errno == ENOENT) {
                memset(out, 0, len);
                *ret_present = false;
                return 0;
        }
        *ret_present = true;
        return sysfile_read_exact(path, out, len, e);
}

static int file_open(struct provider *p, struct tdxh_err *e)
{
        struct stat st;

        if (stat(p->dir, &st) < 0 || !S_ISDIR(st.st_mode))
                return err_setf(e, -ENOENT, "%s: not a directory", p->dir);
        return 0;
}

static int file_registers(struct provider *p, struct agent_registers *ret, struct tdxh_err *e)
{
        bool present;
        char name[8];
        int r;

        r = read_reg(p, "mrtd", ret->mrtd, AGENT_MR_LEN, &ret->has_mrtd, e);
        for (int i = 0; i < 4 && r >= 0; i++) {
                snprintf(name, sizeof(name), "rtmr%d", i);
                r = read_reg(p, name, ret->rtmr[i], AGENT_MR_LEN, &present, e);
                if (r >= 0 && !present && i < 3)
                        r = err_setf(e, -ENOENT, "%s/%s: missing", p->dir, name);
        }
        if (r >= 0)
                r = read_reg(p, "td_attributes", ret->td_attributes, AGENT_ATTR_LEN,
                             &ret->has_td_attributes, e);
        if (r >= 0)
                r = read_reg(p, "xfam", ret->xfam, AGENT_ATTR_LEN, &ret->has_xfam, e);
        if (r < 0)
                return r;
        snprintf(ret->source, sizeof(ret->source), "files in %.120s", p->dir);
        return 0;
}

static int file_event_log(struct provider *p, const char **ret_format, uint8_t **ret_log,
                          size_t *ret_len, struct tdxh_err *e)
{
        _cleanup_free_ char *path = path_in(p, "eventlog"), *fpath = path_in(p, "eventlog.format");
        _cleanup_free_ uint8_t *fmt = NULL;
        const char *format = "ccel";
        size_t n = 0;
        int r;

        if (!path || !fpath)
                return -ENOMEM;
        if (access(fpath, F_OK) == 0) {
                r = sysfile_read(fpath, 16, &fmt, &n, e);
                if (r < 0)
                        return r;
                if (strncmp((char *)fmt, "tpm", 3) == 0)
                        format = "tpm";
        }
        r = sysfile_read(path, 64u << 20, ret_log, ret_len, e);
        if (r < 0)
                return r;
        *ret_format = format;
        return 0;
}

static int file_extend(struct provider *p, const uint8_t digest[AGENT_MR_LEN],
                       uint8_t ret_rtmr3[AGENT_MR_LEN], struct tdxh_err *e)
{
        _cleanup_free_ char *path = path_in(p, "rtmr3");
        uint8_t v[AGENT_MR_LEN];
        bool present;
        int r;

        if (!path)
                return -ENOMEM;
        r = read_reg(p, "rtmr3", v, sizeof(v), &present, e);
        if (r < 0)
                return r;
        rtmr_extend(v, digest);
        r = file_write_atomic(path, v, sizeof(v), 0644, e);
        if (r < 0)
                return r;
        memcpy(ret_rtmr3, v, sizeof(v));
        return 0;
}

static int file_report(struct provider *p, const uint8_t report_data[AGENT_REPORT_DATA_LEN],
                       uint8_t ret_tdreport[AGENT_TDREPORT_LEN], struct tdxh_err *e)
{
        uint8_t rep[AGENT_TDREPORT_LEN];
        bool present;
        int r;

        r = read_reg(p, "tdreport", rep, sizeof(rep), &present, e);
        if (r < 0)
                return r;
        if (!present)
                return err_setf(e, -EOPNOTSUPP, "%s/tdreport: missing", p->dir);
        memcpy(rep + TDREPORT_REPORT_DATA_OFFSET, report_data, AGENT_REPORT_DATA_LEN);
        memcpy(ret_tdreport, rep, sizeof(rep));
        return 0;
}

static int file_quote(struct provider *p, const uint8_t report_data[AGENT_REPORT_DATA_LEN],
                      uint8_t **ret_quote, size_t *ret_len, struct tdxh_err *e)
{
        _cleanup_free_ char *path = path_in(p, "quote");

        if (!path)
                return -ENOMEM;
        if (access(path, F_OK) < 0)
                return err_setf(e, -EOPNOTSUPP, "%s: missing", path);
        return sysfile_read(path, 1u << 20, ret_quote, ret_len, e);
}

const struct provider_ops provider_file_ops = {
        .name = "file",
        .open = file_open,
        .registers = file_registers,
        .event_log = file_event_log,
        .extend_rtmr3 = file_extend,
        .report = file_report,
        .quote = file_quote,
};
