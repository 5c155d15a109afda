/* Event logs from real TDX machines (harness/tests/data/real): every log parses,
 * replays to the values the fixtures README gives and to the RTMRs of the
 * quote captured with it, the per-register counts match, the CCEL table is
 * read, the JSON form reads back, and the decoding agrees with trustee's
 * own rendering of the same log. */
#include <errno.h>
#include <stdio.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/digest.h"
#include "core/event_type.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "evidence/eventlog.h"
#include "testutil.h"

/* Offset of RTMR0 in a v4 quote: 48-byte header + 328 bytes of the body. */
#define QUOTE_V4_RTMR0 376

static const char *const cos_rtmr[4] = {
        "3fa2f61f395b7f5feefb4ec2df61297f109ad8abcd6410c1"
        "b7df60f21f37b19297fc35e544039c7e1edece752afd17f6",
        "f62dbc072bd5d3f3438b7b35c39a727f5aea2ffc2473f437"
        "23953f530daf62504f0a7944aa62c41a86e8a878c2b122c1",
        "4969684dc87381fc3b3134176c8d8806eaf0a901859f5f70"
        "cfae8d17714b46c10a8de219048c9fc09f11f381a6fbe7c1",
        "000000000000000000000000000000000000000000000000"
        "000000000000000000000000000000000000000000000000",
};

static const char *const ovmf_rtmr[4] = {
        "8566f998798db09443b244c62de9a3041fb02e2e6936c439"
        "6d784bba2e90177329ec5aba3bb484404f2ab9cc90abe193",
        "775b9f6bfe99f8a31396f0d0218e67ffa796d3b96ccf961c"
        "bb0deba48c79c00f082cda1a5567c1c16305f1fc210c13c6",
        "94eaf7a7bf398ed8d888c91057ae0261802e4f3df084213a"
        "76ca7f0b5055ac9d2241de43cd58d9e8b49c503bbf25f34a",
        "000000000000000000000000000000000000000000000000"
        "000000000000000000000000000000000000000000000000",
};

static const char *const dstack_rtmr[4] = {
        "f8438db36b96f85d8752ff7f24a89ec05c79ec9eda2ba732"
        "c897fb970ca429365b7471b1c054cb84f17b1c2b23ba6640",
        "2023546e7f3b9d1228e274f70c44d481162540f845254452"
        "0a796a52f06879709b81a824a26792a7822327504b0d2aee",
        "4c1b739ed451a637b0f82642e48a5ea83925d23633c72e73"
        "85c8e9aca4175e133ed1625b7d92eb39edf509c27ff392dc",
        "6f24c170d0fd63fc2b1b53202eea47b013978437fa6982cf"
        "5e0438ff95c208994aaa0f4ebab2e3a66824b5b56869137e",
};

static void load_fixture(const char *rel, int hint, struct evlog *l)
{
        _cleanup_free_ char *path = fixture_path(rel);
        struct tdxh_err e = { 0 };
        int r;

        r = evlog_load_file_format(path, hint, l, &e);
        ck_assert_msg(r == 0, "%s: %s", rel, e.msg);
}

static void assert_replay(const struct evlog *l, const char *const want[4])
{
        struct tdxh_err e = { 0 };
        uint8_t reg[4][48];
        char hex[97];

        ck_assert_msg(evlog_replay(l, reg, &e) == 0, "%s", e.msg);
        for (int i = 0; i < 4; i++) {
                hex_encode(reg[i], 48, hex);
                ck_assert_msg(strcmp(hex, want[i]) == 0, "RTMR%d: %s", i, hex);
        }
}

/* Counts per raw index (CCEL MR index or JSON imr). */
static size_t count_index(const struct evlog *l, uint32_t index)
{
        size_t n = 0;

        for (size_t i = 0; i < l->n_events; i++)
                n += l->events[i].pcr == index;
        return n;
}

static void quote_rtmrs(const uint8_t *quote, size_t len, uint8_t rtmr[4][48])
{
        ck_assert_uint_ge(len, QUOTE_V4_RTMR0 + 4 * 48);
        ck_assert_int_eq(quote[0], 4);
        memcpy(rtmr, quote + QUOTE_V4_RTMR0, 4 * 48);
}

START_TEST(test_ccel_cos_replays_to_readme_values_and_quote)
{
        _cleanup_evlog_ struct evlog l = { 0 };
        _cleanup_free_ char *qpath = fixture_path("go-tdx-guest/ccel/cos-113-tdx-quote.dat");
        _cleanup_free_ uint8_t *quote = NULL;
        struct tdxh_err e = { 0 };
        uint8_t rtmr[4][48];
        bool match[4];
        size_t qlen;

        load_fixture("go-tdx-guest/ccel/ccel_data.dat", -1, &l);
        ck_assert_int_eq(l.format, EVLOG_CCEL);
        ck_assert_uint_eq(l.n_events, 43);
        ck_assert_uint_eq(l.log_len, 18101);
        ck_assert_uint_eq(l.spec_id_pcr, 1);
        ck_assert_uint_eq(l.n_algs, 1);
        ck_assert_uint_eq(l.algs[0].id, TPM_ALG_SHA384);
        ck_assert_uint_eq(count_index(&l, 1), 16);
        ck_assert_uint_eq(count_index(&l, 2), 7);
        ck_assert_uint_eq(count_index(&l, 3), 20);
        ck_assert_uint_eq(evlog_count_rtmr(&l, 2), 20);
        assert_replay(&l, cos_rtmr);

        quote = slurp(qpath, &qlen);
        quote_rtmrs(quote, qlen, rtmr);
        ck_assert_int_eq(evlog_check_bound(&l, (const uint8_t(*)[48])rtmr, match, &e), 0);
        ck_assert(match[0] && match[1] && match[2] && match[3]);
        rtmr[1][0] ^= 1;
        ck_assert_int_eq(evlog_check_bound(&l, (const uint8_t(*)[48])rtmr, match, &e), 1);
        ck_assert(match[0] && !match[1] && match[2] && match[3]);
}
END_TEST

START_TEST(test_ccel_ovmf_replays_to_readme_values)
{
        _cleanup_evlog_ struct evlog l = { 0 };

        load_fixture("trustee/CCEL_data_ovmf", -1, &l);
        ck_assert_int_eq(l.format, EVLOG_CCEL);
        ck_assert_uint_eq(l.n_events, 20);
        ck_assert_uint_eq(l.log_len, 2120);
        ck_assert_uint_eq(count_index(&l, 1), 14);
        ck_assert_uint_eq(count_index(&l, 2), 4);
        ck_assert_uint_eq(count_index(&l, 3), 2);
        assert_replay(&l, ovmf_rtmr);
}
END_TEST

START_TEST(test_dstack_getquote_json_replays_to_its_quote)
{
        _cleanup_evlog_ struct evlog l = { 0 };
        _cleanup_free_ char *path = fixture_path("dstack/tdx-lite-getquote.json");
        _cleanup_free_ uint8_t *quote = NULL;
        _cleanup_json_ json_object *top = NULL;
        struct tdxh_err e = { 0 };
        json_object *q;
        uint8_t rtmr[4][48];
        bool match[4];
        size_t qlen;

        load_fixture("dstack/tdx-lite-getquote.json", -1, &l);
        ck_assert_int_eq(l.format, EVLOG_JSON);
        ck_assert_uint_eq(l.n_events, 29);
        ck_assert_uint_eq(count_index(&l, 0), 13);
        ck_assert_uint_eq(count_index(&l, 1), 5);
        ck_assert_uint_eq(count_index(&l, 2), 2);
        ck_assert_uint_eq(count_index(&l, 3), 9);
        assert_replay(&l, dstack_rtmr);

        top = json_object_from_file(path);
        ck_assert_ptr_nonnull(top);
        ck_assert(json_object_object_get_ex(top, "quote", &q));
        ck_assert_int_eq(hex_decode_alloc(json_object_get_string(q), &quote, &qlen), 0);
        quote_rtmrs(quote, qlen, rtmr);
        ck_assert_int_eq(evlog_check_bound(&l, (const uint8_t(*)[48])rtmr, match, &e), 0);
}
END_TEST

START_TEST(test_dstack_runtime_digest_is_type_name_payload_hash)
{
        _cleanup_evlog_ struct evlog l = { 0 };
        const struct evlog_event *ev = NULL;
        static const char in[] = "\x01\x00\x00\x08:storage-fs:zfs";
        uint8_t want[48];

        load_fixture("dstack/tdx-lite-getquote.json", -1, &l);
        for (size_t i = 0; i < l.n_events; i++)
                if (l.events[i].name && strcmp(l.events[i].name, "storage-fs") == 0)
                        ev = &l.events[i];
        ck_assert_ptr_nonnull(ev);
        ck_assert_uint_eq(ev->type, EV_DSTACK_RUNTIME);
        ck_assert_int_eq(ev->rtmr, 3);
        ck_assert_str_eq(ev->what, "rtmr3");
        ck_assert_str_eq(ev->detail, "storage-fs: zfs");
        /* le32(0x08000001) ":" "storage-fs" ":" "zfs" */
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, in, sizeof(in) - 1, want), 0);
        ck_assert(ev->has_sha384);
        ck_assert_mem_eq(ev->sha384, want, 48);
}
END_TEST

START_TEST(test_dstack_plain_list_and_string_forms_parse_alike)
{
        _cleanup_free_ char *path = fixture_path("dstack/tdx-lite-getquote.json");
        _cleanup_json_ json_object *top = NULL;
        _cleanup_evlog_ struct evlog a = { 0 }, b = { 0 };
        struct tdxh_err e = { 0 };
        json_object *s;
        const char *text;

        top = json_object_from_file(path);
        ck_assert(json_object_object_get_ex(top, "event_log", &s));
        text = json_object_get_string(s);
        ck_assert_int_eq(evlog_parse((const uint8_t *)text, strlen(text), -1, &a, &e), 0);
        ck_assert_uint_eq(a.n_events, 29);
        assert_replay(&a, dstack_rtmr);
        ck_assert_str_eq(a.events[8].what, "acpi-loader");
        ck_assert_str_eq(a.events[9].what, "acpi-rsdp");
        ck_assert_str_eq(a.events[10].what, "acpi-tables");
        /* the same list inside {"event_log": [...]} */
        {
                _cleanup_free_ char *wrapped = NULL;

                ck_assert_int_ge(asprintf(&wrapped, "{\"event_log\": %s}", text), 0);
                ck_assert_int_eq(
                        evlog_parse((const uint8_t *)wrapped, strlen(wrapped), -1, &b, &e), 0);
                assert_replay(&b, dstack_rtmr);
        }
}
END_TEST

START_TEST(test_ccel_table_fields)
{
        _cleanup_free_ char *path = fixture_path("go-tdx-guest/ccel/ccel_table.dat");
        _cleanup_free_ uint8_t *data = NULL;
        struct tdxh_err e = { 0 };
        struct ccel_table t;
        size_t len;

        data = slurp(path, &len);
        ck_assert_uint_eq(len, CCEL_TABLE_LEN);
        ck_assert_int_eq(ccel_table_parse(data, len, &t, &e), 0);
        ck_assert_str_eq(t.signature, "CCEL");
        ck_assert_uint_eq(t.length, 56);
        ck_assert_uint_eq(t.revision, 1);
        ck_assert(t.checksum_ok);
        ck_assert_str_eq(t.oem_id, "INTEL ");
        ck_assert_str_eq(t.oem_table_id, "EDK2    ");
        ck_assert_uint_eq(t.cc_type, 2);
        ck_assert_uint_eq(t.cc_subtype, 0);
        ck_assert_uint_eq(t.laml, 0x40000);
        ck_assert_uint_eq(t.lasa, 0xbedbf000);
        data[20] ^= 0x20;
        ck_assert_int_eq(ccel_table_parse(data, len, &t, &e), 0);
        ck_assert(!t.checksum_ok);
        data[0] = 'X';
        ck_assert_int_eq(ccel_table_parse(data, len, &t, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "signature"));
}
END_TEST

START_TEST(test_ccel_table_in_front_or_separate_and_laml_bounds_the_area)
{
        _cleanup_free_ char *tpath = fixture_path("go-tdx-guest/ccel/ccel_table.dat");
        _cleanup_free_ char *apath = fixture_path("go-tdx-guest/ccel/ccel_data.dat");
        _cleanup_free_ uint8_t *table = NULL, *area = NULL, *both = NULL;
        _cleanup_evlog_ struct evlog a = { 0 }, b = { 0 }, c = { 0 };
        struct tdxh_err e = { 0 };
        struct ccel_table t;
        size_t tlen, alen;

        table = slurp(tpath, &tlen);
        area = slurp(apath, &alen);
        both = malloc(tlen + alen);
        ck_assert_ptr_nonnull(both);
        memcpy(both, table, tlen);
        memcpy(both + tlen, area, alen);
        ck_assert_int_eq(evlog_parse(both, tlen + alen, -1, &a, &e), 0);
        ck_assert(a.has_ccel_table);
        ck_assert_uint_eq(a.ccel_table.laml, 0x40000);
        ck_assert_uint_eq(a.n_events, 43);
        assert_replay(&a, cos_rtmr);

        ck_assert_int_eq(ccel_table_parse(table, tlen, &t, &e), 0);
        ck_assert_int_eq(evlog_parse_ccel(area, alen, &t, &b, &e), 0);
        ck_assert(b.has_ccel_table);
        assert_replay(&b, cos_rtmr);

        /* a LAML that ends inside an event: the event runs past the area */
        t.laml = 0x1000;
        ck_assert_int_eq(evlog_parse_ccel(area, alen, &t, &c, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "past the end") != NULL, "%s", e.msg);

        /* the table alone is not a log */
        err_clear(&e);
        ck_assert_int_eq(evlog_parse(table, tlen, -1, &c, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "no log area"));
}
END_TEST

static void assert_same_events(const struct evlog *a, const struct evlog *b)
{
        ck_assert_uint_eq(a->n_events, b->n_events);
        for (size_t i = 0; i < a->n_events; i++) {
                const struct evlog_event *x = &a->events[i], *y = &b->events[i];

                ck_assert_uint_eq(x->type, y->type);
                ck_assert_int_eq(x->rtmr, y->rtmr);
                ck_assert_uint_eq(x->pcr, y->pcr);
                ck_assert_int_eq(x->has_sha384, y->has_sha384);
                ck_assert_mem_eq(x->sha384, y->sha384, 48);
                ck_assert_uint_eq(x->data_len, y->data_len);
                if (x->data_len)
                        ck_assert_mem_eq(x->data, y->data, x->data_len);
                ck_assert_str_eq(x->what, y->what);
                ck_assert_int_eq(!x->detail, !y->detail);
                if (x->detail)
                        ck_assert_str_eq(x->detail, y->detail);
        }
}

START_TEST(test_json_form_reads_back)
{
        static const char *const files[] = { "go-tdx-guest/ccel/ccel_data.dat",
                                              "trustee/CCEL_data_ovmf",
                                              "dstack/tdx-lite-getquote.json" };

        for (size_t f = 0; f < sizeof(files) / sizeof(files[0]); f++) {
                _cleanup_evlog_ struct evlog a = { 0 }, b = { 0 };
                _cleanup_json_ json_object *j = NULL;
                struct tdxh_err e = { 0 };
                const char *text;
                json_object *v;

                load_fixture(files[f], -1, &a);
                ck_assert_int_eq(evlog_to_json(&a, &j), 0);
                ck_assert(json_object_object_get_ex(j, "replayed", &v) && v);
                text = json_pretty(j);
                ck_assert_msg(evlog_parse((const uint8_t *)text, strlen(text), -1, &b, &e) == 0,
                              "%s: %s", files[f], e.msg);
                /* the streaming writer writes the same text */
                {
                        char *streamed = NULL;
                        size_t n = 0;
                        FILE *mf = open_memstream(&streamed, &n);

                        ck_assert_ptr_nonnull(mf);
                        ck_assert_int_eq(evlog_write_json(&a, mf, &e), 0);
                        fclose(mf);
                        ck_assert_uint_eq(n, strlen(text) + 1);
                        ck_assert_int_eq(memcmp(streamed, text, n - 1), 0);
                        ck_assert_int_eq(streamed[n - 1], '\n');
                        free(streamed);
                }
                ck_assert_int_eq(a.format, b.format);
                assert_same_events(&a, &b);
        }
}
END_TEST

static const char *details_string(json_object *ev, const char *key)
{
        json_object *d, *v;

        if (!json_object_object_get_ex(ev, "details", &d) ||
            !json_object_object_get_ex(d, key, &v))
                return NULL;
        return json_object_get_string(v);
}

START_TEST(test_decoding_agrees_with_trustee_rendering)
{
        _cleanup_free_ char *path = fixture_path("trustee/CCEL_data_ovmf_out.json");
        _cleanup_json_ json_object *top = json_object_from_file(path);
        _cleanup_evlog_ struct evlog l = { 0 };
        json_object *list;
        size_t n, checked_names = 0, checked_strings = 0;

        ck_assert_ptr_nonnull(top);
        ck_assert(json_object_object_get_ex(top, "uefi_event_logs", &list));
        load_fixture("trustee/CCEL_data_ovmf", -1, &l);
        n = json_object_array_length(list);
        ck_assert_uint_eq(n, l.n_events);
        for (size_t i = 0; i < n; i++) {
                json_object *t = json_object_array_get_idx(list, i), *v, *digests;
                const struct evlog_event *ev = &l.events[i];
                const char *name, *str;
                char hex[97];

                ck_assert(json_object_object_get_ex(t, "type_name", &v));
                ck_assert_str_eq(json_object_get_string(v), event_type_name(ev->type));
                ck_assert(json_object_object_get_ex(t, "index", &v));
                ck_assert_uint_eq((uint32_t)json_object_get_int(v), ev->pcr);
                ck_assert(json_object_object_get_ex(t, "digests", &digests));
                v = json_object_object_get(json_object_array_get_idx(digests, 0), "digest");
                hex_encode(ev->sha384, 48, hex);
                ck_assert_str_eq(json_object_get_string(v), hex);

                name = details_string(t, "unicode_name");
                if (name) {
                        size_t len = strlen(name);

                        ck_assert_msg(ev->detail && strncmp(ev->detail, name, len) == 0 &&
                                              (ev->detail[len] == '\0' || ev->detail[len] == ' ' ||
                                               ev->detail[len] == ':'),
                                      "event %zu: %s vs %s", i, ev->detail, name);
                        checked_names++;
                }
                str = details_string(t, "string");
                if (str && (ev->type == EV_EFI_ACTION || ev->type == EV_EVENT_TAG ||
                            ev->type == EV_PLATFORM_CONFIG_FLAGS)) {
                        ck_assert_msg(ev->detail && strcmp(ev->detail, str) == 0,
                                      "event %zu: %s vs %s", i, ev->detail, str);
                        checked_strings++;
                }
                if (str && ev->type == EV_EFI_HANDOFF_TABLES2)
                        ck_assert(ev->detail && strncmp(ev->detail, str, strlen(str)) == 0);
        }
        ck_assert_uint_eq(checked_names, 7);
        ck_assert_uint_ge(checked_strings, 7);
        ck_assert_str_eq(l.events[16].what, "cmdline");
        ck_assert_str_eq(l.events[16].detail, "LOADED_IMAGE::LoadOptions");
        ck_assert_str_eq(l.events[17].what, "initrd");
        ck_assert_str_eq(l.events[11].what, "kernel");
        ck_assert_str_eq(l.events[11].detail,
                         "VenMedia(1428F772-B64A-441E-B8C3-9EBDD7F893C7)/File(kernel)");
}
END_TEST

START_TEST(test_cos_log_labels_and_grub_cmdline)
{
        _cleanup_evlog_ struct evlog l = { 0 };
        const struct evlog_event *cmdline = NULL;

        load_fixture("go-tdx-guest/ccel/ccel_data.dat", -1, &l);
        ck_assert_str_eq(l.events[0].what, "td-hob");
        ck_assert_str_eq(l.events[1].what, "cfv");
        ck_assert_str_eq(l.events[2].what, "secureboot-var");
        ck_assert_str_eq(l.events[2].detail, "SecureBoot = 00");
        ck_assert_str_eq(l.events[7].what, "separator");
        ck_assert_str_eq(l.events[8].what, "acpi-loader");
        ck_assert_str_eq(l.events[11].detail, "BootOrder: 0001 0000");
        ck_assert_str_eq(l.events[16].what, "gpt");
        ck_assert_str_eq(l.events[25].what, "grub-cmd");
        ck_assert_str_eq(l.events[25].detail, "defaultA=2");
        for (size_t i = 0; i < l.n_events; i++)
                if (strcmp(l.events[i].what, "cmdline") == 0)
                        cmdline = &l.events[i];
        ck_assert_ptr_nonnull(cmdline);
        /* README: the EV_IPL digest is SHA384 of the text after the prefix */
        {
                uint8_t d[48];

                ck_assert_int_eq(digest_buf(DIGEST_SHA384, cmdline->detail,
                                            strlen(cmdline->detail), d),
                                 0);
                ck_assert_mem_eq(d, cmdline->sha384, 48);
        }
        ck_assert_ptr_nonnull(strstr(cmdline->detail, "dm-mod.create=vroot"));
}
END_TEST

int main(void)
{
        Suite *s = suite_create("eventlog");
        TCase *tc = tcase_create("fixtures");

        tcase_add_test(tc, test_ccel_cos_replays_to_readme_values_and_quote);
        tcase_add_test(tc, test_ccel_ovmf_replays_to_readme_values);
        tcase_add_test(tc, test_dstack_getquote_json_replays_to_its_quote);
        tcase_add_test(tc, test_dstack_runtime_digest_is_type_name_payload_hash);
        tcase_add_test(tc, test_dstack_plain_list_and_string_forms_parse_alike);
        tcase_add_test(tc, test_ccel_table_fields);
        tcase_add_test(tc, test_ccel_table_in_front_or_separate_and_laml_bounds_the_area);
        tcase_add_test(tc, test_json_form_reads_back);
        tcase_add_test(tc, test_decoding_agrees_with_trustee_rendering);
        tcase_add_test(tc, test_cos_log_labels_and_grub_cmdline);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
