/* TD HOB construction as QEMU does it (hw/i386/tdvf-hob.c, the RAM-entry
 * bookkeeping of target/i386/kvm/tdx.c); see td_hob.h. */
#include "measure/td_hob.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/guid.h"
#include "core/le.h"

#define FOUR_GIB (1ull << 32)
#define Q35_LOWMEM_SMALL 0xb0000000ull
#define Q35_LOWMEM_LARGE 0x80000000ull

#define HOB_TYPE_HANDOFF 0x0001u
#define HOB_TYPE_RESOURCE_DESCRIPTOR 0x0003u
#define HOB_TYPE_END_OF_HOB_LIST 0xffffu
#define HOB_HANDOFF_VERSION 9u
#define PHIT_SIZE 56u
#define RESOURCE_HOB_SIZE 48u
#define END_HOB_SIZE 8u

#define RESOURCE_SYSTEM_MEMORY 0u
#define RESOURCE_MEMORY_UNACCEPTED 7u
/* PRESENT | INITIALIZED | TESTED, for both kinds of range */
#define RESOURCE_ATTRIBUTES 0x7u

static const uint8_t ovmf_token_space_guid[GUID_LEN] =
        GUID_BYTES(0x93bb96af, 0xb9f2, 0x4eb8, 0x94, 0x62, 0xe0, 0xba, 0x74, 0x56, 0x42, 0x36);

struct ram_entry {
        uint64_t start, len;
        bool added;
};

struct ram_map {
        struct ram_entry *v;
        size_t n;
};

void td_hob_q35_ram_split(uint64_t ram_bytes, uint64_t max_ram_below_4g, uint64_t *ret_below_4g,
                          uint64_t *ret_above_4g)
{
        uint64_t lowmem = ram_bytes >= Q35_LOWMEM_SMALL ? Q35_LOWMEM_LARGE : Q35_LOWMEM_SMALL;

        if (max_ram_below_4g == 0)
                max_ram_below_4g = FOUR_GIB;
        if (lowmem > max_ram_below_4g)
                lowmem = max_ram_below_4g;
        if (ram_bytes >= lowmem) {
                *ret_below_4g = lowmem;
                *ret_above_4g = ram_bytes - lowmem;
        } else {
                *ret_below_4g = ram_bytes;
                *ret_above_4g = 0;
        }
}

static void ram_add(struct ram_map *m, uint64_t start, uint64_t len, bool added)
{
        m->v[m->n++] = (struct ram_entry){ .start = start, .len = len, .added = added };
}

/* QEMU's tdx_accept_ram_range(): the first entry overlapping the range must
 * contain it; an entry already added stays as it is; otherwise the entry
 * shrinks to the range and its head and tail become new unaccepted
 * entries at the end of the list. */
static int ram_accept(struct ram_map *m, const struct tdvf_section *s, size_t idx,
                      struct tdxh_err *e)
{
        uint64_t a = s->gpa, end = s->gpa + s->mem_size;

        for (size_t i = 0; i < m->n; i++) {
                struct ram_entry *r = &m->v[i];
                uint64_t r_end = r->start + r->len;

                if (end <= r->start || a >= r_end)
                        continue;
                if (a < r->start || end > r_end)
                        break;
                if (r->added)
                        return 0;
                {
                        struct ram_entry old = *r;

                        *r = (struct ram_entry){ .start = a, .len = s->mem_size, .added = true };
                        if (a > old.start)
                                ram_add(m, old.start, a - old.start, false);
                        if (end < r_end)
                                ram_add(m, end, r_end - end, false);
                }
                return 0;
        }
        return err_setf(e, -EINVAL,
                        "section %zu (%s) [0x%llx, 0x%llx) is not inside one guest RAM range; "
                        "QEMU would refuse to start the TD",
                        idx, tdvf_section_type_name(s->type), (unsigned long long)a,
                        (unsigned long long)end);
}

static int ram_cmp(const void *x, const void *y)
{
        const struct ram_entry *a = x, *b = y;

        return a->start < b->start ? -1 : a->start > b->start;
}

static void put_phit(uint8_t *p, uint64_t end_of_hob_list)
{
        memset(p, 0, PHIT_SIZE);
        le16_put(p, HOB_TYPE_HANDOFF);
        le16_put(p + 2, PHIT_SIZE);
        le32_put(p + 8, HOB_HANDOFF_VERSION);
        /* BootMode and the four EfiMemory/EfiFreeMemory fields stay 0 */
        le64_put(p + 48, end_of_hob_list);
}

static void put_resource(uint8_t *p, const struct ram_entry *r)
{
        memset(p, 0, RESOURCE_HOB_SIZE);
        le16_put(p, HOB_TYPE_RESOURCE_DESCRIPTOR);
        le16_put(p + 2, RESOURCE_HOB_SIZE);
        /* Owner GUID (p + 8) stays zero */
        le32_put(p + 24, r->added ? RESOURCE_SYSTEM_MEMORY : RESOURCE_MEMORY_UNACCEPTED);
        le32_put(p + 28, RESOURCE_ATTRIBUTES);
        le64_put(p + 32, r->start);
        le64_put(p + 40, r->len);
}

/* The TD_HOB section, or NULL (the error recorded). A pointer rather than an
 * out-parameter, so that no caller can go on with it unset. */
static const struct tdvf_section *td_hob_section(const struct tdvf_metadata *md,
                                                 struct tdxh_err *e)
{
        const struct tdvf_section *s = tdvf_td_hob(md);

        if (!s)
                (void)err_setf(e, -EINVAL, "the TDVF metadata has no TD_HOB section");
        return s;
}

int td_hob_build_split(const struct tdvf_metadata *md, uint64_t below_4g, uint64_t above_4g,
                       struct buf *ret_hob, size_t *ret_measured_len, struct tdxh_err *e)
{
        _cleanup_free_ struct ram_entry *v = NULL;
        _cleanup_free_ uint8_t *hob = NULL;
        const struct tdvf_section *td_hob = NULL;
        struct ram_map m;
        size_t len;
        int r;

        td_hob = td_hob_section(md, e);
        if (!td_hob)
                return -EINVAL;
        if (below_4g == 0 || below_4g > FOUR_GIB || above_4g > UINT64_MAX - FOUR_GIB)
                return err_setf(e, -EINVAL, "guest RAM 0x%llx below 4 GiB + 0x%llx above is "
                                "not a valid q35 layout",
                                (unsigned long long)below_4g, (unsigned long long)above_4g);
        /* Two initial ranges, and each accepted section splits off at most two. */
        v = calloc(2 + 2 * md->n_sections, sizeof(*v));
        if (!v)
                return -ENOMEM;
        m = (struct ram_map){ .v = v };
        ram_add(&m, 0, below_4g, false);
        if (above_4g)
                ram_add(&m, FOUR_GIB, above_4g, false);
        for (size_t i = 0; i < md->n_sections; i++) {
                const struct tdvf_section *s = &md->sections[i];

                if (s->type != TDVF_SECTION_TD_HOB && s->type != TDVF_SECTION_TEMP_MEM)
                        continue;
                r = ram_accept(&m, s, i, e);
                if (r < 0)
                        return r;
        }
        qsort(m.v, m.n, sizeof(*m.v), ram_cmp);

        len = PHIT_SIZE + m.n * RESOURCE_HOB_SIZE + END_HOB_SIZE;
        if (len > td_hob->mem_size)
                return err_setf(e, -EINVAL,
                                "the TD HOB needs %zu bytes, the TD_HOB section holds only 0x%llx",
                                len, (unsigned long long)td_hob->mem_size);
        hob = calloc(1, len);
        if (!hob)
                return -ENOMEM;
        /* EfiEndOfHobList points just past the END HOB. */
        put_phit(hob, td_hob->gpa + len);
        for (size_t i = 0; i < m.n; i++)
                put_resource(hob + PHIT_SIZE + i * RESOURCE_HOB_SIZE, &m.v[i]);
        le16_put(hob + len - END_HOB_SIZE, HOB_TYPE_END_OF_HOB_LIST);
        le16_put(hob + len - END_HOB_SIZE + 2, END_HOB_SIZE);

        buf_reset(ret_hob);
        r = buf_append(ret_hob, hob, len);
        if (r < 0)
                return r;
        *ret_measured_len = len - END_HOB_SIZE;
        return 0;
}

int td_hob_build(const struct tdvf_metadata *md, uint64_t ram_bytes, struct buf *ret_hob,
                 size_t *ret_measured_len, struct tdxh_err *e)
{
        uint64_t below, above;

        td_hob_q35_ram_split(ram_bytes, 0, &below, &above);
        return td_hob_build_split(md, below, above, ret_hob, ret_measured_len, e);
}

int td_hob_digest(const struct tdvf_metadata *md, uint64_t ram_bytes, uint8_t ret[SHA384_LEN],
                  struct tdxh_err *e)
{
        _cleanup_buf_ struct buf hob = BUF_INIT;
        uint8_t d[SHA384_LEN];
        size_t measured;
        int r;

        r = td_hob_build(md, ram_bytes, &hob, &measured, e);
        if (r < 0)
                return r;
        r = digest_buf(DIGEST_SHA384, hob.data, measured, d);
        if (r < 0)
                return err_setf(e, r, "TD HOB: SHA-384 failed");
        memcpy(ret, d, SHA384_LEN);
        return 0;
}

int td_hob_event_data(const struct tdvf_metadata *md, uint8_t ret[TD_HOB_EVENT_DATA_LEN],
                      struct tdxh_err *e)
{
        static const char desc[] = "TdxTable"; /* logged with its NUL */
        const struct tdvf_section *td_hob = td_hob_section(md, e);
        uint8_t *p = ret;

        if (!td_hob)
                return -EINVAL;
        *p++ = sizeof(desc);
        memcpy(p, desc, sizeof(desc));
        p += sizeof(desc);
        le64_put(p, 1); /* NumberOfTables */
        p += 8;
        memcpy(p, ovmf_token_space_guid, GUID_LEN);
        p += GUID_LEN;
        le64_put(p, td_hob->gpa);
        return 0;
}
