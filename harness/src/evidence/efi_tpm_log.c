/* The guest kernel's TCG2 event log, found in guest memory; see
 * efi_tpm_log.h. */
#include "evidence/efi_tpm_log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/le.h"
#include "evidence/eventlog.h"

#define SCAN_CHUNK (16u << 20)
#define CONFIG_ENTRY_LEN 24   /* EFI_CONFIGURATION_TABLE: EFI_GUID + VOID* */
#define SAME_ARRAY_ENTRIES 64 /* how far apart two entries of one array may be */
#define STUB_HEADER_LEN 9     /* u32 size, u32 final_events_preboot_size, u8 version */
#define STUB_LOG_VERSION 2    /* EFI_TCG2_EVENT_LOG_FORMAT_TCG_2 */
#define FINAL_HEADER_LEN 16   /* u64 version, u64 number_of_events */
#define FINAL_VERSION 1
#define FINAL_MAX_EVENTS 1024
#define FINAL_AREA_MAX (64u << 10)
#define LOG_MAX (16u << 20)
#define SPEC_ID_OFFSET 32     /* the spec ID event's data in the SHA-1 format first record */
#define EV_NO_ACTION_TYPE 3u

/* LINUX_EFI_TPM_EVENT_LOG_GUID b7799cb0-eca2-4943-9667-1fae07b747fa and
 * EFI_TCG2_FINAL_EVENTS_TABLE_GUID 1e2ed096-30e2-4254-bd89-863bbef82325,
 * in their in-memory (mixed-endian EFI_GUID) layout. */
static const uint8_t linux_guid[16] = { 0xb0, 0x9c, 0x79, 0xb7, 0xa2, 0xec, 0x43, 0x49,
                                        0x96, 0x67, 0x1f, 0xae, 0x07, 0xb7, 0x47, 0xfa };
static const uint8_t final_guid[16] = { 0x96, 0xd0, 0x2e, 0x1e, 0xe2, 0x30, 0x54, 0x42,
                                        0xbd, 0x89, 0x86, 0x3b, 0xbe, 0xf8, 0x23, 0x25 };

struct finder {
        const struct guest_mem *m;
        struct efi_tpm_log *out;
        struct evlog stub; /* the stub's copy, parsed: its banks size the final events */
        uint32_t preboot;
        struct tdxh_err *e;
};

static int mem_read(struct finder *f, uint64_t addr, void *buf, size_t len)
{
        f->out->bytes_read += len;
        return f->m->read(f->m->userdata, addr, buf, len, f->e);
}

static bool in_ram(const struct finder *f, uint64_t addr, uint64_t len)
{
        return addr < f->m->size && len <= f->m->size - addr;
}

/* The stub's table at addr: 1 when it checks out (the log kept in f),
 * 0 when it does not, negative on a read error. */
static int try_stub(struct finder *f, uint64_t addr)
{
        _cleanup_free_ uint8_t *log = NULL;
        uint8_t hdr[STUB_HEADER_LEN];
        struct tdxh_err ignored = { 0 };
        uint32_t size;
        int r;

        if (!in_ram(f, addr, STUB_HEADER_LEN))
                return 0;
        r = mem_read(f, addr, hdr, sizeof(hdr));
        if (r < 0)
                return r;
        size = le32_get(hdr);
        if (hdr[8] != STUB_LOG_VERSION || size < SPEC_ID_OFFSET + 16 || size > LOG_MAX ||
            !in_ram(f, addr + STUB_HEADER_LEN, size))
                return 0;
        log = malloc(size);
        if (!log)
                return -ENOMEM;
        r = mem_read(f, addr + STUB_HEADER_LEN, log, size);
        if (r < 0)
                return r;
        if (le32_get(log) != 0 || le32_get(log + 4) != EV_NO_ACTION_TYPE ||
            memcmp(log + SPEC_ID_OFFSET, "Spec ID Event03", 16) != 0)
                return 0;
        if (evlog_parse(log, size, EVLOG_TPM, &f->stub, &ignored) < 0)
                return 0;
        f->preboot = le32_get(hdr + 4);
        f->out->linux_table = addr;
        f->out->stub_len = size;
        f->out->log = TAKE_PTR(log);
        f->out->len = size;
        return 1;
}

/* Bytes of one TCG_PCR_EVENT2 at p (avail bytes), or 0 when it does not
 * parse with the stub log's banks. */
static size_t event2_len(const struct evlog *hdr, const uint8_t *p, size_t avail)
{
        size_t off = 12;
        uint32_t count;

        if (avail < off)
                return 0;
        count = le32_get(p + 8);
        if (count == 0 || count > EVLOG_MAX_ALGS)
                return 0;
        for (uint32_t i = 0; i < count; i++) {
                uint16_t alg, size = 0;

                if (off + 2 > avail)
                        return 0;
                alg = le16_get(p + off);
                for (size_t k = 0; k < hdr->n_algs; k++)
                        if (hdr->algs[k].id == alg)
                                size = hdr->algs[k].size;
                if (!size)
                        return 0;
                off += 2u + size;
        }
        if (off + 4 > avail || le32_get(p + off) > avail - off - 4)
                return 0;
        return off + 4 + le32_get(p + off);
}

/* The final events table at addr: 1 when its records parse (the events
 * past the stub's preboot bytes appended to the log), 0 when it does not. */
static int try_final(struct finder *f, uint64_t addr)
{
        _cleanup_free_ uint8_t *area = NULL;
        uint64_t n, avail;
        size_t off = 0;
        uint8_t *grown;
        int r;

        if (!in_ram(f, addr, FINAL_HEADER_LEN))
                return 0;
        avail = f->m->size - addr - FINAL_HEADER_LEN;
        if (avail > FINAL_AREA_MAX)
                avail = FINAL_AREA_MAX;
        area = malloc(FINAL_HEADER_LEN + avail);
        if (!area)
                return -ENOMEM;
        r = mem_read(f, addr, area, FINAL_HEADER_LEN + avail);
        if (r < 0)
                return r;
        n = le64_get(area + 8);
        if (le64_get(area) != FINAL_VERSION || n > FINAL_MAX_EVENTS)
                return 0;
        for (uint64_t i = 0; i < n; i++) {
                size_t len = event2_len(&f->stub, area + FINAL_HEADER_LEN + off, avail - off);

                if (!len)
                        return 0;
                off += len;
        }
        if (f->preboot > off)
                return 0;
        grown = realloc(f->out->log, f->out->len + off - f->preboot);
        if (!grown && off > f->preboot)
                return -ENOMEM;
        if (grown)
                f->out->log = grown;
        memcpy(f->out->log + f->out->len, area + FINAL_HEADER_LEN + f->preboot, off - f->preboot);
        f->out->len += off - f->preboot;
        f->out->final_table = addr;
        f->out->final_events = (size_t)n;
        return 1;
}

static bool guid_at(const uint8_t *p, const uint8_t guid[16])
{
        return memcmp(p, guid, 16) == 0;
}

/* The final table's entry counts only in the stub's array, a whole
 * number of entries away from the stub's entry at addr; the window is read
 * afresh, as the array may cross the chunk it was found in. */
static int find_final(struct finder *f, uint64_t addr)
{
        _cleanup_free_ uint8_t *win = NULL;
        uint64_t span = (uint64_t)SAME_ARRAY_ENTRIES * CONFIG_ENTRY_LEN;
        uint64_t lo = addr > span ? addr - span : addr % CONFIG_ENTRY_LEN;
        uint64_t hi = addr + CONFIG_ENTRY_LEN + span;
        int r;

        if (hi > f->m->size)
                hi = f->m->size;
        win = malloc(hi - lo);
        if (!win)
                return -ENOMEM;
        r = mem_read(f, lo, win, hi - lo);
        if (r < 0)
                return r;
        for (uint64_t at = lo; at + CONFIG_ENTRY_LEN <= hi; at += CONFIG_ENTRY_LEN) {
                if (at == addr || !guid_at(win + (at - lo), final_guid))
                        continue;
                r = try_final(f, le64_get(win + (at - lo) + 16));
                if (r != 0)
                        return r;
        }
        return 0;
}

/* One chunk of memory at base: 1 when the stub's entry was found in it. */
static int scan_chunk(struct finder *f, const uint8_t *chunk, size_t len, uint64_t base)
{
        int r;

        for (size_t off = 0; off + CONFIG_ENTRY_LEN <= len; off += 8) {
                if (!guid_at(chunk + off, linux_guid))
                        continue;
                r = try_stub(f, le64_get(chunk + off + 16));
                if (r < 0)
                        return r;
                if (r == 0)
                        continue;
                r = find_final(f, base + off);
                return r < 0 ? r : 1;
        }
        return 0;
}

int efi_tpm_log_find(const struct guest_mem *m, struct efi_tpm_log *ret, struct tdxh_err *e)
{
        struct finder f = { .m = m, .out = ret, .e = e };
        _cleanup_free_ uint8_t *chunk = NULL;
        uint64_t end = m->size & ~(uint64_t)7;
        int r = 0;

        *ret = (struct efi_tpm_log){ 0 };
        chunk = malloc(SCAN_CHUNK + CONFIG_ENTRY_LEN);
        if (!chunk)
                return -ENOMEM;
        /* Top down, each chunk overlapping the one above by an entry, so
         * that an entry across the boundary is seen whole. */
        while (end > 0 && r == 0) {
                uint64_t start = end > SCAN_CHUNK ? end - SCAN_CHUNK : 0;
                size_t len = (size_t)(end - start);

                if (end + CONFIG_ENTRY_LEN <= m->size)
                        len += CONFIG_ENTRY_LEN;
                r = mem_read(&f, start, chunk, len);
                if (r >= 0)
                        r = scan_chunk(&f, chunk, len, start);
                end = start;
        }
        evlog_free(&f.stub);
        if (r < 0) {
                efi_tpm_log_free(ret);
                return r;
        }
        if (r == 0) {
                uint64_t searched = ret->bytes_read;

                efi_tpm_log_free(ret);
                return err_setf(e, -ENOENT, "guest memory: no LINUX_EFI_TPM_EVENT_LOG configuration "
                                "table in %llu MiB (did the guest reach the Linux kernel?)",
                                (unsigned long long)(searched >> 20));
        }
        return 0;
}

void efi_tpm_log_free(struct efi_tpm_log *l)
{
        free(l->log);
        *l = (struct efi_tpm_log){ 0 };
}
