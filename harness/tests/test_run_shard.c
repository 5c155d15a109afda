/* tdxh run --shard and --retries without booting anything: an image of
 * empty files and a "QEMU" that exits at once make every case an
 * infrastructure failure in milliseconds, which is all sharding and retries
 * look at (in process, and in the child processes of --jobs). N shards run each case of the matrices exactly once, whatever the
 * order of the command line, with counts at most one apart; every shard's
 * report lists the whole run's cases and its own shard; a retried case keeps
 * each attempt's directory and lists every attempt. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file.h"
#include "testutil.h"

static char *work;

static char *in_work(const char *name)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", work, name), 0);
        return p;
}

static void put(const char *name, const char *text)
{
        char *p = in_work(name);
        struct tdxh_err e = { 0 };

        ck_assert_msg(file_write_atomic(p, text, strlen(text), 0644, &e) == 0, "%s", e.msg);
        free(p);
}

static void setup(void)
{
        char *img;

        work = tmpdir_make();
        img = in_work("img");
        ck_assert_int_eq(mkdir(img, 0755), 0);
        free(img);
        put("img/vmlinuz", "");
        put("img/initrd.img", "");
        put("img/cmdline", "console=ttyS0");
        put("a.yaml", "name: a\nmatrix: {memory: [1G, 2G], vcpus: [1, 2]}\nsteps: [boot]\n");
        put("b.yaml", "name: b\nsteps: [boot]\n");
}

static void teardown(void)
{
        tmpdir_remove(work);
}

static json_object *run_report(const char *out)
{
        char *p = NULL;
        json_object *o;

        ck_assert_int_ge(asprintf(&p, "%s/%s/report/report.json", work, out), 0);
        o = json_object_from_file(p);
        ck_assert_msg(o, "%s is missing", p);
        free(p);
        return o;
}

static const char *const all_cases[] = {
        "a[memory=1G,vcpus=1]", "a[memory=1G,vcpus=2]", "a[memory=2G,vcpus=1]",
        "a[memory=2G,vcpus=2]", "b",
};

START_TEST(test_shards_run_each_case_once_whatever_the_order)
{
        static const unsigned counts[] = { 1, 2, 3, 5, 7 };
        char *a = in_work("a.yaml"), *b = in_work("b.yaml"), *img = in_work("img");

        for (size_t c = 0; c < sizeof(counts) / sizeof(counts[0]); c++) {
                unsigned seen[5] = { 0 };
                size_t lo = 99, hi = 0;

                for (unsigned k = 1; k <= counts[c]; k++) {
                        char shard[16], out[300];
                        struct run_result r;
                        json_object *rep, *scs, *run, *cases, *v;

                        snprintf(shard, sizeof(shard), "%u/%u", k, counts[c]);
                        snprintf(out, sizeof(out), "%s/out-%u-%u", work, counts[c], k);
                        /* odd shards get the files the other way round; even ones
                         * run their cases in child processes (--jobs 2) */
                        run_tdxh(&r, (const char *[]){ "run", k % 2 ? a : b, k % 2 ? b : a, "--image", img,
                                                       "--qemu", "/bin/false", "--shard", shard, "--out",
                                                       out, "--json", "--jobs", k % 2 ? "1" : "2", NULL });
                        ck_assert_msg(r.status == 3 || (r.status == 0 && counts[c] > 5), "%s: exit %d: %s",
                                      shard, r.status, r.err);
                        run_result_free(&r);
                        rep = run_report(strrchr(out, '/') + 1);
                        ck_assert(json_object_object_get_ex(rep, "scenarios", &scs));
                        ck_assert(json_object_object_get_ex(rep, "run", &run));
                        ck_assert(json_object_object_get_ex(run, "cases", &cases));
                        ck_assert_uint_eq(json_object_array_length(cases), 5);
                        for (size_t i = 0; i < 5; i++)
                                ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(cases, i)),
                                                 all_cases[i]);
                        ck_assert(json_object_object_get_ex(run, "shard", &v));
                        ck_assert(json_object_object_get_ex(v, "index", &v));
                        ck_assert_int_eq(json_object_get_int(v), (int)k);
                        for (size_t i = 0; i < json_object_array_length(scs); i++) {
                                json_object *s = json_object_array_get_idx(scs, i), *name, *sh;
                                size_t j = 0;

                                ck_assert(json_object_object_get_ex(s, "name", &name));
                                ck_assert(json_object_object_get_ex(s, "shard", &sh));
                                ck_assert_str_eq(json_object_get_string(sh), shard);
                                while (j < 5 && strcmp(all_cases[j], json_object_get_string(name)) != 0)
                                        j++;
                                ck_assert_uint_lt(j, 5);
                                seen[j]++;
                        }
                        lo = json_object_array_length(scs) < lo ? json_object_array_length(scs) : lo;
                        hi = json_object_array_length(scs) > hi ? json_object_array_length(scs) : hi;
                        json_object_put(rep);
                }
                for (size_t i = 0; i < 5; i++)
                        ck_assert_msg(seen[i] == 1, "%u shards: %s ran %u times", counts[c], all_cases[i],
                                      seen[i]);
                ck_assert_uint_le(hi - lo, 1);
        }
        free(a);
        free(b);
        free(img);
}
END_TEST

START_TEST(test_retries_keep_every_attempt_of_an_infrastructure_failure)
{
        char *b = in_work("b.yaml"), *img = in_work("img"), *out = in_work("retry"), *dir;
        struct run_result r;
        json_object *rep, *scs, *facts, *att;

        run_tdxh(&r, (const char *[]){ "run", b, "--image", img, "--qemu", "/bin/false", "--retries", "2",
                                       "--out", out, "--json", NULL });
        ck_assert_int_eq(r.status, 3);
        run_result_free(&r);
        rep = run_report("retry");
        ck_assert(json_object_object_get_ex(rep, "scenarios", &scs));
        ck_assert(json_object_object_get_ex(json_object_array_get_idx(scs, 0), "facts", &facts));
        ck_assert(json_object_object_get_ex(facts, "attempts", &att));
        ck_assert_uint_eq(json_object_array_length(att), 3);
        for (size_t i = 0; i < 3; i++) {
                json_object *a = json_object_array_get_idx(att, i), *v;
                char want[32];

                snprintf(want, sizeof(want), i ? "b.attempt-%zu" : "b", i + 1);
                ck_assert(json_object_object_get_ex(a, "run_dir", &v));
                ck_assert_str_eq(json_object_get_string(v), want);
                ck_assert(json_object_object_get_ex(a, "exit_code", &v));
                ck_assert_int_eq(json_object_get_int(v), 3);
                ck_assert_int_ge(asprintf(&dir, "%s/%s", out, want), 0);
                ck_assert_int_eq(access(dir, F_OK), 0);
                free(dir);
        }
        json_object_put(rep);
        free(b);
        free(img);
        free(out);
}
END_TEST

START_TEST(test_shard_option_refuses_what_is_not_k_of_n)
{
        static const char *const bad[] = { "0/2", "3/2", "1", "1/", "/2", "a/b", "1/2x", "-1/2", "1/2000" };
        char *b = in_work("b.yaml");

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                struct run_result r;

                run_tdxh(&r, (const char *[]){ "run", b, "--shard", bad[i], NULL });
                ck_assert_msg(r.status == 2, "--shard %s: exit %d", bad[i], r.status);
                ck_assert_msg(strstr(r.err, "--shard"), "--shard %s: %s", bad[i], r.err);
                run_result_free(&r);
        }
        free(b);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("run_shard");
        TCase *tc = tcase_create("run_shard");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_shards_run_each_case_once_whatever_the_order);
        tcase_add_test(tc, test_retries_keep_every_attempt_of_an_infrastructure_failure);
        tcase_add_test(tc, test_shard_option_refuses_what_is_not_k_of_n);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
