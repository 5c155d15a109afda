/* One argument as one shell word; see shell_word.h. */
#include "core/shell_word.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

/* Characters a POSIX shell takes literally in an unquoted word. */
static bool shell_plain(const char *s)
{
        if (!*s)
                return false;
        for (; *s; s++)
                if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                            "_-+=/.,:@%",
                            *s))
                        return false;
        return true;
}

int shell_word(struct buf *b, const char *s)
{
        if (shell_plain(s))
                return buf_puts(b, s);
        if (buf_putc(b, '\'') < 0)
                return -ENOMEM;
        for (; *s; s++)
                if (*s == '\'' ? buf_puts(b, "'\\''") < 0 : buf_putc(b, *s) < 0)
                        return -ENOMEM;
        return buf_putc(b, '\'');
}
