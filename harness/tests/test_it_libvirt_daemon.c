/* tdxh run --backend libvirt --platform fake against a real libvirt daemon:
 * the test starts its own libvirtd in session mode, on a socket and
 * directories of its own (XDG_* under a temporary directory; as root the
 * daemon runs as nobody, and so does tdxh, as a user's session daemon and
 * its user would). The main scenario through libvirt gets the same verdict
 * and the same registers (MRTD, RTMR0-3) as through the direct fake
 * backend, and the run directory records what libvirt ran; a scenario that
 * reboots and then fails a step, and a run interrupted by SIGINT while its
 * guest boots, leave no domain, no QEMU and no swtpm; a URI without a
 * daemon fails the boot step with libvirt's reason; a disk image boots and
 * matches its golden file as on the direct backend. The daemon is started
 * and stopped by the runner's process around all tests; a domain, a QEMU or
 * a swtpm still there when a test ends, or a daemon process after the
 * teardown, fails the program. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sys/wait.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "core/json_util.h"
#include "it_tdxh.h"
#include "run/child.h"
#include "run/libvirt_domain.h"
#include "run/unix_sock.h"
#include "testutil.h"

#define DAEMON_UID 65534 /* nobody */

static char *dir, *uri, *sock;
static struct child daemon_proc = CHILD_INIT;
static bool leaked;

static void mkdir_owned(const char *path, mode_t mode)
{
        if (file_mkdir_p(path, mode) < 0 || chmod(path, mode) < 0 ||
            (geteuid() == 0 && chown(path, DAEMON_UID, DAEMON_UID) < 0)) {
                fprintf(stderr, "%s: %s\n", path, strerror(errno));
                exit(1);
        }
}

static char *sub(const char *name)
{
        char *p = NULL;

        if (asprintf(&p, "%s/%s", dir, name) < 0)
                exit(1);
        return p;
}

/* libvirtd --timeout: it ends by itself should the teardown never come. */
static void daemon_setup(void)
{
        static const char *const names[] = { "rt", "config/libvirt", "cache", "data", "home",
                                             "run", "image" };
        char *env[8], *qemu_conf = NULL, *log = NULL;
        const char *root_argv[] = { "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                                    "libvirtd", "--timeout", "600", NULL };
        const char *user_argv[] = { "libvirtd", "--timeout", "600", NULL };
        struct deadline d;
        struct wait_watch w = { .children = { &daemon_proc } };
        struct tdxh_err e = { 0 };
        int fd = -1;
        struct child *dead = NULL;
        struct run_result chmod_r;

        it_image_setup();
        /* The image is read by the daemon's user (tdxh and QEMU). */
        run_cmd(&chmod_r, (const char *[]){ "chmod", "-R", "a+rX", it_work, NULL }, 60);
        if (chmod_r.status != 0 || chmod(it_work, 0755) < 0)
                exit(1);
        run_result_free(&chmod_r);
        dir = tmpdir_make();
        chmod(dir, 0755);
        log = sub("libvirtd.log");
        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                char *p = sub(names[i]);

                mkdir_owned(p, strcmp(names[i], "rt") == 0 ? 0700 : 0755);
                free(p);
        }
        if (geteuid() == 0) {
                char *cfg = sub("config");

                (void)chown(cfg, DAEMON_UID, DAEMON_UID);
                free(cfg);
        }
        /* QEMU's output into a file, not through virtlogd: a session daemon
         * would otherwise start a virtlogd of its own that outlives it. */
        qemu_conf = sub("config/libvirt/qemu.conf");
        if (file_write_atomic(qemu_conf, "stdio_handler = \"file\"\n", 23, 0644, NULL) < 0)
                exit(1);
        if (asprintf(&env[0], "HOME=%s/home", dir) < 0 ||
            asprintf(&env[1], "XDG_RUNTIME_DIR=%s/rt", dir) < 0 ||
            asprintf(&env[2], "XDG_CONFIG_HOME=%s/config", dir) < 0 ||
            asprintf(&env[3], "XDG_CACHE_HOME=%s/cache", dir) < 0 ||
            asprintf(&env[4], "XDG_DATA_HOME=%s/data", dir) < 0 ||
            asprintf(&env[5], "PATH=/usr/sbin:/usr/bin:/sbin:/bin") < 0 ||
            asprintf(&env[6], "LC_ALL=C") < 0)
                exit(1);
        env[7] = NULL;
        if (child_spawn(&daemon_proc,
                        &(struct child_opts){
                                .argv = geteuid() == 0 ? root_argv : user_argv,
                                .envp = (const char *const *)env,
                                .out = { .kind = CHILD_IO_FILE, .path = log },
                                .err = { .kind = CHILD_IO_FILE, .path = log },
                                .cwd = dir,
                        },
                        &e) < 0) {
                fprintf(stderr, "libvirtd: %s\n", e.msg);
                exit(1);
        }
        sock = sub("rt/libvirt/libvirt-sock");
        /* From the daemon's start: the image's build above has its own. */
        d = deadline_in_ms(60000);
        if (unix_connect_wait(sock, &d, &w, &dead, &fd) < 0) {
                fprintf(stderr, "libvirtd did not listen on %s (see %s)\n", sock, log);
                exit(1);
        }
        close(fd);
        if (asprintf(&uri, "qemu+unix:///session?socket=%s", sock) < 0)
                exit(1);
        for (size_t i = 0; i < 7; i++)
                free(env[i]);
        free(qemu_conf);
        free(log);
}

/* Counts the daemon's domains: any left behind is a leak. */
static int daemon_domains(void)
{
        virConnectPtr c = virConnectOpen(uri);
        int n = c ? virConnectNumOfDomains(c) : -1;

        if (c)
                virConnectClose(c);
        return n;
}

static void daemon_teardown(void)
{
        char desc[512];
        struct tdxh_err e = { 0 };

        if (daemon_domains() != 0) {
                fprintf(stderr, "FAIL: a domain was left running on the test's libvirtd\n");
                leaked = true;
        }
        if (child_terminate(&daemon_proc, 0, 10000, &e) < 0) {
                fprintf(stderr, "FAIL: libvirtd did not stop: %s\n", e.msg);
                leaked = true;
        }
        child_done(&daemon_proc);
        /* Nothing the daemon started may outlive it (QEMU, swtpm). */
        if (it_processes_mentioning(dir, desc, sizeof(desc)) > 0) {
                fprintf(stderr, "FAIL: processes left behind: %s\n", desc);
                leaked = true;
        }
        tmpdir_remove(dir);
        free(uri);
        free(sock);
        it_image_teardown();
}

/* argv to run TDXH_BIN as the daemon's user, in the daemon's environment:
 * tdxh's runtime directory, sockets and run directory are then QEMU's too,
 * as with a user's own session daemon. */
static void tdxh_argv(const char **v, size_t max, const char *const *args)
{
        static char *env[3];
        size_t n = 0;

        if (!env[0] && (asprintf(&env[0], "HOME=%s/home", dir) < 0 ||
                        asprintf(&env[1], "XDG_RUNTIME_DIR=%s/rt", dir) < 0 ||
                        asprintf(&env[2], "XDG_CONFIG_HOME=%s/config", dir) < 0))
                exit(1);
        if (geteuid() == 0) {
                v[n++] = "setpriv";
                v[n++] = "--reuid=65534";
                v[n++] = "--regid=65534";
                v[n++] = "--clear-groups";
        }
        v[n++] = "env";
        for (size_t i = 0; i < ELEMENTSOF(env); i++)
                v[n++] = env[i];
        v[n++] = getenv("TDXH_BIN");
        for (size_t i = 0; args[i] && n + 1 < max; i++)
                v[n++] = args[i];
        v[n] = NULL;
}

static void run_tdxh_as_daemon_user(struct run_result *r, const char *const *args)
{
        const char *v[40];

        tdxh_argv(v, ELEMENTSOF(v), args);
        run_cmd(r, v, 600);
}

/* tdxh run SCENARIO --out OUT through libvirt at connect. */
static void run_libvirt(struct run_result *r, const char *scenario, const char *out,
                        const char *connect)
{
        run_tdxh_as_daemon_user(r, (const char *[]){ "run", scenario, "--image", it_image, "--out", out,
                                                     "--backend", "libvirt", "--platform", "fake",
                                                     "--connect", connect, NULL });
}

/* A folder of the run directories, the daemon's user's. */
static char *out_dir(const char *name)
{
        char *p = sub(name);

        mkdir_owned(p, 0755);
        return p;
}

/* MRTD and RTMR0-3 as the measure step observed them (report.json). */
static void observed_registers(const char *run, char regs[5][97])
{
        static const char *const names[] = { "mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3" };
        char *rep_dir = NULL;
        json_object *rep, *v, *list;
        size_t found = 0;

        ck_assert_int_ge(asprintf(&rep_dir, "%s/report", run), 0);
        rep = it_load_json(rep_dir, "report.json");
        ck_assert(json_object_object_get_ex(rep, "scenarios", &v));
        ck_assert(json_object_object_get_ex(json_object_array_get_idx(v, 0), "comparisons", &v));
        ck_assert(json_object_object_get_ex(json_object_array_get_idx(v, 0), "diff", &v));
        ck_assert(json_object_object_get_ex(v, "registers", &list));
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                json_object *reg = json_object_array_get_idx(list, i);
                const char *name = json_get_string(reg, "name"), *obs = json_get_string(reg, "observed");

                for (size_t k = 0; k < ELEMENTSOF(names); k++)
                        if (name && obs && strcmp(name, names[k]) == 0 && strlen(obs) == 96) {
                                memcpy(regs[k], obs, 97);
                                found |= 1u << k;
                        }
        }
        ck_assert_msg(found == 0x1f, "%s: the report lacks an observed register", run);
        json_object_put(rep);
        free(rep_dir);
}

/* Nothing of a run is left: no domain on the daemon, no process (QEMU,
 * swtpm, tdxh-fake-qgs) mentioning its run directory or its domains. */
static void assert_nothing_left(const char *out)
{
        char desc[1024];

        ck_assert_int_eq(daemon_domains(), 0);
        ck_assert_msg(it_processes_mentioning(out, desc, sizeof(desc)) == 0, "left: %s", desc);
        ck_assert_msg(it_processes_mentioning("guest=tdxh-", desc, sizeof(desc)) == 0, "left: %s",
                      desc);
}

START_TEST(test_libvirt_run_matches_the_direct_fake_backend)
{
        char *lv = out_dir("main-libvirt"), *fake = out_dir("main-fake"), *run_lv = NULL,
             *run_fake = NULL, *boot = NULL, *xml = NULL;
        char regs_lv[5][97], regs_fake[5][97];
        json_object *facts, *l;
        struct run_result r;
        size_t len = 0;

        run_libvirt(&r, "measure-extend-quote-seal", lv, uri);
        ck_assert_msg(r.status == 0, "libvirt: exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "verdict: pass"));
        run_result_free(&r);
        assert_nothing_left(lv);
        run_tdxh_as_daemon_user(&r, (const char *[]){ "run", "measure-extend-quote-seal", "--image",
                                                      it_image, "--out", fake, NULL });
        ck_assert_msg(r.status == 0, "fake: exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_ptr_nonnull(strstr(r.out, "verdict: pass"));
        run_result_free(&r);

        ck_assert_int_ge(asprintf(&run_lv, "%s/measure-extend-quote-seal", lv), 0);
        ck_assert_int_ge(asprintf(&run_fake, "%s/measure-extend-quote-seal", fake), 0);
        observed_registers(run_lv, regs_lv);
        observed_registers(run_fake, regs_fake);
        for (size_t k = 0; k < 5; k++)
                ck_assert_msg(strcmp(regs_lv[k], regs_fake[k]) == 0, "register %zu: libvirt %s, fake %s",
                              k, regs_lv[k], regs_fake[k]);

        /* What libvirt ran: the URI, the versions, QEMU's command line, and
         * the domain as defined, with tdxh's swtpm, the fake TDX module's
         * files and the agent's channel kept. */
        ck_assert_int_ge(asprintf(&boot, "%s/boot-1", run_lv), 0);
        facts = it_load_json(boot, "facts.json");
        ck_assert(json_object_object_get_ex(json_object_object_get(facts, "host"), "libvirt", &l));
        ck_assert_str_eq(json_get_string(l, "uri"), uri);
        ck_assert_ptr_nonnull(json_get_string(l, "version"));
        ck_assert_ptr_nonnull(json_get_string(l, "qemu_version"));
        ck_assert_msg(json_get_string(l, "qemu_argv") || json_get_string(l, "qemu_argv_error"),
                      "neither QEMU's command line nor why it is missing");
        json_object_put(facts);
        free(boot);
        ck_assert_int_ge(asprintf(&boot, "%s/boot-1/domain-defined.xml", run_lv), 0);
        ck_assert_int_eq(file_read_all(boot, 1 << 20, &xml, &len, NULL), 0);
        ck_assert_ptr_nonnull(strstr(xml, "<backend type='external'>"));
        ck_assert_ptr_nonnull(strstr(xml, "mode='connect' path='/tmp/tdxh-"));
        ck_assert_ptr_nonnull(strstr(xml, "name='opt/tdxh/td_attributes'"));
        ck_assert_ptr_nonnull(strstr(xml, "name='org.tdxh.agent.0'"));
        assert_nothing_left(lv);
        assert_nothing_left(fake);
        free(xml);
        free(boot);
        free(run_lv);
        free(run_fake);
        free(lv);
        free(fake);
}
END_TEST

/* The guest reboots (a new domain on the same TPM state) and measures the
 * same, then a step fails (a measure that was expected to be refused
 * passes): exit 1, and the domain of the second boot is gone. */
static const char reboot_then_fail[] =
        "name: reboot-then-fail\n"
        "steps:\n"
        "  - boot: {}\n"
        "  - reboot: {}\n"
        "  - measure: {golden: auto}\n"
        "  - measure: {golden: auto, expect: fail}\n"
        "    name: measure that should have been refused\n"
        "  - extend: {data: after-the-failure}\n";

START_TEST(test_libvirt_run_reboots_and_a_failed_step_leaves_no_domain)
{
        char *out = out_dir("reboot"), *sc = NULL, *b2 = NULL;
        struct run_result r;

        ck_assert_int_ge(asprintf(&sc, "%s/reboot-then-fail.yaml", out), 0);
        ck_assert_int_eq(file_write_atomic(sc, reboot_then_fail, strlen(reboot_then_fail), 0644, NULL), 0);
        run_libvirt(&r, sc, out, uri);
        ck_assert_msg(r.status == 1, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_msg(strstr(r.out, "  pass  reboot:") && strstr(r.out, "  pass  measure:") &&
                      strstr(r.out, "  fail  measure that should have been refused:") &&
                      strstr(r.out, "  pass  extend:"), "%s", r.out);
        run_result_free(&r);
        ck_assert_int_ge(asprintf(&b2, "%s/reboot-then-fail/boot-2/domain-defined.xml", out), 0);
        ck_assert_int_eq(access(b2, R_OK), 0);
        assert_nothing_left(out);
        free(b2);
        free(sc);
        free(out);
}
END_TEST

START_TEST(test_libvirt_run_interrupted_while_the_guest_boots_leaves_nothing)
{
        char *out = out_dir("sigint"), *log = sub("sigint.log"), desc[1024];
        const char *v[40];
        struct child c = CHILD_INIT;
        struct deadline give_up = deadline_in_ms(120000), d = deadline_in_ms(60000);
        struct tdxh_err e = { 0 };

        tdxh_argv(v, ELEMENTSOF(v),
                  (const char *[]){ "run", "measure-extend-quote-seal", "--image", it_image, "--out",
                                    out, "--backend", "libvirt", "--platform", "fake", "--connect",
                                    uri, NULL });
        ck_assert_msg(child_spawn(&c,
                                  &(struct child_opts){ .name = "tdxh", .argv = v,
                                                        .out = { .kind = CHILD_IO_FILE, .path = log },
                                                        .err = { .kind = CHILD_IO_FILE, .path = log } },
                                  &e) == 0,
                      "%s", e.msg);
        /* The domain's QEMU runs (its name is on its command line). */
        while (it_processes_mentioning("guest=tdxh-measure-extend-quote-seal-boot-1", desc,
                                       sizeof(desc)) == 0) {
                struct deadline tick = deadline_in_ms(50);

                ck_assert_msg(child_wait(&c, &tick, NULL, NULL) != 0, "tdxh exited before the "
                              "domain ran:\n%s", (char *)slurp(log, NULL));
                ck_assert_msg(!deadline_expired(&give_up), "the domain never ran");
        }
        /* setpriv and env exec: the child is tdxh itself. */
        ck_assert_int_eq(kill(c.pid, SIGINT), 0);
        ck_assert_msg(child_wait(&c, &d, NULL, &e) == 0, "%s", e.msg);
        ck_assert_msg(WIFEXITED(c.status) && WEXITSTATUS(c.status) == 130, "status 0x%x:\n%s",
                      c.status, (char *)slurp(log, NULL));
        child_done(&c);
        assert_nothing_left(out);
        free(log);
        free(out);
}
END_TEST

/* No daemon behind the URI: the boot step is an infrastructure failure
 * naming libvirt's reason, and the swtpm it had started is gone. */
START_TEST(test_libvirt_run_without_a_daemon_fails_the_boot_with_libvirt_reason)
{
        char *out = out_dir("no-daemon"), *bad = NULL;
        struct run_result r;

        ck_assert_int_ge(asprintf(&bad, "qemu+unix:///session?socket=%s/no-such.sock", dir), 0);
        run_libvirt(&r, "measure-extend-quote-seal", out, bad);
        ck_assert_msg(r.status == 3, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_msg(strstr(r.out, "  error boot: libvirt: ") && strstr(r.out, "no-such.sock"), "%s",
                      r.out);
        run_result_free(&r);
        assert_nothing_left(out);
        free(bad);
        free(out);
}
END_TEST

/* A disk image through libvirt: a read-only virtio disk at the slot the
 * prediction names, and the golden file golden compute --disk made from the
 * disk passes as it does on the direct backend (test_it_disk_boot). */
START_TEST(test_libvirt_run_boots_a_disk_image)
{
        char *disks = sub("disks"), *disk = NULL, *golden = NULL, *lv = out_dir("disk-libvirt");
        struct run_result r;

        run_cmd(&r, (const char *[]){ TDXH_SOURCE_DIR "/images/disk/build.sh", "--image", it_image,
                                      "--out", disks, NULL },
                600);
        ck_assert_msg(r.status == 0, "images/disk/build.sh failed (%d): %s", r.status, r.err);
        run_result_free(&r);
        ck_assert_int_ge(asprintf(&disk, "%s/disk.img", disks), 0);
        ck_assert_int_ge(asprintf(&golden, "%s/disk.json", disks), 0);
        run_tdxh(&r, (const char *[]){ "golden", "compute", "--disk", disk, "--profile", "fake",
                                       "--firmware", "/usr/share/ovmf/OVMF.fd", "--memory", "2G",
                                       "-o", golden, NULL });
        ck_assert_msg(r.status == 0, "golden compute --disk: exit %d: %s", r.status, r.err);
        run_result_free(&r);
        run_cmd(&r, (const char *[]){ "chmod", "-R", "a+rX", disks, NULL }, 60);
        ck_assert_int_eq(r.status, 0);
        run_result_free(&r);

        run_tdxh_as_daemon_user(&r, (const char *[]){ "run", "measure-extend-quote-seal", "--image",
                                                      disk, "--golden", golden, "--out", lv,
                                                      "--backend", "libvirt", "--platform", "fake",
                                                      "--connect", uri, NULL });
        ck_assert_msg(r.status == 0, "exit %d\n%s\n%s", r.status, r.out, r.err);
        ck_assert_msg(strstr(r.out, "pass  measure: MRTD and RTMR0-2 match"), "%s", r.out);
        run_result_free(&r);
        assert_nothing_left(lv);
        free(lv);
        free(golden);
        free(disk);
        free(disks);
}
END_TEST

int main(void)
{
        static const char *const needed[] = { "libvirtd", "qemu-system-x86_64", "swtpm" };
        Suite *s = suite_create("it/libvirt_daemon");
        TCase *tc = tcase_create("daemon");
        char *path = NULL;
        int r;

        for (size_t i = 0; i < ELEMENTSOF(needed); i++) {
                if (child_resolve_program(needed[i], &path, NULL) < 0) {
                        fprintf(stderr, "%s: not installed; skipped\n", needed[i]);
                        return 77;
                }
                free(path);
        }
        if (geteuid() == 0) {
                if (child_resolve_program("setpriv", &path, NULL) < 0)
                        return 77;
                free(path);
        }
        tcase_add_unchecked_fixture(tc, daemon_setup, daemon_teardown);
        tcase_set_timeout(tc, 600);
        tcase_add_test(tc, test_libvirt_run_matches_the_direct_fake_backend);
        tcase_add_test(tc, test_libvirt_run_reboots_and_a_failed_step_leaves_no_domain);
        tcase_add_test(tc, test_libvirt_run_interrupted_while_the_guest_boots_leaves_nothing);
        tcase_add_test(tc, test_libvirt_run_without_a_daemon_fails_the_boot_with_libvirt_reason);
        tcase_add_test(tc, test_libvirt_run_boots_a_disk_image);
        suite_add_tcase(s, tc);
        r = run_suite(s);
        return r != 0 ? r : leaked ? 1 : 0;
}
