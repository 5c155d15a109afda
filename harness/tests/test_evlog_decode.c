/* Event data decoding: device paths as text, UEFI variables and load
 * options, tagged events, ACPI DATA positions, fw_cfg items, EV_IPL text,
 * firmware blobs and handoff tables; and garbage of every type shown as hex
 * without a crash. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/event_type.h"
#include "evidence/evlog_decode.h"
#include "evidence/uefi_text.h"
#include "testutil.h"

/* The GUID 1428f772-b64a-441e-b8c3-9ebdd7f893c7 in memory order. */
static const uint8_t kernel_loader_guid[16] = { 0x72, 0xf7, 0x28, 0x14, 0x4a, 0xb6, 0x1e, 0x44,
                                                0xb8, 0xc3, 0x9e, 0xbd, 0xd7, 0xf8, 0x93, 0xc7 };

static void node(struct buf *b, uint8_t type, uint8_t sub, const void *body, size_t n)
{
        ck_assert_int_eq(buf_putc(b, (char)type), 0);
        ck_assert_int_eq(buf_putc(b, (char)sub), 0);
        ck_assert_int_eq(buf_put_le16(b, (uint16_t)(4 + n)), 0);
        ck_assert_int_eq(buf_append(b, body, n), 0);
}

static void utf16(struct buf *b, const char *s, bool nul)
{
        for (; *s; s++)
                ck_assert_int_eq(buf_put_le16(b, (uint8_t)*s), 0);
        if (nul)
                ck_assert_int_eq(buf_put_le16(b, 0), 0);
}

static char *devpath_text(const struct buf *b)
{
        _cleanup_buf_ struct buf out = BUF_INIT;

        ck_assert_int_eq(uefi_devpath_append(&out, (const uint8_t *)b->data, b->len), 0);
        return buf_detach(&out, NULL);
}

START_TEST(test_devpath_nodes_as_text)
{
        _cleanup_buf_ struct buf b = BUF_INIT, file = BUF_INIT, hd = BUF_INIT;
        _cleanup_free_ char *text = NULL;
        uint8_t acpi[8] = { 0xd0, 0x41, 0x03, 0x0a, 0, 0, 0, 0 };
        uint8_t pci[2] = { 1, 2 }; /* function 1, device 2 */
        uint8_t mm[20] = { 0x0b };
        uint8_t off[20] = { 0 };

        mm[4] = 0x00, mm[5] = 0x10; /* start 0x1000 */
        mm[12] = 0xff, mm[13] = 0x1f; /* end 0x1fff */
        off[4] = 0x10;              /* start 0x10 */
        off[12] = 0x20;             /* end 0x20 */
        node(&b, 2, 1, acpi, sizeof(acpi));
        node(&b, 1, 1, pci, sizeof(pci));
        node(&b, 1, 3, mm, sizeof(mm));
        node(&b, 4, 7, kernel_loader_guid, 16);
        node(&b, 4, 6, kernel_loader_guid, 16);
        node(&b, 4, 3, kernel_loader_guid, 16);
        utf16(&file, "kernel", true);
        node(&b, 4, 4, file.data, file.len);
        node(&b, 4, 8, off, sizeof(off));
        /* HD(1,GPT,<guid>,0x800,0x1000) */
        ck_assert_int_eq(buf_put_le32(&hd, 1), 0);
        ck_assert_int_eq(buf_put_le64(&hd, 0x800), 0);
        ck_assert_int_eq(buf_put_le64(&hd, 0x1000), 0);
        ck_assert_int_eq(buf_append(&hd, kernel_loader_guid, 16), 0);
        ck_assert_int_eq(buf_append(&hd, "\x02\x02", 2), 0);
        node(&b, 4, 1, hd.data, hd.len);
        node(&b, 0x42, 9, "\xab", 1);
        node(&b, 0x7f, 0xff, NULL, 0);
        text = devpath_text(&b);
        ck_assert_str_eq(text,
                         "PciRoot(0x0)/Pci(0x2,0x1)/MemoryMapped(0xb,0x1000,0x1fff)/"
                         "Fv(1428F772-B64A-441E-B8C3-9EBDD7F893C7)/"
                         "FvFile(1428F772-B64A-441E-B8C3-9EBDD7F893C7)/"
                         "VenMedia(1428F772-B64A-441E-B8C3-9EBDD7F893C7)/File(kernel)/"
                         "Offset(0x10,0x20)/"
                         "HD(1,GPT,1428F772-B64A-441E-B8C3-9EBDD7F893C7,0x800,0x1000)/"
                         "Path(66,9,ab)");
}
END_TEST

START_TEST(test_devpath_bad_lengths_end_in_hex)
{
        _cleanup_buf_ struct buf b = BUF_INIT;
        _cleanup_free_ char *t1 = NULL, *t2 = NULL;
        uint8_t pci[2] = { 0, 1 };

        node(&b, 1, 1, pci, sizeof(pci));
        ck_assert_int_eq(buf_append(&b, "\x04\x04\xff\x00\x41", 5), 0); /* node claims 255 */
        t1 = devpath_text(&b);
        ck_assert_str_eq(t1, "Pci(0x1,0x0)/<bad node length 255: 0404ff0041>");
        b.len = 6 + 2; /* a node cut inside its header */
        t2 = devpath_text(&b);
        ck_assert_str_eq(t2, "Pci(0x1,0x0)/<truncated: 0404>");
}
END_TEST

START_TEST(test_utf16_surrogates_and_garbage)
{
        _cleanup_buf_ struct buf out = BUF_INIT;
        /* "a", U+1F600 as a pair, an unpaired high surrogate, "b" */
        const uint8_t in[] = { 'a', 0, 0x3d, 0xd8, 0x00, 0xde, 0x3d, 0xd8, 'b', 0 };

        ck_assert_int_ge(uefi_utf16_append(&out, in, sizeof(in), true), 0);
        ck_assert_str_eq(out.data, "a\xf0\x9f\x98\x80\xef\xbf\xbd"
                                   "b");
        ck_assert(!uefi_utf16_is_text((const uint8_t *)"LOADED_IMAGE", 12));
        ck_assert(uefi_utf16_is_text((const uint8_t *)"k\0e\0r\0\0\0", 8));
}
END_TEST

static void decode(uint32_t type, int rtmr, const void *data, size_t len,
                   struct evlog_decode_state *st, struct evlog_event *ev)
{
        *ev = (struct evlog_event){ .type = type, .rtmr = rtmr, .data_len = len };
        ev->data = malloc(len ? len : 1);
        ck_assert_ptr_nonnull(ev->data);
        if (len)
                memcpy(ev->data, data, len);
        ck_assert_int_eq(evlog_decode_event(ev, st), 0);
        ck_assert_ptr_nonnull(ev->what);
}

static void event_done(struct evlog_event *ev)
{
        free(ev->data);
        free(ev->detail);
        free(ev->name);
}

/* Decodes and checks the label and, when want_detail is not NULL, the detail. */
static void expect_decode(struct evlog_decode_state *st, uint32_t type, int rtmr,
                          const void *data, size_t len, const char *want_what,
                          const char *want_detail)
{
        struct evlog_event ev;

        decode(type, rtmr, data, len, st, &ev);
        ck_assert_str_eq(ev.what, want_what);
        if (want_detail) {
                ck_assert_ptr_nonnull(ev.detail);
                ck_assert_str_eq(ev.detail, want_detail);
        }
        event_done(&ev);
}

static void var_data(struct buf *b, const char *name, const void *data, size_t n)
{
        ck_assert_int_eq(buf_append(b, kernel_loader_guid, 16), 0);
        ck_assert_int_eq(buf_put_le64(b, strlen(name)), 0);
        ck_assert_int_eq(buf_put_le64(b, n), 0);
        utf16(b, name, false);
        ck_assert_int_eq(buf_append(b, data, n), 0);
}

START_TEST(test_variables_and_boot_options)
{
        struct evlog_decode_state st = EVLOG_DECODE_STATE_INIT;
        _cleanup_buf_ struct buf v1 = BUF_INIT, v2 = BUF_INIT, v3 = BUF_INIT, opt = BUF_INIT,
                                 dp = BUF_INIT;
        struct evlog_event ev;

        var_data(&v1, "SecureBoot", "\x01", 1);
        expect_decode(&st, EV_EFI_VARIABLE_DRIVER_CONFIG, 0, v1.data, v1.len, "secureboot-var",
                      "SecureBoot = 01");

        var_data(&v2, "BootOrder", "\x01\x00\x00\x00", 4);
        expect_decode(&st, EV_EFI_VARIABLE_BOOT, 0, v2.data, v2.len, "boot-var",
                      "BootOrder: 0001 0000");

        node(&dp, 4, 3, kernel_loader_guid, 16);
        node(&dp, 0x7f, 0xff, NULL, 0);
        ck_assert_int_eq(buf_put_le32(&opt, 1), 0);
        ck_assert_int_eq(buf_put_le16(&opt, (uint16_t)dp.len), 0);
        utf16(&opt, "Linux", true);
        ck_assert_int_eq(buf_append(&opt, dp.data, dp.len), 0);
        var_data(&v3, "Boot0007", opt.data, opt.len);
        expect_decode(&st, EV_EFI_VARIABLE_BOOT2, 0, v3.data, v3.len, "boot-var",
                      "Boot0007: Linux VenMedia(1428F772-B64A-441E-B8C3-9EBDD7F893C7)");

        /* a name length beyond the data: shown as hex */
        v1.data[16] = 0x7f;
        decode(EV_EFI_VARIABLE_DRIVER_CONFIG, 0, v1.data, v1.len, &st, &ev);
        ck_assert_str_eq(ev.what, "secureboot-var");
        ck_assert_ptr_nonnull(strstr(ev.detail, "72f72814"));
        event_done(&ev);
}
END_TEST

START_TEST(test_tagged_events_acpi_fwcfg_and_ipl)
{
        struct evlog_decode_state st = EVLOG_DECODE_STATE_INIT;
        static const char cmdline[] = "\xed\x22\x3b\x8f\x1a\x00\x00\x00LOADED_IMAGE::LoadOptions";
        static const char initrd[] = "\xec\x22\x3b\x8f\x0d\x00\x00\x00Linux initrd";
        uint8_t fwcfg[68] = "QEMU FW CFG";
        static const char *const acpi[] = { "acpi-loader", "acpi-rsdp", "acpi-tables",
                                            "acpi-data" };

        expect_decode(&st, EV_EVENT_TAG, 2, cmdline, sizeof(cmdline), "cmdline",
                      "LOADED_IMAGE::LoadOptions");
        expect_decode(&st, EV_EVENT_TAG, 2, initrd, sizeof(initrd), "initrd", NULL);
        for (int i = 0; i < 4; i++)
                expect_decode(&st, EV_PLATFORM_CONFIG_FLAGS, 0, "ACPI DATA", 9, acpi[i],
                              "ACPI DATA");
        memcpy(fwcfg + 12, "etc/boot-menu-wait", 18);
        expect_decode(&st, EV_PLATFORM_CONFIG_FLAGS, 0, fwcfg, sizeof(fwcfg), "fwcfg",
                      "etc/boot-menu-wait");
        expect_decode(&st, EV_IPL, 2, "kernel_cmdline: ro quiet", 25, "cmdline", "ro quiet");
        expect_decode(&st, EV_IPL, 2, "grub_cmd: set a=b", 18, "grub-cmd", "set a=b");
        expect_decode(&st, EV_IPL, 2, "(hd0,gpt2)/boot/initrd.img", 26, "initrd", NULL);
        expect_decode(&st, EV_SEPARATOR, 0, "\0\0\0\0", 4, "separator", "00000000");
        expect_decode(&st, EV_EFI_ACTION, 1, "Exit Boot Services Invocation", 29, "action",
                      "Exit Boot Services Invocation");
        expect_decode(&st, EV_NO_ACTION, -1, "StartupLocality\0\3", 17, "no-action",
                      "StartupLocality 3");
}
END_TEST

START_TEST(test_blobs_and_handoff_tables)
{
        struct evlog_decode_state st = EVLOG_DECODE_STATE_INIT;
        _cleanup_buf_ struct buf hob = BUF_INIT, blob2 = BUF_INIT, smbios = BUF_INIT;
        /* gUefiOvmfPkgTokenSpaceGuid, and the SMBIOS3 table GUID */
        static const uint8_t ovmf_guid[16] = { 0xaf, 0x96, 0xbb, 0x93, 0xf2, 0xb9, 0xb8, 0x4e,
                                               0x94, 0x62, 0xe0, 0xba, 0x74, 0x56, 0x42, 0x36 };
        static const uint8_t smbios3[16] = { 0x44, 0x15, 0xfd, 0xf2, 0x94, 0x97, 0x2c, 0x4a,
                                             0x99, 0x2e, 0xe5, 0xbb, 0xcf, 0x20, 0xe3, 0x94 };

        ck_assert_int_eq(buf_append(&hob, "\x09TdxTable\0", 10), 0);
        ck_assert_int_eq(buf_put_le64(&hob, 1), 0);
        ck_assert_int_eq(buf_append(&hob, ovmf_guid, 16), 0);
        ck_assert_int_eq(buf_put_le64(&hob, 0x809000), 0);
        expect_decode(&st, EV_EFI_HANDOFF_TABLES2, 0, hob.data, hob.len, "td-hob",
                      "TdxTable: TdHob at 0x809000");

        ck_assert_int_eq(buf_put_le64(&smbios, 1), 0);
        ck_assert_int_eq(buf_append(&smbios, smbios3, 16), 0);
        ck_assert_int_eq(buf_put_le64(&smbios, 0x7f000), 0);
        expect_decode(&st, EV_EFI_HANDOFF_TABLES, 0, smbios.data, smbios.len, "smbios",
                      "SMBIOS3 at 0x7f000");

        ck_assert_int_eq(buf_append(&blob2, "\x03" "CFV", 4), 0);
        ck_assert_int_eq(buf_put_le64(&blob2, 0xffc00000), 0);
        ck_assert_int_eq(buf_put_le64(&blob2, 0x84000), 0);
        expect_decode(&st, EV_EFI_PLATFORM_FIRMWARE_BLOB2, 0, blob2.data, blob2.len, "cfv",
                      "CFV base 0xffc00000 length 0x84000");
        expect_decode(&st, EV_EFI_PLATFORM_FIRMWARE_BLOB2, -1, blob2.data, blob2.len,
                      "firmware-blob", NULL);
}
END_TEST

START_TEST(test_garbage_of_every_type_is_shown_as_hex)
{
        static const uint32_t types[] = {
                EV_PREBOOT_CERT, EV_POST_CODE, EV_NO_ACTION, EV_SEPARATOR, EV_ACTION,
                EV_EVENT_TAG, EV_S_CRTM_CONTENTS, EV_S_CRTM_VERSION, EV_CPU_MICROCODE,
                EV_PLATFORM_CONFIG_FLAGS, EV_TABLE_OF_DEVICES, EV_COMPACT_HASH, EV_IPL,
                EV_IPL_PARTITION_DATA, EV_NONHOST_CODE, EV_OMIT_BOOT_DEVICE_EVENTS,
                EV_EFI_VARIABLE_DRIVER_CONFIG, EV_EFI_VARIABLE_BOOT,
                EV_EFI_BOOT_SERVICES_APPLICATION, EV_EFI_BOOT_SERVICES_DRIVER,
                EV_EFI_GPT_EVENT, EV_EFI_ACTION, EV_EFI_PLATFORM_FIRMWARE_BLOB,
                EV_EFI_HANDOFF_TABLES, EV_EFI_PLATFORM_FIRMWARE_BLOB2, EV_EFI_HANDOFF_TABLES2,
                EV_EFI_VARIABLE_BOOT2, EV_EFI_HCRTM_EVENT, EV_EFI_VARIABLE_AUTHORITY,
                EV_EFI_SPDM_FIRMWARE_BLOB, 0x12345678, 0x08000001,
        };
        struct evlog_decode_state st = EVLOG_DECODE_STATE_INIT;
        uint8_t data[300];
        uint32_t s = 99;

        for (size_t t = 0; t < sizeof(types) / sizeof(types[0]); t++)
                for (size_t len = 0; len < sizeof(data); len += 7) {
                        struct evlog_event ev;

                        for (size_t i = 0; i < len; i++) {
                                s = s * 1103515245u + 12345u;
                                data[i] = (uint8_t)(s >> 16);
                        }
                        decode(types[t], (int)(len % 5) - 1, data, len, &st, &ev);
                        if (len > 0 && types[t] != 0x08000001)
                                ck_assert_msg(ev.detail != NULL, "type 0x%x len %zu", types[t],
                                              len);
                        event_done(&ev);
                }
}
END_TEST

/* A driver from a PCI device's expansion ROM (QEMU's NIC ROM, as OVMF logs
 * it in RTMR1) is an "option-rom"; a driver from a firmware volume stays a
 * "driver". */
START_TEST(test_option_rom_driver_is_named)
{
        struct evlog_decode_state st = EVLOG_DECODE_STATE_INIT;
        _cleanup_buf_ struct buf dp = BUF_INIT, ev = BUF_INIT, fv = BUF_INIT, ev2 = BUF_INIT;
        uint8_t acpi[8] = { 0xd0, 0x41, 0x03, 0x0a, 0, 0, 0, 0 };
        uint8_t pci[2] = { 0, 2 }; /* function 0, device 2 */
        uint8_t off[20] = { 0 };

        off[12] = 0x10; /* end 0x10 */
        node(&dp, 2, 1, acpi, sizeof(acpi));
        node(&dp, 1, 1, pci, sizeof(pci));
        node(&dp, 4, 8, off, sizeof(off));
        node(&dp, 0x7f, 0xff, NULL, 0);
        /* UEFI_IMAGE_LOAD_EVENT: location, length, link address, path length */
        for (int i = 0; i < 3; i++)
                ck_assert_int_eq(buf_put_le64(&ev, 0x1000), 0);
        ck_assert_int_eq(buf_put_le64(&ev, dp.len), 0);
        ck_assert_int_eq(buf_append(&ev, dp.data, dp.len), 0);
        expect_decode(&st, EV_EFI_BOOT_SERVICES_DRIVER, 1, ev.data, ev.len, "option-rom",
                      "PciRoot(0x0)/Pci(0x2,0x0)/Offset(0x0,0x10)");
        node(&fv, 4, 6, kernel_loader_guid, 16);
        node(&fv, 0x7f, 0xff, NULL, 0);
        for (int i = 0; i < 3; i++)
                ck_assert_int_eq(buf_put_le64(&ev2, 0x1000), 0);
        ck_assert_int_eq(buf_put_le64(&ev2, fv.len), 0);
        ck_assert_int_eq(buf_append(&ev2, fv.data, fv.len), 0);
        expect_decode(&st, EV_EFI_BOOT_SERVICES_DRIVER, 1, ev2.data, ev2.len, "driver", NULL);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("evlog-decode");
        TCase *tc = tcase_create("decode");

        tcase_add_test(tc, test_devpath_nodes_as_text);
        tcase_add_test(tc, test_option_rom_driver_is_named);
        tcase_add_test(tc, test_devpath_bad_lengths_end_in_hex);
        tcase_add_test(tc, test_utf16_surrogates_and_garbage);
        tcase_add_test(tc, test_variables_and_boot_options);
        tcase_add_test(tc, test_tagged_events_acpi_fwcfg_and_ipl);
        tcase_add_test(tc, test_blobs_and_handoff_tables);
        tcase_add_test(tc, test_garbage_of_every_type_is_shown_as_hex);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
