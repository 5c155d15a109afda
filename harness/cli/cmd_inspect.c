/* tdxh inspect: tells what a piece of evidence is and shows it, for a
 * person or as JSON. Recognised from the bytes alone: a TDX quote (binary or
 * hex text), a dstack GetQuote response (JSON with "quote" and "event_log"),
 * a 1024-byte TD report, the 56-byte ACPI CCEL table, and event logs (CCEL
 * area with or without its table, TPM crypto-agile log, JSON logs). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "core/cleanup.h"
#include "core/file.h"
#include "core/json_util.h"
#include "core/le.h"
#include "core/log.h"
#include "evidence/eventlog.h"
#include "evidence/quote.h"
#include "evidence/tdreport.h"
#include "inspect.h"

#define INSPECT_MAX_FILE (256u << 20)

struct inspect_opts {
        const char *path;
        const char *table_path;
        int format; /* -1: detect */
        bool json;
};

static void usage(FILE *f)
{
        fputs("Usage: tdxh inspect FILE [--json] [--format ccel|tpm|json] [--ccel-table FILE]\n"
              "\n"
              "Shows a quote (binary or hex), a TD report, a CCEL table or an event log\n"
              "(CCEL area, TPM binary_bios_measurements, JSON) with its replayed RTMRs.\n"
              "\n"
              "  -j, --json              print JSON instead of text\n"
              "  -f, --format FMT        read FILE as an event log of this format\n"
              "  -t, --ccel-table FILE   the ACPI CCEL table of the CCEL area in FILE\n"
              "\n"
              "Bytes after a quote that are not zero padding are reported with a warning\n"
              "(no signature covers them; 'tdxh verify' refuses such a file).\n",
              f);
}

/* Quote header: version 4 or 5, attestation key type 2 or 3, TEE type TDX. */
static bool is_quote(const uint8_t *p, size_t len)
{
        return len >= 48 && (p[0] == 4 || p[0] == 5) && p[1] == 0 && (p[2] == 2 || p[2] == 3) &&
               p[3] == 0 && le32_get(p + 4) == 0x81;
}

static bool is_tdreport(const uint8_t *p, size_t len)
{
        return len == TDREPORT_LEN && p[0] == 0x81;
}

static int output_json(json_object *o, struct tdxh_err *e)
{
        return json_write(o, NULL, e);
}

static int show_evlog(const struct inspect_opts *o, const struct evlog *l, struct tdxh_err *e)
{
        if (o->json)
                return evlog_write_json(l, stdout, e);
        inspect_print_evlog(stdout, o->path, l);
        return 0;
}

/* A quote, and when it came with one (dstack), its event log and whether
 * the log is bound to the quote's RTMRs. */
static int show_quote(const struct inspect_opts *o, const uint8_t *p, size_t len,
                      const struct evlog *l, struct tdxh_err *e)
{
        _cleanup_json_ json_object *j = NULL, *lj = NULL;
        struct quote q;
        int r;

        /* Showing is not trusting: bytes after the quote are reported, and
         * the quote before them decoded (tdxh verify refuses such a file). */
        r = quote_parse_any_trailing(p, len, &q, e);
        if (r < 0) {
                err_prefix(e, "%s: quote: ", o->path);
                return r;
        }
        if (q.trailing_data)
                log_warn("warning: %s: %zu bytes after the end of the quote (offset 0x%zx) are "
                         "not zero padding; no signature covers them, and 'tdxh verify' refuses "
                         "the file", o->path, q.trailing_len, q.quote_len);
        r = quote_to_json(&q, &j);
        if (r >= 0 && q.trailing_data)
                r = json_add_bool(j, "trailing_data", true);
        if (r < 0)
                return r;
        if (!o->json) {
                printf("Quote %s\n", o->path);
                inspect_print_fields(stdout, j, 0);
                if (l) {
                        fputc('\n', stdout);
                        inspect_print_evlog(stdout, o->path, l);
                        inspect_print_bound(stdout, "quote's RTMRs", l,
                                            (const uint8_t(*)[48])q.body.rtmr);
                }
                return 0;
        }
        if (l) {
                struct tdxh_err err = { 0 };
                bool match[4];
                int differ;

                r = evlog_to_json(l, &lj);
                if (r < 0)
                        return r;
                differ = evlog_check_bound(l, (const uint8_t(*)[48])q.body.rtmr, match, &err);
                r = json_add_bool(lj, "bound", differ == 0);
                for (int i = 0; r >= 0 && differ >= 0 && i < 4; i++) {
                        char key[24];

                        snprintf(key, sizeof(key), "rtmr%d_matches_quote", i);
                        r = json_add_bool(lj, key, match[i]);
                }
                if (r >= 0)
                        r = json_add(j, "event_log", TAKE_PTR(lj));
                if (r < 0)
                        return r;
        }
        return output_json(j, e);
}

static int show_tdreport(const struct inspect_opts *o, const uint8_t *p, size_t len,
                         struct tdxh_err *e)
{
        _cleanup_json_ json_object *j = NULL;
        struct tdreport rep;
        int r;

        r = tdreport_parse(p, len, &rep, e);
        if (r < 0) {
                err_prefix(e, "%s: TD report: ", o->path);
                return r;
        }
        r = tdreport_to_json(&rep, &j);
        if (r < 0)
                return r;
        if (o->json)
                return output_json(j, e);
        printf("TD report %s\n", o->path);
        inspect_print_fields(stdout, j, 0);
        return 0;
}

static int show_ccel_table(const struct inspect_opts *o, const uint8_t *p, size_t len,
                           struct tdxh_err *e)
{
        _cleanup_json_ json_object *j = NULL;
        struct ccel_table t;
        int r;

        r = ccel_table_parse(p, len, &t, e);
        if (r < 0) {
                err_prefix(e, "%s: ", o->path);
                return r;
        }
        r = ccel_table_to_json(&t, &j);
        if (r >= 0)
                r = json_add_string(j, "kind", "ccel-table");
        if (r < 0)
                return r;
        if (o->json)
                return output_json(j, e);
        printf("ACPI CCEL table %s\n", o->path);
        inspect_print_fields(stdout, j, 0);
        return 0;
}

/* A JSON object with a "quote" member: a GetQuote response. Returns 1 when
 * it was one and was shown, 0 when it is something else. */
static int try_quote_json(const struct inspect_opts *o, const uint8_t *p, size_t len,
                          struct tdxh_err *e)
{
        _cleanup_json_ json_object *top = NULL;
        _cleanup_free_ uint8_t *quote = NULL;
        _cleanup_evlog_ struct evlog l = { 0 };
        size_t qlen;
        bool has_log;
        int r;

        /* the caller made p a NUL-terminated string */
        top = json_tokener_parse((const char *)p);
        if (!top || !json_object_is_type(top, json_type_object) ||
            !json_object_object_get_ex(top, "quote", NULL))
                return 0;
        r = quote_load_buffer(p, len, &quote, &qlen, e);
        if (r < 0) {
                err_prefix(e, "%s: ", o->path);
                return r;
        }
        has_log = json_object_object_get_ex(top, "event_log", NULL);
        if (has_log) {
                r = evlog_parse(p, len, EVLOG_JSON, &l, e);
                if (r < 0) {
                        err_prefix(e, "%s: ", o->path);
                        return r;
                }
        }
        r = show_quote(o, quote, qlen, has_log ? &l : NULL, e);
        return r < 0 ? r : 1;
}

static int inspect_log(const struct inspect_opts *o, const uint8_t *p, size_t len,
                       struct tdxh_err *e)
{
        _cleanup_evlog_ struct evlog l = { 0 };
        int r;

        if (o->table_path) {
                _cleanup_mapped_file_ struct mapped_file t = { 0 };
                struct ccel_table table;

                r = file_map(o->table_path, 4096, &t, e);
                if (r < 0)
                        return r;
                r = ccel_table_parse(t.data, t.size, &table, e);
                if (r < 0) {
                        err_prefix(e, "%s: ", o->table_path);
                        return r;
                }
                r = evlog_parse_ccel(p, len, &table, &l, e);
        } else {
                r = evlog_parse(p, len, o->format, &l, e);
        }
        /* Every other kind was tried before the log readers: a file that is
         * not a log either is none of them, whatever the log reader found
         * first (unless --format said it is a log). */
        if (r == -EMEDIUMTYPE && o->format < 0 && !o->table_path) {
                err_clear(e);
                return err_setf(e, -EINVAL, "%s: not a quote, TD report, CCEL table or event log",
                                o->path);
        }
        if (r < 0) {
                err_prefix(e, "%s: ", o->path);
                return r;
        }
        return show_evlog(o, &l, e);
}

static int inspect_bytes(const struct inspect_opts *o, const uint8_t *p, size_t len,
                         struct tdxh_err *e)
{
        _cleanup_free_ uint8_t *bin = NULL;
        size_t blen, first = 0;
        int r;

        if (o->format >= 0 || o->table_path)
                return inspect_log(o, p, len, e);
        if (len == 0)
                return err_setf(e, -EINVAL, "%s: empty file", o->path);
        if (is_quote(p, len))
                return show_quote(o, p, len, NULL, e);
        if (is_tdreport(p, len))
                return show_tdreport(o, p, len, e);
        if (len == CCEL_TABLE_LEN && memcmp(p, "CCEL", 4) == 0)
                return show_ccel_table(o, p, len, e);
        while (first < len && isspace(p[first]))
                first++;
        if (first < len && p[first] == '{') {
                r = try_quote_json(o, p, len, e);
                if (r != 0)
                        return r < 0 ? r : 0;
        }
        /* Hex text: a binary log starts with a small index and a quote
         * with its version, not with a hex digit. */
        if (first < len && isxdigit(p[first])) {
                r = quote_load_buffer(p, len, &bin, &blen, e);
                if (r < 0) {
                        err_prefix(e, "%s: ", o->path);
                        return r;
                }
                if (blen != len || memcmp(bin, p, len) != 0) {
                        if (is_quote(bin, blen))
                                return show_quote(o, bin, blen, NULL, e);
                        if (is_tdreport(bin, blen))
                                return show_tdreport(o, bin, blen, e);
                        /* an event log written out as hex */
                        return inspect_log(o, bin, blen, e);
                }
        }
        return inspect_log(o, p, len, e);
}

/* Returns 0 to go on, or -1 with the exit code in *ret_exit. */
static int parse_args(int argc, char **argv, struct inspect_opts *o, int *ret_exit)
{
        static const struct option longopts[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, 'j' },
                { "format", required_argument, NULL, 'f' },
                { "ccel-table", required_argument, NULL, 't' },
                {},
        };
        struct cli_getopt g = CLI_GETOPT_INIT("inspect", "hjf:t:", longopts);
        int c;

        *o = (struct inspect_opts){ .format = -1 };
        while ((c = cli_getopt_next(&g, argc, argv)) != CLI_OPT_END) {
                switch (c) {
                case 'h':
                        usage(stdout);
                        *ret_exit = TDXH_EXIT_OK;
                        return -1;
                case 'j':
                        o->json = true;
                        break;
                case 'f':
                        o->format = evlog_format_parse(optarg);
                        if (o->format < 0) {
                                *ret_exit = cli_opt_error(&g, "unknown format '%s' (ccel, tpm or "
                                                          "json)", optarg);
                                return -1;
                        }
                        break;
                case 't':
                        o->table_path = optarg;
                        break;
                default:
                        *ret_exit = TDXH_EXIT_BAD_INPUT;
                        return -1;
                }
        }
        if (optind >= argc) {
                *ret_exit = cli_usage_error("inspect", "missing FILE");
                return -1;
        }
        *ret_exit = cli_opt_no_more_args(&g, argc, argv, 1);
        if (*ret_exit)
                return -1;
        o->path = argv[optind];
        return 0;
}

int cmd_inspect(int argc, char **argv)
{
        /* A big log prints megabytes. glibc ignores the size given to
         * setvbuf() without a buffer (it keeps st_blksize, 4 KiB for a pipe),
         * so stdout gets this one; static, as stdout is flushed at exit. */
        static char stdout_buf[1 << 16];
        _cleanup_mapped_file_ struct mapped_file m = { 0 };
        _cleanup_free_ uint8_t *text = NULL;
        struct tdxh_err e = { 0 };
        struct inspect_opts o;
        int r, code;

        if (parse_args(argc, argv, &o, &code) < 0)
                return code;
        log_set_machine_output(o.json);
        setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));
        r = file_map(o.path, INSPECT_MAX_FILE, &m, &e);
        if (r < 0)
                return cli_report(r, &e);
        /* JSON text needs a terminating NUL; a copy costs little next to parsing. */
        if (m.size && (m.data[0] == '{' || isspace(m.data[0]))) {
                text = malloc(m.size + 1);
                if (!text)
                        return cli_report(-ENOMEM, NULL);
                memcpy(text, m.data, m.size);
                text[m.size] = '\0';
        }
        r = inspect_bytes(&o, text ? text : m.data, m.size, &e);
        if (fflush(stdout) != 0 && r >= 0)
                r = err_setf(&e, -EIO, "cannot write to standard output");
        return cli_report(r, &e);
}
