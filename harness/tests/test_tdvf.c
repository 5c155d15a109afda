/* TDVF metadata parsing (TDX-REFERENCE §1) on Debian's OVMF.fd, and its
 * rejection of damaged copies: one field corrupted at a time, each must give
 * -EINVAL and a message naming the offset and the field, never a crash. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/le.h"
#include "measure/tdvf.h"
#include "ovmf_fixture.h"
#include "testutil.h"

#define DESC_OFF 0x1ff7c0u /* §1.1 worked example */

static const uint8_t *ovmf;
static size_t ovmf_size;

/* A private copy the test may damage. */
static uint8_t *ovmf_copy(void)
{
        uint8_t *c = malloc(ovmf_size);

        ck_assert_ptr_nonnull(c);
        memcpy(c, ovmf, ovmf_size);
        return c;
}

START_TEST(test_tdvf_parses_debian_ovmf_six_sections)
{
        static const struct tdvf_section want[] = {
                { 0x20000, 0x1e0000, 0xffe20000, 0x1e0000, TDVF_SECTION_BFV, 1 },
                { 0x0, 0x20000, 0xffe00000, 0x20000, TDVF_SECTION_CFV, 0 },
                { 0, 0, 0x810000, 0x10000, TDVF_SECTION_TEMP_MEM, 0 },
                { 0, 0, 0x80b000, 0x2000, TDVF_SECTION_TEMP_MEM, 0 },
                { 0, 0, 0x809000, 0x2000, TDVF_SECTION_TD_HOB, 0 },
                { 0, 0, 0x800000, 0x6000, TDVF_SECTION_TEMP_MEM, 0 },
        };
        struct tdvf_metadata md = { 0 };
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(tdvf_parse(ovmf, ovmf_size, &md, &e), 0);
        ck_assert_uint_eq(md.descriptor_offset, DESC_OFF);
        ck_assert_uint_eq(md.n_sections, ELEMENTSOF(want));
        for (size_t i = 0; i < md.n_sections; i++) {
                const struct tdvf_section *s = &md.sections[i], *w = &want[i];

                ck_assert_uint_eq(s->type, w->type);
                ck_assert_uint_eq(s->attributes, w->attributes);
                ck_assert_uint_eq(s->gpa, w->gpa);
                ck_assert_uint_eq(s->mem_size, w->mem_size);
                ck_assert_uint_eq(s->raw_size, w->raw_size);
                if (w->raw_size)
                        ck_assert_uint_eq(s->data_offset, w->data_offset);
        }
        ck_assert_ptr_eq(tdvf_cfv(&md), &md.sections[1]);
        ck_assert_ptr_eq(tdvf_td_hob(&md), &md.sections[4]);
        ck_assert_str_eq(tdvf_section_type_name(TDVF_SECTION_TEMP_MEM), "TEMP_MEM");
        ck_assert_str_eq(tdvf_section_type_name(9), "unknown");
        tdvf_metadata_free(&md);
        ck_assert_ptr_null(md.sections);
}
END_TEST

/* One damaged field: where, what to write, and words the message must hold. */
struct corruption {
        const char *name;
        size_t off_from_end; /* 0 = use desc_rel */
        long desc_rel;       /* offset relative to the descriptor */
        unsigned width;      /* 2, 4 or 8 bytes, little-endian */
        uint64_t value;
        int code;
        const char *msg1, *msg2;
};

#define SEC(i, field) (16 + 32 * (i) + (field))
static const struct corruption corruptions[] = {
        { "footer guid", 0x30, 0, 4, 0xdeadbeef, -EINVAL, "offset 0x1fffd0", "footer table GUID" },
        { "table length short", 0x32, 0, 2, 17, -EINVAL, "offset 0x1fffce", "footer table length 17" },
        { "entry length short", 0x44, 0, 2, 5, -EINVAL, "offset 0x1fffbc", "entry length 5" },
        { "entry length long", 0x44, 0, 2, 400, -EINVAL, "offset 0x1fffbc", "exceeds" },
        { "tdx offset huge", 0xa8, 0, 4, 0xfffffff0, -EINVAL, "0xfffffff0", "does not leave room" },
        { "metadata guid", 0, -16, 4, 0, -EINVAL, "offset 0x1ff7b0", "TDVF metadata GUID" },
        { "signature", 0, 0, 4, 0x46564455, -EINVAL, "offset 0x1ff7c0", "signature" },
        { "length", 0, 4, 4, 48, -EINVAL, "offset 0x1ff7c0", "TDVF descriptor length 48 does not match 6 sections" },
        { "version", 0, 8, 4, 2, -EINVAL, "offset 0x1ff7c0", "version 2" },
        { "one section", 0, 12, 4, 1, -EINVAL, "offset 0x1ff7c0", "lists 1 sections" },
        { "too many sections", 0, 12, 4, 100000, -EINVAL, "offset 0x1ff7c0", "lists 100000 sections" },
        { "section past end", 0, SEC(0, 0), 4, 0x100000, -EINVAL, "offset 0x1ff7d0", "runs past the end" },
        { "unaligned gpa", 0, SEC(2, 8), 8, 0x810800, -EINVAL, "offset 0x1ff810", "MemoryAddress 0x810800" },
        { "unaligned size", 0, SEC(3, 16), 8, 0x2100, -EINVAL, "offset 0x1ff830", "MemoryDataSize 0x2100" },
        { "raw > mem", 0, SEC(1, 4), 4, 0x21000, -EINVAL, "offset 0x1ff7f0", "RawDataSize 0x21000 exceeds" },
        { "extend raw < mem", 0, SEC(0, 16), 8, 0x1f0000, -EINVAL, "offset 0x1ff7d0", "MR.EXTEND" },
        { "bfv no raw", 0, SEC(0, 4), 4, 0, -EINVAL, "section 0 (BFV)", "RawDataSize is 0" },
        { "temp with raw", 0, SEC(5, 4), 4, 0x1000, -EINVAL, "section 5 (TEMP_MEM)", "expected 0" },
        { "bad type", 0, SEC(2, 24), 4, 4, -EINVAL, "section 2", "unsupported type 4" },
        { "empty section", 0, SEC(3, 16), 8, 0, -EINVAL, "section 3", "MemoryDataSize 0x0" },
        { "wraps", 0, SEC(3, 8), 8, 0xfffffffffffff000ull, -EINVAL, "section 3", "wraps" },
        { "overlap", 0, SEC(3, 8), 8, 0x811000, -EINVAL, "section 3", "overlaps section 2" },
        { "aug and extend", 0, SEC(0, 28), 4, 3, -EINVAL, "section 0", "PAGE.AUG" },
};

static void put(uint8_t *p, unsigned width, uint64_t v)
{
        if (width == 2)
                le16_put(p, (uint16_t)v);
        else if (width == 4)
                le32_put(p, (uint32_t)v);
        else
                le64_put(p, v);
}

START_TEST(test_tdvf_rejects_each_corrupted_field)
{
        const struct corruption *c = &corruptions[_i];
        uint8_t *fw = ovmf_copy();
        struct tdvf_metadata md = { .n_sections = 12345 };
        struct tdxh_err e = { 0 };
        uint8_t *p = c->off_from_end ? fw + ovmf_size - c->off_from_end
                                     : fw + DESC_OFF + c->desc_rel;

        put(p, c->width, c->value);
        ck_assert_int_eq(tdvf_parse(fw, ovmf_size, &md, &e), c->code);
        ck_assert_int_eq(e.code, c->code);
        ck_assert_msg(strstr(e.msg, c->msg1) && strstr(e.msg, c->msg2), "%s: message \"%s\"",
                      c->name, e.msg);
        ck_assert_uint_eq(md.n_sections, 12345); /* untouched on failure */
        free(fw);
}
END_TEST

START_TEST(test_tdvf_reports_missing_tdx_entry)
{
        uint8_t *fw = ovmf_copy();
        struct tdvf_metadata md = { 0 };
        struct tdxh_err e = { 0 };

        /* the TDX entry is the last one walked; change its GUID */
        fw[ovmf_size - 0x32 - 22 - 26 - 26 - 22 - 16] ^= 0xff;
        ck_assert_int_eq(tdvf_parse(fw, ovmf_size, &md, &e), -ENODATA);
        ck_assert_msg(strstr(e.msg, "no TDX metadata entry"), "%s", e.msg);
        free(fw);
}
END_TEST

START_TEST(test_tdvf_rejects_non_firmware_files)
{
        static const uint8_t ten[10] = "0123456789";
        uint8_t *zeros = calloc(1, 64 * 1024);
        struct tdvf_metadata md = { 0 };
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(tdvf_parse(zeros, 64 * 1024, &md, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "offset 0xffd0") && strstr(e.msg, "not an OVMF"), "%s", e.msg);
        err_clear(&e);
        ck_assert_int_eq(tdvf_parse(ten, sizeof(ten), &md, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "10 bytes"), "%s", e.msg);
        err_clear(&e);
        ck_assert_int_eq(tdvf_parse(NULL, 0, &md, &e), -EINVAL);
        err_clear(&e);
        /* only the end of a real image: the footer table reaches before byte 0 */
        ck_assert_int_eq(tdvf_parse(ovmf + ovmf_size - 0x60, 0x60, &md, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "reaches before the start"), "%s", e.msg);
        ck_assert_ptr_null(md.sections);
        free(zeros);
}
END_TEST

/* Every byte of the footer table, the descriptor and the section entries,
 * set to a few hostile values: the parser must either accept or explain. */
START_TEST(test_tdvf_survives_every_byte_corrupted)
{
        static const uint8_t values[] = { 0x00, 0x01, 0x7f, 0x80, 0xff };
        uint8_t *fw = ovmf_copy();
        size_t ranges[2][2] = { { ovmf_size - 0x20 - 136, ovmf_size - 0x20 },
                                { DESC_OFF - 16, DESC_OFF + 16 + 32 * 6 } };
        unsigned accepted = 0, rejected = 0;

        for (int r = 0; r < 2; r++)
                for (size_t off = ranges[r][0]; off < ranges[r][1]; off++)
                        for (size_t v = 0; v < sizeof(values); v++) {
                                struct tdvf_metadata md = { 0 };
                                struct tdxh_err e = { 0 };
                                uint8_t saved = fw[off];
                                int rc;

                                fw[off] = values[v];
                                rc = tdvf_parse(fw, ovmf_size, &md, &e);
                                if (rc == 0) {
                                        accepted++;
                                        tdvf_metadata_free(&md);
                                } else {
                                        ck_assert_msg(e.msg[0] != '\0', "no message at 0x%zx", off);
                                        rejected++;
                                }
                                fw[off] = saved;
                        }
        ck_assert_uint_gt(rejected, 0);
        ck_assert_uint_gt(accepted, 0);
        free(fw);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("tdvf");
        TCase *tc = tcase_create("tdvf");

        int r = ovmf_fixture_load(&ovmf, &ovmf_size);

        if (r != 0)
                return r;
        tcase_add_test(tc, test_tdvf_parses_debian_ovmf_six_sections);
        tcase_add_loop_test(tc, test_tdvf_rejects_each_corrupted_field, 0,
                            (int)ELEMENTSOF(corruptions));
        tcase_add_test(tc, test_tdvf_reports_missing_tdx_entry);
        tcase_add_test(tc, test_tdvf_rejects_non_firmware_files);
        tcase_add_test(tc, test_tdvf_survives_every_byte_corrupted);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
