/* MRTD (TDX-REFERENCE §2): the §2.6 vectors for Debian's OVMF.fd in both
 * page-add orders, and the record format checked against a hand-built byte
 * stream on a tiny synthetic image. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/buf.h"
#include "core/hex.h"
#include "core/le.h"
#include "measure/mrtd.h"
#include "ovmf_fixture.h"
#include "testutil.h"


static const uint8_t *ovmf;
static size_t ovmf_size;

static void assert_hex(const uint8_t d[SHA384_LEN], const char *want)
{
        char text[2 * SHA384_LEN + 1];

        hex_encode(d, SHA384_LEN, text);
        ck_assert_str_eq(text, want);
}

static const struct {
        enum page_add_pattern pattern;
        const char *mrtd;
} vectors[] = {
        { PAGE_ADD_PER_PAGE, "4c7206f0f483c524f12c366c711e9049030a8d47c471ee5aa9c4999a08de4057"
                             "fb887fed0744d5631a212967fb231c47" },
        { PAGE_ADD_TWO_PASS, "acccbcc870a381adab0d3919d90a7f268ac3b0364771f202ed4bb4e892d045b3"
                             "3db3b32e6924cba830a724eed443f7e1" },
};

START_TEST(test_mrtd_matches_reference_vectors)
{
        struct tdvf_metadata md = { 0 };
        struct tdxh_err e = { 0 };
        uint8_t d[SHA384_LEN];

        ck_assert_int_eq(tdvf_parse(ovmf, ovmf_size, &md, &e), 0);
        ck_assert_int_eq(mrtd_compute(ovmf, ovmf_size, &md, vectors[_i].pattern, d, &e), 0);
        assert_hex(d, vectors[_i].mrtd);
        tdvf_metadata_free(&md);
}
END_TEST

/* Builds the record stream by hand, independently of the staging code. */
static void add_record(struct buf *b, const char *op, uint64_t gpa)
{
        uint8_t rec[128] = { 0 };

        memcpy(rec, op, strlen(op));
        le64_put(rec + 16, gpa);
        ck_assert_int_eq(buf_append(b, rec, sizeof(rec)), 0);
}

static void add_extend_page(struct buf *b, uint64_t gpa, const uint8_t *page)
{
        for (int c = 0; c < 16; c++) {
                add_record(b, "MR.EXTEND", gpa + 256u * c);
                ck_assert_int_eq(buf_append(b, page + 256 * c, 256), 0);
        }
}

START_TEST(test_mrtd_record_stream_matches_hand_built_bytes)
{
        uint8_t fw[0x2000];
        struct tdvf_section sec[] = {
                { 0, 0x2000, 0x100000, 0x2000, TDVF_SECTION_BFV, TDVF_ATTR_MR_EXTEND },
                { 0, 0, 0x200000, 0x1000, TDVF_SECTION_TEMP_MEM, 0 },
                { 0, 0, 0x300000, 0x1000, TDVF_SECTION_TEMP_MEM, TDVF_ATTR_PAGE_AUG },
        };
        struct tdvf_metadata md = { .sections = sec, .n_sections = 3 };
        struct buf per_page = BUF_INIT, two_pass = BUF_INIT;
        uint8_t want[SHA384_LEN], got[SHA384_LEN];
        struct tdxh_err e = { 0 };

        for (size_t i = 0; i < sizeof(fw); i++)
                fw[i] = (uint8_t)(i * 7 + (i >> 8));
        add_record(&per_page, "MEM.PAGE.ADD", 0x100000);
        add_extend_page(&per_page, 0x100000, fw);
        add_record(&per_page, "MEM.PAGE.ADD", 0x101000);
        add_extend_page(&per_page, 0x101000, fw + 0x1000);
        add_record(&per_page, "MEM.PAGE.ADD", 0x200000);
        /* the PAGE.AUG section adds nothing */
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, per_page.data, per_page.len, want), 0);
        ck_assert_int_eq(mrtd_compute(fw, sizeof(fw), &md, PAGE_ADD_PER_PAGE, got, &e), 0);
        ck_assert_mem_eq(got, want, SHA384_LEN);

        add_record(&two_pass, "MEM.PAGE.ADD", 0x100000);
        add_record(&two_pass, "MEM.PAGE.ADD", 0x101000);
        add_extend_page(&two_pass, 0x100000, fw);
        add_extend_page(&two_pass, 0x101000, fw + 0x1000);
        add_record(&two_pass, "MEM.PAGE.ADD", 0x200000);
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, two_pass.data, two_pass.len, want), 0);
        ck_assert_int_eq(mrtd_compute(fw, sizeof(fw), &md, PAGE_ADD_TWO_PASS, got, &e), 0);
        ck_assert_mem_eq(got, want, SHA384_LEN);
        buf_free(&per_page);
        buf_free(&two_pass);
}
END_TEST

START_TEST(test_mrtd_rejects_metadata_that_does_not_fit_the_file)
{
        uint8_t fw[0x1000] = { 0 };
        struct tdvf_section sec[] = {
                { 0x800, 0x1000, 0x100000, 0x1000, TDVF_SECTION_BFV, TDVF_ATTR_MR_EXTEND },
        };
        struct tdvf_metadata md = { .sections = sec, .n_sections = 1 };
        uint8_t d[SHA384_LEN] = { 0x5a };
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(mrtd_compute(fw, sizeof(fw), &md, PAGE_ADD_PER_PAGE, d, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "section 0 (BFV)") && strstr(e.msg, "runs past"), "%s", e.msg);
        ck_assert_uint_eq(d[0], 0x5a);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("mrtd");
        TCase *tc = tcase_create("mrtd");

        int r = ovmf_fixture_load(&ovmf, &ovmf_size);

        if (r != 0)
                return r;
        tcase_add_loop_test(tc, test_mrtd_matches_reference_vectors, 0, 2);
        tcase_add_test(tc, test_mrtd_record_stream_matches_hand_built_bytes);
        tcase_add_test(tc, test_mrtd_rejects_metadata_that_does_not_fit_the_file);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
