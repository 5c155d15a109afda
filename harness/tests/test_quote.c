/* Quote parsing against the real TDX quotes in harness/tests/data/real, the
 * input encodings users hand over, and every way the structure can be
 * broken: truncation at every length, inconsistent sizes, trailing junk. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "evidence/quote.h"
#include "testutil.h"

/* Values from the fixtures' README (extracted independently of this code). */
static const struct fixture {
        const char *path;
        uint16_t version;
        uint16_t body_type;
        const char *tee_tcb_svn, *mrseam, *td_attributes, *xfam, *mrtd;
        const char *rtmr[4];
        const char *report_data;
        uint32_t sig_len;
        size_t quote_len, trailing_len;
        const char *tee_tcb_svn2; /* body type 3 only */
} fixtures[] = {
        {
                .path = "go-tdx-guest/ccel/cos-113-tdx-quote.dat",
                .version = 4,
                .body_type = 2,
                .tee_tcb_svn = "04010700000000000000000000000000",
                .mrseam = "ffc97a88587660fb04e1f7c851300c96ae0b5a463ac46d035d16c2d9f36d0ed1"
                          "d23775bcbd27deb219e3a3cc28023895",
                .td_attributes = "0000001000000000",
                .xfam = "e700060000000000",
                .mrtd = "dae67181d3d65e073ad8f95b7907d5e927bfe9761c9ff3e9b89734a45d8954db"
                        "a41394c7717cb2735396c1d04231f94a",
                .rtmr = {
                        "3fa2f61f395b7f5feefb4ec2df61297f109ad8abcd6410c1b7df60f21f37b192"
                        "97fc35e544039c7e1edece752afd17f6",
                        "f62dbc072bd5d3f3438b7b35c39a727f5aea2ffc2473f43723953f530daf6250"
                        "4f0a7944aa62c41a86e8a878c2b122c1",
                        "4969684dc87381fc3b3134176c8d8806eaf0a901859f5f70cfae8d17714b46c1"
                        "0a8de219048c9fc09f11f381a6fbe7c1",
                        "0000000000000000000000000000000000000000000000000000000000000000"
                        "00000000000000000000000000000000",
                },
                .report_data = "0000000000000000000000000000000000000000000000000000000000000000"
                               "0000000000000000000000000000000000000000000000000000000000000000",
                .sig_len = 4299,
                .quote_len = 4935,
                .trailing_len = 3065,
        },
        {
                .path = "go-tdx-guest/quote_v5_sample.dat",
                .version = 5,
                .body_type = 3,
                .tee_tcb_svn = "0b010400000000000000000000000000",
                .mrseam = "7bf063280e94fb051f5dd7b1fc59ce9aac42bb961df8d44b709c9b0ff87a7b4d"
                          "f648657ba6d1189589feab1d5a3c9a9d",
                .td_attributes = "0000001000000000",
                .xfam = "e702060000000000",
                .mrtd = "7348651a34b2d2d3462822e3a750ec6110125f36757c78480bbfc69cc0d21fb0"
                        "01a1ced3ee19747dda8f750c3bc8f876",
                .rtmr = {
                        "5c8daf76063a71ac8fcef4067564661fc682ed7944c7a5d21dbbced02f61ceff"
                        "4ba0678c6aef3bdae8cbc614cec24619",
                        "463acaace1b6e97c76e92e41fe312aa66f3fd4dad60ec7acf169859db0343e3d"
                        "1e591646795cdc80fbc0ca5f7041d253",
                        "6369b9c9a3b791ebcbdc5a0bb9536cfb57f50df2b393b33c8b29616d3568baa6"
                        "1f4b59dc6092e31ea8764bcbdfc69f20",
                        "0000000000000000000000000000000000000000000000000000000000000000"
                        "00000000000000000000000000000000",
                },
                .report_data = "945eaacf5abc1f719d8666a942fda03d1edcb4490277396093dc5a5289ab9f1e"
                               "094aed63060cd4a4933a4dd537ed1255c9c79ecb3ed82cd1b486233e31c25c3a",
                .sig_len = 4300,
                .quote_len = 5006,
                .trailing_len = 0,
                .tee_tcb_svn2 = "0d010400000000000000000000000000",
        },
        {
                .path = "dstack/tdx-lite-getquote.json",
                .version = 4,
                .body_type = 2,
                .tee_tcb_svn = "0c010400000000000000000000000000",
                .mrseam = "d0d80c085166ba78ccc69af268e5753cf0f3394523cb4ff7c50b08d9265c8248"
                          "9c099c377be6a400e4d2b57da924012c",
                .td_attributes = "0000001000000000",
                .xfam = "e702060000000000",
                .mrtd = "fd685522ce791dfef67414614eb07d03fc07a32c5a66f36288b329dab92b724b"
                        "1564c73d436ffb9ea84488c51ac5a1c5",
                .rtmr = {
                        "f8438db36b96f85d8752ff7f24a89ec05c79ec9eda2ba732c897fb970ca42936"
                        "5b7471b1c054cb84f17b1c2b23ba6640",
                        "2023546e7f3b9d1228e274f70c44d481162540f8452544520a796a52f0687970"
                        "9b81a824a26792a7822327504b0d2aee",
                        "4c1b739ed451a637b0f82642e48a5ea83925d23633c72e7385c8e9aca4175e13"
                        "3ed1625b7d92eb39edf509c27ff392dc",
                        "6f24c170d0fd63fc2b1b53202eea47b013978437fa6982cf5e0438ff95c20899"
                        "4aaa0f4ebab2e3a66824b5b56869137e",
                },
                .report_data = "646970313a3a736563703235366b31632d706b3a41353570576d74654a494a4f"
                               "6a385f7049372d707a654478793147327131384744763838484e526442586b51",
                .sig_len = 4300,
                .quote_len = 4936,
                .trailing_len = 70,
        },
};

static void assert_hex(const uint8_t *data, size_t len, const char *want)
{
        char got[2 * 64 + 1];

        ck_assert_uint_le(len, 64);
        hex_encode(data, len, got);
        ck_assert_str_eq(got, want);
}

/* Loads fixture i through quote_load_file() (binary or JSON wrapper). */
static uint8_t *load_fixture(size_t i, size_t *ret_len)
{
        _cleanup_free_ char *path = fixture_path(fixtures[i].path);
        struct tdxh_err e = { 0 };
        uint8_t *bytes = NULL;

        ck_assert_msg(quote_load_file(path, &bytes, ret_len, &e) == 0, "%s", e.msg);
        return bytes;
}

START_TEST(test_quote_fixtures_parse_with_published_values)
{
        const struct fixture *f = &fixtures[_i];
        _cleanup_free_ uint8_t *bytes = NULL;
        struct tdxh_err e = { 0 };
        struct quote q;
        size_t len;

        bytes = load_fixture((size_t)_i, &len);
        ck_assert_msg(quote_parse(bytes, len, &q, &e) == 0, "%s: %s", f->path, e.msg);
        ck_assert_uint_eq(q.version, f->version);
        ck_assert_uint_eq(q.att_key_type, 2);
        ck_assert_uint_eq(q.tee_type, 0x81);
        ck_assert_mem_eq(q.qe_vendor_id, quote_intel_qe_vendor_id, 16);
        ck_assert_uint_eq(q.body_type, f->body_type);
        ck_assert_uint_eq(q.body_size, f->body_type == 3 ? 648 : 584);
        ck_assert_uint_eq(q.signed_len, f->version == 4 ? 632 : 54 + q.body_size);
        assert_hex(q.body.tee_tcb_svn, 16, f->tee_tcb_svn);
        assert_hex(q.body.mr_seam, 48, f->mrseam);
        assert_hex(q.body.td_attributes, 8, f->td_attributes);
        assert_hex(q.body.xfam, 8, f->xfam);
        assert_hex(q.body.mr_td, 48, f->mrtd);
        for (int i = 0; i < 4; i++)
                assert_hex(q.body.rtmr[i], 48, f->rtmr[i]);
        assert_hex(q.body.report_data, 64, f->report_data);
        ck_assert_uint_eq(q.signature_data_len, f->sig_len);
        ck_assert_uint_eq(q.quote_len, f->quote_len);
        ck_assert_uint_eq(q.trailing_len, f->trailing_len);
        ck_assert_uint_eq(q.body.has_v15, f->tee_tcb_svn2 != NULL);
        if (f->tee_tcb_svn2)
                assert_hex(q.body.tee_tcb_svn2, 16, f->tee_tcb_svn2);
        ck_assert_uint_eq(q.cert_type, 6);
        ck_assert_uint_eq(q.pck_cert_type, 5);
        ck_assert_uint_eq(q.qe_auth_data_len, 32);
        ck_assert_int_eq(strncmp(q.pck_chain_pem, "-----BEGIN CERTIFICATE-----", 27), 0);
        ck_assert(q.pck_chain_pem[q.pck_chain_pem_len - 1] == '\n');
}
END_TEST

START_TEST(test_quote_json_has_registers_chain_and_padding)
{
        _cleanup_free_ uint8_t *bytes = NULL;
        _cleanup_json_ json_object *o = NULL;
        json_object *v, *chain;
        struct quote q;
        size_t len;

        bytes = load_fixture(0, &len);
        ck_assert_int_eq(quote_parse(bytes, len, &q, NULL), 0);
        ck_assert_int_eq(quote_to_json(&q, &o), 0);
        ck_assert(json_object_object_get_ex(o, "kind", &v));
        ck_assert_str_eq(json_object_get_string(v), "quote");
        ck_assert(json_object_object_get_ex(o, "mrtd", &v));
        ck_assert_str_eq(json_object_get_string(v), fixtures[0].mrtd);
        ck_assert(json_object_object_get_ex(o, "rtmr2", &v));
        ck_assert_str_eq(json_object_get_string(v), fixtures[0].rtmr[2]);
        ck_assert(json_object_object_get_ex(o, "td_attributes_flags", &v));
        ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(v, 0)),
                         "SEPT_VE_DISABLE");
        ck_assert(json_object_object_get_ex(o, "trailing_len", &v));
        ck_assert_int_eq(json_object_get_int(v), 3065);
        ck_assert(json_object_object_get_ex(o, "pck_chain", &chain));
        ck_assert_int_eq(json_object_array_length(chain), 3);
        ck_assert(json_object_object_get_ex(json_object_array_get_idx(chain, 2), "subject", &v));
        ck_assert_ptr_nonnull(strstr(json_object_get_string(v), "CN=Intel SGX Root CA"));
        ck_assert(json_object_object_get_ex(o, "qe_report", &v));
        ck_assert(json_object_object_get_ex(v, "isvprodid", &v));
        ck_assert_int_eq(json_object_get_int(v), 2); /* the TD quoting enclave */
}
END_TEST

START_TEST(test_quote_rejects_truncation_at_every_length)
{
        _cleanup_free_ uint8_t *bytes = NULL;
        struct quote q;
        size_t len;

        bytes = load_fixture((size_t)_i, &len);
        for (size_t n = 0; n < fixtures[_i].quote_len; n++) {
                struct tdxh_err e = { 0 };
                /* A copy of exactly n bytes, so ASan sees any read past the end. */
                _cleanup_free_ uint8_t *cut = malloc(n ? n : 1);

                memcpy(cut, bytes, n);
                ck_assert_msg(quote_parse(cut, n, &q, &e) == -EINVAL, "length %zu parsed", n);
                ck_assert_msg(e.msg[0] != '\0' && !strchr(e.msg, '\n'), "length %zu: '%s'", n,
                              e.msg);
        }
        /* Every length between the quote proper and the padded buffer parses. */
        for (size_t n = fixtures[_i].quote_len; n <= len; n += 97) {
                ck_assert_int_eq(quote_parse(bytes, n, &q, NULL), 0);
                ck_assert_uint_eq(q.trailing_len, n - fixtures[_i].quote_len);
        }
}
END_TEST

/* Parses a damaged copy of the v4 fixture and checks the message. */
static void expect_error(const uint8_t *bytes, size_t len, const char *want)
{
        struct tdxh_err e = { 0 };
        struct quote q;

        ck_assert_int_eq(quote_parse(bytes, len, &q, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, want) != NULL, "'%s' does not say '%s'", e.msg, want);
}

static void put_le32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

START_TEST(test_quote_rejects_inconsistent_structure)
{
        _cleanup_free_ uint8_t *bytes = NULL;
        size_t len;

        bytes = load_fixture(0, &len);
        /* a non-zero byte in the padding */
        bytes[6000] = 1;
        expect_error(bytes, len, "offset 0x1770: non-zero byte");
        bytes[6000] = 0;
        /* signature_data_len running past the end */
        put_le32(bytes + 632, 100000);
        expect_error(bytes, len, "offset 0x278: signature_data_len: 100000 runs past the end");
        /* signature data longer than its content: the certification size disagrees */
        put_le32(bytes + 632, 4300);
        expect_error(bytes, len, "certification data size: 4165 disagrees");
        put_le32(bytes + 632, 4299);
        /* outer certification type */
        bytes[636 + 128] = 5;
        expect_error(bytes, len, "offset 0x2fc: certification data type: 5");
        bytes[636 + 128] = 6;
        /* QE auth data size running past the certification data */
        bytes[636 + 134 + 449] = 0xff;
        expect_error(bytes, len, "qe_auth_data_size: 65312 runs past");
        bytes[636 + 134 + 449] = 0;
        /* inner type and size */
        bytes[636 + 134 + 450 + 32] = 4;
        expect_error(bytes, len, "inner certification data type: 4");
        bytes[636 + 134 + 450 + 32] = 5;
        bytes[636 + 134 + 450 + 34] ^= 1;
        expect_error(bytes, len, "inner certification data size");
        bytes[636 + 134 + 450 + 34] ^= 1;
        /* header */
        bytes[0] = 3;
        expect_error(bytes, len, "offset 0x0: version: 3");
        bytes[0] = 4;
        bytes[4] = 0;
        expect_error(bytes, len, "SGX quotes are not supported");
        bytes[4] = 0x81;
        ck_assert_int_eq(quote_parse(bytes, len, &(struct quote){ 0 }, NULL), 0);
}
END_TEST

START_TEST(test_quote_v5_rejects_sgx_and_wrong_body_size)
{
        _cleanup_free_ uint8_t *bytes = NULL;
        size_t len;

        bytes = load_fixture(1, &len);
        bytes[48] = 1;
        expect_error(bytes, len, "body_type: 1 (SGX enclave report)");
        bytes[48] = 9;
        expect_error(bytes, len, "body_type: unknown value 9");
        bytes[48] = 2;
        expect_error(bytes, len, "body_size: 648, but body type 2 is 584 bytes");
        bytes[48] = 3;
        bytes[50] = 0x89;
        expect_error(bytes, len, "offset 0x32: body_size: 649");
}
END_TEST

START_TEST(test_quote_load_accepts_hex_text_and_json)
{
        _cleanup_free_ uint8_t *bin = NULL, *from_hex = NULL, *from_json = NULL;
        _cleanup_free_ uint8_t *from_b64 = NULL;
        _cleanup_free_ char *hex = NULL, *wrapped = NULL, *json = NULL;
        struct tdxh_err e = { 0 };
        size_t len, n, w = 0;

        bin = load_fixture(1, &len);
        hex = hex_dup(bin, len);
        /* upper case, 0x prefix, wrapped at 64 columns with CRLF */
        wrapped = malloc(2 * len + 2 * len / 32 + 8);
        w += (size_t)sprintf(wrapped, " 0x");
        for (size_t i = 0; i < 2 * len; i++) {
                wrapped[w++] = (char)(i % 7 ? hex[i] : (char)toupper(hex[i]));
                if (i % 64 == 63) {
                        wrapped[w++] = '\r';
                        wrapped[w++] = '\n';
                }
        }
        wrapped[w] = '\0';
        ck_assert_msg(quote_load_buffer((uint8_t *)wrapped, w, &from_hex, &n, &e) == 0, "%s",
                      e.msg);
        ck_assert_uint_eq(n, len);
        ck_assert_mem_eq(from_hex, bin, len);

        ck_assert_int_ge(asprintf(&json, "{\"report_data\": \"00\", \"quote\": \"%s\"}", hex), 0);
        ck_assert_int_eq(quote_load_buffer((uint8_t *)json, strlen(json), &from_json, &n, &e), 0);
        ck_assert_uint_eq(n, len);
        ck_assert_mem_eq(from_json, bin, len);

        /* base64 in the JSON member: the first three bytes 05 00 02 are "BQAC" */
        ck_assert_int_eq(quote_load_buffer((const uint8_t *)"{\"quote\":\"BQAC\"}", 16,
                                           &from_b64, &n, &e),
                         0);
        ck_assert_uint_eq(n, 3);
        ck_assert_mem_eq(from_b64, bin, 3);
}
END_TEST

START_TEST(test_quote_load_rejects_bad_text)
{
        const char *bad[][2] = {
                { "abc", "odd number of hex digits" },
                { "{\"quote\": 5}", "\"quote\" is not a string" },
                { "{\"nonce\": \"00\"}", "no \"quote\" member" },
                { "{\"quote\": \"!!\"}", "neither hex nor base64" },
                { "{\"quote\": ", "line 1, column 11 (byte 10): the JSON text ends there" },
                { "[1]", NULL },
        };

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                struct tdxh_err e = { 0 };
                uint8_t *out = NULL;
                size_t n;
                int r = quote_load_buffer((const uint8_t *)bad[i][0], strlen(bad[i][0]), &out,
                                          &n, &e);

                if (!bad[i][1]) {
                        /* not JSON, not hex: taken as binary, for quote_parse() to judge */
                        ck_assert_int_eq(r, 0);
                        free(out);
                        continue;
                }
                ck_assert_int_eq(r, -EINVAL);
                ck_assert_msg(strstr(e.msg, bad[i][1]), "'%s' lacks '%s'", e.msg, bad[i][1]);
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("quote");
        TCase *tc = tcase_create("quote");

        tcase_add_loop_test(tc, test_quote_fixtures_parse_with_published_values, 0,
                            (int)ELEMENTSOF(fixtures));
        tcase_add_test(tc, test_quote_json_has_registers_chain_and_padding);
        tcase_add_loop_test(tc, test_quote_rejects_truncation_at_every_length, 0,
                            (int)ELEMENTSOF(fixtures));
        tcase_add_test(tc, test_quote_rejects_inconsistent_structure);
        tcase_add_test(tc, test_quote_v5_rejects_sgx_and_wrong_body_size);
        tcase_add_test(tc, test_quote_load_accepts_hex_text_and_json);
        tcase_add_test(tc, test_quote_load_rejects_bad_text);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
