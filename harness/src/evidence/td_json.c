/* JSON helpers shared by quote_json.c and tdreport.c; see td_json.h. */
#include "evidence/td_json.h"

#include <errno.h>

#include "core/cleanup.h"
#include "core/json_util.h"

int json_add_hex_fields(json_object *o, const struct json_hex_field *f, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                int r = json_add_hex(o, f[i].key, f[i].data, f[i].len);

                if (r < 0)
                        return r;
        }
        return 0;
}

int json_add_int_fields(json_object *o, const struct json_int_field *f, size_t n)
{
        for (size_t i = 0; i < n; i++) {
                int r = json_add_int(o, f[i].key, f[i].value);

                if (r < 0)
                        return r;
        }
        return 0;
}

/* TD ATTRIBUTES bits (TDX-REFERENCE §6.1). */
static const struct {
        unsigned bit;
        const char *name;
} td_attr_bits[] = {
        { 0, "DEBUG" },          { 27, "LASS" }, { 28, "SEPT_VE_DISABLE" },
        { 29, "MIGRATABLE" },    { 30, "PKS" },  { 31, "KL" },
        { 63, "PERFMON" },
};

static int add_attr_flags(json_object *o, const uint8_t attr[8])
{
        _cleanup_json_ json_object *arr = json_object_new_array();
        uint64_t v = td_attributes_value(attr);

        if (!arr)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(td_attr_bits); i++) {
                json_object *s;

                if (!(v & UINT64_C(1) << td_attr_bits[i].bit))
                        continue;
                s = json_object_new_string(td_attr_bits[i].name);
                if (!s || json_array_add(arr, s) < 0)
                        return -ENOMEM;
        }
        return json_add(o, "td_attributes_flags", TAKE_PTR(arr));
}

int td_regs_to_json(json_object *o, const struct td_regs *r)
{
        const struct json_hex_field head[] = {
                { "tee_tcb_svn", r->tee_tcb_svn, 16 },
                { "mrseam", r->mr_seam, 48 },
                { "mrsignerseam", r->mrsigner_seam, 48 },
                { "seam_attributes", r->seam_attributes, 8 },
                { "td_attributes", r->td_attributes, 8 },
        };
        const struct json_hex_field tail[] = {
                { "xfam", r->xfam, 8 },
                { "mrtd", r->mr_td, 48 },
                { "mrconfigid", r->mr_config_id, 48 },
                { "mrowner", r->mr_owner, 48 },
                { "mrownerconfig", r->mr_owner_config, 48 },
                { "rtmr0", r->rtmr[0], 48 },
                { "rtmr1", r->rtmr[1], 48 },
                { "rtmr2", r->rtmr[2], 48 },
                { "rtmr3", r->rtmr[3], 48 },
                { "report_data", r->report_data, 64 },
        };
        int ret;

        ret = json_add_hex_fields(o, head, ELEMENTSOF(head));
        if (ret < 0)
                return ret;
        ret = add_attr_flags(o, r->td_attributes);
        if (ret < 0)
                return ret;
        return json_add_hex_fields(o, tail, ELEMENTSOF(tail));
}
