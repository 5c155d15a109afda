/* Golden files: written atomically, read back identically, and every broken
 * field reported with the file and the field's path. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "golden/golden.h"
#include "testutil.h"

static void make_golden(struct golden *g)
{
        struct golden_event ev = { .rtmr = 2, .type = 0x6, .digest_known = true,
                                   .what = (char *)"cmdline",
                                   .detail = (char *)"console=ttyS0 \"quoted\" <x>" };

        *g = (struct golden){ 0 };
        g->profile_name = strdup("fake");
        g->platform = strdup("fake");
        g->edk2 = strdup("2022");
        g->qemu = strdup("7.2");
        g->page_add = strdup("per-page");
        g->cmdline = strdup("console=ttyS0");
        g->memory = 2ull << 30;
        g->vcpus = 1;
        g->firmware.path = strdup("/usr/share/ovmf/OVMF.fd");
        g->firmware.have_sha256 = true;
        memset(g->firmware.sha256, 0x7b, sizeof(g->firmware.sha256));
        g->regs[GOLDEN_MRTD].present = g->regs[GOLDEN_MRTD].known = true;
        memset(g->regs[GOLDEN_MRTD].value, 0x4c, 48);
        ck_assert_int_eq(golden_set_unknown(g, GOLDEN_RTMR0, "ACPI tables not given"), 0);
        memset(ev.digest, 0xab, 48);
        ck_assert_int_eq(golden_add_event(g, &ev), 0);
        ev.digest_known = false;
        ev.rtmr = 0;
        ev.type = 0xA;
        ev.what = (char *)"acpi-tables";
        ev.detail = NULL;
        ck_assert_int_eq(golden_add_event(g, &ev), 0);
}

START_TEST(test_golden_round_trip_preserves_everything)
{
        char *dir = tmpdir_make(), *path = NULL;
        struct golden g, back = { 0 };
        struct tdxh_err e = { 0 };

        make_golden(&g);
        ck_assert_int_ge(asprintf(&path, "%s/golden.json", dir), 0);
        ck_assert_int_eq(golden_save(&g, path, &e), 0);
        ck_assert_int_eq(golden_load(path, &back, &e), 0);
        ck_assert_str_eq(back.profile_name, "fake");
        ck_assert_str_eq(back.cmdline, "console=ttyS0");
        ck_assert_uint_eq(back.memory, 2ull << 30);
        ck_assert_uint_eq(back.vcpus, 1);
        ck_assert(back.firmware.have_sha256);
        ck_assert_mem_eq(back.firmware.sha256, g.firmware.sha256, 32);
        ck_assert(back.regs[GOLDEN_MRTD].known);
        ck_assert_mem_eq(back.regs[GOLDEN_MRTD].value, g.regs[GOLDEN_MRTD].value, 48);
        ck_assert(back.regs[GOLDEN_RTMR0].present && !back.regs[GOLDEN_RTMR0].known);
        ck_assert_str_eq(back.regs[GOLDEN_RTMR0].unknown_reason, "ACPI tables not given");
        ck_assert(!back.regs[GOLDEN_RTMR3].present);
        ck_assert_uint_eq(back.n_events, 2);
        ck_assert_str_eq(back.events[0].detail, "console=ttyS0 \"quoted\" <x>");
        ck_assert_mem_eq(back.events[0].digest, g.events[0].digest, 48);
        ck_assert(!back.events[1].digest_known);
        ck_assert_uint_eq(back.events[1].type, 0xA);
        golden_free(&g);
        golden_free(&back);
        free(path);
        tmpdir_remove(dir);
}
END_TEST

static void expect_load_error(const char *json, const char *fragment)
{
        char *dir = tmpdir_make(), *path = NULL;
        struct golden g = { 0 };
        struct tdxh_err e = { 0 };

        ck_assert_int_ge(asprintf(&path, "%s/g.json", dir), 0);
        ck_assert_int_eq(file_write_atomic(path, json, strlen(json), 0644, NULL), 0);
        ck_assert_int_eq(golden_load(path, &g, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, fragment) != NULL, "message '%s' lacks '%s'", e.msg, fragment);
        ck_assert_msg(strstr(e.msg, path) != NULL, "message '%s' lacks the file", e.msg);
        ck_assert_ptr_null(strchr(e.msg, '\n'));
        free(path);
        tmpdir_remove(dir);
}

#define HEAD "{\"schema\":\"tdxh-golden/1\",\"profile\":{\"name\":\"fake\"},"

START_TEST(test_golden_load_names_the_broken_field)
{
        expect_load_error("{\"schema\":", "line 1, column 11 (byte 10): the JSON text ends there, "
                                            "unfinished (truncated?)");
        expect_load_error("", "empty file");
        expect_load_error("[]", "not a JSON object");
        expect_load_error("{\"schema\":\"other/2\"}", "schema");
        expect_load_error("{\"schema\":\"tdxh-golden/1\"}", "profile");
        expect_load_error(HEAD "\"registers\":{\"mrtd\":\"00\"},\"events\":[]}", "registers.mrtd");
        expect_load_error(HEAD "\"registers\":{\"rtmr9\":null},\"events\":[]}", "registers.rtmr9");
        expect_load_error(HEAD "\"registers\":{},\"events\":[{\"rtmr\":4,\"type\":\"EV_SEPARATOR\","
                               "\"digest\":null,\"what\":\"x\"}]}",
                          "events[0].rtmr");
        expect_load_error(HEAD "\"registers\":{},\"events\":[{\"rtmr\":1,\"type\":\"EV_BOGUS\","
                               "\"digest\":null,\"what\":\"x\"}]}",
                          "events[0].type");
        expect_load_error(HEAD "\"registers\":{},\"events\":[{\"rtmr\":1,\"type\":\"EV_SEPARATOR\","
                               "\"what\":\"x\"},{}]}",
                          "events[0].digest");
        expect_load_error(HEAD "\"inputs\":{\"memory\":\"2Q\"},\"registers\":{},\"events\":[]}",
                          "inputs.memory");
        expect_load_error(HEAD "\"registers\":{},\"events\":[]} x", "trailing data");
}
END_TEST

START_TEST(test_golden_load_missing_file_is_named)
{
        struct golden g = { 0 };
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(golden_load("/nonexistent/golden.json", &g, &e), -ENOENT);
        ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/golden.json"));
}
END_TEST

int main(void)
{
        Suite *s = suite_create("golden_file");
        TCase *tc = tcase_create("golden_file");

        tcase_add_test(tc, test_golden_round_trip_preserves_everything);
        tcase_add_test(tc, test_golden_load_names_the_broken_field);
        tcase_add_test(tc, test_golden_load_missing_file_is_named);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
