/* The requests a provider answers: registers, event-log, extend, report,
 * quote, seal, unseal. Field checks happen here, once, for every provider;
 * the RTMR3 log is appended only after the provider's extend succeeded. */
#include "agent.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/json_util.h"

#define NOT_OFFERED(a, what) \
        err_setf(e, -EOPNOTSUPP, "%s is not offered by the %s provider", what, (a)->prov.ops->name)

/* Policy used when a seal request names none: the boot-time registers. */
#define DEFAULT_SEAL_POLICY \
        ((1u << AGENT_REG_RTMR0) | (1u << AGENT_REG_RTMR1) | (1u << AGENT_REG_RTMR2))

static int add_opt_hex(json_object *o, const char *key, bool has, const uint8_t *v, size_t len)
{
        return has ? json_add_hex(o, key, v, len) : json_add(o, key, NULL);
}

int agent_op_registers(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e)
{
        struct agent_registers regs = { 0 };
        char key[8];
        int r;

        if (!a->prov.ops->registers)
                return NOT_OFFERED(a, "registers");
        r = a->prov.ops->registers(&a->prov, &regs, e);
        if (r < 0)
                return r;
        r = add_opt_hex(resp, "mrtd", regs.has_mrtd, regs.mrtd, AGENT_MR_LEN);
        for (int i = 0; i < 4 && r >= 0; i++) {
                snprintf(key, sizeof(key), "rtmr%d", i);
                r = json_add_hex(resp, key, regs.rtmr[i], AGENT_MR_LEN);
        }
        if (r >= 0)
                r = add_opt_hex(resp, "td_attributes", regs.has_td_attributes,
                                regs.td_attributes, AGENT_ATTR_LEN);
        if (r >= 0)
                r = add_opt_hex(resp, "xfam", regs.has_xfam, regs.xfam, AGENT_ATTR_LEN);
        if (r >= 0)
                r = json_add_string(resp, "source", regs.source);
        if (r >= 0 && regs.check)
                r = json_add(resp, "check", TAKE_PTR(regs.check));
        agent_registers_done(&regs);
        return r;
}

static int rtmr3_log_json(const struct agent *a, json_object **ret)
{
        _cleanup_json_ json_object *arr = json_object_new_array();

        if (!arr)
                return -ENOMEM;
        for (size_t i = 0; i < a->n_log; i++) {
                json_object *ev = json_object_new_object();

                if (!ev || json_array_add(arr, ev) < 0 ||
                    json_add_hex(ev, "digest", a->log[i].digest, AGENT_MR_LEN) < 0 ||
                    json_add_string(ev, "event", a->log[i].event) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(arr);
        return 0;
}

int agent_op_event_log(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *log = NULL;
        _cleanup_free_ char *b64 = NULL;
        json_object *arr = NULL;
        const char *format = NULL;
        size_t len = 0;
        int r;

        if (!a->prov.ops->event_log)
                return NOT_OFFERED(a, "event-log");
        r = a->prov.ops->event_log(&a->prov, &format, &log, &len, e);
        if (r < 0)
                return r;
        b64 = base64_encode(log, len);
        if (!b64)
                return -ENOMEM;
        r = rtmr3_log_json(a, &arr);
        if (r < 0)
                return r;
        if (json_add_string(resp, "format", format) < 0 || json_add_string(resp, "log", b64) < 0 ||
            json_add(resp, "rtmr3_log", arr) < 0)
                return -ENOMEM;
        return 0;
}

static int log_append(struct agent *a, const uint8_t digest[AGENT_MR_LEN], const char *event)
{
        struct rtmr3_entry *ent;

        if (a->n_log == a->cap_log) {
                size_t cap = a->cap_log ? 2 * a->cap_log : 16;
                struct rtmr3_entry *n = realloc(a->log, cap * sizeof(*n));

                if (!n)
                        return -ENOMEM;
                a->log = n;
                a->cap_log = cap;
        }
        ent = &a->log[a->n_log];
        memcpy(ent->digest, digest, AGENT_MR_LEN);
        ent->event = event ? strdup(event) : NULL;
        if (event && !ent->event)
                return -ENOMEM;
        a->n_log++;
        return 0;
}

int agent_op_extend(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e)
{
        uint8_t digest[AGENT_MR_LEN], value[AGENT_MR_LEN];
        const char *file = NULL, *event = NULL;
        json_object *rtmr, *dv;
        int r;

        if (!json_object_object_get_ex(req, "rtmr", &rtmr) ||
            !json_object_is_type(rtmr, json_type_int))
                return err_setf(e, -EINVAL, "field \"rtmr\" is missing or not an integer");
        if (json_object_get_int64(rtmr) != 3)
                return err_setf(e, -EINVAL, "field \"rtmr\": only RTMR3 can be extended, not %lld",
                                (long long)json_object_get_int64(rtmr));
        r = agent_field_string(req, "file", false, &file, e);
        if (r < 0)
                return r;
        r = agent_field_string(req, "event", false, &event, e);
        if (r < 0)
                return r;
        if (event && strlen(event) > AGENT_MAX_EVENT_TEXT)
                return err_setf(e, -EINVAL, "field \"event\": longer than %u bytes",
                                AGENT_MAX_EVENT_TEXT);
        if (json_object_object_get_ex(req, "digest", &dv) == (file != NULL))
                return err_setf(e, -EINVAL, "give exactly one of \"digest\" and \"file\"");
        if (file) {
                r = digest_file(DIGEST_SHA384, file, digest, NULL, e);
                if (r < 0)
                        return r;
                if (!event)
                        event = file;
        } else {
                r = agent_field_hex(req, "digest", digest, sizeof(digest), e);
                if (r < 0)
                        return r;
        }
        if (!a->prov.ops->extend_rtmr3)
                return NOT_OFFERED(a, "extend");
        if (a->n_log >= AGENT_MAX_RTMR3_LOG)
                return err_setf(e, -ENOSPC, "the RTMR3 log is full (%u events)",
                                AGENT_MAX_RTMR3_LOG);
        r = a->prov.ops->extend_rtmr3(&a->prov, digest, value, e);
        if (r < 0)
                return r;
        r = log_append(a, digest, event);
        if (r < 0)
                return r;
        if (json_add_hex(resp, "rtmr3", value, sizeof(value)) < 0 ||
            json_add_hex(resp, "digest", digest, sizeof(digest)) < 0)
                return -ENOMEM;
        return 0;
}

int agent_op_report(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e)
{
        uint8_t rd[AGENT_REPORT_DATA_LEN], report[AGENT_TDREPORT_LEN];
        _cleanup_free_ char *b64 = NULL;
        int r;

        r = agent_field_hex(req, "report_data", rd, sizeof(rd), e);
        if (r < 0)
                return r;
        if (!a->prov.ops->report)
                return NOT_OFFERED(a, "report");
        r = a->prov.ops->report(&a->prov, rd, report, e);
        if (r < 0)
                return r;
        b64 = base64_encode(report, sizeof(report));
        if (!b64 || json_add_string(resp, "tdreport", b64) < 0)
                return -ENOMEM;
        return 0;
}

int agent_op_quote(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e)
{
        uint8_t rd[AGENT_REPORT_DATA_LEN];
        _cleanup_free_ uint8_t *quote = NULL;
        _cleanup_free_ char *b64 = NULL;
        size_t len = 0;
        int r;

        r = agent_field_hex(req, "report_data", rd, sizeof(rd), e);
        if (r < 0)
                return r;
        if (!a->prov.ops->quote)
                return NOT_OFFERED(a, "quote");
        r = a->prov.ops->quote(&a->prov, rd, &quote, &len, e);
        if (r < 0)
                return r;
        b64 = base64_encode(quote, len);
        if (!b64 || json_add_string(resp, "quote", b64) < 0)
                return -ENOMEM;
        return 0;
}

static int field_name(json_object *req, const char **ret, struct tdxh_err *e)
{
        const char *name = NULL;
        int r;

        r = agent_field_string(req, "name", true, &name, e);
        if (r < 0)
                return r;
        if (name[0] == '\0' || strlen(name) > AGENT_MAX_NAME)
                return err_setf(e, -EINVAL, "field \"name\": 1 to %u bytes", AGENT_MAX_NAME);
        *ret = name;
        return 0;
}

static int field_policy(json_object *req, uint32_t *ret, struct tdxh_err *e)
{
        json_object *pol;
        uint32_t mask = 0;

        if (!json_object_object_get_ex(req, "policy", &pol) || !pol) {
                *ret = DEFAULT_SEAL_POLICY;
                return 0;
        }
        if (!json_object_is_type(pol, json_type_array))
                return err_setf(e, -EINVAL, "field \"policy\" is not a list");
        for (size_t i = 0; i < json_object_array_length(pol); i++) {
                json_object *v = json_object_array_get_idx(pol, i);
                int reg = -EINVAL;

                if (json_object_is_type(v, json_type_string))
                        reg = agent_reg_parse(json_object_get_string(v));
                if (reg < 0)
                        return err_setf(e, -EINVAL, "field \"policy\"[%zu]: not one of mrtd, "
                                        "rtmr0, rtmr1, rtmr2, rtmr3", i);
                mask |= 1u << reg;
        }
        *ret = mask;
        return 0;
}

static int policy_json(uint32_t mask, json_object **ret)
{
        _cleanup_json_ json_object *arr = json_object_new_array();

        if (!arr)
                return -ENOMEM;
        for (int i = 0; i < AGENT_REG_COUNT; i++)
                if (mask & (1u << i) &&
                    json_array_add(arr, json_object_new_string(agent_reg_name(i))) < 0)
                        return -ENOMEM;
        *ret = TAKE_PTR(arr);
        return 0;
}

/* Secrets are wiped from memory as soon as they are no longer needed. */
static void free_secret(uint8_t *p, size_t len)
{
        if (p)
                OPENSSL_cleanse(p, len);
        free(p);
}

int agent_op_seal(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *blob = NULL;
        _cleanup_free_ char *b64 = NULL;
        json_object *pol = NULL;
        uint8_t *data = NULL;
        size_t len = 0, blob_len = 0;
        const char *name = NULL;
        uint32_t policy = 0;
        int r;

        r = field_name(req, &name, e);
        if (r < 0)
                return r;
        r = field_policy(req, &policy, e);
        if (r < 0)
                return r;
        r = agent_field_base64(req, "data", &data, &len, e);
        if (r < 0)
                return r;
        if (!a->prov.ops->seal)
                r = NOT_OFFERED(a, "seal");
        else
                r = a->prov.ops->seal(&a->prov, name, data, len, policy, &blob, &blob_len, e);
        free_secret(data, len);
        if (r < 0)
                return r;
        b64 = base64_encode(blob, blob_len);
        if (!b64 || policy_json(policy, &pol) < 0)
                return -ENOMEM;
        if (json_add_string(resp, "blob", b64) < 0 || json_add(resp, "policy", pol) < 0)
                return -ENOMEM;
        return 0;
}

int agent_op_unseal(struct agent *a, json_object *req, json_object *resp, struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *blob = NULL;
        uint8_t *data = NULL;
        char *b64;
        size_t blob_len = 0, len = 0;
        const char *name = NULL;
        int r;

        r = field_name(req, &name, e);
        if (r < 0)
                return r;
        r = agent_field_base64(req, "blob", &blob, &blob_len, e);
        if (r < 0)
                return r;
        if (!a->prov.ops->unseal)
                return NOT_OFFERED(a, "unseal");
        r = a->prov.ops->unseal(&a->prov, name, blob, blob_len, &data, &len, e);
        if (r < 0)
                return r;
        b64 = base64_encode(data, len);
        free_secret(data, len);
        if (!b64)
                return -ENOMEM;
        /* json-c copies the string; the copy inside the response is the one
         * that leaves, this one is wiped. */
        r = json_add_string(resp, "data", b64);
        OPENSSL_cleanse(b64, strlen(b64));
        free(b64);
        return r;
}
