/* Reports from one model: a diff of the real trustee log with a changed
 * kernel, plus checks whose text holds markup characters, quotes and bytes
 * that are not UTF-8. Every format must stay well-formed and show the text
 * as text. */
#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "core/utf8.h"
#include "fixture_events.h"
#include "report/escape.h"
#include "report/model.h"
#include "testutil.h"

/* A small well-formedness check: tags balance, attribute values are quoted,
 * '&' starts a known reference, and no '<' is loose in text. */
static void assert_well_formed_xml(const char *s)
{
        const char *stack[64];
        size_t depth = 0, roots = 0;

        while (*s) {
                if (*s == '&') {
                        const char *end = strchr(s, ';');

                        ck_assert_msg(end && end - s <= 6, "bad reference at: %.40s", s);
                        ck_assert_msg(strncmp(s, "&amp;", 5) == 0 || strncmp(s, "&lt;", 4) == 0 ||
                                              strncmp(s, "&gt;", 4) == 0 || strncmp(s, "&quot;", 6) == 0 ||
                                              strncmp(s, "&#", 2) == 0,
                                      "unknown reference at: %.40s", s);
                        s = end + 1;
                } else if (*s == '<') {
                        const char *end = strchr(s, '>');
                        bool closing = s[1] == '/', empty;

                        ck_assert_msg(end != NULL, "unterminated tag");
                        empty = end[-1] == '/' || s[1] == '?';
                        if (s[1] != '?') {
                                const char *name = s + 1 + closing;
                                size_t n = strcspn(name, " />");

                                bool quoted = false;

                                for (const char *p = name + n; p < end; p++) {
                                        if (*p == '"')
                                                quoted = !quoted;
                                        else if (*p == '=' && !quoted)
                                                ck_assert_msg(p[1] == '"', "unquoted attribute at: %.40s", p);
                                }
                                for (const char *p = name + n, *q; p < end; p = q + 1) {
                                        q = strchr(p, '"');
                                        if (!q || q >= end)
                                                break;
                                        q = strchr(q + 1, '"');
                                        ck_assert_msg(q && q < end, "attribute value runs past '>'");
                                        for (const char *v = p; v < q; v++)
                                                ck_assert_msg(*v != '<', "'<' in attribute");
                                }
                                if (closing) {
                                        ck_assert_uint_gt(depth, 0);
                                        depth--;
                                        ck_assert_msg(strncmp(stack[depth], name, n) == 0 &&
                                                              !isalnum((unsigned char)stack[depth][n]),
                                                      "mismatched </%.*s>", (int)n, name);
                                } else if (!empty) {
                                        roots += depth == 0;
                                        ck_assert_uint_lt(depth, 64);
                                        stack[depth++] = name;
                                } else {
                                        roots += depth == 0;
                                }
                        }
                        s = end + 1;
                } else {
                        s++;
                }
        }
        ck_assert_uint_eq(depth, 0);
        ck_assert_uint_eq(roots, 1);
}

START_TEST(test_report_escaping_functions)
{
        struct buf b = BUF_INIT;

        ck_assert_int_eq(esc_xml(&b, "a<b>&\"'\n\x01\xff", true), 0);
        ck_assert_str_eq(b.data, "a&lt;b&gt;&amp;&quot;&#39;&#10;\\x01\\xff");
        buf_reset(&b);
        ck_assert_int_eq(esc_xml(&b, "line\nnext", false), 0);
        ck_assert_str_eq(b.data, "line\nnext");
        buf_reset(&b);
        ck_assert_int_eq(esc_md(&b, "a|b *c* <d> [e](f) `g`\nh"), 0);
        ck_assert_str_eq(b.data, "a\\|b \\*c\\* &lt;d&gt; \\[e\\](f) \\`g\\` h");
        buf_reset(&b);
        ck_assert_int_eq(esc_md_code_block(&b, "x\n````\ny"), 0);
        ck_assert_str_eq(b.data, "`````text\nx\n````\ny\n`````\n");
        buf_free(&b);
}
END_TEST

START_TEST(test_report_register_checks_follow_the_diff)
{
        struct report rep;
        const struct report_scenario *s;
        struct report_counts c;

        fixture_report(&rep);
        s = rep.scenarios[0];
        /* boot + rtmr0..3 (MRTD is not in the golden file) */
        ck_assert_uint_eq(s->n_checks, 5);
        ck_assert_str_eq(s->checks[2].name, "rtmr1");
        ck_assert_int_eq(s->checks[2].status, REPORT_FAIL);
        ck_assert_int_eq(s->checks[2].reg, GOLDEN_RTMR1);
        ck_assert_ptr_nonnull(strstr(s->checks[2].message, "RTMR1 differs from the golden file: RTMR1 event 0 "
                                                           "(kernel, EV_EFI_BOOT_SERVICES_APPLICATION): "
                                                           "kernel image changed"));
        ck_assert_ptr_nonnull(strstr(s->checks[2].output, "~ changed"));
        ck_assert_ptr_nonnull(strstr(s->checks[2].output, "causes:"));
        ck_assert_int_eq(s->checks[1].status, REPORT_PASS);
        report_count(&rep, NULL, &c);
        ck_assert_uint_eq(c.checks, 8);
        ck_assert_uint_eq(c.passed, 4);
        ck_assert_uint_eq(c.failed, 2);
        ck_assert_uint_eq(c.errors, 1);
        ck_assert_uint_eq(c.skipped, 1);
        ck_assert_int_eq(report_result(&c), REPORT_FAIL);
        report_free(&rep);
}
END_TEST

START_TEST(test_report_junit_is_well_formed_with_failure_bodies)
{
        struct report rep;
        struct buf b = BUF_INIT;

        fixture_report(&rep);
        ck_assert_int_eq(report_junit(&rep, &b), 0);
        assert_well_formed_xml(b.data);
        ck_assert_ptr_nonnull(strstr(b.data, "<testsuites name=\"tdxh\" tests=\"8\" failures=\"2\" "
                                             "errors=\"1\" skipped=\"1\" time=\"39.750\">"));
        ck_assert_ptr_nonnull(strstr(b.data, "<testsuite name=\"measure\" tests=\"5\" failures=\"1\" "
                                             "errors=\"0\" skipped=\"0\" time=\"8.250\" "
                                             "timestamp=\"2026-01-02T03:04:05\">"));
        ck_assert_ptr_nonnull(strstr(b.data, "<property name=\"profile\" value=\"tdx-edk2-202302-qemu-10.1\"/>"));
        ck_assert_ptr_nonnull(strstr(b.data, "<testcase name=\"rtmr1\" classname=\"tdxh.measure\" time=\"0.000\">\n"
                                             "      <failure message=\"RTMR1 differs from the golden file: "));
        ck_assert_ptr_nonnull(strstr(b.data, "type=\"mismatch\">RTMR1: MISMATCH\n"));
        ck_assert_ptr_nonnull(strstr(b.data, "<error message=\"QGS did not answer\" type=\"error\"/>"));
        ck_assert_ptr_nonnull(strstr(b.data, "<skipped message=\"no vTPM\"/>"));
        /* The text survives as text. */
        ck_assert_ptr_nonnull(strstr(b.data, "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;a&#39; \\xff\\xfe ]]&gt;"));
        ck_assert_ptr_null(strstr(b.data, "<script"));
        ck_assert_ptr_nonnull(strstr(b.data, "line 1\nline 2 &lt;script&gt;"));
        buf_free(&b);
        report_free(&rep);
}
END_TEST

START_TEST(test_report_json_follows_the_schema)
{
        struct report rep;
        json_object *j = NULL, *v, *sc, *ck;
        const char *text;

        fixture_report(&rep);
        ck_assert_int_eq(report_to_json(&rep, &j), 0);
        text = json_pretty(j);
        /* Valid UTF-8 all through, so every JSON reader takes it. */
        for (size_t i = 0, n = strlen(text); i < n;) {
                uint32_t cp;
                size_t k = utf8_decode((const unsigned char *)text + i, n - i, &cp);

                ck_assert_uint_gt(k, 0);
                i += k;
        }
        ck_assert_str_eq(json_object_get_string(json_object_object_get(j, "schema")), REPORT_SCHEMA);
        v = json_object_object_get(j, "summary");
        ck_assert_str_eq(json_object_get_string(json_object_object_get(v, "result")), "fail");
        ck_assert_int_eq(json_object_get_int(json_object_object_get(v, "checks")), 8);
        sc = json_object_array_get_idx(json_object_object_get(j, "scenarios"), 0);
        ck_assert_str_eq(json_object_get_string(json_object_object_get(sc, "backend")), "fake");
        ck_assert(json_object_object_get_ex(sc, "diff", &v));
        ck_assert_str_eq(json_object_get_string(json_object_object_get(v, "schema")), "tdxh-explain/1");
        ck_assert_uint_eq(json_object_array_length(json_object_object_get(v, "causes")), 1);
        ck = json_object_array_get_idx(json_object_object_get(sc, "checks"), 2);
        ck_assert_str_eq(json_object_get_string(json_object_object_get(ck, "register")), "rtmr1");
        ck_assert_str_eq(json_object_get_string(json_object_object_get(ck, "status")), "fail");
        sc = json_object_array_get_idx(json_object_object_get(j, "scenarios"), 1);
        ck_assert_str_eq(json_object_get_string(json_object_object_get(sc, "name")),
                         "seal <script>alert(1)</script> & \"q\" 'a' \\xff\\xfe ]]> `|*_");
        ck_assert(json_object_object_get_ex(sc, "diff", &v));
        ck_assert_ptr_null(v);
        json_object_put(j);
        report_free(&rep);
}
END_TEST

/* The Markdown text with every fenced code block removed (static buffer). */
static const char *outside_code_blocks(const char *md)
{
        static char out[1 << 20];
        size_t n = 0, fence = 0;

        for (const char *line = md; *line;) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t)(end - line + 1) : strlen(line), ticks = strspn(line, "`");

                if (fence == 0 && ticks >= 3)
                        fence = ticks;
                else if (fence && ticks == fence)
                        fence = 0;
                else if (fence == 0 && n + len < sizeof(out)) {
                        memcpy(out + n, line, len);
                        n += len;
                }
                line += len;
        }
        out[n] = '\0';
        return out;
}

START_TEST(test_report_markdown_summary)
{
        struct report rep;
        struct buf b = BUF_INIT;

        fixture_report(&rep);
        ck_assert_int_eq(report_markdown(&rep, &b), 0);
        ck_assert_ptr_nonnull(strstr(b.data, "## tdxh: **FAIL**\n\n8 checks: 4 passed, 2 failed, 1 errors, 1 skipped.\n"));
        ck_assert_ptr_nonnull(strstr(b.data, "| measure | **FAIL** | 5 | 4 | 1 | 0 | 0 |\n"));
        ck_assert_ptr_nonnull(strstr(b.data, "| rtmr1 | **FAIL** | RTMR1 differs from the golden file: "));
        /* Markup in cells is neutralised, tables are not broken by '|'. */
        ck_assert_ptr_nonnull(strstr(b.data, "seal &lt;script&gt;alert(1)&lt;/script&gt; &amp; \"q\" 'a' "
                                             "\\\\xff\\\\xfe \\]\\]&gt; \\`\\|\\*\\_"));
        /* Raw text only inside code blocks, where renderers show it literally. */
        ck_assert_ptr_null(strstr(outside_code_blocks(b.data), "<script"));
        /* The failure body is folded away in a code block longer than any
         * fence inside it. */
        ck_assert_ptr_nonnull(strstr(b.data, "<details><summary>unseal</summary>\n\n````text\nline 1\n"));
        ck_assert_ptr_nonnull(strstr(b.data, "<details><summary>rtmr1</summary>"));
        buf_free(&b);
        report_free(&rep);
}
END_TEST

START_TEST(test_report_html_is_self_contained_and_escaped)
{
        struct report rep;
        struct buf b = BUF_INIT;

        fixture_report(&rep);
        ck_assert_int_eq(report_html(&rep, &b), 0);
        ck_assert_int_eq(strncmp(b.data, "<!DOCTYPE html>\n", 16), 0);
        ck_assert_ptr_nonnull(strstr(b.data, "<style>\n/* Styles of the tdxh HTML report."));
        ck_assert_ptr_null(strstr(b.data, "<link"));
        ck_assert_ptr_null(strstr(b.data, "<script"));
        ck_assert_ptr_null(strstr(b.data, "src="));
        ck_assert_ptr_null(strstr(b.data, "http"));
        ck_assert_ptr_nonnull(strstr(b.data, "<section class=\"register reg-mismatch\" id=\"s0-rtmr1\" "
                                             "data-register=\"rtmr1\" data-status=\"mismatch\">"));
        ck_assert_ptr_nonnull(strstr(b.data, "<tr class=\"row row-changed\" data-status=\"changed\"><td>changed</td>"
                                             "<td class=\"num golden\">0</td><td class=\"num observed\">0</td>"
                                             "<td>EV_EFI_BOOT_SERVICES_APPLICATION</td><td>kernel</td>"));
        ck_assert_ptr_nonnull(strstr(b.data, "<code title=\"cdcdcdcdcdcd"));
        ck_assert_ptr_nonnull(strstr(b.data, "File(&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot;"));
        ck_assert_ptr_nonnull(strstr(b.data, "data-kind=\"kernel\""));
        buf_free(&b);
        report_free(&rep);
}
END_TEST

START_TEST(test_report_write_dir_writes_all_formats_atomically)
{
        struct report rep;
        struct tdxh_err e = { 0 };
        char *dir = tmpdir_make(), *sub = NULL, *path = NULL;
        const char *names[] = { "report.xml", "report.json", "summary.md", "report.html" };

        fixture_report(&rep);
        ck_assert_int_ge(asprintf(&sub, "%s/run", dir), 0);
        ck_assert_int_eq(report_write_dir(&rep, sub, &e), 0);
        for (size_t i = 0; i < 4; i++) {
                size_t len = 0;
                uint8_t *data;

                free(path);
                ck_assert_int_ge(asprintf(&path, "%s/%s", sub, names[i]), 0);
                data = slurp(path, &len);
                ck_assert_uint_gt(len, 100);
                free(data);
        }
        /* Nothing else (no temporary file) is left behind. */
        {
                DIR *d = opendir(sub);
                struct dirent *de;
                size_t n = 0;

                ck_assert_ptr_nonnull(d);
                while ((de = readdir(d)))
                        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
                closedir(d);
                ck_assert_uint_eq(n, 4);
        }
        free(path);
        free(sub);
        report_free(&rep);
        tmpdir_remove(dir);
}
END_TEST

/* A passing scenario: its registers and the digests of what it booted are
 * in every format, and survive a report.json read back (a merged report
 * shows them too). */
START_TEST(test_report_values_on_a_pass)
{
        static const char facts_text[] =
                "{\"host\": {\"memory\": \"2G\", \"vcpus\": 1, \"cmdline\": \"console=ttyS0 <q>\","
                " \"kernel\": {\"path\": \"/img/vmlinuz\", \"sha256\": \"" "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a"
                "2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a2a\"},"
                " \"qemu\": {\"path\": \"/usr/bin/qemu\", \"version\": \"7.2\"}}}";
        struct evlog log;
        struct golden g;
        struct diff_observed obs = { 0 };
        struct diff_result d;
        struct report rep, back;
        struct report_scenario *s;
        struct buf b = BUF_INIT;
        json_object *facts = json_tokener_parse(facts_text), *v = NULL;
        char rtmr1[97], want[160], *dir = tmpdir_make(), *path = NULL;

        fixture_trustee_log(&log);
        fixture_golden_from_log(&log, &g);
        obs.log = &log;
        for (int i = GOLDEN_RTMR0; i <= GOLDEN_RTMR2; i++) {
                obs.have_reg[i] = g.regs[i].known;
                memcpy(obs.reg[i], g.regs[i].value, SHA384_LEN);
        }
        ck_assert(obs.have_reg[GOLDEN_RTMR1]);
        hex_encode(g.regs[GOLDEN_RTMR1].value, SHA384_LEN, rtmr1);
        ck_assert_int_eq(diff_run(&g, &obs, &d, NULL), 0);
        ck_assert(d.match);
        ck_assert_int_eq(report_init(&rep, "tdxh boot", "0.1.0", NULL), 0);
        ck_assert_int_eq(report_add_scenario(&rep, "boot img", "fake", NULL, &s), 0);
        ck_assert_int_eq(report_attach_diff(s, &d, NULL), 0);
        ck_assert_ptr_nonnull(facts);
        ck_assert_int_eq(report_set_facts(s, facts), 0);
        json_object_put(facts);

        ck_assert_int_eq(report_markdown(&rep, &b), 0);
        snprintf(want, sizeof(want), "| rtmr1 | `%s` |\n", rtmr1);
        ck_assert_ptr_nonnull(strstr(b.data, want));
        ck_assert_ptr_nonnull(strstr(b.data, "| kernel.sha256 | `2a2a2a2a"));
        ck_assert_ptr_nonnull(strstr(b.data, "| cmdline | `console=ttyS0 &lt;q&gt;` |\n"));
        ck_assert_ptr_nonnull(strstr(b.data, "| vcpus | `1` |\n"));
        /* Not everything in the facts is a value: the QEMU binary is a host fact. */
        ck_assert_ptr_null(strstr(b.data, "/usr/bin/qemu"));
        buf_reset(&b);
        ck_assert_int_eq(report_junit(&rep, &b), 0);
        assert_well_formed_xml(b.data);
        snprintf(want, sizeof(want), "<property name=\"rtmr1\" value=\"%s\"/>", rtmr1);
        ck_assert_ptr_nonnull(strstr(b.data, want));
        ck_assert_ptr_nonnull(strstr(b.data, "<property name=\"memory\" value=\"2G\"/>"));
        ck_assert_ptr_nonnull(strstr(b.data, "<property name=\"kernel.sha256\" value=\"2a2a"));
        buf_reset(&b);
        ck_assert_int_eq(report_html(&rep, &b), 0);
        ck_assert_ptr_nonnull(strstr(b.data, "<table class=\"values\">"));
        ck_assert_ptr_nonnull(strstr(b.data, rtmr1));

        ck_assert_int_ge(asprintf(&path, "%s/report.json", dir), 0);
        ck_assert_int_eq(report_write_json(&rep, path, NULL), 0);
        ck_assert_int_eq(report_load_json(path, &back, NULL), 0);
        ck_assert_int_eq(report_scenario_values(back.scenarios[0], &v), 0);
        ck_assert_str_eq(json_get_string(v, "registers.rtmr1"), rtmr1);
        ck_assert_str_eq(json_get_string(v, "inputs.kernel.path"), "/img/vmlinuz");
        json_object_put(v);
        buf_reset(&b);
        ck_assert_int_eq(report_markdown(&back, &b), 0);
        snprintf(want, sizeof(want), "| rtmr1 | `%s` |\n", rtmr1);
        ck_assert_ptr_nonnull(strstr(b.data, want));

        buf_free(&b);
        free(path);
        report_free(&back);
        report_free(&rep);
        fixture_golden_free(&g);
        fixture_log_free(&log);
        tmpdir_remove(dir);
}
END_TEST

/* A mismatch's "reproduce" part (golden search's result) in every format,
 * kept by a report read back. */
START_TEST(test_report_reproduce_section)
{
        static const char search[] =
                "{\"schema\": \"tdxh-search/1\", \"reproduced\": true, \"command\": \"tdxh golden compute "
                "--profile fake --cmdline 'a <b>' --memory 1G\", \"changes\": [{\"input\": \"memory\", "
                "\"golden\": \"2G\", \"observed\": \"1G\"}, {\"input\": \"cmdline\", \"golden\": \"a\", "
                "\"observed\": \"a <b>\"}]}";
        json_object *o = json_tokener_parse(search);
        struct report rep, back;
        struct report_scenario *s;
        struct buf b = BUF_INIT;
        char *dir = tmpdir_make(), *path = NULL;

        ck_assert_ptr_nonnull(o);
        ck_assert_int_eq(report_init(&rep, "tdxh boot", "0.1.0", NULL), 0);
        ck_assert_int_eq(report_add_scenario(&rep, "boot img", "fake", NULL, &s), 0);
        ck_assert_int_eq(report_add_check(s, "rtmr1", REPORT_FAIL, "differs", NULL, 0, 2), 0);
        report_set_reproduce(s, o);
        json_object_put(o);
        ck_assert_int_eq(report_markdown(&rep, &b), 0);
        ck_assert_ptr_nonnull(strstr(b.data, "**Reproduce**: memory changed: golden 2G, observed 1G; cmdline "
                                             "changed: golden 'a', observed 'a &lt;b&gt;'\n"));
        ck_assert_ptr_nonnull(strstr(b.data, "```text\ntdxh golden compute --profile fake --cmdline 'a <b>' "
                                             "--memory 1G\n```"));
        buf_reset(&b);
        ck_assert_int_eq(report_html(&rep, &b), 0);
        ck_assert_ptr_nonnull(strstr(b.data, "<section class=\"reproduce\">"));
        ck_assert_ptr_nonnull(strstr(b.data, "--cmdline &#39;a &lt;b&gt;&#39; --memory 1G</code></pre>"));
        buf_reset(&b);
        ck_assert_int_eq(report_junit(&rep, &b), 0);
        assert_well_formed_xml(b.data);
        ck_assert_ptr_nonnull(strstr(b.data, "<property name=\"reproduce.command\" value=\"tdxh golden compute"));
        ck_assert_int_ge(asprintf(&path, "%s/report.json", dir), 0);
        ck_assert_int_eq(report_write_json(&rep, path, NULL), 0);
        ck_assert_int_eq(report_load_json(path, &back, NULL), 0);
        ck_assert_str_eq(report_reproduce_command(back.scenarios[0]),
                         "tdxh golden compute --profile fake --cmdline 'a <b>' --memory 1G");
        /* Nothing reproduces: the summary says so, and there is no command. */
        o = json_tokener_parse("{\"reproduced\": false, \"command\": null, \"changes\": []}");
        report_set_reproduce(s, o);
        json_object_put(o);
        buf_reset(&b);
        ck_assert_int_eq(report_reproduce_summary(s, &b), 0);
        ck_assert_ptr_nonnull(strstr(b.data, "no configuration tried reproduces every register"));
        ck_assert_ptr_null(report_reproduce_command(s));
        buf_free(&b);
        free(path);
        report_free(&back);
        report_free(&rep);
        tmpdir_remove(dir);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("report");
        TCase *tc = tcase_create("report");

        tcase_add_test(tc, test_report_escaping_functions);
        tcase_add_test(tc, test_report_register_checks_follow_the_diff);
        tcase_add_test(tc, test_report_junit_is_well_formed_with_failure_bodies);
        tcase_add_test(tc, test_report_json_follows_the_schema);
        tcase_add_test(tc, test_report_markdown_summary);
        tcase_add_test(tc, test_report_html_is_self_contained_and_escaped);
        tcase_add_test(tc, test_report_write_dir_writes_all_formats_atomically);
        tcase_add_test(tc, test_report_values_on_a_pass);
        tcase_add_test(tc, test_report_reproduce_section);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
