/* The 56-byte ACPI CCEL table (TDX-REFERENCE §5.1): the standard ACPI
 * header, the CC type and the log area's minimum length and address. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "core/le.h"
#include "evidence/eventlog.h"

/* Copies an ACPI text field, replacing what is not printable by '?' so the
 * result is safe in JSON and on a terminal. */
static void copy_text(char *out, const uint8_t *p, size_t n)
{
        for (size_t i = 0; i < n; i++)
                out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
        out[n] = '\0';
}

int ccel_table_parse(const uint8_t *data, size_t len, struct ccel_table *ret,
                     struct tdxh_err *e)
{
        struct ccel_table t = { 0 };
        uint8_t sum = 0;

        if (len < CCEL_TABLE_LEN)
                return err_setf(e, -EINVAL, "offset 0x0: %zu bytes, too short for the %d-byte "
                                            "CCEL table",
                                len, CCEL_TABLE_LEN);
        if (memcmp(data, "CCEL", 4) != 0)
                return err_setf(e, -EINVAL, "offset 0x0: signature is not \"CCEL\"");
        t.length = le32_get(data + 4);
        if (t.length != CCEL_TABLE_LEN)
                return err_setf(e, -EINVAL, "offset 0x4: table length %u, expected %d", t.length,
                                CCEL_TABLE_LEN);
        copy_text(t.signature, data, 4);
        t.revision = data[8];
        t.checksum = data[9];
        copy_text(t.oem_id, data + 10, 6);
        copy_text(t.oem_table_id, data + 16, 8);
        t.oem_revision = le32_get(data + 24);
        copy_text(t.creator_id, data + 28, 4);
        t.creator_revision = le32_get(data + 32);
        t.cc_type = data[36];
        t.cc_subtype = data[37];
        t.laml = le64_get(data + 40);
        t.lasa = le64_get(data + 48);
        for (size_t i = 0; i < CCEL_TABLE_LEN; i++)
                sum = (uint8_t)(sum + data[i]);
        t.checksum_ok = sum == 0;
        *ret = t;
        return 0;
}

static int add_addr(json_object *o, const char *key, uint64_t v)
{
        char text[24];

        snprintf(text, sizeof(text), "0x%" PRIx64, v);
        return json_add_string(o, key, text);
}

int ccel_table_to_json(const struct ccel_table *t, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = json_add_string(o, "signature", t->signature);
        if (r >= 0)
                r = json_add_int(o, "length", t->length);
        if (r >= 0)
                r = json_add_int(o, "revision", t->revision);
        if (r >= 0)
                r = json_add_bool(o, "checksum_ok", t->checksum_ok);
        if (r >= 0)
                r = json_add_string(o, "oem_id", t->oem_id);
        if (r >= 0)
                r = json_add_string(o, "oem_table_id", t->oem_table_id);
        if (r >= 0)
                r = json_add_int(o, "oem_revision", t->oem_revision);
        if (r >= 0)
                r = json_add_string(o, "creator_id", t->creator_id);
        if (r >= 0)
                r = json_add_int(o, "creator_revision", t->creator_revision);
        if (r >= 0)
                r = json_add_int(o, "cc_type", t->cc_type);
        if (r >= 0)
                r = json_add_int(o, "cc_subtype", t->cc_subtype);
        if (r >= 0)
                r = add_addr(o, "laml", t->laml);
        if (r >= 0)
                r = add_addr(o, "lasa", t->lasa);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}
