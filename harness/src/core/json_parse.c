/* Plain-language JSON parse errors; see json_parse.h. */
#include "core/json_parse.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>

static bool is_space(char c)
{
        return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

bool json_text_blank(const char *text, size_t len)
{
        for (size_t i = 0; i < len; i++)
                if (!is_space(text[i]) && text[i] != '\0')
                        return false;
        return true;
}

/* What json-c's error code means at the place it stopped, for a person. */
static const char *plain_words(enum json_tokener_error jerr)
{
        switch (jerr) {
        case json_tokener_error_depth:
                return "nested too deeply";
        case json_tokener_error_parse_eof:
        case json_tokener_continue:
                return "the JSON text ends there, unfinished (truncated?)";
        case json_tokener_error_parse_null:
        case json_tokener_error_parse_boolean:
                return "not JSON: a misspelt null, true or false";
        case json_tokener_error_parse_number:
                return "not JSON: a malformed number";
        case json_tokener_error_parse_array:
                return "expected ',' or ']' in a list";
        case json_tokener_error_parse_object_key_name:
                return "expected a member name in double quotes";
        case json_tokener_error_parse_object_key_sep:
                return "expected ':' after a member name";
        case json_tokener_error_parse_object_value_sep:
                return "expected ',' or '}' in an object";
        case json_tokener_error_parse_string:
                return "a malformed string (escape or control character)";
        case json_tokener_error_parse_comment:
                return "a malformed comment";
        case json_tokener_error_parse_utf8_string:
                return "a string that is not UTF-8";
        case json_tokener_error_size:
                return "too large";
        case json_tokener_error_parse_unexpected:
        default:
                return "not JSON: unexpected character";
        }
}

/* 1-based line and column of byte off. */
static void locate(const char *text, size_t off, size_t *ret_line, size_t *ret_col)
{
        size_t line = 1, col = 1;

        for (size_t i = 0; i < off; i++) {
                if (text[i] == '\n') {
                        line++;
                        col = 1;
                } else {
                        col++;
                }
        }
        *ret_line = line;
        *ret_col = col;
}

static int fail_at(const char *text, size_t len, size_t off, const char *what, struct tdxh_err *e)
{
        size_t line, col;
        unsigned char c = off < len ? (unsigned char)text[off] : 0;

        locate(text, off, &line, &col);
        if (strstr(what, "unexpected character") && c > ' ' && c < 127)
                return err_setf(e, -EINVAL, "line %zu, column %zu (byte %zu): %s '%c'", line, col,
                                off, what, c);
        return err_setf(e, -EINVAL, "line %zu, column %zu (byte %zu): %s", line, col, off, what);
}

int json_parse_text(const char *text, size_t len, int max_depth, json_object **ret,
                    struct tdxh_err *e)
{
        json_tokener *tok;
        json_object *o;
        enum json_tokener_error jerr;
        size_t end;

        if (len > INT_MAX)
                return err_setf(e, -EFBIG, "%zu bytes, too large for a JSON document", len);
        if (json_text_blank(text, len))
                return err_setf(e, -EINVAL, len ? "empty file (only white space)" : "empty file");
        tok = max_depth > 0 ? json_tokener_new_ex(max_depth) : json_tokener_new();
        if (!tok)
                return -ENOMEM;
        o = json_tokener_parse_ex(tok, text, (int)len);
        jerr = json_tokener_get_error(tok);
        end = json_tokener_get_parse_end(tok);
        if (!o && jerr == json_tokener_continue) {
                /* json-c waits for more input: a NUL ends the document (a
                 * bare number is then complete; anything else is cut short,
                 * and the file ends at its last byte, so that is the place). */
                o = json_tokener_parse_ex(tok, "", 1);
                jerr = json_tokener_get_error(tok);
                if (!o) {
                        json_tokener_free(tok);
                        return fail_at(text, len, len, plain_words(json_tokener_continue), e);
                }
                end = len;
        }
        json_tokener_free(tok);
        if (!o || jerr != json_tokener_success) {
                json_object_put(o);
                return fail_at(text, len, end, plain_words(jerr), e);
        }
        for (; end < len; end++)
                if (!is_space(text[end]) && text[end] != '\0') {
                        json_object_put(o);
                        return fail_at(text, len, end, "trailing data after the JSON value", e);
                }
        *ret = o;
        return 0;
}
