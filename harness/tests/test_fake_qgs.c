/* The fake quote generation service without the program: the QGS message
 * codec (round trips, truncation at every length, each header and size
 * field wrong in turn), the fake PKI (names, files, what loading refuses),
 * and the signer: a quote signed from a TDREPORT verifies with the run's fake
 * root except for the QE vendor (it is the fake's), fails against Intel's
 * pinned root, and says "fake" in inspect and in verify's output. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/cleanup.h"
#include "core/digest.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "core/le.h"
#include "evidence/quote.h"
#include "evidence/tdreport.h"
#include "evidence/verify.h"
#include "fakes/fake_pki.h"
#include "fakes/fake_qgs.h"
#include "forge.h"
#include "testutil.h"

#define INTEL_TDREPORT "intel-dcap/tdreport_for_test.dat"

/* A TDREPORT as the fake platform's agent makes one: type 0x81, registers
 * in TDINFO, REPORTDATA, and both hashes consistent. */
static void make_tdreport(uint8_t rep[TDREPORT_LEN])
{
        memset(rep, 0, TDREPORT_LEN);
        rep[0] = 0x81;
        for (int i = 0; i < 64; i++)
                rep[128 + i] = (uint8_t)(0x1a + i); /* REPORTDATA 1a1b1c... */
        memset(rep + 264, 0x03, 16);                /* TEE_TCB_SVN */
        rep[512 + 3] = 0x10;                        /* TD_ATTRIBUTES 0x10000000 */
        memset(rep + 528, 0x5a, 48);                /* MRTD */
        for (int i = 0; i < 4; i++)
                memset(rep + 720 + 48 * i, 0xa0 + i, 48); /* RTMR0-3 */
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, rep + 256, 239, rep + 32), 0);
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, rep + 512, 512, rep + 80), 0);
}

static struct buf request(const uint8_t *report, uint32_t report_size, const uint8_t *ids,
                          uint32_t n_ids)
{
        struct buf b = BUF_INIT;

        ck_assert_int_eq(qgs_get_quote_req_build(&b, report, report_size, ids, n_ids), 0);
        return b;
}

/* ---- codec ---- */

START_TEST(test_qgs_request_round_trip)
{
        static const uint8_t ids[16] = "id-list-16-byte";
        uint8_t rep[TDREPORT_LEN];
        const struct {
                const uint8_t *ids;
                uint32_t n_ids;
        } cases[] = { { NULL, 0 }, { ids, sizeof(ids) } };

        make_tdreport(rep);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_buf_ struct buf b = request(rep, sizeof(rep), cases[i].ids,
                                                     cases[i].n_ids);
                const uint8_t *f = (const uint8_t *)b.data;
                struct qgs_get_quote_req q;
                struct tdxh_err e = { 0 };
                uint32_t code = 99;

                /* the wire bytes: big-endian prefix, little-endian header */
                ck_assert_uint_eq(b.len, 4 + 24 + sizeof(rep) + cases[i].n_ids);
                ck_assert_uint_eq((uint32_t)f[0] << 24 | f[1] << 16 | f[2] << 8 | f[3],
                                  b.len - 4);
                ck_assert_uint_eq(le16_get(f + 4), 1);
                ck_assert_uint_eq(le16_get(f + 6), 1);
                ck_assert_uint_eq(le32_get(f + 8), QGS_GET_QUOTE_REQ);
                ck_assert_uint_eq(le32_get(f + 12), b.len - 4);
                ck_assert_msg(qgs_get_quote_req_parse(f, b.len, &q, &code, &e) == 0, "%s",
                              e.msg);
                ck_assert_uint_eq(code, QGS_MSG_SUCCESS);
                ck_assert_uint_eq(q.report_size, TDREPORT_LEN);
                ck_assert_uint_eq(q.id_list_size, cases[i].n_ids);
                ck_assert_ptr_eq(q.report, f + 28);
                ck_assert_mem_eq(q.report, rep, sizeof(rep));
                if (cases[i].n_ids)
                        ck_assert_mem_eq(q.id_list, ids, sizeof(ids));
                else
                        ck_assert_ptr_null(q.id_list);
        }
}
END_TEST

START_TEST(test_qgs_request_truncated_at_every_length_is_refused)
{
        uint8_t rep[TDREPORT_LEN];
        _cleanup_buf_ struct buf b = BUF_INIT;
        _cleanup_free_ uint8_t *longer = NULL;

        make_tdreport(rep);
        b = request(rep, sizeof(rep), NULL, 0);
        for (size_t cut = 0; cut < b.len; cut++) {
                _cleanup_free_ uint8_t *copy = malloc(cut + 1); /* exact size for ASan */
                struct qgs_get_quote_req q;
                struct tdxh_err e = { 0 };
                uint32_t code = 0;

                memcpy(copy, b.data, cut);
                ck_assert_int_eq(qgs_get_quote_req_parse(copy, cut, &q, &code, &e), -EINVAL);
                ck_assert_msg(strncmp(e.msg, "offset 0x", 9) == 0, "cut %zu: %s", cut, e.msg);
                ck_assert_uint_eq(code, QGS_MSG_ERROR_INVALID_SIZE);
        }
        /* one byte too many: data no length covers */
        longer = calloc(1, b.len + 1);
        memcpy(longer, b.data, b.len);
        {
                struct qgs_get_quote_req q;
                struct tdxh_err e = { 0 };

                ck_assert_int_eq(qgs_get_quote_req_parse(longer, b.len + 1, &q, NULL, &e),
                                 -EINVAL);
                ck_assert_str_eq(e.msg, "offset 0x41c: 1 bytes after the 1048-byte message");
        }
}
END_TEST

/* One field of a valid request changed: what the parser says and the QGS
 * error code an answer carries. */
START_TEST(test_qgs_request_bad_fields_are_refused_with_qgs_codes)
{
        const struct {
                const char *what;
                size_t offset;
                int width; /* 2, 4 little-endian; -4 big-endian (the prefix) */
                uint32_t value;
                uint32_t code;
                const char *msg;
        } cases[] = {
                { "prefix 0", 0, -4, 0, QGS_MSG_ERROR_INVALID_SIZE,
                  "offset 0x0: length prefix: 0, a message is 16 to 131072 bytes" },
                { "prefix below a header", 0, -4, 15, QGS_MSG_ERROR_INVALID_SIZE,
                  "offset 0x0: length prefix: 15" },
                { "prefix oversized", 0, -4, 0xffffffffu, QGS_MSG_ERROR_INVALID_SIZE,
                  "offset 0x0: length prefix: 4294967295" },
                { "prefix above the limit", 0, -4, 128 * 1024 + 1, QGS_MSG_ERROR_INVALID_SIZE,
                  "offset 0x0: length prefix: 131073" },
                { "major version", 4, 2, 2, QGS_MSG_ERROR_INVALID_VERSION,
                  "offset 0x4: major_version: 2, expected 1" },
                { "type response", 8, 4, QGS_GET_QUOTE_RESP, QGS_MSG_ERROR_INVALID_TYPE,
                  "offset 0x8: type: 1 (GET_QUOTE_RESP), the fake serves only GET_QUOTE_REQ" },
                { "type collateral", 8, 4, QGS_GET_COLLATERAL_REQ, QGS_MSG_ERROR_INVALID_TYPE,
                  "offset 0x8: type: 2 (GET_COLLATERAL_REQ)" },
                { "type unknown", 8, 4, 77, QGS_MSG_ERROR_INVALID_TYPE,
                  "offset 0x8: type: 77 (unknown)" },
                { "header size", 12, 4, 1047, QGS_MSG_ERROR_INVALID_SIZE,
                  "offset 0xc: size: 1047, the length prefix says 1048" },
                { "header size oversized", 12, 4, 0xffffffffu, QGS_MSG_ERROR_INVALID_SIZE,
                  "offset 0xc: size: 4294967295" },
                { "error code", 16, 4, 0x12001, QGS_MSG_ERROR_INVALID_CODE,
                  "offset 0x10: error_code: 0x12001 in a request, expected 0" },
                { "report size 0", 20, 4, 0, QGS_MSG_ERROR_INVALID_PARAMETER,
                  "offset 0x14: report_size: 0" },
                { "report size short", 20, 4, 1023, QGS_MSG_ERROR_INVALID_SIZE,
                  "offset 0x14: report_size 1023 + id_list_size 0 + 24 = 1047, the message "
                  "is 1048 bytes" },
                { "report size oversized", 20, 4, 0xffffffffu, QGS_MSG_ERROR_INVALID_SIZE,
                  "= 4294967319, the message is 1048 bytes" },
                { "id list oversized", 24, 4, 0xffffffe8u, QGS_MSG_ERROR_INVALID_SIZE,
                  "id_list_size 4294967272 + 24 = 4294968320" },
        };
        uint8_t rep[TDREPORT_LEN];

        make_tdreport(rep);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_buf_ struct buf b = request(rep, sizeof(rep), NULL, 0);
                uint8_t *f = (uint8_t *)b.data;
                struct qgs_get_quote_req q;
                struct tdxh_err e = { 0 };
                uint32_t code = 0;
                uint32_t v = cases[i].value;

                if (cases[i].width == -4) {
                        const uint8_t be[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
                                                (uint8_t)(v >> 8), (uint8_t)v };

                        memcpy(f, be, 4);
                } else if (cases[i].width == 2) {
                        le16_put(f + cases[i].offset, (uint16_t)v);
                } else {
                        le32_put(f + cases[i].offset, v);
                }
                ck_assert_int_eq(qgs_get_quote_req_parse(f, b.len, &q, &code, &e), -EINVAL);
                ck_assert_msg(strstr(e.msg, cases[i].msg), "%s: %s", cases[i].what, e.msg);
                ck_assert_msg(code == cases[i].code, "%s: code 0x%x, expected 0x%x",
                              cases[i].what, code, cases[i].code);
        }
}
END_TEST

START_TEST(test_qgs_request_minor_version_is_compatible)
{
        uint8_t rep[TDREPORT_LEN];
        _cleanup_buf_ struct buf b = BUF_INIT;
        struct qgs_get_quote_req q;
        struct tdxh_err e = { 0 };

        /* DCAP checks the major version only: 1.0 clients are served */
        make_tdreport(rep);
        b = request(rep, sizeof(rep), NULL, 0);
        le16_put((uint8_t *)b.data + 6, 0);
        ck_assert_msg(qgs_get_quote_req_parse((uint8_t *)b.data, b.len, &q, NULL, &e) == 0,
                      "%s", e.msg);
        ck_assert_uint_eq(q.header.minor_version, 0);
}
END_TEST

START_TEST(test_qgs_response_round_trip_and_error_responses)
{
        static const uint8_t quote[100] = { 4, 0, 2, 0 };
        _cleanup_buf_ struct buf b = BUF_INIT;
        struct qgs_get_quote_resp r;
        struct tdxh_err e = { 0 };
        const struct {
                uint32_t type;
                size_t len;
        } errors[] = {
                { QGS_GET_QUOTE_RESP, 24 },
                { QGS_GET_COLLATERAL_RESP, 48 },
                { QGS_GET_PLATFORM_INFO_RESP, 28 },
        };

        ck_assert_int_eq(qgs_get_quote_resp_build(&b, quote, sizeof(quote)), 0);
        ck_assert_msg(qgs_get_quote_resp_parse((uint8_t *)b.data, b.len, &r, &e) == 0, "%s",
                      e.msg);
        ck_assert_uint_eq(r.header.type, QGS_GET_QUOTE_RESP);
        ck_assert_uint_eq(r.header.error_code, 0);
        ck_assert_uint_eq(r.selected_id_size, 0);
        ck_assert_uint_eq(r.quote_size, sizeof(quote));
        ck_assert_mem_eq(r.quote, quote, sizeof(quote));
        for (size_t cut = 0; cut < b.len; cut++) {
                struct tdxh_err ce = { 0 };

                ck_assert_int_eq(qgs_get_quote_resp_parse((uint8_t *)b.data, cut, &r, &ce),
                                 -EINVAL);
                ck_assert_msg(strncmp(ce.msg, "offset 0x", 9) == 0, "cut %zu: %s", cut, ce.msg);
        }
        for (size_t i = 0; i < ELEMENTSOF(errors); i++) {
                _cleanup_buf_ struct buf eb = BUF_INIT;
                const uint8_t *f;

                ck_assert_int_eq(qgs_error_resp_build(&eb, errors[i].type,
                                                      QGS_MSG_ERROR_INVALID_TYPE),
                                 0);
                f = (const uint8_t *)eb.data;
                ck_assert_uint_eq(eb.len, 4 + errors[i].len);
                ck_assert_uint_eq(le32_get(f + 8), errors[i].type);
                ck_assert_uint_eq(le32_get(f + 12), errors[i].len);
                ck_assert_uint_eq(le32_get(f + 16), QGS_MSG_ERROR_INVALID_TYPE);
        }
        buf_reset(&b);
        ck_assert_int_eq(qgs_error_resp_build(&b, QGS_GET_QUOTE_RESP,
                                              QGS_MSG_ERROR_INVALID_PARAMETER),
                         0);
        ck_assert_int_eq(qgs_get_quote_resp_parse((uint8_t *)b.data, b.len, &r, &e), 0);
        ck_assert_uint_eq(r.header.error_code, QGS_MSG_ERROR_INVALID_PARAMETER);
        ck_assert_ptr_null(r.quote);
        ck_assert_int_eq(qgs_error_resp_build(&b, QGS_GET_QUOTE_RESP, 0), -EINVAL);
        ck_assert_int_eq(qgs_error_resp_build(&b, QGS_GET_QUOTE_REQ, 0x12001), -EINVAL);
        ck_assert_str_eq(qgs_error_name(QGS_MSG_ERROR_INVALID_SIZE), "INVALID_SIZE");
        ck_assert_str_eq(qgs_error_name(0x99), "?");
}
END_TEST

/* ---- the PKI ---- */

static char *path_in(const char *dir, const char *file)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", dir, file), 0);
        return p;
}

static mode_t mode_of(const char *dir, const char *file)
{
        _cleanup_free_ char *p = path_in(dir, file);
        struct stat st;

        ck_assert_int_eq(stat(p, &st), 0);
        return st.st_mode & 07777;
}

START_TEST(test_fake_pki_says_fake_and_keeps_keys_private)
{
        _cleanup_fake_pki_ struct fake_pki *p = NULL, *back = NULL;
        struct tdxh_err e = { 0 };
        struct sgx_pck_ext x;
        char cn[256], hex[13];
        char *dir = tmpdir_make();
        _cleanup_free_ char *sub = path_in(dir, "pki");
        X509 *certs[3];

        ck_assert_msg(fake_pki_new(&p, &e) == 0, "%s", e.msg);
        ck_assert_msg(fake_pki_save(p, sub, &e) == 0, "%s", e.msg);
        ck_assert_uint_eq(mode_of(dir, "pki"), 0700);
        ck_assert_uint_eq(mode_of(sub, FAKE_PKI_PCK_KEY_FILE), 0600);
        ck_assert_uint_eq(mode_of(sub, FAKE_PKI_ATT_KEY_FILE), 0600);
        ck_assert_uint_eq(mode_of(sub, FAKE_PKI_ROOT_FILE), 0644);
        ck_assert_msg(fake_pki_load(sub, &back, &e) == 0, "%s", e.msg);
        ck_assert_ptr_null(back->root_key);
        ck_assert_ptr_null(back->inter_key);
        ck_assert_str_eq(back->chain_pem, p->chain_pem);
        certs[0] = back->root;
        certs[1] = back->inter;
        certs[2] = back->leaf;
        for (size_t i = 0; i < 3; i++) {
                x509_subject_cn(certs[i], cn, sizeof(cn));
                ck_assert_msg(strstr(cn, "FAKE") && strstr(cn, "not Intel"), "%s", cn);
        }
        ck_assert_int_eq(sgx_pck_ext_parse(back->leaf, &x, &e), 0);
        hex_encode(x.fmspc, 6, hex);
        ck_assert_str_eq(hex, "fa4efa4efa4e");
        hex_encode(x.pceid, 2, hex);
        ck_assert_str_eq(hex, "fa4e");
        ck_assert_uint_eq(x.pcesvn, 0);
        tmpdir_remove(dir);
}
END_TEST

/* A saved PKI with one thing wrong: what loading says. */
START_TEST(test_fake_pki_load_refuses_what_it_cannot_trust)
{
        enum { NONE, MISSING_DIR, KEY_MODE, GARBAGE_KEY, OTHER_PCK_KEY, OTHER_ROOT, SHORT_CHAIN,
               SWAPPED_CHAIN };
        const struct {
                int damage;
                int code;
                const char *file, *msg;
        } cases[] = {
                { MISSING_DIR, -ENOENT, "nonexistent/" FAKE_PKI_CHAIN_FILE, "" },
                { KEY_MODE, -EPERM, FAKE_PKI_ATT_KEY_FILE, ": mode 0644: a key must not be open" },
                { GARBAGE_KEY, -EINVAL, FAKE_PKI_PCK_KEY_FILE, ": not a PEM private key" },
                { OTHER_PCK_KEY, -EINVAL, FAKE_PKI_PCK_KEY_FILE, ": not the key of the leaf" },
                { OTHER_ROOT, -EINVAL, FAKE_PKI_ROOT_FILE, ": not the root of" },
                { SHORT_CHAIN, -EINVAL, FAKE_PKI_CHAIN_FILE,
                  ": 2 certificates, expected 3 (leaf, intermediate, root)" },
                { SWAPPED_CHAIN, -EINVAL, FAKE_PKI_CHAIN_FILE,
                  ": not a leaf, intermediate and root chained by signature" },
        };
        _cleanup_fake_pki_ struct fake_pki *p = NULL, *other = NULL;
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(fake_pki_new(&p, &e), 0);
        ck_assert_int_eq(fake_pki_new(&other, &e), 0);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_fake_pki_ struct fake_pki *back = NULL;
                char *dir = tmpdir_make();
                _cleanup_free_ char *load_dir = NULL, *want = NULL, *file = NULL;
                _cleanup_free_ char *pem = NULL;
                size_t len;

                err_clear(&e);
                ck_assert_int_eq(fake_pki_save(p, dir, &e), 0);
                load_dir = strdup(dir);
                switch (cases[i].damage) {
                case MISSING_DIR:
                        free(load_dir);
                        load_dir = path_in(dir, "nonexistent");
                        break;
                case KEY_MODE:
                        file = path_in(dir, FAKE_PKI_ATT_KEY_FILE);
                        ck_assert_int_eq(chmod(file, 0644), 0);
                        break;
                case GARBAGE_KEY:
                        file = path_in(dir, FAKE_PKI_PCK_KEY_FILE);
                        ck_assert_int_eq(file_write_atomic(file, "not a key\n", 10, 0600, NULL),
                                         0);
                        break;
                case OTHER_PCK_KEY: {
                        char *odir = tmpdir_make();
                        _cleanup_free_ char *okey = path_in(odir, FAKE_PKI_PCK_KEY_FILE);
                        _cleanup_free_ uint8_t *bytes = NULL;

                        ck_assert_int_eq(fake_pki_save(other, odir, &e), 0);
                        bytes = slurp(okey, &len);
                        file = path_in(dir, FAKE_PKI_PCK_KEY_FILE);
                        ck_assert_int_eq(file_write_atomic(file, bytes, len, 0600, NULL), 0);
                        tmpdir_remove(odir);
                        break;
                }
                case OTHER_ROOT:
                        file = path_in(dir, FAKE_PKI_ROOT_FILE);
                        ck_assert_int_eq(fake_pki_write_root(other, file, &e), 0);
                        break;
                case SHORT_CHAIN:
                case SWAPPED_CHAIN:
                        file = path_in(dir, FAKE_PKI_CHAIN_FILE);
                        ck_assert_int_eq(
                                fake_pki_certs_pem(cases[i].damage == SHORT_CHAIN
                                                           ? (X509 *[]){ p->leaf, p->inter }
                                                           : (X509 *[]){ p->inter, p->leaf,
                                                                         p->root },
                                                   cases[i].damage == SHORT_CHAIN ? 2 : 3,
                                                   &pem, &len),
                                0);
                        ck_assert_int_eq(file_write_atomic(file, pem, len, 0644, NULL), 0);
                        break;
                }
                ck_assert_int_eq(fake_pki_load(load_dir, &back, &e), cases[i].code);
                want = path_in(dir, cases[i].file);
                ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0, "case %zu: %s", i, e.msg);
                ck_assert_msg(strstr(e.msg, cases[i].msg), "case %zu: %s", i, e.msg);
                ck_assert_ptr_null(back);
                tmpdir_remove(dir);
        }
}
END_TEST

/* ---- the signer ---- */

/* Signs rep with a fresh PKI saved in *ret_dir; returns the quote. */
static uint8_t *sign(const uint8_t *rep, char **ret_dir, size_t *ret_len)
{
        _cleanup_fake_pki_ struct fake_pki *p = NULL, *back = NULL;
        struct tdxh_err e = { 0 };
        uint8_t *quote = NULL;

        *ret_dir = tmpdir_make();
        ck_assert_int_eq(fake_pki_new(&p, &e), 0);
        ck_assert_int_eq(fake_pki_save(p, *ret_dir, &e), 0);
        ck_assert_msg(fake_pki_load(*ret_dir, &back, &e) == 0, "%s", e.msg);
        ck_assert_msg(fake_qgs_sign(back, rep, TDREPORT_LEN, &quote, ret_len, &e) == 0, "%s",
                      e.msg);
        return quote;
}

/* Exactly the checks named (NULL-terminated) failed. */
static void assert_failed(const struct verify_result *res, const char *const *names)
{
        for (size_t i = 0; i < res->n_checks; i++) {
                const struct verify_check *c = &res->checks[i];
                bool want_fail = false;

                for (const char *const *n = names; *n; n++)
                        want_fail |= strcmp(c->name, *n) == 0;
                ck_assert_msg(c->passed != want_fail, "%s %s: %s", c->name,
                              c->passed ? "passed" : "failed", c->detail);
        }
        for (const char *const *n = names; *n; n++)
                check(res, *n);
}

START_TEST(test_fake_quote_verifies_with_fake_root_and_not_intels)
{
        const char *reports[] = { "built", INTEL_TDREPORT };

        for (size_t i = 0; i < ELEMENTSOF(reports); i++) {
                _cleanup_verify_result_ struct verify_result own = VERIFY_RESULT_INIT;
                _cleanup_verify_result_ struct verify_result intel = VERIFY_RESULT_INIT;
                _cleanup_free_ uint8_t *quote = NULL, *rep = NULL;
                _cleanup_free_ char *root = NULL;
                struct tdreport t;
                struct quote q;
                char *dir = NULL;
                size_t len, rep_len = TDREPORT_LEN;

                if (i == 0) {
                        rep = malloc(TDREPORT_LEN);
                        make_tdreport(rep);
                } else {
                        _cleanup_free_ char *path = fixture_path(reports[i]);

                        rep = slurp(path, &rep_len);
                }
                ck_assert_int_eq(tdreport_parse(rep, rep_len, &t, NULL), 0);
                quote = sign(rep, &dir, &len);
                root = path_in(dir, FAKE_PKI_ROOT_FILE);
                ck_assert_int_eq(quote_parse(quote, len, &q, NULL), 0);
                ck_assert_uint_eq(q.version, 4);
                ck_assert_uint_eq(q.trailing_len, 0);
                ck_assert_mem_eq(q.body.mr_td, t.mr_td, 48);
                ck_assert_mem_eq(q.body.rtmr, t.rtmr, sizeof(t.rtmr));
                ck_assert_mem_eq(q.body.report_data, t.report_data, 64);
                ck_assert_mem_eq(q.body.td_attributes, t.td_attributes, 8);
                ck_assert_mem_eq(q.body.tee_tcb_svn, t.tee_tcb_svn, 16);
                ck_assert_mem_eq(q.body.mr_seam, t.mr_seam, 48);
                ck_assert_mem_eq(q.qe_report, t.cpusvn, 16);
                /* every check passes against the fake root, which --trust-root
                 * names; the vendor says fake even then */
                verify_forged(quote, len,
                              &(struct verify_opts){ .trust_root = root, .allow_debug = true },
                              &own);
                assert_failed(&own, (const char *[]){ NULL });
                ck_assert_ptr_nonnull(strstr(check(&own, VERIFY_QE_VENDOR)->detail,
                                             "tdxh's fake QE (\"tdxh-FAKE-QE-v1\"): a fake quote, "
                                             "accepted only because --trust-root names its root"));
                /* Intel's pinned root: the chain fails too */
                verify_forged(quote, len, &(struct verify_opts){ .allow_debug = true }, &intel);
                assert_failed(&intel,
                              (const char *[]){ VERIFY_QE_VENDOR, VERIFY_PCK_CHAIN, NULL });
                ck_assert_ptr_nonnull(strstr(check(&intel, VERIFY_PCK_CHAIN)->detail,
                                             "the chain ends at '" FAKE_PKI_ROOT_CN "'"));
                tmpdir_remove(dir);
        }
}
END_TEST

static const char *json_str(json_object *o, const char *key)
{
        json_object *v;

        ck_assert_msg(json_object_object_get_ex(o, key, &v), "no %s", key);
        return json_object_get_string(v);
}

START_TEST(test_fake_quote_is_marked_fake_everywhere)
{
        _cleanup_json_ json_object *j = NULL;
        _cleanup_free_ uint8_t *quote = NULL;
        _cleanup_free_ char *path = NULL, *root = NULL;
        uint8_t rep[TDREPORT_LEN];
        struct qe_report_fields f;
        struct run_result r;
        json_object *chain, *qe, *v;
        struct quote q;
        char *dir = NULL;
        size_t len;

        make_tdreport(rep);
        quote = sign(rep, &dir, &len);
        ck_assert_int_eq(quote_parse(quote, len, &q, NULL), 0);
        ck_assert_mem_eq(q.qe_vendor_id, "tdxh-FAKE-QE-v1", 16);
        ck_assert_mem_eq(q.user_data, "tdxh-FAKE-QUOTE\0\0\0\0", 20);
        ck_assert_mem_eq(q.qe_report + 262, FAKE_QGS_QE_MARK, strlen(FAKE_QGS_QE_MARK));
        ck_assert_mem_eq(q.qe_auth_data, FAKE_QGS_QE_AUTH_DATA, q.qe_auth_data_len);
        quote_qe_report_fields(&q, &f);
        ck_assert_uint_eq(f.isvprodid, 0xfa4e);
        ck_assert_mem_eq(f.mrsigner, "tdxh FAKE QE signer - not Intel", 31);

        ck_assert_int_eq(quote_to_json(&q, &j), 0);
        ck_assert_str_eq(json_str(j, "qe_vendor"), "tdxh fake QE (not genuine)");
        ck_assert_str_eq(json_str(j, "qe_vendor_id"), "746478682d46414b452d51452d763100");
        ck_assert(json_object_object_get_ex(j, "pck_chain", &chain));
        for (size_t i = 0; i < json_object_array_length(chain); i++)
                ck_assert_msg(strstr(json_str(json_object_array_get_idx(chain, i), "subject"),
                                     "FAKE"),
                              "%s", json_str(json_object_array_get_idx(chain, i), "subject"));
        ck_assert(json_object_object_get_ex(j, "qe_report", &qe));
        ck_assert(json_object_object_get_ex(qe, "isvprodid", &v));
        ck_assert_int_eq(json_object_get_int(v), 0xfa4e);

        /* what people see */
        path = path_in(dir, "fake-quote.dat");
        root = path_in(dir, FAKE_PKI_ROOT_FILE);
        ck_assert_int_eq(file_write_atomic(path, quote, len, 0644, NULL), 0);
        run_tdxh(&r, (const char *[]){ "inspect", path, NULL });
        ck_assert_msg(r.status == 0, "%s", r.err);
        ck_assert_msg(strstr(r.out, "tdxh fake QE (not genuine)"), "%s", r.out);
        ck_assert_msg(strstr(r.out, FAKE_PKI_LEAF_CN), "%s", r.out);
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ "verify", "--quote", path, "--trust-root", root, NULL });
        ck_assert_msg(r.status == 0, "%s", r.out);
        for (size_t i = 0; i < 6; i++) {
                static const char *const pass[] = {
                        "PASS quote-signature", "PASS qe-report-binding",
                        "PASS qe-report-signature", "PASS pck-chain", "PASS td-debug-off",
                        "PASS qe-vendor-id: 746478682d46414b452d51452d763100 is tdxh's fake QE",
                };

                ck_assert_msg(strstr(r.out, pass[i]), "no '%s' in:\n%s", pass[i], r.out);
        }
        run_result_free(&r);
        run_tdxh(&r, (const char *[]){ "verify", "--quote", path, NULL });
        ck_assert_int_eq(r.status, 1);
        ck_assert_msg(strstr(r.out, "FAIL pck-chain: no certificate in the chain has the Intel "
                                    "SGX Root CA key"),
                      "%s", r.out);
        ck_assert_msg(strstr(r.out, "FAIL qe-vendor-id: 746478682d46414b452d51452d763100 is "
                                    "tdxh's fake QE (\"tdxh-FAKE-QE-v1\"): a fake quote, never genuine"),
                      "%s", r.out);
        run_result_free(&r);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_fake_qgs_answers_requests_and_refuses_bad_reports)
{
        _cleanup_fake_pki_ struct fake_pki *p = NULL;
        uint8_t rep[TDREPORT_LEN], bad[TDREPORT_LEN], typed[TDREPORT_LEN];
        struct tdxh_err e = { 0 };
        const struct {
                const uint8_t *report;
                uint32_t size;
                uint32_t code;
                const char *msg;
        } cases[] = {
                { rep, sizeof(rep), QGS_MSG_SUCCESS, "" },
                { rep, 1000, QGS_MSG_ERROR_INVALID_PARAMETER,
                  "offset 0x14: report_size: 1000, a TDREPORT is 1024 bytes" },
                { bad, sizeof(bad), QGS_MSG_ERROR_INVALID_PARAMETER,
                  "offset 0x1c: report: offset 0x50: TEE_INFO_HASH: not the SHA-384 of TDINFO" },
                { typed, sizeof(typed), QGS_MSG_ERROR_INVALID_PARAMETER,
                  "offset 0x1c: report: offset 0x0: REPORTTYPE.type: 0x00 is not TDX" },
        };

        make_tdreport(rep);
        memcpy(bad, rep, sizeof(rep));
        bad[512 + 16] ^= 1; /* MRTD changed after the hash was taken */
        memcpy(typed, rep, sizeof(rep));
        typed[0] = 0;
        ck_assert_int_eq(fake_pki_new(&p, &e), 0);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_buf_ struct buf req = request(cases[i].report, cases[i].size, NULL, 0);
                _cleanup_buf_ struct buf resp = BUF_INIT;
                struct fake_qgs_outcome oc;
                struct qgs_get_quote_resp r;
                struct quote q;

                err_clear(&e);
                ck_assert_int_eq(fake_qgs_handle(p, (uint8_t *)req.data, req.len, &resp, &oc, &e),
                                 0);
                ck_assert_msg(strstr(e.msg, cases[i].msg), "case %zu: %s", i, e.msg);
                ck_assert_uint_eq(oc.qgs_error, cases[i].code);
                ck_assert_int_eq(qgs_get_quote_resp_parse((uint8_t *)resp.data, resp.len, &r, &e),
                                 0);
                ck_assert_uint_eq(r.header.error_code, cases[i].code);
                if (cases[i].code != QGS_MSG_SUCCESS)
                        continue;
                ck_assert_uint_eq(oc.quote_len, r.quote_size);
                ck_assert_mem_eq(oc.report_data, rep + 128, 64);
                ck_assert_int_eq(quote_parse(r.quote, r.quote_size, &q, NULL), 0);
                ck_assert_mem_eq(q.body.report_data, rep + 128, 64);
        }
}
END_TEST

START_TEST(test_fake_qgs_answers_other_request_types_in_kind)
{
        _cleanup_fake_pki_ struct fake_pki *p = NULL;
        uint8_t rep[TDREPORT_LEN];
        struct tdxh_err e = { 0 };
        const struct {
                uint32_t type, resp_type;
                size_t resp_len;
        } cases[] = {
                { QGS_GET_COLLATERAL_REQ, QGS_GET_COLLATERAL_RESP, 48 },
                { QGS_GET_PLATFORM_INFO_REQ, QGS_GET_PLATFORM_INFO_RESP, 28 },
                { QGS_GET_QUOTE_RESP, QGS_GET_QUOTE_RESP, 24 },
                { 1000, QGS_GET_QUOTE_RESP, 24 },
        };

        make_tdreport(rep);
        ck_assert_int_eq(fake_pki_new(&p, &e), 0);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_buf_ struct buf req = request(rep, sizeof(rep), NULL, 0);
                _cleanup_buf_ struct buf resp = BUF_INIT;
                struct fake_qgs_outcome oc;
                const uint8_t *f;

                le32_put((uint8_t *)req.data + 8, cases[i].type);
                ck_assert_int_eq(fake_qgs_handle(p, (uint8_t *)req.data, req.len, &resp, &oc, &e),
                                 0);
                f = (const uint8_t *)resp.data;
                ck_assert_uint_eq(oc.qgs_error, QGS_MSG_ERROR_INVALID_TYPE);
                ck_assert_uint_eq(resp.len, 4 + cases[i].resp_len);
                ck_assert_uint_eq(le32_get(f + 8), cases[i].resp_type);
                ck_assert_uint_eq(le32_get(f + 16), QGS_MSG_ERROR_INVALID_TYPE);
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("fake_qgs");
        TCase *tc = tcase_create("fake_qgs");

        tcase_add_test(tc, test_qgs_request_round_trip);
        tcase_add_test(tc, test_qgs_request_truncated_at_every_length_is_refused);
        tcase_add_test(tc, test_qgs_request_bad_fields_are_refused_with_qgs_codes);
        tcase_add_test(tc, test_qgs_request_minor_version_is_compatible);
        tcase_add_test(tc, test_qgs_response_round_trip_and_error_responses);
        tcase_add_test(tc, test_fake_pki_says_fake_and_keeps_keys_private);
        tcase_add_test(tc, test_fake_pki_load_refuses_what_it_cannot_trust);
        tcase_add_test(tc, test_fake_quote_verifies_with_fake_root_and_not_intels);
        tcase_add_test(tc, test_fake_quote_is_marked_fake_everywhere);
        tcase_add_test(tc, test_fake_qgs_answers_requests_and_refuses_bad_reports);
        tcase_add_test(tc, test_fake_qgs_answers_other_request_types_in_kind);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
