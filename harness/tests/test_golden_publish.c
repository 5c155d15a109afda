/* Publishing reference values (golden/golden_publish.h) with the committed
 * golden files of the minimal image: the artifact verifies under the
 * publisher's key (and with `openssl dgst -verify`'s conventions: ECDSA and
 * RSA over SHA-384, Ed25519), and a one-byte change to any of its files,
 * or another key, does not; fake values never reach the trustee message;
 * golden files of two images are refused. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "golden/golden_publish.h"
#include "testutil.h"

#define GOLDEN_DIR TDXH_SOURCE_DIR "/images/minimal/golden/"

static const char *const all_goldens[] = {
        GOLDEN_DIR "fake.json",
        GOLDEN_DIR "tdx-edk2-202411-qemu-10.1.json",
        GOLDEN_DIR "tdx-edk2-202502-qemu-10.2.json",
};

/* A key pair of the given kind in DIR: NAME.pem (private), NAME.pub.pem. */
static void make_key(const char *dir, const char *name, const char *kind, char **priv, char **pub)
{
        EVP_PKEY *k = strcmp(kind, "ec") == 0  ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384")
                      : strcmp(kind, "rsa") == 0 ? EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048)
                                                  : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        FILE *f;

        ck_assert_ptr_nonnull(k);
        ck_assert_int_ge(asprintf(priv, "%s/%s.pem", dir, name), 0);
        ck_assert_int_ge(asprintf(pub, "%s/%s.pub.pem", dir, name), 0);
        f = fopen(*priv, "we");
        ck_assert(f && PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL) == 1);
        fclose(f);
        f = fopen(*pub, "we");
        ck_assert(f && PEM_write_PUBKEY(f, k) == 1);
        fclose(f);
        EVP_PKEY_free(k);
}

static char *in(const char *dir, const char *name)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
        return p;
}

static void publish(const char *const *goldens, size_t n, const char *key, const char *out)
{
        struct golden_publish_opts o = { .goldens = goldens, .n_goldens = n, .key = key,
                                         .out_dir = out, .tool_version = "test" };
        struct tdxh_err e = { 0 };

        ck_assert_msg(golden_publish(&o, &e) == 0, "%s", e.msg);
}

static int verify(const char *out, const char *pub, struct tdxh_err *e)
{
        *e = (struct tdxh_err){ 0 };
        return golden_verify_published(out, pub, e);
}

/* Flips one byte of DIR/NAME, checks the artifact no longer verifies (and
 * that the message names what changed), and flips it back. */
static void assert_change_detected(const char *out, const char *pub, const char *name, const char *want)
{
        char *path = in(out, name), *data;
        size_t len;
        struct tdxh_err e;

        data = (char *)slurp(path, &len);
        ck_assert_uint_gt(len, 40);
        data[len / 2] ^= 0x01;
        ck_assert_int_eq(file_write_atomic(path, data, len, 0644, NULL), 0);
        ck_assert_int_eq(verify(out, pub, &e), 1);
        ck_assert_msg(strstr(e.msg, want), "%s: %s", name, e.msg);
        data[len / 2] ^= 0x01;
        ck_assert_int_eq(file_write_atomic(path, data, len, 0644, NULL), 0);
        ck_assert_int_eq(verify(out, pub, &e), 0);
        free(data);
        free(path);
}

START_TEST(test_publish_verifies_and_any_change_does_not)
{
        static const char *const kinds[] = { "ec", "rsa", "ed25519" };
        char *dir = tmpdir_make();

        for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
                char *priv, *pub, *opriv, *opub, *out = in(dir, kinds[k]), *t = NULL;
                struct tdxh_err e;

                make_key(dir, kinds[k], kinds[k], &priv, &pub);
                make_key(dir, "other", kinds[k], &opriv, &opub);
                publish(all_goldens, 3, priv, out);
                ck_assert_msg(verify(out, pub, &e) == 0, "%s: %s", kinds[k], e.msg);
                ck_assert_int_eq(verify(out, opub, &e), 1);
                ck_assert_ptr_nonnull(strstr(e.msg, "the signature does not match"));
                assert_change_detected(out, pub, "reference-values.json", "the signature does not match");
                assert_change_detected(out, pub, "reference-values.json.sig",
                                       "the signature does not match");
                assert_change_detected(out, pub, "reference-values.md", "changed since it was published");
                assert_change_detected(out, pub, "trustee-rvps-message.json",
                                       "changed since it was published");
                /* A listed file that is gone. */
                t = in(out, "reference-values.md");
                ck_assert_int_eq(unlink(t), 0);
                ck_assert_int_eq(verify(out, pub, &e), 1);
                ck_assert_ptr_nonnull(strstr(e.msg, "missing"));
                free(t);
                free(priv);
                free(pub);
                free(opriv);
                free(opub);
                free(out);
        }
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_publish_content_marks_fake_and_keeps_it_from_trustee)
{
        char *dir = tmpdir_make(), *priv, *pub, *out = in(dir, "a"), *fake_only = in(dir, "b");
        char *json, *md, *msg, *path;
        size_t len;

        make_key(dir, "k", "ec", &priv, &pub);
        publish(all_goldens, 3, priv, out);
        path = in(out, "reference-values.json");
        json = (char *)slurp(path, &len);
        free(path);
        ck_assert_ptr_nonnull(strstr(json, "\"schema\": \"tdxh-published/1\""));
        ck_assert_ptr_nonnull(strstr(json, "\"fake\": true"));
        ck_assert_ptr_nonnull(strstr(json, "\"tdxh_version\": \"test\""));
        path = in(out, "reference-values.md");
        md = (char *)slurp(path, &len);
        free(path);
        ck_assert_ptr_nonnull(strstr(md, "## fake (FAKE: values of the fake platform, not of a TD)"));
        path = in(out, "trustee-rvps-message.json");
        msg = (char *)slurp(path, &len);
        free(path);
        ck_assert_ptr_nonnull(strstr(msg, "\"type\": \"sample\""));
        free(json);
        free(md);
        free(msg);

        /* Only the fake profile: nothing for trustee at all. */
        publish(all_goldens, 1, priv, fake_only);
        path = in(fake_only, "trustee-rvps-message.json");
        ck_assert_int_ne(access(path, F_OK), 0);
        free(path);
        free(priv);
        free(pub);
        free(out);
        free(fake_only);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_publish_refuses_two_images)
{
        char *dir = tmpdir_make(), *priv, *pub, *other = in(dir, "other.json"), *text, *at;
        const char *goldens[2] = { all_goldens[0], other };
        struct golden_publish_opts o = { .goldens = goldens, .n_goldens = 2, .out_dir = dir,
                                         .tool_version = "test" };
        struct tdxh_err e = { 0 };
        size_t len;

        make_key(dir, "k", "ec", &priv, &pub);
        o.key = priv;
        text = (char *)slurp(all_goldens[1], &len);
        at = strstr(text, "\"cmdline\": \"");
        ck_assert_ptr_nonnull(at);
        at[12] = 'X';
        ck_assert_int_eq(file_write_atomic(other, text, len, 0644, NULL), 0);
        ck_assert_int_lt(golden_publish(&o, &e), 0);
        ck_assert_msg(strstr(e.msg, "inputs.cmdline: another command line"), "%s", e.msg);
        free(text);
        free(priv);
        free(pub);
        free(other);
        tmpdir_remove(dir);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("golden_publish");
        TCase *tc = tcase_create("golden_publish");

        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_publish_verifies_and_any_change_does_not);
        tcase_add_test(tc, test_publish_content_marks_fake_and_keeps_it_from_trustee);
        tcase_add_test(tc, test_publish_refuses_two_images);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
