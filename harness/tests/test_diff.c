/* Golden versus observed on the real trustee OVMF log: register status,
 * replay consistency, aligned rows, and the JSON and text renderings. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/event_type.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "fixture_events.h"
#include "compare/diff.h"
#include "testutil.h"

static void quote_registers(struct diff_observed *obs)
{
        for (int i = 0; i < 4; i++) {
                ck_assert_int_eq(hex_decode_exact(fixture_trustee_rtmr_hex[i],
                                                  obs->reg[GOLDEN_RTMR0 + i], 48),
                                 0);
                obs->have_reg[GOLDEN_RTMR0 + i] = true;
        }
        obs->reg_source = "quote q.dat";
}

static size_t count_status(const struct diff_register *R, enum align_op op)
{
        size_t n = 0;

        for (size_t i = 0; i < R->n_rows; i++)
                n += R->rows[i].op == op;
        return n;
}

START_TEST(test_diff_same_evidence_matches_and_replays)
{
        struct evlog log;
        struct golden g;
        struct diff_observed obs = { 0 };
        struct diff_result d;
        struct tdxh_err e = { 0 };

        fixture_trustee_log(&log);
        fixture_golden_from_log(&log, &g);
        obs.log = &log;
        quote_registers(&obs);
        ck_assert_int_eq(diff_run(&g, &obs, &d, &e), 0);
        ck_assert(d.match);
        ck_assert_uint_eq(d.n_compared, 4);
        ck_assert_int_eq(d.regs[GOLDEN_MRTD].status, DIFF_REG_NOT_LISTED);
        for (int r = GOLDEN_RTMR0; r <= GOLDEN_RTMR3; r++) {
                ck_assert_int_eq(d.regs[r].status, DIFF_REG_MATCH);
                ck_assert_int_eq(d.regs[r].replay, DIFF_REPLAY_OK);
                ck_assert_int_eq(d.regs[r].golden_fold, d.regs[r].n_golden ? DIFF_FOLD_OK : DIFF_FOLD_NONE);
        }
        ck_assert_uint_eq(d.regs[GOLDEN_RTMR0].n_golden, 14);
        ck_assert_uint_eq(d.regs[GOLDEN_RTMR0].n_same, 14);
        ck_assert_uint_eq(d.regs[GOLDEN_RTMR1].n_observed, 4);
        ck_assert_uint_eq(d.regs[GOLDEN_RTMR2].n_observed, 2);
        diff_result_free(&d);
        fixture_golden_free(&g);
        fixture_log_free(&log);
}
END_TEST

START_TEST(test_diff_changed_digest_is_a_changed_row_and_mismatch)
{
        struct evlog log;
        struct golden g;
        struct diff_observed obs = { 0 };
        struct diff_result d;
        uint8_t other[48];
        size_t k;

        fixture_trustee_log(&log);
        fixture_golden_from_log(&log, &g);
        k = fixture_find(&log, "kernel");
        memset(other, 0xab, sizeof(other));
        fixture_set_digest(&log, k, other);
        obs.log = &log;
        ck_assert_int_eq(diff_run(&g, &obs, &d, NULL), 0);
        ck_assert(!d.match);
        ck_assert_uint_eq(d.n_mismatched, 1);
        ck_assert_int_eq(d.regs[GOLDEN_RTMR1].status, DIFF_REG_MISMATCH);
        ck_assert_str_eq(d.regs[GOLDEN_RTMR1].observed_source, "log");
        ck_assert_int_eq(d.regs[GOLDEN_RTMR1].replay, DIFF_REPLAY_NONE);
        ck_assert_int_eq(d.regs[GOLDEN_RTMR1].rows[0].op, ALIGN_CHANGED);
        ck_assert_uint_eq(d.regs[GOLDEN_RTMR1].n_changed, 1);
        ck_assert_uint_eq(d.regs[GOLDEN_RTMR1].n_same, 3);
        ck_assert_int_eq(d.regs[GOLDEN_RTMR0].status, DIFF_REG_MATCH);
        diff_result_free(&d);
        fixture_golden_free(&g);
        fixture_log_free(&log);
}
END_TEST

START_TEST(test_diff_log_that_does_not_replay_is_reported_first)
{
        struct evlog log;
        struct golden g;
        struct diff_observed obs = { 0 };
        struct diff_result d;
        struct buf b = BUF_INIT;
        uint8_t other[48];

        fixture_trustee_log(&log);
        fixture_golden_from_log(&log, &g);
        memset(other, 0x11, sizeof(other));
        fixture_set_digest(&log, fixture_find(&log, "initrd"), other);
        obs.log = &log;
        quote_registers(&obs); /* the original boot's registers */
        ck_assert_int_eq(diff_run(&g, &obs, &d, NULL), 0);
        ck_assert(!d.match);
        ck_assert_uint_eq(d.n_not_replaying, 1);
        ck_assert_int_eq(d.regs[GOLDEN_RTMR2].replay, DIFF_REPLAY_MISMATCH);
        /* The registers themselves equal the golden ones. */
        ck_assert_int_eq(d.regs[GOLDEN_RTMR2].status, DIFF_REG_MATCH);
        ck_assert_int_eq(diff_format_text(&d, -1, 1, &b), 0);
        ck_assert_msg(strncmp(b.data, "The event log does not replay to RTMR2", 38) == 0, "%s", b.data);
        ck_assert_ptr_nonnull(strstr(b.data, "THE EVENT LOG DOES NOT REPLAY"));
        buf_free(&b);
        diff_result_free(&d);
        fixture_golden_free(&g);
        fixture_log_free(&log);
}
END_TEST

START_TEST(test_diff_removed_and_inserted_events)
{
        struct evlog log;
        struct golden g;
        struct diff_observed obs = { 0 };
        struct diff_result d;
        const struct diff_register *R0, *R1;
        uint8_t dg[48];

        fixture_trustee_log(&log);
        fixture_golden_from_log(&log, &g);
        /* Remove the PK variable event, insert an extra action in RTMR1. */
        for (size_t i = 0; i < log.n_events; i++)
                if (log.events[i].detail && strcmp(log.events[i].detail, "PK") == 0) {
                        fixture_remove(&log, i);
                        break;
                }
        memset(dg, 0x31, sizeof(dg));
        fixture_insert(&log, fixture_find(&log, "kernel") + 1, 1, EV_EFI_ACTION, dg, "action",
                       "Returning from EFI Application from Boot Option");
        obs.log = &log;
        ck_assert_int_eq(diff_run(&g, &obs, &d, NULL), 0);
        R0 = &d.regs[GOLDEN_RTMR0];
        R1 = &d.regs[GOLDEN_RTMR1];
        ck_assert_int_eq(R0->status, DIFF_REG_MISMATCH);
        ck_assert_uint_eq(count_status(R0, ALIGN_DELETED), 1);
        ck_assert_uint_eq(count_status(R0, ALIGN_INSERTED), 0);
        ck_assert_uint_eq(count_status(R0, ALIGN_CHANGED), 0);
        for (size_t i = 0; i < R0->n_rows; i++)
                if (R0->rows[i].op == ALIGN_DELETED)
                        ck_assert_str_eq(R0->golden_events[R0->rows[i].a].detail, "PK");
        ck_assert_int_eq(R1->status, DIFF_REG_MISMATCH);
        ck_assert_uint_eq(R1->n_inserted, 1);
        ck_assert_int_eq(R1->rows[1].op, ALIGN_INSERTED);
        ck_assert_str_eq(R1->observed_events[R1->rows[1].b].detail,
                         "Returning from EFI Application from Boot Option");
        diff_result_free(&d);
        fixture_golden_free(&g);
        fixture_log_free(&log);
}
END_TEST

START_TEST(test_diff_unknown_golden_values_are_unchecked_not_mismatch)
{
        struct evlog log;
        struct golden g;
        struct diff_observed obs = { 0 };
        struct diff_result d;
        size_t t;

        fixture_trustee_log(&log);
        fixture_golden_from_log(&log, &g);
        /* A prediction that could not compute the ACPI tables digest. */
        for (t = 0; t < g.n_events && strcmp(g.events[t].what, "acpi-tables") != 0; t++)
                ;
        ck_assert_uint_lt(t, g.n_events);
        g.events[t].digest_known = false;
        g.regs[GOLDEN_RTMR0].known = false;
        g.regs[GOLDEN_RTMR0].unknown_reason = strdup("ACPI tables not computed");
        obs.log = &log;
        ck_assert_int_eq(diff_run(&g, &obs, &d, NULL), 0);
        ck_assert(d.match);
        ck_assert_int_eq(d.regs[GOLDEN_RTMR0].status, DIFF_REG_UNKNOWN);
        ck_assert_uint_eq(d.regs[GOLDEN_RTMR0].n_unchecked, 1);
        ck_assert_str_eq(d.regs[GOLDEN_RTMR0].golden_unknown_reason, "ACPI tables not computed");
        ck_assert_int_eq(d.regs[GOLDEN_RTMR0].golden_fold, DIFF_FOLD_NONE);
        diff_result_free(&d);
        /* ... but a known event that differs still makes it a mismatch. */
        log.events[0].sha384[0] ^= 1;
        ck_assert_int_eq(diff_run(&g, &obs, &d, NULL), 0);
        ck_assert_int_eq(d.regs[GOLDEN_RTMR0].status, DIFF_REG_MISMATCH);
        diff_result_free(&d);
        fixture_golden_free(&g);
        fixture_log_free(&log);
}
END_TEST

START_TEST(test_diff_flags_golden_file_that_contradicts_itself)
{
        struct evlog log;
        struct golden g;
        struct diff_observed obs = { 0 };
        struct diff_result d;

        fixture_trustee_log(&log);
        fixture_golden_from_log(&log, &g);
        g.regs[GOLDEN_RTMR2].value[5] ^= 0x40;
        obs.log = &log;
        ck_assert_int_eq(diff_run(&g, &obs, &d, NULL), 0);
        ck_assert_int_eq(d.regs[GOLDEN_RTMR2].golden_fold, DIFF_FOLD_MISMATCH);
        ck_assert_int_eq(d.regs[GOLDEN_RTMR2].status, DIFF_REG_MISMATCH);
        ck_assert_uint_eq(d.regs[GOLDEN_RTMR2].n_same, 2);
        diff_result_free(&d);
        fixture_golden_free(&g);
        fixture_log_free(&log);
}
END_TEST

START_TEST(test_diff_event_without_digest_leaves_other_registers_checkable)
{
        struct evlog log;
        struct golden g;
        struct diff_observed obs = { 0 };
        struct diff_result d;

        fixture_trustee_log(&log);
        fixture_golden_from_log(&log, &g);
        log.events[fixture_find(&log, "cmdline")].has_sha384 = false;
        obs.log = &log;
        quote_registers(&obs);
        ck_assert_int_eq(diff_run(&g, &obs, &d, NULL), 0);
        ck_assert_int_eq(d.regs[GOLDEN_RTMR2].replay, DIFF_REPLAY_INCOMPLETE);
        ck_assert_uint_eq(d.regs[GOLDEN_RTMR2].replay_missing_index, fixture_find(&log, "cmdline"));
        ck_assert_int_eq(d.regs[GOLDEN_RTMR1].replay, DIFF_REPLAY_OK);
        /* The quote's RTMR2 equals the golden one; the event is unchecked. */
        ck_assert_int_eq(d.regs[GOLDEN_RTMR2].status, DIFF_REG_MATCH);
        ck_assert_uint_eq(d.regs[GOLDEN_RTMR2].n_unchecked, 1);
        diff_result_free(&d);
        fixture_golden_free(&g);
        fixture_log_free(&log);
}
END_TEST

START_TEST(test_diff_registers_only_and_mrtd)
{
        struct golden g = { 0 };
        struct diff_observed obs = { 0 };
        struct diff_result d;

        g.regs[GOLDEN_MRTD].present = g.regs[GOLDEN_MRTD].known = true;
        memset(g.regs[GOLDEN_MRTD].value, 0x42, 48);
        g.regs[GOLDEN_RTMR0].present = true; /* unknown, no reason */
        obs.have_reg[GOLDEN_MRTD] = true;
        memset(obs.reg[GOLDEN_MRTD], 0x43, 48);
        ck_assert_int_eq(diff_run(&g, &obs, &d, NULL), 0);
        ck_assert(!d.match);
        ck_assert_int_eq(d.regs[GOLDEN_MRTD].status, DIFF_REG_MISMATCH);
        ck_assert(!d.regs[GOLDEN_MRTD].compared);
        ck_assert_int_eq(d.regs[GOLDEN_RTMR0].status, DIFF_REG_UNKNOWN);
        ck_assert_int_eq(d.regs[GOLDEN_RTMR1].status, DIFF_REG_NOT_LISTED);
        diff_result_free(&d);
}
END_TEST

START_TEST(test_diff_rejects_golden_event_with_bad_rtmr)
{
        struct golden_event ev = { .rtmr = 7, .what = (char *)"kernel" };
        struct golden g = { .events = &ev, .n_events = 1 };
        struct diff_observed obs = { 0 };
        struct diff_result d;
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(diff_run(&g, &obs, &d, &e), -EINVAL);
        ck_assert_str_eq(e.msg, "golden events[0].rtmr: 7 is not 0..3");
}
END_TEST

START_TEST(test_diff_json_and_text_renderings)
{
        struct evlog log;
        struct golden g;
        struct diff_observed obs = { 0 };
        struct diff_result d;
        json_object *j = NULL, *regs, *r1, *rows, *v;
        struct buf b = BUF_INIT;
        uint8_t other[48];

        fixture_trustee_log(&log);
        fixture_golden_from_log(&log, &g);
        memset(other, 0xab, sizeof(other));
        fixture_set_digest(&log, fixture_find(&log, "kernel"), other);
        /* Arbitrary bytes in event text reach every renderer sanitised. */
        fixture_set_detail(&log, fixture_find(&log, "kernel"), "File(<k\xff\x01>&\"')");
        obs.log = &log;
        obs.log_name = "ccel.bin";
        ck_assert_int_eq(diff_run(&g, &obs, &d, NULL), 0);
        ck_assert_int_eq(diff_to_json(&d, false, &j), 0);
        ck_assert(json_object_object_get_ex(j, "schema", &v));
        ck_assert_str_eq(json_object_get_string(v), DIFF_SCHEMA);
        ck_assert(json_object_object_get_ex(j, "registers", &regs));
        ck_assert_uint_eq(json_object_array_length(regs), 5);
        r1 = json_object_array_get_idx(regs, 2);
        ck_assert(json_object_object_get_ex(r1, "status", &v));
        ck_assert_str_eq(json_object_get_string(v), "mismatch");
        ck_assert(json_object_object_get_ex(r1, "rows", &rows));
        /* the changed row and one row of context */
        ck_assert_uint_eq(json_object_array_length(rows), 2);
        v = json_object_array_get_idx(rows, 0);
        ck_assert_str_eq(json_object_get_string(json_object_object_get(v, "status")), "changed");
        v = json_object_object_get(v, "observed");
        ck_assert_str_eq(json_object_get_string(json_object_object_get(v, "detail")),
                         "File(<k\\xff\\x01>&\"')");
        ck_assert_str_eq(json_object_get_string(json_object_object_get(v, "type")),
                         "EV_EFI_BOOT_SERVICES_APPLICATION");
        json_object_put(j);

        ck_assert_int_eq(diff_format_text(&d, -1, 1, &b), 0);
        ck_assert_ptr_nonnull(strstr(b.data, "RTMR0: match 8566f998"));
        ck_assert_ptr_nonnull(strstr(b.data, "RTMR1: MISMATCH\n"));
        ck_assert_ptr_nonnull(strstr(b.data, "(replay of the event log)"));
        ck_assert_ptr_nonnull(strstr(b.data, "    ~ changed        0        0  "
                                             "EV_EFI_BOOT_SERVICES_APPLICATION kernel          "
                                             "a2ccae1e7d6c668c.. -> abababababababab.."));
        ck_assert_ptr_nonnull(strstr(b.data, "'File(<k\\xff\\x01>&\"')'"));
        ck_assert_ptr_nonnull(strstr(b.data, "... 2 same events"));
        buf_free(&b);
        diff_result_free(&d);
        fixture_golden_free(&g);
        fixture_log_free(&log);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("diff");
        TCase *tc = tcase_create("diff");

        tcase_add_test(tc, test_diff_same_evidence_matches_and_replays);
        tcase_add_test(tc, test_diff_changed_digest_is_a_changed_row_and_mismatch);
        tcase_add_test(tc, test_diff_log_that_does_not_replay_is_reported_first);
        tcase_add_test(tc, test_diff_removed_and_inserted_events);
        tcase_add_test(tc, test_diff_unknown_golden_values_are_unchecked_not_mismatch);
        tcase_add_test(tc, test_diff_flags_golden_file_that_contradicts_itself);
        tcase_add_test(tc, test_diff_event_without_digest_leaves_other_registers_checkable);
        tcase_add_test(tc, test_diff_registers_only_and_mrtd);
        tcase_add_test(tc, test_diff_rejects_golden_event_with_bad_rtmr);
        tcase_add_test(tc, test_diff_json_and_text_renderings);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
