/* MRTD computation; see mrtd.h. The records are small (128 bytes) and
 * numerous (16 per page), so they are staged in one buffer and handed to
 * the digest in large blocks. */
#include "measure/mrtd.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/le.h"

#define RECORD_SIZE 128u
#define EXTEND_CHUNK 256u /* TDX_EXTENDMR_CHUNKSIZE */
#define CHUNKS_PER_PAGE (TDVF_PAGE_SIZE / EXTEND_CHUNK)
#define STAGE_SIZE (64u * 1024u)

struct stage {
        struct digest *d;
        uint8_t *buf;
        size_t len;
};

static int stage_flush(struct stage *s)
{
        int r = digest_update(s->d, s->buf, s->len);

        s->len = 0;
        return r;
}

/* Returns room for n bytes, flushing first when needed (n <= STAGE_SIZE). */
static int stage_room(struct stage *s, size_t n, uint8_t **ret)
{
        if (s->len + n > STAGE_SIZE) {
                int r = stage_flush(s);

                if (r < 0)
                        return r;
        }
        *ret = s->buf + s->len;
        s->len += n;
        return 0;
}

/* One 128-byte record: ASCII operation name, zero padding, the GPA at byte 16. */
static int stage_record(struct stage *s, const char *op, uint64_t gpa)
{
        uint8_t *p;
        int r = stage_room(s, RECORD_SIZE, &p);

        if (r < 0)
                return r;
        memset(p, 0, RECORD_SIZE);
        memcpy(p, op, strlen(op));
        le64_put(p + 16, gpa);
        return 0;
}

static int page_add(struct stage *s, uint64_t gpa)
{
        return stage_record(s, "MEM.PAGE.ADD", gpa);
}

/* 16 MR.EXTEND calls over one page, each a record then 256 bytes of content. */
static int extend_page(struct stage *s, uint64_t gpa, const uint8_t *content)
{
        for (unsigned c = 0; c < CHUNKS_PER_PAGE; c++) {
                uint8_t *p;
                int r = stage_record(s, "MR.EXTEND", gpa + c * EXTEND_CHUNK);

                if (r < 0)
                        return r;
                r = stage_room(s, EXTEND_CHUNK, &p);
                if (r < 0)
                        return r;
                memcpy(p, content + c * EXTEND_CHUNK, EXTEND_CHUNK);
        }
        return 0;
}

static int feed_section(struct stage *s, const struct tdvf_section *sec, const uint8_t *fw,
                        enum page_add_pattern p)
{
        uint64_t pages = sec->mem_size / TDVF_PAGE_SIZE;
        bool add = !(sec->attributes & TDVF_ATTR_PAGE_AUG);
        bool extend = sec->attributes & TDVF_ATTR_MR_EXTEND;
        const uint8_t *src = fw + sec->data_offset;
        int r = 0;

        if (p == PAGE_ADD_PER_PAGE) {
                for (uint64_t i = 0; i < pages && r >= 0; i++) {
                        uint64_t gpa = sec->gpa + i * TDVF_PAGE_SIZE;

                        if (add)
                                r = page_add(s, gpa);
                        if (r >= 0 && extend)
                                r = extend_page(s, gpa, src + i * TDVF_PAGE_SIZE);
                }
                return r;
        }
        for (uint64_t i = 0; add && i < pages && r >= 0; i++)
                r = page_add(s, sec->gpa + i * TDVF_PAGE_SIZE);
        for (uint64_t i = 0; extend && i < pages && r >= 0; i++)
                r = extend_page(s, sec->gpa + i * TDVF_PAGE_SIZE, src + i * TDVF_PAGE_SIZE);
        return r;
}

int mrtd_compute(const uint8_t *fw, size_t size, const struct tdvf_metadata *md,
                 enum page_add_pattern p, uint8_t ret[SHA384_LEN], struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *buf = NULL;
        _cleanup_digest_ struct digest d = { 0 };
        uint8_t out[SHA384_LEN];
        struct stage s;
        int r;

        /* md normally comes from tdvf_parse(fw); re-check what is read here so
         * a mismatched pair cannot read out of bounds. */
        for (size_t i = 0; i < md->n_sections; i++) {
                const struct tdvf_section *sec = &md->sections[i];

                if ((sec->attributes & TDVF_ATTR_MR_EXTEND) &&
                    (sec->mem_size > size || sec->data_offset > size - sec->mem_size))
                        return err_setf(e, -EINVAL,
                                        "section %zu (%s): measured data 0x%x + 0x%llx runs past "
                                        "the end of the %zu-byte file",
                                        i, tdvf_section_type_name(sec->type), sec->data_offset,
                                        (unsigned long long)sec->mem_size, size);
        }
        buf = malloc(STAGE_SIZE);
        if (!buf)
                return -ENOMEM;
        r = digest_begin(&d, DIGEST_SHA384);
        if (r < 0)
                return err_setf(e, r, "MRTD: cannot start SHA-384");
        s = (struct stage){ .d = &d, .buf = buf };
        for (size_t i = 0; i < md->n_sections && r >= 0; i++)
                r = feed_section(&s, &md->sections[i], fw, p);
        if (r >= 0)
                r = stage_flush(&s);
        if (r >= 0)
                r = digest_end(&d, out);
        if (r < 0)
                return err_setf(e, r, "MRTD: SHA-384 failed");
        memcpy(ret, out, SHA384_LEN);
        return 0;
}
