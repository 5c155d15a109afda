/* PCI option ROMs: the ROMs QEMU gives its NICs (Debian's ipxe-qemu) parse
 * into their legacy and EFI images, and efi-virtio.rom predicts the digest
 * a real fake-platform boot logged for it; ROMs built here reach each
 * firmware decision (which images load, compressed images, the device path)
 * and each refusal of a corrupt ROM, with the offset named. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/digest.h"
#include "core/event_type.h"
#include "core/hex.h"
#include "core/le.h"
#include "efi_sample.h"
#include "measure/efi_decompress.h"
#include "measure/event.h"
#include "measure/option_rom.h"
#include "measure/option_rom_events.h"
#include "option_rom_fixture.h"
#include "testutil.h"

#define IPXE_DIR "/usr/lib/ipxe/qemu/"
/* ipxe-qemu 1.0.0+git-20190125.36a4c85-5.1 (Debian 12). */
#define VIRTIO_ROM_SHA256 "f4413b7e780ee458643af59c92c98854a4232107a04abc2e8c10f3e661ba22da"
/* EV_EFI_BOOT_SERVICES_DRIVER of that ROM at 00:02.0 in a fake-platform
 * boot (QEMU 7.2, OVMF 2022.11, -device virtio-net-pci). */
#define VIRTIO_ROM_DIGEST                                                                          \
        "023467d65d283e7acfb49cb91434c6675149b105536ff84f088efa68fce7a73a59c972a98b2e32a230723534e88ae07a"
#define SAMPLE_SIZE 200000u

static char *dir;

static void setup(void)
{
        dir = tmpdir_make();
}

static void teardown(void)
{
        tmpdir_remove(dir);
        dir = NULL;
}

static char *write_rom(const char *name, const uint8_t *rom, size_t len)
{
        char *path = NULL;
        FILE *f;

        ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
        f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(rom, 1, len, f), len);
        ck_assert_int_eq(fclose(f), 0);
        return path;
}

static const uint8_t legacy_code[] = { 0xcb }; /* retf */

struct load_case {
        const char *name;
        struct rom_img_spec imgs[2];
        size_t n;
        enum option_rom_skip skip[2];
};

static const struct load_case load_cases[] = {
        { "legacy only", { { .code_type = PCI_CODE_TYPE_PCAT, .payload = legacy_code, .payload_len = 1 } },
          1, { OPTION_ROM_NOT_EFI } },
        { "EFI application", { { .code_type = PCI_CODE_TYPE_EFI, .subsystem = 10 } }, 1,
          { OPTION_ROM_APPLICATION } },
        { "no EFI signature", { { .code_type = PCI_CODE_TYPE_EFI, .efi_signature = 0x0ef0 } }, 1,
          { OPTION_ROM_NOT_LOADABLE } },
        { "compression type 2", { { .code_type = PCI_CODE_TYPE_EFI, .compression = 2 } }, 1,
          { OPTION_ROM_NOT_LOADABLE } },
        { "EFI subsystem 13", { { .code_type = PCI_CODE_TYPE_EFI, .subsystem = 13 } }, 1,
          { OPTION_ROM_NOT_LOADABLE } },
        { "legacy then runtime driver",
          { { .code_type = PCI_CODE_TYPE_PCAT, .payload = legacy_code, .payload_len = 1 },
            { .code_type = PCI_CODE_TYPE_EFI, .subsystem = 12 } },
          2, { OPTION_ROM_NOT_EFI, OPTION_ROM_LOADED } },
        { "IA32 driver", { { .code_type = PCI_CODE_TYPE_EFI, .machine = 0x014c } }, 1,
          { OPTION_ROM_LOADED } },
};

START_TEST(test_which_images_the_firmware_loads)
{
        const struct load_case *c = &load_cases[_i];
        uint8_t rom[4096];
        size_t len = rom_build(rom, sizeof(rom), c->imgs, c->n);
        struct option_rom r = { 0 };
        struct tdxh_err e = { 0 };

        ck_assert_msg(option_rom_parse(rom, len, &r, &e) == 0, "%s: %s", c->name, e.msg);
        ck_assert_uint_eq(r.n, c->n);
        for (size_t i = 0; i < c->n; i++)
                ck_assert_msg(r.v[i].skip == c->skip[i], "%s: image %zu is '%s'", c->name, i,
                              option_rom_skip_name(r.v[i].skip));
        ck_assert(r.v[c->n - 1].last);
        option_rom_free(&r);
}
END_TEST

struct bad_rom {
        const char *name;
        struct rom_img_spec img;
        size_t patch_at; /* a byte written after building, when patch_len */
        uint8_t patch[2];
        size_t patch_len;
        size_t cut; /* 0: whole */
        const char *msg;
};

static const struct bad_rom bad_roms[] = {
        { "no signature", { .code_type = 3 }, 0, { 0x00, 0x00 }, 2, 0,
          "offset 0x0: no 0x55AA expansion ROM signature" },
        { "empty file", { .code_type = 3 }, 0, { 0 }, 0, 1, "offset 0x0: no 0x55AA" },
        { "unaligned PCIR pointer", { .code_type = 3, .pcir_offset = 0x1e }, 0, { 0 }, 0, 0,
          "offset 0x18: PcirOffset 0x1e is zero or not 4-byte aligned" },
        { "PCIR past the end", { .code_type = 3 }, 0x18, { 0xf0, 0x01 }, 2, 0,
          "offset 0x18: PcirOffset 0x1f0 puts the PCI data structure past the end" },
        { "no PCIR signature", { .code_type = 3 }, 0x1c, { 'X', 'C' }, 2, 0,
          "offset 0x1c: no \"PCIR\" signature" },
        { "zero image length", { .code_type = 3 }, 0x2c, { 0, 0 }, 2, 0,
          "offset 0x2c: ImageLength is 0" },
        { "image past the end", { .code_type = 3 }, 0x2c, { 2, 0 }, 2, 0,
          "offset 0x2c: ImageLength 0x2 (x 512) runs past the end of the file (size 0x200)" },
        { "header cut short", { .code_type = 3 }, 0, { 0 }, 0, 0x10,
          "offset 0x0: ROM image header is cut short" },
};

START_TEST(test_corrupt_roms_are_refused_with_the_offset)
{
        const struct bad_rom *c = &bad_roms[_i];
        uint8_t rom[1024];
        size_t len = rom_build(rom, sizeof(rom), &c->img, 1);
        struct option_rom r = { 0 };
        struct tdxh_err e = { 0 };

        if (c->patch_len)
                memcpy(rom + c->patch_at, c->patch, c->patch_len);
        if (c->cut)
                len = c->cut == 1 ? 0 : c->cut;
        ck_assert_int_eq(option_rom_parse(rom, len, &r, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, c->msg), "%s: '%s' lacks '%s'", c->name, e.msg, c->msg);
        ck_assert_uint_eq(r.n, 0);
}
END_TEST

START_TEST(test_chain_without_last_indicator_ends_at_the_file_end)
{
        struct rom_img_spec imgs[2] = { { .code_type = PCI_CODE_TYPE_PCAT, .payload = legacy_code,
                                      .payload_len = 1 },
                                    { .code_type = PCI_CODE_TYPE_EFI, .no_last = true } };
        uint8_t rom[2048];
        size_t len = rom_build(rom, sizeof(rom), imgs, 2);
        struct option_rom r = { 0 };

        ck_assert_int_eq(option_rom_parse(rom, len, &r, NULL), 0);
        ck_assert_uint_eq(r.n, 2);
        ck_assert_uint_eq(r.v[1].offset, 512);
        ck_assert(!r.v[1].last);
        option_rom_free(&r);
}
END_TEST

START_TEST(test_compressed_image_is_decompressed)
{
        char *path = test_data_path("efi-compress/sample-200000.bin");
        size_t clen, len, out_len = 0;
        uint8_t *comp = slurp(path, &clen), *rom, *want = malloc(SAMPLE_SIZE), *out = NULL;
        struct rom_img_spec img = { .code_type = PCI_CODE_TYPE_EFI, .compression = 1 };
        size_t cap = clen + 4096;
        struct option_rom r = { 0 };
        struct measure_events ev = { 0 };
        struct pci_bdf b = { .dev = 3 };
        struct tdxh_err e = { 0 };
        char *rom_path;

        ck_assert_ptr_nonnull(want);
        efi_sample_data(want, SAMPLE_SIZE);
        img.payload = comp;
        img.payload_len = clen;
        rom = malloc(cap);
        ck_assert_ptr_nonnull(rom);
        len = rom_build(rom, cap, &img, 1);
        ck_assert_int_eq(option_rom_parse(rom, len, &r, &e), 0);
        ck_assert_int_eq(r.v[0].skip, OPTION_ROM_LOADED);
        ck_assert_msg(option_rom_efi_image(rom, len, &r.v[0], &out, &out_len, &e) == 0, "%s", e.msg);
        ck_assert_uint_eq(out_len, SAMPLE_SIZE);
        ck_assert(memcmp(out, want, SAMPLE_SIZE) == 0);
        /* The sample is no PE image: the firmware would not measure it, and
         * the prediction says where it stopped. */
        rom_path = write_rom("sample.rom", rom, len);
        ck_assert_int_eq(option_rom_events(rom_path, &b, OPTION_ROM_FOREIGN_MEASURED, &ev, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "sample.rom: EFI image at offset 0x38 (decompressed): offset 0x"),
                      "%s", e.msg);
        ck_assert_uint_eq(ev.n, 0);
        /* A stream cut inside the ROM: CompSize runs past the image. */
        le32_put(rom + 0x38, (uint32_t)len);
        err_clear(&e);
        free(out);
        out = NULL;
        ck_assert_int_eq(option_rom_efi_image(rom, len, &r.v[0], &out, &out_len, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "compressed EFI image at offset 0x38: offset 0x0: CompSize"), "%s",
                      e.msg);
        option_rom_free(&r);
        free(rom_path);
        free(rom);
        free(want);
        free(comp);
        free(path);
}
END_TEST

struct real_rom {
        const char *file;
        size_t n;
        uint32_t efi_offset, efi_length;
};

static const struct real_rom real_roms[] = {
        { "efi-virtio.rom", 2, 0x12800, 173568 },
        { "efi-e1000.rom", 2, 0x12600, 174592 },
        { "efi-e1000e.rom", 2, 0x12600, 174592 },
        { "efi-rtl8139.rom", 2, 0, 0 },
        { "efi-ne2k_pci.rom", 2, 0, 0 },
        { "efi-pcnet.rom", 2, 0, 0 },
        { "efi-eepro100.rom", 2, 0, 0 },
        { "efi-vmxnet3.rom", 2, 0, 0 },
};

/* Every ROM of ipxe-qemu: a legacy PXE image, then one uncompressed x64 EFI
 * boot service driver, the last image, that hashes as a PE image. */
START_TEST(test_ipxe_qemu_roms_hold_one_efi_driver)
{
        const struct real_rom *c = &real_roms[_i];
        char *path = NULL;
        struct measure_events ev = { 0 };
        struct option_rom r = { 0 };
        struct pci_bdf b = { .dev = 2 };
        struct tdxh_err e = { 0 };
        size_t len;
        uint8_t *rom;

        ck_assert_int_ge(asprintf(&path, IPXE_DIR "%s", c->file), 0);
        rom = slurp(path, &len);
        ck_assert_msg(option_rom_parse(rom, len, &r, &e) == 0, "%s: %s", c->file, e.msg);
        ck_assert_uint_eq(r.n, c->n);
        ck_assert_int_eq(r.v[0].code_type, PCI_CODE_TYPE_PCAT);
        ck_assert_int_eq(r.v[1].code_type, PCI_CODE_TYPE_EFI);
        ck_assert_int_eq(r.v[1].skip, OPTION_ROM_LOADED);
        ck_assert_uint_eq(r.v[1].machine, 0x8664);
        ck_assert_uint_eq(r.v[1].compression, 0);
        ck_assert(r.v[1].last);
        if (c->efi_length) {
                ck_assert_uint_eq(r.v[1].offset, c->efi_offset);
                ck_assert_uint_eq(r.v[1].length, c->efi_length);
        }
        ck_assert_msg(option_rom_events(path, &b, OPTION_ROM_FOREIGN_MEASURED, &ev, &e) == 1, "%s: %s",
                      c->file, e.msg);
        ck_assert_uint_eq(ev.v[0].type, EV_EFI_BOOT_SERVICES_DRIVER);
        ck_assert_int_eq(ev.v[0].rtmr, 1);
        ck_assert_str_eq(ev.v[0].what, "option-rom");
        measure_events_free(&ev);
        option_rom_free(&r);
        free(rom);
        free(path);
}
END_TEST

START_TEST(test_virtio_rom_predicts_the_logged_event)
{
        const char *path = IPXE_DIR "efi-virtio.rom";
        uint8_t sha[32];
        char hex[97];
        struct measure_events ev = { 0 };
        struct pci_bdf b;
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(digest_file(DIGEST_SHA256, path, sha, NULL, &e), 0);
        hex_encode(sha, 32, hex);
        if (strcmp(hex, VIRTIO_ROM_SHA256) != 0) {
                fprintf(stderr, "SKIP: %s is another ipxe-qemu build than the logged one\n", path);
                return;
        }
        ck_assert_int_eq(pci_bdf_parse("00:02.0", &b, &e), 0);
        ck_assert_int_eq(option_rom_events(path, &b, OPTION_ROM_FOREIGN_MEASURED, &ev, &e), 1);
        hex_encode(ev.v[0].digest, 48, hex);
        ck_assert_str_eq(hex, VIRTIO_ROM_DIGEST);
        ck_assert_str_eq(ev.v[0].detail, "PciRoot(0x0)/Pci(0x2,0x0)/Offset(0x12800,0x3cdff)");
        measure_events_free(&ev);
}
END_TEST

/* A ROM with an x64 and an IA32 copy of the driver: OVMF before
 * edk2-stable202602 measures both, later ones only the x64 one. */
START_TEST(test_foreign_images_follow_the_edk2_generation)
{
        size_t len, pe_len = 0;
        uint8_t *real = slurp(IPXE_DIR "efi-virtio.rom", &len), *pe = NULL, *rom;
        struct option_rom r = { 0 };
        struct measure_events ev = { 0 };
        struct pci_bdf b = { .dev = 4, .fn = 1 };
        struct tdxh_err e = { 0 };
        struct rom_img_spec imgs[2] = { { .code_type = PCI_CODE_TYPE_EFI, .machine = 0x014c },
                                    { .code_type = PCI_CODE_TYPE_EFI } };
        size_t cap = 512 * 1024, rom_len;
        char *path;

        ck_assert_int_eq(option_rom_parse(real, len, &r, &e), 0);
        ck_assert_int_eq(option_rom_efi_image(real, len, &r.v[1], &pe, &pe_len, &e), 0);
        imgs[0].payload = imgs[1].payload = pe;
        imgs[0].payload_len = imgs[1].payload_len = pe_len;
        rom = malloc(cap);
        ck_assert_ptr_nonnull(rom);
        rom_len = rom_build(rom, cap, imgs, 2);
        path = write_rom("two.rom", rom, rom_len);
        ck_assert_int_eq(option_rom_events(path, &b, OPTION_ROM_FOREIGN_MEASURED, &ev, &e), 2);
        ck_assert_str_eq(ev.v[0].detail, "PciRoot(0x0)/Pci(0x4,0x1)/Offset(0x0,0x2a5ff)");
        ck_assert_str_eq(ev.v[1].detail, "PciRoot(0x0)/Pci(0x4,0x1)/Offset(0x2a600,0x54bff)");
        /* The same PE bytes: the same digest, whatever the ROM header says. */
        ck_assert_mem_eq(ev.v[0].digest, ev.v[1].digest, 48);
        measure_events_free(&ev);
        ck_assert_int_eq(option_rom_events(path, &b, OPTION_ROM_FOREIGN_IF_NO_NATIVE, &ev, &e), 1);
        ck_assert_str_eq(ev.v[0].detail, "PciRoot(0x0)/Pci(0x4,0x1)/Offset(0x2a600,0x54bff)");
        measure_events_free(&ev);
        option_rom_free(&r);
        free(path);
        free(rom);
        free(pe);
        free(real);
}
END_TEST

struct bdf_case {
        const char *text;
        int dev, fn; /* -1: refused */
};

static const struct bdf_case bdf_cases[] = {
        { "00:02.0", 2, 0 }, { "02.0", 2, 0 }, { "00:1f.7", 31, 7 }, { "00:1F.3", 31, 3 },
        { "00:20.0", -1, 0 }, { "00:02.8", -1, 0 }, { "01:02.0", -1, 0 }, { "0:2.0", -1, 0 },
        { "", -1, 0 }, { "00:02", -1, 0 }, { "00:0g.0", -1, 0 }, { "0000:00:02.0", -1, 0 },
};

START_TEST(test_pci_addresses)
{
        const struct bdf_case *c = &bdf_cases[_i];
        struct pci_bdf b = { 0 };
        struct tdxh_err e = { 0 };
        int r = pci_bdf_parse(c->text, &b, &e);

        if (c->dev < 0) {
                ck_assert_msg(r == -EINVAL, "'%s' accepted", c->text);
                ck_assert_msg(strstr(e.msg, "PCI address '"), "%s", e.msg);
                return;
        }
        ck_assert_msg(r == 0, "'%s': %s", c->text, e.msg);
        ck_assert_uint_eq(b.dev, (unsigned)c->dev);
        ck_assert_uint_eq(b.fn, (unsigned)c->fn);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("option_rom");
        TCase *tc = tcase_create("built");
        TCase *real = tcase_create("ipxe-qemu");

        tcase_add_checked_fixture(tc, setup, teardown);
        tcase_set_timeout(tc, 120);
        tcase_add_loop_test(tc, test_which_images_the_firmware_loads, 0,
                            (int)(sizeof(load_cases) / sizeof(load_cases[0])));
        tcase_add_loop_test(tc, test_corrupt_roms_are_refused_with_the_offset, 0,
                            (int)(sizeof(bad_roms) / sizeof(bad_roms[0])));
        tcase_add_test(tc, test_chain_without_last_indicator_ends_at_the_file_end);
        tcase_add_test(tc, test_compressed_image_is_decompressed);
        tcase_add_loop_test(tc, test_pci_addresses, 0, (int)(sizeof(bdf_cases) / sizeof(bdf_cases[0])));
        suite_add_tcase(s, tc);
        /* ipxe-qemu is installed by scripts/install-deps.sh; QEMU's NICs
         * need it. */
        if (access(IPXE_DIR "efi-virtio.rom", R_OK) == 0) {
                tcase_add_checked_fixture(real, setup, teardown);
                tcase_set_timeout(real, 120);
                tcase_add_loop_test(real, test_ipxe_qemu_roms_hold_one_efi_driver, 0,
                                    (int)(sizeof(real_roms) / sizeof(real_roms[0])));
                tcase_add_test(real, test_virtio_rom_predicts_the_logged_event);
                tcase_add_test(real, test_foreign_images_follow_the_edk2_generation);
                suite_add_tcase(s, real);
        } else {
                fprintf(stderr, "SKIP: no %s (Debian's ipxe-qemu)\n", IPXE_DIR);
        }
        return run_suite(s);
}
