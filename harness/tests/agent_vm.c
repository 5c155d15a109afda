/* A booted fake-platform VM for the agent's integration tests: swtpm (own
 * state, SHA-256 and SHA-384 banks), QEMU under TCG with OVMF, the TPM, the
 * agent's virtio-serial port and the fake MRTD and TD attributes in fw_cfg,
 * and the JSON-lines channel to the agent. One VM per test process; every
 * child runs in its own process group and is killed and reaped at exit,
 * including after a failed assertion. */
#include "agent_vm.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/hex.h"
#include "core/strv.h"
#include "testutil.h"

extern char **environ;

struct vm {
        char *dir;
        pid_t swtpm, qemu;
        int sock;
        char rbuf[1 << 16];
        size_t rlen;
        double spawned_at;
};

/* The one VM of this process, for the exit handler. */
static struct vm the_vm = { .swtpm = -1, .qemu = -1, .sock = -1 };

double vm_now(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Waits for pid until the deadline; 1 and the status when it exited. */
static int wait_until(pid_t pid, double deadline, int *status)
{
        for (;;) {
                pid_t w = waitpid(pid, status, WNOHANG);

                if (w == pid || (w < 0 && errno == ECHILD))
                        return 1;
                if (vm_now() > deadline)
                        return 0;
                usleep(20000);
        }
}

static void stop(pid_t *pid)
{
        int status;

        if (*pid <= 0)
                return;
        kill(-*pid, SIGTERM);
        if (!wait_until(*pid, vm_now() + 5, &status)) {
                kill(-*pid, SIGKILL);
                waitpid(*pid, &status, 0);
        }
        *pid = -1;
}

static void vm_cleanup(void)
{
        if (the_vm.sock >= 0)
                close(the_vm.sock);
        the_vm.sock = -1;
        stop(&the_vm.qemu);
        stop(&the_vm.swtpm);
        if (the_vm.dir) {
                tmpdir_remove(the_vm.dir);
                the_vm.dir = NULL;
        }
}

char *vm_path(const char *name)
{
        char *p = NULL;

        ck_assert_int_ge(asprintf(&p, "%s/%s", the_vm.dir, name), 0);
        return p;
}

/* Starts argv in its own process group, output to DIR/log. */
static pid_t spawn(const char *const *argv, const char *log)
{
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t attr;
        char *log_path = vm_path(log);
        pid_t pid;
        int r;

        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&fa, 1, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        posix_spawn_file_actions_adddup2(&fa, 1, 2);
        posix_spawnattr_init(&attr);
        posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
        posix_spawnattr_setpgroup(&attr, 0);
        r = posix_spawn(&pid, argv[0], &fa, &attr, (char *const *)argv, environ);
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&attr);
        ck_assert_msg(r == 0, "cannot start %s: %s", argv[0], strerror(r));
        free(log_path);
        return pid;
}

void vm_write_file(const char *name, const void *data, size_t len)
{
        char *path = vm_path(name);
        FILE *f = fopen(path, "wb");

        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(data, 1, len, f), len);
        ck_assert_int_eq(fclose(f), 0);
        free(path);
}

static void start_swtpm(void)
{
        char *state = vm_path("tpm"), *sock = vm_path("swtpm.sock"), *tpmstate = NULL,
             *ctrl = NULL;
        const char *setup[] = { VM_SWTPM_SETUP, "--tpm2", "--tpmstate", state, "--pcr-banks",
                                "sha256,sha384", "--overwrite", NULL };
        struct run_result res = { 0 };
        struct stat st;
        double deadline;
        int status;

        ck_assert_int_eq(mkdir(state, 0700), 0);
        run_cmd(&res, setup, 60);
        ck_assert_msg(res.status == 0, "swtpm_setup failed: %s%s", res.out, res.err);
        run_result_free(&res);
        ck_assert_int_ge(asprintf(&tpmstate, "dir=%s", state), 0);
        ck_assert_int_ge(asprintf(&ctrl, "type=unixio,path=%s", sock), 0);
        {
                const char *argv[] = { VM_SWTPM, "socket", "--tpm2", "--tpmstate", tpmstate,
                                       "--ctrl", ctrl, NULL };

                the_vm.swtpm = spawn(argv, "swtpm.log");
        }
        /* Ready when the control socket exists; a dead swtpm fails at once. */
        deadline = vm_now() + 30;
        while (stat(sock, &st) < 0) {
                ck_assert_msg(waitpid(the_vm.swtpm, &status, WNOHANG) == 0,
                              "swtpm exited before listening");
                ck_assert_msg(vm_now() < deadline, "swtpm did not listen within 30 s");
                usleep(20000);
        }
        free(state);
        free(sock);
        free(tpmstate);
        free(ctrl);
}

/* Appends every argument up to NULL. */
static void add(struct strv *argv, ...)
{
        const char *arg;
        va_list ap;

        va_start(ap, argv);
        while ((arg = va_arg(ap, const char *)))
                ck_assert_int_ge(strv_push(argv, arg), 0);
        va_end(ap);
}

static void start_qemu(const char *image)
{
        _cleanup_strv_ struct strv argv = STRV_INIT;
        const char *d = the_vm.dir;
        char *cmdline_path = fmt("%s/cmdline", image), *cmdline = (char *)slurp(cmdline_path, NULL);
        char *serial = fmt("file:%s/console.log", d);
        char *tpm = fmt("socket,id=chrtpm,path=%s/swtpm.sock", d);
        char *agent = fmt("socket,id=agent,path=%s/agent.sock,server=on,wait=off", d);
        char *fw_mrtd = fmt("name=opt/tdxh/mrtd,file=%s/mrtd.bin", d);
        char *fw_attr = fmt("name=opt/tdxh/td_attributes,file=%s/td_attributes.bin", d);
        char *kernel = fmt("%s/vmlinuz", image), *initrd = fmt("%s/initrd.img", image);

        add(&argv, VM_QEMU, "-machine", "q35", "-accel", "tcg", "-m", VM_MEMORY, "-bios", VM_OVMF,
            "-nodefaults", "-nographic", "-no-reboot", "-serial", serial, "-chardev", tpm,
            "-tpmdev", "emulator,id=tpm0,chardev=chrtpm", "-device", "tpm-crb,tpmdev=tpm0",
            "-device", "virtio-serial-pci", "-chardev", agent, "-device",
            "virtserialport,chardev=agent,name=org.tdxh.agent.0", "-fw_cfg", fw_mrtd, "-fw_cfg",
            fw_attr, "-kernel", kernel, "-initrd", initrd, "-append", cmdline, NULL);
        the_vm.spawned_at = vm_now();
        the_vm.qemu = spawn((const char *const *)argv.v, "qemu.log");
        free(cmdline_path);
        free(cmdline);
        free(serial);
        free(tpm);
        free(agent);
        free(fw_mrtd);
        free(fw_attr);
        free(kernel);
        free(initrd);
}

/* QEMU creates the agent socket early and accepts before the guest runs;
 * requests simply wait for the agent. */
static void connect_agent(void)
{
        char *path = vm_path("agent.sock");
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        double deadline = vm_now() + 60;
        int status;

        ck_assert_uint_lt(strlen(path), sizeof(sa.sun_path));
        strcpy(sa.sun_path, path);
        for (;;) {
                int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

                ck_assert_int_ge(fd, 0);
                if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0) {
                        the_vm.sock = fd;
                        break;
                }
                close(fd);
                ck_assert_msg(waitpid(the_vm.qemu, &status, WNOHANG) == 0,
                              "QEMU exited before the agent socket appeared");
                ck_assert_msg(vm_now() < deadline, "no agent socket within 60 s");
                usleep(50000);
        }
        free(path);
}

static void send_all(const char *data, size_t len, double deadline)
{
        while (len > 0) {
                struct pollfd p = { .fd = the_vm.sock, .events = POLLOUT };
                ssize_t n;

                ck_assert_msg(vm_now() < deadline, "sending a request timed out");
                if (poll(&p, 1, 200) <= 0)
                        continue;
                n = send(the_vm.sock, data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        continue;
                ck_assert_msg(n > 0, "send failed: %s", strerror(errno));
                data += n;
                len -= (size_t)n;
        }
}

/* Reads one response line within timeout_s and parses it. */
static json_object *recv_response(int timeout_s)
{
        double deadline = vm_now() + timeout_s;
        json_object *o;
        char *nl;

        while (!(nl = memchr(the_vm.rbuf, '\n', the_vm.rlen))) {
                struct pollfd p = { .fd = the_vm.sock, .events = POLLIN };
                ssize_t n;

                ck_assert_msg(vm_now() < deadline, "no response within %d s", timeout_s);
                ck_assert_uint_lt(the_vm.rlen, sizeof(the_vm.rbuf));
                if (poll(&p, 1, 200) <= 0)
                        continue;
                n = recv(the_vm.sock, the_vm.rbuf + the_vm.rlen,
                         sizeof(the_vm.rbuf) - the_vm.rlen, MSG_DONTWAIT);
                if (n < 0 && (errno == EAGAIN || errno == EINTR))
                        continue;
                ck_assert_msg(n > 0, "the agent channel closed");
                the_vm.rlen += (size_t)n;
        }
        *nl = '\0';
        o = json_tokener_parse(the_vm.rbuf);
        ck_assert_msg(o != NULL, "response is not JSON: %s", the_vm.rbuf);
        the_vm.rlen -= (size_t)(nl + 1 - the_vm.rbuf);
        memmove(the_vm.rbuf, nl + 1, the_vm.rlen);
        return o;
}

json_object *vm_call(const char *request, int timeout_s)
{
        send_all(request, strlen(request), vm_now() + timeout_s);
        send_all("\n", 1, vm_now() + timeout_s);
        return recv_response(timeout_s);
}

const char *resp_str(json_object *o, const char *key)
{
        json_object *v;

        ck_assert_msg(json_object_object_get_ex(o, key, &v) && v, "no \"%s\" in %s", key,
                      json_object_to_json_string(o));
        return json_object_get_string(v);
}

void resp_expect_ok(json_object *o)
{
        json_object *ok;

        ck_assert_msg(json_object_object_get_ex(o, "ok", &ok) && json_object_get_boolean(ok),
                      "request failed: %s", json_object_to_json_string(o));
}

void resp_expect_errno(json_object *o, int err)
{
        json_object *v;

        ck_assert_msg(json_object_object_get_ex(o, "errno", &v) && json_object_get_int(v) == err,
                      "expected errno %d: %s", err, json_object_to_json_string(o));
}

void resp_hex48(json_object *o, const char *key, uint8_t out[48])
{
        ck_assert_int_eq(hex_decode_exact(resp_str(o, key), out, 48), 0);
}

char *fmt(const char *f, ...)
{
        va_list ap;
        char *s = NULL;
        int r;

        va_start(ap, f);
        r = vasprintf(&s, f, ap);
        va_end(ap);
        ck_assert_int_ge(r, 0);
        return s;
}


bool vm_platform_present(void)
{
        return access(VM_QEMU, X_OK) == 0 && access(VM_SWTPM, X_OK) == 0 &&
               access(VM_SWTPM_SETUP, X_OK) == 0 && access(VM_OVMF, R_OK) == 0;
}

void vm_init(void)
{
        ck_assert_ptr_null(the_vm.dir);
        the_vm.dir = tmpdir_make();
        atexit(vm_cleanup);
}

void vm_start(const char *image, const uint8_t mrtd[48], const uint8_t td_attributes[8])
{
        vm_write_file("mrtd.bin", mrtd, 48);
        vm_write_file("td_attributes.bin", td_attributes, 8);
        start_swtpm();
        start_qemu(image);
        connect_agent();
}

double vm_started_at(void)
{
        return the_vm.spawned_at;
}

bool vm_wait_exit(double timeout_s, int *ret_status)
{
        if (!wait_until(the_vm.qemu, vm_now() + timeout_s, ret_status))
                return false;
        the_vm.qemu = -1;
        return true;
}
