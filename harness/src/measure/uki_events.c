/* A unified kernel image's measurements (systemd-stub 252), from the image
 * alone: see uki_events.h. Checked against a real boot of out/disk-uki.img
 * on the fake platform (docs/disk-images.md). */
#include "measure/uki_events.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/event_type.h"
#include "measure/kernel_events.h"
#include "measure/pe.h"

#define RTMR_PCR4 1
#define RTMR_PCR11 2

/* systemd-stub 252's unified_sections[], in its order, without .pcrsig (the
 * one it does not measure). */
static const char *const measured_sections[] = { ".linux", ".osrel", ".cmdline", ".initrd",
                                                 ".splash", ".dtb", ".pcrpkey" };

int uki_is_uki(const uint8_t *pe, size_t len, const char *name, struct tdxh_err *e)
{
        struct pe_section s;

        return pe_section_find(pe, len, name, ".linux", &s, e);
}

/* The section as the loader maps it: the raw bytes, then zeros. */
static int mapped_digest(const struct pe_section *s, uint8_t out[SHA384_LEN])
{
        static const uint8_t zeros[4096];
        struct digest d;
        size_t left = s->virtual_size - s->raw_len;
        int r = digest_begin(&d, DIGEST_SHA384);

        if (r >= 0)
                r = digest_update(&d, s->raw, s->raw_len);
        while (r >= 0 && left) {
                size_t n = left < sizeof(zeros) ? left : sizeof(zeros);

                r = digest_update(&d, zeros, n);
                left -= n;
        }
        return r < 0 ? r : digest_end(&d, out);
}

static int add_section(struct measure_events *l, const char *name, const struct pe_section *s)
{
        _cleanup_buf_ struct buf wide = BUF_INIT;
        uint8_t d[SHA384_LEN];
        const char *what = strcmp(name, ".linux") == 0    ? "kernel"
                           : strcmp(name, ".initrd") == 0 ? "initrd"
                                                          : "uki-section";
        int r = 0;

        /* tpm_log_event_ascii() logs the description widened to UTF-16. */
        for (const char *c = name; r >= 0 && c <= name + strlen(name); c++)
                r = buf_put_le16(&wide, (uint8_t)*c);
        if (r >= 0)
                r = digest_buf(DIGEST_SHA384, name, strlen(name) + 1, d);
        if (r >= 0)
                r = measure_events_add(l, RTMR_PCR11, EV_IPL, d, "uki-section", name, wide.data,
                                       wide.len);
        if (r >= 0)
                r = mapped_digest(s, d);
        return r < 0 ? r
                     : measure_events_add(l, RTMR_PCR11, EV_IPL, d, what, name, wide.data,
                                          wide.len);
}

/* The kernel as LoadImage receives it: .linux as mapped. */
static int kernel_authenticode(const struct pe_section *s, const char *file, uint8_t out[SHA384_LEN],
                               struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *copy = NULL;
        struct pe_view v = { .data = s->raw, .size = s->virtual_size };
        int r;

        if (s->virtual_size > s->raw_len) {
                copy = calloc(1, s->virtual_size);
                if (!copy)
                        return -ENOMEM;
                memcpy(copy, s->raw, s->raw_len);
                v.data = copy;
        }
        r = pe_authenticode(&v, DIGEST_SHA384, out, e);
        if (r < 0)
                err_prefix(e, "%s: section .linux: ", file);
        return r;
}

/* What the stub passes as LoadOptions: .cmdline up to its first NUL,
 * widened byte by byte (xstra_to_str), with a UTF-16 NUL. */
static int load_options(const struct pe_section *s, struct buf *wide, char **ret_text)
{
        const uint8_t *nul = memchr(s->raw, 0, s->raw_len);
        size_t n = nul ? (size_t)(nul - s->raw) : s->raw_len;
        int r = 0;

        for (size_t i = 0; r >= 0 && i < n; i++)
                r = buf_put_le16(wide, s->raw[i]);
        if (r >= 0)
                r = buf_put_le16(wide, 0);
        if (r < 0)
                return r;
        *ret_text = strndup((const char *)s->raw, n);
        return *ret_text ? 0 : -ENOMEM;
}

int uki_events(const uint8_t *pe, size_t len, const char *name, struct measure_events *rtmr1,
               struct measure_events *rtmr2, struct tdxh_err *e)
{
        struct pe_section sec[ELEMENTSOF(measured_sections)];
        bool found[ELEMENTSOF(measured_sections)];
        _cleanup_buf_ struct buf wide = BUF_INIT;
        _cleanup_free_ char *text = NULL;
        uint8_t kd[SHA384_LEN], initrd_d[SHA384_LEN];
        int r;

        for (size_t i = 0; i < ELEMENTSOF(measured_sections); i++) {
                r = pe_section_find(pe, len, name, measured_sections[i], &sec[i], e);
                if (r < 0)
                        return r;
                /* The stub skips an empty section. */
                found[i] = r > 0 && sec[i].virtual_size > 0;
        }
        if (!found[0])
                return err_setf(e, -EINVAL, "%s: no .linux section: not a unified kernel image",
                                name);
        for (size_t i = 0; i < ELEMENTSOF(measured_sections); i++) {
                r = found[i] ? add_section(rtmr2, measured_sections[i], &sec[i]) : 0;
                if (r < 0)
                        return r;
        }
        r = kernel_authenticode(&sec[0], name, kd, e);
        if (r >= 0)
                r = measure_events_add(rtmr1, RTMR_PCR4, EV_EFI_BOOT_SERVICES_APPLICATION, kd,
                                       "kernel", ".linux of the UKI, loaded from memory", NULL, 0);
        if (r >= 0 && found[2])
                r = load_options(&sec[2], &wide, &text);
        if (r >= 0 && found[3])
                r = mapped_digest(&sec[3], initrd_d);
        if (r < 0)
                return r;
        return kernel_stub_events(found[2] ? (const uint8_t *)wide.data : NULL, wide.len, text,
                                  found[3] ? initrd_d : NULL, found[3] ? ".initrd" : NULL, rtmr2);
}
