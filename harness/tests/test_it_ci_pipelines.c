/* The pipelines of docs/ci/ cannot rot: both files are read as YAML
 * (libyaml), the tdxh commands they run are picked out (the lines of
 * GitHub's `run:` and GitLab's `script:` that start with tdxh), the two
 * files must run the same ones, and they are run here on the fake backend
 * with a fast scenario set: two shards, the merge, the drift compare. Then
 * what the nightly design promises: the merged report equals one unsharded
 * run (cases and verdicts), is byte-identical when made again, a missing
 * shard fails the merge, and a compare with a run whose kernel command line
 * changed names the command line.
 *
 * `tdxh host-check`, the pipelines' first step, is run as they run it: on
 * this host without TDX it must refuse, exit 3 with the reason, as it
 * would stop a runner on a broken TDX host; the fake backend's steps that
 * follow need no TDX. */
#include <errno.h>
#include <glob.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "core/strv.h"
#include "it_tdxh.h"
#include "testutil.h"

#define MAX_LINES 16

struct lines {
        char *v[MAX_LINES];
        size_t n;
};

static void add_lines(struct lines *l, const char *text)
{
        char *copy = strdup(text), *save = NULL;

        ck_assert_ptr_nonnull(copy);
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                while (*line == ' ')
                        line++;
                if (strncmp(line, "tdxh ", 5) != 0)
                        continue;
                ck_assert_uint_lt(l->n, MAX_LINES);
                l->v[l->n++] = strdup(line);
        }
        free(copy);
}

/* Every `run:` scalar and every item of a `script:` list, in document order. */
static void walk(yaml_document_t *doc, yaml_node_t *n, struct lines *l)
{
        if (n->type == YAML_SEQUENCE_NODE) {
                for (yaml_node_item_t *i = n->data.sequence.items.start; i < n->data.sequence.items.top; i++)
                        walk(doc, yaml_document_get_node(doc, *i), l);
                return;
        }
        if (n->type != YAML_MAPPING_NODE)
                return;
        for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
                yaml_node_t *k = yaml_document_get_node(doc, p->key), *v = yaml_document_get_node(doc, p->value);
                const char *key = k->type == YAML_SCALAR_NODE ? (const char *)k->data.scalar.value : "";

                if (strcmp(key, "run") == 0 && v->type == YAML_SCALAR_NODE)
                        add_lines(l, (const char *)v->data.scalar.value);
                else if (strcmp(key, "script") == 0 && v->type == YAML_SEQUENCE_NODE)
                        for (yaml_node_item_t *i = v->data.sequence.items.start; i < v->data.sequence.items.top; i++) {
                                yaml_node_t *item = yaml_document_get_node(doc, *i);

                                if (item->type == YAML_SCALAR_NODE)
                                        add_lines(l, (const char *)item->data.scalar.value);
                        }
                else
                        walk(doc, v, l);
        }
}

static void pipeline_commands(const char *rel, struct lines *l)
{
        char *path = NULL;
        size_t len = 0;
        uint8_t *text;
        yaml_parser_t parser;
        yaml_document_t doc;

        ck_assert_int_ge(asprintf(&path, "%s/docs/ci/%s", TDXH_SOURCE_DIR, rel), 0);
        text = slurp(path, &len);
        ck_assert(yaml_parser_initialize(&parser));
        yaml_parser_set_input_string(&parser, text, len);
        ck_assert_msg(yaml_parser_load(&parser, &doc), "%s: %s at line %zu", path, parser.problem,
                      parser.problem_mark.line + 1);
        ck_assert_ptr_nonnull(yaml_document_get_root_node(&doc));
        walk(&doc, yaml_document_get_root_node(&doc), l);
        yaml_document_delete(&doc);
        yaml_parser_delete(&parser);
        free(text);
        free(path);
}

/* A pipeline line as argv: words split at spaces, $NAME and ${NAME}
 * replaced from the environment, globs expanded (the shell's work in CI). */
static void expand(const char *line, struct strv *argv)
{
        char *copy = strdup(line), *save = NULL;

        ck_assert_msg(!strpbrk(line, "\"'|;&<>`"), "not a plain command: %s", line);
        ck_assert_int_ge(strv_push(argv, getenv("TDXH_BIN")), 0);
        for (char *w = strtok_r(copy + 5, " ", &save); w; w = strtok_r(NULL, " ", &save)) {
                char word[4096] = "";
                glob_t g;

                for (const char *p = w; *p;) {
                        if (*p != '$') {
                                strncat(word, p++, 1);
                                continue;
                        }
                        {
                                bool brace = p[1] == '{';
                                const char *s = p + 1 + brace, *e = s;
                                char name[64];
                                const char *val;

                                while ((*e >= 'A' && *e <= 'Z') || *e == '_')
                                        e++;
                                snprintf(name, sizeof(name), "%.*s", (int)(e - s), s);
                                val = getenv(name);
                                ck_assert_msg(val, "%s: $%s is not set", line, name);
                                strncat(word, val, sizeof(word) - strlen(word) - 1);
                                p = e + (brace && *e == '}');
                        }
                }
                if (strchr(word, '*')) {
                        ck_assert_msg(glob(word, 0, NULL, &g) == 0, "%s: nothing matches %s", line, word);
                        for (size_t i = 0; i < g.gl_pathc; i++)
                                ck_assert_int_ge(strv_push(argv, g.gl_pathv[i]), 0);
                        globfree(&g);
                } else {
                        ck_assert_int_ge(strv_push(argv, word), 0);
                }
        }
        free(copy);
}

static void run_line(const char *line, struct run_result *r)
{
        struct strv argv = STRV_INIT;

        expand(line, &argv);
        run_cmd(r, (const char *const *)argv.v, 600);
        strv_free(&argv);
}

static int by_text(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* (name, result) of every scenario of a report, sorted by name. */
static char *cases_and_verdicts(const char *report_json)
{
        json_object *rep = json_object_from_file(report_json), *scs;
        struct strv v = STRV_INIT;
        char *joined = NULL;
        size_t len = 0;

        ck_assert_msg(rep, "%s is missing", report_json);
        ck_assert(json_object_object_get_ex(rep, "scenarios", &scs));
        for (size_t i = 0; i < json_object_array_length(scs); i++) {
                json_object *s = json_object_array_get_idx(scs, i), *name, *sum, *res;
                char *line = NULL;

                ck_assert(json_object_object_get_ex(s, "name", &name));
                ck_assert(json_object_object_get_ex(s, "summary", &sum));
                ck_assert(json_object_object_get_ex(sum, "result", &res));
                ck_assert_int_ge(asprintf(&line, "%s=%s", json_object_get_string(name),
                                          json_object_get_string(res)), 0);
                ck_assert_int_ge(strv_push(&v, line), 0);
                free(line);
        }
        qsort(v.v, v.n, sizeof(*v.v), by_text);
        for (size_t i = 0; i < v.n; i++)
                len += strlen(v.v[i]) + 1;
        joined = calloc(1, len + 1);
        for (size_t i = 0; i < v.n; i++) {
                strcat(joined, v.v[i]);
                strcat(joined, "\n");
        }
        strv_free(&v);
        json_object_put(rep);
        return joined;
}

static void assert_same_file(const char *a, const char *b)
{
        size_t la = 0, lb = 0;
        uint8_t *x = slurp(a, &la), *y = slurp(b, &lb);

        ck_assert_msg(la == lb && memcmp(x, y, la) == 0, "%s and %s differ", a, b);
        free(x);
        free(y);
}

START_TEST(test_ci_pipelines_run_as_written_on_the_fake_backend)
{
        struct lines gh = { 0 }, gl = { 0 };
        struct run_result r;
        char *data = NULL, *drift = NULL, *merged = NULL, *all = NULL;
        bool ran_shards = false, merged_once = false, compared = false;

        pipeline_commands("github-actions.yml", &gh);
        pipeline_commands("gitlab-ci.yml", &gl);
        ck_assert_uint_eq(gh.n, 4);
        ck_assert_uint_eq(gl.n, gh.n);
        for (size_t i = 0; i < gh.n; i++)
                ck_assert_str_eq(gl.v[i], gh.v[i]);
        ck_assert_str_eq(gh.v[0], "tdxh host-check");
        run_line(gh.v[0], &r);
        ck_assert_msg(r.status == 0 || (r.status == 3 && strstr(r.out, "this host cannot run TDs")),
                      "%s: exit %d\n%s%s", gh.v[0], r.status, r.out, r.err);
        run_result_free(&r);

        ck_assert_int_ge(asprintf(&data, "%s/nightly", TDXH_TEST_DATA_DIR), 0);
        ck_assert_int_eq(chdir(it_work), 0);
        setenv("SCENARIOS", data, 1);
        setenv("IMAGE", it_image, 1);
        setenv("SHARDS", "2", 1);
        setenv("CI", "true", 1);
        for (size_t i = 1; i < gh.n; i++) {
                const char *line = gh.v[i];

                if (strncmp(line, "tdxh run ", 9) == 0) {
                        for (int k = 1; k <= 2; k++) {
                                char shard[4];

                                snprintf(shard, sizeof(shard), "%d", k);
                                setenv("SHARD", shard, 1);
                                run_line(line, &r);
                                ck_assert_msg(r.status == 0, "%s (shard %d): exit %d\n%s%s", line, k,
                                              r.status, r.out, r.err);
                                run_result_free(&r);
                        }
                        ran_shards = true;
                } else if (strncmp(line, "tdxh report merge ", 18) == 0) {
                        ck_assert(ran_shards);
                        run_line(line, &r);
                        ck_assert_msg(r.status == 0, "%s: exit %d\n%s%s", line, r.status, r.out, r.err);
                        run_result_free(&r);
                        merged_once = true;
                } else if (strncmp(line, "tdxh report compare ", 20) == 0) {
                        /* The last green night is this one: nothing changed. */
                        ck_assert_int_eq(mkdir("last-good", 0755), 0);
                        ck_assert_int_eq(symlink("../shards", "last-good/shards"), 0);
                        run_line(line, &r);
                        ck_assert_msg(r.status == 0, "%s: exit %d\n%s%s", line, r.status, r.out, r.err);
                        ck_assert_msg(strstr(r.out, "drift: 0 of 2 cases changed"), "%s", r.out);
                        run_result_free(&r);
                        compared = true;
                } else {
                        ck_abort_msg("a tdxh command this test does not know: %s", line);
                }
        }
        ck_assert(ran_shards && merged_once && compared);

        /* Two shards merged = one unsharded run, in cases and verdicts. */
        run_line("tdxh run $SCENARIOS/*.yaml --image $IMAGE --out all", &r);
        ck_assert_msg(r.status == 0, "unsharded run: exit %d\n%s", r.status, r.err);
        run_result_free(&r);
        merged = cases_and_verdicts("merged/report.json");
        all = cases_and_verdicts("all/report/report.json");
        ck_assert_str_eq(merged, all);
        ck_assert_str_eq(merged, "nightly-fast[memory=2G]=pass\nnightly-fast[memory=4G]=pass\n");

        /* Pure: the same inputs, the same bytes, in whatever order given. */
        run_line("tdxh report merge shards/shard-2 shards/shard-1 -o merged2", &r);
        ck_assert_int_eq(r.status, 0);
        run_result_free(&r);
        assert_same_file("merged/report.json", "merged2/report.json");
        assert_same_file("merged/report.xml", "merged2/report.xml");
        assert_same_file("merged/report.html", "merged2/report.html");
        assert_same_file("merged/summary.md", "merged2/summary.md");

        /* A missing shard fails the merge, and nothing is written. */
        run_line("tdxh report merge shards/shard-1 -o partial", &r);
        ck_assert_int_eq(r.status, 2);
        ck_assert_msg(strstr(r.err, "shard 2/2 is missing"), "%s", r.err);
        ck_assert_int_ne(access("partial", F_OK), 0);
        run_result_free(&r);
        /* A shard given twice too. */
        run_line("tdxh report merge shards/shard-1 shards/shard-1 shards/shard-2 -o twice", &r);
        ck_assert_int_eq(r.status, 2);
        ck_assert_msg(strstr(r.err, "given twice"), "%s", r.err);
        run_result_free(&r);

        /* Drift: the kernel command line changed; the compare names it, and
         * as the new run's golden file does not account for it, exits 1. */
        ck_assert_int_ge(asprintf(&drift, "%s/nightly-drift", TDXH_TEST_DATA_DIR), 0);
        setenv("SCENARIOS", drift, 1);
        run_line("tdxh run $SCENARIOS/*.yaml --image $IMAGE --shard 1/2 --out new/shard-1", &r);
        ck_assert_msg(r.status == 1, "changed command line: exit %d\n%s", r.status, r.err);
        run_result_free(&r);
        run_line("tdxh report compare shards new", &r);
        ck_assert_msg(r.status == 1, "compare: exit %d\n%s%s", r.status, r.out, r.err);
        ck_assert_msg(strstr(r.out, "RTMR2 changed") && strstr(r.out, "command line changed") &&
                      strstr(r.out, "tdxh.drift=1") && strstr(r.out, "NOT accounted for"),
                      "%s", r.out);
        run_result_free(&r);

        for (size_t i = 0; i < gh.n; i++)
                free(gh.v[i]);
        for (size_t i = 0; i < gl.n; i++)
                free(gl.v[i]);
        free(data);
        free(drift);
        free(merged);
        free(all);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("ci_pipelines");
        TCase *tc = tcase_create("ci_pipelines");

        tcase_add_unchecked_fixture(tc, it_image_setup, it_image_teardown);
        tcase_set_timeout(tc, 900);
        tcase_add_test(tc, test_ci_pipelines_run_as_written_on_the_fake_backend);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
