/* Reference values published by other tools, read as the golden side of
 * diff and explain: trustee's parsed event-log JSON (the real upstream test
 * file), virtee/tdx-measure's measurement JSON and a plain register file
 * (samples in tests/data/interop/, README.md there), each detected, turned
 * into the golden model, and named in the output. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "core/hex.h"
#include "fixture_events.h"
#include "compare/observed.h"
#include "compare/reference.h"
#include "testutil.h"

struct form_case {
        const char *file;       /* "real/..." or "interop/..." under tests/data */
        enum reference_form form;
        const char *registers;  /* the registers it gives: "m0123" */
        size_t n_events;
};

static const struct form_case forms[] = {
        { "real/trustee/CCEL_data_ovmf_out.json", REFERENCE_TRUSTEE_LOG, "0123", 20 },
        { "interop/tdx-measure-expected.json", REFERENCE_REGISTERS, "12", 0 },
        { "interop/registers.json", REFERENCE_REGISTERS, "m0123", 0 },
};

START_TEST(test_reference_forms_are_detected)
{
        const struct form_case *c = &forms[_i];
        char *path = test_data_path(c->file);
        struct golden g = { 0 };
        enum reference_form form;
        struct tdxh_err e = { 0 };

        ck_assert_msg(reference_load(path, &g, &form, &e) == 0, "%s", e.msg);
        ck_assert_int_eq(form, c->form);
        ck_assert_uint_eq(g.n_events, c->n_events);
        for (int i = 0; i < GOLDEN_NREGS; i++) {
                char id = i == GOLDEN_MRTD ? 'm' : (char)('0' + i - GOLDEN_RTMR0);

                ck_assert_msg(g.regs[i].known == (strchr(c->registers, id) != NULL), "%s: %s", c->file,
                              golden_reg_name((enum golden_reg)i));
        }
        /* trustee's log and tdx-measure's sample are of the trustee boot */
        for (int i = 1; i <= 2 && c->form != REFERENCE_GOLDEN && strstr(c->file, "registers") == NULL; i++) {
                uint8_t want[48];

                ck_assert_int_eq(hex_decode_exact(fixture_trustee_rtmr_hex[i], want, 48), 0);
                ck_assert_mem_eq(g.regs[GOLDEN_RTMR0 + i].value, want, 48);
        }
        golden_free(&g);
        free(path);
}
END_TEST

START_TEST(test_reference_refuses_what_it_is_not)
{
        char *dir = tmpdir_make(), *bad = NULL, *other = NULL;
        char *log = fixture_path("trustee/CCEL_data_ovmf");
        struct golden g = { 0 };
        enum reference_form form;
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(reference_load(log, &g, &form, &e), -EMEDIUMTYPE);
        err_clear(&e);
        ck_assert_int_ge(asprintf(&bad, "%s/bad.json", dir), 0);
        ck_assert_int_eq(file_write_atomic(bad, "{\"rtmr1\": \"12zz\"}", 17, 0644, NULL), 0);
        ck_assert_int_eq(reference_load(bad, &g, &form, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "bad.json: rtmr1: not 96 hex digits"));
        err_clear(&e);
        ck_assert_int_ge(asprintf(&other, "%s/other.json", dir), 0);
        ck_assert_int_eq(file_write_atomic(other, "{\"name\": 1}", 11, 0644, NULL), 0);
        ck_assert_int_eq(reference_load(other, &g, &form, &e), -EMEDIUMTYPE);
        ck_assert_ptr_nonnull(strstr(e.msg, "other.json: not a golden file, trustee event-log JSON or "
                                            "register values"));
        free(bad);
        free(other);
        free(log);
        tmpdir_remove(dir);
}
END_TEST

struct cli_case {
        const char *golden, *evidence;
        const char *first_line; /* after "golden: PATH " */
        const char *form_key;
};

static const struct cli_case cli_cases[] = {
        { "interop/tdx-measure-expected.json", "real/trustee/CCEL_data_ovmf",
          "(register values: registers only, events unknown)", "registers" },
        { "interop/registers.json", "real/go-tdx-guest/ccel/cos-113-tdx-quote.dat",
          "(register values: registers only, events unknown)", "registers" },
        { "real/trustee/CCEL_data_ovmf_out.json", "real/trustee/CCEL_data_ovmf",
          "(trustee event-log JSON: its events and the RTMRs they replay to)", "trustee-eventlog" },
};

START_TEST(test_cli_compares_against_published_values)
{
        const struct cli_case *c = &cli_cases[_i];
        char *golden = test_data_path(c->golden), *evidence = test_data_path(c->evidence);
        char *want = NULL;
        struct run_result r;
        json_object *j;

        for (int explain = 0; explain <= 1; explain++) {
                run_tdxh(&r, (const char *[]){ explain ? "explain" : "diff", golden, evidence, NULL });
                ck_assert_msg(r.status == 0, "%s: %s%s", c->golden, r.out, r.err);
                ck_assert_int_ge(asprintf(&want, "golden: %s %s\n", golden, c->first_line), 0);
                ck_assert_msg(strncmp(r.out, want, strlen(want)) == 0, "%s", r.out);
                free(want);
                run_result_free(&r);
        }
        run_tdxh(&r, (const char *[]){ "diff", "--json", golden, evidence, NULL });
        ck_assert_int_eq(r.status, 0);
        j = json_tokener_parse(r.out);
        ck_assert_ptr_nonnull(j);
        ck_assert_str_eq(json_object_get_string(json_object_object_get(j, "golden_form")), c->form_key);
        json_object_put(j);
        run_result_free(&r);
        free(golden);
        free(evidence);
}
END_TEST

/* A published value that the evidence does not have is a mismatch. */
START_TEST(test_cli_published_values_mismatch)
{
        char *golden = test_data_path("interop/registers.json");
        char *evidence = fixture_path("trustee/CCEL_data_ovmf");
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "diff", golden, evidence, NULL });
        ck_assert_int_eq(r.status, 1);
        ck_assert_ptr_nonnull(strstr(r.out, "RTMR1: MISMATCH"));
        run_result_free(&r);
        free(golden);
        free(evidence);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("reference");
        TCase *tc = tcase_create("reference");

        tcase_add_loop_test(tc, test_reference_forms_are_detected, 0,
                            (int)(sizeof(forms) / sizeof(forms[0])));
        tcase_add_test(tc, test_reference_refuses_what_it_is_not);
        tcase_add_loop_test(tc, test_cli_compares_against_published_values, 0,
                            (int)(sizeof(cli_cases) / sizeof(cli_cases[0])));
        tcase_add_test(tc, test_cli_published_values_mismatch);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
