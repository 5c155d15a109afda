/* tdxh verify: offline verification of a TDX quote, optionally bound to an
 * event log and an expected REPORT_DATA. Phases: options, inputs, checks,
 * one report (text for people, JSON with --json). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "options.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json_util.h"
#include "core/log.h"
#include "compare/observed.h"
#include "evidence/eventlog.h"
#include "evidence/quote.h"
#include "evidence/verify.h"

#define MAX_CRLS 16

static void usage(FILE *f)
{
        fputs("Usage: tdxh verify --quote FILE [OPTIONS]\n"
              "\n"
              "Verifies a TDX quote offline: the quote signature, the QE report binding and\n"
              "signature, the PCK certificate chain up to the Intel SGX Root CA (pinned by\n"
              "its key), the TD's DEBUG attribute, and whatever the options ask for.\n"
              "FILE may be binary, hex text, or JSON with a \"quote\" member.\n"
              "\n"
              "Options:\n"
              "  --quote FILE          the quote (required)\n"
              "  --report-data HEX     expected REPORT_DATA, up to 64 bytes (zero-padded)\n"
              "  --event-log FILE      check that the event log replays to the quote's RTMRs\n"
              "  --rtmrs LIST          RTMRs the event log must match (default 0,1,2,3)\n"
              "  --trust-root PEM      trust these roots instead of the Intel SGX Root CA\n"
              "  --crl FILE            check revocation with this CRL (PEM or DER; repeat:\n"
              "                        give the PCK CRL and the Root CA CRL)\n"
              "  --at TIME             check certificate validity at TIME (UTC,\n"
              "                        YYYY-MM-DD[THH:MM[:SS]][Z] or @SECONDS) instead of now,\n"
              "                        e.g. when the quote was taken\n"
              "  --no-time-check       do not check validity periods (archived evidence);\n"
              "                        the pck-chain line says so\n"
              "  --allow-debug         accept a TD with the DEBUG attribute\n"
              "  --tcb-info FILE       TDX TCB Info JSON (Intel PCS/PCCS v4): adds tcb-info and\n"
              "                        tcb-status\n"
              "  --qe-identity FILE    TD QE Identity JSON: adds qe-identity\n"
              "  --tcb-chain PEM       the TCB signing chain that signed them (required with\n"
              "                        either; checked against the same root)\n"
              "  --accept-tcb LIST     TCB statuses that pass (default UpToDate), e.g.\n"
              "                        UpToDate,SWHardeningNeeded\n"
              "  --json                print {\"verdict\", \"checks\": [...]} instead of text\n"
              "\n"
              "Exit status: 0 every check passed, 1 a check failed, 2 bad input.\n",
              f);
}

static int parse_time(const char *text, time_t *ret)
{
        static const char *const formats[] = {
                "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%MZ",
                "%Y-%m-%dT%H:%M",     "%Y-%m-%d",
        };
        char *end;

        if (text[0] == '@') {
                long long v;

                errno = 0;
                v = strtoll(text + 1, &end, 10);
                if (errno || end == text + 1 || *end)
                        return -EINVAL;
                *ret = (time_t)v;
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
                struct tm tm = { 0 };

                end = strptime(text, formats[i], &tm);
                if (end && *end == '\0') {
                        *ret = timegm(&tm);
                        return 0;
                }
        }
        return -EINVAL;
}

static int parse_rtmrs(const char *text, unsigned *ret)
{
        unsigned mask = 0;

        for (const char *p = text; *p; p++) {
                if (*p >= '0' && *p <= '3')
                        mask |= 1u << (*p - '0');
                else if (*p != ',')
                        return -EINVAL;
        }
        if (!mask)
                return -EINVAL;
        *ret = mask;
        return 0;
}

/* Replays an event log file (CCEL, TPM or JSON log) to RTMR0-3. */
static int replay_event_log(const char *path, uint8_t ret[4][48], struct tdxh_err *e)
{
        _cleanup_evlog_ struct evlog log = { 0 };
        int r;

        r = evlog_load_file(path, &log, e);
        if (r < 0)
                return r;
        r = evlog_replay(&log, ret, e);
        if (r < 0)
                err_prefix(e, "%s: ", path);
        return r;
}

struct verify_args {
        const char *quote;
        const char *event_log;
        unsigned rtmr_mask;
        bool json;
        uint8_t report_data[64];
        const char *crls[MAX_CRLS];
        struct verify_opts opts;
};

enum {
        OPT_QUOTE = 0x100,
        OPT_EVENT_LOG,
        OPT_RTMRS,
        OPT_REPORT_DATA,
        OPT_TRUST_ROOT,
        OPT_CRL,
        OPT_AT,
        OPT_NO_TIME,
        OPT_ALLOW_DEBUG,
        OPT_JSON,
        OPT_TCB_INFO,
        OPT_QE_IDENTITY,
        OPT_TCB_CHAIN,
        OPT_ACCEPT_TCB,
};

static int parse_args(int argc, char **argv, struct verify_args *a)
{
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "quote", required_argument, NULL, OPT_QUOTE },
                { "event-log", required_argument, NULL, OPT_EVENT_LOG },
                { "rtmrs", required_argument, NULL, OPT_RTMRS },
                { "report-data", required_argument, NULL, OPT_REPORT_DATA },
                { "trust-root", required_argument, NULL, OPT_TRUST_ROOT },
                { "crl", required_argument, NULL, OPT_CRL },
                { "at", required_argument, NULL, OPT_AT },
                { "no-time-check", no_argument, NULL, OPT_NO_TIME },
                { "allow-debug", no_argument, NULL, OPT_ALLOW_DEBUG },
                { "json", no_argument, NULL, OPT_JSON },
                { "tcb-info", required_argument, NULL, OPT_TCB_INFO },
                { "qe-identity", required_argument, NULL, OPT_QE_IDENTITY },
                { "tcb-chain", required_argument, NULL, OPT_TCB_CHAIN },
                { "accept-tcb", required_argument, NULL, OPT_ACCEPT_TCB },
                {},
        };
        struct cli_getopt g = CLI_GETOPT_INIT("verify", "+h", options);
        size_t n;
        int c, r;

        a->rtmr_mask = 0xf;
        a->opts.crls = a->crls;
        while ((c = cli_getopt_next(&g, argc, argv)) != CLI_OPT_END) {
                switch (c) {
                case 'h':
                        usage(stdout);
                        return -1;
                case OPT_QUOTE:
                        a->quote = optarg;
                        break;
                case OPT_EVENT_LOG:
                        a->event_log = optarg;
                        break;
                case OPT_RTMRS:
                        if (parse_rtmrs(optarg, &a->rtmr_mask) < 0)
                                return cli_opt_error(&g, "'%s' is not a list of 0..3", optarg);
                        break;
                case OPT_REPORT_DATA:
                        /* zero-padded to 64 bytes */
                        memset(a->report_data, 0, sizeof(a->report_data));
                        r = cli_opt_hex(&g, optarg, 1, sizeof(a->report_data), a->report_data, &n);
                        if (r)
                                return r;
                        a->opts.report_data = a->report_data;
                        break;
                case OPT_TRUST_ROOT:
                        a->opts.trust_root = optarg;
                        break;
                case OPT_CRL:
                        if (a->opts.n_crls == MAX_CRLS)
                                return cli_opt_error(&g, "at most %d files", MAX_CRLS);
                        a->crls[a->opts.n_crls++] = optarg;
                        break;
                case OPT_AT:
                        if (parse_time(optarg, &a->opts.at) < 0)
                                return cli_opt_error(&g, "cannot read time '%s'", optarg);
                        a->opts.time_mode = VERIFY_TIME_AT;
                        break;
                case OPT_NO_TIME:
                        a->opts.time_mode = VERIFY_TIME_IGNORE;
                        break;
                case OPT_ALLOW_DEBUG:
                        a->opts.allow_debug = true;
                        break;
                case OPT_JSON:
                        a->json = true;
                        break;
                case OPT_TCB_INFO:
                        a->opts.tcb_info = optarg;
                        break;
                case OPT_QE_IDENTITY:
                        a->opts.qe_identity = optarg;
                        break;
                case OPT_TCB_CHAIN:
                        a->opts.tcb_chain = optarg;
                        break;
                case OPT_ACCEPT_TCB:
                        a->opts.accept_tcb = optarg;
                        break;
                default:
                        return TDXH_EXIT_BAD_INPUT;
                }
        }
        r = cli_opt_no_more_args(&g, argc, argv, 0);
        if (r)
                return r;
        if (!a->quote)
                return cli_usage_error("verify", "--quote is required");
        if ((a->opts.tcb_info || a->opts.qe_identity) && !a->opts.tcb_chain)
                return cli_usage_error("verify", "--tcb-info and --qe-identity need --tcb-chain");
        return 0;
}

static int print_result(const struct verify_result *res, bool json, struct tdxh_err *e)
{
        if (json) {
                _cleanup_json_ json_object *o = NULL;
                int r = verify_result_to_json(res, &o);

                return r < 0 ? r : json_write(o, NULL, e);
        }
        _cleanup_buf_ struct buf out = BUF_INIT;
        int r = verify_result_format(res, &out);

        if (r < 0)
                return r;
        fputs(out.data, stdout);
        return 0;
}

/* --quote is no quote: when it is other evidence, say what it is rather
 * than how it fails as a quote, and when --event-log is the quote, that the
 * two look swapped. */
static int quote_error(const struct verify_args *a, int r, struct tdxh_err *e)
{
        const char *kind, *other;

        if (!observed_probe(a->quote, &kind) || strcmp(kind, "a quote") == 0)
                return r;
        err_clear(e);
        if (a->event_log && observed_probe(a->event_log, &other) && strcmp(other, "a quote") == 0)
                return err_setf(e, -EINVAL, "%s: --quote needs a quote, and this reads as %s while "
                                            "--event-log %s reads as a quote: the two look swapped",
                                a->quote, kind, a->event_log);
        return err_setf(e, -EINVAL, "%s: --quote needs a quote, and this reads as %s", a->quote,
                        kind);
}

static int run(const struct verify_args *a, struct verify_result *res, struct tdxh_err *e)
{
        _cleanup_verify_ctx_ struct verify_ctx *ctx = NULL;
        _cleanup_free_ uint8_t *bytes = NULL;
        uint8_t replayed[4][48];
        struct quote q;
        size_t len;
        int r;

        r = quote_load_file(a->quote, &bytes, &len, e);
        if (r < 0)
                return quote_error(a, r, e);
        r = quote_parse(bytes, len, &q, e);
        if (r < 0) {
                struct quote any;

                /* The policy (docs/verify.md): bytes after the quote that are
                 * not zero padding are refused, as no signature covers them. */
                if (quote_parse_any_trailing(bytes, len, &any, NULL) == 0 && any.trailing_data) {
                        err_clear(e);
                        return err_setf(e, -EINVAL,
                                        "%s: offset 0x%zx: %zu bytes after the end of the quote "
                                        "are not zero padding; verify refuses data no signature "
                                        "covers ('tdxh inspect' shows the quote)",
                                        a->quote, any.quote_len, any.trailing_len);
                }
                err_prefix(e, "%s: ", a->quote);
                return quote_error(a, r, e);
        }
        if (a->event_log) {
                r = replay_event_log(a->event_log, replayed, e);
                if (r < 0)
                        return r;
        }
        r = verify_ctx_new(&a->opts, &ctx, e);
        if (r < 0)
                return r;
        r = verify_quote(ctx, &q, res);
        if (r >= 0 && a->event_log)
                r = verify_bind_event_log(res, &q, (const uint8_t(*)[48])replayed,
                                          a->rtmr_mask);
        return r;
}

int cmd_verify(int argc, char **argv)
{
        _cleanup_verify_result_ struct verify_result res = VERIFY_RESULT_INIT;
        struct verify_args a = { 0 };
        struct tdxh_err e = { 0 };
        int r;

        /* < 0: help printed; > 0: the exit code of a usage error */
        r = parse_args(argc, argv, &a);
        if (r != 0)
                return r < 0 ? TDXH_EXIT_OK : r;
        if (a.json)
                log_set_machine_output(true);
        r = run(&a, &res, &e);
        if (r >= 0)
                r = print_result(&res, a.json, &e);
        if (r < 0)
                return cli_report(r, &e);
        return verify_passed(&res) ? TDXH_EXIT_OK : TDXH_EXIT_MISMATCH;
}
