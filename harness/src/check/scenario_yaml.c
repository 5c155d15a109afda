/* libyaml's event stream turned into the scenario parser's node tree; see
 * scenario_yaml.h. The event API (rather than yaml_document_t) is used
 * because it shows an alias where it is written: the document loader
 * resolves aliases into shared (even cyclic) nodes whose position is the
 * anchor's, which would make both the walk and the messages wrong. */
#include "check/scenario_yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/utf8.h"

int scn_fail_at(const struct scn_ctx *c, unsigned line, unsigned column, const char *fmt, ...)
{
        char msg[sizeof(((struct tdxh_err *)NULL)->msg)];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return err_setf(c->e, -EINVAL, "%s:%u:%u: %s", c->file, line, column, msg);
}

int scn_fail(const struct scn_ctx *c, const struct scn_node *n, const char *fmt, ...)
{
        char msg[sizeof(((struct tdxh_err *)NULL)->msg)];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        return scn_fail_at(c, n->line, n->column, "%s", msg);
}

void scn_node_free(struct scn_node *n)
{
        if (!n)
                return;
        free(n->text);
        n->text = NULL;
        for (size_t i = 0; i < (n->type == SCN_MAP ? 2 * n->n : n->n); i++)
                scn_node_free(&n->items[i]);
        free(n->items);
        n->items = NULL;
        n->n = 0;
}

const char *scn_quote(const char *text, char buf[SCN_DESCRIBE_MAX])
{
        _cleanup_buf_ struct buf b = BUF_INIT;
        size_t len = strlen(text), cut = 0;

        /* Cut at a character boundary near 40 bytes; sanitising escapes
         * control characters, so the message stays one printable line. */
        while (cut < len && cut < 40) {
                uint32_t cp;
                size_t step = utf8_decode((const unsigned char *)text + cut, len - cut, &cp);

                cut += step ? step : 1;
        }
        if (utf8_sanitize(&b, text, cut, false) < 0)
                return "'?'";
        snprintf(buf, SCN_DESCRIBE_MAX, "'%s%s'", b.data, cut < len ? "…" : "");
        return buf;
}

const char *scn_describe(const struct scn_node *n, char buf[SCN_DESCRIBE_MAX])
{
        switch (n->type) {
        case SCN_MAP:
                return "a mapping";
        case SCN_LIST:
                return "a list";
        case SCN_NULL:
                return "nothing";
        case SCN_SCALAR:
                break;
        }
        return scn_quote(n->text, buf);
}

struct builder {
        const struct scn_ctx *c;
        yaml_parser_t parser;
        bool parser_ready;
        const char *text;
        size_t len;
        size_t nodes;
};

static void builder_done(struct builder *b)
{
        if (b->parser_ready)
                yaml_parser_delete(&b->parser);
}

/* Line and column (1-based, counted in characters as libyaml does) of a
 * byte offset; reader errors carry only the offset. */
static void offset_position(const struct builder *b, size_t offset, unsigned *line,
                            unsigned *column)
{
        *line = 1;
        *column = 1;
        for (size_t i = 0; i < offset && i < b->len; i++) {
                unsigned char ch = (unsigned char)b->text[i];

                if (ch == '\n') {
                        (*line)++;
                        *column = 1;
                } else if ((ch & 0xc0) != 0x80) {
                        (*column)++;
                }
        }
}

static int syntax_error(struct builder *b)
{
        const yaml_parser_t *p = &b->parser;
        const char *problem = p->problem ? p->problem : "unreadable YAML";
        unsigned line, column;

        if (p->error == YAML_MEMORY_ERROR)
                return err_setf(b->c->e, -ENOMEM, "%s: out of memory reading YAML", b->c->file);
        if (p->error == YAML_READER_ERROR) {
                offset_position(b, p->problem_offset, &line, &column);
                return scn_fail_at(b->c, line, column, "%s", problem);
        }
        line = (unsigned)p->problem_mark.line + 1;
        column = (unsigned)p->problem_mark.column + 1;
        if (p->context)
                return scn_fail_at(b->c, line, column, "%s (%s at line %zu, column %zu)", problem,
                                   p->context, p->context_mark.line + 1,
                                   p->context_mark.column + 1);
        return scn_fail_at(b->c, line, column, "%s", problem);
}

static int next_event(struct builder *b, yaml_event_t *ev)
{
        if (!yaml_parser_parse(&b->parser, ev))
                return syntax_error(b);
        return 0;
}

static bool is_null_text(const char *s)
{
        return !*s || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 || strcmp(s, "Null") == 0 ||
               strcmp(s, "NULL") == 0;
}

/* Appends count nodes (1, or a key and its value) to parent, taking them. */
static int append(struct scn_node *parent, size_t *cap, struct scn_node *nodes, size_t count)
{
        size_t used = parent->type == SCN_MAP ? 2 * parent->n : parent->n;

        if (used + count > *cap) {
                size_t ncap = *cap ? 2 * *cap : 4;
                struct scn_node *items = realloc(parent->items, ncap * sizeof(*items));

                if (!items)
                        return -ENOMEM;
                parent->items = items;
                *cap = ncap;
        }
        memcpy(parent->items + used, nodes, count * sizeof(*nodes));
        memset(nodes, 0, count * sizeof(*nodes));
        parent->n++;
        return 0;
}

static int build(struct builder *b, const yaml_event_t *ev, unsigned depth, struct scn_node *ret);

/* Reads the next event and builds the node it starts. */
static int build_next(struct builder *b, unsigned depth, yaml_event_type_t end, bool *ret_end,
                      struct scn_node *ret)
{
        _cleanup_(yaml_event_delete) yaml_event_t ev = { 0 };
        int r;

        r = next_event(b, &ev);
        if (r < 0)
                return r;
        *ret_end = ev.type == end;
        if (*ret_end)
                return 0;
        return build(b, &ev, depth, ret);
}

/* Reads the children of a list or mapping up to its end event. */
static int build_children(struct builder *b, struct scn_node *n, unsigned depth)
{
        yaml_event_type_t end = n->type == SCN_MAP ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
        size_t cap = 0;
        int r;

        for (;;) {
                struct scn_node child[2] = { 0 };
                size_t count = n->type == SCN_MAP ? 2 : 1;
                bool at_end = false;

                r = build_next(b, depth + 1, end, &at_end, &child[0]);
                if (r < 0 || at_end)
                        return r;
                if (count == 2)
                        /* a value always follows a key: the parser sends an empty
                         * scalar for a missing one */
                        r = build_next(b, depth + 1, end, &at_end, &child[1]);
                if (r >= 0 && at_end)
                        r = scn_fail(b->c, &child[0], "a key without a value");
                if (r >= 0)
                        r = append(n, &cap, child, count);
                if (r < 0) {
                        scn_node_free(&child[0]);
                        scn_node_free(&child[1]);
                        return r;
                }
        }
}

static int build(struct builder *b, const yaml_event_t *ev, unsigned depth, struct scn_node *ret)
{
        struct scn_node n = { .line = (unsigned)ev->start_mark.line + 1,
                              .column = (unsigned)ev->start_mark.column + 1 };
        const yaml_char_t *tag = NULL;
        int r;

        if (++b->nodes > SCN_MAX_NODES)
                return scn_fail(b->c, &n, "more than %d YAML nodes; a scenario is not that big",
                                SCN_MAX_NODES);
        switch (ev->type) {
        case YAML_ALIAS_EVENT:
                return scn_fail(b->c, &n, "YAML aliases are not supported ('*%.64s'); write the "
                                "value out", (const char *)ev->data.alias.anchor);
        case YAML_SCALAR_EVENT:
                tag = ev->data.scalar.tag;
                break;
        case YAML_SEQUENCE_START_EVENT:
                tag = ev->data.sequence_start.tag;
                break;
        case YAML_MAPPING_START_EVENT:
                tag = ev->data.mapping_start.tag;
                break;
        default:
                /* the parser never sends anything else where a node belongs */
                return scn_fail(b->c, &n, "unexpected YAML event");
        }
        if (tag)
                return scn_fail(b->c, &n, "YAML tags are not supported ('%.64s')", (const char *)tag);

        if (ev->type == YAML_SCALAR_EVENT) {
                const char *v = (const char *)ev->data.scalar.value;
                size_t len = ev->data.scalar.length;

                if (memchr(v, '\0', len))
                        return scn_fail(b->c, &n, "a value must not contain a NUL character");
                n.text = strndup(v, len);
                if (!n.text)
                        return -ENOMEM;
                n.type = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && is_null_text(n.text)
                                 ? SCN_NULL
                                 : SCN_SCALAR;
                *ret = n;
                return 0;
        }
        if (depth >= SCN_MAX_DEPTH)
                return scn_fail(b->c, &n, "nested more than %d levels deep", SCN_MAX_DEPTH);
        n.type = ev->type == YAML_MAPPING_START_EVENT ? SCN_MAP : SCN_LIST;
        r = build_children(b, &n, depth);
        if (r < 0) {
                scn_node_free(&n);
                return r;
        }
        *ret = n;
        return 0;
}

int scn_yaml_load(const struct scn_ctx *c, const char *text, size_t len, struct scn_node *ret)
{
        _cleanup_(builder_done) struct builder b = { .c = c, .text = text, .len = len };
        _cleanup_(yaml_event_delete) yaml_event_t ev = { 0 };
        struct scn_node root = { .type = SCN_NULL, .line = 1, .column = 1 };
        int r;

        if (!yaml_parser_initialize(&b.parser))
                return -ENOMEM;
        b.parser_ready = true;
        yaml_parser_set_input_string(&b.parser, (const unsigned char *)(text ? text : ""),
                                     text ? len : 0);

        r = next_event(&b, &ev); /* stream start */
        if (r < 0)
                return r;
        yaml_event_delete(&ev);
        r = next_event(&b, &ev);
        if (r < 0)
                return r;
        if (ev.type == YAML_STREAM_END_EVENT) {
                root.text = strdup("");
                if (!root.text)
                        return -ENOMEM;
                *ret = root;
                return 0;
        }
        /* a document start; then its root node */
        yaml_event_delete(&ev);
        r = next_event(&b, &ev);
        if (r < 0)
                return r;
        r = build(&b, &ev, 0, &root);
        if (r < 0)
                return r;
        for (int i = 0; i < 2 && r >= 0; i++) {
                /* the document's end, then the stream's end or a second document */
                yaml_event_delete(&ev);
                r = next_event(&b, &ev);
                if (r >= 0 && ev.type == YAML_DOCUMENT_START_EVENT)
                        r = scn_fail_at(c, (unsigned)ev.start_mark.line + 1,
                                        (unsigned)ev.start_mark.column + 1,
                                        "a second YAML document; a scenario file holds one");
        }
        if (r < 0) {
                scn_node_free(&root);
                return r;
        }
        *ret = root;
        return 0;
}
