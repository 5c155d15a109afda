/* Escaping for XML, HTML and Markdown; see escape.h. */
#include "report/escape.h"

#include <errno.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/utf8.h"

static int sanitized(const char *s, bool keep_newlines, struct buf *tmp)
{
        return utf8_sanitize(tmp, s, strlen(s), keep_newlines);
}

/* The reference for c, or NULL when c stands for itself. */
static const char *xml_reference(char c, bool attribute)
{
        switch (c) {
        case '&':
                return "&amp;";
        case '<':
                return "&lt;";
        case '>':
                return "&gt;";
        case '"':
                return "&quot;";
        case '\'':
                return "&#39;";
        case '\n':
                return attribute ? "&#10;" : NULL;
        case '\t':
                return attribute ? "&#9;" : NULL;
        }
        return NULL;
}

int esc_xml(struct buf *b, const char *s, bool attribute)
{
        _cleanup_buf_ struct buf t = BUF_INIT;
        int r;

        if (!s)
                return 0;
        r = sanitized(s, true, &t);
        for (size_t i = 0; i < t.len && r >= 0; i++) {
                const char *ref = xml_reference(t.data[i], attribute);

                r = ref ? buf_puts(b, ref) : buf_putc(b, t.data[i]);
        }
        return r;
}

int esc_md(struct buf *b, const char *s)
{
        _cleanup_buf_ struct buf t = BUF_INIT;
        int r;

        if (!s)
                return 0;
        r = sanitized(s, true, &t);
        for (size_t i = 0; i < t.len && r >= 0; i++) {
                char c = t.data[i];

                if (c == '<')
                        r = buf_puts(b, "&lt;");
                else if (c == '>')
                        r = buf_puts(b, "&gt;");
                else if (c == '&')
                        r = buf_puts(b, "&amp;");
                else if (c == '\n' || c == '\t')
                        r = buf_putc(b, ' ');
                /* Inline use only (cells, list items): what can open
                 * emphasis, code, links or cells. */
                else if (strchr("\\`*_[]|~", c))
                        r = buf_printf(b, "\\%c", c);
                else
                        r = buf_putc(b, c);
        }
        return r;
}

int esc_md_code_block(struct buf *b, const char *s)
{
        _cleanup_buf_ struct buf t = BUF_INIT;
        size_t run = 0, longest = 0, fence;
        int r;

        r = sanitized(s ? s : "", true, &t);
        for (size_t i = 0; i < t.len; i++) {
                run = t.data[i] == '`' ? run + 1 : 0;
                longest = run > longest ? run : longest;
        }
        fence = longest >= 3 ? longest + 1 : 3;
        for (size_t i = 0; i < fence && r >= 0; i++)
                r = buf_putc(b, '`');
        if (r >= 0)
                r = buf_printf(b, "text\n%s%s", t.data, t.len && t.data[t.len - 1] == '\n' ? "" : "\n");
        for (size_t i = 0; i < fence && r >= 0; i++)
                r = buf_putc(b, '`');
        return r < 0 ? r : buf_putc(b, '\n');
}
