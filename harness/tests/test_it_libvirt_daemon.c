/* The fake platform's domain XML (run/libvirt_xml.h) booted through a real
 * libvirt daemon (run/libvirt_domain.h): the test starts its own libvirtd
 * in session mode, on a socket and directories of its own (XDG_* under a
 * temporary directory; as root the daemon runs as nobody, as a session
 * daemon would), starts the minimal image's guest as a transient domain
 * (TCG, libvirt's swtpm with the SHA-384 bank, the fake TDX module's fw_cfg
 * files), waits for the agent's hello on the channel the XML names, and
 * destroys the domain. The daemon is started and stopped by the runner's
 * process around all tests; a domain, a QEMU or a swtpm still there when a
 * test ends, or a daemon process after the teardown, fails the program. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "fakes/fake_tdx.h"
#include "it_tdxh.h"
#include "run/agent_chan.h"
#include "run/child.h"
#include "run/libvirt_domain.h"
#include "run/libvirt_xml.h"
#include "run/unix_sock.h"
#include "testutil.h"

#define DAEMON_UID 65534 /* nobody */
#define DOMAIN "tdxh-it-libvirt"

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
        struct deadline d = deadline_in_ms(60000);
        struct wait_watch w = { .children = { &daemon_proc } };
        struct tdxh_err e = { 0 };
        int fd = -1;
        struct child *dead = NULL;

        it_image_setup();
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

/* A private copy of a file of the image, readable by the daemon's user. */
static char *image_copy(const char *name)
{
        char *from = NULL, *to = NULL, *data = NULL;
        size_t len = 0;

        ck_assert_int_ge(asprintf(&from, "%s/%s", it_image, name), 0);
        ck_assert_int_ge(asprintf(&to, "%s/image/%s", dir, name), 0);
        ck_assert_int_eq(file_read_all(from, 1u << 30, &data, &len, NULL), 0);
        ck_assert_int_eq(file_write_atomic(to, data, len, 0644, NULL), 0);
        free(from);
        free(data);
        return to;
}

/* The fake platform of one boot, its files written as the fake backend
 * writes them, everything owned by the daemon's user. */
static void fake_boot_platform(struct platform *p)
{
        char *kernel = image_copy("vmlinuz"), *initrd = image_copy("initrd.img");
        char *cmdline_file = image_copy("cmdline"), *cmdline = NULL, *boot = sub("run/boot-1");
        char *runtime = sub("run/runtime"), *fake = sub("run/boot-1/fake-tdx");
        struct strv items = STRV_INIT;
        size_t len = 0;

        mkdir_owned(boot, 0755);
        mkdir_owned(runtime, 0755);
        ck_assert_int_eq(file_read_all(cmdline_file, 4096, &cmdline, &len, NULL), 0);
        platform_init(p, BACKEND_FAKE);
        p->accel = ACCEL_TCG;
        ck_assert_int_eq(platform_set(&p->firmware, "/usr/share/ovmf/OVMF.fd"), 0);
        ck_assert_int_eq(platform_set(&p->kernel, kernel), 0);
        ck_assert_int_eq(platform_set(&p->initrd, initrd), 0);
        ck_assert_int_eq(platform_set(&p->cmdline, cmdline), 0);
        ck_assert_int_eq(platform_set_boot_paths(p, boot, runtime), 0);
        ck_assert_int_eq(fake_tdx_prepare(fake, NULL, p->td_attributes, &items, NULL), 0);
        for (size_t i = 0; i + 1 < items.n; i += 2)
                ck_assert_int_eq(platform_add_fw_cfg(p, items.v[i], items.v[i + 1]), 0);
        if (geteuid() == 0)
                for (size_t i = 0; i + 1 < items.n; i += 2)
                        ck_assert_int_eq(chown(items.v[i + 1], DAEMON_UID, DAEMON_UID), 0);
        mkdir_owned(fake, 0755);
        strv_free(&items);
        free(kernel);
        free(initrd);
        free(cmdline_file);
        free(cmdline);
        free(boot);
        free(runtime);
        free(fake);
}

START_TEST(test_fake_domain_boots_through_a_real_daemon_and_is_destroyed)
{
        struct libvirt_domain d = LIBVIRT_DOMAIN_INIT;
        struct agent_chan chan = AGENT_CHAN_INIT;
        struct deadline dl = deadline_in_ms(240000);
        struct wait_watch w = { 0 };
        struct tdxh_err e = { 0 };
        struct platform p;
        json_object *hello = NULL;
        char *xml = NULL, desc[512], version[32];

        fake_boot_platform(&p);
        ck_assert_msg(libvirt_domain_xml(&p, DOMAIN, &xml, &e) == 0, "%s", e.msg);
        ck_assert_msg(libvirt_domain_start(&d, uri, xml, &e) == 0, "%s", e.msg);
        ck_assert(libvirt_domain_running(&d));
        libvirt_version_format(d.hv_version, version, sizeof(version));
        ck_assert_uint_gt(d.hv_version, 0); /* QEMU's version, through the daemon */
        /* The daemon kept what was asked: the TPM with its SHA-384 bank, the
         * fake TDX module's files, the agent's channel. */
        ck_assert_ptr_nonnull(strstr(d.defined_xml, "<sha384/>"));
        ck_assert_ptr_nonnull(strstr(d.defined_xml, "name='opt/tdxh/td_attributes'"));
        ck_assert_ptr_nonnull(strstr(d.defined_xml, "name='org.tdxh.agent.0'"));

        ck_assert_msg(agent_chan_connect(&chan, p.agent_socket, &dl, &w, &e) == 0, "%s", e.msg);
        ck_assert_msg(agent_wait_hello(&chan, 2000, &dl, &w, NULL, NULL, &hello, &e) == 0,
                      "no hello from the guest (QEMU %s): %s", version, e.msg);
        ck_assert_ptr_nonnull(hello);
        json_object_put(hello);
        agent_chan_close(&chan);

        libvirt_domain_destroy(&d);
        ck_assert_int_eq(daemon_domains(), 0);
        ck_assert_msg(it_processes_mentioning(DOMAIN, desc, sizeof(desc)) == 0,
                      "left behind: %s", desc);
        platform_free(&p);
        free(xml);
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
        tcase_add_test(tc, test_fake_domain_boots_through_a_real_daemon_and_is_destroyed);
        suite_add_tcase(s, tc);
        r = run_suite(s);
        return r != 0 ? r : leaked ? 1 : 0;
}
