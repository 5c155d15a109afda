/* tdxh-agent: the in-guest agent. It opens the virtio-serial port named
 * org.tdxh.agent.0 (or standard input and output with --stdio), answers one
 * JSON request per line until asked to power off or reboot, and then either
 * exits with a status that tells /init which of the two to do (the minimal
 * image, where the agent is PID 1's child) or, as a systemd service in any
 * image (--power-action systemd), asks systemd for an orderly poweroff or
 * reboot. Bad input never ends it.
 *
 *   tdxh-agent [--port NAME|PATH] [--stdio] [--provider auto|tdx|vtpm|file|none]
 *              [--root DIR] [--file-dir DIR] [--wait SECONDS]
 *              [--power-action exit|systemd] [--verbose] */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "agent.h"
#include "channel.h"
#include "core/cleanup.h"
#include "core/json_util.h"
#include "core/log.h"
#include "core/number.h"
#include "sysfile.h"

#define DEFAULT_PORT "org.tdxh.agent.0"
#define EXIT_REBOOT 100 /* /init reboots instead of powering off */
#define HOST_AWAY_RETRY_NS 50000000L

struct options {
        const char *port;
        const char *provider;
        const char *root;
        const char *file_dir;
        unsigned wait_s;
        bool stdio;
        bool systemd; /* --power-action systemd */
};

static int usage(FILE *f, int code)
{
        fputs("usage: tdxh-agent [--port NAME|PATH] [--stdio] [--provider auto|tdx|vtpm|file|none]\n"
              "                  [--root DIR] [--file-dir DIR] [--wait SECONDS]\n"
              "                  [--power-action exit|systemd] [--verbose]\n",
              f);
        return code;
}

/* Without udev there is no /dev/virtio-ports/NAME link: the port's name is
 * read from /sys/class/virtio-ports/vportXpY/name instead. */
static int find_port(const char *root, const char *name, char **ret)
{
        _cleanup_free_ char *dir_path = NULL, *link = NULL;
        DIR *dir;
        struct dirent *de;
        int r = -ENOENT;

        if (asprintf(&link, "%s/dev/virtio-ports/%s", root, name) < 0)
                return -ENOMEM;
        if (access(link, F_OK) == 0) {
                *ret = TAKE_PTR(link);
                return 0;
        }
        if (asprintf(&dir_path, "%s/sys/class/virtio-ports", root) < 0)
                return -ENOMEM;
        dir = opendir(dir_path);
        if (!dir)
                return -ENOENT;
        while ((de = readdir(dir)) && r == -ENOENT) {
                _cleanup_free_ char *npath = NULL;
                _cleanup_free_ uint8_t *text = NULL;
                size_t n = 0;

                if (de->d_name[0] == '.')
                        continue;
                if (asprintf(&npath, "%s/%s/name", dir_path, de->d_name) < 0) {
                        r = -ENOMEM;
                        break;
                }
                if (sysfile_read(npath, 256, &text, &n, NULL) < 0)
                        continue;
                while (n > 0 && text[n - 1] == '\n')
                        text[--n] = '\0';
                if (strcmp((char *)text, name) == 0)
                        r = asprintf(ret, "%s/dev/%s", root, de->d_name) < 0 ? -ENOMEM : 0;
        }
        closedir(dir);
        return r;
}

static void sleep_ns(long ns)
{
        struct timespec ts = { .tv_sec = 0, .tv_nsec = ns };

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

/* The port appears once virtio_console has probed; wait for it. */
static int open_port(const struct options *o, int *ret_fd)
{
        time_t deadline = time(NULL) + o->wait_s;

        for (;;) {
                _cleanup_free_ char *path = NULL;
                int r = -ENOENT, fd;

                if (o->port[0] == '/')
                        path = strdup(o->port);
                else
                        r = find_port(o->root, o->port, &path);
                if (path) {
                        fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
                        if (fd >= 0) {
                                log_info("agent: serving %s", path);
                                *ret_fd = fd;
                                return 0;
                        }
                        r = -errno;
                } else if (o->port[0] == '/') {
                        return -ENOMEM;
                }
                if (time(NULL) >= deadline) {
                        log_error("agent: port %s not available: %s", o->port, strerror(-r));
                        return r;
                }
                sleep_ns(100000000L);
        }
}

static int serve(struct agent *a, int in_fd, int out_fd, bool port)
{
        struct line_reader lr;
        int r = 0;

        line_reader_init(&lr, in_fd, AGENT_MAX_LINE);
        while (a->exit_request == AGENT_EXIT_NONE) {
                _cleanup_json_ json_object *resp = NULL;
                _cleanup_free_ char *text = NULL;
                char *line = NULL;
                size_t len = 0, text_len = 0;

                r = line_reader_next(&lr, &line, &len);
                if (r == 0 && port) {
                        /* No host connected to the port: reads return end
                         * of file at once until one is. */
                        sleep_ns(HOST_AWAY_RETRY_NS);
                        continue;
                }
                if (r == 0)
                        break;
                if (r == -E2BIG)
                        resp = agent_error_response(NULL, E2BIG, "request line longer than %u "
                                                    "bytes, discarded", AGENT_MAX_LINE);
                else if (r < 0) {
                        log_error("agent: reading requests failed: %s", strerror(-r));
                        break;
                } else
                        resp = agent_handle_line(a, line, len);
                text = resp ? agent_response_line(resp, &text_len) : NULL;
                if (!text) {
                        static const char oom[] = "{\"id\":null,\"ok\":false,\"errno\":12,"
                                                  "\"error\":\"out of memory\"}\n";

                        (void)write_all(out_fd, oom, sizeof(oom) - 1);
                        continue;
                }
                r = write_all(out_fd, text, text_len);
                if (r < 0)
                        log_warn("agent: writing a response failed: %s", strerror(-r));
                r = 0;
        }
        line_reader_done(&lr);
        return r;
}

/* Under systemd the host's poweroff or reboot is an orderly one: the
 * agent becomes `systemctl poweroff|reboot` (no shell), so that the image's
 * own services stop as they would on any shutdown. Returns only when the
 * exec failed. */
static int systemd_power_action(enum agent_exit what)
{
        char prog[] = "systemctl", verb[16];
        char *const argv[] = { prog, verb, NULL };

        snprintf(verb, sizeof(verb), "%s", what == AGENT_EXIT_REBOOT ? "reboot" : "poweroff");
        execvp(argv[0], argv);
        log_error("agent: cannot run systemctl %s: %s", argv[1], strerror(errno));
        return 1;
}

int main(int argc, char **argv)
{
        static const struct option longopts[] = {
                { "port", required_argument, NULL, 'p' },
                { "stdio", no_argument, NULL, 's' },
                { "provider", required_argument, NULL, 'P' },
                { "root", required_argument, NULL, 'r' },
                { "file-dir", required_argument, NULL, 'f' },
                { "wait", required_argument, NULL, 'w' },
                { "power-action", required_argument, NULL, 'a' },
                { "verbose", no_argument, NULL, 'v' },
                { "help", no_argument, NULL, 'h' },
                {},
        };
        struct options o = { .port = DEFAULT_PORT, .provider = "auto", .root = "", .wait_s = 60 };
        struct provider prov = { 0 };
        struct tdxh_err e = { 0 };
        struct agent a;
        int c, r, fd = -1;

        log_set_machine_output(true);
        while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
                switch (c) {
                case 'p':
                        o.port = optarg;
                        break;
                case 's':
                        o.stdio = true;
                        break;
                case 'P':
                        o.provider = optarg;
                        break;
                case 'r':
                        o.root = optarg;
                        break;
                case 'f':
                        o.file_dir = optarg;
                        o.provider = "file";
                        break;
                case 'w':
                        if (number_parse_uint(optarg, 0, 86400, &o.wait_s) < 0) {
                                log_error("agent: --wait: '%s' is not a number of seconds "
                                          "(0 to 86400)", optarg);
                                return usage(stderr, 2);
                        }
                        break;
                case 'a':
                        if (strcmp(optarg, "exit") != 0 && strcmp(optarg, "systemd") != 0) {
                                log_error("agent: --power-action: '%s' is neither exit nor systemd", optarg);
                                return usage(stderr, 2);
                        }
                        o.systemd = strcmp(optarg, "systemd") == 0;
                        break;
                case 'v':
                        log_set_level(LOG_DEBUG);
                        break;
                case 'h':
                        return usage(stdout, 0);
                default:
                        return usage(stderr, 2);
                }
        }
        if (optind != argc)
                return usage(stderr, 2);
        r = provider_open(o.provider, o.root, o.file_dir, &prov, &e);
        if (r < 0) {
                log_error("agent: %s", e.msg);
                return 1;
        }
        agent_init(&a, &prov);
        log_info("agent: provider %s", a.prov.ops->name);
        if (o.stdio) {
                r = serve(&a, STDIN_FILENO, STDOUT_FILENO, false);
        } else {
                r = open_port(&o, &fd);
                if (r == 0)
                        r = serve(&a, fd, fd, true);
        }
        if (a.exit_request != AGENT_EXIT_NONE && fd >= 0)
                /* The response left through the virtqueue; give the host a
                 * moment to read it before the machine goes away. */
                sleep_ns(200000000L);
        c = a.exit_request == AGENT_EXIT_REBOOT ? EXIT_REBOOT : r < 0 ? 1 : 0;
        if (fd >= 0)
                close(fd);
        if (o.systemd && a.exit_request != AGENT_EXIT_NONE) {
                enum agent_exit what = a.exit_request;

                agent_done(&a);
                return systemd_power_action(what);
        }
        agent_done(&a);
        return c;
}
