/* Event alignment: insertions, deletions and changed digests are told apart,
 * every event appears exactly once, and the exact pass finds a longest
 * common subsequence (checked against a plain dynamic programme). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/event_type.h"
#include "compare/align.h"
#include "testutil.h"

#define MAXN 64

/* Digest i: 48 bytes of value i (enough to make distinct digests). */
static uint8_t digests[256][48];

static void init_digests(void)
{
        for (int i = 0; i < 256; i++)
                memset(digests[i], i, 48);
}

static struct align_item item(uint32_t type, int digest, const char *what, const char *detail)
{
        return (struct align_item){ .type = type,
                                    .digest_known = digest >= 0,
                                    .digest = digest >= 0 ? digests[digest] : NULL,
                                    .what = what,
                                    .detail = detail };
}

/* Every index of both sides exactly once, in increasing order. */
static void check_cover(const struct align_row *rows, size_t n, size_t na, size_t nb)
{
        size_t next_a = 0, next_b = 0;

        for (size_t i = 0; i < n; i++) {
                if (rows[i].a != ALIGN_NONE) {
                        ck_assert_uint_eq(rows[i].a, next_a);
                        next_a++;
                }
                if (rows[i].b != ALIGN_NONE) {
                        ck_assert_uint_eq(rows[i].b, next_b);
                        next_b++;
                }
                ck_assert(rows[i].a != ALIGN_NONE || rows[i].b != ALIGN_NONE);
                ck_assert((rows[i].op == ALIGN_DELETED) == (rows[i].b == ALIGN_NONE));
                ck_assert((rows[i].op == ALIGN_INSERTED) == (rows[i].a == ALIGN_NONE));
        }
        ck_assert_uint_eq(next_a, na);
        ck_assert_uint_eq(next_b, nb);
}

/* An RTMR1-like sequence: kernel, calling, separator, exit boot services x2. */
static void rtmr1(struct align_item *v)
{
        v[0] = item(EV_EFI_BOOT_SERVICES_APPLICATION, 1, "kernel", NULL);
        v[1] = item(EV_EFI_ACTION, 2, "action", "Calling EFI Application from Boot Option");
        v[2] = item(EV_SEPARATOR, 3, "separator", NULL);
        v[3] = item(EV_EFI_ACTION, 4, "action", "Exit Boot Services Invocation");
        v[4] = item(EV_EFI_ACTION, 5, "action", "Exit Boot Services Returned with Success");
}

START_TEST(test_align_identical_sequences_are_all_same)
{
        struct align_item a[5], b[5];
        struct align_row *rows = NULL;
        size_t n = 0;

        rtmr1(a);
        rtmr1(b);
        ck_assert_int_eq(align_events(a, 5, b, 5, &rows, &n), 0);
        ck_assert_uint_eq(n, 5);
        for (size_t i = 0; i < n; i++)
                ck_assert_int_eq(rows[i].op, ALIGN_SAME);
        free(rows);
}
END_TEST

START_TEST(test_align_changed_digest_is_one_changed_row)
{
        struct align_item a[5], b[5];
        struct align_row *rows = NULL;
        size_t n = 0;

        rtmr1(a);
        rtmr1(b);
        b[0].digest = digests[99];
        ck_assert_int_eq(align_events(a, 5, b, 5, &rows, &n), 0);
        check_cover(rows, n, 5, 5);
        ck_assert_uint_eq(n, 5);
        ck_assert_int_eq(rows[0].op, ALIGN_CHANGED);
        ck_assert_uint_eq(rows[0].a, 0);
        ck_assert_uint_eq(rows[0].b, 0);
        for (size_t i = 1; i < n; i++)
                ck_assert_int_eq(rows[i].op, ALIGN_SAME);
        free(rows);
}
END_TEST

START_TEST(test_align_removed_and_inserted_events_are_found_in_place)
{
        struct align_item a[5], b[6];
        struct align_row *rows = NULL;
        size_t n = 0;

        rtmr1(a);
        /* observed: separator missing, and a "Returning from" action added */
        b[0] = a[0];
        b[1] = a[1];
        b[2] = item(EV_EFI_ACTION, 6, "action", "Returning from EFI Application from Boot Option");
        b[3] = a[1];
        b[4] = a[3];
        b[5] = a[4];
        ck_assert_int_eq(align_events(a, 5, b, 6, &rows, &n), 0);
        check_cover(rows, n, 5, 6);
        /* same, same?, ..., the separator deleted, two actions inserted */
        size_t del = 0, ins = 0, chg = 0;

        for (size_t i = 0; i < n; i++) {
                del += rows[i].op == ALIGN_DELETED;
                ins += rows[i].op == ALIGN_INSERTED;
                chg += rows[i].op == ALIGN_CHANGED;
                if (rows[i].op == ALIGN_DELETED)
                        ck_assert_uint_eq(rows[i].a, 2);
        }
        ck_assert_uint_eq(del, 1);
        ck_assert_uint_eq(ins, 2);
        /* Different action strings are different events, never "changed". */
        ck_assert_uint_eq(chg, 0);
        free(rows);
}
END_TEST

START_TEST(test_align_pairs_variables_by_name)
{
        struct align_item a[3], b[3];
        struct align_row *rows = NULL;
        size_t n = 0;

        a[0] = item(EV_EFI_VARIABLE_DRIVER_CONFIG, 10, "secureboot-var", "SecureBoot");
        a[1] = item(EV_EFI_VARIABLE_DRIVER_CONFIG, 11, "secureboot-var", "PK");
        a[2] = item(EV_EFI_VARIABLE_DRIVER_CONFIG, 12, "secureboot-var", "KEK");
        /* PK removed; KEK changed; db added */
        b[0] = a[0];
        b[1] = item(EV_EFI_VARIABLE_DRIVER_CONFIG, 20, "secureboot-var", "KEK");
        b[2] = item(EV_EFI_VARIABLE_DRIVER_CONFIG, 21, "secureboot-var", "db");
        ck_assert_int_eq(align_events(a, 3, b, 3, &rows, &n), 0);
        check_cover(rows, n, 3, 3);
        ck_assert_uint_eq(n, 4);
        ck_assert_int_eq(rows[0].op, ALIGN_SAME);
        ck_assert_int_eq(rows[1].op, ALIGN_DELETED); /* PK */
        ck_assert_uint_eq(rows[1].a, 1);
        ck_assert_int_eq(rows[2].op, ALIGN_CHANGED); /* KEK */
        ck_assert_uint_eq(rows[2].a, 2);
        ck_assert_uint_eq(rows[2].b, 1);
        ck_assert_int_eq(rows[3].op, ALIGN_INSERTED); /* db */
        free(rows);
}
END_TEST

START_TEST(test_align_unknown_golden_digest_is_unchecked)
{
        struct align_item a[3], b[3];
        struct align_row *rows = NULL;
        size_t n = 0;

        a[0] = item(EV_SEPARATOR, 3, "separator", NULL);
        a[1] = item(EV_PLATFORM_CONFIG_FLAGS, -1, "acpi-tables", NULL);
        a[2] = item(EV_EFI_VARIABLE_BOOT, 7, "boot-var", "BootOrder");
        b[0] = a[0];
        b[1] = item(EV_PLATFORM_CONFIG_FLAGS, 40, "acpi-tables", "ACPI DATA");
        b[2] = a[2];
        ck_assert_int_eq(align_events(a, 3, b, 3, &rows, &n), 0);
        ck_assert_uint_eq(n, 3);
        ck_assert_int_eq(rows[1].op, ALIGN_UNCHECKED);
        ck_assert_int_eq(rows[0].op, ALIGN_SAME);
        ck_assert_int_eq(rows[2].op, ALIGN_SAME);
        free(rows);
}
END_TEST

START_TEST(test_align_coarser_reader_labels_still_pair)
{
        struct align_item x = item(EV_PLATFORM_CONFIG_FLAGS, 1, "fwcfg-bootmenu", NULL);
        struct align_item y = item(EV_PLATFORM_CONFIG_FLAGS, 2, "fwcfg", "BootMenu");
        struct align_item z = item(EV_PLATFORM_CONFIG_FLAGS, 2, "acpi-loader", NULL);
        struct align_item u = item(EV_PLATFORM_CONFIG_FLAGS, 2, "unknown", NULL);
        struct align_item v1 = item(EV_EFI_VARIABLE_BOOT, 2, "boot-var",
                                    "8be4df61-93ca-11d2-aa0d-00e098032b8c:Boot0000");
        struct align_item v2 = item(EV_EFI_VARIABLE_BOOT, 3, "boot-var", "Boot0000 (UiApp)");

        ck_assert(align_same_event(&x, &y));
        ck_assert(!align_same_event(&x, &z));
        ck_assert(align_same_event(&z, &u));
        ck_assert(align_same_event(&v1, &v2));
        ck_assert_str_eq(align_op_name(ALIGN_INSERTED), "inserted");
}
END_TEST

/* Plain O(n·m) LCS length under exact equality, for comparison. */
static size_t lcs_len(const struct align_item *a, size_t na, const struct align_item *b, size_t nb)
{
        static size_t t[MAXN + 1][MAXN + 1];

        for (size_t i = 0; i <= na; i++)
                for (size_t j = 0; j <= nb; j++) {
                        if (i == 0 || j == 0)
                                t[i][j] = 0;
                        else if (a[i - 1].type == b[j - 1].type && a[i - 1].digest_known &&
                                 b[j - 1].digest_known &&
                                 memcmp(a[i - 1].digest, b[j - 1].digest, 48) == 0)
                                t[i][j] = t[i - 1][j - 1] + 1;
                        else
                                t[i][j] = t[i - 1][j] > t[i][j - 1] ? t[i - 1][j] : t[i][j - 1];
                }
        return t[na][nb];
}

START_TEST(test_align_random_sequences_cover_and_are_optimal)
{
        struct align_item a[MAXN], b[MAXN];
        unsigned seed = 12345;

        for (int round = 0; round < 400; round++) {
                size_t na = (size_t)rand_r(&seed) % MAXN, nb = (size_t)rand_r(&seed) % MAXN;
                int alphabet = 2 + rand_r(&seed) % 8;
                struct align_row *rows = NULL;
                size_t n = 0, same = 0;

                for (size_t i = 0; i < na; i++)
                        a[i] = item(EV_EVENT_TAG + (uint32_t)(rand_r(&seed) % 2),
                                    rand_r(&seed) % alphabet, NULL, NULL);
                for (size_t i = 0; i < nb; i++)
                        b[i] = item(EV_EVENT_TAG + (uint32_t)(rand_r(&seed) % 2),
                                    rand_r(&seed) % alphabet, NULL, NULL);
                ck_assert_int_eq(align_events(a, na, b, nb, &rows, &n), 0);
                check_cover(rows, n, na, nb);
                for (size_t i = 0; i < n; i++)
                        same += rows[i].op == ALIGN_SAME;
                ck_assert_uint_eq(same, lcs_len(a, na, b, nb));
                free(rows);
        }
}
END_TEST

START_TEST(test_align_long_logs_far_apart_still_cover)
{
        size_t na = 6000, nb = 6000;
        struct align_item *a = calloc(na, sizeof(*a)), *b = calloc(nb, sizeof(*b));
        struct align_row *rows = NULL;
        size_t n = 0, same = 0;

        ck_assert(a && b);
        /* Far more than ALIGN_MAX_EDITS differences: the fallback must still
         * produce a valid alignment. */
        for (size_t i = 0; i < na; i++) {
                a[i] = item(EV_EVENT_TAG, (int)(i % 251), NULL, NULL);
                b[i] = item(EV_EVENT_TAG, (int)((i * 7 + 3) % 251), NULL, NULL);
        }
        ck_assert_int_eq(align_events(a, na, b, nb, &rows, &n), 0);
        check_cover(rows, n, na, nb);
        free(rows);
        /* Few differences in a long log: exact. */
        for (size_t i = 0; i < nb; i++)
                b[i] = a[i];
        for (size_t i = 100; i < nb; i += 500)
                b[i] = item(EV_EVENT_TAG, 255, NULL, NULL);
        ck_assert_int_eq(align_events(a, na, b, nb, &rows, &n), 0);
        check_cover(rows, n, na, nb);
        for (size_t i = 0; i < n; i++)
                same += rows[i].op == ALIGN_SAME;
        ck_assert_uint_eq(same, na - 12);
        ck_assert_uint_eq(n, na);
        free(rows);
        free(a);
        free(b);
}
END_TEST

START_TEST(test_align_empty_sides)
{
        struct align_item a[5];
        struct align_row *rows = NULL;
        size_t n = 7;

        rtmr1(a);
        ck_assert_int_eq(align_events(a, 5, NULL, 0, &rows, &n), 0);
        ck_assert_uint_eq(n, 5);
        ck_assert_int_eq(rows[4].op, ALIGN_DELETED);
        free(rows);
        ck_assert_int_eq(align_events(NULL, 0, a, 5, &rows, &n), 0);
        ck_assert_uint_eq(n, 5);
        ck_assert_int_eq(rows[0].op, ALIGN_INSERTED);
        free(rows);
        rows = NULL;
        ck_assert_int_eq(align_events(NULL, 0, NULL, 0, &rows, &n), 0);
        ck_assert_uint_eq(n, 0);
        free(rows);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("align");
        TCase *tc = tcase_create("align");

        init_digests();
        tcase_add_test(tc, test_align_identical_sequences_are_all_same);
        tcase_add_test(tc, test_align_changed_digest_is_one_changed_row);
        tcase_add_test(tc, test_align_removed_and_inserted_events_are_found_in_place);
        tcase_add_test(tc, test_align_pairs_variables_by_name);
        tcase_add_test(tc, test_align_unknown_golden_digest_is_unchecked);
        tcase_add_test(tc, test_align_coarser_reader_labels_still_pair);
        tcase_add_test(tc, test_align_random_sequences_cover_and_are_optimal);
        tcase_add_test(tc, test_align_long_logs_far_apart_still_cover);
        tcase_add_test(tc, test_align_empty_sides);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
