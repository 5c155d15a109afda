/* Spawning a child: everything between fork() and execve(), and reporting
 * why an exec failed. See child.h for the contract; waiting, stopping and
 * reaping live in child_wait.c. */
#include "run/child.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/cleanup.h"

#define CLEAN_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

const char *const child_clean_env[] = { "PATH=" CLEAN_PATH, "LC_ALL=C", NULL };

/* Upper bound for the time between fork() and execve(); the child does only
 * a handful of system calls in between. */
#define EXEC_REPORT_MS 10000

static bool is_executable_file(const char *path)
{
        struct stat st;

        return stat(path, &st) == 0 && S_ISREG(st.st_mode) && access(path, X_OK) == 0;
}

int child_resolve_program(const char *program, char **ret, struct tdxh_err *e)
{
        const char *path, *p;
        char *found;

        if (!program || !*program)
                return err_setf(e, -EINVAL, "empty program name");
        if (strchr(program, '/')) {
                if (access(program, F_OK) < 0)
                        return err_setf(e, -errno, "%s: %s", program, strerror(errno));
                if (!is_executable_file(program))
                        return err_setf(e, -EACCES, "%s: not an executable file", program);
                found = strdup(program);
                if (!found)
                        return -ENOMEM;
                *ret = found;
                return 0;
        }
        path = getenv("PATH");
        if (!path || !*path)
                path = CLEAN_PATH;
        for (p = path; *p;) {
                size_t n = strcspn(p, ":");

                if (n > 0 && asprintf(&found, "%.*s/%s", (int)n, p, program) < 0)
                        return -ENOMEM;
                if (n > 0) {
                        if (is_executable_file(found)) {
                                *ret = found;
                                return 0;
                        }
                        free(found);
                }
                p += n;
                if (*p == ':')
                        p++;
        }
        return err_setf(e, -ENOENT, "%s: not found in PATH", program);
}

static int open_io(const struct child_io *io, bool input, int *ret_fd, struct tdxh_err *e)
{
        int fd;

        switch (io->kind) {
        case CHILD_IO_FD:
                *ret_fd = io->fd;
                return 0;
        case CHILD_IO_FILE:
                if (input)
                        fd = open(io->path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
                else
                        fd = open(io->path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOCTTY,
                                  0600);
                if (fd < 0)
                        return err_setf(e, -errno, "%s: cannot open: %s", io->path,
                                        strerror(errno));
                *ret_fd = fd;
                return 1; /* opened here: close after fork */
        case CHILD_IO_NULL:
        default:
                fd = open("/dev/null", (input ? O_RDONLY : O_WRONLY) | O_CLOEXEC);
                if (fd < 0)
                        return err_setf(e, -errno, "/dev/null: %s", strerror(errno));
                *ret_fd = fd;
                return 1;
        }
}

/* Everything the child needs, prepared before fork() so that the child only
 * makes async-signal-safe system calls. */
struct exec_plan {
        const char *path;
        char *const *argv;
        char *const *envp;
        int stdio[3];
        const int *keep;
        size_t n_keep;
        pid_t pgid;
        pid_t parent;
        const char *cwd;
        int report_fd;
};

static void child_fail(int report_fd, int err)
{
        ssize_t n = write(report_fd, &err, sizeof(err));

        (void)n;
        _exit(127);
}

/* Runs in the child after fork(). Must not return. */
static void __attribute__((noreturn)) exec_child(const struct exec_plan *p)
{
        struct sigaction sa = { .sa_handler = SIG_DFL };
        sigset_t none;
        int fds[3];

        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0)
                child_fail(p->report_fd, errno);
        /* The parent may have died before the death signal was armed. */
        if (getppid() != p->parent)
                _exit(127);
        if (setpgid(0, p->pgid) < 0)
                child_fail(p->report_fd, errno);
        for (int sig = 1; sig < NSIG; sig++)
                if (sig != SIGKILL && sig != SIGSTOP)
                        (void)sigaction(sig, &sa, NULL);
        sigemptyset(&none);
        if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
                child_fail(p->report_fd, errno);

        /* Move sources that sit on 0..2 out of the way first, so that one
         * dup2() cannot overwrite another stream's source. */
        for (int i = 0; i < 3; i++) {
                fds[i] = p->stdio[i];
                if (fds[i] < 3 && fds[i] != i) {
                        fds[i] = fcntl(fds[i], F_DUPFD, 3);
                        if (fds[i] < 0)
                                child_fail(p->report_fd, errno);
                }
        }
        for (int i = 0; i < 3; i++) {
                if (fds[i] == i) {
                        if (fcntl(i, F_SETFD, 0) < 0)
                                child_fail(p->report_fd, errno);
                } else if (dup2(fds[i], i) < 0) {
                        child_fail(p->report_fd, errno);
                }
        }
        /* Everything above 2 closes at exec, except what was asked for. */
        if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) < 0) {
                long max = sysconf(_SC_OPEN_MAX);

                for (long fd = 3; fd < (max > 0 ? max : 65536); fd++)
                        if (fd != p->report_fd)
                                (void)fcntl((int)fd, F_SETFD, FD_CLOEXEC);
        }
        (void)fcntl(p->report_fd, F_SETFD, FD_CLOEXEC);
        for (size_t i = 0; i < p->n_keep; i++)
                if (fcntl(p->keep[i], F_SETFD, 0) < 0)
                        child_fail(p->report_fd, errno);
        if (p->cwd && chdir(p->cwd) < 0)
                child_fail(p->report_fd, errno);
        execve(p->path, p->argv, p->envp);
        child_fail(p->report_fd, errno);
        _exit(127); /* not reached */
}

/* Waits for the exec report: EOF means the exec succeeded (the pipe is
 * close-on-exec), an int is the errno of the failed step. */
static int read_exec_report(int fd)
{
        struct deadline d = deadline_in_ms(EXEC_REPORT_MS);
        struct pollfd pfd = { .fd = fd, .events = POLLIN };
        int err = 0;

        for (;;) {
                int n = poll(&pfd, 1, deadline_poll_ms(&d));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return -ETIMEDOUT;
                break;
        }
        for (;;) {
                ssize_t r = read(fd, &err, sizeof(err));

                if (r < 0 && errno == EINTR)
                        continue;
                if (r == 0)
                        return 0;
                if (r != (ssize_t)sizeof(err) || err <= 0)
                        return -EIO;
                return -err;
        }
}

static void set_name(struct child *c, const struct child_opts *o)
{
        const char *n = o->name;

        if (!n) {
                const char *slash = strrchr(o->argv[0], '/');

                n = slash ? slash + 1 : o->argv[0];
        }
        snprintf(c->name, sizeof(c->name), "%s", n);
}

static void close_opened(int fds[3], const int opened[3])
{
        for (int i = 0; i < 3; i++)
                if (opened[i] > 0 && fds[i] >= 0)
                        close(fds[i]);
}

int child_spawn(struct child *c, const struct child_opts *o, struct tdxh_err *e)
{
        _cleanup_free_ char *path = NULL;
        _cleanup_close_ int report_rd = -1, report_wr = -1;
        int fds[3] = { -1, -1, -1 }, opened[3] = { 0 };
        const struct child_io *io[3] = { &o->in, &o->out, &o->err };
        struct exec_plan plan;
        int pipefd[2], pidfd, r;
        pid_t pid;

        if (child_running(c))
                return err_setf(e, -EBUSY, "%s: child already running", c->name);
        if (!o->argv || !o->argv[0])
                return err_setf(e, -EINVAL, "child: empty argv");
        r = child_resolve_program(o->argv[0], &path, e);
        if (r < 0)
                return r;
        for (int i = 0; i < 3; i++) {
                /* stdout and stderr to one file share one open file (and
                 * offset), so their lines interleave instead of overwriting. */
                if (i == 2 && io[2]->kind == CHILD_IO_FILE && io[1]->kind == CHILD_IO_FILE &&
                    strcmp(io[1]->path, io[2]->path) == 0) {
                        fds[2] = fds[1];
                        continue;
                }
                opened[i] = open_io(io[i], i == 0, &fds[i], e);
                if (opened[i] < 0) {
                        r = opened[i];
                        opened[i] = 0;
                        close_opened(fds, opened);
                        return r;
                }
        }
        if (pipe2(pipefd, O_CLOEXEC) < 0) {
                r = -errno;
                close_opened(fds, opened);
                return err_setf(e, r, "pipe: %s", strerror(-r));
        }
        report_rd = pipefd[0];
        report_wr = pipefd[1];
        plan = (struct exec_plan){
                .path = path,
                .argv = (char *const *)o->argv,
                .envp = (char *const *)(o->envp ? o->envp : child_clean_env),
                .stdio = { fds[0], fds[1], fds[2] },
                .keep = o->keep_fds,
                .n_keep = o->n_keep_fds,
                .pgid = o->pgid,
                .parent = getpid(),
                .cwd = o->cwd,
                .report_fd = report_wr,
        };
        pid = fork();
        if (pid == 0)
                exec_child(&plan);
        r = -errno;
        close_opened(fds, opened);
        if (pid < 0)
                return err_setf(e, r, "%s: fork failed: %s", path, strerror(-r));
        closep(&report_wr);
        report_wr = -1;
        /* Set the group from this side too, so it is in place before any
         * signal we send, whichever process runs first. */
        (void)setpgid(pid, o->pgid ? o->pgid : pid);
        pidfd = pidfd_open(pid, 0);
        if (pidfd < 0) {
                r = -errno;
                kill(pid, SIGKILL);
                waitpid(pid, NULL, 0); /* SIGKILL cannot be blocked: returns promptly */
                return err_setf(e, r, "%s: pidfd_open failed: %s", path, strerror(-r));
        }
        *c = (struct child)CHILD_INIT;
        c->pid = pid;
        c->pidfd = pidfd;
        c->pgid = o->pgid ? o->pgid : pid;
        c->leads_group = o->pgid == 0;
        c->started_ns = mono_now_ns();
        set_name(c, o);
        r = read_exec_report(report_rd);
        if (r < 0) {
                child_done(c);
                if (r == -ETIMEDOUT)
                        return err_setf(e, r, "%s: did not start within %d s", path,
                                        EXEC_REPORT_MS / 1000);
                return err_setf(e, r, "%s: cannot execute: %s", path, strerror(-r));
        }
        return 0;
}
