/* The YAML of a scenario file as a small tree, for the scenario parser only
 * (scenario_parse.c, scenario_values.c). libyaml's events become nodes that
 * keep their 1-based line and column, so every later message can point at
 * the key or value it is about. The tree is deliberately plain: one document,
 * no aliases, no tags, nesting at most SCN_MAX_DEPTH deep and at most
 * SCN_MAX_NODES nodes; anything else is refused here with its position, so
 * the walk over the tree never sees a shared or cyclic node. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

#define SCN_MAX_DEPTH 32
#define SCN_MAX_NODES 65536

enum scn_node_type {
        SCN_NULL,   /* an empty value, or a plain ~ / null */
        SCN_SCALAR, /* any other scalar, quoted or not */
        SCN_LIST,
        SCN_MAP,
};

struct scn_node {
        enum scn_node_type type;
        unsigned line, column;  /* 1-based, of the node's first character */
        char *text;             /* SCN_SCALAR and SCN_NULL: the value (no NUL inside) */
        struct scn_node *items; /* SCN_LIST: n items; SCN_MAP: 2n nodes, key then value */
        size_t n;
};

/* Where messages go: the file name they start with and the error. */
struct scn_ctx {
        const char *file;
        struct tdxh_err *e;
};

/* Records "FILE:LINE:COLUMN: message" for node n and returns -EINVAL. */
int scn_fail(const struct scn_ctx *c, const struct scn_node *n, const char *fmt, ...)
        __attribute__((format(printf, 3, 4)));
/* The same at an explicit position. */
int scn_fail_at(const struct scn_ctx *c, unsigned line, unsigned column, const char *fmt, ...)
        __attribute__((format(printf, 4, 5)));

/* Parses text (len bytes) into *ret: the document's root node, or a
 * SCN_NULL root at 1:1 for a file without a document. YAML syntax errors,
 * a second document, aliases, tags, too deep or too many nodes are -EINVAL
 * with the position; -ENOMEM. *ret is written only on success. */
int scn_yaml_load(const struct scn_ctx *c, const char *text, size_t len, struct scn_node *ret);
void scn_node_free(struct scn_node *n);

/* Map accessors: the key and value of pair i of a SCN_MAP node. */
static inline const struct scn_node *scn_key(const struct scn_node *map, size_t i)
{
        return &map->items[2 * i];
}
static inline const struct scn_node *scn_value(const struct scn_node *map, size_t i)
{
        return &map->items[2 * i + 1];
}

/* What a node is, for "expected X, got Y": "a mapping", "a list",
 * "nothing", or the value quoted ('2Q'), shortened and made printable.
 * The buffer holds 40 bytes of text even when each is escaped ("\xNN"). */
#define SCN_DESCRIBE_MAX 192
const char *scn_describe(const struct scn_node *n, char buf[SCN_DESCRIBE_MAX]);
/* Text quoted for a message: printable, at most about 40 bytes ("…" after). */
const char *scn_quote(const char *text, char buf[SCN_DESCRIBE_MAX]);
