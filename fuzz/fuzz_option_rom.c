/* libFuzzer target: option_rom_parse() on arbitrary ROM files, and for each
 * image the firmware would load, the PE image it hands to LoadImage
 * (decompressed when the ROM says so) through the PE header checks and the
 * Authenticode digest: the whole path of `golden compute --option-rom`
 * after the file is read. Compressed images that state more than 64 KiB
 * are skipped: fuzz_efi_decompress covers the decoder. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "core/digest.h"
#include "measure/efi_decompress.h"
#include "measure/option_rom.h"
#include "measure/pe.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void one_image(const uint8_t *data, size_t size, const struct option_rom_image *img)
{
        uint32_t comp, orig;
        uint8_t *pe = NULL, d[SHA384_LEN];
        size_t len = 0;
        struct pe_view v;
        struct pe_info pi;

        if (img->skip != OPTION_ROM_LOADED)
                return;
        if (img->compression &&
            (efi_decompress_info(data + img->offset + img->pe_offset, img->pe_len, &comp, &orig,
                                 NULL) < 0 ||
             orig > (64u << 10)))
                return;
        if (option_rom_efi_image(data, size, img, &pe, &len, NULL) < 0)
                return;
        v = (struct pe_view){ .data = pe, .size = len };
        if (pe_parse(&v, &pi, NULL) == 0)
                (void)pe_authenticode(&v, DIGEST_SHA384, d, NULL);
        free(pe);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        struct option_rom rom = { 0 };

        if (option_rom_parse(data, size, &rom, NULL) < 0)
                return 0;
        for (size_t i = 0; i < rom.n; i++) {
                if ((uint64_t)rom.v[i].offset + rom.v[i].length > size)
                        abort();
                one_image(data, size, &rom.v[i]);
        }
        option_rom_free(&rom);
        return 0;
}
