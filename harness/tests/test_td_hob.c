/* TD HOB (TDX-REFERENCE §3.2): the four regression vectors with Debian's
 * OVMF.fd sections, the list's structure, the q35 RAM split and the event
 * data OVMF logs. */
#include <errno.h>
#include <string.h>

#include "core/hex.h"
#include "core/le.h"
#include "measure/td_hob.h"
#include "ovmf_fixture.h"
#include "testutil.h"

#define GIB (1ull << 30)

static const uint8_t *ovmf;
static size_t ovmf_size;
static struct tdvf_metadata md;

static const struct {
        uint64_t ram;
        size_t measured_len;
        const char *digest;
} vectors[] = {
        { 2 * GIB, 440,
          "0b8772e5b0b41b83e6044a68397e02f49fb47066b4fbe4917ea2c45c64f323fdacbb37948f821ebaf8bc9c938ba8a749" },
        { 5 * GIB / 2, 440,
          "e05c12e2a65d57b3ff1f70abd2ae689c7e9096558dc28122befbcecad4a9d6d4569652e5c0298ee381bee5febeecbaa6" },
        { 4 * GIB, 488,
          "5b684faf8d02a733945f821d9cdd170802e72103977acf66949c9382500283adc90cbec57f8e7653f8bee1cab83689de" },
        { 16 * GIB, 488,
          "cd2312a0d87ef3c4a928df87088969a80b33d7bf3fc584bdde637b09ed808a8d821a56b78a13a6eb506db7578444abbe" },
};

START_TEST(test_td_hob_digest_matches_reference_vectors)
{
        uint8_t d[SHA384_LEN];
        char text[2 * SHA384_LEN + 1];
        struct buf hob = BUF_INIT;
        struct tdxh_err e = { 0 };
        size_t measured = 0;

        ck_assert_int_eq(td_hob_build(&md, vectors[_i].ram, &hob, &measured, &e), 0);
        ck_assert_uint_eq(measured, vectors[_i].measured_len);
        ck_assert_uint_eq(hob.len, measured + 8);
        ck_assert_int_eq(td_hob_digest(&md, vectors[_i].ram, d, &e), 0);
        hex_encode(d, sizeof(d), text);
        ck_assert_str_eq(text, vectors[_i].digest);
        buf_free(&hob);
}
END_TEST

START_TEST(test_td_hob_list_layout_for_2g)
{
        /* Added: 0x800000+0x6000, 0x809000+0x2000, 0x80B000+0x2000, 0x810000+0x10000. */
        static const struct {
                uint64_t start, len;
                uint32_t type;
        } want[] = {
                { 0, 0x800000, 7 },        { 0x800000, 0x6000, 0 },   { 0x806000, 0x3000, 7 },
                { 0x809000, 0x2000, 0 },   { 0x80b000, 0x2000, 0 },   { 0x80d000, 0x3000, 7 },
                { 0x810000, 0x10000, 0 },  { 0x820000, 2 * GIB - 0x820000, 7 },
        };
        struct buf hob = BUF_INIT;
        struct tdxh_err e = { 0 };
        const uint8_t *p;
        size_t measured = 0;

        ck_assert_int_eq(td_hob_build(&md, 2 * GIB, &hob, &measured, &e), 0);
        p = (const uint8_t *)hob.data;
        ck_assert_uint_eq(le16_get(p), 1);
        ck_assert_uint_eq(le16_get(p + 2), 56);
        ck_assert_uint_eq(le32_get(p + 8), 9);
        ck_assert_uint_eq(le64_get(p + 48), 0x809000 + hob.len); /* EfiEndOfHobList */
        for (size_t i = 0; i < 8; i++) {
                const uint8_t *r = p + 56 + 48 * i;

                ck_assert_uint_eq(le16_get(r), 3);
                ck_assert_uint_eq(le16_get(r + 2), 48);
                ck_assert_uint_eq(le32_get(r + 24), want[i].type);
                ck_assert_uint_eq(le32_get(r + 28), 7);
                ck_assert_uint_eq(le64_get(r + 32), want[i].start);
                ck_assert_uint_eq(le64_get(r + 40), want[i].len);
        }
        ck_assert_uint_eq(le16_get(p + measured), 0xffff);
        ck_assert_uint_eq(le16_get(p + measured + 2), 8);
        buf_free(&hob);
}
END_TEST

START_TEST(test_td_hob_q35_ram_split)
{
        uint64_t below, above;

        td_hob_q35_ram_split(2 * GIB, 0, &below, &above);
        ck_assert_uint_eq(below, 2 * GIB);
        ck_assert_uint_eq(above, 0);
        td_hob_q35_ram_split(0xb0000000ull, 0, &below, &above);
        ck_assert_uint_eq(below, 0x80000000ull);
        ck_assert_uint_eq(above, 0x30000000ull);
        td_hob_q35_ram_split(0xafffffffull, 0, &below, &above);
        ck_assert_uint_eq(below, 0xafffffffull);
        ck_assert_uint_eq(above, 0);
        td_hob_q35_ram_split(4 * GIB, GIB, &below, &above); /* max-ram-below-4g=1G */
        ck_assert_uint_eq(below, GIB);
        ck_assert_uint_eq(above, 3 * GIB);
}
END_TEST

START_TEST(test_td_hob_rejects_ram_that_misses_the_sections)
{
        struct buf hob = BUF_INIT;
        struct tdxh_err e = { 0 };
        size_t measured = 0;

        /* 8 MiB of RAM ends where the first TEMP_MEM section starts */
        ck_assert_int_eq(td_hob_build(&md, 8u << 20, &hob, &measured, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "section 2 (TEMP_MEM)") && strstr(e.msg, "not inside"), "%s",
                      e.msg);
        ck_assert_uint_eq(hob.len, 0);
        err_clear(&e);
        ck_assert_int_eq(td_hob_build(&md, 0, &hob, &measured, &e), -EINVAL);
}
END_TEST

START_TEST(test_td_hob_requires_a_td_hob_section)
{
        struct tdvf_section sec[] = {
                { 0, 0, 0x800000, 0x1000, TDVF_SECTION_TEMP_MEM, 0 },
        };
        struct tdvf_metadata none = { .sections = sec, .n_sections = 1 };
        uint8_t data[TD_HOB_EVENT_DATA_LEN];
        uint8_t d[SHA384_LEN];
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(td_hob_digest(&none, 2 * GIB, d, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "no TD_HOB section"), "%s", e.msg);
        ck_assert_int_eq(td_hob_event_data(&none, data, NULL), -EINVAL);
}
END_TEST

START_TEST(test_td_hob_event_data_names_the_hob_address)
{
        static const char want[] = "09" "5464785461626c6500" "0100000000000000"
                                   "af96bb93f2b9b84e9462e0ba74564236" "0090800000000000";
        uint8_t data[TD_HOB_EVENT_DATA_LEN];
        char text[2 * TD_HOB_EVENT_DATA_LEN + 1];

        ck_assert_int_eq(td_hob_event_data(&md, data, NULL), 0);
        hex_encode(data, sizeof(data), text);
        ck_assert_str_eq(text, want);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("td_hob");
        TCase *tc = tcase_create("td_hob");
        int r = ovmf_fixture_load_parsed(&ovmf, &ovmf_size, &md);

        if (r != 0)
                return r;
        tcase_add_loop_test(tc, test_td_hob_digest_matches_reference_vectors, 0,
                            (int)(sizeof(vectors) / sizeof(vectors[0])));
        tcase_add_test(tc, test_td_hob_list_layout_for_2g);
        tcase_add_test(tc, test_td_hob_q35_ram_split);
        tcase_add_test(tc, test_td_hob_rejects_ram_that_misses_the_sections);
        tcase_add_test(tc, test_td_hob_requires_a_td_hob_section);
        tcase_add_test(tc, test_td_hob_event_data_names_the_hob_address);
        suite_add_tcase(s, tc);
        r = run_suite(s);
        tdvf_metadata_free(&md);
        return r;
}
