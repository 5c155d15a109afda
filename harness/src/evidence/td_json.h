/* JSON pieces shared by the quote and TD report renderings, so that both
 * use the same keys for the same registers (mrtd, rtmr0..rtmr3, ...). */
#pragma once

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

struct json_hex_field {
        const char *key;
        const uint8_t *data;
        size_t len;
};

struct json_int_field {
        const char *key;
        int64_t value;
};

/* Adds each field in order; 0 or -ENOMEM. */
int json_add_hex_fields(json_object *o, const struct json_hex_field *f, size_t n);
int json_add_int_fields(json_object *o, const struct json_int_field *f, size_t n);

/* The TD registers common to a quote body and a TD report. */
struct td_regs {
        const uint8_t *tee_tcb_svn;     /* 16 */
        const uint8_t *mr_seam;         /* 48 */
        const uint8_t *mrsigner_seam;   /* 48 */
        const uint8_t *seam_attributes; /* 8 */
        const uint8_t *td_attributes;   /* 8 */
        const uint8_t *xfam;            /* 8 */
        const uint8_t *mr_td;           /* 48 */
        const uint8_t *mr_config_id;    /* 48 */
        const uint8_t *mr_owner;        /* 48 */
        const uint8_t *mr_owner_config; /* 48 */
        const uint8_t (*rtmr)[48];      /* 4 */
        const uint8_t *report_data;     /* 64 */
};

/* Adds tee_tcb_svn, mrseam, mrsignerseam, seam_attributes, td_attributes,
 * td_attributes_flags (names of the set bits), xfam, mrtd, mrconfigid,
 * mrowner, mrownerconfig, rtmr0..rtmr3 and report_data. */
int td_regs_to_json(json_object *o, const struct td_regs *r);

/* TD_ATTRIBUTES is little-endian; bit 0 is DEBUG. */
static inline uint64_t td_attributes_value(const uint8_t a[8])
{
        uint64_t v = 0;

        for (int i = 7; i >= 0; i--)
                v = v << 8 | a[i];
        return v;
}
#define TD_ATTR_DEBUG (UINT64_C(1) << 0)
