/* Platform profiles: which firmware, QEMU and host generation a prediction is for
 * (TDX-REFERENCE §9). Every prediction takes a profile; nothing else in
 * measure/ decides by version.
 *
 * Names: "fake" (the §12 platform: QEMU 7.2 + OVMF 2022.11 + swtpm, TPM-mode
 * event order, PCR→RTMR map) and "tdx-edk2-GEN-qemu-Q" for every edk2
 * generation GEN and QEMU generation Q below, e.g. "tdx-edk2-202411-qemu-10.1". */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#include "core/buf.h"
#include "core/err.h"

enum profile_platform { PLATFORM_TDX, PLATFORM_FAKE };

/* edk2 generations that change what is measured. */
enum edk2_gen {
        EDK2_2022,   /* < stable202302: no ACPI DATA events */
        EDK2_202302, /* 202302-202408: ACPI events, ReadyToBoot separator in RTMR0 */
        EDK2_202411, /* 202411: separator moves to RTMR1 */
        EDK2_202502, /* 202502: OVMF prefers the unpatched etc/boot/kernel blob */
        EDK2_202505, /* 202505: fw_cfg cache and SMBIOS events in RTMR0 */
        EDK2_202508, /* 202508-202605: "initrd=initrd " moves to the front of LoadOptions */
        EDK2_MASTER, /* after 202605: extra TEMP_MEM section (MRTD changes; parsed, not assumed) */
};

enum qemu_gen {
        QEMU_7_2, /* the fake platform's QEMU (Debian 12) */
        QEMU_PRE, /* pre-upstream Intel/Canonical TDX QEMU (8.x, 9.x) */
        QEMU_10_1,
        QEMU_10_2, /* >= 10.2: header patch skipped for confidential guests */
};

enum page_add_pattern { PAGE_ADD_PER_PAGE, PAGE_ADD_TWO_PASS };

struct profile {
        char name[64];
        enum profile_platform platform;
        enum edk2_gen edk2;
        enum qemu_gen qemu;
        enum page_add_pattern page_add;
};

/* Looks name up. An unknown name fails with -EINVAL and a message that lists
 * every valid name. */
int profile_lookup(const char *name, struct profile *ret, struct tdxh_err *e);

/* All profile names, NULL-terminated (static storage). */
const char *const *profile_names(void);

const char *edk2_gen_name(enum edk2_gen g);        /* "202411" */
const char *qemu_gen_name(enum qemu_gen g);        /* "10.1" */
const char *page_add_name(enum page_add_pattern p); /* "per-page", "two-pass" */
int page_add_parse(const char *text, enum page_add_pattern *ret);

/* What the profile implies. */
bool profile_has_acpi_events(const struct profile *p);      /* RTMR0 ACPI DATA x3 */
bool profile_separator_in_rtmr1(const struct profile *p);   /* else RTMR0, after boot vars */
bool profile_has_fwcfg_cache_events(const struct profile *p);
bool profile_has_smbios_event(const struct profile *p);
bool profile_cmdline_initrd_prefix(const struct profile *p); /* "initrd=initrd " first */
bool profile_kernel_header_patched(const struct profile *p); /* QEMU's setup-header patch measured */
/* PciBusDxe loads a ROM's non-x64 EFI images only when it has no x64 one
 * (edk2-stable202602). EDK2_202508 spans that release and is taken as
 * before it: the two differ only for a ROM that mixes machine types. */
bool profile_option_rom_native_first(const struct profile *p);

/* For people (profile_describe.c): what a generation changes in what is
 * measured, one clause each ("stable202411: the separator moves to RTMR1"). */
const char *edk2_gen_description(enum edk2_gen g);
const char *qemu_gen_description(enum qemu_gen g);
/* "a TDX host", or what the fake platform is. */
const char *profile_platform_description(const struct profile *p);
/* Appends what p measures, as the predicates above say, in one line:
 * "ACPI DATA events; separator in RTMR1; ...". */
int profile_describe_measures(const struct profile *p, struct buf *out);
/* {"name", "platform", "platform_description", "edk2": {"generation",
 * "description"}, "qemu": {...}, "measures": {"acpi_events",
 * "separator_rtmr", "fwcfg_cache_events", "smbios_event",
 * "cmdline_initrd_prefix", "kernel_header_patched", "page_add"}}: the keys of
 * `tdxh golden profiles --json` (reports/SCHEMA.md, tdxh-profiles/1). */
int profile_to_json(const struct profile *p, json_object **ret);
