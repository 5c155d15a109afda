/* The measure step: the guest's registers and firmware event log, through
 * the agent, compared event by event with the golden file and explained.
 * The explanation's input checks use what this boot was started with, so a
 * measure after a reboot that changed an input names that input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "check/scenario_internal.h"
#include "core/base64.h"
#include "core/cleanup.h"
#include "core/event_type.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "evidence/eventlog.h"
#include "golden/golden.h"
#include "measure/option_rom_events.h"
#include "measure/profile.h"
#include "predict/explain_inputs.h"

static const char *const reg_keys[5] = { "mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3" };

int srun_registers(json_object *ans, bool have[5], uint8_t regs[5][SHA384_LEN], struct tdxh_err *e)
{
        for (int i = 0; i < 5; i++) {
                json_object *v;

                have[i] = false;
                if (!json_object_object_get_ex(ans, reg_keys[i], &v) || !v)
                        continue;
                if (!json_object_is_type(v, json_type_string) ||
                    hex_decode_exact(json_object_get_string(v), regs[i], SHA384_LEN) < 0)
                        return err_setf(e, -EPROTO, "agent: registers: %s is not 48 bytes of hex",
                                        reg_keys[i]);
                have[i] = true;
        }
        return 0;
}

int srun_event_log(struct srun *R, json_object **ret_ans, uint8_t **ret, size_t *ret_len)
{
        _cleanup_json_ json_object *ans = NULL;
        json_object *v;
        const char *b64;
        int r = srun_agent(R, "event-log", NULL, &ans);

        if (r < 0)
                return r;
        if (!json_object_object_get_ex(ans, "log", &v) || !json_object_is_type(v, json_type_string))
                return err_setf(R->e, -EPROTO, "agent: event-log: no \"log\" field");
        b64 = json_object_get_string(v);
        if (base64_decode(b64, strlen(b64), ret, ret_len) < 0)
                return err_setf(R->e, -EPROTO, "agent: event-log: \"log\" is not base64");
        if (ret_ans)
                *ret_ans = TAKE_PTR(ans);
        return 0;
}

/* The firmware log holds nothing of RTMR3: the agent keeps its own log of
 * the extends (rtmr3_log). Appended as RTMR3 events, they let the diff
 * replay RTMR3 like the other registers. */
static int append_rtmr3(struct srun *R, json_object *ans, struct evlog *l)
{
        json_object *arr;
        size_t n;

        if (!json_object_object_get_ex(ans, "rtmr3_log", &arr) || !json_object_is_type(arr, json_type_array))
                return err_setf(R->e, -EPROTO, "agent: event-log: no \"rtmr3_log\" list");
        n = json_object_array_length(arr);
        for (size_t i = 0; i < n; i++) {
                json_object *o = json_object_array_get_idx(arr, i), *dg, *ev;
                struct evlog_event *v = reallocarray(l->events, l->n_events + 1, sizeof(*v));

                if (!v)
                        return -ENOMEM;
                l->events = v;
                v = &l->events[l->n_events];
                *v = (struct evlog_event){ .index = l->n_events, .pcr = 16, .rtmr = 3,
                                           .type = EV_EVENT_TAG, .has_sha384 = true };
                if (!json_object_object_get_ex(o, "digest", &dg) ||
                    !json_object_is_type(dg, json_type_string) ||
                    hex_decode_exact(json_object_get_string(dg), v->sha384, SHA384_LEN) < 0)
                        return err_setf(R->e, -EPROTO, "agent: event-log: rtmr3_log[%zu] has no "
                                        "48-byte digest", i);
                v->what = strdup("rtmr3");
                if (json_object_object_get_ex(o, "event", &ev) && json_object_is_type(ev, json_type_string))
                        v->detail = strdup(json_object_get_string(ev));
                l->n_events++;
                if (!v->what)
                        return -ENOMEM;
        }
        return 0;
}

int srun_golden_path(const struct srun *R, const struct step *st, char **ret)
{
        const char *g = st->measure.golden;

        /* A matrix's profile picks another of the image's golden files. */
        if ((!g || strcmp(g, "auto") == 0) && R->o->golden)
                return (*ret = strdup(R->o->golden)) ? 0 : -ENOMEM;
        if ((!g || strcmp(g, "auto") == 0) && R->image_in.disk)
                return err_setf(R->e, -EINVAL, "%s: a disk image has no golden/ folder: give "
                                "--golden FILE (tdxh golden compute --disk makes one)", R->image);
        if (!g || strcmp(g, "auto") == 0)
                return asprintf(ret, "%s/golden/%s.json", R->image,
                                R->sc->profile ? R->sc->profile : "fake") < 0 ? -ENOMEM : 0;
        return (*ret = strdup(g)) ? 0 : -ENOMEM;
}

static int save(struct srun *R, json_object *regs, const uint8_t *log, size_t len)
{
        _cleanup_free_ char *rp = NULL, *lp = NULL;
        int r;

        r = srun_step_file(R, "registers.json", &rp);
        if (r >= 0)
                r = srun_step_file(R, "binary_bios_measurements", &lp);
        if (r >= 0)
                r = json_write(regs, rp, R->e);
        if (r >= 0)
                r = file_write_atomic(lp, log, len, 0644, R->e);
        return r;
}

/* The causes in one line: the first cause in full, then the summaries of
 * the others ("…; RTMR2: initrd changed"), each said once. */
static int causes_line(const struct explain_result *x, struct buf *out)
{
        int r = 0;

        if (!x->n_causes)
                return buf_puts(out, "the registers differ");
        r = buf_puts(out, x->causes[0].text);
        for (size_t i = 1; i < x->n_causes && r >= 0; i++) {
                const struct explain_cause *c = &x->causes[i];
                bool seen = !c->summary;

                for (size_t j = 0; j < i && !seen; j++)
                        seen = x->causes[j].summary && x->causes[j].reg == c->reg &&
                               strcmp(x->causes[j].summary, c->summary) == 0;
                if (seen)
                        continue;
                r = c->reg >= 0 && c->reg < GOLDEN_NREGS
                            ? buf_printf(out, "; %s: %s", diff_reg_title(c->reg),
                                         c->summary)
                            : buf_printf(out, "; %s", c->summary);
        }
        return r;
}

int step_measure(struct srun *R, const struct step *st, struct step_outcome *out)
{
        _cleanup_json_ json_object *regs = NULL, *evl = NULL;
        _cleanup_free_ uint8_t *log = NULL;
        _cleanup_free_ char *gpath = NULL;
        _cleanup_golden_ struct golden g = { 0 };
        _cleanup_explain_inputs_ struct explain_inputs inputs = EXPLAIN_INPUTS_INIT;
        struct evlog ev = { 0 };
        struct diff_result d = { 0 };
        struct explain_result x = { 0 };
        struct diff_observed obs = { .log = &ev, .log_name = "agent event-log (TPM, SHA-384 bank)",
                                     .reg_source = "agent registers" };
        struct explain_context ctx = { .kernel_header_patched = -1, .inputs = &inputs };
        struct explain_input_args args = { .firmware = R->in.firmware, .kernel = R->in.kernel,
                                           .initrd = R->in.initrd, .cmdline = R->in.cmdline,
                                           .memory = R->in.memory,
                                           .qemu_rom_dir = OPTION_ROM_QEMU_DIR };
        struct profile prof;
        size_t len = 0;
        bool have[5];
        int r;

        r = srun_golden_path(R, st, &gpath);
        if (r < 0)
                return r;
        if (golden_load(gpath, &g, R->e) < 0)
                return step_outcome_set(out, OUT_ERROR, "%s", R->e->msg);
        if (srun_agent(R, "registers", NULL, &regs) < 0 || srun_event_log(R, &evl, &log, &len) < 0 ||
            srun_registers(regs, have, obs.reg, R->e) < 0 || save(R, regs, log, len) < 0)
                return step_outcome_set(out, OUT_ERROR, "%s", R->e->msg);
        for (int i = 0; i < 5; i++)
                obs.have_reg[i] = have[i];
        r = evlog_parse(log, len, EVLOG_TPM, &ev, R->e);
        if (r < 0) {
                err_prefix(R->e, "agent event log: ");
                return step_outcome_set(out, OUT_ERROR, "%s", R->e->msg);
        }
        r = append_rtmr3(R, evl, &ev);
        if (r < 0) {
                evlog_free(&ev);
                return r == -ENOMEM ? r : step_outcome_set(out, OUT_ERROR, "%s", R->e->msg);
        }
        r = diff_run(&g, &obs, &d, R->e);
        if (r >= 0) {
                if (g.profile_name && profile_lookup(g.profile_name, &prof, NULL) >= 0)
                        ctx.kernel_header_patched = profile_kernel_header_patched(&prof);
                r = explain_inputs_compute(&args, &g, &inputs, R->e);
        }
        if (r >= 0)
                r = explain_run(&g, &obs, &d, &ctx, &x, R->e);
        evlog_free(&ev);
        if (r < 0) {
                diff_result_free(&d);
                explain_result_free(&x);
                return step_outcome_set(out, OUT_ERROR, "%s", R->e->msg);
        }
        r = explain_format_text(&d, &x, -1, &out->detail);
        if (r >= 0 && d.match)
                r = step_outcome_set(out, OUT_PASS, "MRTD and RTMR0-2 match %s", gpath);
        if (r >= 0 && !d.match) {
                r = step_outcome_set(out, OUT_REFUSED, "mismatch against %s: ", gpath);
                if (r >= 0)
                        r = causes_line(&x, &out->message);
        }
        if (r >= 0)
                r = report_add_comparison(R->rep, R->res->steps[R->step].name, &d, &x);
        diff_result_free(&d);
        explain_result_free(&x);
        return r;
}
