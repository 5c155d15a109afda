/* Publishing golden values as a signed artifact, and checking one; see
 * golden_publish.h. The trustee message follows confidential-containers/
 * trustee: rvps/src/extractors/sample (a JSON map NAME -> [values], base64 in
 * the "payload" of {"version", "type": "sample", "payload"}) and the names
 * its attestation service's default policy asks query_reference_value()
 * for (mr_td, rtmr_1, rtmr_2, ...). */
#include "golden/golden_publish.h"

#include <errno.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/digest.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "golden/golden.h"

#define JSON_FILE "reference-values.json"
#define SIG_FILE "reference-values.json.sig"
#define MD_FILE "reference-values.md"
#define TRUSTEE_FILE "trustee-rvps-message.json"
#define ARTIFACT_MAX (16u << 20)
#define SIG_MAX 1024

static void evp_pkey_freep(EVP_PKEY **p)
{
        EVP_PKEY_free(*p);
}
#define _cleanup_pkey_ __attribute__((cleanup(evp_pkey_freep)))

static void md_ctx_freep(EVP_MD_CTX **p)
{
        EVP_MD_CTX_free(*p);
}

static bool is_fake(const struct golden *g)
{
        return g->platform && strcmp(g->platform, "fake") == 0;
}

/* Golden files of one image: the same kernel, initrd and command line. */
static int same_image(const struct golden *a, const struct golden *b, const char *path,
                      struct tdxh_err *e)
{
        if (a->kernel.have_sha256 != b->kernel.have_sha256 ||
            memcmp(a->kernel.sha256, b->kernel.sha256, SHA256_LEN) != 0)
                return err_setf(e, -EINVAL, "%s: inputs.kernel: another kernel than the first golden "
                                            "file's: publish one image at a time",
                                path);
        if (a->initrd.have_sha384 != b->initrd.have_sha384 ||
            memcmp(a->initrd.sha384, b->initrd.sha384, SHA384_LEN) != 0)
                return err_setf(e, -EINVAL, "%s: inputs.initrd: another initrd than the first golden "
                                            "file's: publish one image at a time",
                                path);
        if ((a->cmdline == NULL) != (b->cmdline == NULL) ||
            (a->cmdline && strcmp(a->cmdline, b->cmdline) != 0))
                return err_setf(e, -EINVAL, "%s: inputs.cmdline: another command line than the first "
                                            "golden file's: publish one image at a time",
                                path);
        return 0;
}

static int write_file(const char *dir, const char *name, const void *data, size_t len,
                      struct tdxh_err *e)
{
        _cleanup_free_ char *path = NULL;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        return file_write_atomic(path, data, len, 0644, e);
}

static int sha256_hex(const void *data, size_t len, char out[2 * SHA256_LEN + 1])
{
        uint8_t d[SHA256_LEN];
        int r = digest_buf(DIGEST_SHA256, data, len, d);

        if (r >= 0)
                hex_encode(d, SHA256_LEN, out);
        return r;
}

static const char *const reg_titles[GOLDEN_NREGS] = { "MRTD", "RTMR0", "RTMR1", "RTMR2", "RTMR3" };
static const char *const trustee_names[GOLDEN_NREGS] = { "mr_td", "rtmr_0", "rtmr_1", "rtmr_2", "rtmr_3" };

static int markdown(const struct golden *g, size_t n, const char *version, struct buf *out)
{
        int r = buf_printf(out, "# Reference values\n\nPublished by tdxh %s.\n\n", version);
        char hex[2 * SHA384_LEN + 1];

        if (r >= 0 && g[0].kernel.have_sha256) {
                hex_encode(g[0].kernel.sha256, SHA256_LEN, hex);
                r = buf_printf(out, "- kernel: `%s`, sha256 `%s`\n", g[0].kernel.path ? g[0].kernel.path : "",
                               hex);
        }
        if (r >= 0 && g[0].initrd.have_sha384) {
                hex_encode(g[0].initrd.sha384, SHA384_LEN, hex);
                r = buf_printf(out, "- initrd: `%s`, sha384 `%s`\n", g[0].initrd.path ? g[0].initrd.path : "",
                               hex);
        }
        if (r >= 0 && g[0].cmdline)
                r = buf_printf(out, "- command line: `%s`\n", g[0].cmdline);
        for (size_t i = 0; i < n && r >= 0; i++) {
                r = buf_printf(out, "\n## %s%s\n\n", g[i].profile_name ? g[i].profile_name : "(unnamed)",
                               is_fake(&g[i]) ? " (FAKE: values of the fake platform, not of a TD)" : "");
                if (r >= 0 && g[i].firmware.have_sha256) {
                        hex_encode(g[i].firmware.sha256, SHA256_LEN, hex);
                        r = buf_printf(out, "firmware `%s`, sha256 `%s`\n\n",
                                       g[i].firmware.path ? g[i].firmware.path : "", hex);
                }
                if (r >= 0)
                        r = buf_puts(out, "| register | value |\n|---|---|\n");
                for (int k = 0; k < GOLDEN_NREGS && r >= 0; k++) {
                        if (!g[i].regs[k].present)
                                continue;
                        if (g[i].regs[k].known)
                                hex_encode(g[i].regs[k].value, SHA384_LEN, hex);
                        r = buf_printf(out, "| %s | %s%s%s |\n", reg_titles[k], g[i].regs[k].known ? "`" : "",
                                       g[i].regs[k].known ? hex : "not predicted",
                                       g[i].regs[k].known ? "`" : "");
                }
        }
        if (r >= 0)
                r = buf_printf(out, "\nThe signature `%s` covers `%s`, which holds the SHA-256 of this "
                                    "file: check both with `tdxh golden verify-published`.\n",
                               SIG_FILE, JSON_FILE);
        return r;
}

/* The RVPS message of the genuine profiles, or *ret NULL when all are fake. */
static int trustee_message(const struct golden *g, size_t n, char **ret)
{
        _cleanup_json_ json_object *prov = json_object_new_object(), *msg = json_object_new_object();
        _cleanup_free_ char *payload = NULL;
        const char *text;
        size_t genuine = 0;

        *ret = NULL;
        if (!prov || !msg)
                return -ENOMEM;
        for (int k = 0; k < GOLDEN_NREGS; k++) {
                _cleanup_json_ json_object *list = json_object_new_array();

                if (!list)
                        return -ENOMEM;
                for (size_t i = 0; i < n; i++) {
                        char hex[2 * SHA384_LEN + 1];

                        if (is_fake(&g[i]) || !g[i].regs[k].present || !g[i].regs[k].known)
                                continue;
                        hex_encode(g[i].regs[k].value, SHA384_LEN, hex);
                        if (json_array_add(list, json_object_new_string(hex)) < 0)
                                return -ENOMEM;
                        genuine++;
                }
                if (json_object_array_length(list) && json_add(prov, trustee_names[k], TAKE_PTR(list)) < 0)
                        return -ENOMEM;
        }
        if (!genuine)
                return 0;
        text = json_object_to_json_string_ext(prov, JSON_C_TO_STRING_PLAIN);
        payload = text ? base64_encode((const uint8_t *)text, strlen(text)) : NULL;
        if (!payload || json_add_string(msg, "version", "0.1.0") < 0 ||
            json_add_string(msg, "type", "sample") < 0 || json_add_string(msg, "payload", payload) < 0)
                return -ENOMEM;
        text = json_pretty(msg);
        *ret = text ? strdup(text) : NULL;
        if (!*ret)
                return -ENOMEM;
        return 0;
}

/* The "profiles" entry of one golden file: its profile, inputs and values. */
static int profile_json(const struct golden *g, json_object **ret)
{
        _cleanup_json_ json_object *full = NULL, *o = json_object_new_object();
        json_object *v;
        int r;

        if (!o)
                return -ENOMEM;
        r = golden_to_json(g, &full);
        if (r < 0)
                return r;
        r = json_add_bool(o, "fake", is_fake(g));
        for (const char *const *k = (const char *const[]){ "profile", "inputs", "registers", "unknown", NULL };
             *k && r >= 0; k++)
                if (json_object_object_get_ex(full, *k, &v))
                        r = json_add(o, *k, json_object_get(v));
        if (r < 0)
                return r;
        *ret = TAKE_PTR(o);
        return 0;
}

static int sign(const char *key_path, const void *data, size_t len, uint8_t **ret, size_t *ret_len,
                struct tdxh_err *e)
{
        _cleanup_pkey_ EVP_PKEY *key = NULL;
        EVP_MD_CTX *ctx __attribute__((cleanup(md_ctx_freep))) = EVP_MD_CTX_new();
        _cleanup_free_ uint8_t *sig = NULL;
        FILE *f = fopen(key_path, "re");
        size_t n = 0;

        if (!f)
                return err_setf(e, -errno, "%s: cannot open: %s", key_path, strerror(errno));
        key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
        fclose(f);
        if (!key)
                return err_setf(e, -EINVAL, "%s: not a PEM private key (unencrypted)", key_path);
        if (!ctx)
                return -ENOMEM;
        /* Ed25519 signs the message itself; the others its SHA-384. */
        if (EVP_DigestSignInit(ctx, NULL, EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 ? NULL : EVP_sha384(),
                               NULL, key) != 1 ||
            EVP_DigestSign(ctx, NULL, &n, data, len) != 1 || !(sig = malloc(n)) ||
            EVP_DigestSign(ctx, sig, &n, data, len) != 1)
                return err_setf(e, -EINVAL, "%s: this key cannot sign (ECDSA, RSA or Ed25519)", key_path);
        *ret = TAKE_PTR(sig);
        *ret_len = n;
        return 0;
}

int golden_publish(const struct golden_publish_opts *o, struct tdxh_err *e)
{
        _cleanup_free_ struct golden *g = calloc(o->n_goldens + 1, sizeof(*g));
        _cleanup_json_ json_object *root = json_object_new_object(), *profiles = json_object_new_array(),
                                   *files = json_object_new_object(), *image = NULL;
        _cleanup_buf_ struct buf md = BUF_INIT;
        _cleanup_free_ char *trustee = NULL, *json_text = NULL;
        _cleanup_free_ uint8_t *sig = NULL;
        char hex[2 * SHA256_LEN + 1];
        size_t loaded = 0, sig_len = 0;
        bool any_fake = false;
        json_object *v;
        int r = 0;

        if (!g || !root || !profiles || !files)
                return -ENOMEM;
        for (; loaded < o->n_goldens && r >= 0; loaded++) {
                r = golden_load(o->goldens[loaded], &g[loaded], e);
                if (r >= 0 && loaded > 0)
                        r = same_image(&g[0], &g[loaded], o->goldens[loaded], e);
        }
        for (size_t i = 0; i < loaded && r >= 0; i++) {
                json_object *p = NULL;

                any_fake |= is_fake(&g[i]);
                r = profile_json(&g[i], &p);
                if (r >= 0)
                        r = json_array_add(profiles, p);
        }
        if (r >= 0)
                r = markdown(g, loaded, o->tool_version, &md);
        if (r >= 0)
                r = trustee_message(g, loaded, &trustee);
        if (r >= 0)
                r = file_mkdir_p(o->out_dir, 0755);
        if (r < 0 && !e->msg[0])
                err_setf(e, r, "%s: %s", o->out_dir, strerror(-r));
        if (r >= 0)
                r = write_file(o->out_dir, MD_FILE, md.data, md.len, e);
        if (r >= 0 && sha256_hex(md.data, md.len, hex) >= 0)
                r = json_add_string(files, MD_FILE, hex);
        if (r >= 0 && trustee) {
                r = write_file(o->out_dir, TRUSTEE_FILE, trustee, strlen(trustee), e);
                if (r >= 0 && sha256_hex(trustee, strlen(trustee), hex) >= 0)
                        r = json_add_string(files, TRUSTEE_FILE, hex);
        }
        /* The image: the first golden file's inputs (the same for all, but
         * for the firmware and memory, which each profile keeps). */
        if (r >= 0 && profiles && json_object_array_length(profiles) &&
            json_object_object_get_ex(json_object_array_get_idx(profiles, 0), "inputs", &v))
                image = json_object_get(v);
        if (r >= 0 && (json_add_string(root, "schema", GOLDEN_PUBLISHED_SCHEMA) < 0 ||
                       json_add_string(root, "tdxh_version", o->tool_version) < 0 ||
                       json_add_bool(root, "fake", any_fake) < 0 ||
                       json_add(root, "image", TAKE_PTR(image)) < 0 ||
                       json_add(root, "profiles", TAKE_PTR(profiles)) < 0 ||
                       json_add(root, "files", TAKE_PTR(files)) < 0))
                r = -ENOMEM;
        if (r >= 0) {
                const char *t = json_pretty(root);

                json_text = t ? strdup(t) : NULL;
                if (!json_text)
                        r = -ENOMEM;
        }
        if (r >= 0)
                r = sign(o->key, json_text, strlen(json_text), &sig, &sig_len, e);
        /* The JSON last but one and the signature last: a reader never
         * finds a signature for a JSON that is not there yet. */
        if (r >= 0)
                r = write_file(o->out_dir, JSON_FILE, json_text, strlen(json_text), e);
        if (r >= 0)
                r = write_file(o->out_dir, SIG_FILE, sig, sig_len, e);
        for (size_t i = 0; i < loaded; i++)
                golden_free(&g[i]);
        if (r == -ENOMEM && !e->msg[0])
                return err_setf(e, r, "out of memory");
        return r;
}

static int verify_signature(const char *pubkey, const void *data, size_t len, const uint8_t *sig,
                            size_t sig_len, struct tdxh_err *e)
{
        _cleanup_pkey_ EVP_PKEY *key = NULL;
        EVP_MD_CTX *ctx __attribute__((cleanup(md_ctx_freep))) = EVP_MD_CTX_new();
        FILE *f = fopen(pubkey, "re");

        if (!f)
                return err_setf(e, -errno, "%s: cannot open: %s", pubkey, strerror(errno));
        key = PEM_read_PUBKEY(f, NULL, NULL, NULL);
        fclose(f);
        if (!key)
                return err_setf(e, -EINVAL, "%s: not a PEM public key", pubkey);
        if (!ctx)
                return -ENOMEM;
        if (EVP_DigestVerifyInit(ctx, NULL, EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 ? NULL : EVP_sha384(),
                                 NULL, key) != 1)
                return err_setf(e, -EINVAL, "%s: this key cannot verify (ECDSA, RSA or Ed25519)", pubkey);
        if (EVP_DigestVerify(ctx, sig, sig_len, data, len) != 1) {
                err_setf(e, -EBADMSG, "%s: the signature does not match %s under %s", SIG_FILE, JSON_FILE,
                         pubkey);
                return 1;
        }
        return 0;
}

static int check_files(const char *dir, json_object *root, struct tdxh_err *e)
{
        json_object *files, *schema;

        if (!json_object_object_get_ex(root, "schema", &schema) ||
            strcmp(json_object_get_string(schema), GOLDEN_PUBLISHED_SCHEMA) != 0) {
                err_setf(e, -EINVAL, "%s: schema: not %s", JSON_FILE, GOLDEN_PUBLISHED_SCHEMA);
                return 1;
        }
        if (!json_object_object_get_ex(root, "files", &files) || !json_object_is_type(files, json_type_object)) {
                err_setf(e, -EINVAL, "%s: files: missing", JSON_FILE);
                return 1;
        }
        json_object_object_foreach(files, name, want)
        {
                _cleanup_free_ char *path = NULL, *data = NULL;
                char hex[2 * SHA256_LEN + 1];
                size_t len;

                if (strchr(name, '/') || asprintf(&path, "%s/%s", dir, name) < 0) {
                        err_setf(e, -EINVAL, "%s: files: '%s' is not a file of the artifact", JSON_FILE, name);
                        return 1;
                }
                if (file_read_all(path, ARTIFACT_MAX, &data, &len, NULL) < 0) {
                        err_setf(e, -ENOENT, "%s: listed in %s, missing", path, JSON_FILE);
                        return 1;
                }
                if (sha256_hex(data, len, hex) < 0)
                        return -ENOMEM;
                if (!json_object_is_type(want, json_type_string) || strcmp(hex, json_object_get_string(want)) != 0) {
                        err_setf(e, -EBADMSG, "%s: changed since it was published (sha256 %.16s.., signed "
                                              "%.16s..)",
                                 path, hex, json_object_get_string(want));
                        return 1;
                }
        }
        return 0;
}

int golden_verify_published(const char *dir, const char *pubkey, struct tdxh_err *e)
{
        _cleanup_free_ char *json_path = NULL, *sig_path = NULL, *json_text = NULL, *sig = NULL;
        _cleanup_json_ json_object *root = NULL;
        size_t json_len, sig_len;
        int r;

        if (asprintf(&json_path, "%s/%s", dir, JSON_FILE) < 0 || asprintf(&sig_path, "%s/%s", dir, SIG_FILE) < 0)
                return -ENOMEM;
        r = file_read_all(json_path, ARTIFACT_MAX, &json_text, &json_len, e);
        if (r >= 0)
                r = file_read_all(sig_path, SIG_MAX, &sig, &sig_len, e);
        if (r < 0)
                return r;
        r = verify_signature(pubkey, json_text, json_len, (const uint8_t *)sig, sig_len, e);
        if (r != 0)
                return r;
        root = json_tokener_parse(json_text);
        if (!root) {
                err_setf(e, -EINVAL, "%s: signed, but not JSON", json_path);
                return 1;
        }
        return check_files(dir, root, e);
}
