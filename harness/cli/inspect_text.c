/* Human-readable output of `tdxh inspect`; see inspect.h. One event per
 * line: the detail is cut to a screen's width and control characters are
 * escaped, so a hostile log cannot rewrite the terminal. */
#include "inspect.h"

#include <inttypes.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/event_type.h"
#include "core/hex.h"

#define DETAIL_MAX 160

/* Appends s with control characters escaped, cut after max bytes (at a
 * character boundary). */
static void put_escaped(struct buf *out, const char *s, size_t max)
{
        size_t n = 0;

        while (s[n]) {
                size_t run = n;

                /* copy the longest run that needs no escaping at once */
                while (s[run] && run < max && (unsigned char)s[run] >= 0x20 && s[run] != 0x7f)
                        run++;
                buf_append(out, s + n, run - n);
                n = run;
                if (!s[n])
                        break;
                if (n >= max) {
                        /* finish the UTF-8 sequence under way */
                        while (((unsigned char)s[n] & 0xc0) == 0x80)
                                buf_putc(out, s[n++]);
                        if (s[n])
                                buf_puts(out, "...");
                        break;
                }
                if (s[n] == '\n')
                        buf_puts(out, "\\n");
                else if (s[n] == '\t')
                        buf_puts(out, "\\t");
                else
                        buf_printf(out, "\\x%02x", (unsigned char)s[n]);
                n++;
        }
}

/* Appends s left-aligned in a column of width characters and a gap. */
static void put_column(struct buf *out, const char *s, size_t width)
{
        size_t n = strlen(s);

        buf_append(out, s, n);
        for (buf_putc(out, ' '); n < width; n++)
                buf_putc(out, ' ');
        buf_putc(out, ' ');
}

/* Appends v right-aligned in width characters. */
static void put_number(struct buf *out, uint64_t v, size_t width)
{
        char digits[24];
        size_t n = 0;

        do {
                digits[n++] = (char)('0' + v % 10);
                v /= 10;
        } while (v);
        for (; width > n; width--)
                buf_putc(out, ' ');
        while (n)
                buf_putc(out, digits[--n]);
}

static void print_header(FILE *f, const char *path, const struct evlog *l)
{
        fprintf(f, "Event log %s\n", path);
        fprintf(f, "  format       %s", evlog_format_name(l->format));
        if (l->format != EVLOG_JSON)
                fprintf(f, " (TCG2 crypto-agile, spec ID event index %" PRIu32 ")",
                        l->spec_id_pcr);
        fputc('\n', f);
        if (l->n_algs) {
                fputs("  algorithms  ", f);
                for (size_t i = 0; i < l->n_algs; i++) {
                        const char *name = evlog_alg_name(l->algs[i].id);

                        if (name)
                                fprintf(f, " %s", name);
                        else
                                fprintf(f, " 0x%04x/%u", l->algs[i].id, l->algs[i].size);
                }
                fputc('\n', f);
        }
        if (l->format != EVLOG_JSON)
                fprintf(f, "  log length   %zu bytes\n", l->log_len);
        if (l->has_ccel_table) {
                const struct ccel_table *t = &l->ccel_table;

                fprintf(f,
                        "  CCEL table   cc type %u%s, LAML 0x%" PRIx64 ", LASA 0x%" PRIx64
                        ", OEM %s/%s, checksum %s\n",
                        t->cc_type, t->cc_type == 2 ? " (TDX)" : "", t->laml, t->lasa,
                        t->oem_id, t->oem_table_id, t->checksum_ok ? "ok" : "WRONG");
        }
        fprintf(f, "  events       %zu: RTMR0 %zu, RTMR1 %zu, RTMR2 %zu, RTMR3 %zu, none %zu\n",
                l->n_events, evlog_count_rtmr(l, 0), evlog_count_rtmr(l, 1),
                evlog_count_rtmr(l, 2), evlog_count_rtmr(l, 3), evlog_count_rtmr(l, -1));
}

static void print_event(FILE *f, struct buf *line, const struct evlog_event *ev)
{
        char type[40], digest[17] = "-";
        const char *name = event_type_name(ev->type);

        if (!name) {
                event_type_format(ev->type, type);
                name = type;
        }
        if (ev->has_sha384)
                hex_encode(ev->sha384, 8, digest);
        buf_reset(line);
        buf_puts(line, "  ");
        put_number(line, ev->index, 5);
        buf_putc(line, ' ');
        put_number(line, ev->pcr, 3);
        buf_puts(line, "  ");
        put_column(line, ev->rtmr >= 0 ? (const char *[]){ "0", "1", "2", "3" }[ev->rtmr & 3]
                                       : "-",
                   4);
        put_column(line, name, 32);
        put_column(line, digest, 16);
        put_column(line, ev->what ? ev->what : "unknown", 14);
        if (ev->detail)
                put_escaped(line, ev->detail, DETAIL_MAX);
        buf_putc(line, '\n');
        fwrite(line->data, 1, line->len, f);
}

void inspect_print_evlog(FILE *f, const char *path, const struct evlog *l)
{
        static const char *const index_names[] = {
                [EVLOG_CCEL] = "MR", [EVLOG_TPM] = "PCR", [EVLOG_JSON] = "IMR"
        };
        _cleanup_buf_ struct buf line = BUF_INIT;
        struct tdxh_err err = { 0 };
        uint8_t reg[4][48];

        print_header(f, path, l);
        fprintf(f, "\n  %5s %-3s  %-4s  %-32s  %-16s  %-14s  %s\n", "#",
                index_names[l->format], "RTMR", "TYPE", "DIGEST", "WHAT", "DETAIL");
        for (size_t i = 0; i < l->n_events; i++)
                print_event(f, &line, &l->events[i]);
        fputs("\nReplayed registers\n", f);
        if (evlog_replay(l, reg, &err) < 0) {
                fprintf(f, "  cannot replay: %s\n", err.msg);
                return;
        }
        for (int i = 0; i < 4; i++) {
                char hex[97];

                hex_encode(reg[i], 48, hex);
                fprintf(f, "  RTMR%d  %s\n", i, hex);
        }
}

void inspect_print_bound(FILE *f, const char *against, const struct evlog *l,
                         const uint8_t rtmr[4][48])
{
        struct tdxh_err err = { 0 };
        bool match[4];
        int r;

        r = evlog_check_bound(l, rtmr, match, &err);
        if (r < 0) {
                fprintf(f, "\nBinding to the %s: cannot replay: %s\n", against, err.msg);
                return;
        }
        fprintf(f, "\nBinding to the %s: %s\n", against,
                r == 0 ? "the log replays to every RTMR" : "the log does NOT replay to");
        for (int i = 0; i < 4; i++)
                fprintf(f, "  RTMR%d  %s\n", i, match[i] ? "match" : "MISMATCH");
}

static void print_value(FILE *f, json_object *v)
{
        _cleanup_buf_ struct buf text = BUF_INIT;

        if (!v) {
                fputs("null", f);
                return;
        }
        if (!json_object_is_type(v, json_type_string)) {
                fputs(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), f);
                return;
        }
        put_escaped(&text, json_object_get_string(v), 4096);
        if (text.data)
                fputs(text.data, f);
}

void inspect_print_fields(FILE *f, json_object *o, int indent)
{
        json_object_object_foreach(o, key, val)
        {
                if (indent == 0 && strcmp(key, "kind") == 0)
                        continue;
                if (val && json_object_is_type(val, json_type_object)) {
                        fprintf(f, "%*s%s\n", indent + 2, "", key);
                        inspect_print_fields(f, val, indent + 2);
                        continue;
                }
                if (val && json_object_is_type(val, json_type_array)) {
                        size_t n = json_object_array_length(val);

                        fprintf(f, "%*s%s (%zu)\n", indent + 2, "", key, n);
                        for (size_t i = 0; i < n; i++) {
                                json_object *item = json_object_array_get_idx(val, i);

                                if (item && json_object_is_type(item, json_type_object)) {
                                        inspect_print_fields(f, item, indent + 2);
                                        continue;
                                }
                                fprintf(f, "%*s", indent + 4, "");
                                print_value(f, item);
                                fputc('\n', f);
                        }
                        continue;
                }
                fprintf(f, "%*s%-22s ", indent + 2, "", key);
                print_value(f, val);
                fputc('\n', f);
        }
}
