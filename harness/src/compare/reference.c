/* Reference values of other tools as golden files; see reference.h. */
#include "compare/reference.h"

#include <errno.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/json_parse.h"
#include "core/json_util.h"
#include "evidence/eventlog.h"
#include "compare/observed.h"

/* Far above any golden file or published log. */
#define REFERENCE_MAX_FILE (64u << 20)

static const struct {
        const char *name, *scope, *key;
} forms[] = {
        [REFERENCE_GOLDEN] = { "tdxh golden file", "registers and events", "tdxh-golden" },
        [REFERENCE_TRUSTEE_LOG] = { "trustee event-log JSON",
                                    "its events and the RTMRs they replay to", "trustee-eventlog" },
        [REFERENCE_REGISTERS] = { "register values", "registers only, events unknown", "registers" },
};

const char *reference_form_name(enum reference_form f)
{
        return forms[f].name;
}

const char *reference_form_scope(enum reference_form f)
{
        return forms[f].scope;
}

const char *reference_form_key(enum reference_form f)
{
        return forms[f].key;
}

/* The events of trustee's log, and the registers they replay to (as
 * `tdxh golden record` does with a log). */
static int from_trustee_log(const char *path, const char *text, size_t len, struct golden *ret,
                            struct tdxh_err *e)
{
        _cleanup_observed_ struct observed o = { 0 };
        int r;

        r = evlog_parse((const uint8_t *)text, len, EVLOG_JSON, &o.log, e);
        if (r < 0) {
                err_prefix(e, "%s: ", path);
                return r;
        }
        o.have_log = true;
        o.log_name = strdup(path);
        if (!o.log_name)
                return -ENOMEM;
        return observed_to_golden(&o, NULL, ret, e);
}

/* 1 when root has a register member at the top; 0 when none. */
static int from_registers(const char *path, json_object *root, struct golden *ret,
                          struct tdxh_err *e)
{
        struct golden g = { 0 };
        int took = 0;

        for (int i = 0; i < GOLDEN_NREGS; i++) {
                const char *name = golden_reg_name((enum golden_reg)i);
                json_object *v;

                if (!json_object_object_get_ex(root, name, &v) || !v)
                        continue;
                if (!json_object_is_type(v, json_type_string) ||
                    hex_decode_exact(json_object_get_string(v), g.regs[i].value, SHA384_LEN) < 0)
                        return err_setf(e, -EINVAL, "%s: %s: not %d hex digits", path, name,
                                        2 * SHA384_LEN);
                g.regs[i].present = g.regs[i].known = true;
                took = 1;
        }
        if (took)
                *ret = g;
        return took;
}

int reference_load(const char *path, struct golden *ret, enum reference_form *ret_form,
                   struct tdxh_err *e)
{
        _cleanup_free_ char *text = NULL;
        size_t len = 0;
        int r;

        r = file_read_all(path, REFERENCE_MAX_FILE, &text, &len, e);
        if (r < 0)
                return r;
        return reference_parse(path, text, len, ret, ret_form, e);
}

int reference_parse(const char *path, const char *text, size_t len, struct golden *ret,
                    enum reference_form *ret_form, struct tdxh_err *e)
{
        _cleanup_json_ json_object *root = NULL;
        size_t lead = 0;
        int r;

        while (lead < len && strchr(" \t\r\n", text[lead]) && text[lead])
                lead++;
        if (lead < len && text[lead] != '{' && text[lead] != '[')
                return err_setf(e, -EMEDIUMTYPE, "%s: not a golden file (not JSON)", path);
        r = json_parse_text(text, len, 0, &root, e);
        if (r < 0) {
                err_prefix(e, "%s: ", path);
                return r;
        }
        if (!json_object_is_type(root, json_type_object))
                return err_setf(e, -EMEDIUMTYPE, "%s: not a golden file (not a JSON object)", path);
        if (json_object_object_get_ex(root, "schema", NULL)) {
                *ret_form = REFERENCE_GOLDEN;
                return golden_from_json(path, root, ret, e);
        }
        if (json_object_object_get_ex(root, "uefi_event_logs", NULL)) {
                *ret_form = REFERENCE_TRUSTEE_LOG;
                return from_trustee_log(path, text, len, ret, e);
        }
        r = from_registers(path, root, ret, e);
        if (r < 0)
                return r;
        if (r == 0)
                return err_setf(e, -EMEDIUMTYPE,
                                "%s: not a golden file, trustee event-log JSON or register values "
                                "(no \"schema\", \"uefi_event_logs\" or \"mrtd\"/\"rtmr0\".. member)",
                                path);
        *ret_form = REFERENCE_REGISTERS;
        return 0;
}
