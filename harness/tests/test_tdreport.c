/* TDREPORT_STRUCT parsing against Intel's test report, the two hash
 * consistency checks, and damaged input of every length. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "evidence/tdreport.h"
#include "testutil.h"

#define FIXTURE "intel-dcap/tdreport_for_test.dat"

static uint8_t *load(size_t *len)
{
        _cleanup_free_ char *path = fixture_path(FIXTURE);

        return slurp(path, len);
}

static void assert_hex(const uint8_t *data, size_t len, const char *want)
{
        char got[2 * 64 + 1];

        hex_encode(data, len, got);
        ck_assert_str_eq(got, want);
}

START_TEST(test_tdreport_fixture_parses_with_published_values)
{
        _cleanup_free_ uint8_t *bytes = NULL;
        struct tdxh_err e = { 0 };
        struct tdreport t;
        size_t len;

        bytes = load(&len);
        ck_assert_msg(tdreport_parse(bytes, len, &t, &e) == 0, "%s", e.msg);
        assert_hex(t.report_type, 4, "81000000");
        assert_hex(t.cpusvn, 16, "05050f1103ff00040000000000000000");
        assert_hex(t.tee_tcb_info_hash, 48,
                   "3e00fdef8508b231f93d722b971a9fb151264e7fe41fb8a4dd7bfdfc0692d5ad"
                   "08fa9addf3ed771eb15b1b56c7f72197");
        assert_hex(t.tee_info_hash, 48,
                   "c155ed68c23976c9737ab9e75b9bd85076c6fd42d30978308e1f40aebeb25097"
                   "89c25487c1270296b83c25e3c39ecd10");
        assert_hex(t.report_data, 64,
                   "b46a00ebf78bcdff4a1d54bd4d8780427f9dbace511059be041209444c7bde00"
                   "e5deebdc6ab9dcb4d6307123b7f165368e1f04df305d9d3470a679bc2257bd07");
        assert_hex(t.mac, 32, "9239cdad7147af14508c5314b7e1a7e120c960e3dab59e1959120b31f9701a88");
        assert_hex(t.tcb_valid, 8, "ff01000000000000");
        assert_hex(t.tee_tcb_svn, 16, "04000500000000000000000000000000");
        assert_hex(t.mr_seam, 48,
                   "48fa69949db08002ee84252847f572988b1d6e568ec1353f64cb6c0fd905375f"
                   "69ad959c0eaf7747ac70a392789302a1");
        assert_hex(t.tee_tcb_svn2, 16, "00000000000000000000000000000000");
        assert_hex(t.td_attributes, 8, "0000005000000000");
        assert_hex(t.xfam, 8, "e702060000000000");
        assert_hex(t.mr_td, 48,
                   "bb1249bde960ef9b22d56eefb94b7f40ca3b528b31e6e4af0babb075c02ce5c1"
                   "f63681101779927ea604f5aa49ec95b3");
        assert_hex(t.rtmr[0], 48,
                   "e1af75e61927410e42b54b39f6681cf9b0bfbae512b15e870e4c8d9d5a5cb385"
                   "571b0e1dc2f70bf9ccef08560f0a2b58");
        assert_hex(t.rtmr[1], 48,
                   "eac22f0257a3dcce04d13a8ec1e5e89112e1bc649e743845f58598f6e13bc7fc"
                   "62506296235aa300eab6b16292cd8a9c");
        for (int i = 2; i < 4; i++)
                for (int j = 0; j < 48; j++)
                        ck_assert_uint_eq(t.rtmr[i][j], 0);
        for (int j = 0; j < 48; j++)
                ck_assert_uint_eq(t.servtd_hash[j] | t.mr_config_id[j], 0);
        ck_assert(t.tee_tcb_info_hash_ok);
        ck_assert(t.tee_info_hash_ok);
}
END_TEST

START_TEST(test_tdreport_hash_checks_catch_edits)
{
        _cleanup_free_ uint8_t *bytes = NULL;
        struct tdreport t;
        size_t len;

        bytes = load(&len);
        bytes[256 + 24] ^= 1; /* MRSEAM, inside TEE_TCB_INFO */
        ck_assert_int_eq(tdreport_parse(bytes, len, &t, NULL), 0);
        ck_assert(!t.tee_tcb_info_hash_ok);
        ck_assert(t.tee_info_hash_ok);
        bytes[256 + 24] ^= 1;
        bytes[720] ^= 0x80; /* RTMR0, inside TDINFO */
        ck_assert_int_eq(tdreport_parse(bytes, len, &t, NULL), 0);
        ck_assert(t.tee_tcb_info_hash_ok);
        ck_assert(!t.tee_info_hash_ok);
}
END_TEST

START_TEST(test_tdreport_rejects_every_wrong_length_and_type)
{
        _cleanup_free_ uint8_t *bytes = NULL;
        struct tdreport t;
        size_t len;

        bytes = load(&len);
        for (size_t n = 0; n < TDREPORT_LEN; n++) {
                _cleanup_free_ uint8_t *cut = malloc(n ? n : 1);
                struct tdxh_err e = { 0 };

                memcpy(cut, bytes, n);
                ck_assert_int_eq(tdreport_parse(cut, n, &t, &e), -EINVAL);
                ck_assert_ptr_nonnull(strstr(e.msg, "a TD report is exactly 1024"));
        }
        {
                _cleanup_free_ uint8_t *longer = calloc(1, TDREPORT_LEN + 1);
                struct tdxh_err e = { 0 };

                memcpy(longer, bytes, TDREPORT_LEN);
                ck_assert_int_eq(tdreport_parse(longer, TDREPORT_LEN + 1, &t, &e), -EINVAL);
        }
        bytes[0] = 0x00; /* SGX report type */
        {
                struct tdxh_err e = { 0 };

                ck_assert_int_eq(tdreport_parse(bytes, len, &t, &e), -EINVAL);
                ck_assert_ptr_nonnull(strstr(e.msg, "offset 0x0: REPORTTYPE.type: 0x00"));
        }
}
END_TEST

START_TEST(test_tdreport_json_uses_register_keys)
{
        _cleanup_free_ uint8_t *bytes = NULL;
        _cleanup_json_ json_object *o = NULL;
        struct tdreport t;
        json_object *v;
        size_t len;

        bytes = load(&len);
        ck_assert_int_eq(tdreport_parse(bytes, len, &t, NULL), 0);
        ck_assert_int_eq(tdreport_to_json(&t, &o), 0);
        ck_assert(json_object_object_get_ex(o, "kind", &v));
        ck_assert_str_eq(json_object_get_string(v), "tdreport");
        ck_assert(json_object_object_get_ex(o, "rtmr1", &v));
        ck_assert_str_eq(json_object_get_string(v),
                         "eac22f0257a3dcce04d13a8ec1e5e89112e1bc649e743845f58598f6e13bc7fc"
                         "62506296235aa300eab6b16292cd8a9c");
        ck_assert(json_object_object_get_ex(o, "mrtd", &v));
        ck_assert(json_object_object_get_ex(o, "mrconfigid", &v));
        ck_assert(json_object_object_get_ex(o, "mrownerconfig", &v));
        ck_assert(json_object_object_get_ex(o, "tee_info_hash_ok", &v));
        ck_assert(json_object_get_boolean(v));
        ck_assert(json_object_object_get_ex(o, "td_attributes_flags", &v));
        ck_assert_int_eq(json_object_array_length(v), 2); /* SEPT_VE_DISABLE, PKS */
}
END_TEST

int main(void)
{
        Suite *s = suite_create("tdreport");
        TCase *tc = tcase_create("tdreport");

        tcase_add_test(tc, test_tdreport_fixture_parses_with_published_values);
        tcase_add_test(tc, test_tdreport_hash_checks_catch_edits);
        tcase_add_test(tc, test_tdreport_rejects_every_wrong_length_and_type);
        tcase_add_test(tc, test_tdreport_json_uses_register_keys);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
