/* What each platform profile means for people and scripts (`tdxh golden
 * profiles`): its edk2 and QEMU generations in words, and what it measures
 * that other profiles do not, derived from the same predicates the
 * predictions use (profile.h), so the description cannot drift from them. */
#include "measure/profile.h"

#include <errno.h>

#include "core/cleanup.h"
#include "core/json_util.h"

static const char *const edk2_words[] = {
        [EDK2_2022] = "before stable202302: no ACPI DATA events",
        [EDK2_202302] = "stable202302 to 202408: three ACPI DATA events in RTMR0, the ReadyToBoot "
                        "separator in RTMR0",
        [EDK2_202411] = "stable202411: the separator moves to RTMR1",
        [EDK2_202502] = "stable202502: OVMF measures QEMU's unpatched etc/boot/kernel blob when QEMU "
                        "offers it",
        [EDK2_202505] = "stable202505: fw_cfg cache and SMBIOS events in RTMR0",
        [EDK2_202508] = "stable202508 to 202605: \"initrd=initrd \" at the front of LoadOptions",
        [EDK2_MASTER] = "after 202605: an extra TEMP_MEM section (MRTD changes; read from the "
                        "firmware, not assumed)",
};

static const char *const qemu_words[] = {
        [QEMU_7_2] = "Debian 12's QEMU, the fake platform's (no TDX)",
        [QEMU_PRE] = "pre-upstream Intel/Canonical TDX QEMU (8.x, 9.x), whose hosts add TD pages in "
                     "two passes",
        [QEMU_10_1] = "upstream TDX QEMU up to 10.1: offers the unpatched kernel blob to edk2 "
                      "202502 and later",
        [QEMU_10_2] = "QEMU 10.2 and later: no setup-header patch for confidential guests",
};

const char *edk2_gen_description(enum edk2_gen g)
{
        return (size_t)g < ELEMENTSOF(edk2_words) ? edk2_words[g] : "?";
}

const char *qemu_gen_description(enum qemu_gen g)
{
        return (size_t)g < ELEMENTSOF(qemu_words) ? qemu_words[g] : "?";
}

const char *profile_platform_description(const struct profile *p)
{
        return p->platform == PLATFORM_FAKE
                       ? "the fake platform: QEMU 7.2, OVMF 2022.11 and swtpm; RTMRs are folds of "
                         "the TPM log (PCR to RTMR map)"
                       : "a TDX host";
}

int profile_describe_measures(const struct profile *p, struct buf *out)
{
        return buf_printf(out, "%s; separator in RTMR%d; %s; %s; %s; kernel setup header %s; MRTD "
                               "pages added %s",
                          profile_has_acpi_events(p) ? "ACPI DATA events" : "no ACPI DATA events",
                          profile_separator_in_rtmr1(p) ? 1 : 0,
                          profile_has_fwcfg_cache_events(p) ? "fw_cfg cache events"
                                                            : "no fw_cfg cache events",
                          profile_has_smbios_event(p) ? "SMBIOS event" : "no SMBIOS event",
                          profile_cmdline_initrd_prefix(p) ? "LoadOptions start \"initrd=initrd \""
                                                           : "LoadOptions as given",
                          profile_kernel_header_patched(p) ? "as QEMU patched it" : "unpatched",
                          p->page_add == PAGE_ADD_TWO_PASS ? "in two passes" : "page by page");
}

static int generation_json(const char *name, const char *words, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "generation", name);
        if (r >= 0)
                r = json_add_string(o, "description", words);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

static int measures_json(const struct profile *p, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_bool(o, "acpi_events", profile_has_acpi_events(p));
        if (r >= 0)
                r = json_add_int(o, "separator_rtmr", profile_separator_in_rtmr1(p) ? 1 : 0);
        if (r >= 0)
                r = json_add_bool(o, "fwcfg_cache_events", profile_has_fwcfg_cache_events(p));
        if (r >= 0)
                r = json_add_bool(o, "smbios_event", profile_has_smbios_event(p));
        if (r >= 0)
                r = json_add_bool(o, "cmdline_initrd_prefix", profile_cmdline_initrd_prefix(p));
        if (r >= 0)
                r = json_add_bool(o, "kernel_header_patched", profile_kernel_header_patched(p));
        if (r >= 0)
                r = json_add_string(o, "page_add", page_add_name(p->page_add));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

int profile_to_json(const struct profile *p, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object(), *edk2 = NULL, *qemu = NULL,
                                   *measures = NULL;
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "name", p->name);
        if (r >= 0)
                r = json_add_string(o, "platform", p->platform == PLATFORM_FAKE ? "fake" : "tdx");
        if (r >= 0)
                r = json_add_string(o, "platform_description", profile_platform_description(p));
        if (r >= 0)
                r = generation_json(edk2_gen_name(p->edk2), edk2_gen_description(p->edk2), &edk2);
        if (r >= 0)
                r = json_add(o, "edk2", TAKE_PTR(edk2));
        if (r >= 0)
                r = generation_json(qemu_gen_name(p->qemu), qemu_gen_description(p->qemu), &qemu);
        if (r >= 0)
                r = json_add(o, "qemu", TAKE_PTR(qemu));
        if (r >= 0)
                r = measures_json(p, &measures);
        if (r >= 0)
                r = json_add(o, "measures", TAKE_PTR(measures));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}
