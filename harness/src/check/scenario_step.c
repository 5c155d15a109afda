/* One step of a scenario file read into struct step: its kind, the keys
 * beside the kind (name, expect), its options, and where it may stand among
 * the steps before it; and the platform options that boot and reboot steps
 * share with the file's `platform:`. docs/scenarios.md is the format. */
#include "check/scenario_step.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/scenario_values.h"
#include "core/cleanup.h"

static const char *const platform_keys[] = { "memory",   "vcpus",  "cmdline", "kernel",
                                              "initrd",   "firmware", "timeout" };
static const char *const kind_keys[] = { "boot", "measure", "extend", "quote",
                                         "seal", "reboot",  "unseal" };
/* The keys of a step item beside its kind. */
static const char *const beside_keys[] = { "name", "expect" };
#define KINDS kind_keys, ELEMENTSOF(kind_keys)

/* The options each step kind takes, as suggestions and for the hint that an
 * option was written beside its step instead of under it. */
static const char *const boot_opts[] = { "memory",   "vcpus",   "cmdline", "kernel", "initrd",
                                         "firmware", "timeout", "expect",  "name",   "step-name" };
static const char *const measure_opts[] = { "golden", "expect", "name", "step-name" };
static const char *const extend_opts[] = { "rtmr", "data",   "digest", "file",
                                           "event", "expect", "name",  "step-name" };
static const char *const quote_opts[] = { "report_data", "inject", "expect", "name", "step-name" };
static const char *const seal_opts[] = { "mode", "name", "policy", "expect", "step-name" };
static const char *const unseal_opts[] = { "mode", "name", "expect", "step-name" };

static const struct {
        const char *const *names;
        size_t n;
} kind_opts[] = {
        [STEP_BOOT] = { boot_opts, ELEMENTSOF(boot_opts) },
        [STEP_MEASURE] = { measure_opts, ELEMENTSOF(measure_opts) },
        [STEP_EXTEND] = { extend_opts, ELEMENTSOF(extend_opts) },
        [STEP_QUOTE] = { quote_opts, ELEMENTSOF(quote_opts) },
        [STEP_SEAL] = { seal_opts, ELEMENTSOF(seal_opts) },
        [STEP_REBOOT] = { boot_opts, ELEMENTSOF(boot_opts) },
        [STEP_UNSEAL] = { unseal_opts, ELEMENTSOF(unseal_opts) },
};

static bool before(const struct scn_node *a, const struct scn_node *b)
{
        return a->line < b->line || (a->line == b->line && a->column < b->column);
}

/* Two places give the same thing: the later one is refused. */
static int twice(const struct scn_ctx *c, const struct scn_node *a, const struct scn_node *b,
                 const char *what)
{
        const struct scn_node *first = before(a, b) ? a : b, *second = before(a, b) ? b : a;

        return scn_fail(c, second, "%s is given twice (also at line %u, column %u)", what,
                        first->line, first->column);
}

void scn_platform_free(struct step_platform *pl)
{
        free(pl->cmdline);
        free(pl->kernel);
        free(pl->initrd);
        free(pl->firmware);
        *pl = (struct step_platform){ 0 };
}

void scn_step_free(struct step *st)
{
        free(st->name);
        switch (st->kind) {
        case STEP_BOOT:
        case STEP_REBOOT:
                scn_platform_free(&st->boot);
                break;
        case STEP_MEASURE:
                free(st->measure.golden);
                break;
        case STEP_EXTEND:
                free(st->extend.data);
                free(st->extend.file);
                free(st->extend.event);
                break;
        case STEP_QUOTE:
                break;
        case STEP_SEAL:
        case STEP_UNSEAL:
                free(st->seal.name);
                break;
        }
}

/* An option's parser result as "stored" (1) or its error. */
static int stored(int r)
{
        return r < 0 ? r : 1;
}

/* One option of `platform:` or of a boot/reboot step: 1 when key is one and
 * was stored in pl, 0 when it is not one. */
static int platform_option(const struct scn_parser *p, const struct scn_node *k,
                           const struct scn_node *v, struct step_platform *pl, bool in_step)
{
        const struct scn_ctx *c = &p->c;

        switch (scn_find(k->text, platform_keys, ELEMENTSOF(platform_keys))) {
        case 0:
                return stored(scn_size(c, k, v, &pl->memory));
        case 1:
                return stored(scn_uint(c, k, v, 1, 512, "an integer from 1 to 512", &pl->vcpus));
        case 2:
                return stored(scn_string_dup(c, k, v, &pl->cmdline));
        case 3:
                return stored(scn_path(c, k, v, p->dir, &pl->kernel));
        case 4:
                if (v->type == SCN_SCALAR && strcmp(v->text, "tampered") == 0) {
                        if (!in_step)
                                return scn_fail(c, v, "initrd: 'tampered' applies to boot and "
                                                "reboot steps, not to platform");
                        pl->initrd_tampered = true;
                        return 1;
                }
                return stored(scn_path(c, k, v, p->dir, &pl->initrd));
        case 5:
                return stored(scn_path(c, k, v, p->dir, &pl->firmware));
        case 6:
                return stored(scn_uint(c, k, v, 1, 86400, "a number of seconds from 1 to 86400",
                                       &pl->timeout_s));
        default:
                return 0;
        }
}

int scn_parse_platform(const struct scn_parser *p, const struct scn_node *map,
                       struct step_platform *pl)
{
        char d[SCN_DESCRIBE_MAX];
        int r;

        if (map->type == SCN_NULL)
                return 0;
        if (map->type != SCN_MAP)
                return scn_fail(&p->c, map, "platform: expected a mapping, got %s",
                                scn_describe(map, d));
        for (size_t i = 0; i < map->n; i++) {
                r = scn_check_key(&p->c, map, i);
                if (r < 0)
                        return r;
                r = platform_option(p, scn_key(map, i), scn_value(map, i), pl, false);
                if (r < 0)
                        return r;
                if (r == 0)
                        return scn_unknown(&p->c, scn_key(map, i), "option", " in platform",
                                           platform_keys, ELEMENTSOF(platform_keys));
        }
        return 0;
}

/* The parts of one step item found before its options are read. */
struct item {
        const struct scn_node *anchor;  /* where "missing ..." points: the options or the kind */
        const struct scn_node *name_k, *name_v;     /* the step's name */
        const struct scn_node *expect_k, *expect_v; /* expect */
        const struct scn_node *source;  /* extend: the data, digest or file key */
};

static int extend_option(const struct scn_parser *p, const struct scn_node *k,
                         const struct scn_node *v, struct step *st, struct item *it)
{
        const struct scn_ctx *c = &p->c;
        /* extend_opts starts with rtmr, data, digest, file, event */
        int i = scn_find(k->text, extend_opts, 5), r;

        if (i < 0)
                return 0;
        if (i == 0)
                return stored(scn_uint(c, k, v, 3, 3, "3 (a guest can extend only RTMR3)",
                                       &st->extend.rtmr));
        if (i == 4)
                return stored(scn_string_dup(c, k, v, &st->extend.event));
        if (it->source)
                return scn_fail(c, k, "'%s' and '%s' both given; an extend takes exactly one of "
                                "data, digest or file", it->source->text, k->text);
        it->source = k;
        if (i == 1) {
                st->extend.source = EXTEND_DATA;
                r = scn_string_dup(c, k, v, &st->extend.data);
        } else if (i == 2) {
                st->extend.source = EXTEND_DIGEST;
                r = scn_hex(c, k, v, st->extend.digest, sizeof(st->extend.digest),
                            "96 hex digits (a SHA-384 digest)");
        } else {
                st->extend.source = EXTEND_FILE;
                r = scn_path(c, k, v, p->dir, &st->extend.file);
        }
        return r < 0 ? r : 1;
}

/* One option of a step: 1 when stored, 0 when the kind has no such option. */
static int step_option(const struct scn_parser *p, const struct scn_node *k,
                       const struct scn_node *v, struct step *st, struct item *it)
{
        const struct scn_ctx *c = &p->c;
        bool secret = st->kind == STEP_SEAL || st->kind == STEP_UNSEAL;

        if (strcmp(k->text, "expect") == 0) {
                if (it->expect_k)
                        return twice(c, it->expect_k, k, "'expect'");
                it->expect_k = k;
                it->expect_v = v;
                return 1;
        }
        if (strcmp(k->text, "step-name") == 0 || (!secret && strcmp(k->text, "name") == 0)) {
                if (it->name_k)
                        return twice(c, it->name_k, k, "the step's name");
                it->name_k = k;
                it->name_v = v;
                return 1;
        }
        switch (st->kind) {
        case STEP_BOOT:
        case STEP_REBOOT:
                return platform_option(p, k, v, &st->boot, true);
        case STEP_MEASURE:
                if (strcmp(k->text, "golden") != 0)
                        return 0;
                if (v->type == SCN_SCALAR && strcmp(v->text, "auto") == 0)
                        return 1;
                return stored(scn_path(c, k, v, p->dir, &st->measure.golden));
        case STEP_EXTEND:
                return extend_option(p, k, v, st, it);
        case STEP_QUOTE:
                if (strcmp(k->text, "inject") == 0)
                        return stored(scn_quote_inject(c, k, v, &st->quote.inject));
                if (strcmp(k->text, "report_data") != 0)
                        return 0;
                if (v->type == SCN_SCALAR && strcmp(v->text, "random") == 0) {
                        st->quote.kind = REPORT_DATA_RANDOM;
                        return 1;
                }
                st->quote.kind = REPORT_DATA_HEX;
                return stored(scn_hex(c, k, v, st->quote.report_data, sizeof(st->quote.report_data),
                                      "random or 128 hex digits (64 bytes)"));
        case STEP_SEAL:
        case STEP_UNSEAL:
                if (strcmp(k->text, "mode") == 0)
                        return stored(scn_seal_mode(c, k, v, &st->seal.mode));
                if (strcmp(k->text, "name") == 0)
                        return stored(scn_secret_name(c, k, v, &st->seal.name));
                if (strcmp(k->text, "policy") == 0 && st->kind == STEP_SEAL)
                        return stored(scn_policy(c, k, v, &st->seal.policy));
                if (strcmp(k->text, "policy") == 0)
                        return scn_fail(c, k, "policy: an unseal step takes no policy (the seal "
                                        "step fixed it)");
                return 0;
        }
        return 0;
}

static int parse_options(const struct scn_parser *p, const struct scn_node *opts, struct step *st,
                         struct item *it)
{
        const char *kind = step_kind_name(st->kind);
        char d[SCN_DESCRIBE_MAX], context[32];
        int r;

        if (opts->type == SCN_NULL)
                return 0;
        if (opts->type != SCN_MAP)
                return scn_fail(&p->c, opts, "%s: expected a mapping of options, got %s", kind,
                                scn_describe(opts, d));
        snprintf(context, sizeof(context), " for %s", kind);
        for (size_t i = 0; i < opts->n; i++) {
                r = scn_check_key(&p->c, opts, i);
                if (r < 0)
                        return r;
                r = step_option(p, scn_key(opts, i), scn_value(opts, i), st, it);
                if (r < 0)
                        return r;
                if (r == 0)
                        return scn_unknown(&p->c, scn_key(opts, i), "option", context,
                                           kind_opts[st->kind].names, kind_opts[st->kind].n);
        }
        return 0;
}

/* Reads the keys of a step item beside its kind (name, expect) and returns
 * the kind's key index. */
static int parse_item_keys(const struct scn_parser *p, const struct scn_node *map, struct item *it)
{
        const struct scn_ctx *c = &p->c;
        char list[128], context[32];
        int kind_i = -1;

        /* The kind first: a key beside it is judged knowing what step it is. */
        for (size_t i = 0; i < map->n && kind_i < 0; i++)
                if (scn_key(map, i)->type == SCN_SCALAR &&
                    scn_find(scn_key(map, i)->text, KINDS) >= 0)
                        kind_i = (int)i;
        for (size_t i = 0; i < map->n; i++) {
                const struct scn_node *k = scn_key(map, i), *v = scn_value(map, i);
                int r = scn_check_key(c, map, i), kind;

                if (r < 0)
                        return r;
                kind = scn_find(k->text, KINDS);
                if (kind >= 0 && (int)i != kind_i) {
                        return scn_fail(c, k, "'%s' is a second step in this item (after '%s' "
                                        "at line %u); start a new item with '- '", k->text,
                                        scn_key(map, kind_i)->text, scn_key(map, kind_i)->line);
                } else if (kind >= 0) {
                        continue;
                } else if (strcmp(k->text, "name") == 0) {
                        it->name_k = k;
                        it->name_v = v;
                } else if (strcmp(k->text, "expect") == 0) {
                        it->expect_k = k;
                        it->expect_v = v;
                } else if (kind_i >= 0) {
                        enum step_kind sk =
                                (enum step_kind)scn_find(scn_key(map, kind_i)->text, KINDS);

                        if (scn_find(k->text, kind_opts[sk].names, kind_opts[sk].n) >= 0)
                                return scn_fail(c, k, "'%s' is an option of %s: indent it under "
                                                "'%s:'", k->text, kind_keys[sk], kind_keys[sk]);
                        if (scn_suggest(k->text, kind_keys, ELEMENTSOF(kind_keys)))
                                return scn_unknown(c, k, "step", "", KINDS);
                        snprintf(context, sizeof(context), " beside '%s'", kind_keys[sk]);
                        return scn_unknown(c, k, "key", context, beside_keys,
                                           ELEMENTSOF(beside_keys));
                } else {
                        return scn_unknown(c, k, "step", "", KINDS);
                }
        }
        if (kind_i < 0) {
                scn_join(KINDS, list, sizeof(list));
                return scn_fail(c, map, "the item names no step (one of %s)", list);
        }
        return kind_i;
}

/* Where the step stands among the ones before it: boot first and once,
 * unseal after its seal. */
static int check_order(const struct scn_parser *p, const struct step *steps, size_t i,
                       const struct scn_node *secret_where)
{
        const struct step *st = &steps[i];
        const char *kind = step_kind_name(st->kind);

        if (i == 0 && st->kind != STEP_BOOT)
                return scn_fail_at(&p->c, st->line, st->column, "%s: the first step must be boot "
                                   "(no guest is running yet)", kind);
        if (i > 0 && st->kind == STEP_BOOT)
                return scn_fail_at(&p->c, st->line, st->column, "boot: only the first step boots; "
                                   "use reboot to boot again");
        if (st->kind != STEP_UNSEAL)
                return 0;
        for (size_t j = 0; j < i; j++)
                if (steps[j].kind == STEP_SEAL && steps[j].seal.mode == st->seal.mode &&
                    strcmp(steps[j].seal.name, st->seal.name) == 0)
                        return 0;
        return scn_fail(&p->c, secret_where, "unseal: no earlier seal step seals '%s' with mode %s",
                        st->seal.name, st->seal.mode == SEAL_TPM ? "tpm" : "kbs");
}

int scn_parse_step(const struct scn_parser *p, const struct scn_node *node, struct step *steps,
                   size_t index)
{
        const struct scn_ctx *c = &p->c;
        struct step *st = &steps[index];
        const struct scn_node *opts = NULL, *secret_where;
        struct item it = { .anchor = node };
        char d[SCN_DESCRIBE_MAX];
        int kind, r;

        st->line = node->line;
        st->column = node->column;
        if (node->type == SCN_SCALAR) {
                /* "- boot": a step without options */
                kind = scn_find(node->text, KINDS);
                if (kind < 0)
                        return scn_unknown(c, node, "step", "", KINDS);
        } else if (node->type != SCN_MAP) {
                return scn_fail(c, node, "expected a step (KIND: OPTIONS), got %s",
                                scn_describe(node, d));
        } else {
                r = parse_item_keys(p, node, &it);
                if (r < 0)
                        return r;
                kind = scn_find(scn_key(node, (size_t)r)->text, KINDS);
                opts = scn_value(node, (size_t)r);
                it.anchor = opts->type == SCN_MAP ? opts : scn_key(node, (size_t)r);
        }
        st->kind = (enum step_kind)kind;
        if (st->kind == STEP_EXTEND)
                st->extend.rtmr = 3;
        if (opts) {
                r = parse_options(p, opts, st, &it);
                if (r < 0)
                        return r;
        }
        if (it.name_k) {
                r = scn_step_name(c, it.name_k, it.name_v, &st->name);
                if (r < 0)
                        return r;
        }
        if (it.expect_k) {
                r = scn_expect(c, it.expect_k, it.expect_v, st->kind, &st->expect_fail);
                if (r < 0)
                        return r;
        }
        if (st->kind == STEP_EXTEND && !it.source)
                return scn_fail(c, it.anchor, "extend: needs one of data, digest or file");
        if ((st->kind == STEP_SEAL || st->kind == STEP_UNSEAL) && !st->seal.name && it.name_k &&
            strcmp(it.name_k->text, "name") == 0)
                /* inside a seal's options, name is the secret's: this one is beside */
                return scn_fail(c, it.anchor, "%s: missing the secret's 'name' (the 'name' at line "
                                "%u beside '%s' names the step; indent it under '%s:' to name the "
                                "secret)", step_kind_name(st->kind), it.name_k->line,
                                step_kind_name(st->kind), step_kind_name(st->kind));
        if ((st->kind == STEP_SEAL || st->kind == STEP_UNSEAL) && !st->seal.name)
                return scn_fail(c, it.anchor, "%s: missing the secret's 'name'",
                                step_kind_name(st->kind));
        if (st->kind == STEP_SEAL && !st->seal.policy)
                st->seal.policy = POLICY_MRTD | POLICY_RTMR0 | POLICY_RTMR1 | POLICY_RTMR2;
        secret_where = it.anchor;
        for (size_t i = 0; opts && opts->type == SCN_MAP && i < opts->n; i++)
                if (strcmp(scn_key(opts, i)->text, "name") == 0)
                        secret_where = scn_value(opts, i);
        return check_order(p, steps, index, secret_where);
}
