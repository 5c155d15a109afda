/* RTMR1 and RTMR2 events of a direct kernel boot; see kernel_events.h. */
#include "measure/kernel_events.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/event_type.h"
#include "core/file.h"
#include "measure/pe.h"

/* "Calling EFI Application…" and the rest are hashed as text, no NUL. */
static int action_digest(const char *text, uint8_t out[SHA384_LEN])
{
        return digest_buf(DIGEST_SHA384, text, strlen(text), out);
}

static const char *base_name(const char *path)
{
        const char *slash = strrchr(path, '/');

        return slash ? slash + 1 : path;
}

int kernel_image_digest(const char *kernel_path, const struct linux_setup_params *patch,
                        uint8_t ret_digest[48], struct linux_setup_info *ret_info,
                        struct tdxh_err *e)
{
        _cleanup_mapped_file_ struct mapped_file m = { 0 };
        uint8_t hdr[LINUX_HEADER_MAX];
        struct linux_setup_info info = { 0 };
        struct pe_view v;
        uint8_t d[SHA384_LEN];
        int r;

        r = file_map(kernel_path, KERNEL_MAX_SIZE, &m, e);
        if (r < 0)
                return r;
        v = (struct pe_view){ .data = m.data, .size = m.size };
        if (patch) {
                /* The patched copy of the first 8 KiB lies over the mapping:
                 * the kernel itself is never copied. */
                v.overlay_len = m.size < sizeof(hdr) ? m.size : sizeof(hdr);
                if (v.overlay_len)
                        memcpy(hdr, m.data, v.overlay_len);
                v.overlay = hdr;
                r = linux_setup_patch(hdr, v.overlay_len, m.size, patch, &info, e);
                if (r < 0) {
                        err_prefix(e, "%s: ", kernel_path);
                        return r;
                }
        }
        r = pe_authenticode(&v, DIGEST_SHA384, d, e);
        if (r < 0) {
                err_prefix(e, "%s: ", kernel_path);
                return r;
        }
        memcpy(ret_digest, d, sizeof(d));
        if (ret_info)
                *ret_info = info;
        return 0;
}

int kernel_load_options(const char *cmdline, bool initrd, const struct rtmr2_flags *f,
                        char **ret_text, uint8_t **ret_utf16, size_t *ret_size)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ uint8_t *wide = NULL;
        const char *c = cmdline ? cmdline : "";
        size_t len;
        int n;

        /* OVMF drops the fw_cfg command line's NUL; with nothing left and no
         * initrd, LoadOptionsSize is 0 and the stub measures nothing. */
        if (!*c && !initrd && !f->shim) {
                *ret_text = NULL;
                *ret_utf16 = NULL;
                *ret_size = 0;
                return 0;
        }
        if (f->initrd_prefix)
                n = asprintf(&text, "%s%s%s", f->shim ? "kernel " : "", initrd ? "initrd=initrd " : "", c);
        else
                n = asprintf(&text, "%s%s%s", f->shim ? "kernel " : "", c, initrd ? " initrd=initrd" : "");
        if (n < 0) {
                text = NULL;
                return -ENOMEM;
        }
        len = (size_t)n;
        /* %a in UnicodeSPrintAsciiFormat widens byte by byte: no UTF-8 decoding. */
        wide = malloc(2 * len + 2);
        if (!wide)
                return -ENOMEM;
        for (size_t i = 0; i < len; i++) {
                wide[2 * i] = (uint8_t)text[i];
                wide[2 * i + 1] = 0;
        }
        wide[2 * len] = 0;
        wide[2 * len + 1] = 0;
        *ret_text = TAKE_PTR(text);
        *ret_utf16 = TAKE_PTR(wide);
        *ret_size = 2 * len + 2;
        return 1;
}

static int initrd_size_of(const char *path, uint64_t *ret, struct tdxh_err *e)
{
        struct stat st;

        if (stat(path, &st) < 0)
                return err_setf(e, -errno, "%s: cannot stat: %s", path, strerror(errno));
        if (!S_ISREG(st.st_mode))
                return err_setf(e, -EINVAL, "%s: not a regular file", path);
        *ret = (uint64_t)st.st_size;
        return 0;
}

static int add_separators(struct measure_events *l, enum rtmr1_separators s)
{
        static const uint8_t zero[4] = { 0 };
        uint8_t d[SHA384_LEN];
        char detail[16];
        int r = digest_buf(DIGEST_SHA384, zero, sizeof(zero), d);

        if (r < 0)
                return r;
        switch (s) {
        case RTMR1_SEPARATORS_NONE:
                return 0;
        case RTMR1_SEPARATOR_ONE:
                return measure_events_add(l, 1, EV_SEPARATOR, d, "separator", NULL, zero,
                                          sizeof(zero));
        case RTMR1_SEPARATORS_PCR2_6:
                /* Tcg2Dxe's ReadyToBoot handler separates PCRs 0-6 in order;
                 * PCRs 2-6 fold into RTMR1. */
                for (unsigned pcr = 2; pcr <= 6; pcr++) {
                        snprintf(detail, sizeof(detail), "PCR %u", pcr);
                        r = measure_events_add(l, 1, EV_SEPARATOR, d, "separator", detail, zero,
                                               sizeof(zero));
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        return -EINVAL;
}

static int add_action(struct measure_events *l, const char *text)
{
        uint8_t d[SHA384_LEN];
        int r = action_digest(text, d);

        return r < 0 ? r : measure_events_add(l, 1, EV_EFI_ACTION, d, "action", text, text,
                                              strlen(text));
}

/* Drops events appended after `keep` (on failure the list is unchanged). */
static void truncate_events(struct measure_events *l, size_t keep)
{
        while (l->n > keep)
                measure_event_clear(&l->v[--l->n]);
}

int kernel_rtmr1_events(const struct kernel_boot *b, const struct rtmr1_flags *f,
                        struct measure_events *l, struct tdxh_err *e)
{
        struct linux_setup_params patch = {
                .ram_size = b->ram_size,
                .max_ram_below_4g = b->max_ram_below_4g,
                .cmdline = b->cmdline,
        };
        uint8_t d[SHA384_LEN];
        size_t keep = l->n;
        int r;

        if (f->header_patched && b->initrd_path) {
                patch.initrd = true;
                r = initrd_size_of(b->initrd_path, &patch.initrd_size, e);
                if (r < 0)
                        return r;
        }
        r = kernel_image_digest(b->kernel_path, f->header_patched ? &patch : NULL, d, NULL, e);
        if (r < 0)
                return r;
        /* The UEFI_IMAGE_LOAD_EVENT holds load addresses the firmware picks
         * at run time, so no event data is predicted. */
        r = measure_events_add(l, 1, EV_EFI_BOOT_SERVICES_APPLICATION, d, "kernel",
                               base_name(b->kernel_path), NULL, 0);
        if (r >= 0)
                r = rtmr1_ready_to_boot_events(f, l);
        if (r >= 0)
                r = rtmr1_exit_boot_services_events(l);
        if (r < 0)
                truncate_events(l, keep);
        return r < 0 ? r : 0;
}

int rtmr1_ready_to_boot_events(const struct rtmr1_flags *f, struct measure_events *l)
{
        int r = add_action(l, ACTION_CALLING_EFI_APP);

        return r < 0 ? r : add_separators(l, f->separators);
}

int rtmr1_exit_boot_services_events(struct measure_events *l)
{
        int r = add_action(l, ACTION_EXIT_BOOT_SERVICES);

        return r < 0 ? r : add_action(l, ACTION_EXIT_BOOT_SERVICES_OK);
}

/* TCG_PCClientTaggedEvent {u32 id, u32 size, text with its NUL}, as the
 * Linux EFI stub logs it. */
static int tagged_event_data(uint32_t id, const char *text, struct buf *out)
{
        size_t n = strlen(text) + 1;
        int r = buf_put_le32(out, id);

        if (r >= 0)
                r = buf_put_le32(out, (uint32_t)n);
        if (r >= 0)
                r = buf_append(out, text, n);
        return r;
}

int kernel_stub_events(const uint8_t *load_options, size_t load_options_size, const char *text,
                       const uint8_t *initrd_digest, const char *initrd_name,
                       struct measure_events *l)
{
        _cleanup_buf_ struct buf data = BUF_INIT;
        uint8_t d[SHA384_LEN];
        int r;

        if (load_options) {
                r = digest_buf(DIGEST_SHA384, load_options, load_options_size, d);
                if (r >= 0)
                        r = tagged_event_data(TAGGED_EVENT_LOAD_OPTIONS, "LOADED_IMAGE::LoadOptions",
                                              &data);
                if (r >= 0)
                        r = measure_events_add(l, 2, EV_EVENT_TAG, d, "cmdline", text, data.data,
                                               data.len);
                if (r < 0)
                        return r;
        }
        if (!initrd_digest)
                return 0;
        buf_reset(&data);
        r = tagged_event_data(TAGGED_EVENT_INITRD, "Linux initrd", &data);
        return r < 0 ? r
                     : measure_events_add(l, 2, EV_EVENT_TAG, initrd_digest, "initrd", initrd_name,
                                          data.data, data.len);
}

int kernel_rtmr2_events(const struct kernel_boot *b, const struct rtmr2_flags *f,
                        struct measure_events *l, struct tdxh_err *e)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_free_ uint8_t *wide = NULL;
        uint8_t initrd_digest[SHA384_LEN];
        uint64_t initrd_size = 0;
        size_t keep = l->n, wide_size = 0;
        int r, has_options;

        if (b->initrd_path) {
                r = digest_file(DIGEST_SHA384, b->initrd_path, initrd_digest, &initrd_size, e);
                if (r < 0)
                        return r;
        }
        /* An empty -initrd reaches OVMF as size 0: no " initrd=initrd" and no
         * LoadFile2 initrd, hence no initrd event. */
        has_options = kernel_load_options(b->cmdline, initrd_size > 0, f, &text, &wide, &wide_size);
        if (has_options < 0)
                return has_options;
        r = kernel_stub_events(has_options ? wide : NULL, wide_size, text,
                               initrd_size > 0 ? initrd_digest : NULL,
                               initrd_size > 0 ? base_name(b->initrd_path) : NULL, l);
        if (r < 0)
                truncate_events(l, keep);
        return r;
}
