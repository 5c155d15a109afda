/* Event type names; see event_type.h. */
#include "core/event_type.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"

static const struct {
        uint32_t value;
        const char *name;
} types[] = {
        { EV_PREBOOT_CERT, "EV_PREBOOT_CERT" },
        { EV_POST_CODE, "EV_POST_CODE" },
        { 0x2, "EV_UNUSED" },
        { EV_NO_ACTION, "EV_NO_ACTION" },
        { EV_SEPARATOR, "EV_SEPARATOR" },
        { EV_ACTION, "EV_ACTION" },
        { EV_EVENT_TAG, "EV_EVENT_TAG" },
        { EV_S_CRTM_CONTENTS, "EV_S_CRTM_CONTENTS" },
        { EV_S_CRTM_VERSION, "EV_S_CRTM_VERSION" },
        { EV_CPU_MICROCODE, "EV_CPU_MICROCODE" },
        { EV_PLATFORM_CONFIG_FLAGS, "EV_PLATFORM_CONFIG_FLAGS" },
        { EV_TABLE_OF_DEVICES, "EV_TABLE_OF_DEVICES" },
        { EV_COMPACT_HASH, "EV_COMPACT_HASH" },
        { EV_IPL, "EV_IPL" },
        { EV_IPL_PARTITION_DATA, "EV_IPL_PARTITION_DATA" },
        { EV_NONHOST_CODE, "EV_NONHOST_CODE" },
        { EV_NONHOST_CONFIG, "EV_NONHOST_CONFIG" },
        { EV_NONHOST_INFO, "EV_NONHOST_INFO" },
        { EV_OMIT_BOOT_DEVICE_EVENTS, "EV_OMIT_BOOT_DEVICE_EVENTS" },
        { EV_EFI_VARIABLE_DRIVER_CONFIG, "EV_EFI_VARIABLE_DRIVER_CONFIG" },
        { EV_EFI_VARIABLE_BOOT, "EV_EFI_VARIABLE_BOOT" },
        { EV_EFI_BOOT_SERVICES_APPLICATION, "EV_EFI_BOOT_SERVICES_APPLICATION" },
        { EV_EFI_BOOT_SERVICES_DRIVER, "EV_EFI_BOOT_SERVICES_DRIVER" },
        { EV_EFI_RUNTIME_SERVICES_DRIVER, "EV_EFI_RUNTIME_SERVICES_DRIVER" },
        { EV_EFI_GPT_EVENT, "EV_EFI_GPT_EVENT" },
        { EV_EFI_ACTION, "EV_EFI_ACTION" },
        { EV_EFI_PLATFORM_FIRMWARE_BLOB, "EV_EFI_PLATFORM_FIRMWARE_BLOB" },
        { EV_EFI_HANDOFF_TABLES, "EV_EFI_HANDOFF_TABLES" },
        { EV_EFI_PLATFORM_FIRMWARE_BLOB2, "EV_EFI_PLATFORM_FIRMWARE_BLOB2" },
        { EV_EFI_HANDOFF_TABLES2, "EV_EFI_HANDOFF_TABLES2" },
        { EV_EFI_VARIABLE_BOOT2, "EV_EFI_VARIABLE_BOOT2" },
        { EV_EFI_HCRTM_EVENT, "EV_EFI_HCRTM_EVENT" },
        { EV_EFI_VARIABLE_AUTHORITY, "EV_EFI_VARIABLE_AUTHORITY" },
        { EV_EFI_SPDM_FIRMWARE_BLOB, "EV_EFI_SPDM_FIRMWARE_BLOB" },
        { EV_EFI_SPDM_FIRMWARE_CONFIG, "EV_EFI_SPDM_FIRMWARE_CONFIG" },
        { EV_EFI_SPDM_DEVICE_POLICY, "EV_EFI_SPDM_DEVICE_POLICY" },
        { EV_EFI_SPDM_DEVICE_AUTHORITY, "EV_EFI_SPDM_DEVICE_AUTHORITY" },
};

const char *event_type_name(uint32_t type)
{
        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (types[i].value == type)
                        return types[i].name;
        return NULL;
}

void event_type_format(uint32_t type, char out[40])
{
        const char *name = event_type_name(type);

        if (name)
                snprintf(out, 40, "%s", name);
        else
                snprintf(out, 40, "0x%08x", type);
}

int event_type_parse(const char *text, uint32_t *ret)
{
        unsigned long long v;
        char *end = NULL;

        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (strcmp(types[i].name, text) == 0) {
                        *ret = types[i].value;
                        return 0;
                }
        if (!*text)
                return -EINVAL;
        errno = 0;
        v = strtoull(text, &end, 0);
        if (errno || *end || v > UINT32_MAX || text[0] == '-')
                return -EINVAL;
        *ret = (uint32_t)v;
        return 0;
}
