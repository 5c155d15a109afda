/* Bad input that points at the mistake: every case is exit 2, nothing on
 * stdout, and one line on stderr that names the file and what is wrong with
 * it (swapped arguments, an empty file, where a truncated golden file ends,
 * a file of no known kind, an empty event log, an unwritable report
 * directory), never a json-c word. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/file.h"
#include "compare/observed.h"
#include "testutil.h"

static char *dir;
static char *golden, *log_bin, *quote, *empty, *cut, *hello, *no_events, *blocker, *registers;

static char *tmp_file(const char *name, const char *text, size_t len)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
        if (text)
                ck_assert_int_eq(file_write_atomic(p, text, len, 0644, NULL), 0);
        return p;
}

static void setup(void)
{
        struct observed o;
        struct golden g;
        size_t len;
        char *text;

        dir = tmpdir_make();
        log_bin = fixture_path("trustee/CCEL_data_ovmf");
        quote = fixture_path("go-tdx-guest/ccel/cos-113-tdx-quote.dat");
        golden = tmp_file("golden.json", NULL, 0);
        ck_assert_int_eq(observed_load((const char *[]){ log_bin }, 1, &o, NULL), 0);
        ck_assert_int_eq(observed_to_golden(&o, "tdx-edk2-202302-qemu-10.1", &g, NULL), 0);
        ck_assert_int_eq(golden_save(&g, golden, NULL), 0);
        golden_free(&g);
        observed_free(&o);
        text = (char *)slurp(golden, &len);
        cut = tmp_file("cut.json", text, 300);
        free(text);
        empty = tmp_file("empty.json", "", 0);
        hello = tmp_file("hello.txt", "hello\n", 6);
        no_events = tmp_file("events.json", "[]\n", 3);
        /* a file where the report directory's parent should be */
        blocker = tmp_file("blocker", "x", 1);
        registers = test_data_path("interop/registers.json");
}

static void teardown(void)
{
        tmpdir_remove(dir);
        free(golden);
        free(log_bin);
        free(quote);
        free(empty);
        free(cut);
        free(hello);
        free(no_events);
        free(blocker);
        free(registers);
}

struct bad_input {
        const char *argv[10]; /* "@G" golden, "@L" log, "@Q" quote, "@E" empty, "@C" cut,
                                 "@H" hello, "@N" [], "@R" register values,
                                 "@B/x" under the blocker */
        const char *fragments[3];
};

static const struct bad_input cases[] = {
        { { "diff", "@L", "@G" },
          { "CCEL_data_ovmf: the first argument must be a golden file", "reads as an event log",
            "the arguments look swapped (tdxh diff @G @L)" } },
        { { "explain", "@L", "@G" }, { "the arguments look swapped (tdxh explain @G @L)" } },
        { { "diff", "@Q", "@L" },
          { "cos-113-tdx-quote.dat: the first argument must be a golden file", "reads as a quote" } },
        { { "verify", "--quote", "@L", "--event-log", "@Q" },
          { "CCEL_data_ovmf: --quote needs a quote, and this reads as an event log",
            "reads as a quote: the two look swapped" } },
        { { "diff", "@E", "@L" }, { "empty.json: empty file" } },
        { { "diff", "@G", "@E" }, { "empty.json: empty file" } },
        { { "diff", "@C", "@L" },
          { "cut.json: line ", "(byte 300): the JSON text ends there, unfinished (truncated?)" } },
        { { "diff", "@G", "@H" }, { "hello.txt: not a quote, TD report, event log or register JSON" } },
        { { "diff", "@G", "@N" }, { "events.json: empty event log" } },
        { { "inspect", "@H" }, { "hello.txt: not a quote, TD report, CCEL table or event log" } },
        { { "inspect", "@N" }, { "events.json: empty event log" } },
        { { "inspect", "@C" }, { "cut.json: line ", "the JSON text ends there" } },
        { { "diff", "@G", "@G" }, { "golden.json: a golden file where evidence was expected" } },
        { { "diff", "@R", "@G" },
          { "golden.json: a golden file where evidence was expected, and ",
            "registers.json was read as register values: the arguments look swapped (tdxh diff @G @R)" } },
        { { "diff", "--report-dir", "@B/reports", "@G", "@L" }, { "blocker/reports", "--report-dir" } },
        { { "explain", "--report-dir", "@B/reports", "@G", "@L" }, { "blocker/reports" } },
};

static const char *expand(const char *arg, char *buf, size_t size)
{
        const char *base = NULL;

        if (arg[0] != '@')
                return arg;
        switch (arg[1]) {
        case 'G': base = golden; break;
        case 'L': base = log_bin; break;
        case 'Q': base = quote; break;
        case 'E': base = empty; break;
        case 'C': base = cut; break;
        case 'H': base = hello; break;
        case 'N': base = no_events; break;
        case 'B': base = blocker; break;
        case 'R': base = registers; break;
        default: ck_abort_msg("bad placeholder %s", arg);
        }
        snprintf(buf, size, "%s%s", base, arg + 2);
        return buf;
}

/* Placeholders in a fragment expanded as in argv. */
static void expand_text(const char *text, char *out, size_t size)
{
        size_t n = 0;

        for (const char *p = text; *p && n + 1 < size; p++) {
                char buf[512];

                if (p[0] == '@' && p[1]) {
                        char ph[3] = { '@', p[1], 0 };
                        const char *v = expand(ph, buf, sizeof(buf));

                        n += (size_t)snprintf(out + n, size - n, "%s", v);
                        p++;
                        continue;
                }
                out[n++] = *p;
        }
        out[n < size ? n : size - 1] = '\0';
}

START_TEST(test_bad_input_points_at_the_mistake)
{
        const struct bad_input *c = &cases[_i];
        char bufs[10][512];
        const char *argv[11] = { 0 };
        struct run_result r;

        for (size_t k = 0; k < 10 && c->argv[k]; k++)
                argv[k] = expand(c->argv[k], bufs[k], sizeof(bufs[k]));
        run_tdxh(&r, argv);
        ck_assert_msg(r.status == 2, "%s %s: exit %d\n%s", argv[0], argv[1], r.status, r.err);
        ck_assert_msg(r.out[0] == '\0', "%s %s printed: %s", argv[0], argv[1], r.out);
        ck_assert_msg(strchr(r.err, '\n') == r.err + strlen(r.err) - 1, "not one line: %s", r.err);
        ck_assert_msg(!strstr(r.err, "continue") && !strstr(r.err, "TCG2"), "%s", r.err);
        for (size_t k = 0; k < 3 && c->fragments[k]; k++) {
                char want[1024];

                expand_text(c->fragments[k], want, sizeof(want));
                ck_assert_msg(strstr(r.err, want), "'%s' lacks '%s'", r.err, want);
        }
        run_result_free(&r);
}
END_TEST

/* An empty --initrd is measured as QEMU would, but not silently. */
START_TEST(test_empty_initrd_is_warned_about)
{
        struct run_result r;
        char *want = NULL;

        run_tdxh(&r, (const char *[]){ "explain", golden, log_bin, "--initrd", empty, NULL });
        ck_assert_msg(r.status == 0, "%s", r.err);
        ck_assert_int_ge(asprintf(&want, "tdxh: warning: --initrd %s: empty file (measured as initrd "
                                         "of 0 bytes)\n", empty), 0);
        ck_assert_str_eq(r.err, want);
        free(want);
        run_result_free(&r);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("cli_bad_input");
        TCase *tc = tcase_create("cli_bad_input");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_loop_test(tc, test_bad_input_points_at_the_mistake, 0,
                            (int)(sizeof(cases) / sizeof(cases[0])));
        tcase_add_test(tc, test_empty_initrd_is_warned_about);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
