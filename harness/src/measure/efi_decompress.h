/* The EFI decompression algorithm (UEFI specification, "Compression
 * Algorithm Specification": LZ77 with a sliding window and three Huffman
 * code sets per block), as the firmware applies it to a compressed EFI image
 * in a PCI option ROM (edk2 MdeModulePkg PciBusDxe PciOptionRomSupport.c:
 * LocalLoadFile2 calls EFI_DECOMPRESS_PROTOCOL, which OVMF implements with
 * MdePkg/Library/BaseUefiDecompressLib: UefiDecompress, version 1, a 4-bit
 * position-set count). The input is untrusted: every read is bounded, every
 * table is checked before it is used, and a back-reference never reaches
 * before the start of the output. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* The largest original size accepted: an expansion ROM image is at most
 * 0xffff * 512 bytes (PCIR ImageLength); 64 MiB leaves room for any sane
 * compression ratio while refusing a header that asks for gigabytes. */
#define EFI_DECOMPRESS_MAX (64u << 20)

/* Size of the 8-byte header's fields: CompSize (bytes after the header) and
 * OrigSize. -EINVAL with the offset when the buffer is shorter than the
 * header or than 8 + CompSize (the check edk2's UefiDecompressGetInfo
 * makes). */
int efi_decompress_info(const uint8_t *src, size_t len, uint32_t *ret_comp, uint32_t *ret_orig,
                        struct tdxh_err *e);

/* Decompresses src[0, len) into a new buffer of OrigSize bytes (*ret, owned
 * by the caller; NULL with *ret_len 0 for an empty original). Like edk2,
 * bits past CompSize read as zero and a copy that would run past OrigSize
 * stops there. Refused, with one line naming the byte offset in src: a
 * short header, OrigSize above EFI_DECOMPRESS_MAX, a code-length table
 * that does not form a complete prefix code, a count or symbol out of
 * range, a position before the start of the output, a code that matches no
 * symbol. 0, -EINVAL, -EFBIG or -ENOMEM. */
int efi_decompress(const uint8_t *src, size_t len, uint8_t **ret, size_t *ret_len,
                   struct tdxh_err *e);
