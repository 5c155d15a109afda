/* Times a command for the benchmark scripts (bench/lib.sh) without the
 * shell's own cost in the figure: `date +%s%N` around a command adds the
 * start of date itself, some milliseconds, next to commands that take ten.
 * Runs the command N times (argv, no shell, output to /dev/null) and prints
 * the best wall time and the mean CPU time (user + system, from wait4's
 * rusage) per run, both in microseconds: "WALL CPU".
 *
 * Usage: bench_timer N CMD [ARG...]
 * Exit status 0; 3 when a run fails or cannot be started; 2 bad usage. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_us(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static uint64_t tv_us(struct timeval tv)
{
        return (uint64_t)tv.tv_sec * 1000000u + (uint64_t)tv.tv_usec;
}

/* One run: its wall time and CPU time; -1 when it failed. */
static int run_once(char **argv, uint64_t *wall, uint64_t *cpu)
{
        struct rusage ru;
        uint64_t t0 = now_us();
        int status;
        pid_t pid = fork(), w;

        if (pid < 0)
                return -1;
        if (pid == 0) {
                int null = open("/dev/null", O_RDWR | O_CLOEXEC);

                if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0 ||
                    dup2(null, STDERR_FILENO) < 0)
                        _exit(127);
                execvp(argv[0], argv);
                _exit(127);
        }
        do
                w = wait4(pid, &status, 0, &ru);
        while (w < 0 && errno == EINTR);
        *wall = now_us() - t0;
        *cpu = tv_us(ru.ru_utime) + tv_us(ru.ru_stime);
        return w == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
        uint64_t best = UINT64_MAX, cpu_sum = 0;
        long n;

        if (argc < 3 || (n = strtol(argv[1], NULL, 10)) <= 0) {
                fprintf(stderr, "usage: bench_timer N CMD [ARG...]\n");
                return 2;
        }
        for (long i = 0; i < n; i++) {
                uint64_t wall, cpu;

                if (run_once(argv + 2, &wall, &cpu) < 0) {
                        fprintf(stderr, "bench_timer: %s failed\n", argv[2]);
                        return 3;
                }
                if (wall < best)
                        best = wall;
                cpu_sum += cpu;
        }
        printf("%" PRIu64 " %" PRIu64 "\n", best, cpu_sum / (uint64_t)n);
        return 0;
}
