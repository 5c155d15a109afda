/* What explain must never say, on the trustee OVMF log with one thing
 * changed: causes for a register the golden file does not predict; the same
 * cause once per event instead of once with a count; a lesser cause first;
 * a cause that contradicts the inputs (an initrd-only change put down to the
 * kernel, the golden file's own kernel at another memory size called a new
 * kernel); "firmware changed" for a NIC's option ROM. */
#include <stdlib.h>
#include <string.h>

#include "core/digest.h"
#include "core/event_type.h"
#include "explain_fx.h"
#include "fixture_events.h"
#include "testutil.h"

/* A golden file computed without --kernel predicts neither RTMR1 nor RTMR2
 * and lists none of their events: both are unknown, and nothing is said
 * about them (no "extra boot application", no "empty command line"). */
START_TEST(test_explain_unpredicted_register_is_unknown_without_causes)
{
        struct fx f;
        size_t n = 0;

        fx_init(&f);
        for (size_t i = 0; i < f.g.n_events; i++) {
                if (f.g.events[i].rtmr == 1 || f.g.events[i].rtmr == 2) {
                        free(f.g.events[i].what);
                        free(f.g.events[i].detail);
                        continue;
                }
                f.g.events[n++] = f.g.events[i];
        }
        f.g.n_events = n;
        ck_assert_int_eq(golden_set_unknown(&f.g, GOLDEN_RTMR1, "no --kernel given"), 0);
        ck_assert_int_eq(golden_set_unknown(&f.g, GOLDEN_RTMR2, "no --kernel given"), 0);
        fx_run(&f);
        ck_assert_int_eq(f.d.regs[GOLDEN_RTMR1].status, DIFF_REG_UNKNOWN);
        ck_assert_int_eq(f.d.regs[GOLDEN_RTMR2].status, DIFF_REG_UNKNOWN);
        ck_assert_uint_eq(f.d.regs[GOLDEN_RTMR1].n_rows, 0);
        ck_assert(f.d.match);
        ck_assert_uint_eq(f.x.n_causes, 0);
        fx_done(&f);
}
END_TEST

/* Three boot-path events of one kind (GRUB commands) are one cause that
 * counts them and names the others, not three lines alike. */
START_TEST(test_explain_identical_causes_are_counted_once)
{
        static const char *const cmds[] = { "set timeout=0", "set default=2", "linux /vmlinuz.A" };
        struct fx f;
        uint8_t d[48];
        const struct explain_cause *c;

        fx_init(&f);
        for (size_t i = 0; i < 3; i++) {
                ck_assert_int_eq(digest_buf(DIGEST_SHA384, cmds[i], strlen(cmds[i]), d), 0);
                fixture_insert(&f.log, f.log.n_events, 2, EV_IPL, d, "grub-cmd", cmds[i]);
        }
        fx_run(&f);
        ck_assert_uint_eq(f.x.n_causes, 1);
        c = cause(&f, CAUSE_BOOT_FLOW);
        ck_assert_uint_eq(c->count, 3);
        ck_assert_str_eq(c->subject, "set timeout=0");
        ck_assert_msg(strstr(c->text, "grub-cmd 'set timeout=0' not predicted") &&
                      strstr(c->text, "and 2 more like it: 'set default=2', 'linux /vmlinuz.A'"),
                      "%s", c->text);
        ck_assert_uint_eq(c->positions[1], c->positions[0] + 1);
        fx_done(&f);
}
END_TEST

/* Within a register, the cause that accounts for more of the difference
 * comes before one of the same confidence that accounts for less. */
START_TEST(test_explain_causes_ranked_by_what_they_account_for)
{
        static const char *const cmds[] = { "set timeout=0", "set default=2" };
        static const char action[] = "Returning from EFI Application from Boot Option";
        struct fx f;
        uint8_t d[48];

        fx_init(&f);
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, action, strlen(action), d), 0);
        fixture_insert(&f.log, f.log.n_events, 2, EV_EFI_ACTION, d, "action", action);
        for (size_t i = 0; i < 2; i++) {
                ck_assert_int_eq(digest_buf(DIGEST_SHA384, cmds[i], strlen(cmds[i]), d), 0);
                fixture_insert(&f.log, f.log.n_events, 2, EV_IPL, d, "grub-cmd", cmds[i]);
        }
        fx_run(&f);
        ck_assert_uint_eq(f.x.n_causes, 2);
        ck_assert_uint_eq(f.x.causes[0].count, 2);
        ck_assert_str_eq(f.x.causes[0].summary, "boot path differs");
        ck_assert_uint_eq(f.x.causes[1].count, 1);
        ck_assert_str_eq(f.x.causes[1].summary, "boot flow differs");
        fx_done(&f);
}
END_TEST

/* Only the initrd changed: QEMU writes its size into the kernel's header,
 * so the kernel event changed too. With the golden file's own kernel given,
 * both rows are put down to the initrd, with certainty, and nothing blames
 * the kernel. */
START_TEST(test_explain_initrd_only_change_is_not_blamed_on_the_kernel)
{
        struct fx f;
        uint8_t k[48], i[48];

        fx_init(&f);
        f.g.memory = 2ull << 30;
        f.ctx.kernel_header_patched = 1;
        memset(k, 0x77, sizeof(k));
        memset(i, 0x55, sizeof(i));
        fixture_set_digest(&f.log, fixture_find(&f.log, "kernel"), k);
        fixture_set_digest(&f.log, fixture_find(&f.log, "initrd"), i);
        add_candidate(&f, "kernel", "--kernel vmlinuz", "patched header, memory 2G, initrd of 5 bytes",
                      2ull << 30, 1, k);
        add_candidate(&f, "initrd", "--initrd new.img", NULL, 0, 0, i);
        fx_run(&f);
        ck_assert_uint_eq(f.x.n_causes, 2);
        for (size_t n = 0; n < f.x.n_causes; n++) {
                ck_assert_int_eq(f.x.causes[n].kind, CAUSE_INITRD);
                ck_assert_int_eq(f.x.causes[n].confidence, EXPLAIN_CERTAIN);
        }
        ck_assert_int_eq(f.x.causes[0].reg, GOLDEN_RTMR1);
        ck_assert_ptr_nonnull(strstr(f.x.causes[0].text, "the kernel is the one the golden file was "
                                                         "computed from (--kernel vmlinuz)"));
        ck_assert_int_eq(f.x.causes[1].reg, GOLDEN_RTMR2);
        ck_assert_ptr_nonnull(strstr(f.x.causes[1].text, "the observed initrd is --initrd new.img"));
        fx_done(&f);
}
END_TEST

/* Without the kernel file, an initrd change on a patched-header profile is
 * the possible cause of the kernel row, not a "kernel image changed". */
START_TEST(test_explain_initrd_change_without_kernel_is_possible)
{
        struct fx f;
        uint8_t k[48], i[48];

        fx_init(&f);
        f.ctx.kernel_header_patched = 1;
        memset(k, 0x77, sizeof(k));
        memset(i, 0x55, sizeof(i));
        fixture_set_digest(&f.log, fixture_find(&f.log, "kernel"), k);
        fixture_set_digest(&f.log, fixture_find(&f.log, "initrd"), i);
        fx_run(&f);
        ck_assert_int_eq(f.x.causes[0].reg, GOLDEN_RTMR1);
        ck_assert_int_eq(f.x.causes[0].kind, CAUSE_INITRD);
        ck_assert_int_eq(f.x.causes[0].confidence, EXPLAIN_POSSIBLE);
        ck_assert_ptr_nonnull(strstr(f.x.causes[0].text, "give --kernel to tell"));
        fx_done(&f);
}
END_TEST

/* The golden file's own kernel, booted with another memory size: the input
 * check and the cause agree, and the cause names both sizes. */
START_TEST(test_explain_same_kernel_other_memory_names_the_memory)
{
        struct fx f;
        const struct explain_cause *c;
        uint8_t k[48];

        fx_init(&f);
        f.g.memory = 2ull << 30;
        f.ctx.kernel_header_patched = 1;
        memset(k, 0x77, sizeof(k));
        fixture_set_digest(&f.log, fixture_find(&f.log, "kernel"), k);
        add_candidate(&f, "kernel", "--kernel vmlinuz", "patched header, memory 1G, no initrd",
                      1ull << 30, 1, k);
        fx_run(&f);
        ck_assert_uint_eq(f.x.n_causes, 1);
        c = cause(&f, CAUSE_MEMORY);
        ck_assert_int_eq(c->confidence, EXPLAIN_CERTAIN);
        ck_assert_ptr_nonnull(strstr(c->text, "memory size changed: golden 2G, observed 1G"));
        ck_assert_uint_eq(f.x.n_checks, 1);
        ck_assert(f.x.checks[0].matched);
        fx_done(&f);
}
END_TEST

/* Another kernel file, given and matching: certain, and named. */
START_TEST(test_explain_other_kernel_given_is_certain)
{
        struct fx f;
        const struct explain_cause *c;
        uint8_t k[48];

        fx_init(&f);
        f.g.memory = 2ull << 30;
        memset(k, 0x77, sizeof(k));
        fixture_set_digest(&f.log, fixture_find(&f.log, "kernel"), k);
        add_candidate(&f, "kernel", "--kernel vmlinuz-new", "unpatched", 0, 0, k);
        fx_run(&f);
        c = cause(&f, CAUSE_KERNEL);
        ck_assert_int_eq(c->confidence, EXPLAIN_CERTAIN);
        ck_assert_ptr_nonnull(strstr(c->text, "kernel image changed: the observed kernel is "
                                              "--kernel vmlinuz-new"));
        fx_done(&f);
}
END_TEST

/* The golden file's command line, in every form, does not give the observed
 * digest: the command line certainly changed, though the log cannot say to
 * what. */
START_TEST(test_explain_cmdline_not_the_golden_ones_in_any_form_is_certain)
{
        struct fx f;
        const struct explain_cause *c;
        uint8_t d[48];

        fx_init(&f);
        free(f.g.cmdline);
        f.g.cmdline = strdup("console=ttyS0");
        memset(d, 0x33, sizeof(d));
        fixture_set_digest(&f.log, fixture_find(&f.log, "cmdline"), d);
        memset(d, 0x44, sizeof(d));
        ck_assert_int_eq(explain_inputs_add(&f.in, "cmdline", "the golden file's command line",
                                            "initrd=initrd last", "console=ttyS0 initrd=initrd", d), 0);
        fx_run(&f);
        c = cause(&f, CAUSE_CMDLINE);
        ck_assert_int_eq(c->confidence, EXPLAIN_CERTAIN);
        ck_assert_msg(strstr(c->text, "the observed digest is not that of the golden file's "
                                      "'console=ttyS0' in any form"), "%s", c->text);
        fx_done(&f);
}
END_TEST

/* The fixture with an option ROM's driver (digest d, all 0x66) measured
 * before the kernel. */
static void insert_option_rom(struct fx *f, uint8_t d[48], const char *path)
{
        fx_init(f);
        memset(d, 0x66, 48);
        fixture_insert(&f->log, fixture_find(&f->log, "kernel"), 1, EV_EFI_BOOT_SERVICES_DRIVER, d,
                       "option-rom", path);
}

/* A NIC's option ROM that QEMU added: named as such, with the device and
 * how to drop it; not "firmware changed". */
START_TEST(test_explain_option_rom_is_named)
{
        struct fx f;
        const struct explain_cause *c;
        uint8_t d[48];

        insert_option_rom(&f, d, "PciRoot(0x0)/Pci(0x2,0x0)/Offset(0x0,0x3b5ff)");
        fx_run(&f);
        ck_assert_uint_eq(f.x.n_causes, 1);
        c = cause(&f, CAUSE_OPTION_ROM);
        ck_assert_str_eq(c->summary, "PCI option ROM measured, not predicted");
        ck_assert_msg(strstr(c->text, "PCI device 00:02.0 (PciRoot(0x0)/Pci(0x2,0x0)/Offset(0x0,0x3b5ff))") &&
                              strstr(c->text, "romfile=") && strstr(c->text, "-nic none") &&
                              strstr(c->text, "--option-rom 00:02.0=ROM"),
                      "%s", c->text);
        fx_done(&f);
}
END_TEST

/* When the digest is that of one of QEMU's ROMs (the inputs tried them),
 * the cause names the file and the option that predicts it. */
START_TEST(test_explain_option_rom_names_qemus_rom)
{
        struct fx f;
        const struct explain_cause *c;
        uint8_t d[48];

        insert_option_rom(&f, d, "PciRoot(0x0)/Pci(0x3,0x0)/Offset(0x12800,0x3cdff)");
        ck_assert_int_eq(explain_inputs_add(&f.in, "option-rom", "QEMU's option ROMs in /roms",
                                            "/roms/efi-virtio.rom", NULL, d), 0);
        fx_run(&f);
        c = cause(&f, CAUSE_OPTION_ROM);
        ck_assert_int_eq(c->confidence, EXPLAIN_CERTAIN);
        ck_assert_msg(strstr(c->text, "EFI driver of /roms/efi-virtio.rom, QEMU's ROM in the PCI device 00:03.0") &&
                              strstr(c->text, "tdxh golden compute --option-rom 00:03.0=/roms/efi-virtio.rom"),
                      "%s", c->text);
        fx_done(&f);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("explain_truth");
        TCase *tc = tcase_create("explain_truth");

        tcase_add_test(tc, test_explain_unpredicted_register_is_unknown_without_causes);
        tcase_add_test(tc, test_explain_identical_causes_are_counted_once);
        tcase_add_test(tc, test_explain_causes_ranked_by_what_they_account_for);
        tcase_add_test(tc, test_explain_initrd_only_change_is_not_blamed_on_the_kernel);
        tcase_add_test(tc, test_explain_initrd_change_without_kernel_is_possible);
        tcase_add_test(tc, test_explain_same_kernel_other_memory_names_the_memory);
        tcase_add_test(tc, test_explain_other_kernel_given_is_certain);
        tcase_add_test(tc, test_explain_cmdline_not_the_golden_ones_in_any_form_is_certain);
        tcase_add_test(tc, test_explain_option_rom_is_named);
        tcase_add_test(tc, test_explain_option_rom_names_qemus_rom);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
