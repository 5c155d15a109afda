/* Value parsers of the scenario format, the names of step kinds and policy
 * registers, and the "did you mean" suggestion; see scenario_values.h and
 * docs/scenarios.md for the rules each value follows. */
#include "check/scenario_values.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/size.h"

#define MIB (1ull << 20)

static const char *const step_kinds[] = {
        [STEP_BOOT] = "boot",   [STEP_MEASURE] = "measure", [STEP_EXTEND] = "extend",
        [STEP_QUOTE] = "quote", [STEP_SEAL] = "seal",       [STEP_REBOOT] = "reboot",
        [STEP_UNSEAL] = "unseal",
};

static const char *const policy_regs[] = { "mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3" };

const char *step_kind_name(enum step_kind k)
{
        if ((unsigned)k >= sizeof(step_kinds) / sizeof(step_kinds[0]))
                return "unknown";
        return step_kinds[k];
}

unsigned policy_reg_from_name(const char *name)
{
        for (unsigned i = 0; i < sizeof(policy_regs) / sizeof(policy_regs[0]); i++)
                if (name && strcmp(name, policy_regs[i]) == 0)
                        return 1u << i;
        return 0;
}

const char *policy_reg_name(unsigned bit)
{
        for (unsigned i = 0; i < sizeof(policy_regs) / sizeof(policy_regs[0]); i++)
                if (bit == 1u << i)
                        return policy_regs[i];
        return NULL;
}

/* Optimal string alignment distance: insertions, deletions, substitutions
 * and swaps of two neighbours each cost 1. Words longer than 64 bytes are
 * never typos of a key, so they get a distance that suggests nothing. */
static size_t edit_distance(const char *a, const char *b)
{
        size_t la = strlen(a), lb = strlen(b);
        size_t d[65][65];

        if (la > 64 || lb > 64)
                return SIZE_MAX;
        for (size_t i = 0; i <= la; i++)
                d[i][0] = i;
        for (size_t j = 0; j <= lb; j++)
                d[0][j] = j;
        for (size_t i = 1; i <= la; i++) {
                for (size_t j = 1; j <= lb; j++) {
                        size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

                        if (d[i - 1][j] + 1 < best)
                                best = d[i - 1][j] + 1;
                        if (d[i][j - 1] + 1 < best)
                                best = d[i][j - 1] + 1;
                        if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                            d[i - 2][j - 2] + 1 < best)
                                best = d[i - 2][j - 2] + 1;
                        d[i][j] = best;
                }
        }
        return d[la][lb];
}

const char *scn_suggest(const char *word, const char *const *candidates, size_t n)
{
        const char *best = NULL;
        size_t best_d = SIZE_MAX;

        for (size_t i = 0; i < n; i++) {
                size_t d = edit_distance(word, candidates[i]);
                size_t longer = strlen(word) > strlen(candidates[i]) ? strlen(word)
                                                                     : strlen(candidates[i]);

                /* at most 2 edits, and at most half of the word changed */
                if (d <= 2 && 2 * d <= longer && d < best_d) {
                        best = candidates[i];
                        best_d = d;
                }
        }
        return best;
}

/* " (did you mean 'X'?)" for a value that looks like a typo, else "". */
static const char *guess(const char *word, const char *const *values, size_t n, char text[64])
{
        const char *g = *word ? scn_suggest(word, values, n) : NULL;

        if (!g)
                return "";
        snprintf(text, 64, " (did you mean '%s'?)", g);
        return text;
}

const struct scn_node *scn_where(const struct scn_node *key, const struct scn_node *val)
{
        /* An empty value has no characters of its own to point at. */
        return val->type == SCN_NULL && !*val->text ? key : val;
}

int scn_string(const struct scn_ctx *c, const struct scn_node *key, const struct scn_node *val,
               const char **ret)
{
        char d[SCN_DESCRIBE_MAX];

        if (val->type != SCN_SCALAR)
                return scn_fail(c, scn_where(key, val), "%s: expected a string, got %s", key->text,
                                scn_describe(val, d));
        *ret = val->text;
        return 0;
}

int scn_string_dup(const struct scn_ctx *c, const struct scn_node *key,
                   const struct scn_node *val, char **ret)
{
        const char *s = ""; /* set by scn_string() on success */
        char *copy;
        int r;

        r = scn_string(c, key, val, &s);
        if (r < 0)
                return r;
        copy = strdup(s);
        if (!copy)
                return -ENOMEM;
        *ret = copy;
        return 0;
}

int scn_path(const struct scn_ctx *c, const struct scn_node *key, const struct scn_node *val,
             const char *dir, char **ret)
{
        const char *s = ""; /* set by scn_string() on success */
        char *p = NULL;
        int r;

        r = scn_string(c, key, val, &s);
        if (r < 0)
                return r;
        if (!*s)
                return scn_fail(c, val, "%s: the path is empty", key->text);
        if (s[0] == '/' || !dir || !*dir)
                p = strdup(s);
        else if (asprintf(&p, "%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", s) < 0)
                p = NULL;
        if (!p)
                return -ENOMEM;
        *ret = p;
        return 0;
}

static bool all_digits(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!isdigit((unsigned char)*s))
                        return false;
        return true;
}

int scn_uint(const struct scn_ctx *c, const struct scn_node *key, const struct scn_node *val,
             unsigned min, unsigned max, const char *what, unsigned *ret)
{
        char d[SCN_DESCRIBE_MAX];
        unsigned long long v;

        if (val->type != SCN_SCALAR || !all_digits(val->text) || strlen(val->text) > 10)
                goto bad;
        v = strtoull(val->text, NULL, 10);
        if (v < min || v > max)
                goto bad;
        *ret = (unsigned)v;
        return 0;
bad:
        return scn_fail(c, scn_where(key, val), "%s: expected %s, got %s", key->text, what,
                        scn_describe(val, d));
}

int scn_size(const struct scn_ctx *c, const struct scn_node *key, const struct scn_node *val,
             uint64_t *ret)
{
        char d[SCN_DESCRIBE_MAX], bytes[32];
        bool plain_count;
        uint64_t v = 0;
        int r = -EINVAL;

        if (val->type != SCN_SCALAR)
                return scn_fail(c, scn_where(key, val),
                                "%s: expected a size (e.g. 2G, 2048M, 1GiB or a byte count), got %s",
                                key->text, scn_describe(val, d));
        /* size_parse() reads a bare number as MiB (QEMU's -m); here a bare
         * number is a byte count, so it is handed over with a B suffix. */
        plain_count = all_digits(val->text);
        if (plain_count && strlen(val->text) < 24) {
                snprintf(bytes, sizeof(bytes), "%sB", val->text);
                r = size_parse(bytes, &v);
        } else if (!plain_count) {
                r = size_parse(val->text, &v);
        }
        if (r < 0)
                return scn_fail(c, val, "%s: %s is not a size (e.g. 2G, 2048M, 1GiB or a byte count)",
                                key->text, scn_describe(val, d));
        if (v % MIB != 0) {
                if (plain_count)
                        return scn_fail(c, val, "%s: %s bytes is not a whole number of MiB "
                                        "(for MiB write %sM)", key->text, val->text, val->text);
                return scn_fail(c, val, "%s: %s is not a whole number of MiB", key->text,
                                scn_describe(val, d));
        }
        *ret = v;
        return 0;
}

int scn_hex(const struct scn_ctx *c, const struct scn_node *key, const struct scn_node *val,
            uint8_t *out, size_t len, const char *what)
{
        char d[SCN_DESCRIBE_MAX];
        size_t n = 0, chars = 0;

        if (val->type != SCN_SCALAR)
                return scn_fail(c, scn_where(key, val), "%s: expected %s, got %s", key->text, what,
                                scn_describe(val, d));
        if (hex_decode_exact(val->text, out, len) == 0)
                return 0;
        for (n = 0; val->text[n]; n++)
                chars += ((unsigned char)val->text[n] & 0xc0) != 0x80;
        for (size_t i = 0; i < n && n == 2 * len; i++)
                if (!isxdigit((unsigned char)val->text[i]))
                        return scn_fail(c, val, "%s: expected %s; character %zu is not a hex digit",
                                        key->text, what, i + 1);
        return scn_fail(c, val, "%s: expected %s, got %zu character%s", key->text, what, chars,
                        chars == 1 ? "" : "s");
}

static bool name_chars(const char *s, size_t max)
{
        size_t n = strlen(s);

        if (n == 0 || n > max)
                return false;
        for (; *s; s++)
                if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-')
                        return false;
        return true;
}

static bool scenario_name_ok(const char *s)
{
        /* It names run directories and reports, so it stays a plain file name. */
        return name_chars(s, 64) && isalnum((unsigned char)s[0]);
}

static bool step_name_ok(const char *s)
{
        bool ok = *s && strlen(s) <= 128;

        for (const char *p = s; ok && *p; p++)
                ok = (unsigned char)*p >= 0x20 && *p != 0x7f;
        return ok;
}

static bool secret_name_ok(const char *s)
{
        return name_chars(s, 64);
}

/* A string value that ok() accepts, copied; else "KEY: VALUE is not WHAT". */
static int checked_name(const struct scn_ctx *c, const struct scn_node *key,
                        const struct scn_node *val, bool (*ok)(const char *), const char *what,
                        char **ret)
{
        char d[SCN_DESCRIBE_MAX];
        const char *s = ""; /* set by scn_string() on success */
        int r;

        r = scn_string(c, key, val, &s);
        if (r < 0)
                return r;
        if (!ok(s))
                return scn_fail(c, val, "%s: %s is not %s", key->text, scn_describe(val, d), what);
        return scn_string_dup(c, key, val, ret);
}

int scn_scenario_name(const struct scn_ctx *c, const struct scn_node *key,
                      const struct scn_node *val, char **ret)
{
        return checked_name(c, key, val, scenario_name_ok,
                            "a scenario name (1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter "
                            "or digit)", ret);
}

int scn_profile_name(const struct scn_ctx *c, const struct scn_node *key,
                     const struct scn_node *val, char **ret)
{
        /* It names a golden file, IMAGE/golden/PROFILE.json. */
        return checked_name(c, key, val, scenario_name_ok,
                            "a profile name (1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter "
                            "or digit)", ret);
}

int scn_step_name(const struct scn_ctx *c, const struct scn_node *key,
                  const struct scn_node *val, char **ret)
{
        return checked_name(c, key, val, step_name_ok, "a step name (one line of 1 to 128 bytes)",
                            ret);
}

int scn_secret_name(const struct scn_ctx *c, const struct scn_node *key,
                    const struct scn_node *val, char **ret)
{
        return checked_name(c, key, val, secret_name_ok,
                            "a secret name (1 to 64 of A-Z a-z 0-9 . _ -)", ret);
}

int scn_policy(const struct scn_ctx *c, const struct scn_node *key, const struct scn_node *val,
               unsigned *ret)
{
        char d[SCN_DESCRIBE_MAX];
        unsigned mask = 0;

        if (val->type != SCN_LIST)
                return scn_fail(c, scn_where(key, val), "%s: expected a list of registers (mrtd, "
                                "rtmr0, rtmr1, rtmr2, rtmr3), got %s", key->text,
                                scn_describe(val, d));
        if (val->n == 0)
                return scn_fail(c, val, "%s: the list is empty (leave policy out for the default: "
                                "mrtd, rtmr0, rtmr1, rtmr2)", key->text);
        for (size_t i = 0; i < val->n; i++) {
                const struct scn_node *item = &val->items[i];
                unsigned bit = item->type == SCN_SCALAR ? policy_reg_from_name(item->text) : 0;

                if (!bit)
                        return scn_fail(c, item, "%s: %s is not one of mrtd, rtmr0, rtmr1, rtmr2, "
                                        "rtmr3", key->text, scn_describe(item, d));
                if (mask & bit)
                        return scn_fail(c, item, "%s: '%s' is listed twice", key->text, item->text);
                mask |= bit;
        }
        *ret = mask;
        return 0;
}

int scn_expect(const struct scn_ctx *c, const struct scn_node *key, const struct scn_node *val,
               enum step_kind kind, bool *ret_fail)
{
        char d[SCN_DESCRIBE_MAX], g[64];
        const char *s = val->type == SCN_SCALAR ? val->text : "";

        if (strcmp(s, "pass") == 0) {
                *ret_fail = false;
        } else if ((strcmp(s, "fail") == 0 || strcmp(s, "refused") == 0) &&
                   (kind == STEP_BOOT || kind == STEP_REBOOT)) {
                /* the engine has no refused boot: a guest that does not come up
                 * is an infrastructure failure, which nothing may expect */
                return scn_fail(c, val, "%s: a %s cannot be expected to fail (a guest that does "
                                "not come up is an infrastructure failure)", key->text,
                                step_kind_name(kind));
        } else if (strcmp(s, "fail") == 0 || strcmp(s, "refused") == 0) {
                *ret_fail = true;
        } else if (strcmp(s, "released") == 0) {
                if (kind != STEP_UNSEAL)
                        return scn_fail(c, val, "%s: 'released' applies to unseal steps only (use "
                                        "pass)", key->text);
                *ret_fail = false;
        } else {
                static const char *const values[] = { "pass", "fail", "refused", "released" };

                return scn_fail(c, scn_where(key, val), "%s: expected pass or fail (or refused%s), "
                                "got %s%s", key->text, kind == STEP_UNSEAL ? ", released" : "",
                                scn_describe(val, d), guess(s, values, kind == STEP_UNSEAL ? 4 : 3, g));
        }
        return 0;
}

int scn_seal_mode(const struct scn_ctx *c, const struct scn_node *key,
                  const struct scn_node *val, enum seal_mode *ret)
{
        static const char *const modes[] = { "kbs", "tpm" };
        char d[SCN_DESCRIBE_MAX], g[64];
        const char *s = val->type == SCN_SCALAR ? val->text : "";

        if (strcmp(s, "kbs") == 0)
                *ret = SEAL_KBS;
        else if (strcmp(s, "tpm") == 0)
                *ret = SEAL_TPM;
        else
                return scn_fail(c, scn_where(key, val), "%s: expected kbs or tpm, got %s%s",
                                key->text, scn_describe(val, d), guess(s, modes, 2, g));
        return 0;
}

int scn_quote_inject(const struct scn_ctx *c, const struct scn_node *key,
                     const struct scn_node *val, enum quote_inject *ret)
{
        static const char *const faults[] = { "wrong-report-data", "lying-guest" };
        char d[SCN_DESCRIBE_MAX], g[64];
        const char *s = val->type == SCN_SCALAR ? val->text : "";

        if (strcmp(s, faults[0]) == 0)
                *ret = QUOTE_INJECT_WRONG_REPORT_DATA;
        else if (strcmp(s, faults[1]) == 0)
                *ret = QUOTE_INJECT_LYING_GUEST;
        else
                return scn_fail(c, scn_where(key, val), "%s: expected wrong-report-data or lying-guest, "
                                "got %s%s", key->text, scn_describe(val, d), guess(s, faults, 2, g));
        return 0;
}

int scn_find(const char *word, const char *const *names, size_t n)
{
        for (size_t i = 0; i < n; i++)
                if (strcmp(word, names[i]) == 0)
                        return (int)i;
        return -1;
}

void scn_join(const char *const *names, size_t n, char *out, size_t size)
{
        size_t used = 0;

        out[0] = '\0';
        for (size_t i = 0; i < n && used < size; i++) {
                int w = snprintf(out + used, size - used, "%s%s", i ? ", " : "", names[i]);

                if (w < 0)
                        break;
                used += (size_t)w;
        }
}

/* "unknown WHAT 'KEY'CONTEXT (did you mean 'X'?)", or with the valid names. */
int scn_unknown(const struct scn_ctx *c, const struct scn_node *k, const char *what,
                   const char *context, const char *const *names, size_t n)
{
        const char *guess = scn_suggest(k->text, names, n);
        char q[SCN_DESCRIBE_MAX], list[256];

        if (guess)
                return scn_fail(c, k, "unknown %s %s%s (did you mean '%s'?)", what,
                                scn_quote(k->text, q), context, guess);
        scn_join(names, n, list, sizeof(list));
        return scn_fail(c, k, "unknown %s %s%s (expected one of: %s)", what, scn_quote(k->text, q),
                        context, list);
}

/* Key i of map is a string and not a repeat of an earlier key. */
int scn_check_key(const struct scn_ctx *c, const struct scn_node *map, size_t i)
{
        const struct scn_node *k = scn_key(map, i);
        char d[SCN_DESCRIBE_MAX];

        if (k->type != SCN_SCALAR)
                return scn_fail(c, k, "a key must be a string, got %s", scn_describe(k, d));
        for (size_t j = 0; j < i; j++) {
                const struct scn_node *prev = scn_key(map, j);

                if (prev->type == SCN_SCALAR && strcmp(prev->text, k->text) == 0)
                        return scn_fail(c, k, "duplicate key %s (first at line %u)",
                                        scn_quote(k->text, d), prev->line);
        }
        return 0;
}
