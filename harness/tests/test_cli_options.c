/* Every command reads its options one way (harness/cli/options.c): a bad
 * option, a missing value or a value that does not parse gives exit 2 and
 * exactly two lines on stderr, "tdxh CMD: MESSAGE" naming the option once
 * and the hint to run --help; sizes, counts and hex are read by the same
 * parsers everywhere; and the strict number reader behind the counts (and
 * the agent's --wait) refuses what atoi() used to let through. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "core/number.h"
#include "testutil.h"

struct bad_case {
        const char *argv[10];
        const char *cmd;     /* the command named at the start of the message */
        const char *message; /* the rest of the first line, exactly */
        const char *option;  /* appears exactly once in the first line */
};

static const struct bad_case bad_cases[] = {
        { { "golden", "compute", "--bogus" }, "golden compute", "unknown option '--bogus'", "--bogus" },
        { { "golden", "compute", "--profile", "fake", "--memory" }, "golden compute",
          "option '--memory' needs a value", "--memory" },
        { { "golden", "compute", "--memory", "2Q" }, "golden compute",
          "--memory: '2Q' is not a memory size (e.g. 2G, 1536M)", "--memory" },
        { { "golden", "compute", "--vcpus", "0" }, "golden compute",
          "--vcpus: '0' is not a vCPU count (1 to 4096)", "--vcpus" },
        /* the value left out: the next option is not taken as the value */
        { { "golden", "compute", "--profile", "fake", "--acpi-from-log", "--json" }, "golden compute",
          "option '--acpi-from-log' needs a value", "--acpi-from-log" },
        { { "golden", "compute", "--acpi-from-log", "--profile", "fake" }, "golden compute",
          "option '--acpi-from-log' needs a value", "--acpi-from-log" },
        { { "golden", "compute", "-o", "--json" }, "golden compute", "option '-o' needs a value", "-o" },
        { { "explain", "g", "o", "--kernel", "--initrd", "i" }, "explain",
          "option '--kernel' needs a value", "--kernel" },
        { { "golden", "compute", "--json=yes" }, "golden compute", "option '--json' takes no value",
          "--json" },
        { { "golden", "compute", "-x" }, "golden compute", "unknown option '-x'", "-x" },
        { { "golden", "--bogus" }, "golden", "unknown option '--bogus'", "--bogus" },
        { { "golden", "frobnicate" }, "golden", "unknown subcommand 'frobnicate'", "frobnicate" },
        { { "golden", "record", "--bogus" }, "golden record", "unknown option '--bogus'", "--bogus" },
        { { "golden", "record", "-o" }, "golden record", "option '-o' needs a value", "-o" },
        { { "golden", "profiles", "--bogus" }, "golden profiles", "unknown option '--bogus'", "--bogus" },
        { { "golden", "profiles", "extra" }, "golden profiles", "unexpected argument 'extra'", "extra" },
        { { "boot", "--bogus" }, "boot", "unknown option '--bogus'", "--bogus" },
        { { "boot", "--image", "x", "--vcpus", "12abc" }, "boot",
          "--vcpus: '12abc' is not a vCPU count (1 to 288)", "--vcpus" },
        { { "boot", "--image", "x", "--timeout", "-1" }, "boot",
          "--timeout: '-1' is not a number of seconds (1 to 86400)", "--timeout" },
        { { "boot", "--image", "x", "--memory", "" }, "boot",
          "--memory: '' is not a memory size (e.g. 2G, 1536M)", "--memory" },
        { { "boot", "--image" }, "boot", "option '--image' needs a value", "--image" },
        { { "run", "--bogus", "s.yaml" }, "run", "unknown option '--bogus'", "--bogus" },
        { { "run", "s.yaml", "--jobs", "0" }, "run", "--jobs: '0' is not a number of jobs (1 to 16)",
          "--jobs" },
        { { "run", "s.yaml", "--jobs" }, "run", "option '--jobs' needs a value", "--jobs" },
        { { "run", "s.yaml", "--json=1" }, "run", "option '--json' takes no value", "--json" },
        { { "run", "s.yaml", "--backend", "kvm" }, "run",
          "--backend: 'kvm' is not a backend (fake, qemu-tdx, libvirt)", "--backend" },
        { { "diff", "--firmware", "f", "g", "o" }, "diff", "unknown option '--firmware'", "--firmware" },
        { { "explain", "g", "o", "--memory", "3X" }, "explain",
          "--memory: '3X' is not a memory size (e.g. 2G, 1536M)", "--memory" },
        { { "inspect", "--bogus", "f" }, "inspect", "unknown option '--bogus'", "--bogus" },
        { { "inspect", "f", "--format", "xml" }, "inspect",
          "--format: unknown format 'xml' (ccel, tpm or json)", "--format" },
        { { "inspect", "a", "b" }, "inspect", "unexpected argument 'b'", "'b'" },
        { { "verify", "--bogus" }, "verify", "unknown option '--bogus'", "--bogus" },
        { { "verify", "--quote" }, "verify", "option '--quote' needs a value", "--quote" },
        { { "verify", "--quote", "q", "--report-data", "zz" }, "verify",
          "--report-data: 'zz' is not 1 to 64 bytes of hex", "--report-data" },
        { { "verify", "--quote", "q", "--at", "yesterday" }, "verify",
          "--at: cannot read time 'yesterday'", "--at" },
        { { "version", "--bogus" }, "version", "unknown option '--bogus'", "--bogus" },
        { { "version", "extra" }, "version", "unexpected argument 'extra'", "extra" },
};

static size_t count_of(const char *haystack, const char *needle)
{
        size_t n = 0;

        for (const char *p = strstr(haystack, needle); p; p = strstr(p + 1, needle))
                n++;
        return n;
}

START_TEST(test_bad_option_is_named_once_in_one_message)
{
        const struct bad_case *c = &bad_cases[_i];
        struct run_result r;
        char first[512], hint[128], *nl;

        run_tdxh(&r, c->argv);
        ck_assert_msg(r.status == 2, "%s: exit %d", c->message, r.status);
        ck_assert_str_eq(r.out, "");
        snprintf(first, sizeof(first), "tdxh %s: %s\n", c->cmd, c->message);
        snprintf(hint, sizeof(hint), "Try 'tdxh %s --help'.\n", c->cmd);
        ck_assert_msg(strncmp(r.err, first, strlen(first)) == 0, "stderr '%s', expected '%s'",
                      r.err, first);
        ck_assert_str_eq(r.err + strlen(first), hint);
        nl = strchr(r.err, '\n');
        *nl = '\0';
        ck_assert_msg(count_of(r.err, c->option) == 1, "'%s' names %s more than once", r.err,
                      c->option);
        run_result_free(&r);
}
END_TEST

/* A value the option parsers accept reaches the command: the usage errors
 * after the options (missing --profile) show that --vcpus 8 and --memory
 * 1536M were read. */
START_TEST(test_good_values_pass_the_parsers)
{
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "golden", "compute", "--vcpus", "8", "--memory", "1536M",
                                       "--firmware", "f", NULL });
        ck_assert_int_eq(r.status, 2);
        ck_assert_ptr_nonnull(strstr(r.err, "--profile is required"));
        run_result_free(&r);
}
END_TEST

START_TEST(test_number_parse_is_strict)
{
        static const struct {
                const char *text;
                int r;
                uint64_t v;
        } cases[] = {
                { "0", 0, 0 },
                { "60", 0, 60 },
                { "86400", 0, 86400 },
                { "", -EINVAL, 0 },
                { "12abc", -EINVAL, 0 },
                { " 5", -EINVAL, 0 },
                { "5 ", -EINVAL, 0 },
                { "-1", -EINVAL, 0 },
                { "+1", -EINVAL, 0 },
                { "0x10", -EINVAL, 0 },
                { "86401", -ERANGE, 0 },
                { "18446744073709551616", -ERANGE, 0 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                unsigned v = 12345;
                int r = number_parse_uint(cases[i].text, 0, 86400, &v);

                ck_assert_msg(r == cases[i].r, "'%s': %d", cases[i].text, r);
                ck_assert_uint_eq(v, r == 0 ? cases[i].v : 12345); /* untouched on failure */
        }
        {
                uint64_t v = 0;

                ck_assert_int_eq(number_parse_u64("18446744073709551615", 1, UINT64_MAX, &v), 0);
                ck_assert(v == UINT64_MAX);
                ck_assert_int_eq(number_parse_u64("0", 1, 10, &v), -ERANGE);
                ck_assert_int_eq(number_parse_u64(NULL, 0, 10, &v), -EINVAL);
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("cli_options");
        TCase *tc = tcase_create("cli_options");

        tcase_add_loop_test(tc, test_bad_option_is_named_once_in_one_message, 0,
                            (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
        tcase_add_test(tc, test_good_values_pass_the_parsers);
        tcase_add_test(tc, test_number_parse_is_strict);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
