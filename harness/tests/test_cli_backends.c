/* tdxh run's backends as a user meets them without a TDX host: --dry-run
 * prints the QEMU command line (a shell takes it back argument for argument)
 * or the libvirt domain XML (it parses) and starts nothing; a TD backend
 * without --dry-run fails at once with the host-check reason; options that
 * do not fit the backend are refused; tdxh host-check's exit status agrees
 * with what it prints. */
#include <errno.h>
#include <json-c/json.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/file.h"
#include "run/deadline.h"
#include "testutil.h"

static const char owner_hex[] =
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf";
/* base64 of the bytes above, as platform_fixture.h's mr_fill(0xa0) gives them */
static const char owner_b64[] = "oKGio6SlpqeoqaqrrK2ur7CxsrO0tba3uLm6u7y9vr/AwcLDxMXGx8jJysvMzc7P";

static char *dir, *image, *firmware, *out;

static void put(const char *path, const char *text)
{
        ck_assert_int_eq(file_write_atomic(path, text, strlen(text), 0644, NULL), 0);
}

static void setup(void)
{
        char *p = NULL;

        dir = tmpdir_make();
        ck_assert_int_ge(asprintf(&image, "%s/image", dir), 0);
        ck_assert_int_eq(file_mkdir_p(image, 0755), 0);
        ck_assert_int_ge(asprintf(&p, "%s/vmlinuz", image), 0);
        put(p, "kernel");
        free(p);
        ck_assert_int_ge(asprintf(&p, "%s/initrd.img", image), 0);
        put(p, "initrd");
        free(p);
        ck_assert_int_ge(asprintf(&p, "%s/cmdline", image), 0);
        put(p, "console=ttyS0 quiet panic=-1");
        free(p);
        ck_assert_int_ge(asprintf(&firmware, "%s/OVMF.inteltdx.fd", dir), 0);
        put(firmware, "firmware");
        ck_assert_int_ge(asprintf(&out, "%s/o", dir), 0);
}

static void teardown(void)
{
        tmpdir_remove(dir);
        free(image);
        free(firmware);
        free(out);
}

/* tdxh run measure-extend-quote-seal --image … --firmware … --out … ARGS… */
static void dry_run(struct run_result *r, const char *a, const char *b, const char *c,
                    const char *d)
{
        run_tdxh(r, (const char *[]){ "run", "measure-extend-quote-seal", "--image", image,
                                      "--firmware", firmware, "--out", out, a, b, c, d, NULL });
}

/* The arguments a shell makes of the printed command, one per line. */
static char *shell_words(const char *printed)
{
        struct run_result r;
        char *script = NULL, *path = NULL, *words;
        const char *cmd = strchr(printed, '\n');

        ck_assert_ptr_nonnull(cmd);
        ck_assert_int_ge(asprintf(&script, "printf '%%s\\n' %s", cmd + 1), 0);
        ck_assert_int_ge(asprintf(&path, "%s/words.sh", dir), 0);
        put(path, script);
        run_cmd(&r, (const char *[]){ "sh", path, NULL }, 30);
        ck_assert_int_eq(r.status, 0);
        words = strdup(r.out);
        run_result_free(&r);
        free(script);
        free(path);
        return words;
}

START_TEST(test_run_qemu_tdx_dry_run_prints_a_command_a_shell_takes_back)
{
        struct run_result r;
        char *words, *want = NULL;

        run_tdxh(&r, (const char *[]){ "run", "measure-extend-quote-seal", "--image", image,
                                       "--firmware", firmware, "--out", out, "--backend",
                                       "qemu-tdx", "--dry-run", "--mrowner", owner_hex,
                                       "--td-debug", NULL });
        ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
        ck_assert_int_eq(strncmp(r.out, "# scenario measure-extend-quote-seal, boot-1 (step 1: "
                                        "boot), qemu-tdx\n", 66), 0);
        words = shell_words(r.out);
        ck_assert_int_ge(asprintf(&want,
                                  "\n-object\n{\"qom-type\":\"tdx-guest\",\"id\":\"tdx0\","
                                  "\"attributes\":268435457,\"mrowner\":\"%s\","
                                  "\"quote-generation-socket\":{\"type\":\"unix\",\"path\":"
                                  "\"/var/run/tdx-qgs/qgs.socket\"}}\n",
                                  owner_b64),
                         0);
        ck_assert_msg(strstr(words, want), "no tdx-guest object in:\n%s", words);
        ck_assert_ptr_nonnull(strstr(words, "\n-machine\nq35,confidential-guest-support=tdx0,"
                                            "kernel-irqchip=split,smm=off,pic=off,hpet=off\n"));
        ck_assert_ptr_nonnull(strstr(words, "\n-append\nconsole=ttyS0 quiet panic=-1\n"));
        ck_assert_ptr_null(strstr(words, "-tpmdev"));
        /* Nothing was started or written. */
        ck_assert_int_ne(access(out, F_OK), 0);
        free(want);
        free(words);
        run_result_free(&r);
}
END_TEST

START_TEST(test_run_fake_dry_run_shows_swtpm_and_fake_tdx_files)
{
        struct run_result r;
        char *words, *want = NULL;

        dry_run(&r, "--dry-run", NULL, NULL, NULL);
        ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
        words = shell_words(r.out);
        ck_assert_ptr_nonnull(strstr(words, "\n-tpmdev\nemulator,id=tpm0,chardev=chrtpm\n"));
        ck_assert_int_ge(asprintf(&want, "\n-fw_cfg\nname=opt/tdxh/mrtd,file=%s/"
                                         "measure-extend-quote-seal/boot-1/fake-tdx/mrtd\n",
                                  out),
                         0);
        ck_assert_msg(strstr(words, want), "%s", words);
        ck_assert_ptr_null(strstr(words, "tdx-guest"));
        free(want);
        free(words);
        run_result_free(&r);
}
END_TEST

/* A scenario that reboots prints one command per boot, each with its own
 * folder; a tampered initrd is the one the engine would make. */
START_TEST(test_run_dry_run_prints_every_boot)
{
        struct run_result r;
        char *want = NULL;

        run_tdxh(&r, (const char *[]){ "run", "seal-tamper-initrd", "--image", image, "--firmware",
                                       firmware, "--out", out, "--dry-run", NULL });
        ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "# scenario seal-tamper-initrd, boot-1 (step 1: boot)"));
        ck_assert_ptr_nonnull(strstr(r.out, "\n# scenario seal-tamper-initrd, boot-2 (step "));
        ck_assert_int_ge(asprintf(&want, "-initrd %s/seal-tamper-initrd/runtime/initrd-tampered.img",
                                  out),
                         0);
        ck_assert_msg(strstr(r.out, want), "%s", r.out);
        ck_assert_int_ne(access(out, F_OK), 0);
        free(want);
        run_result_free(&r);
}
END_TEST

static xmlDocPtr parse_domain(const char *text)
{
        xmlDocPtr doc = xmlReadMemory(text, (int)strlen(text), "dry-run.xml", NULL,
                                      XML_PARSE_NONET);

        ck_assert_msg(doc, "not XML:\n%s", text);
        ck_assert_str_eq((const char *)xmlDocGetRootElement(doc)->name, "domain");
        return doc;
}

START_TEST(test_run_libvirt_dry_run_prints_domain_xml)
{
        struct run_result r;
        xmlDocPtr doc;
        char *want = NULL;

        run_tdxh(&r, (const char *[]){ "run", "measure-extend-quote-seal", "--image", image,
                                       "--firmware", firmware, "--out", out, "--backend",
                                       "libvirt", "--dry-run", "--mrowner", owner_hex, NULL });
        ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
        doc = parse_domain(r.out);
        ck_assert_int_ge(asprintf(&want, "<mrOwner>%s</mrOwner>", owner_b64), 0);
        ck_assert_ptr_nonnull(strstr(r.out, "<launchSecurity type=\"tdx\">"));
        ck_assert_ptr_nonnull(strstr(r.out, want));
        ck_assert_ptr_nonnull(strstr(r.out, "<quoteGenerationService path=\"/var/run/tdx-qgs/qgs.socket\"/>"));
        xmlFreeDoc(doc);
        free(want);
        run_result_free(&r);

        run_tdxh(&r, (const char *[]){ "run", "measure-extend-quote-seal", "--image", image,
                                       "--firmware", firmware, "--out", out, "--backend",
                                       "libvirt", "--platform", "fake", "--dry-run", NULL });
        ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
        doc = parse_domain(r.out);
        ck_assert_ptr_nonnull(strstr(r.out, "<tpm model=\"tpm-crb\">"));
        /* The swtpm tdxh starts, in the run's runtime directory. */
        ck_assert_ptr_nonnull(strstr(r.out, "<backend type=\"external\" version=\"2.0\">"));
        ck_assert_ptr_nonnull(strstr(r.out, "/runtime/swtpm.sock\"/>"));
        ck_assert_ptr_nonnull(strstr(r.out, "<sysinfo type=\"fwcfg\">"));
        ck_assert_ptr_null(strstr(r.out, "launchSecurity"));
        xmlFreeDoc(doc);
        run_result_free(&r);
}
END_TEST

/* A TD without --dry-run, directly or through libvirt (whose platform is
 * tdx unless told otherwise). */
static const char *const td_backends[] = { "qemu-tdx", "libvirt" };

START_TEST(test_run_td_backend_without_dry_run_fails_fast_with_the_reason)
{
        struct run_result r;
        uint64_t t0 = mono_now_ns();
        char *want = NULL;

        dry_run(&r, "--backend", td_backends[_i], NULL, NULL);
        ck_assert_msg(r.status == 3, "exit %d: %s", r.status, r.err);
        ck_assert_int_ge(asprintf(&want, "--backend %s: this host cannot run TDs", td_backends[_i]), 0);
        ck_assert_msg(strstr(r.err, want), "%s", r.err);
        /* The probe runs QEMU twice with a deadline; nothing waits for a guest. */
        ck_assert_uint_lt(mono_now_ns() - t0, 30ull * 1000000000);
        ck_assert_int_ne(access(out, F_OK), 0);
        run_result_free(&r);
        free(want);
}
END_TEST

static const struct {
        const char *args[4]; /* after the scenario and --image */
        const char *message;
} refused[] = {
        { { "--dry-run", "--mrowner", owner_hex }, "are for a TD" },
        { { "--dry-run", "--td-debug" }, "are for a TD" },
        { { "--backend", "qemu-tdx", "--platform", "fake" }, "--platform is for --backend libvirt" },
        { { "--backend", "qemu-tdx", "--mrconfigid", "abcd" }, "--mrconfigid: 'abcd' is not 48 bytes" },
        { { "--backend", "xen", "--dry-run" }, "'xen' is not a backend" },
        { { "--backend", "libvirt", "--platform", "sev" }, "'sev' is not a platform" },
        { { "--connect", "qemu:///session" }, "--connect is for --backend libvirt" },
        { { "--backend", "libvirt", "--connect", "" }, "expected a libvirt URI" },
};

START_TEST(test_run_refuses_options_that_do_not_fit_the_backend)
{
        const char *const *a = refused[_i].args;
        struct run_result r;

        run_tdxh(&r, (const char *[]){ "run", "measure-extend-quote-seal", "--image", image, a[0],
                                       a[1], a[2], a[3], NULL });
        ck_assert_msg(r.status == 2, "exit %d: %s", r.status, r.err);
        ck_assert_msg(strstr(r.err, refused[_i].message), "%s", r.err);
        /* One line, and the hint. */
        ck_assert_ptr_nonnull(strstr(r.err, "\nTry 'tdxh run --help'.\n"));
        ck_assert_ptr_eq(strchr(r.err, '\n'), strstr(r.err, "\nTry"));
        run_result_free(&r);
}
END_TEST

START_TEST(test_host_check_exit_status_agrees_with_its_verdict)
{
        static const char *const names[] = { "cpu", "kvm-tdx", "kvm-device", "tdx-keyids",
                                             "qemu", "firmware", "qgs", "libvirt" };
        struct run_result r, j;
        json_object *o;
        bool can;

        run_tdxh(&r, (const char *[]){ "host-check", NULL });
        run_tdxh(&j, (const char *[]){ "host-check", "--json", NULL });
        ck_assert_int_eq(r.status, j.status);
        o = json_tokener_parse(j.out);
        ck_assert_ptr_nonnull(o);
        can = json_object_get_boolean(json_object_object_get(o, "can_run_tds"));
        ck_assert_int_eq(r.status, can ? 0 : 3);
        ck_assert_ptr_nonnull(strstr(r.out, can ? "this host can run TDs" : "cannot run TDs"));
        for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
                ck_assert_msg(strstr(r.out, names[i]), "no %s check in:\n%s", names[i], r.out);
        /* Without /dev/kvm nothing can run a TD, and it says so. */
        if (access("/dev/kvm", F_OK) != 0) {
                ck_assert(!can);
                ck_assert_ptr_nonnull(strstr(r.out, "/dev/kvm: missing"));
        }
        json_object_put(o);
        run_result_free(&r);
        run_result_free(&j);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("cli/backends");
        TCase *tc = tcase_create("backends");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_add_test(tc, test_run_qemu_tdx_dry_run_prints_a_command_a_shell_takes_back);
        tcase_add_test(tc, test_run_fake_dry_run_shows_swtpm_and_fake_tdx_files);
        tcase_add_test(tc, test_run_dry_run_prints_every_boot);
        tcase_add_test(tc, test_run_libvirt_dry_run_prints_domain_xml);
        tcase_add_loop_test(tc, test_run_td_backend_without_dry_run_fails_fast_with_the_reason, 0,
                            sizeof(td_backends) / sizeof(td_backends[0]));
        tcase_add_loop_test(tc, test_run_refuses_options_that_do_not_fit_the_backend, 0,
                            sizeof(refused) / sizeof(refused[0]));
        tcase_add_test(tc, test_host_check_exit_status_agrees_with_its_verdict);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
