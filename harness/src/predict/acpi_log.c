/* ACPI digests from a reference event log; see acpi_log.h. */
#include "predict/acpi_log.h"

#include <errno.h>
#include <string.h>

#include "core/event_type.h"
#include "evidence/eventlog.h"

static bool is_acpi_data(const struct evlog_event *ev)
{
        static const char tag[] = "ACPI DATA";

        return ev->rtmr == 0 && ev->type == EV_PLATFORM_CONFIG_FLAGS &&
               ev->data_len >= sizeof(tag) - 1 && memcmp(ev->data, tag, sizeof(tag) - 1) == 0;
}

int acpi_digests_from_log(const char *path, uint8_t ret[ACPI_BLOB_COUNT][SHA384_LEN],
                          struct tdxh_err *e)
{
        _cleanup_evlog_ struct evlog log = { 0 };
        uint8_t found[ACPI_BLOB_COUNT][SHA384_LEN];
        size_t n = 0;
        int r;

        r = evlog_load_file(path, &log, e);
        if (r < 0)
                return r;
        for (size_t i = 0; i < log.n_events; i++) {
                const struct evlog_event *ev = &log.events[i];

                if (!is_acpi_data(ev))
                        continue;
                if (n == ACPI_BLOB_COUNT)
                        return err_setf(e, -EINVAL,
                                        "%s: event %zu: more than three ACPI DATA events in RTMR0",
                                        path, ev->index);
                if (!ev->has_sha384)
                        return err_setf(e, -EINVAL, "%s: event %zu: ACPI DATA event without a "
                                        "SHA-384 digest", path, ev->index);
                memcpy(found[n++], ev->sha384, SHA384_LEN);
        }
        if (n != ACPI_BLOB_COUNT)
                return err_setf(e, -EINVAL,
                                "%s: %zu ACPI DATA events in RTMR0, expected 3 (table-loader, "
                                "rsdp, tables); the log is from edk2 < 202302 or another platform",
                                path, n);
        memcpy(ret, found, sizeof(found));
        return 0;
}
