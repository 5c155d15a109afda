/* The JSON rendering of a parsed quote for `tdxh inspect --json`: register
 * keys shared with the TD report rendering, then the header, the signature
 * data and a summary of the PCK chain. Byte strings are lowercase hex. */
#include <errno.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/json_util.h"
#include "evidence/pck_chain.h"
#include "evidence/quote.h"
#include "evidence/td_json.h"

static int add_qe_report(json_object *o, const struct quote *q)
{
        _cleanup_json_ json_object *qe = json_object_new_object();
        struct qe_report_fields f;
        int r;

        if (!qe)
                return -ENOMEM;
        quote_qe_report_fields(q, &f);
        const struct json_hex_field hex[] = {
                { "cpusvn", f.cpusvn, 16 },       { "attributes", f.attributes, 16 },
                { "mrenclave", f.mrenclave, 32 }, { "mrsigner", f.mrsigner, 32 },
                { "report_data", f.report_data, 64 },
        };
        const struct json_int_field ints[] = {
                { "miscselect", f.miscselect },
                { "isvprodid", f.isvprodid },
                { "isvsvn", f.isvsvn },
        };
        r = json_add_hex_fields(qe, hex, ELEMENTSOF(hex));
        if (r >= 0)
                r = json_add_int_fields(qe, ints, ELEMENTSOF(ints));
        if (r < 0)
                return r;
        return json_add(o, "qe_report", TAKE_PTR(qe));
}

/* The TCB identity of the platform from the PCK leaf's SGX extension. */
static int add_pck_ext(json_object *o, const X509 *leaf)
{
        _cleanup_json_ json_object *pck = NULL;
        struct sgx_pck_ext x;
        int r;

        r = sgx_pck_ext_parse(leaf, &x, NULL);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return 0; /* not a PCK certificate: nothing to show */
        pck = json_object_new_object();
        if (!pck)
                return -ENOMEM;
        const struct json_hex_field hex[] = {
                { "fmspc", x.fmspc, 6 },
                { "pceid", x.pceid, 2 },
                { "cpusvn", x.cpusvn, 16 },
        };
        r = json_add_hex_fields(pck, hex, ELEMENTSOF(hex));
        if (r >= 0)
                r = json_add_int(pck, "pcesvn", x.pcesvn);
        if (r < 0)
                return r;
        return json_add(o, "pck", TAKE_PTR(pck));
}

/* The chain as parsed from the quote; a chain OpenSSL cannot read is
 * reported in the JSON rather than failing the rendering, since inspect is
 * also the tool for looking at broken evidence. */
static int add_chain(json_object *o, const struct quote *q)
{
        _cleanup_x509_stack_ STACK_OF(X509) *chain = NULL;
        struct tdxh_err err = { 0 };
        json_object *arr = NULL;
        int r;

        r = pem_certs_parse(q->pck_chain_pem, q->pck_chain_pem_len, &chain, &err);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return json_add_string(o, "pck_chain_error", err.msg);
        r = pck_chain_to_json(chain, &arr);
        if (r < 0)
                return r;
        r = json_add(o, "pck_chain", arr);
        if (r < 0)
                return r;
        return add_pck_ext(o, sk_X509_value(chain, 0));
}

static int add_header(json_object *o, const struct quote *q)
{
        const struct json_int_field ints[] = {
                { "version", q->version },
                { "att_key_type", q->att_key_type },
                { "tee_type", q->tee_type },
                { "body_type", q->body_type },
                { "body_size", q->body_size },
        };
        const struct json_hex_field hex[] = {
                { "qe_vendor_id", q->qe_vendor_id, 16 },
                { "user_data", q->user_data, 20 },
        };
        int r;

        r = json_add_string(o, "kind", "quote");
        if (r >= 0)
                r = json_add_int_fields(o, ints, ELEMENTSOF(ints));
        if (r >= 0)
                r = json_add_hex_fields(o, hex, ELEMENTSOF(hex));
        /* the vendor in words, so that a fake quote says so in inspect */
        if (r >= 0)
                r = json_add_string(o, "qe_vendor", quote_qe_vendor_name(q->qe_vendor_id));
        return r;
}

static int add_body(json_object *o, const struct td_quote_body *b)
{
        const struct td_regs regs = {
                .tee_tcb_svn = b->tee_tcb_svn,
                .mr_seam = b->mr_seam,
                .mrsigner_seam = b->mrsigner_seam,
                .seam_attributes = b->seam_attributes,
                .td_attributes = b->td_attributes,
                .xfam = b->xfam,
                .mr_td = b->mr_td,
                .mr_config_id = b->mr_config_id,
                .mr_owner = b->mr_owner,
                .mr_owner_config = b->mr_owner_config,
                .rtmr = b->rtmr,
                .report_data = b->report_data,
        };
        const struct json_hex_field v15[] = {
                { "tee_tcb_svn2", b->tee_tcb_svn2, 16 },
                { "mrservicetd", b->mr_servicetd, 48 },
        };
        int r;

        r = td_regs_to_json(o, &regs);
        if (r >= 0 && b->has_v15)
                r = json_add_hex_fields(o, v15, ELEMENTSOF(v15));
        return r;
}

static int add_signature_data(json_object *o, const struct quote *q)
{
        const struct json_hex_field sig[] = {
                { "signature", q->signature, 64 },
                { "attestation_key", q->att_pubkey, 64 },
        };
        const struct json_hex_field qe[] = {
                { "qe_report_signature", q->qe_report_signature, 64 },
                { "qe_auth_data", q->qe_auth_data, q->qe_auth_data_len },
        };
        const struct json_int_field lens[] = {
                { "signed_len", (int64_t)q->signed_len },
                { "signature_data_len", q->signature_data_len },
                { "cert_type", q->cert_type },
                { "cert_data_len", q->cert_data_len },
        };
        const struct json_int_field tail[] = {
                { "pck_cert_type", q->pck_cert_type },
                { "pck_cert_data_len", q->pck_cert_data_len },
                { "quote_len", (int64_t)q->quote_len },
                { "trailing_len", (int64_t)q->trailing_len },
        };
        int r;

        r = json_add_int_fields(o, lens, ELEMENTSOF(lens));
        if (r >= 0)
                r = json_add_hex_fields(o, sig, ELEMENTSOF(sig));
        if (r >= 0)
                r = add_qe_report(o, q);
        if (r >= 0)
                r = json_add_hex_fields(o, qe, ELEMENTSOF(qe));
        if (r >= 0)
                r = add_chain(o, q);
        if (r >= 0)
                r = json_add_int_fields(o, tail, ELEMENTSOF(tail));
        return r;
}

int quote_to_json(const struct quote *q, json_object **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object();
        int r;

        if (!o)
                return -ENOMEM;
        r = add_header(o, q);
        if (r >= 0)
                r = add_body(o, &q->body);
        if (r >= 0)
                r = add_signature_data(o, q);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}
