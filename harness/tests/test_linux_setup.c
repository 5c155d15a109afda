/* QEMU's setup-header patch: the fields written for several memory and
 * initrd sizes, the xloadflags bit and the boot-protocol gates, vga=, and the
 * cases QEMU refuses. Expected addresses are worked out by hand from
 * TDX-REFERENCE §4.2 and §3.2 step 1. */
#include <errno.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/le.h"
#include "measure/linux_setup.h"
#include "testutil.h"

#define GIB (1ull << 30)
#define FILE_SIZE 0x100000u
#define INITRD_SIZE 0x123456u

/* A setup header like Debian 12's kernel: protocol 2.15, LOADED_HIGH,
 * xloadflags 0x7f, initrd_addr_max 0x7fffffff, 39 setup sectors; every other
 * byte a pattern, so stray writes show. */
static void make_header(uint8_t *hdr, uint16_t protocol, uint16_t xlf)
{
        for (size_t i = 0; i < LINUX_HEADER_MAX; i++)
                hdr[i] = (uint8_t)(i * 31 + 7);
        hdr[LINUX_HDR_SETUP_SECTS] = 39;
        memcpy(hdr + LINUX_HDR_HEADER, "HdrS", 4);
        le16_put(hdr + LINUX_HDR_VERSION, protocol);
        hdr[LINUX_HDR_TYPE_OF_LOADER] = 0;
        hdr[LINUX_HDR_LOADFLAGS] = LINUX_LOADFLAG_LOADED_HIGH;
        le32_put(hdr + LINUX_HDR_INITRD_ADDR_MAX, 0x7fffffff);
        le16_put(hdr + LINUX_HDR_XLOADFLAGS, xlf);
}

/* Asserts that only the listed byte ranges differ between a and b. */
static void assert_only_changed(const uint8_t *a, const uint8_t *b, const size_t *offs,
                                const size_t *lens, size_t n)
{
        for (size_t i = 0; i < LINUX_HEADER_MAX; i++) {
                bool allowed = false;

                for (size_t k = 0; k < n; k++)
                        allowed |= i >= offs[k] && i < offs[k] + lens[k];
                if (!allowed)
                        ck_assert_msg(a[i] == b[i], "byte 0x%zx changed", i);
        }
}

static int patch(uint8_t *hdr, uint64_t ram, bool initrd, uint64_t initrd_size, const char *cmdline,
                 struct linux_setup_info *info, struct tdxh_err *e)
{
        struct linux_setup_params p = { .ram_size = ram, .initrd = initrd,
                                        .initrd_size = initrd_size, .cmdline = cmdline };

        return linux_setup_patch(hdr, LINUX_HEADER_MAX, FILE_SIZE, &p, info, e);
}

START_TEST(test_q35_below_4g_split)
{
        ck_assert_uint_eq(q35_below_4g(1 * GIB, 0), 0x40000000);
        ck_assert_uint_eq(q35_below_4g(2 * GIB, 0), 0x80000000);
        ck_assert_uint_eq(q35_below_4g(5 * GIB / 2, 0), 0xa0000000);
        ck_assert_uint_eq(q35_below_4g(0xb0000000, 0), 0x80000000);
        ck_assert_uint_eq(q35_below_4g(0xafffffff, 0), 0xafffffff);
        ck_assert_uint_eq(q35_below_4g(3 * GIB, 0), 0x80000000);
        ck_assert_uint_eq(q35_below_4g(4 * GIB, 0), 0x80000000);
        ck_assert_uint_eq(q35_below_4g(16 * GIB, 0), 0x80000000);
        ck_assert_uint_eq(q35_below_4g(2 * GIB, 1 * GIB), 0x40000000);
}
END_TEST

static const struct {
        uint64_t ram;
        uint16_t xlf;
        uint32_t initrd_size, initrd_max, initrd_addr;
} memory_cases[] = {
        /* XLF_CAN_BE_LOADED_ABOVE_4G set: initrd_max = below_4g - 0x28000 - 1 */
        { 1 * GIB, 0x7f, INITRD_SIZE, 0x3ffd7fff, 0x3feb4000 },
        { 2 * GIB, 0x7f, INITRD_SIZE, 0x7ffd7fff, 0x7feb4000 },
        { 5 * GIB / 2, 0x7f, INITRD_SIZE, 0x9ffd7fff, 0x9feb4000 },
        { 3 * GIB, 0x7f, INITRD_SIZE, 0x7ffd7fff, 0x7feb4000 },
        { 4 * GIB, 0x7f, INITRD_SIZE, 0x7ffd7fff, 0x7feb4000 },
        { 1 * GIB, 0x7f, 0x200000, 0x3ffd7fff, 0x3fdd7000 },
        { 5 * GIB / 2, 0x7f, 0x200000, 0x9ffd7fff, 0x9fdd7000 },
        { 4 * GIB, 0x7f, 1, 0x7ffd7fff, 0x7ffd7000 },
        /* Only 0x40 (XLF_5LEVEL_ENABLED, the mask dstack tests): initrd_addr_max
         * 0x7fffffff applies, which differs from the above only at 2.5 GiB. */
        { 1 * GIB, 0x40, INITRD_SIZE, 0x3ffd7fff, 0x3feb4000 },
        { 2 * GIB, 0x40, INITRD_SIZE, 0x7ffd7fff, 0x7feb4000 },
        { 5 * GIB / 2, 0x40, INITRD_SIZE, 0x7fffffff, 0x7fedc000 },
        { 3 * GIB, 0x40, INITRD_SIZE, 0x7ffd7fff, 0x7feb4000 },
        { 4 * GIB, 0x40, INITRD_SIZE, 0x7ffd7fff, 0x7feb4000 },
};

START_TEST(test_patch_fields_for_memory_sizes)
{
        uint8_t orig[LINUX_HEADER_MAX], hdr[LINUX_HEADER_MAX];
        struct linux_setup_info info;
        struct tdxh_err e = { 0 };
        const size_t offs[] = { 0x210, 0x211, 0x218, 0x21c, 0x224, 0x228 };
        const size_t lens[] = { 1, 1, 4, 4, 2, 4 };

        make_header(orig, 0x20f, memory_cases[_i].xlf);
        memcpy(hdr, orig, sizeof(hdr));
        ck_assert_int_eq(patch(hdr, memory_cases[_i].ram, true, memory_cases[_i].initrd_size,
                               "console=ttyS0", &info, &e), 0);
        ck_assert_uint_eq(info.protocol, 0x20f);
        ck_assert_uint_eq(info.setup_size, 40 * 512);
        ck_assert_uint_eq(info.initrd_max, memory_cases[_i].initrd_max);
        ck_assert_uint_eq(info.initrd_addr, memory_cases[_i].initrd_addr);
        ck_assert_uint_eq(hdr[0x210], 0xb0);
        ck_assert_uint_eq(hdr[0x211], 0x81);
        ck_assert_uint_eq(le32_get(hdr + 0x218), memory_cases[_i].initrd_addr);
        ck_assert_uint_eq(le32_get(hdr + 0x21c), memory_cases[_i].initrd_size);
        ck_assert_uint_eq(le16_get(hdr + 0x224), 0xfe00);
        ck_assert_uint_eq(le32_get(hdr + 0x228), 0x20000);
        ck_assert(!info.vid_mode_set);
        assert_only_changed(orig, hdr, offs, lens, ELEMENTSOF(offs));
}
END_TEST

START_TEST(test_patch_without_initrd_leaves_ramdisk_fields)
{
        uint8_t orig[LINUX_HEADER_MAX], hdr[LINUX_HEADER_MAX];
        struct tdxh_err e = { 0 };
        const size_t offs[] = { 0x210, 0x211, 0x224, 0x228 };
        const size_t lens[] = { 1, 1, 2, 4 };

        make_header(orig, 0x20f, 0x7f);
        memcpy(hdr, orig, sizeof(hdr));
        ck_assert_int_eq(patch(hdr, 1 * GIB, false, 0, NULL, NULL, &e), 0);
        assert_only_changed(orig, hdr, offs, lens, ELEMENTSOF(offs));
}
END_TEST

START_TEST(test_patch_empty_initrd_still_sets_ramdisk_fields)
{
        uint8_t hdr[LINUX_HEADER_MAX];
        struct tdxh_err e = { 0 };

        make_header(hdr, 0x20f, 0x7f);
        ck_assert_int_eq(patch(hdr, 1 * GIB, true, 0, "", NULL, &e), 0);
        ck_assert_uint_eq(le32_get(hdr + 0x218), 0x3ffd7000);
        ck_assert_uint_eq(le32_get(hdr + 0x21c), 0);
}
END_TEST

START_TEST(test_protocol_gates)
{
        uint8_t orig[LINUX_HEADER_MAX], hdr[LINUX_HEADER_MAX];
        struct linux_setup_info info;
        struct tdxh_err e = { 0 };

        /* < 2.12: the xloadflags bit is ignored, initrd_addr_max rules. */
        make_header(hdr, 0x20b, 0x7f);
        ck_assert_int_eq(patch(hdr, 5 * GIB / 2, true, INITRD_SIZE, "", &info, &e), 0);
        ck_assert_uint_eq(info.initrd_max, 0x7fffffff);

        /* < 2.03: no initrd_addr_max, 0x37ffffff. */
        make_header(hdr, 0x202, 0x7f);
        ck_assert_int_eq(patch(hdr, 2 * GIB, true, INITRD_SIZE, "", &info, &e), 0);
        ck_assert_uint_eq(info.initrd_max, 0x37ffffff);
        ck_assert_uint_eq(le32_get(hdr + 0x218), 0x37edc000);
        ck_assert_uint_eq(le32_get(hdr + 0x228), 0x20000);

        /* < 2.02: the old command-line magic at 0x20 and the 0x90000 layout. */
        make_header(hdr, 0x201, 0x7f);
        ck_assert_int_eq(patch(hdr, 2 * GIB, false, 0, "console=ttyS0", &info, &e), 0);
        ck_assert_uint_eq(info.real_addr, 0x90000);
        ck_assert_uint_eq(info.cmdline_addr, 0x99ff0);
        ck_assert_uint_eq(le16_get(hdr + 0x20), 0xa33f);
        ck_assert_uint_eq(le16_get(hdr + 0x22), 0x9ff0);
        ck_assert_uint_eq(le16_get(hdr + 0x224), 0x9df0);
        ck_assert_uint_eq(hdr[0x210], 0xb0);
        make_header(orig, 0x201, 0x7f);
        ck_assert_uint_eq(le32_get(hdr + 0x228), le32_get(orig + 0x228));

        /* 2.00: loader type but no heap. */
        make_header(hdr, 0x200, 0x7f);
        ck_assert_int_eq(patch(hdr, 2 * GIB, false, 0, "", &info, &e), 0);
        ck_assert_uint_eq(hdr[0x210], 0xb0);
        ck_assert_uint_eq(hdr[0x211], LINUX_LOADFLAG_LOADED_HIGH);

        /* 2.15 but not LOADED_HIGH: pointer at 0x228, low addresses. */
        make_header(hdr, 0x20f, 0x7f);
        hdr[LINUX_HDR_LOADFLAGS] = 0;
        ck_assert_int_eq(patch(hdr, 2 * GIB, false, 0, "console=ttyS0", &info, &e), 0);
        ck_assert_uint_eq(le32_get(hdr + 0x228), 0x99ff0);
        ck_assert_uint_eq(le16_get(hdr + 0x224), 0x9df0);
}
END_TEST

START_TEST(test_no_hdrs_is_protocol_zero)
{
        uint8_t orig[LINUX_HEADER_MAX], hdr[LINUX_HEADER_MAX];
        struct linux_setup_info info;
        struct tdxh_err e = { 0 };
        const size_t offs[] = { 0x20, 0x22 };
        const size_t lens[] = { 2, 2 };

        make_header(orig, 0x20f, 0x7f);
        memcpy(orig + LINUX_HDR_HEADER, "XXXX", 4);
        memcpy(hdr, orig, sizeof(hdr));
        ck_assert_int_eq(patch(hdr, 1 * GIB, false, 0, "", &info, &e), 0);
        ck_assert_uint_eq(info.protocol, 0);
        assert_only_changed(orig, hdr, offs, lens, ELEMENTSOF(offs));
        memcpy(hdr, orig, sizeof(hdr));
        ck_assert_int_eq(patch(hdr, 1 * GIB, true, 10, "", &info, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "too old to load an initrd"));
        ck_assert_mem_eq(hdr, orig, sizeof(hdr));
}
END_TEST

START_TEST(test_vga_values)
{
        static const struct {
                const char *cmdline;
                int r;
                uint16_t mode;
        } cases[] = {
                { "quiet vga=791", 0, 791 },   { "vga=0x317 quiet", 0, 0x317 },
                { "vga=normal", 0, 0xffff },   { "vga=ext", 0, 0xfffe },
                { "vga=ask", 0, 0xfffd },      { "vga=foo", -EINVAL, 0 },
                { "vga=12x", -EINVAL, 0 },     { "vga=", -EINVAL, 0 },
                { "vga=0x10317", 0, 0x0317 },
        };
        uint8_t orig[LINUX_HEADER_MAX], hdr[LINUX_HEADER_MAX];
        struct linux_setup_info info;

        make_header(orig, 0x20f, 0x7f);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct tdxh_err e = { 0 };

                memcpy(hdr, orig, sizeof(hdr));
                ck_assert_int_eq(patch(hdr, 1 * GIB, false, 0, cases[i].cmdline, &info, &e), cases[i].r);
                if (cases[i].r == 0) {
                        ck_assert(info.vid_mode_set);
                        ck_assert_uint_eq(le16_get(hdr + 0x1fa), cases[i].mode);
                } else {
                        ck_assert_ptr_nonnull(strstr(e.msg, "vga="));
                        ck_assert_mem_eq(hdr, orig, sizeof(hdr));
                }
        }
}
END_TEST

START_TEST(test_refuses_what_qemu_refuses)
{
        uint8_t hdr[LINUX_HEADER_MAX];
        struct linux_setup_params p = { .ram_size = 1 * GIB, .initrd = true,
                                        .initrd_size = 0x3ffd7fff };
        struct tdxh_err e = { 0 };

        make_header(hdr, 0x20f, 0x7f);
        ck_assert_int_eq(linux_setup_patch(hdr, LINUX_HEADER_MAX, FILE_SIZE, &p, NULL, &e), -EFBIG);
        ck_assert_ptr_nonnull(strstr(e.msg, "initrd"));

        err_clear(&e);
        p.initrd = false;
        hdr[LINUX_HDR_SETUP_SECTS] = 255;
        ck_assert_int_eq(linux_setup_patch(hdr, LINUX_HEADER_MAX, 0x10000, &p, NULL, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "offset 0x1f1: setup_sects"));

        err_clear(&e);
        ck_assert_int_eq(linux_setup_patch(hdr, 0x100, 0x100, &p, NULL, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "too short"));

        err_clear(&e);
        make_header(hdr, 0x20f, 0x7f);
        memcpy(hdr + LINUX_HDR_HEADER, "XXXX", 4);
        le32_put(hdr + 0x1000, 0x1badb002);
        le32_put(hdr + 0x1004, 0x00010003);
        le32_put(hdr + 0x1008, (uint32_t)-(0x1badb002u + 0x00010003u));
        ck_assert_int_eq(linux_setup_patch(hdr, LINUX_HEADER_MAX, FILE_SIZE, &p, NULL, &e), -ENOTSUP);
        ck_assert_ptr_nonnull(strstr(e.msg, "multiboot"));
}
END_TEST

START_TEST(test_setup_sects_zero_means_four)
{
        uint8_t hdr[LINUX_HEADER_MAX];
        struct linux_setup_info info;
        struct tdxh_err e = { 0 };

        make_header(hdr, 0x20f, 0x7f);
        hdr[LINUX_HDR_SETUP_SECTS] = 0;
        ck_assert_int_eq(patch(hdr, 1 * GIB, false, 0, "", &info, &e), 0);
        ck_assert_uint_eq(info.setup_size, 5 * 512);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("linux_setup");
        TCase *tc = tcase_create("linux_setup");

        tcase_add_test(tc, test_q35_below_4g_split);
        tcase_add_loop_test(tc, test_patch_fields_for_memory_sizes, 0, ELEMENTSOF(memory_cases));
        tcase_add_test(tc, test_patch_without_initrd_leaves_ramdisk_fields);
        tcase_add_test(tc, test_patch_empty_initrd_still_sets_ramdisk_fields);
        tcase_add_test(tc, test_protocol_gates);
        tcase_add_test(tc, test_no_hdrs_is_protocol_zero);
        tcase_add_test(tc, test_vga_values);
        tcase_add_test(tc, test_refuses_what_qemu_refuses);
        tcase_add_test(tc, test_setup_sects_zero_means_four);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
