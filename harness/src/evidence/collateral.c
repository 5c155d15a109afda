/* Loading TCB Info and QE Identity documents; see collateral.h.
 *
 * Intel signs the exact bytes of the "tcbInfo" (or "enclaveIdentity") member
 * as it appears in the served document, so the signature is checked over that
 * span of the file, located by json_member_span(), while json-c parses the
 * content. Re-serialising the parsed object would not reproduce the bytes. */
#include "evidence/collateral.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "evidence/collateral_json.h"
#include "evidence/ecdsa.h"

#define MAX_COLLATERAL_FILE (1u << 20)

static int parse_isv_levels(json_object *arr, const char *path, struct isv_level **ret,
                            size_t *ret_n, struct cj *cj)
{
        size_t n = json_object_array_length(arr);
        _cleanup_free_ struct isv_level *levels = calloc(n ? n : 1, sizeof(*levels));
        char sub[96];
        int r;

        if (!levels)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                json_object *lvl = json_object_array_get_idx(arr, i), *tcb;
                int64_t svn;

                snprintf(sub, sizeof(sub), "%s[%zu]", path, i);
                r = cj_object(cj, lvl, "tcb", sub, &tcb);
                if (r >= 0)
                        r = cj_int(cj, tcb, "isvsvn", sub, 0, 0xffff, &svn);
                if (r >= 0)
                        r = cj_string(cj, lvl, "tcbStatus", sub, levels[i].status,
                                      sizeof(levels[i].status));
                if (r < 0)
                        return r;
                levels[i].isvsvn = (uint16_t)svn;
        }
        *ret = TAKE_PTR(levels);
        *ret_n = n;
        return 0;
}

static int parse_module(json_object *o, const char *path, bool with_levels,
                        struct module_identity *m, struct cj *cj)
{
        json_object *levels;
        char sub[96];
        int r = 0;

        if (with_levels)
                r = cj_string(cj, o, "id", path, m->id, sizeof(m->id));
        if (r >= 0)
                r = cj_hex(cj, o, "mrsigner", path, m->mrsigner, sizeof(m->mrsigner));
        if (r >= 0)
                r = cj_hex(cj, o, "attributes", path, m->attributes, sizeof(m->attributes));
        if (r >= 0)
                r = cj_hex(cj, o, "attributesMask", path, m->attributes_mask,
                           sizeof(m->attributes_mask));
        if (r < 0 || !with_levels)
                return r;
        r = cj_array(cj, o, "tcbLevels", path, &levels);
        if (r < 0)
                return r;
        snprintf(sub, sizeof(sub), "%s.tcbLevels", path);
        return parse_isv_levels(levels, sub, &m->levels, &m->n_levels, cj);
}

static int parse_components(json_object *tcb, const char *key, const char *path,
                            uint8_t out[16], struct cj *cj)
{
        json_object *arr;
        char sub[128];
        int r;

        r = cj_array(cj, tcb, key, path, &arr);
        if (r < 0)
                return r;
        if (json_object_array_length(arr) != 16)
                return cj_fail(cj, "%s.%s: %zu components, expected 16", path, key,
                               json_object_array_length(arr));
        for (size_t i = 0; i < 16; i++) {
                int64_t svn;

                snprintf(sub, sizeof(sub), "%s.%s[%zu]", path, key, i);
                r = cj_int(cj, json_object_array_get_idx(arr, i), "svn", sub, 0, 0xff, &svn);
                if (r < 0)
                        return r;
                out[i] = (uint8_t)svn;
        }
        return 0;
}

static int parse_tcb_level(json_object *lvl, const char *path, struct tcb_level *l,
                           struct cj *cj)
{
        json_object *tcb, *adv;
        int64_t pcesvn;
        int r;

        r = cj_object(cj, lvl, "tcb", path, &tcb);
        if (r >= 0)
                r = parse_components(tcb, "sgxtcbcomponents", path, l->sgx, cj);
        if (r >= 0)
                r = parse_components(tcb, "tdxtcbcomponents", path, l->tdx, cj);
        if (r >= 0)
                r = cj_int(cj, tcb, "pcesvn", path, 0, 0xffff, &pcesvn);
        if (r >= 0)
                r = cj_string(cj, lvl, "tcbStatus", path, l->status, sizeof(l->status));
        if (r >= 0)
                r = cj_string(cj, lvl, "tcbDate", path, l->date, sizeof(l->date));
        if (r < 0)
                return r;
        l->pcesvn = (uint16_t)pcesvn;
        if (json_object_object_get_ex(lvl, "advisoryIDs", &adv) &&
            json_object_is_type(adv, json_type_array)) {
                size_t used = 0;

                for (size_t i = 0; i < json_object_array_length(adv); i++) {
                        const char *id = json_object_get_string(json_object_array_get_idx(adv, i));
                        int n = snprintf(l->advisories + used, sizeof(l->advisories) - used,
                                         "%s%s", i ? "," : "", id ? id : "?");

                        if (n < 0 || (size_t)n >= sizeof(l->advisories) - used)
                                break;
                        used += (size_t)n;
                }
        }
        return 0;
}

static int parse_tcb_info(json_object *o, struct tcb_info *t, struct cj *cj)
{
        json_object *mod, *mods, *levels;
        int64_t version;
        int r;

        r = cj_string(cj, o, "id", "tcbInfo", t->id, sizeof(t->id));
        if (r >= 0)
                r = cj_int(cj, o, "version", "tcbInfo", 0, 1000, &version);
        if (r >= 0)
                r = cj_time(cj, o, "issueDate", "tcbInfo", &t->issue_date);
        if (r >= 0)
                r = cj_time(cj, o, "nextUpdate", "tcbInfo", &t->next_update);
        if (r >= 0)
                r = cj_hex(cj, o, "fmspc", "tcbInfo", t->fmspc, sizeof(t->fmspc));
        if (r >= 0)
                r = cj_hex(cj, o, "pceId", "tcbInfo", t->pceid, sizeof(t->pceid));
        if (r >= 0)
                r = cj_object(cj, o, "tdxModule", "tcbInfo", &mod);
        if (r >= 0)
                r = parse_module(mod, "tcbInfo.tdxModule", false, &t->module, cj);
        if (r >= 0)
                r = cj_array(cj, o, "tcbLevels", "tcbInfo", &levels);
        if (r < 0)
                return r;
        t->version = (int)version;
        /* Module identities are absent from TCB Info for platforms whose
         * modules all have version 0. */
        if (json_object_object_get_ex(o, "tdxModuleIdentities", &mods)) {
                size_t n = json_object_array_length(mods);

                t->modules = calloc(n ? n : 1, sizeof(*t->modules));
                if (!t->modules)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++) {
                        char path[64];

                        snprintf(path, sizeof(path), "tcbInfo.tdxModuleIdentities[%zu]", i);
                        t->n_modules = i + 1;
                        r = parse_module(json_object_array_get_idx(mods, i), path, true,
                                         &t->modules[i], cj);
                        if (r < 0)
                                return r;
                }
        }
        t->n_levels = json_object_array_length(levels);
        t->levels = calloc(t->n_levels ? t->n_levels : 1, sizeof(*t->levels));
        if (!t->levels)
                return -ENOMEM;
        for (size_t i = 0; i < t->n_levels; i++) {
                char path[64];

                snprintf(path, sizeof(path), "tcbInfo.tcbLevels[%zu]", i);
                r = parse_tcb_level(json_object_array_get_idx(levels, i), path, &t->levels[i],
                                    cj);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int parse_qe_identity(json_object *o, struct qe_identity *q, struct cj *cj)
{
        const char *p = "enclaveIdentity";
        json_object *levels;
        int64_t version, prodid;
        int r;

        r = cj_string(cj, o, "id", p, q->id, sizeof(q->id));
        if (r >= 0)
                r = cj_int(cj, o, "version", p, 0, 1000, &version);
        if (r >= 0)
                r = cj_time(cj, o, "issueDate", p, &q->issue_date);
        if (r >= 0)
                r = cj_time(cj, o, "nextUpdate", p, &q->next_update);
        if (r >= 0)
                r = cj_hex(cj, o, "miscselect", p, q->miscselect, 4);
        if (r >= 0)
                r = cj_hex(cj, o, "miscselectMask", p, q->miscselect_mask, 4);
        if (r >= 0)
                r = cj_hex(cj, o, "attributes", p, q->attributes, 16);
        if (r >= 0)
                r = cj_hex(cj, o, "attributesMask", p, q->attributes_mask, 16);
        if (r >= 0)
                r = cj_hex(cj, o, "mrsigner", p, q->mrsigner, 32);
        if (r >= 0)
                r = cj_int(cj, o, "isvprodid", p, 0, 0xffff, &prodid);
        if (r >= 0)
                r = cj_array(cj, o, "tcbLevels", p, &levels);
        if (r >= 0)
                r = parse_isv_levels(levels, "enclaveIdentity.tcbLevels", &q->levels,
                                     &q->n_levels, cj);
        if (r < 0)
                return r;
        q->version = (int)version;
        q->isvprodid = (uint16_t)prodid;
        return 0;
}

/* Reads a signed document: the member `key` is parsed by parse(), its exact
 * bytes are checked against the hex "signature" with the signing key. */
static int load_signed(const char *path, const char *key, EVP_PKEY *signer,
                       int (*parse)(json_object *o, void *out, struct cj *cj), void *out,
                       bool *ret_signature_ok, struct tdxh_err *e)
{
        _cleanup_free_ char *text = NULL;
        _cleanup_json_ json_object *root = NULL;
        struct cj cj = { .file = path, .e = e };
        json_object *member;
        uint8_t sig[64];
        size_t len, off, n;
        int r;

        r = file_read_all(path, MAX_COLLATERAL_FILE, &text, &len, e);
        if (r < 0)
                return r;
        root = json_tokener_parse(text);
        if (!root || !json_object_is_type(root, json_type_object))
                return err_setf(e, -EINVAL, "%s: not a JSON object", path);
        r = cj_object(&cj, root, key, "document", &member);
        if (r >= 0)
                r = cj_hex(&cj, root, "signature", "document", sig, sizeof(sig));
        if (r >= 0)
                r = parse(member, out, &cj);
        if (r < 0)
                return r;
        if (json_member_span(text, len, key, &off, &n) < 0)
                return err_setf(e, -EINVAL, "%s: cannot locate the bytes of \"%s\"", path, key);
        r = ecdsa_p256_verify(signer, sig, text + off, n);
        if (r < 0)
                return r;
        *ret_signature_ok = r == 1;
        return 0;
}

static int parse_tcb_cb(json_object *o, void *out, struct cj *cj)
{
        return parse_tcb_info(o, out, cj);
}

static int parse_qe_cb(json_object *o, void *out, struct cj *cj)
{
        return parse_qe_identity(o, out, cj);
}

int collateral_load(const struct verify_opts *o, const struct chain_trust *trust,
                    struct collateral **ret, struct tdxh_err *e)
{
        struct collateral *c;
        EVP_PKEY *signer;
        int r;

        if (!o->tcb_chain)
                return err_setf(e, -EINVAL,
                                "TCB collateral needs the TCB signing chain (--tcb-chain)");
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        c->trust = trust;
        c->time_mode = o->time_mode;
        c->at = o->at;
        snprintf(c->accept, sizeof(c->accept), "%s", o->accept_tcb ? o->accept_tcb : "UpToDate");
        r = pem_certs_load(o->tcb_chain, &c->chain, e);
        if (r < 0)
                goto fail;
        signer = X509_get0_pubkey(sk_X509_value(c->chain, 0));
        if (!signer) {
                r = err_setf(e, -EINVAL, "%s: the first certificate has no usable key",
                             o->tcb_chain);
                goto fail;
        }
        if (o->tcb_info) {
                c->tcb = calloc(1, sizeof(*c->tcb));
                r = c->tcb ? load_signed(o->tcb_info, "tcbInfo", signer, parse_tcb_cb, c->tcb,
                                         &c->tcb->signature_ok, e)
                           : -ENOMEM;
                if (r < 0)
                        goto fail;
        }
        if (o->qe_identity) {
                c->qe = calloc(1, sizeof(*c->qe));
                r = c->qe ? load_signed(o->qe_identity, "enclaveIdentity", signer, parse_qe_cb,
                                        c->qe, &c->qe->signature_ok, e)
                          : -ENOMEM;
                if (r < 0)
                        goto fail;
        }
        *ret = c;
        return 0;
fail:
        collateral_free(c);
        return r;
}

void collateral_free(struct collateral *c)
{
        if (!c)
                return;
        if (c->tcb) {
                for (size_t i = 0; i < c->tcb->n_modules; i++)
                        free(c->tcb->modules[i].levels);
                free(c->tcb->modules);
                free(c->tcb->levels);
                free(c->tcb);
        }
        if (c->qe) {
                free(c->qe->levels);
                free(c->qe);
        }
        if (c->chain)
                sk_X509_pop_free(c->chain, X509_free);
        free(c);
}
