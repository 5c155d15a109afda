/* The option conventions of every command; see options.h. */
#include "options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "core/cleanup.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/number.h"
#include "core/size.h"

static void print_error(const char *cmd, const char *fmt, va_list ap)
        __attribute__((format(printf, 2, 0)));
static void print_error(const char *cmd, const char *fmt, va_list ap)
{
        fprintf(stderr, "tdxh %s: ", cmd);
        vfprintf(stderr, fmt, ap);
        fprintf(stderr, "\nTry 'tdxh %s --help'.\n", cmd);
}

static int fail(const struct cli_getopt *g, const char *fmt, ...)
        __attribute__((format(printf, 2, 3)));
static int fail(const struct cli_getopt *g, const char *fmt, ...)
{
        va_list ap;

        va_start(ap, fmt);
        print_error(g->cmd, fmt, ap);
        va_end(ap);
        return TDXH_EXIT_BAD_INPUT;
}

static const struct option *long_option(const struct cli_getopt *g, int code)
{
        for (const struct option *o = g->longopts; o && o->name; o++)
                if (!o->flag && o->val == code)
                        return o;
        return NULL;
}

/* "--name" of the element that getopt just read, without "=value". */
static void long_name(const char *arg, char *out, size_t size)
{
        size_t n = strcspn(arg, "=");

        snprintf(out, size, "%.*s", (int)(n < size ? n : size - 1), arg);
}

/* The message for what getopt_long refused: c is ':' (a value missing) or
 * '?' (an unknown option, or a value given to an option that takes none). */
static int bad_option(const struct cli_getopt *g, int c, int argc, char **argv)
{
        const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
        bool is_long = strncmp(arg, "--", 2) == 0;
        char name[64];

        if (is_long)
                long_name(arg, name, sizeof(name));
        else
                snprintf(name, sizeof(name), "-%c", optopt > ' ' && optopt < 127 ? optopt : '?');
        if (c == ':')
                return fail(g, "option '%s' needs a value", name);
        /* glibc sets optopt to the option's val when a long option that
         * takes no value was given one; to 0 for an unknown long option. */
        if (is_long && optopt != 0 && strchr(arg, '='))
                return fail(g, "option '%s' takes no value", name);
        return fail(g, "unknown option '%s'", name);
}

/* Whether arg is one of this command's long options ("--json",
 * "--memory=2G"). */
static bool is_own_option(const struct cli_getopt *g, const char *arg)
{
        size_t n;

        if (strncmp(arg, "--", 2) != 0 || !arg[2])
                return false;
        n = strcspn(arg + 2, "=");
        for (const struct option *o = g->longopts; o && o->name; o++)
                if (strlen(o->name) == n && strncmp(o->name, arg + 2, n) == 0)
                        return true;
        return false;
}

int cli_getopt_next(struct cli_getopt *g, int argc, char **argv)
{
        int c;

        if (!g->started) {
                const char *s = g->shortopts ? g->shortopts : "";
                size_t plus = (s[0] == '+' || s[0] == '-') ? 1 : 0;

                /* "+:..." or ":...": getopt_long returns ':' for a missing value */
                snprintf(g->optstring, sizeof(g->optstring), "%.*s:%s", (int)plus, s, s + plus);
                optind = 0;
                opterr = 0;
                g->started = true;
        }
        c = getopt_long(argc, argv, g->optstring, g->longopts, NULL);
        g->code = c;
        if (c == -1)
                return CLI_OPT_END;
        if (c == '?' || c == ':') {
                (void)bad_option(g, c, argc, argv);
                return CLI_OPT_BAD;
        }
        /* "--acpi-from-log --json": getopt takes the next word as the value
         * even when it is another of the command's options; whoever wrote
         * that left the value out, and reading "--json" as a file name (or
         * "fake" after a swallowed "--profile" as an operand) only confuses. */
        if (optarg && optind >= 2 && optind <= argc && optarg == argv[optind - 1] &&
            is_own_option(g, optarg)) {
                char name[64];

                long_name(argv[optind - 2], name, sizeof(name));
                (void)fail(g, "option '%s' needs a value", name);
                return CLI_OPT_BAD;
        }
        return c;
}

const char *cli_opt_name(const struct cli_getopt *g)
{
        static char name[64];
        const struct option *o = long_option(g, g->code);

        if (o)
                snprintf(name, sizeof(name), "--%s", o->name);
        else
                snprintf(name, sizeof(name), "-%c", g->code > ' ' && g->code < 127 ? g->code : '?');
        return name;
}

int cli_opt_error(const struct cli_getopt *g, const char *fmt, ...)
{
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return fail(g, "%s: %s", cli_opt_name(g), msg);
}

int cli_opt_size(const struct cli_getopt *g, const char *text, uint64_t *ret)
{
        if (size_parse(text, ret) < 0)
                return cli_opt_error(g, "'%s' is not a memory size (e.g. 2G, 1536M)", text);
        return 0;
}

int cli_opt_uint(const struct cli_getopt *g, const char *text, unsigned min, unsigned max,
                 const char *what, unsigned *ret)
{
        if (number_parse_uint(text, min, max, ret) < 0)
                return cli_opt_error(g, "'%s' is not %s (%u to %u)", text, what, min, max);
        return 0;
}

int cli_opt_hex(const struct cli_getopt *g, const char *text, size_t min_len, size_t max_len,
                uint8_t *out, size_t *ret_len)
{
        _cleanup_free_ uint8_t *bytes = NULL;
        size_t n = 0;

        if (hex_decode_alloc(text, &bytes, &n) < 0 || n < min_len || n > max_len) {
                if (min_len == max_len)
                        return cli_opt_error(g, "'%s' is not %zu bytes of hex", text, max_len);
                return cli_opt_error(g, "'%s' is not %zu to %zu bytes of hex", text, min_len, max_len);
        }
        memcpy(out, bytes, n);
        *ret_len = n;
        return 0;
}

void cli_opt_warn_empty_file(const struct cli_getopt *g, const char *path)
{
        struct stat st;

        if (stat(path, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0)
                log_warn("warning: %s %s: empty file (measured as %s of 0 bytes)", cli_opt_name(g),
                         path, cli_opt_name(g) + 2);
}

int cli_opt_no_more_args(const struct cli_getopt *g, int argc, char **argv, int n_allowed)
{
        if (argc - optind > n_allowed)
                return fail(g, "unexpected argument '%s'", argv[optind + n_allowed]);
        return 0;
}
