/* Booting a recorded run again and comparing the results; see reproduce.h. */
#include "check/reproduce.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "core/size.h"
#include "check/run_facts.h"

/* What a run recorded, borrowed from its parsed facts.json. */
struct recorded {
        const char *image, *golden, *cmdline, *firmware, *qemu, *memory, *nic_model, *nic_romfile;
        unsigned vcpus;
};

void reproduce_result_free(struct reproduce_result *r)
{
        if (!r)
                return;
        free(r->original_verdict);
        free(r->verdict);
        free(r->summary);
        boot_check_result_free(&r->boot);
        *r = (struct reproduce_result){ 0 };
}

/* A file the run used must still be what it was. */
static int check_unchanged(json_object *facts, const char *what, const char *facts_path,
                           struct tdxh_err *e)
{
        char key[64], *hex = NULL;
        const char *path, *want;
        uint8_t d[SHA256_LEN];
        int r;

        snprintf(key, sizeof(key), "host.%s.path", what);
        path = json_get_string(facts, key);
        snprintf(key, sizeof(key), "host.%s.sha256", what);
        want = json_get_string(facts, key);
        if (!path || !want)
                return err_setf(e, -EINVAL, "%s: host.%s: no path and sha256 recorded", facts_path, what);
        r = digest_file(DIGEST_SHA256, path, d, NULL, NULL);
        if (r < 0)
                return err_setf(e, -ENOENT, "%s: the %s the run used (%s) cannot be read: %s", facts_path,
                                what, path, strerror(-r));
        hex = hex_dup(d, SHA256_LEN);
        if (!hex)
                return -ENOMEM;
        r = strcmp(hex, want) == 0 ? 0
                                   : err_setf(e, -EINVAL, "%s: the %s the run used (%s) has changed "
                                                          "since (sha256 %.16s.., recorded %.16s..)",
                                              facts_path, what, path, hex, want);
        free(hex);
        return r;
}

static int read_recorded(json_object *facts, const char *facts_path, struct recorded *ret,
                         struct tdxh_err *e)
{
        static const char *const files[] = { "firmware", "kernel", "initrd" };
        json_object *v;
        int r;

        *ret = (struct recorded){
                .image = json_get_string(facts, "image"),
                .golden = json_get_string(facts, "golden"),
                .cmdline = json_get_string(facts, "cmdline"),
                .firmware = json_get_string(facts, "host.firmware.path"),
                .qemu = json_get_string(facts, "host.qemu.path"),
                .memory = json_get_string(facts, "host.memory"),
                .nic_model = json_get_string(facts, "nic.model"),
                .nic_romfile = json_get_string(facts, "nic.romfile"),
        };
        if (!ret->image || !ret->golden || !ret->memory)
                return err_setf(e, -EINVAL, "%s: not the facts of a tdxh boot run (no image, golden "
                                            "or host.memory)",
                                facts_path);
        if (json_object_object_get_ex(facts, "host", &v) && json_object_object_get_ex(v, "vcpus", &v) &&
            json_object_is_type(v, json_type_int))
                ret->vcpus = (unsigned)json_object_get_int(v);
        for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
                r = check_unchanged(facts, files[i], facts_path, e);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* "match" or "mismatch" from RUNDIR/report/report.json. */
static int original_verdict(const char *run_dir, char **ret, struct tdxh_err *e)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_json_ json_object *rep = NULL;
        const char *result;
        int r;

        if (asprintf(&path, "%s/report/report.json", run_dir) < 0)
                return -ENOMEM;
        r = run_dir_read_json(path, &rep, e);
        if (r < 0)
                return r;
        result = json_get_string(rep, "summary.result");
        if (!result || (strcmp(result, "pass") != 0 && strcmp(result, "fail") != 0))
                return err_setf(e, -EINVAL, "%s: summary.result: the run ended in neither a match "
                                            "nor a mismatch, there is nothing to reproduce",
                                path);
        *ret = strdup(strcmp(result, "pass") == 0 ? "match" : "mismatch");
        return *ret ? 0 : -ENOMEM;
}

static int load_registers(const char *run_dir, json_object **ret)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/evidence/registers.json", run_dir) < 0)
                return -ENOMEM;
        return run_dir_read_json(path, ret, NULL);
}

static int compare_registers(const char *old_dir, const char *new_dir, struct reproduce_result *res)
{
        _cleanup_json_ json_object *a = NULL, *b = NULL;

        if (load_registers(old_dir, &a) < 0 || load_registers(new_dir, &b) < 0)
                return 0;
        res->registers_known = true;
        for (int i = 0; i < GOLDEN_NREGS; i++) {
                const char *x = json_get_string(a, golden_reg_name((enum golden_reg)i));
                const char *y = json_get_string(b, golden_reg_name((enum golden_reg)i));

                res->same[i] = x && y && strcmp(x, y) == 0;
        }
        return 0;
}

static int summarise(struct reproduce_result *res)
{
        _cleanup_buf_ struct buf b = BUF_INIT;
        bool all = true;
        int r;

        for (int i = 0; i < GOLDEN_NREGS; i++)
                all &= res->same[i];
        r = buf_printf(&b, "the first run was a %s, this one is a %s", res->original_verdict,
                       res->verdict ? res->verdict : "failure");
        if (r >= 0 && res->registers_known && all)
                r = buf_puts(&b, "; every register is the same");
        for (int i = 0, n = 0; r >= 0 && res->registers_known && !all && i < GOLDEN_NREGS; i++)
                if (!res->same[i])
                        r = buf_printf(&b, "%s%s", n++ ? ", " : "; these registers differ from the first "
                                                                "run's: ",
                                       golden_reg_name((enum golden_reg)i));
        res->exit_code = res->boot.exit_code <= TDXH_EXIT_MISMATCH &&
                                         strcmp(res->original_verdict, res->verdict) == 0 &&
                                         res->registers_known && all
                                 ? TDXH_EXIT_OK
                                 : TDXH_EXIT_MISMATCH;
        if (r >= 0)
                r = buf_puts(&b, res->exit_code == TDXH_EXIT_OK ? ": the result reproduces"
                                                                : ": the result does not reproduce");
        if (r < 0)
                return r;
        res->summary = buf_detach(&b, NULL);
        return 0;
}

int reproduce_run(const struct reproduce_opts *o, struct signal_watch *sw,
                  struct reproduce_result *ret, struct tdxh_err *e)
{
        _cleanup_free_ char *facts_path = NULL;
        _cleanup_json_ json_object *facts = NULL;
        struct reproduce_result res = { 0 };
        struct boot_check_opts b = { .out_dir = o->out_dir, .timeout_s = o->timeout_s,
                                     .on_progress = o->on_progress, .userdata = o->userdata };
        struct recorded rec;
        int r;

        *ret = (struct reproduce_result){ .exit_code = TDXH_EXIT_BAD_INPUT };
        r = run_facts_load(o->run_dir, &facts, &facts_path, e);
        if (r >= 0)
                r = read_recorded(facts, facts_path, &rec, e);
        if (r >= 0 && size_parse(rec.memory, &b.memory) < 0)
                r = err_setf(e, -EINVAL, "%s: host.memory: '%s' is not a memory size", facts_path, rec.memory);
        if (r >= 0)
                r = original_verdict(o->run_dir, &res.original_verdict, e);
        if (r < 0) {
                reproduce_result_free(&res);
                ret->exit_code = r == -ENOMEM ? TDXH_EXIT_INFRA : TDXH_EXIT_BAD_INPUT;
                return ret->exit_code;
        }
        b.image = rec.image;
        b.golden = rec.golden;
        b.cmdline = rec.cmdline;
        b.firmware = rec.firmware;
        b.qemu = rec.qemu;
        b.vcpus = rec.vcpus;
        b.nic_model = rec.nic_model;
        b.nic_romfile = rec.nic_model ? rec.nic_romfile : NULL;
        boot_check_run(&b, sw, &res.boot, e);
        res.verdict = res.boot.verdict ? strdup(res.boot.verdict) : NULL;
        if (res.boot.exit_code > TDXH_EXIT_MISMATCH) {
                res.exit_code = res.boot.exit_code;
                *ret = res;
                return ret->exit_code;
        }
        if (!res.verdict || compare_registers(o->run_dir, res.boot.run_dir, &res) < 0 || summarise(&res) < 0) {
                reproduce_result_free(&res);
                err_setf(e, -ENOMEM, "out of memory");
                return ret->exit_code = TDXH_EXIT_INFRA;
        }
        *ret = res;
        return ret->exit_code;
}
