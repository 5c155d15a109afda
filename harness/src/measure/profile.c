/* Platform profiles; see profile.h. The table of names is generated from the
 * generations so that every combination the reference describes is valid. */
#include "measure/profile.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"

static const char *const edk2_names[] = {
        [EDK2_2022] = "2022",     [EDK2_202302] = "202302", [EDK2_202411] = "202411",
        [EDK2_202502] = "202502", [EDK2_202505] = "202505", [EDK2_202508] = "202508",
        [EDK2_MASTER] = "master",
};

static const char *const qemu_names[] = {
        [QEMU_7_2] = "7.2",
        [QEMU_PRE] = "pre",
        [QEMU_10_1] = "10.1",
        [QEMU_10_2] = "10.2",
};

const char *edk2_gen_name(enum edk2_gen g)
{
        return (size_t)g < ELEMENTSOF(edk2_names) ? edk2_names[g] : "?";
}

const char *qemu_gen_name(enum qemu_gen g)
{
        return (size_t)g < ELEMENTSOF(qemu_names) ? qemu_names[g] : "?";
}

const char *page_add_name(enum page_add_pattern p)
{
        return p == PAGE_ADD_TWO_PASS ? "two-pass" : "per-page";
}

int page_add_parse(const char *text, enum page_add_pattern *ret)
{
        if (strcmp(text, "per-page") == 0)
                *ret = PAGE_ADD_PER_PAGE;
        else if (strcmp(text, "two-pass") == 0)
                *ret = PAGE_ADD_TWO_PASS;
        else
                return -EINVAL;
        return 0;
}

/* Pre-upstream TDX QEMU most often means Canonical's noble stack, which adds
 * pages in two passes (TDX-REFERENCE §2.2); upstream QEMU/KVM add per page. */
static enum page_add_pattern default_page_add(enum qemu_gen q)
{
        return q == QEMU_PRE ? PAGE_ADD_TWO_PASS : PAGE_ADD_PER_PAGE;
}

/* Every name profile_lookup() accepts: "fake" and each edk2 generation with
 * each TDX-capable QEMU generation (QEMU 7.2 has no TDX). */
static const char *const all_names[] = {
        "fake",
        "tdx-edk2-2022-qemu-pre", "tdx-edk2-2022-qemu-10.1", "tdx-edk2-2022-qemu-10.2",
        "tdx-edk2-202302-qemu-pre", "tdx-edk2-202302-qemu-10.1", "tdx-edk2-202302-qemu-10.2",
        "tdx-edk2-202411-qemu-pre", "tdx-edk2-202411-qemu-10.1", "tdx-edk2-202411-qemu-10.2",
        "tdx-edk2-202502-qemu-pre", "tdx-edk2-202502-qemu-10.1", "tdx-edk2-202502-qemu-10.2",
        "tdx-edk2-202505-qemu-pre", "tdx-edk2-202505-qemu-10.1", "tdx-edk2-202505-qemu-10.2",
        "tdx-edk2-202508-qemu-pre", "tdx-edk2-202508-qemu-10.1", "tdx-edk2-202508-qemu-10.2",
        "tdx-edk2-master-qemu-pre", "tdx-edk2-master-qemu-10.1", "tdx-edk2-master-qemu-10.2",
        NULL,
};

const char *const *profile_names(void)
{
        return all_names;
}

int profile_lookup(const char *name, struct profile *ret, struct tdxh_err *e)
{
        _cleanup_buf_ struct buf valid = BUF_INIT;

        if (strcmp(name, "fake") == 0) {
                *ret = (struct profile){ .platform = PLATFORM_FAKE,
                                         .edk2 = EDK2_2022,
                                         .qemu = QEMU_7_2,
                                         .page_add = PAGE_ADD_PER_PAGE };
                snprintf(ret->name, sizeof(ret->name), "fake");
                return 0;
        }
        for (size_t ei = 0; ei < ELEMENTSOF(edk2_names); ei++)
                for (size_t qi = QEMU_PRE; qi < ELEMENTSOF(qemu_names); qi++) {
                        char candidate[64];

                        snprintf(candidate, sizeof(candidate), "tdx-edk2-%s-qemu-%s",
                                 edk2_names[ei], qemu_names[qi]);
                        if (strcmp(candidate, name) != 0)
                                continue;
                        *ret = (struct profile){ .platform = PLATFORM_TDX,
                                                 .edk2 = (enum edk2_gen)ei,
                                                 .qemu = (enum qemu_gen)qi,
                                                 .page_add = default_page_add((enum qemu_gen)qi) };
                        snprintf(ret->name, sizeof(ret->name), "%s", candidate);
                        return 0;
                }
        for (size_t i = 0; all_names[i]; i++)
                if (buf_printf(&valid, "%s%s", i ? ", " : "", all_names[i]) < 0)
                        return -ENOMEM;
        return err_setf(e, -EINVAL, "unknown profile '%s'; valid profiles: %s", name, valid.data);
}

bool profile_has_acpi_events(const struct profile *p)
{
        return p->platform == PLATFORM_TDX && p->edk2 >= EDK2_202302;
}

bool profile_separator_in_rtmr1(const struct profile *p)
{
        return p->edk2 >= EDK2_202411;
}

bool profile_has_fwcfg_cache_events(const struct profile *p)
{
        return p->edk2 >= EDK2_202505;
}

bool profile_has_smbios_event(const struct profile *p)
{
        return p->edk2 >= EDK2_202505;
}

bool profile_cmdline_initrd_prefix(const struct profile *p)
{
        return p->edk2 >= EDK2_202508;
}

/* TDX-REFERENCE §4.2: QEMU patches a copy of the setup header; OVMF measures
 * the patched copy unless it can fetch the unpatched etc/boot/kernel blob
 * (QEMU >= 10.0 with edk2 >= 202502), and QEMU >= 10.2 skips the patch for
 * confidential guests altogether. */
bool profile_kernel_header_patched(const struct profile *p)
{
        switch (p->qemu) {
        case QEMU_7_2:
        case QEMU_PRE:
                return true;
        case QEMU_10_1:
                return p->edk2 < EDK2_202502;
        case QEMU_10_2:
                return false;
        }
        return true;
}

bool profile_option_rom_native_first(const struct profile *p)
{
        return p->edk2 >= EDK2_MASTER;
}
