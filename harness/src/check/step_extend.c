/* The extend step: the harness computes the digest (of a text, a host file,
 * or one given), the agent extends RTMR3 with it, and the result is checked
 * three ways: RTMR3 as the guest reads it, the fold of the agent's RTMR3 log
 * from zero, and the fold of what this boot's extend steps sent must be one
 * value. A guest that drops, reorders or invents an extend fails here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/scenario_internal.h"
#include "core/cleanup.h"
#include "core/hex.h"
#include "core/json_util.h"

static int step_digest(struct srun *R, const struct step *st, uint8_t d[SHA384_LEN], char **event)
{
        const char *given = st->extend.event;
        int r = 0;

        switch (st->extend.source) {
        case EXTEND_DATA:
                r = digest_buf(DIGEST_SHA384, st->extend.data, strlen(st->extend.data), d);
                if (r >= 0 && !given && asprintf(event, "data:%s", st->extend.data) < 0)
                        r = -ENOMEM;
                break;
        case EXTEND_DIGEST:
                memcpy(d, st->extend.digest, SHA384_LEN);
                if (!given && !(*event = strdup("digest")))
                        r = -ENOMEM;
                break;
        case EXTEND_FILE:
                r = digest_file(DIGEST_SHA384, st->extend.file, d, NULL, R->e);
                if (r >= 0 && !given && asprintf(event, "file:%s", st->extend.file) < 0)
                        r = -ENOMEM;
                break;
        }
        if (r >= 0 && given && !(*event = strdup(given)))
                r = -ENOMEM;
        return r;
}

/* The fold of the agent's rtmr3_log from zero, and its length. */
static int replay_log(struct srun *R, json_object *evl, uint8_t out[SHA384_LEN], size_t *ret_n)
{
        json_object *arr;
        size_t n;

        memset(out, 0, SHA384_LEN);
        if (!json_object_object_get_ex(evl, "rtmr3_log", &arr) ||
            !json_object_is_type(arr, json_type_array))
                return err_setf(R->e, -EPROTO, "agent: event-log: no \"rtmr3_log\" list");
        n = json_object_array_length(arr);
        for (size_t i = 0; i < n; i++) {
                json_object *ev = json_object_array_get_idx(arr, i), *dg;
                uint8_t d[SHA384_LEN];

                if (!json_object_object_get_ex(ev, "digest", &dg) ||
                    !json_object_is_type(dg, json_type_string) ||
                    hex_decode_exact(json_object_get_string(dg), d, SHA384_LEN) < 0)
                        return err_setf(R->e, -EPROTO, "agent: event-log: rtmr3_log[%zu] has no "
                                        "48-byte digest", i);
                rtmr_extend(out, d);
        }
        *ret_n = n;
        return 0;
}

static int save_log(struct srun *R, json_object *evl)
{
        _cleanup_free_ char *p = NULL;
        json_object *arr;

        if (!json_object_object_get_ex(evl, "rtmr3_log", &arr))
                return 0;
        if (srun_step_file(R, "rtmr3_log.json", &p) < 0)
                return -ENOMEM;
        return json_write(arr, p, R->e);
}

int step_extend(struct srun *R, const struct step *st, struct step_outcome *out)
{
        _cleanup_json_ json_object *params = json_object_new_object(), *ans = NULL, *regs = NULL,
                                   *evl = NULL;
        _cleanup_free_ char *event = NULL;
        uint8_t d[SHA384_LEN], replayed[SHA384_LEN], read[5][SHA384_LEN];
        char hex[2 * SHA384_LEN + 1], rhex[2 * SHA384_LEN + 1];
        bool have[5];
        size_t n = 0;
        int r;

        if (!params)
                return -ENOMEM;
        r = step_digest(R, st, d, &event);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return step_outcome_set(out, OUT_ERROR, "%s", R->e->msg);
        hex_encode(d, SHA384_LEN, hex);
        if (json_add_int(params, "rtmr", st->extend.rtmr) < 0 ||
            json_add_string(params, "digest", hex) < 0 || json_add_string(params, "event", event) < 0)
                return -ENOMEM;
        if (srun_agent(R, "extend", params, &ans) < 0)
                return step_outcome_set(out, srun_guest_failed(R) ? OUT_ERROR : OUT_REFUSED, "%s",
                                        R->e->msg);
        rtmr_extend(R->rtmr3_expected, d);
        R->extends++;
        if (srun_agent(R, "registers", NULL, &regs) < 0 || srun_agent(R, "event-log", NULL, &evl) < 0 ||
            srun_registers(regs, have, read, R->e) < 0 || replay_log(R, evl, replayed, &n) < 0 ||
            save_log(R, evl) < 0)
                return step_outcome_set(out, OUT_ERROR, "%s", R->e->msg);
        if (!have[4])
                return step_outcome_set(out, OUT_REFUSED, "the guest reports no RTMR3");
        hex_encode(read[4], SHA384_LEN, rhex);
        if (memcmp(replayed, read[4], SHA384_LEN) != 0) {
                hex_encode(replayed, SHA384_LEN, hex);
                return step_outcome_set(out, OUT_REFUSED, "RTMR3 does not replay from the agent's log: "
                                        "read %s, the %zu logged events fold to %s", rhex, n, hex);
        }
        if (memcmp(R->rtmr3_expected, read[4], SHA384_LEN) != 0) {
                hex_encode(R->rtmr3_expected, SHA384_LEN, hex);
                return step_outcome_set(out, OUT_REFUSED, "RTMR3 is %s, but the %u extends of this boot "
                                        "fold to %s", rhex, R->extends, hex);
        }
        return step_outcome_set(out, OUT_PASS, "RTMR3 %s: replays from the agent's log (%zu event%s) "
                                "and equals this boot's %u extend%s (%s)",
                                rhex, n, n == 1 ? "" : "s", R->extends, R->extends == 1 ? "" : "s",
                                event);
}
