/* What bench/bench_boot.sh needs beside a POSIX shell to replay a
 * `tdxh boot` without tdxh: reading values out of the run's facts.json, and
 * a minimal agent client that asks the guest to power off so that a bare
 * QEMU + OVMF + swtpm boot ends the way tdxh's does.
 *
 *   boot_helper get FILE KEY.KEY...
 *       prints the value at the dotted path of the JSON file: a string as it
 *       is, an array one element per line, an object one "key value" per
 *       line, anything else in its JSON form. Exit 2 when the path is absent
 *       or a printed string holds a newline.
 *   boot_helper poweroff SOCKET SECONDS [PID...]
 *       connects to the agent chardev socket as soon as it accepts, sends
 *       {"id":1,"op":"hello"} once and waits for its answer, sends poweroff
 *       and waits for its answer, then waits for every PID (QEMU, swtpm) to
 *       exit; all within SECONDS. Prints "hello_ms N" and "exited_ms N"
 *       (from its own start). At the deadline the PIDs get SIGKILL and it
 *       exits 1. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/pidfd.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "core/json_util.h"
#include "run/agent_chan.h"
#include "run/deadline.h"
#include "run/unix_sock.h"

#define FILE_MAX (16u << 20)
#define MAX_PIDS 8

static int print_value(json_object *v)
{
        const char *s;

        switch (json_object_get_type(v)) {
        case json_type_string:
                s = json_object_get_string(v);
                if (strchr(s, '\n'))
                        return -EINVAL;
                printf("%s\n", s);
                return 0;
        case json_type_array:
                for (size_t i = 0; i < json_object_array_length(v); i++) {
                        json_object *el = json_object_array_get_idx(v, i);

                        if (json_object_is_type(el, json_type_string)) {
                                if (print_value(el) < 0)
                                        return -EINVAL;
                        } else {
                                printf("%s\n", json_object_to_json_string_ext(
                                                       el, JSON_C_TO_STRING_PLAIN));
                        }
                }
                return 0;
        case json_type_object: {
                json_object_object_foreach(v, key, val)
                {
                        printf("%s %s\n", key,
                               json_object_is_type(val, json_type_string)
                                       ? json_object_get_string(val)
                                       : json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN));
                }
                return 0;
        }
        default:
                printf("%s\n", json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
                return 0;
        }
}

static int cmd_get(const char *file, const char *path)
{
        _cleanup_free_ char *text = NULL, *keys = strdup(path);
        _cleanup_json_ json_object *root = NULL;
        struct tdxh_err e = { 0 };
        json_object *v;
        size_t len;
        char *save = NULL;

        if (!keys)
                return 3;
        if (file_read_all(file, FILE_MAX, &text, &len, &e) < 0) {
                fprintf(stderr, "boot_helper: %s\n", e.msg);
                return 2;
        }
        root = json_tokener_parse(text);
        if (!root) {
                fprintf(stderr, "boot_helper: %s: not JSON\n", file);
                return 2;
        }
        v = root;
        for (char *k = strtok_r(keys, ".", &save); k; k = strtok_r(NULL, ".", &save))
                if (!json_object_is_type(v, json_type_object) ||
                    !json_object_object_get_ex(v, k, &v) || !v) {
                        fprintf(stderr, "boot_helper: %s: no %s\n", file, path);
                        return 2;
                }
        if (print_value(v) < 0) {
                fprintf(stderr, "boot_helper: %s: %s holds a newline\n", file, path);
                return 2;
        }
        return 0;
}

static int wait_pids(int *pidfds, int n, const struct deadline *d)
{
        for (int i = 0; i < n; i++) {
                struct pollfd p = { .fd = pidfds[i], .events = POLLIN };
                int r;

                do
                        r = poll(&p, 1, deadline_poll_ms(d));
                while (r < 0 && errno == EINTR);
                if (r <= 0)
                        return -ETIMEDOUT;
        }
        return 0;
}

static int cmd_poweroff(const char *sock, const char *seconds, char **pids, int n_pids)
{
        _cleanup_(agent_chan_close) struct agent_chan c = AGENT_CHAN_INIT;
        uint64_t t0 = mono_now_ns();
        struct deadline d = deadline_in_ms(strtoull(seconds, NULL, 10) * 1000);
        struct wait_watch w = { 0 };
        struct tdxh_err e = { 0 };
        json_object *res = NULL;
        int pidfds[MAX_PIDS], r, status = 0;

        if (n_pids > MAX_PIDS) {
                fprintf(stderr, "boot_helper: at most %d PIDs\n", MAX_PIDS);
                return 2;
        }
        for (int i = 0; i < n_pids; i++) {
                pidfds[i] = pidfd_open((pid_t)strtol(pids[i], NULL, 10), 0);
                if (pidfds[i] < 0) {
                        fprintf(stderr, "boot_helper: pid %s: %s\n", pids[i], strerror(errno));
                        return 2;
                }
        }
        r = agent_chan_connect(&c, sock, &d, &w, &e);
        if (r >= 0)
                r = agent_call(&c, "hello", NULL, &res, &d, &w, &e);
        if (r >= 0) {
                json_object_put(res);
                printf("hello_ms %" PRIu64 "\n", elapsed_ms(t0));
                r = agent_call(&c, "poweroff", NULL, &res, &d, &w, &e);
        }
        if (r >= 0) {
                json_object_put(res);
                agent_chan_close(&c);
                r = wait_pids(pidfds, n_pids, &d);
                if (r < 0)
                        snprintf(e.msg, sizeof(e.msg), "the guest did not power off in time");
        }
        if (r < 0) {
                fprintf(stderr, "boot_helper: %s\n", e.msg);
                for (int i = 0; i < n_pids; i++)
                        (void)pidfd_send_signal(pidfds[i], SIGKILL, NULL, 0);
                status = 1;
        } else {
                printf("exited_ms %" PRIu64 "\n", elapsed_ms(t0));
        }
        for (int i = 0; i < n_pids; i++)
                close(pidfds[i]);
        return status;
}

int main(int argc, char **argv)
{
        if (argc == 4 && strcmp(argv[1], "get") == 0)
                return cmd_get(argv[2], argv[3]);
        if (argc >= 4 && strcmp(argv[1], "poweroff") == 0)
                return cmd_poweroff(argv[2], argv[3], argv + 4, argc - 4);
        fprintf(stderr, "usage: boot_helper get FILE KEY.KEY...\n"
                        "       boot_helper poweroff SOCKET SECONDS [PID...]\n");
        return 2;
}
