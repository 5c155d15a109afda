/* Debian's OVMF.fd (TDX-REFERENCE §1.2, §2.6, §3.2 vectors) as a test input.
 * A test program maps it once in main(), before any test runs, and exits
 * with 77 (skipped) when this machine has no such file. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include "core/file.h"
#include "measure/tdvf.h"

#define OVMF_PATH "/usr/share/ovmf/OVMF.fd"
#define OVMF_SKIP 77

/* 0 on success; OVMF_SKIP when the file is absent; 1 when it cannot be read.
 * The mapping lives until the program exits. */
static inline int ovmf_fixture_load(const uint8_t **ret, size_t *ret_size)
{
        static struct mapped_file m;

        if (access(OVMF_PATH, R_OK) != 0)
                return OVMF_SKIP;
        if (file_map(OVMF_PATH, 64u << 20, &m, NULL) < 0 || !m.data)
                return 1;
        *ret = m.data;
        *ret_size = m.size;
        return 0;
}

/* The same, and the file's TDVF metadata parsed into *ret_md. */
static inline int ovmf_fixture_load_parsed(const uint8_t **ret, size_t *ret_size,
                                           struct tdvf_metadata *ret_md)
{
        int r = ovmf_fixture_load(ret, ret_size);

        if (r != 0)
                return r;
        return tdvf_parse(*ret, *ret_size, ret_md, NULL) < 0 ? 1 : 0;
}
