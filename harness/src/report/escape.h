/* Escaping text for the report formats. Every function first makes the text
 * valid UTF-8 without control characters (core/utf8.h: bad bytes become
 * "\xNN"), then escapes what the format gives meaning to, so arbitrary event
 * data cannot break or inject markup. */
#pragma once

#include <stdbool.h>

#include "core/buf.h"

/* XML and HTML text and attribute values: & < > " ' as character
 * references; newlines kept in text, written as &#10; in attributes. NULL
 * appends nothing. 0 or -ENOMEM. */
int esc_xml(struct buf *b, const char *s, bool attribute);

/* One Markdown table cell or inline text: newlines become spaces, Markdown
 * punctuation is backslash-escaped and < & > become character references. */
int esc_md(struct buf *b, const char *s);

/* A fenced Markdown code block holding s verbatim (sanitised), with a fence
 * longer than any backtick run inside. */
int esc_md_code_block(struct buf *b, const char *s);
