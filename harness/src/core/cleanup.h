/* Ownership helpers in the style of systemd: a variable declared with a
 * cleanup attribute is released when it leaves scope, and TAKE_PTR() hands
 * ownership out of a function only on success. Destructors accept NULL. */
#pragma once

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

#define TAKE_PTR(p)                       \
        ({                                \
                __typeof__(p) _tp_ = (p); \
                (p) = NULL;               \
                _tp_;                     \
        })

#define TAKE_FD(fd)             \
        ({                      \
                int _tf_ = (fd); \
                (fd) = -1;      \
                _tf_;           \
        })

/* Defines static inline void FUNCp(TYPE *p) calling FUNC(*p) when non-NULL. */
#define DEFINE_POINTER_CLEANUP(type, func)          \
        static inline void func##p(type *p)         \
        {                                           \
                if (*p)                             \
                        func(*p);                   \
        }

static inline void freep(void *p)
{
        free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f)
{
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)
