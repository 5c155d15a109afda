/* TCG PC Client event types (TDX-REFERENCE §5.3) by value and by name. */
#pragma once

#include <stdint.h>

#define EV_PREBOOT_CERT 0x0u
#define EV_POST_CODE 0x1u
#define EV_NO_ACTION 0x3u
#define EV_SEPARATOR 0x4u
#define EV_ACTION 0x5u
#define EV_EVENT_TAG 0x6u
#define EV_S_CRTM_CONTENTS 0x7u
#define EV_S_CRTM_VERSION 0x8u
#define EV_CPU_MICROCODE 0x9u
#define EV_PLATFORM_CONFIG_FLAGS 0xAu
#define EV_TABLE_OF_DEVICES 0xBu
#define EV_COMPACT_HASH 0xCu
#define EV_IPL 0xDu
#define EV_IPL_PARTITION_DATA 0xEu
#define EV_NONHOST_CODE 0xFu
#define EV_NONHOST_CONFIG 0x10u
#define EV_NONHOST_INFO 0x11u
#define EV_OMIT_BOOT_DEVICE_EVENTS 0x12u
#define EV_EFI_VARIABLE_DRIVER_CONFIG 0x80000001u
#define EV_EFI_VARIABLE_BOOT 0x80000002u
#define EV_EFI_BOOT_SERVICES_APPLICATION 0x80000003u
#define EV_EFI_BOOT_SERVICES_DRIVER 0x80000004u
#define EV_EFI_RUNTIME_SERVICES_DRIVER 0x80000005u
#define EV_EFI_GPT_EVENT 0x80000006u
#define EV_EFI_ACTION 0x80000007u
#define EV_EFI_PLATFORM_FIRMWARE_BLOB 0x80000008u
#define EV_EFI_HANDOFF_TABLES 0x80000009u
#define EV_EFI_PLATFORM_FIRMWARE_BLOB2 0x8000000Au
#define EV_EFI_HANDOFF_TABLES2 0x8000000Bu
#define EV_EFI_VARIABLE_BOOT2 0x8000000Cu
#define EV_EFI_HCRTM_EVENT 0x80000010u
#define EV_EFI_VARIABLE_AUTHORITY 0x800000E0u
#define EV_EFI_SPDM_FIRMWARE_BLOB 0x800000E1u
#define EV_EFI_SPDM_FIRMWARE_CONFIG 0x800000E2u
#define EV_EFI_SPDM_DEVICE_POLICY 0x800000E3u
#define EV_EFI_SPDM_DEVICE_AUTHORITY 0x800000E4u

/* The TCG name ("EV_SEPARATOR"), or NULL for a value without one. */
const char *event_type_name(uint32_t type);

/* Writes the name, or "0x%08x" for unknown values, into out (40 bytes). */
void event_type_format(uint32_t type, char out[40]);

/* Accepts a TCG name or a number (decimal or 0x hex). 0 or -EINVAL. */
int event_type_parse(const char *text, uint32_t *ret);
