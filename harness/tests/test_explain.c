/* Causes for mismatches built from real data: the trustee OVMF log with one
 * event's digest changed, an event removed, an event inserted; the TD HOB of
 * a 4 GiB guest against a golden file for 2 GiB (TDX-REFERENCE §3.2 values;
 * the log's own TD HOB is the 2 GiB one); a command line changed by one
 * character; an initrd changed; the dstack quote's MRTD against the other
 * page-add pattern. What explain must never say (causes that contradict
 * the inputs, repeated, or about unpredicted registers): test_explain_truth.c. */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/digest.h"
#include "core/event_type.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "explain_fx.h"
#include "fixture_events.h"
#include "compare/explain.h"
#include "testutil.h"

/* TD HOB digests for 2 GiB and 4 GiB (TDX-REFERENCE §3.2). */
#define TD_HOB_2G "0b8772e5b0b41b83e6044a68397e02f49fb47066b4fbe4917ea2c45c64f323fdacbb37948f821ebaf8bc9c938ba8a749"
#define TD_HOB_4G "5b684faf8d02a733945f821d9cdd170802e72103977acf66949c9382500283adc90cbec57f8e7653f8bee1cab83689de"
/* The dstack boot: quote MRTD (two-pass) and the single-pass prediction. */
#define DSTACK_MRTD_TWO_PASS "fd685522ce791dfef67414614eb07d03fc07a32c5a66f36288b329dab92b724b1564c73d436ffb9ea84488c51ac5a1c5"
#define DSTACK_MRTD_PER_PAGE "a6f2ac9451810686a4db259fe8fa5438dc4a58bda9fd2f5b1fb0928335705500d29a15c92387416a2f52dddce99c83f8"

START_TEST(test_explain_match_has_no_causes)
{
        struct fx f;

        fx_init(&f);
        fx_run(&f);
        ck_assert(f.d.match);
        ck_assert_uint_eq(f.x.n_causes, 0);
        fx_done(&f);
}
END_TEST

START_TEST(test_explain_changed_kernel_digest_names_the_kernel)
{
        struct fx f;
        const struct explain_cause *c;
        const char *want = "RTMR1 event 0 (kernel, EV_EFI_BOOT_SERVICES_APPLICATION): kernel image changed";
        uint8_t other[48];

        fx_init(&f);
        memset(other, 0x5a, sizeof(other));
        fixture_set_digest(&f.log, fixture_find(&f.log, "kernel"), other);
        fx_run(&f);
        c = cause(&f, CAUSE_KERNEL);
        ck_assert_int_eq(c->reg, GOLDEN_RTMR1);
        ck_assert_uint_eq(c->observed_pos, 0);
        ck_assert_str_eq(c->what, "kernel");
        ck_assert_str_eq(c->summary, "kernel image changed");
        ck_assert_msg(strncmp(c->text, want, strlen(want)) == 0, "%s", c->text);
        ck_assert_str_eq(c->golden_value, "a2ccae1e7d6c668ca325bb09c882d8ce44d26d714ba6f58d2e8083fe291a704646afe24a2368bca3341728d78ec80a80");
        ck_assert_uint_eq(f.x.n_causes, 1);
        fx_done(&f);
}
END_TEST

START_TEST(test_explain_removed_secure_boot_variable)
{
        struct fx f;
        const struct explain_cause *c;

        fx_init(&f);
        for (size_t i = 0; i < f.log.n_events; i++)
                if (f.log.events[i].detail && strcmp(f.log.events[i].detail, "KEK") == 0) {
                        fixture_remove(&f.log, i);
                        break;
                }
        fx_run(&f);
        c = cause(&f, CAUSE_SECURE_BOOT);
        ck_assert_int_eq(c->reg, GOLDEN_RTMR0);
        ck_assert_uint_eq(c->golden_pos, 4);
        ck_assert_uint_eq(c->observed_pos, ALIGN_NONE);
        ck_assert_ptr_nonnull(strstr(c->text, "RTMR0 golden event 4 (secureboot-var, "
                                              "EV_EFI_VARIABLE_DRIVER_CONFIG): secure-boot variables "
                                              "changed: variable KEK missing"));
        fx_done(&f);
}
END_TEST

static size_t calling_index(const struct evlog *l)
{
        for (size_t i = 0; i < l->n_events; i++)
                if (l->events[i].detail &&
                    strcmp(l->events[i].detail, "Calling EFI Application from Boot Option") == 0)
                        return i;
        ck_abort_msg("no Calling EFI Application event");
        return 0;
}

START_TEST(test_explain_inserted_action_is_boot_flow)
{
        struct fx f;
        const struct explain_cause *c;
        uint8_t dg[48];
        const char *text = "Returning from EFI Application from Boot Option";

        fx_init(&f);
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, text, strlen(text), dg), 0);
        fixture_insert(&f.log, calling_index(&f.log) + 1, 1, EV_EFI_ACTION, dg, "action", text);
        fx_run(&f);
        c = cause(&f, CAUSE_BOOT_FLOW);
        ck_assert_int_eq(c->reg, GOLDEN_RTMR1);
        ck_assert_uint_eq(c->observed_pos, 2);
        ck_assert_ptr_nonnull(strstr(c->text, "the kernel returned to the firmware"));
        ck_assert_ptr_nonnull(strstr(c->text, "not predicted"));
        fx_done(&f);
}
END_TEST

START_TEST(test_explain_memory_2g_golden_against_4g_evidence)
{
        struct fx f;
        const struct explain_cause *c;
        uint8_t hob4[48], hob2[48], k[48];
        size_t hob;

        fx_init(&f);
        hob = fixture_find(&f.log, "td-hob");
        hex48(TD_HOB_2G, hob2);
        ck_assert_mem_eq(f.log.events[hob].sha384, hob2, 48); /* the log's own 2 GiB HOB */
        hex48(TD_HOB_4G, hob4);
        fixture_set_digest(&f.log, hob, hob4);
        /* A patched-header profile: the kernel event follows the memory too. */
        memset(k, 0x77, sizeof(k));
        fixture_set_digest(&f.log, fixture_find(&f.log, "kernel"), k);
        f.ctx.kernel_header_patched = 1;
        ck_assert_int_eq(explain_inputs_add(&f.in, "td-hob", "--memory 4G", NULL, NULL, hob4), 0);
        fx_run(&f);

        ck_assert_int_eq(f.x.causes[0].reg, GOLDEN_RTMR0);
        c = &f.x.causes[0];
        ck_assert_int_eq(c->kind, CAUSE_MEMORY);
        ck_assert_str_eq(c->summary, "memory size changed");
        ck_assert_ptr_nonnull(strstr(c->text, "RTMR0 event 0 (td-hob, EV_EFI_HANDOFF_TABLES2): "
                                              "memory size changed"));
        ck_assert_ptr_nonnull(strstr(c->text, "(golden: 2G)"));
        ck_assert_str_eq(c->golden_value, TD_HOB_2G);
        ck_assert_str_eq(c->observed_value, TD_HOB_4G);
        /* The kernel row is put down to memory as well, not to a new kernel. */
        c = &f.x.causes[1];
        ck_assert_int_eq(c->reg, GOLDEN_RTMR1);
        ck_assert_int_eq(c->kind, CAUSE_MEMORY);
        ck_assert_str_eq(c->summary, "kernel measurement changed with the memory size");
        /* And the input check says which input the observed HOB is. */
        ck_assert_uint_eq(f.x.n_checks, 1);
        ck_assert(f.x.checks[0].matched);
        ck_assert_str_eq(f.x.checks[0].text, "RTMR0 event 0 (td-hob): corresponds to --memory 4G");
        fx_done(&f);
}
END_TEST

START_TEST(test_explain_cmdline_changed_by_one_character)
{
        struct fx f;
        const struct explain_cause *c;
        uint8_t a[48], b[48];
        size_t ci, gi;

        fx_init(&f);
        fixture_cmdline_digest("console=ttyS0 quiet", a);
        fixture_cmdline_digest("console=ttyS0 quiet2", b);
        gi = golden_index(&f.g, "cmdline");
        memcpy(f.g.events[gi].digest, a, 48);
        free(f.g.events[gi].detail);
        f.g.events[gi].detail = strdup("console=ttyS0 quiet");
        f.g.regs[GOLDEN_RTMR2].known = false; /* not needed for the event diff */
        ci = fixture_find(&f.log, "cmdline");
        fixture_set_digest(&f.log, ci, b);

        /* The tagged event carries only its tag: the observed text is not known... */
        fx_run(&f);
        c = cause(&f, CAUSE_CMDLINE);
        ck_assert_ptr_nonnull(strstr(c->text, "golden 'console=ttyS0 quiet', observed not in the log"));
        explain_result_free(&f.x);
        diff_result_free(&f.d);

        /* ...until --cmdline gives a candidate whose digest matches. */
        ck_assert_int_eq(explain_inputs_add(&f.in, "cmdline", "--cmdline", "no initrd",
                                            "console=ttyS0 quiet2", b),
                         0);
        fx_run(&f);
        c = cause(&f, CAUSE_CMDLINE);
        ck_assert_str_eq(c->text, "RTMR2 event 0 (cmdline, EV_EVENT_TAG): command line changed: "
                                  "golden 'console=ttyS0 quiet' observed 'console=ttyS0 quiet2' "
                                  "(the --cmdline given, whose digest matches)");
        ck_assert_str_eq(c->golden_value, "console=ttyS0 quiet");
        ck_assert_str_eq(c->observed_value, "console=ttyS0 quiet2");
        explain_result_free(&f.x);
        diff_result_free(&f.d);

        /* A log whose event data carries the text (EV_IPL kernel_cmdline). */
        explain_inputs_free(&f.in);
        fixture_set_detail(&f.log, ci, "kernel_cmdline: console=ttyS0 quiet2");
        fx_run(&f);
        c = cause(&f, CAUSE_CMDLINE);
        ck_assert_str_eq(c->text, "RTMR2 event 0 (cmdline, EV_EVENT_TAG): command line changed: "
                                  "golden 'console=ttyS0 quiet' observed 'console=ttyS0 quiet2'");
        ck_assert_int_eq(c->confidence, EXPLAIN_CERTAIN);
        fx_done(&f);
}
END_TEST

START_TEST(test_explain_cmdline_initrd_placement_is_edk2_generation)
{
        struct fx f;
        const struct explain_cause *c;
        uint8_t a[48], b[48];
        size_t gi, ci;

        fx_init(&f);
        fixture_cmdline_digest("console=ttyS0 initrd=initrd", a);
        fixture_cmdline_digest("initrd=initrd console=ttyS0", b);
        gi = golden_index(&f.g, "cmdline");
        memcpy(f.g.events[gi].digest, a, 48);
        free(f.g.events[gi].detail);
        f.g.events[gi].detail = strdup("console=ttyS0 initrd=initrd");
        ci = fixture_find(&f.log, "cmdline");
        fixture_set_digest(&f.log, ci, b);
        fixture_set_detail(&f.log, ci, "initrd=initrd console=ttyS0");
        fx_run(&f);
        c = cause(&f, CAUSE_EDK2_GENERATION);
        ck_assert_str_eq(c->summary, "command line encoding changed");
        ck_assert_ptr_nonnull(strstr(c->text, "stable202508"));
        fx_done(&f);
}
END_TEST

START_TEST(test_explain_initrd_changed_and_input_check)
{
        struct fx f;
        const struct explain_cause *c;
        uint8_t other[48], cand[48];

        fx_init(&f);
        memset(other, 0x99, sizeof(other));
        fixture_set_digest(&f.log, fixture_find(&f.log, "initrd"), other);
        /* The given --initrd is the golden one, not the one that booted. */
        memcpy(cand, f.g.events[golden_index(&f.g, "initrd")].digest, 48);
        ck_assert_int_eq(explain_inputs_add(&f.in, "initrd", "--initrd initrd.img", NULL, NULL, cand), 0);
        fx_run(&f);
        c = cause(&f, CAUSE_INITRD);
        ck_assert_int_eq(c->reg, GOLDEN_RTMR2);
        ck_assert_str_eq(c->summary, "initrd changed");
        ck_assert_ptr_nonnull(strstr(c->text, "RTMR2 event 1 (initrd, EV_EVENT_TAG): initrd changed"));
        ck_assert_uint_eq(f.x.n_checks, 1);
        ck_assert(!f.x.checks[0].matched);
        ck_assert_str_eq(f.x.checks[0].text,
                         "RTMR2 event 1 (initrd): does not correspond to --initrd initrd.img");
        fx_done(&f);
}
END_TEST

START_TEST(test_explain_separator_moved_between_generations)
{
        struct fx f;
        const struct explain_cause *c;
        uint8_t sep[48];
        size_t last0 = 0;

        fx_init(&f);
        /* Make the observed log look like edk2 >= stable202411: the
         * ReadyToBoot separator leaves RTMR0 (the last RTMR0 event) for
         * RTMR1, after "Calling EFI Application". */
        for (size_t i = 0; i < f.log.n_events; i++)
                if (f.log.events[i].rtmr == 0)
                        last0 = i;
        ck_assert_str_eq(f.log.events[last0].what, "separator");
        memcpy(sep, f.log.events[last0].sha384, 48);
        fixture_remove(&f.log, last0);
        fixture_insert(&f.log, calling_index(&f.log) + 1, 1, EV_SEPARATOR, sep, "separator", NULL);
        fx_run(&f);
        c = cause(&f, CAUSE_EDK2_GENERATION);
        ck_assert_int_eq(c->reg, GOLDEN_RTMR0);
        ck_assert_str_eq(c->summary, "ReadyToBoot separator moved");
        ck_assert_ptr_nonnull(strstr(c->text, "from RTMR0 to RTMR1: the firmware is edk2 stable202411 or newer, "
                                              "the golden file's profile (tdx-edk2-202302-qemu-10.1) is not"));
        /* Both rows are explained by it; nothing else is blamed. */
        ck_assert_uint_eq(f.x.n_causes, 2);
        ck_assert_int_eq(f.x.causes[1].reg, GOLDEN_RTMR1);
        ck_assert_int_eq(f.x.causes[1].kind, CAUSE_EDK2_GENERATION);
        fx_done(&f);
}
END_TEST

START_TEST(test_explain_new_fwcfg_events_are_edk2_generation)
{
        struct fx f;
        const struct explain_cause *c;
        uint8_t d[48];

        fx_init(&f);
        hex48("1dd6f7b457ad880d840d41c961283bab688e94e4b59359ea45686581e90feccea3c624b1226113f824f315eb60ae0a7c", d);
        fixture_insert(&f.log, 2, 0, EV_PLATFORM_CONFIG_FLAGS, d, "fwcfg", "BootMenu");
        fx_run(&f);
        c = cause(&f, CAUSE_EDK2_GENERATION);
        ck_assert_ptr_nonnull(strstr(c->text, "1 fw_cfg item event the golden file does not predict: "
                                              "edk2 stable202505 and newer"));
        ck_assert_uint_eq(f.x.n_causes, 1);
        fx_done(&f);
}
END_TEST

/* A log that does not replay proves nothing about its register: that is
 * the one cause given, not followed by causes drawn from its events. */
START_TEST(test_explain_log_not_replaying_is_the_only_cause)
{
        struct fx f;
        uint8_t other[48];

        fx_init(&f);
        for (int i = 0; i < 4; i++) {
                hex48(fixture_trustee_rtmr_hex[i], f.obs.reg[GOLDEN_RTMR0 + i]);
                f.obs.have_reg[GOLDEN_RTMR0 + i] = true;
        }
        memset(other, 0x21, sizeof(other));
        fixture_set_digest(&f.log, fixture_find(&f.log, "acpi-tables"), other);
        fx_run(&f);
        ck_assert_uint_eq(f.x.n_causes, 1);
        ck_assert_int_eq(f.x.causes[0].kind, CAUSE_LOG_NOT_REPLAYING);
        ck_assert_int_eq(f.x.causes[0].reg, GOLDEN_RTMR0);
        ck_assert_ptr_nonnull(strstr(f.x.causes[0].text, "nothing it says about RTMR0 can be trusted"));
        fx_done(&f);
}
END_TEST

START_TEST(test_explain_page_add_pattern_from_inputs_and_profiles)
{
        struct fx f;
        struct golden alt = { 0 };
        struct explain_alternative alts[1];
        const struct explain_cause *c;
        uint8_t per_page[48], two_pass[48];

        fx_init(&f);
        hex48(DSTACK_MRTD_PER_PAGE, per_page);
        hex48(DSTACK_MRTD_TWO_PASS, two_pass);
        f.g.regs[GOLDEN_MRTD].present = f.g.regs[GOLDEN_MRTD].known = true;
        memcpy(f.g.regs[GOLDEN_MRTD].value, per_page, 48);
        f.obs.have_reg[GOLDEN_MRTD] = true;
        memcpy(f.obs.reg[GOLDEN_MRTD], two_pass, 48); /* the dstack quote's MRTD */
        f.obs.log = NULL;
        ck_assert_int_eq(explain_inputs_add(&f.in, "mrtd", "--firmware OVMF.fd", "per-page", NULL, per_page), 0);
        ck_assert_int_eq(explain_inputs_add(&f.in, "mrtd", "--firmware OVMF.fd", "two-pass", NULL, two_pass), 0);
        fx_run(&f);
        c = cause(&f, CAUSE_PAGE_ADD);
        ck_assert_int_eq(c->reg, GOLDEN_MRTD);
        ck_assert_str_eq(c->text, "MRTD: page-add pattern differs: MRTD equals --firmware OVMF.fd "
                                  "measured with the two-pass page-add pattern, the golden file "
                                  "assumes per-page: the host's KVM/QEMU adds the firmware pages "
                                  "in the other order");
        ck_assert(f.x.checks[0].matched);
        ck_assert_str_eq(f.x.checks[0].variant, "two-pass");
        explain_result_free(&f.x);
        diff_result_free(&f.d);

        /* The same found through a golden file for another profile, which
         * then also matches the evidence as a whole. */
        explain_inputs_free(&f.in);
        alt.profile_name = (char *)"tdx-edk2-202411-qemu-pre";
        alt.page_add = (char *)"two-pass";
        alt.regs[GOLDEN_MRTD].present = alt.regs[GOLDEN_MRTD].known = true;
        memcpy(alt.regs[GOLDEN_MRTD].value, two_pass, 48);
        alts[0] = (struct explain_alternative){ .profile = "tdx-edk2-202411-qemu-pre", .golden = &alt };
        f.ctx.alternatives = alts;
        f.ctx.n_alternatives = 1;
        fx_run(&f);
        ck_assert_int_eq(f.x.causes[0].reg, EXPLAIN_ALL_REGISTERS);
        ck_assert_int_eq(f.x.causes[0].kind, CAUSE_PROFILE);
        ck_assert_ptr_nonnull(strstr(f.x.causes[0].text, "match profile tdx-edk2-202411-qemu-pre, not "
                                                         "the golden file's profile (tdx-edk2-202302-qemu-10.1)"));
        c = cause(&f, CAUSE_PAGE_ADD);
        ck_assert_ptr_nonnull(strstr(c->text, "(profile tdx-edk2-202411-qemu-pre)"));
        ck_assert_uint_eq(f.x.n_profiles, 1);
        ck_assert(f.x.profiles[0].match);
        fx_done(&f);
}
END_TEST

START_TEST(test_explain_unexpected_rtmr3_content)
{
        struct fx f;
        const struct explain_cause *c;
        uint8_t d[48];

        fx_init(&f);
        memset(d, 0x33, sizeof(d));
        fixture_insert(&f.log, f.log.n_events, 3, 0x08000001, d, "rtmr3", "compose-hash");
        fx_run(&f);
        c = cause(&f, CAUSE_RTMR3);
        ck_assert_int_eq(c->reg, GOLDEN_RTMR3);
        ck_assert_str_eq(c->summary, "unexpected RTMR3 content");
        ck_assert_str_eq(c->text, "RTMR3 event 0 (rtmr3, 0x08000001): unexpected RTMR3 content: 1 event "
                                  "differs: 'compose-hash' not predicted; RTMR3 is extended by the guest "
                                  "at run time (an agent, the workload), not by the firmware");
        fx_done(&f);
}
END_TEST

START_TEST(test_explain_causes_are_ordered_by_register_and_rendered)
{
        struct fx f;
        uint8_t a[48];
        struct buf b = BUF_INIT;
        json_object *j = NULL, *v;
        int last = -2;

        fx_init(&f);
        memset(a, 0x44, sizeof(a));
        fixture_set_digest(&f.log, fixture_find(&f.log, "initrd"), a);
        fixture_set_digest(&f.log, fixture_find(&f.log, "cfv"), a);
        fixture_set_digest(&f.log, fixture_find(&f.log, "kernel"), a);
        f.g.regs[GOLDEN_MRTD].present = true; /* unknown */
        f.obs.have_reg[GOLDEN_MRTD] = true;
        fx_run(&f);
        for (size_t i = 0; i < f.x.n_causes; i++) {
                ck_assert_int_ge(f.x.causes[i].reg, last);
                last = f.x.causes[i].reg;
        }
        ck_assert_uint_eq(f.x.n_causes, 3);
        ck_assert_int_eq(explain_format_text(&f.d, &f.x, -1, &b), 0);
        /* register block, then its causes */
        ck_assert_ptr_nonnull(strstr(b.data, "RTMR0: MISMATCH\n"));
        ck_assert_ptr_nonnull(strstr(b.data, "  causes:\n    [likely] RTMR0 event 1 (cfv, "
                                             "EV_EFI_PLATFORM_FIRMWARE_BLOB2): firmware changed"));
        ck_assert(strstr(b.data, "RTMR1: MISMATCH") < strstr(b.data, "kernel image changed"));
        ck_assert(strstr(b.data, "kernel image changed") < strstr(b.data, "RTMR2: MISMATCH"));
        ck_assert_ptr_nonnull(strstr(b.data, "result: the evidence does NOT match the golden file\n"));
        buf_free(&b);
        ck_assert_int_eq(explain_to_json(&f.d, &f.x, false, &j), 0);
        ck_assert_str_eq(json_object_get_string(json_object_object_get(j, "schema")), EXPLAIN_SCHEMA);
        ck_assert(json_object_object_get_ex(j, "causes", &v));
        ck_assert_uint_eq(json_object_array_length(v), 3);
        v = json_object_array_get_idx(v, 2);
        ck_assert_str_eq(json_object_get_string(json_object_object_get(v, "register")), "rtmr2");
        ck_assert_str_eq(json_object_get_string(json_object_object_get(v, "kind")), "initrd");
        ck_assert_int_eq(json_object_get_int(json_object_object_get(v, "observed_event")), 1);
        ck_assert(json_object_object_get_ex(j, "input_checks", &v));
        ck_assert(json_object_object_get_ex(j, "profiles", &v));
        json_object_put(j);
        fx_done(&f);
}
END_TEST

/* One row rule per entry: the golden event labelled what (with detail)
 * changed, or an observed event added, and the cause that must follow. */
START_TEST(test_explain_catalogue_of_row_causes)
{
        static const struct {
                bool insert;        /* add an observed event instead of changing one */
                const char *what;   /* the event changed, or the label of the one added */
                const char *detail; /* detail of the added event */
                uint32_t type;      /* type of the added event */
                int rtmr;
                enum explain_kind kind;
                const char *text;   /* expected in the cause's text */
        } cases[] = {
                { false, "boot-var", NULL, 0, 0, CAUSE_BOOT_ORDER, "boot order changed: variable BootOrder changed" },
                { false, "cfv", NULL, 0, 0, CAUSE_FIRMWARE, "the configuration volume (CFV) changed" },
                { false, "acpi-tables", NULL, 0, 0, CAUSE_ACPI, "the tables (etc/acpi/tables) changed" },
                { true, "grub", "File(\\EFI\\BOOT\\grubx64.efi)", EV_EFI_BOOT_SERVICES_APPLICATION, 1,
                  CAUSE_BOOT_FLOW, "boot path differs: grub 'File(\\EFI\\BOOT\\grubx64.efi)' not predicted" },
                { true, "authority", "db: Microsoft UEFI CA", EV_EFI_VARIABLE_AUTHORITY, 0, CAUSE_SECURE_BOOT,
                  "secure-boot authority changed: 'db: Microsoft UEFI CA' not predicted" },
                { true, "unknown", "?", EV_NONHOST_INFO, 2, CAUSE_EVENT, "event not predicted: '?'" },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct fx f;
                const struct explain_cause *c;
                uint8_t d[48];

                fx_init(&f);
                memset(d, 0x60 + (int)i, sizeof(d));
                if (cases[i].insert)
                        fixture_insert(&f.log, f.log.n_events, cases[i].rtmr, cases[i].type, d, cases[i].what,
                                       cases[i].detail);
                else
                        fixture_set_digest(&f.log, fixture_find(&f.log, cases[i].what), d);
                fx_run(&f);
                c = cause(&f, cases[i].kind);
                ck_assert_msg(strstr(c->text, cases[i].text) != NULL, "case %zu: %s", i, c->text);
                ck_assert_msg(f.x.n_causes == 1, "case %zu: %zu causes", i, f.x.n_causes);
                fx_done(&f);
        }
}
END_TEST

START_TEST(test_explain_register_causes_without_events)
{
        struct fx f;
        const struct explain_cause *c;

        /* No event log: RTMR1 differs and nothing says why; MRTD differs
         * and no --firmware was given. */
        fx_init(&f);
        f.obs.log = NULL;
        f.obs.have_reg[GOLDEN_RTMR1] = true;
        memset(f.obs.reg[GOLDEN_RTMR1], 0x12, 48);
        f.g.regs[GOLDEN_MRTD].present = f.g.regs[GOLDEN_MRTD].known = true;
        f.obs.have_reg[GOLDEN_MRTD] = true;
        memset(f.obs.reg[GOLDEN_MRTD], 0x13, 48);
        fx_run(&f);
        ck_assert_uint_eq(f.x.n_causes, 2);
        c = &f.x.causes[0];
        ck_assert_int_eq(c->kind, CAUSE_FIRMWARE);
        ck_assert_ptr_nonnull(strstr(c->text, "MRTD: firmware image changed: MRTD covers the TD firmware"));
        c = &f.x.causes[1];
        ck_assert_int_eq(c->kind, CAUSE_REGISTER);
        ck_assert_str_eq(c->text, "RTMR1: register differs: no event log was given: give the event log "
                                  "(CCEL) to see which event differs");
        fx_done(&f);

        /* A golden file whose events do not fold to its value. */
        fx_init(&f);
        f.g.regs[GOLDEN_RTMR2].value[0] ^= 1;
        fx_run(&f);
        c = cause(&f, CAUSE_GOLDEN_INCONSISTENT);
        ck_assert_int_eq(c->reg, GOLDEN_RTMR2);
        ck_assert_int_eq(c->confidence, EXPLAIN_CERTAIN);
        fx_done(&f);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("explain");
        TCase *tc = tcase_create("explain");

        tcase_add_test(tc, test_explain_match_has_no_causes);
        tcase_add_test(tc, test_explain_changed_kernel_digest_names_the_kernel);
        tcase_add_test(tc, test_explain_removed_secure_boot_variable);
        tcase_add_test(tc, test_explain_inserted_action_is_boot_flow);
        tcase_add_test(tc, test_explain_memory_2g_golden_against_4g_evidence);
        tcase_add_test(tc, test_explain_cmdline_changed_by_one_character);
        tcase_add_test(tc, test_explain_cmdline_initrd_placement_is_edk2_generation);
        tcase_add_test(tc, test_explain_initrd_changed_and_input_check);
        tcase_add_test(tc, test_explain_separator_moved_between_generations);
        tcase_add_test(tc, test_explain_new_fwcfg_events_are_edk2_generation);
        tcase_add_test(tc, test_explain_log_not_replaying_is_the_only_cause);
        tcase_add_test(tc, test_explain_page_add_pattern_from_inputs_and_profiles);
        tcase_add_test(tc, test_explain_unexpected_rtmr3_content);
        tcase_add_test(tc, test_explain_causes_are_ordered_by_register_and_rendered);
        tcase_add_test(tc, test_explain_catalogue_of_row_causes);
        tcase_add_test(tc, test_explain_register_causes_without_events);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
