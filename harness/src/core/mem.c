/* Pre-mapping memory about to be written; see mem.h. */
#include "core/mem.h"

#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

#define POPULATE_MIN (64u << 10)

void mem_populate(void *p, size_t len)
{
        uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE), start, end;

        if (len < POPULATE_MIN || page == 0 || page == (uintptr_t)-1)
                return;
        start = ((uintptr_t)p + page - 1) & ~(page - 1);
        end = ((uintptr_t)p + len) & ~(page - 1);
        if (end > start)
                (void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
}
