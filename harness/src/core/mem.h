/* Memory the harness is about to fill front to back (an event log's event
 * array, the copies of its event data). A first write to a fresh anonymous
 * page costs a page fault, and a page fault in a virtual machine costs
 * microseconds; asking the kernel to map the pages in one call costs a
 * fraction of that. */
#pragma once

#include <stddef.h>

/* Maps the whole pages inside [p, p + len) writable now, when the kernel
 * can (Linux 5.14, MADV_POPULATE_WRITE); otherwise nothing happens, and the
 * pages fault in as they are written. Ranges under 64 KiB are left alone. */
void mem_populate(void *p, size_t len);
