/* Real-data evidence for tests; see fixture_events.h. */
#include "fixture_events.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/event_type.h"
#include "core/hex.h"
#include "testutil.h"

const char *const fixture_trustee_rtmr_hex[4] = {
        "8566f998798db09443b244c62de9a3041fb02e2e6936c4396d784bba2e90177329ec5aba3bb484404f2ab9cc90abe193",
        "775b9f6bfe99f8a31396f0d0218e67ffa796d3b96ccf961cbb0deba48c79c00f082cda1a5567c1c16305f1fc210c13c6",
        "94eaf7a7bf398ed8d888c91057ae0261802e4f3df084213a76ca7f0b5055ac9d2241de43cd58d9e8b49c503bbf25f34a",
        "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000",
};

/* The label an event-log reader gives, from type and decoded data. */
static const char *label(uint32_t type, const char *text, int *acpi_seen)
{
        static const char *const acpi[] = { "acpi-loader", "acpi-rsdp", "acpi-tables" };

        switch (type) {
        case EV_EFI_HANDOFF_TABLES2:
                return "td-hob";
        case EV_EFI_PLATFORM_FIRMWARE_BLOB2:
                return "cfv";
        case EV_EFI_VARIABLE_DRIVER_CONFIG:
                return "secureboot-var";
        case EV_SEPARATOR:
                return "separator";
        case EV_PLATFORM_CONFIG_FLAGS:
                if (text && strcmp(text, "ACPI DATA") == 0 && *acpi_seen < 3)
                        return acpi[(*acpi_seen)++];
                return "fwcfg";
        case EV_EFI_BOOT_SERVICES_APPLICATION:
                return "kernel";
        case EV_EFI_VARIABLE_BOOT:
                return "boot-var";
        case EV_EFI_ACTION:
                return "action";
        case EV_EVENT_TAG:
                return text && strstr(text, "LoadOptions") ? "cmdline" : "initrd";
        }
        return "unknown";
}

void fixture_trustee_log(struct evlog *ret)
{
        char *path = fixture_path("trustee/CCEL_data_ovmf_out.json");
        json_object *root = json_object_from_file(path), *arr;
        struct evlog l = { .format = EVLOG_CCEL };
        int acpi_seen = 0;

        ck_assert_msg(root != NULL, "cannot read %s", path);
        ck_assert(json_object_object_get_ex(root, "uefi_event_logs", &arr));
        l.n_events = json_object_array_length(arr);
        l.events = calloc(l.n_events, sizeof(*l.events));
        ck_assert_ptr_nonnull(l.events);
        for (size_t i = 0; i < l.n_events; i++) {
                json_object *e = json_object_array_get_idx(arr, i), *v, *d, *s;
                struct evlog_event *ev = &l.events[i];
                const char *text = NULL;

                ev->index = i;
                ck_assert(json_object_object_get_ex(e, "index", &v));
                ev->pcr = (uint32_t)json_object_get_int(v);
                ev->rtmr = (int)ev->pcr - 1;
                ck_assert(json_object_object_get_ex(e, "type_name", &v));
                ck_assert_int_eq(event_type_parse(json_object_get_string(v), &ev->type), 0);
                ck_assert(json_object_object_get_ex(e, "digests", &v));
                d = json_object_array_get_idx(v, 0);
                ck_assert(json_object_object_get_ex(d, "digest", &v));
                ck_assert_int_eq(hex_decode_exact(json_object_get_string(v), ev->sha384, 48), 0);
                ev->has_sha384 = true;
                ck_assert(json_object_object_get_ex(e, "details", &d));
                if (json_object_object_get_ex(d, "string", &s) ||
                    json_object_object_get_ex(d, "unicode_name", &s))
                        text = json_object_get_string(s);
                ev->what = label(ev->type, text, &acpi_seen);
                ev->detail = text ? strdup(text) : NULL;
        }
        json_object_put(root);
        free(path);
        *ret = l;
}

void fixture_log_free(struct evlog *l)
{
        for (size_t i = 0; i < l->n_events; i++) {
                evlog_event_free(l, &l->events[i]);
        }
        free(l->events);
        memset(l, 0, sizeof(*l));
}

size_t fixture_find(const struct evlog *l, const char *what)
{
        for (size_t i = 0; i < l->n_events; i++)
                if (strcmp(l->events[i].what, what) == 0)
                        return i;
        ck_abort_msg("no %s event in the log", what);
        return 0;
}

void fixture_set_digest(struct evlog *l, size_t i, const uint8_t digest[48])
{
        ck_assert_uint_lt(i, l->n_events);
        memcpy(l->events[i].sha384, digest, 48);
}

void fixture_set_detail(struct evlog *l, size_t i, const char *detail)
{
        ck_assert_uint_lt(i, l->n_events);
        free(l->events[i].detail);
        l->events[i].detail = detail ? strdup(detail) : NULL;
}

static void renumber(struct evlog *l)
{
        for (size_t i = 0; i < l->n_events; i++)
                l->events[i].index = i;
}

void fixture_remove(struct evlog *l, size_t i)
{
        ck_assert_uint_lt(i, l->n_events);
        evlog_event_free(l, &l->events[i]);
        memmove(&l->events[i], &l->events[i + 1], (l->n_events - i - 1) * sizeof(*l->events));
        l->n_events--;
        renumber(l);
}

void fixture_insert(struct evlog *l, size_t at, int rtmr, uint32_t type, const uint8_t digest[48],
                    const char *what, const char *detail)
{
        struct evlog_event *v = realloc(l->events, (l->n_events + 1) * sizeof(*v));

        ck_assert_ptr_nonnull(v);
        ck_assert_uint_le(at, l->n_events);
        memmove(&v[at + 1], &v[at], (l->n_events - at) * sizeof(*v));
        v[at] = (struct evlog_event){ .rtmr = rtmr, .pcr = (uint32_t)rtmr + 1, .type = type,
                                      .has_sha384 = true, .what = what,
                                      .detail = detail ? strdup(detail) : NULL };
        memcpy(v[at].sha384, digest, 48);
        l->events = v;
        l->n_events++;
        renumber(l);
}

void fixture_golden_from_log(const struct evlog *l, struct golden *ret)
{
        struct golden g = { 0 };

        g.profile_name = strdup("tdx-edk2-202302-qemu-10.1");
        g.platform = strdup("tdx");
        g.edk2 = strdup("202302");
        g.qemu = strdup("10.1");
        g.page_add = strdup("per-page");
        g.memory = 2ull << 30;
        g.vcpus = 2;
        g.events = calloc(l->n_events + 1, sizeof(*g.events));
        ck_assert_ptr_nonnull(g.events);
        for (int r = GOLDEN_RTMR0; r <= GOLDEN_RTMR3; r++)
                g.regs[r].present = g.regs[r].known = true;
        for (size_t i = 0; i < l->n_events; i++) {
                const struct evlog_event *ev = &l->events[i];
                struct golden_event *ge = &g.events[g.n_events++];

                ge->rtmr = ev->rtmr;
                ge->type = ev->type;
                ge->digest_known = true;
                memcpy(ge->digest, ev->sha384, 48);
                ge->what = strdup(ev->what);
                ge->detail = ev->detail ? strdup(ev->detail) : NULL;
                rtmr_extend(g.regs[GOLDEN_RTMR0 + ev->rtmr].value, ev->sha384);
        }
        *ret = g;
}

void fixture_golden_free(struct golden *g)
{
        free(g->profile_name);
        free(g->platform);
        free(g->edk2);
        free(g->qemu);
        free(g->page_add);
        free(g->firmware.path);
        free(g->kernel.path);
        free(g->initrd.path);
        free(g->cmdline);
        for (int r = 0; r < GOLDEN_NREGS; r++)
                free(g->regs[r].unknown_reason);
        for (size_t i = 0; i < g->n_events; i++) {
                free(g->events[i].what);
                free(g->events[i].detail);
        }
        free(g->events);
        memset(g, 0, sizeof(*g));
}

void fixture_cmdline_digest(const char *cmdline, uint8_t ret[48])
{
        size_t n = strlen(cmdline);
        uint8_t *u = calloc(2 * n + 2, 1);

        ck_assert_ptr_nonnull(u);
        for (size_t i = 0; i < n; i++)
                u[2 * i] = (uint8_t)cmdline[i];
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, u, 2 * n + 2, ret), 0);
        free(u);
}

/* A scenario "measure" with the kernel changed (diff and causes attached)
 * and a scenario "seal" with a failed, an errored and a skipped check. */
void fixture_report(struct report *rep)
{
        struct evlog log;
        struct golden g;
        struct diff_observed obs = { 0 };
        struct diff_result d;
        struct explain_result x;
        struct report_scenario *s;
        uint8_t other[48];

        fixture_trustee_log(&log);
        fixture_golden_from_log(&log, &g);
        memset(other, 0xcd, sizeof(other));
        fixture_set_digest(&log, fixture_find(&log, "kernel"), other);
        fixture_set_detail(&log, fixture_find(&log, "kernel"), "File(" FIXTURE_NASTY ")");
        obs.log = &log;
        obs.log_name = "ccel.bin";
        ck_assert_int_eq(diff_run(&g, &obs, &d, NULL), 0);
        ck_assert_int_eq(explain_run(&g, &obs, &d, NULL, &x, NULL), 0);
        ck_assert_int_eq(report_init(rep, "tdxh", "0.1.0", "2026-01-02T03:04:05Z"), 0);
        ck_assert_int_eq(report_add_scenario(rep, "measure", "fake", "2026-01-02T03:04:05", &s), 0);
        ck_assert_int_eq(report_add_check(s, "boot", REPORT_PASS, NULL, NULL, 8.25, -1), 0);
        ck_assert_int_eq(report_attach_diff(s, &d, &x), 0);
        ck_assert_uint_eq(d.n_compared, 0); /* moved out */
        ck_assert_int_eq(report_add_scenario(rep, "seal " FIXTURE_NASTY, NULL, NULL, &s), 0);
        ck_assert_int_eq(report_add_check(s, "unseal", REPORT_FAIL, "key not released: " FIXTURE_NASTY,
                                          "line 1\nline 2 " FIXTURE_NASTY "\n```\ncode fence\n", 1.5, -1),
                         0);
        ck_assert_int_eq(report_add_check(s, "quote", REPORT_ERROR, "QGS did not answer", NULL, 30, -1), 0);
        ck_assert_int_eq(report_add_check(s, "tpm", REPORT_SKIP, "no vTPM", NULL, 0, -1), 0);
        fixture_golden_free(&g);
        fixture_log_free(&log);
}
