/* Finding the guest kernel's TCG2 event log in guest memory
 * (evidence/efi_tpm_log.h), over a memory image built here from a real log
 * of the fake platform: the EFI configuration table entries, the stub's
 * copy and the final events table placed as OVMF and Linux place them, with
 * the cases that must be told apart (a decoy entry, an entry across a chunk
 * boundary, events already in the stub's copy, no final table, no entry). */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/le.h"
#include "evidence/efi_tpm_log.h"
#include "evidence/eventlog.h"
#include "testutil.h"

#define MEM_SIZE (20u << 20)
#define STUB_AT 0x1200000u
#define FINAL_AT 0x1300000u

static const uint8_t linux_guid[16] = { 0xb0, 0x9c, 0x79, 0xb7, 0xa2, 0xec, 0x43, 0x49,
                                        0x96, 0x67, 0x1f, 0xae, 0x07, 0xb7, 0x47, 0xfa };
static const uint8_t final_guid[16] = { 0x96, 0xd0, 0x2e, 0x1e, 0xe2, 0x30, 0x54, 0x42,
                                        0xbd, 0x89, 0x86, 0x3b, 0xbe, 0xf8, 0x23, 0x25 };

static int mem_read(void *userdata, uint64_t addr, void *buf, size_t len, struct tdxh_err *e)
{
        (void)e;
        ck_assert_uint_le(addr + len, MEM_SIZE);
        memcpy(buf, (uint8_t *)userdata + addr, len);
        return 0;
}

static void put_entry(uint8_t *mem, uint64_t at, const uint8_t guid[16], uint64_t ptr)
{
        memcpy(mem + at, guid, 16);
        le64_put(mem + at + 16, ptr);
}

struct layout {
        const char *name;
        uint64_t array_at;  /* the configuration table */
        bool decoy;         /* a Linux entry above it pointing outside RAM */
        bool with_final;    /* the final table's entry */
        int preboot_events; /* final events also in the stub's copy */
        bool with_linux;
        int expect;         /* 0 or -ENOENT */
};

static const struct layout layouts[] = {
        { "plain", 0x13f0000, false, true, 0, true, 0 },
        { "decoy above", 0x13f0000, true, true, 0, true, 0 },
        { "entry across the chunk boundary", (4u << 20) - 8 - 24, false, true, 0, true, 0 },
        { "one event already copied", 0x13f0000, false, true, 1, true, 0 },
        { "no final table", 0x13f0000, false, false, 0, true, 0 },
        { "no Linux entry", 0x13f0000, false, true, 0, false, -ENOENT },
};

START_TEST(test_efi_tpm_log_assembles_the_kernels_log)
{
        const struct layout *L = &layouts[_i];
        char *path = NULL;
        size_t len, split, stub_len, n;
        uint8_t *log, *mem = calloc(1, MEM_SIZE);
        struct evlog ev = { 0 };
        struct efi_tpm_log out;
        struct guest_mem m = { .size = MEM_SIZE, .read = mem_read, .userdata = mem };
        struct tdxh_err e = { 0 };
        int r;

        ck_assert_int_ge(asprintf(&path, "%s/fake-boot/binary_bios_measurements",
                                  TDXH_TEST_DATA_DIR), 0);
        log = slurp(path, &len);
        ck_assert_int_eq(evlog_parse(log, len, EVLOG_TPM, &ev, &e), 0);
        n = ev.n_events;
        ck_assert_uint_ge(n, 3);
        /* The last two events are the ones logged after GetEventLog. */
        split = ev.events[n - 2].offset;
        stub_len = L->preboot_events ? ev.events[n - 1].offset : split;
        le32_put(mem + STUB_AT, (uint32_t)stub_len);
        le32_put(mem + STUB_AT + 4, (uint32_t)(stub_len - split));
        mem[STUB_AT + 8] = 2;
        memcpy(mem + STUB_AT + 9, log, stub_len);
        le64_put(mem + FINAL_AT, 1);
        le64_put(mem + FINAL_AT + 8, 2);
        memcpy(mem + FINAL_AT + 16, log + split, len - split);
        put_entry(mem, L->array_at, final_guid, 0x7f000000); /* another table's slot */
        if (L->with_linux)
                put_entry(mem, L->array_at + 24, linux_guid, STUB_AT);
        if (L->with_final)
                put_entry(mem, L->array_at + 48, final_guid, FINAL_AT);
        if (L->decoy)
                put_entry(mem, L->array_at + 0x8000, linux_guid, 0xffffffff81234560ull);
        r = efi_tpm_log_find(&m, &out, &e);
        ck_assert_msg(r == L->expect, "%s: %d %s", L->name, r, e.msg);
        if (r == 0) {
                size_t want = L->with_final ? len : stub_len;

                ck_assert_uint_eq(out.len, want);
                ck_assert(memcmp(out.log, log, want) == 0);
                ck_assert_uint_eq(out.linux_table, STUB_AT);
                ck_assert_uint_eq(out.final_table, L->with_final ? FINAL_AT : 0);
                efi_tpm_log_free(&out);
        } else
                ck_assert_ptr_nonnull(strstr(e.msg, "LINUX_EFI_TPM_EVENT_LOG"));
        evlog_free(&ev);
        free(log);
        free(mem);
        free(path);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("efi_tpm_log");
        TCase *tc = tcase_create("efi_tpm_log");

        tcase_add_loop_test(tc, test_efi_tpm_log_assembles_the_kernels_log, 0,
                            (int)(sizeof(layouts) / sizeof(layouts[0])));
        suite_add_tcase(s, tc);
        return run_suite(s);
}
