/* How every tdxh command reads its options, so that all of them behave and
 * word their errors alike: getopt_long with opterr = 0 (getopt prints
 * nothing; the one message is ours), a bad option named once ("unknown
 * option '--bogus'", "option '--memory' needs a value"), and one parser per
 * kind of value (memory sizes, counts, hex) whose message names the option
 * and the text it refused. Every message is one line "tdxh CMD: ..." and a
 * hint to run 'tdxh CMD --help'; the exit code is TDXH_EXIT_BAD_INPUT.
 *
 *     struct cli_getopt g = CLI_GETOPT_INIT("boot", "+h", longopts);
 *     while ((c = cli_getopt_next(&g, argc, argv)) != CLI_OPT_END) {
 *             switch (c) {
 *             case OPT_VCPUS:
 *                     if ((r = cli_opt_uint(&g, optarg, 1, 288, "a vCPU count", &vcpus)))
 *                             return r;
 *                     break;
 *             case CLI_OPT_BAD:
 *             default:
 *                     return TDXH_EXIT_BAD_INPUT;
 *             }
 *     }
 *
 * The value parsers return 0, or TDXH_EXIT_BAD_INPUT after printing the
 * message; their out-parameter is written only on success. */
#pragma once

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The parser of one command's options. Initialise with CLI_GETOPT_INIT. */
struct cli_getopt {
        const char *cmd;                /* "golden compute": names the command in messages */
        const char *shortopts;          /* as for getopt_long: "+h" stops at the first operand */
        const struct option *longopts;  /* terminated by a zero entry */
        int code;                       /* the option last returned */
        bool started;
        char optstring[64];             /* shortopts with ':' put in (missing values told apart) */
};

#define CLI_GETOPT_INIT(cmd_, shortopts_, longopts_) \
        { .cmd = (cmd_), .shortopts = (shortopts_), .longopts = (longopts_) }

enum {
        CLI_OPT_END = -1, /* no more options; optind is the first operand */
        CLI_OPT_BAD = -2, /* an unknown option or a missing value, already reported */
};

/* The next option's code (as getopt_long: the short option's character or
 * the long option's val, with optarg set), CLI_OPT_END, or CLI_OPT_BAD after
 * printing which option was wrong. The first call starts over (optind = 0). */
int cli_getopt_next(struct cli_getopt *g, int argc, char **argv);

/* The name of the option last returned as the user wrote it: "--memory",
 * or "-o" for a short option. */
const char *cli_opt_name(const struct cli_getopt *g);

/* "tdxh CMD: OPTION: MESSAGE" and the hint; returns TDXH_EXIT_BAD_INPUT.
 * For a value the command checks itself (a format name, a time). */
int cli_opt_error(const struct cli_getopt *g, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));

/* A memory size as QEMU's -m takes it (2G, 1536M, 2.5G; a bare number is MiB). */
int cli_opt_size(const struct cli_getopt *g, const char *text, uint64_t *ret);

/* A decimal number in [min, max]; what says what it counts, with its
 * article ("a vCPU count", "a number of seconds"), for the message. */
int cli_opt_uint(const struct cli_getopt *g, const char *text, unsigned min, unsigned max,
                 const char *what, unsigned *ret);

/* Hex of min_len to max_len bytes into out (max_len bytes long); the
 * length read goes to *ret_len. */
int cli_opt_hex(const struct cli_getopt *g, const char *text, size_t min_len, size_t max_len,
                uint8_t *out, size_t *ret_len);

/* A warning (one line naming the option and the file) when path is an
 * empty regular file: QEMU accepts an empty --initrd and the measurement
 * follows, but it is far more often a failed copy or build than intended.
 * For the option last returned. */
void cli_opt_warn_empty_file(const struct cli_getopt *g, const char *path);

/* After the options: fails with "unexpected argument 'X'" when operands are
 * left beyond the first n_allowed. */
int cli_opt_no_more_args(const struct cli_getopt *g, int argc, char **argv, int n_allowed);
