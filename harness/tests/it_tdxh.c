/* End-to-end test helpers; see it_tdxh.h. */
#include "it_tdxh.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run/deadline.h"
#include "testutil.h"

char *it_image, *it_work;

void it_image_setup(void)
{
        it_work = tmpdir_make();
        it_image = it_build_image(it_work);
}

void it_image_teardown(void)
{
        free(it_image);
        tmpdir_remove(it_work);
        it_image = it_work = NULL;
}

char *it_build_image(const char *work)
{
        const char *tdxh = getenv("TDXH_BIN");
        char *dir = NULL, *golden = NULL, *build = NULL, *gscript = NULL;
        struct run_result r;

        ck_assert_int_ge(asprintf(&dir, "%s/image", work), 0);
        ck_assert_int_ge(asprintf(&golden, "%s/golden", dir), 0);
        ck_assert_int_ge(asprintf(&build, "%s/images/minimal/build.sh", TDXH_SOURCE_DIR), 0);
        ck_assert_int_ge(asprintf(&gscript, "%s/images/minimal/golden.sh", TDXH_SOURCE_DIR), 0);
        run_cmd(&r, (const char *[]){ build, "--out", dir, NULL }, 600);
        ck_assert_msg(r.status == 0, "image build failed: %s", r.err);
        run_result_free(&r);
        run_cmd(&r, (const char *[]){ gscript, dir, tdxh, golden, NULL }, 120);
        ck_assert_msg(r.status == 0, "golden.sh failed: %s", r.err);
        run_result_free(&r);
        free(golden);
        free(build);
        free(gscript);
        return dir;
}

int it_processes_mentioning(const char *needle, char *desc, size_t len)
{
        DIR *d = opendir("/proc");
        struct dirent *de;
        int n = 0;

        desc[0] = '\0';
        ck_assert_ptr_nonnull(d);
        while ((de = readdir(d))) {
                char path[300], buf[8192];
                size_t got;
                FILE *f;

                if (de->d_name[0] < '0' || de->d_name[0] > '9')
                        continue;
                snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
                f = fopen(path, "re");
                if (!f)
                        continue;
                got = fread(buf, 1, sizeof(buf) - 1, f);
                fclose(f);
                for (size_t i = 0; i < got; i++)
                        if (buf[i] == '\0')
                                buf[i] = ' ';
                buf[got] = '\0';
                if (strstr(buf, needle)) {
                        n++;
                        snprintf(desc + strlen(desc), len - strlen(desc), "[%s] %.120s ",
                                 de->d_name, buf);
                }
        }
        closedir(d);
        return n;
}

pid_t it_pid_mentioning(const char *needle)
{
        char desc[2048], *open;

        if (it_processes_mentioning(needle, desc, sizeof(desc)) < 1)
                return 0;
        open = strchr(desc, '[');
        return open ? (pid_t)atoi(open + 1) : 0;
}

json_object *it_load_json(const char *dir, const char *name)
{
        char *p = NULL;
        json_object *o;

        ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
        o = json_object_from_file(p);
        ck_assert_msg(o != NULL, "%s is missing or not JSON", p);
        free(p);
        return o;
}

void it_assert_report_names_failure(const char *rundir, const char *fragment)
{
        char *dir = NULL;
        json_object *rep, *scen, *checks;
        bool found = false;

        ck_assert_int_ge(asprintf(&dir, "%s/report", rundir), 0);
        rep = it_load_json(dir, "report.json");
        ck_assert(json_object_object_get_ex(rep, "scenarios", &scen));
        for (size_t k = 0; k < json_object_array_length(scen); k++) {
        ck_assert(json_object_object_get_ex(json_object_array_get_idx(scen, k), "checks", &checks));
        for (size_t i = 0; i < json_object_array_length(checks); i++) {
                json_object *c = json_object_array_get_idx(checks, i), *v;

                if (json_object_object_get_ex(c, "status", &v) &&
                    strcmp(json_object_get_string(v), "error") == 0 &&
                    json_object_object_get_ex(c, "message", &v) &&
                    strstr(json_object_get_string(v), fragment))
                        found = true;
        }
        }
        ck_assert_msg(found, "the report does not name the failure '%s'", fragment);
        json_object_put(rep);
        free(dir);
}

void it_start_tdxh(struct child *c, const char *const *argv, const char *log, const char *needle)
{
        const char *full[32] = { getenv("TDXH_BIN") };
        struct child_opts o = { .name = "tdxh", .argv = full,
                                .out = { .kind = CHILD_IO_FILE, .path = log },
                                .err = { .kind = CHILD_IO_FILE, .path = log } };
        struct deadline give_up = deadline_in_ms(120000);
        struct tdxh_err e = { 0 };
        char desc[2048];
        size_t n = 1;

        for (; argv[n - 1] && n < 31; n++)
                full[n] = argv[n - 1];
        full[n] = NULL;
        ck_assert_msg(child_spawn(c, &o, &e) == 0, "%s", e.msg);
        while (it_processes_mentioning(needle, desc, sizeof(desc)) == 0) {
                struct deadline tick = deadline_in_ms(50);

                if (child_wait(c, &tick, NULL, NULL) == 0) {
                        char *text = (char *)slurp(log, NULL);

                        ck_abort_msg("tdxh %s exited (status 0x%x) before '%s' ran:\n%s", argv[0],
                                     c->status, needle, text);
                }
                if (deadline_expired(&give_up)) {
                        child_terminate(c, 0, 5000, NULL);
                        ck_abort_msg("'%s' never ran", needle);
                }
        }
}
