/* RTMR0 events (TDX-REFERENCE §3.1, §3.4, §12): every constant digest of the
 * §3.1 table, the Boot0000 load option, the CFV event, the event order for
 * the TDX edk2 generations and for the fake platform's PCR 1+7 fold. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/event_type.h"
#include "core/file.h"
#include "core/hex.h"
#include "core/le.h"
#include "measure/rtmr0.h"
#include "measure/uefi_var.h"
#include "ovmf_fixture.h"
#include "testutil.h"

#define GIB (1ull << 30)

/* §3.1 "Known constant digests", §3.4 Boot0000 */
#define D_SEPARATOR "394341b7182cd227c5c6b07ef8000cdfd86136c4292b8e576573ad7ed9ae41019f5818b4b971c9effc60e1ad9f1289f0"
#define D_SECUREBOOT_ABSENT "9dc3a1f80bcec915391dcda5ffbb15e7419f77eab462bbf72b42166fb70d50325e37b36f93537a863769bcf9bedae6fb"
#define D_PK "6f2e3cbc14f9def86980f5f66fd85e99d63e69a73014ed8a5633ce56eca5b64b692108c56110e22acadcef58c3250f1b"
#define D_KEK "d607c0efb41c0d757d69bca0615c3a9ac0b1db06c557d992e906c6b7dee40e0e031640c7bfd7bcd35844ef9edeadc6f9"
#define D_DB "08a74f8963b337acb6c93682f934496373679dd26af1089cb4eaf0c30cf260a12e814856385ab8843e56a9acea19e127"
#define D_DBX "18cc6e01f0c6ea99aa23f8a280423e94ad81d96d0aeb5180504fc0f7a40cb3619dd39bd6a95ec1680a86ed6ab0f9828d"
#define D_SECUREBOOT_OFF "cfa4e2c606f572627bf06d5669cc2ab1128358d27b45bc63ee9ea56ec109cfafb7194006f847a6a74b5eaed6b73332ec"
#define D_BOOTORDER "1dd6f7b457ad880d840d41c961283bab688e94e4b59359ea45686581e90feccea3c624b1226113f824f315eb60ae0a7c"
#define D_BOOT0000 "23ada07f5261f12f34a0bd8e46760962d6b4d576a416f1fea1c64bc656b1d28eacf7047ae6e967c58fd2a98bfa74c298"
#define D_CFV "f87302177b059d54a2cf0c5f13340dbabf5c9dd60dc3f996c68b776fbe4de959769443a3d8ef6538b97d7e151c8298e8"
#define D_TD_HOB_2G "0b8772e5b0b41b83e6044a68397e02f49fb47066b4fbe4917ea2c45c64f323fdacbb37948f821ebaf8bc9c938ba8a749"

static const uint8_t *ovmf;
static size_t ovmf_size;
static struct tdvf_metadata md;

static void assert_digest(const uint8_t d[SHA384_LEN], const char *want)
{
        char text[2 * SHA384_LEN + 1];

        hex_encode(d, SHA384_LEN, text);
        ck_assert_str_eq(text, want);
}

START_TEST(test_rtmr0_secure_boot_variable_constants)
{
        static const uint8_t zero = 0;
        uint8_t d[SHA384_LEN];

        ck_assert_int_eq(uefi_var_driver_config_digest(efi_global_variable_guid, "SecureBoot",
                                                       NULL, 0, d), 0);
        assert_digest(d, D_SECUREBOOT_ABSENT);
        ck_assert_int_eq(uefi_var_driver_config_digest(efi_global_variable_guid, "SecureBoot",
                                                       &zero, 1, d), 0);
        assert_digest(d, D_SECUREBOOT_OFF);
        ck_assert_int_eq(uefi_var_driver_config_digest(efi_global_variable_guid, "PK", NULL, 0, d), 0);
        assert_digest(d, D_PK);
        ck_assert_int_eq(uefi_var_driver_config_digest(efi_global_variable_guid, "KEK", NULL, 0, d), 0);
        assert_digest(d, D_KEK);
        ck_assert_int_eq(uefi_var_driver_config_digest(efi_image_security_database_guid, "db",
                                                       NULL, 0, d), 0);
        assert_digest(d, D_DB);
        ck_assert_int_eq(uefi_var_driver_config_digest(efi_image_security_database_guid, "dbx",
                                                       NULL, 0, d), 0);
        assert_digest(d, D_DBX);
}
END_TEST

START_TEST(test_rtmr0_variable_data_layout)
{
        static const char want[] = "61dfe48bca93d211aa0d00e098032b8c" "0200000000000000"
                                   "0000000000000000" "50004b00";
        struct buf b = BUF_INIT;
        char text[sizeof(want)];

        ck_assert_int_eq(uefi_variable_data(&b, efi_global_variable_guid, "PK", NULL, 0), 0);
        ck_assert_uint_eq(b.len, 36);
        hex_encode((const uint8_t *)b.data, b.len, text);
        ck_assert_str_eq(text, want);
        buf_free(&b);
        ck_assert_int_eq(utf16le_from_ascii(&b, "\xc3\xa9", false), -EINVAL);
        buf_free(&b);
}
END_TEST

START_TEST(test_rtmr0_boot0000_load_option_matches_reference)
{
        struct buf b = BUF_INIT;
        const uint8_t *p;
        uint8_t d[SHA384_LEN];

        ck_assert_int_eq(uefi_boot_manager_menu_option(&b), 0);
        p = (const uint8_t *)b.data;
        ck_assert_uint_eq(b.len, 4 + 2 + 12 + 44);
        ck_assert_uint_eq(le32_get(p), 0x109);
        ck_assert_uint_eq(le16_get(p + 4), 44);
        ck_assert_mem_eq(p + 6, "U\0i\0A\0p\0p\0\0\0", 12);
        ck_assert_mem_eq(p + b.len - 4, "\x7f\xff\x04\x00", 4);
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, p, b.len, d), 0);
        assert_digest(d, D_BOOT0000);
        buf_free(&b);
}
END_TEST

START_TEST(test_rtmr0_cfv_digest_and_event_data)
{
        uint8_t d[SHA384_LEN], data[CFV_EVENT_DATA_LEN];
        char desc[CFV_DESCRIPTION_LEN];
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(rtmr0_cfv_digest(ovmf, ovmf_size, &md, d, &e), 0);
        assert_digest(d, D_CFV);
        /* Debian's variable store has no FV extended header */
        ck_assert_int_eq(rtmr0_cfv_description(ovmf, ovmf_size, &md, desc, &e), 0);
        ck_assert_str_eq(desc, "Fv(XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)");
        ck_assert_int_eq(rtmr0_cfv_event_data(ovmf, ovmf_size, &md, data, &e), 0);
        ck_assert_uint_eq(data[0], 41);
        ck_assert_mem_eq(data + 1, desc, 41);
        ck_assert_uint_eq(le64_get(data + 42), 0xffe00000);
        ck_assert_uint_eq(le64_get(data + 50), 0x20000);
}
END_TEST

START_TEST(test_rtmr0_cfv_description_uses_fv_name_when_present)
{
        uint8_t *fw = malloc(ovmf_size);
        char desc[CFV_DESCRIPTION_LEN];
        static const uint8_t name[GUID_LEN] =
                GUID_BYTES(0x7cb8bdc9, 0xf8eb, 0x4f34, 0xaa, 0xea, 0x3e, 0xe4, 0xaf, 0x65, 0x16, 0xa1);

        ck_assert_ptr_nonnull(fw);
        memcpy(fw, ovmf, ovmf_size);
        le16_put(fw + 52, 0x48); /* ExtHeaderOffset */
        memcpy(fw + 0x48, name, GUID_LEN);
        ck_assert_int_eq(rtmr0_cfv_description(fw, ovmf_size, &md, desc, NULL), 0);
        ck_assert_str_eq(desc, "Fv(7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1)");
        /* an extended header inside the FV header itself is ignored, as OVMF does */
        le16_put(fw + 52, 0x20);
        ck_assert_int_eq(rtmr0_cfv_description(fw, ovmf_size, &md, desc, NULL), 0);
        ck_assert_str_eq(desc, "Fv(XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)");
        /* and so is one that would end past the CFV's raw data */
        {
                struct tdvf_section sec[2] = { md.sections[0], md.sections[1] };
                struct tdvf_metadata small = { .sections = sec, .n_sections = 2 };

                sec[1].raw_size = 0x1000;
                le16_put(fw + 52, 0xff0);
                ck_assert_int_eq(rtmr0_cfv_description(fw, ovmf_size, &small, desc, NULL), 0);
                ck_assert_str_eq(desc, "Fv(XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX)");
                le16_put(fw + 52, 0xfe0);
                memcpy(fw + 0xfe0, name, GUID_LEN);
                ck_assert_int_eq(rtmr0_cfv_description(fw, ovmf_size, &small, desc, NULL), 0);
                ck_assert_str_eq(desc, "Fv(7CB8BDC9-F8EB-4F34-AAEA-3EE4AF6516A1)");
        }
        free(fw);
}
END_TEST

START_TEST(test_rtmr0_fwcfg_event_data_and_digest)
{
        struct rtmr0_params p = { .fwcfg_cache_events = true, .ram_bytes = 2 * GIB, .md = &md,
                                  .fw = ovmf, .fw_size = ovmf_size };
        struct measure_events l = MEASURE_EVENTS_INIT;
        uint8_t data[FWCFG_EVENT_DATA_LEN];

        ck_assert_int_eq(rtmr0_fwcfg_event_data("BootMenu", data), 0);
        ck_assert_mem_eq(data, "QEMU FW CFG\0BootMenu\0", 21);
        ck_assert_int_eq(rtmr0_fwcfg_event_data("0123456789012345678901234567890123456789"
                                                "0123456789012345", data), -EINVAL);
        ck_assert_int_eq(rtmr0_events(&p, &l, NULL), 0);
        ck_assert_str_eq(l.v[2].what, "fwcfg-bootmenu");
        ck_assert_uint_eq(l.v[2].type, EV_PLATFORM_CONFIG_FLAGS);
        ck_assert_uint_eq(l.v[2].data_len, FWCFG_EVENT_DATA_LEN);
        ck_assert_mem_eq(l.v[2].data, data, FWCFG_EVENT_DATA_LEN);
        assert_digest(l.v[2].digest, D_BOOTORDER); /* SHA384(00 00), §3.1 */
        measure_events_free(&l);
}
END_TEST

struct expect {
        const char *what;
        uint32_t type;
        const char *digest; /* NULL: unknown */
};

static void assert_events(const struct measure_events *l, const struct expect *want, size_t n)
{
        ck_assert_uint_eq(l->n, n);
        for (size_t i = 0; i < n; i++) {
                ck_assert_msg(strcmp(l->v[i].what, want[i].what) == 0, "event %zu is %s, not %s",
                              i, l->v[i].what, want[i].what);
                ck_assert_uint_eq(l->v[i].type, want[i].type);
                ck_assert_int_eq(l->v[i].rtmr, 0);
                ck_assert_int_eq(l->v[i].digest_known, want[i].digest != NULL);
                if (want[i].digest)
                        assert_digest(l->v[i].digest, want[i].digest);
        }
}

START_TEST(test_rtmr0_tdx_202411_order_with_acpi_digests)
{
        uint8_t acpi[ACPI_BLOB_COUNT][SHA384_LEN];
        struct rtmr0_params p = { .acpi_events = true, .ram_bytes = 2 * GIB, .md = &md,
                                  .fw = ovmf, .fw_size = ovmf_size, .acpi_digests = acpi };
        struct measure_events l = MEASURE_EVENTS_INIT;
        char acpi_hex[ACPI_BLOB_COUNT][2 * SHA384_LEN + 1];
        uint8_t reg[SHA384_LEN];

        for (int i = 0; i < ACPI_BLOB_COUNT; i++) {
                memset(acpi[i], 0x11 * (i + 1), SHA384_LEN);
                hex_encode(acpi[i], SHA384_LEN, acpi_hex[i]);
        }
        {
                const struct expect want[] = {
                        { "td-hob", EV_EFI_HANDOFF_TABLES2, D_TD_HOB_2G },
                        { "cfv", EV_EFI_PLATFORM_FIRMWARE_BLOB2, D_CFV },
                        { "secureboot-var", EV_EFI_VARIABLE_DRIVER_CONFIG, D_SECUREBOOT_ABSENT },
                        { "secureboot-var", EV_EFI_VARIABLE_DRIVER_CONFIG, D_PK },
                        { "secureboot-var", EV_EFI_VARIABLE_DRIVER_CONFIG, D_KEK },
                        { "secureboot-var", EV_EFI_VARIABLE_DRIVER_CONFIG, D_DB },
                        { "secureboot-var", EV_EFI_VARIABLE_DRIVER_CONFIG, D_DBX },
                        { "separator", EV_SEPARATOR, D_SEPARATOR },
                        { "acpi-loader", EV_PLATFORM_CONFIG_FLAGS, acpi_hex[0] },
                        { "acpi-rsdp", EV_PLATFORM_CONFIG_FLAGS, acpi_hex[1] },
                        { "acpi-tables", EV_PLATFORM_CONFIG_FLAGS, acpi_hex[2] },
                        { "boot-var", EV_EFI_VARIABLE_BOOT, D_BOOTORDER },
                        { "boot-var", EV_EFI_VARIABLE_BOOT, D_BOOT0000 },
                };

                ck_assert_int_eq(rtmr0_events(&p, &l, NULL), 0);
                assert_events(&l, want, ELEMENTSOF(want));
        }
        ck_assert_str_eq(l.v[2].detail, "SecureBoot");
        ck_assert_str_eq(l.v[6].detail, "dbx");
        ck_assert_str_eq(l.v[11].detail, "BootOrder");
        ck_assert_str_eq(l.v[12].detail, "Boot0000");
        ck_assert_uint_eq(l.v[0].data_len, 42);
        ck_assert_mem_eq(l.v[8].data, "ACPI DATA", 9);
        ck_assert_uint_eq(l.v[8].data_len, 9);
        ck_assert_int_eq(measure_events_replay(&l, 0, reg), 0);
        measure_events_free(&l);
}
END_TEST

START_TEST(test_rtmr0_unknown_inputs_make_events_unknown)
{
        struct rtmr0_params p = { .acpi_events = true, .separator_in_rtmr0 = true,
                                  .smbios_event = true, .ram_bytes = 4 * GIB, .md = &md,
                                  .fw = ovmf, .fw_size = ovmf_size };
        struct measure_events l = MEASURE_EVENTS_INIT;
        uint8_t reg[SHA384_LEN] = { 0x77 };

        ck_assert_int_eq(rtmr0_events(&p, &l, NULL), 0);
        ck_assert_uint_eq(l.n, 15);
        ck_assert_str_eq(l.v[8].what, "acpi-loader");
        ck_assert(!l.v[8].digest_known);
        ck_assert_msg(strstr(l.v[8].detail, "etc/table-loader") &&
                      strstr(l.v[8].detail, "not given"), "%s", l.v[8].detail);
        ck_assert_str_eq(l.v[11].what, "smbios");
        ck_assert_uint_eq(l.v[11].type, EV_EFI_HANDOFF_TABLES);
        ck_assert(!l.v[11].digest_known);
        ck_assert_str_eq(l.v[14].what, "separator"); /* ReadyToBoot, after Boot0000 */
        ck_assert_str_eq(l.v[13].detail, "Boot0000");
        ck_assert_int_eq(measure_events_replay(&l, 0, reg), -ENODATA);
        ck_assert_uint_eq(reg[0], 0x77);
        measure_events_free(&l);

        /* the first TdTcg2Dxe put the boot variables into RTMR1 */
        p.boot_vars_in_rtmr1 = true;
        ck_assert_int_eq(rtmr0_events(&p, &l, NULL), 0);
        ck_assert_uint_eq(l.n, 13);
        ck_assert_str_eq(l.v[11].what, "smbios");
        ck_assert_str_eq(l.v[12].what, "separator");
        measure_events_free(&l);
}
END_TEST

START_TEST(test_rtmr0_explicit_fwcfg_items_and_boot_variables)
{
        static const uint8_t menu_on[2] = { 1, 0 };
        static const char bootorder[] = "/rom@genroms/linuxboot_dma.bin";
        static const uint8_t order[4] = { 0, 0, 1, 0 };
        static const uint8_t opt1[3] = { 9, 8, 7 };
        const struct rtmr0_named_value items[] = {
                { "BootMenu", menu_on, sizeof(menu_on) },
                { "bootorder", (const uint8_t *)bootorder, sizeof(bootorder) },
        };
        const struct rtmr0_named_value vars[] = {
                { "BootOrder", order, sizeof(order) },
                { "Boot0001", opt1, sizeof(opt1) },
        };
        struct rtmr0_params p = { .fwcfg_cache_events = true, .ram_bytes = 2 * GIB, .md = &md,
                                  .fw = ovmf, .fw_size = ovmf_size, .fwcfg_items = items,
                                  .n_fwcfg_items = 2, .boot_vars = vars, .n_boot_vars = 2 };
        struct measure_events l = MEASURE_EVENTS_INIT;
        uint8_t d[SHA384_LEN];

        ck_assert_int_eq(rtmr0_events(&p, &l, NULL), 0);
        ck_assert_uint_eq(l.n, 12);
        ck_assert_str_eq(l.v[2].what, "fwcfg-bootmenu");
        ck_assert_str_eq(l.v[2].detail, "fw_cfg BootMenu = 1");
        ck_assert_str_eq(l.v[3].what, "fwcfg-item");
        ck_assert_mem_eq(l.v[3].data + 12, "bootorder", 10);
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, bootorder, sizeof(bootorder), d), 0);
        ck_assert_mem_eq(l.v[3].digest, d, SHA384_LEN);
        ck_assert_str_eq(l.v[10].detail, "BootOrder");
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, order, sizeof(order), d), 0);
        ck_assert_mem_eq(l.v[10].digest, d, SHA384_LEN);
        ck_assert_str_eq(l.v[11].detail, "Boot0001");
        ck_assert_uint_eq(l.v[11].data_len, 16 + 8 + 8 + 16 + 3);
        measure_events_free(&l);
}
END_TEST

/* §12: PCR 7 then PCR 1 events, in log order, folded into one register. */
START_TEST(test_rtmr0_fake_platform_fold)
{
        static const char *const order[] = { D_SECUREBOOT_OFF, D_PK, D_KEK, D_DB, D_DBX,
                                             D_SEPARATOR, D_BOOTORDER, D_BOOT0000, D_SEPARATOR };
        struct rtmr0_params p = { .tpm_mode = true, .secureboot_off_form = true,
                                  .separator_in_rtmr0 = true,
                                  .fwcfg_cache_events = true /* ignored in TPM mode */ };
        struct measure_events l = MEASURE_EVENTS_INIT;
        uint8_t want[SHA384_LEN] = { 0 }, got[SHA384_LEN];

        for (size_t i = 0; i < ELEMENTSOF(order); i++) {
                uint8_t d[SHA384_LEN];

                ck_assert_int_eq(hex_decode_exact(order[i], d, SHA384_LEN), 0);
                rtmr_extend(want, d);
        }
        ck_assert_int_eq(rtmr0_events(&p, &l, NULL), 0);
        ck_assert_uint_eq(l.n, ELEMENTSOF(order));
        for (size_t i = 0; i < l.n; i++)
                assert_digest(l.v[i].digest, order[i]);
        ck_assert_int_eq(measure_events_replay(&l, 0, got), 0);
        ck_assert_mem_eq(got, want, SHA384_LEN);
        measure_events_free(&l);
}
END_TEST

START_TEST(test_rtmr0_failure_leaves_list_unchanged)
{
        struct tdvf_section sec[] = {
                { 0, 0, 0x800000, 0x1000, TDVF_SECTION_TEMP_MEM, 0 },
        };
        struct tdvf_metadata bad = { .sections = sec, .n_sections = 1 };
        struct rtmr0_params p = { .ram_bytes = 2 * GIB, .md = &bad, .fw = ovmf,
                                  .fw_size = ovmf_size };
        struct measure_events l = MEASURE_EVENTS_INIT;
        struct tdxh_err e = { 0 };

        ck_assert_int_eq(measure_events_add(&l, 1, EV_EFI_ACTION, NULL, "other", NULL, NULL, 0), 0);
        ck_assert_int_eq(rtmr0_events(&p, &l, &e), -EINVAL);
        ck_assert_msg(strstr(e.msg, "TD_HOB"), "%s", e.msg);
        ck_assert_uint_eq(l.n, 1);
        p.md = NULL;
        ck_assert_int_eq(rtmr0_events(&p, &l, NULL), -EINVAL);
        measure_events_free(&l);
}
END_TEST

START_TEST(test_rtmr0_acpi_digests_from_files)
{
        char *dir = tmpdir_make();
        char paths[ACPI_BLOB_COUNT][512];
        const char *argv[ACPI_BLOB_COUNT];
        uint8_t got[ACPI_BLOB_COUNT][SHA384_LEN], want[SHA384_LEN];
        struct tdxh_err e = { 0 };

        for (int i = 0; i < ACPI_BLOB_COUNT; i++) {
                char content[32];

                snprintf(paths[i], sizeof(paths[i]), "%s/blob%d", dir, i);
                snprintf(content, sizeof(content), "blob %d", i);
                ck_assert_int_eq(file_write_atomic(paths[i], content, strlen(content), 0644, NULL), 0);
                argv[i] = paths[i];
        }
        ck_assert_int_eq(rtmr0_acpi_digests_from_files(argv, got, &e), 0);
        for (int i = 0; i < ACPI_BLOB_COUNT; i++) {
                char content[32];

                snprintf(content, sizeof(content), "blob %d", i);
                ck_assert_int_eq(digest_buf(DIGEST_SHA384, content, strlen(content), want), 0);
                ck_assert_mem_eq(got[i], want, SHA384_LEN);
        }
        unlink(paths[1]);
        ck_assert_int_lt(rtmr0_acpi_digests_from_files(argv, got, &e), 0);
        ck_assert_msg(strstr(e.msg, "etc/acpi/rsdp") && strstr(e.msg, "blob1"), "%s", e.msg);
        tmpdir_remove(dir);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("rtmr0");
        TCase *tc = tcase_create("rtmr0");
        int r = ovmf_fixture_load_parsed(&ovmf, &ovmf_size, &md);

        if (r != 0)
                return r;
        tcase_add_test(tc, test_rtmr0_secure_boot_variable_constants);
        tcase_add_test(tc, test_rtmr0_variable_data_layout);
        tcase_add_test(tc, test_rtmr0_boot0000_load_option_matches_reference);
        tcase_add_test(tc, test_rtmr0_cfv_digest_and_event_data);
        tcase_add_test(tc, test_rtmr0_cfv_description_uses_fv_name_when_present);
        tcase_add_test(tc, test_rtmr0_fwcfg_event_data_and_digest);
        tcase_add_test(tc, test_rtmr0_tdx_202411_order_with_acpi_digests);
        tcase_add_test(tc, test_rtmr0_unknown_inputs_make_events_unknown);
        tcase_add_test(tc, test_rtmr0_explicit_fwcfg_items_and_boot_variables);
        tcase_add_test(tc, test_rtmr0_fake_platform_fold);
        tcase_add_test(tc, test_rtmr0_failure_leaves_list_unchanged);
        tcase_add_test(tc, test_rtmr0_acpi_digests_from_files);
        suite_add_tcase(s, tc);
        r = run_suite(s);
        tdvf_metadata_free(&md);
        return r;
}
