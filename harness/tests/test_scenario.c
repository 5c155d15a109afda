/* Scenario files (check/scenario.h, docs/scenarios.md): every step with every
 * form of its options read with the defaults filled in; every broken input
 * refused with exactly one "FILE:LINE:COLUMN: message" line; a boot's platform
 * from the step, then the file; no input, however cut, crashes or leaks.
 * Matrices, files and the library: test_scenario_files.c. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/scenario.h"
#include "core/file.h"
#include "core/hex.h"
#include "testutil.h"

#define FILE_NAME "dir/s.yaml"
/* Files whose steps start on line 4, after a boot. */
#define HEAD "name: t\nsteps:\n  - boot\n"
#define DEFAULT_POLICY (POLICY_MRTD | POLICY_RTMR0 | POLICY_RTMR1 | POLICY_RTMR2)
#define HEX96 "0ffe22b285544d177fb0d8189913038600384e529f714af08c608cc9ef971c99016b8214025329dc28534d7a6454e415"
/* HEX96 less its last digit */
#define HEX95 "0ffe22b285544d177fb0d8189913038600384e529f714af08c608cc9ef971c99016b8214025329dc28534d7a6454e41"
#define HEX128 HEX96 "00112233445566778899aabbccddeeff"

static void parse_ok(const char *yaml, struct scenario *s)
{
        struct tdxh_err e = { 0 };
        int r = scenario_parse(FILE_NAME, yaml, strlen(yaml), s, &e);

        ck_assert_msg(r == 0, "refused (%d): %s\n--- input:\n%s", r, e.msg, yaml);
        ck_assert_str_eq(s->path, FILE_NAME);
}

/* ---- valid files: each case checks the steps after the first boot ---- */

static void check_bare_boot(const struct scenario *s)
{
        const struct step *st = &s->steps[0];

        ck_assert_uint_eq(s->n_steps, 1);
        ck_assert_int_eq(st->kind, STEP_BOOT);
        ck_assert_ptr_null(st->name);
        ck_assert(!st->expect_fail);
        ck_assert_uint_eq(st->line, 3);
        ck_assert_uint_eq(st->column, 5);
        ck_assert_uint_eq(st->boot.memory, 0);
        ck_assert_uint_eq(st->boot.vcpus, 0);
        ck_assert_uint_eq(st->boot.timeout_s, 0);
        ck_assert_ptr_null(st->boot.cmdline);
        ck_assert_ptr_null(st->boot.kernel);
        ck_assert_ptr_null(st->boot.initrd);
        ck_assert(!st->boot.initrd_tampered);
        ck_assert_ptr_null(st->boot.firmware);
        ck_assert_ptr_null(s->description);
        ck_assert_ptr_null(s->image);
        ck_assert_uint_eq(s->platform.memory, 0);
}

static void check_boot_options(const struct scenario *s)
{
        const struct step_platform *b = &s->steps[0].boot;

        ck_assert_uint_eq(b->memory, 2ull << 30);
        ck_assert_uint_eq(b->vcpus, 4);
        ck_assert_str_eq(b->cmdline, "console=ttyS0 quiet debug");
        ck_assert_str_eq(b->kernel, "dir/k/vmlinuz");
        ck_assert_str_eq(b->initrd, "/abs/initrd.img");
        ck_assert_str_eq(b->firmware, "dir/../fw/OVMF.fd");
        ck_assert_uint_eq(b->timeout_s, 86400);
        ck_assert(!b->initrd_tampered);
}

static void check_reboot_tampered(const struct scenario *s)
{
        const struct step *st = &s->steps[1];

        ck_assert_int_eq(st->kind, STEP_REBOOT);
        ck_assert(st->boot.initrd_tampered);
        ck_assert_ptr_null(st->boot.initrd);
        ck_assert_uint_eq(st->boot.vcpus, 1);
        ck_assert_str_eq(st->boot.cmdline, "");
}

static void check_top_level(const struct scenario *s)
{
        ck_assert_str_eq(s->name, "top-Level_1.0");
        ck_assert_str_eq(s->description, "two lines folded into one\n");
        ck_assert_str_eq(s->image, "out/image");
        ck_assert_uint_eq(s->platform.memory, 1ull << 30);
        ck_assert_uint_eq(s->platform.vcpus, 2);
        ck_assert_str_eq(s->platform.kernel, "dir/vmlinuz");
        ck_assert_uint_eq(s->platform.timeout_s, 30);
}

static void check_measures(const struct scenario *s)
{
        ck_assert_uint_eq(s->n_steps, 5);
        for (size_t i = 1; i < 5; i++)
                ck_assert_int_eq(s->steps[i].kind, STEP_MEASURE);
        ck_assert_ptr_null(s->steps[1].measure.golden); /* absent */
        ck_assert_ptr_null(s->steps[2].measure.golden); /* auto */
        ck_assert_str_eq(s->steps[3].measure.golden, "dir/golden/fake.json");
        ck_assert_str_eq(s->steps[4].measure.golden, "/g.json");
        ck_assert_uint_eq(s->steps[4].line, 7);
        ck_assert_uint_eq(s->steps[4].column, 5);
}

static void check_extends(const struct scenario *s)
{
        uint8_t digest[48];

        ck_assert_int_eq(hex_decode_exact(HEX96, digest, sizeof(digest)), 0);
        ck_assert_uint_eq(s->n_steps, 5);
        for (size_t i = 1; i < 5; i++) {
                ck_assert_int_eq(s->steps[i].kind, STEP_EXTEND);
                ck_assert_uint_eq(s->steps[i].extend.rtmr, 3);
        }
        ck_assert_int_eq(s->steps[1].extend.source, EXTEND_DATA);
        ck_assert_str_eq(s->steps[1].extend.data, "app-config-v1");
        ck_assert_ptr_null(s->steps[1].extend.event);
        ck_assert_int_eq(s->steps[2].extend.source, EXTEND_DIGEST);
        ck_assert_mem_eq(s->steps[2].extend.digest, digest, 48);
        ck_assert_str_eq(s->steps[2].extend.event, "given digest");
        ck_assert_int_eq(s->steps[3].extend.source, EXTEND_FILE);
        ck_assert_str_eq(s->steps[3].extend.file, "dir/files/payload.txt");
        ck_assert_int_eq(s->steps[4].extend.source, EXTEND_DATA);
        ck_assert_str_eq(s->steps[4].extend.data, "");
}

static void check_quotes(const struct scenario *s)
{
        uint8_t rd[64];

        ck_assert_int_eq(hex_decode_exact(HEX128, rd, sizeof(rd)), 0);
        ck_assert_uint_eq(s->n_steps, 4);
        ck_assert_int_eq(s->steps[1].kind, STEP_QUOTE);
        ck_assert_int_eq(s->steps[1].quote.kind, REPORT_DATA_RANDOM);
        ck_assert_int_eq(s->steps[2].quote.kind, REPORT_DATA_RANDOM);
        ck_assert_int_eq(s->steps[3].quote.kind, REPORT_DATA_HEX);
        ck_assert_mem_eq(s->steps[3].quote.report_data, rd, 64);
}

static void check_seals(const struct scenario *s)
{
        const struct step *st = s->steps;

        ck_assert_uint_eq(s->n_steps, 6);
        ck_assert_int_eq(st[1].kind, STEP_SEAL);
        ck_assert_int_eq(st[1].seal.mode, SEAL_KBS);
        ck_assert_str_eq(st[1].seal.name, "db-key");
        ck_assert_uint_eq(st[1].seal.policy, DEFAULT_POLICY);
        ck_assert_ptr_null(st[1].name);
        ck_assert_int_eq(st[2].seal.mode, SEAL_TPM);
        ck_assert_str_eq(st[2].seal.name, "Disk_Key.2");
        ck_assert_uint_eq(st[2].seal.policy, POLICY_RTMR2 | POLICY_RTMR3);
        ck_assert_str_eq(st[2].name, "seal to the boot");
        ck_assert_int_eq(st[3].kind, STEP_UNSEAL);
        ck_assert_int_eq(st[3].seal.mode, SEAL_KBS);
        ck_assert_str_eq(st[3].seal.name, "db-key");
        ck_assert_uint_eq(st[3].seal.policy, 0);
        ck_assert(!st[3].expect_fail);
        ck_assert_str_eq(st[3].name, "get it back");
        ck_assert_int_eq(st[4].seal.mode, SEAL_TPM);
        ck_assert(st[4].expect_fail);
        ck_assert(st[5].expect_fail);
        ck_assert_str_eq(st[5].name, "refused");
}

static void check_expect_and_names(const struct scenario *s)
{
        const struct step *st = s->steps;

        ck_assert_uint_eq(s->n_steps, 6);
        ck_assert(!st[1].expect_fail);
        ck_assert_str_eq(st[1].name, "named inside");
        ck_assert(st[2].expect_fail);
        ck_assert_str_eq(st[2].name, "named beside");
        ck_assert(st[3].expect_fail);
        ck_assert_str_eq(st[3].name, "step-name");
        ck_assert(!st[4].expect_fail);
        ck_assert_ptr_null(st[4].name);
        ck_assert_int_eq(st[5].kind, STEP_REBOOT);
        ck_assert(!st[5].expect_fail);
}

static void check_flow_list(const struct scenario *s)
{
        ck_assert_uint_eq(s->n_steps, 3);
        ck_assert_int_eq(s->steps[1].kind, STEP_MEASURE);
        ck_assert_int_eq(s->steps[2].kind, STEP_REBOOT);
        ck_assert_uint_eq(s->steps[2].boot.memory, 512ull << 20);
        ck_assert_uint_eq(s->steps[2].line, 2);
        ck_assert_uint_eq(s->steps[2].column, 24);
}

static const struct valid_case {
        const char *yaml;
        void (*check)(const struct scenario *s);
} valid[] = {
        { "name: t\nsteps:\n  - boot\n", check_bare_boot },
        { "name: t\nsteps:\n  - boot:\n", check_bare_boot },
        { "name: t\nsteps:\n  - boot: {}\n", check_bare_boot },
        { "name: t\nsteps:\n  - boot: ~\n", check_bare_boot },
        { "name: t\nsteps:\n  - boot: null\n", check_bare_boot },
        { "# a comment\nname: t\nsteps:\n- boot:\n", NULL },
        { "name: t\nsteps:\n  - boot:\n      memory: 2G\n      vcpus: 4\n"
          "      cmdline: \"console=ttyS0 quiet debug\"\n      kernel: k/vmlinuz\n"
          "      initrd: /abs/initrd.img\n      firmware: ../fw/OVMF.fd\n      timeout: 86400\n",
          check_boot_options },
        { "name: t\nsteps:\n  - boot\n  - reboot: {initrd: tampered, vcpus: \"1\", cmdline: ''}\n",
          check_reboot_tampered },
        { "name: top-Level_1.0\ndescription: >\n  two lines folded\n  into one\nimage: out/image\n"
          "platform: {memory: 1GiB, vcpus: 2, kernel: vmlinuz, timeout: 30}\nsteps: [boot]\n",
          check_top_level },
        { HEAD "  - measure\n  - measure: {golden: auto}\n  - measure: {golden: golden/fake.json}\n"
               "  - measure:\n      golden: /g.json\n",
          check_measures },
        { HEAD "  - extend: {rtmr: 3, data: app-config-v1}\n"
               "  - extend: {digest: " HEX96 ", event: given digest}\n"
               "  - extend: {file: files/payload.txt}\n  - extend: {data: \"\"}\n",
          check_extends },
        { HEAD "  - quote\n  - quote: {report_data: random}\n  - quote: {report_data: '" HEX128 "'}\n",
          check_quotes },
        { HEAD "  - seal: {name: db-key}\n"
               "  - seal: {mode: tpm, name: Disk_Key.2, policy: [rtmr3, rtmr2]}\n"
               "    name: seal to the boot\n"
               "  - unseal: {mode: kbs, name: db-key, expect: released}\n    name: get it back\n"
               "  - unseal: {mode: tpm, name: Disk_Key.2, expect: fail}\n"
               "  - unseal: {name: db-key, step-name: refused}\n    expect: refused\n",
          check_seals },
        { HEAD "  - measure: {name: named inside, expect: pass}\n"
               "  - measure: {expect: fail}\n    name: named beside\n"
               "  - extend: {data: x, step-name: step-name}\n    expect: refused\n"
               "  - quote: {}\n    expect: pass\n"
               "  - reboot: {expect: pass}\n",
          check_expect_and_names },
        { "name: t\nsteps: [boot, measure, {reboot: {memory: 512M}}]\n", check_flow_list },
};

START_TEST(test_scenario_reads_every_step_form_with_defaults)
{
        struct scenario s = { 0 };

        parse_ok(valid[_i].yaml, &s);
        ck_assert_int_eq(s.steps[0].kind, STEP_BOOT);
        if (valid[_i].check)
                valid[_i].check(&s);
        scenario_free(&s);
        ck_assert_ptr_null(s.steps);
        scenario_free(&s); /* twice is harmless */
}
END_TEST

static const struct size_case {
        const char *text;
        uint64_t bytes;
} sizes[] = {
        { "2G", 2ull << 30 },        { "2048M", 2ull << 30 },         { "1GiB", 1ull << 30 },
        { "2147483648", 2ull << 30 }, { "\"1073741824\"", 1ull << 30 }, { "1.5G", 1536ull << 20 },
        { "512m", 512ull << 20 },    { "1T", 1ull << 40 },            { "4096K", 4ull << 20 },
};

START_TEST(test_scenario_reads_every_size_form)
{
        char yaml[256];
        struct scenario s = { 0 };

        snprintf(yaml, sizeof(yaml), "name: t\nsteps:\n  - boot: {memory: %s}\n", sizes[_i].text);
        parse_ok(yaml, &s);
        ck_assert_uint_eq(s.steps[0].boot.memory, sizes[_i].bytes);
        scenario_free(&s);
}
END_TEST

/* ---- broken inputs: the exact message ---- */

static const struct broken_case {
        const char *yaml;
        const char *msg; /* after "dir/s.yaml:" */
} broken[] = {
        /* the file as a whole */
        { "", "1:1: the file is empty (expected a mapping with name and steps)" },
        { "# only a comment\n", "1:1: the file is empty (expected a mapping with name and steps)" },
        { "---\n", "1:1: the file is empty (expected a mapping with name and steps)" },
        { "- boot\n", "1:1: expected a mapping with name and steps, got a list" },
        { "boot\n", "1:1: expected a mapping with name and steps, got 'boot'" },
        { "name: t\nsteps: [boot]\n---\nname: u\n",
          "3:1: a second YAML document; a scenario file holds one" },
        /* YAML syntax */
        { "name: t\nsteps: [boot\n",
          "3:1: did not find expected ',' or ']' (while parsing a flow sequence at line 2, column 8)" },
        { "name: t\n  steps: [boot]\n", "2:8: mapping values are not allowed in this context" },
        { "name: t\nsteps:\n\t- boot\n",
          "3:1: found character that cannot start any token (while scanning for the next token at "
          "line 3, column 1)" },
        { "name: \"t\nsteps: [boot]\n",
          "3:1: found unexpected end of stream (while scanning a quoted scalar at line 1, column 7)" },
        { "name: t\xff\nsteps: [boot]\n", "1:8: invalid leading UTF-8 octet" },
        { "name: &n t\nsteps: [*n]\n", "2:9: YAML aliases are not supported ('*n'); write the value out" },
        { "name: !!str t\nsteps: [boot]\n",
          "1:7: YAML tags are not supported ('tag:yaml.org,2002:str')" },
        { "name: \"t\\0\"\nsteps: [boot]\n", "1:7: a value must not contain a NUL character" },
        { "name: t\nsteps: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n",
          "2:39: nested more than 32 levels deep" },
        /* top-level keys */
        { "name: t\nnmae: u\nsteps: [boot]\n", "2:1: unknown key 'nmae' (did you mean 'name'?)" },
        { "name: t\nstpes: [boot]\n", "2:1: unknown key 'stpes' (did you mean 'steps'?)" },
        { "name: t\nfoo: 1\nsteps: [boot]\n",
          "2:1: unknown key 'foo' (expected one of: name, description, image, platform, steps, matrix)" },
        { "name: t\nname: u\nsteps: [boot]\n", "2:1: duplicate key 'name' (first at line 1)" },
        { "name: t\n[a]: 1\nsteps: [boot]\n", "2:1: a key must be a string, got a list" },
        { "steps: [boot]\n", "1:1: missing 'name' (the scenario's name)" },
        { "name: t\n", "1:1: missing 'steps' (the list of steps)" },
        { "name:\nsteps: [boot]\n", "1:1: name: expected a string, got nothing" },
        { "name: [t]\nsteps: [boot]\n", "1:7: name: expected a string, got a list" },
        { "name: a b\nsteps: [boot]\n",
          "1:7: name: 'a b' is not a scenario name (1 to 64 of A-Z a-z 0-9 . _ -, starting with a "
          "letter or digit)" },
        { "name: -t\nsteps: [boot]\n",
          "1:7: name: '-t' is not a scenario name (1 to 64 of A-Z a-z 0-9 . _ -, starting with a "
          "letter or digit)" },
        { "name: t\ndescription: {a: b}\nsteps: [boot]\n",
          "2:14: description: expected a string, got a mapping" },
        { "name: t\nimage: ''\nsteps: [boot]\n", "2:8: image: the path is empty" },
        { "name: t\nplatform: [memory]\nsteps: [boot]\n",
          "2:11: platform: expected a mapping, got a list" },
        { "name: t\nplatform: {memroy: 2G}\nsteps: [boot]\n",
          "2:12: unknown option 'memroy' in platform (did you mean 'memory'?)" },
        { "name: t\nplatform: {initrd: tampered}\nsteps: [boot]\n",
          "2:20: initrd: 'tampered' applies to boot and reboot steps, not to platform" },
        { "name: t\nsteps: boot\n", "2:8: steps: expected a list of steps, got 'boot'" },
        { "name: t\nsteps: {boot: {}}\n", "2:8: steps: expected a list of steps, got a mapping" },
        { "name: t\nsteps:\n", "2:1: steps: expected a list of steps, got nothing" },
        { "name: t\nsteps: []\n", "2:8: steps: the list is empty (a scenario needs at least one step)" },
        /* step items */
        { "name: t\nsteps:\n  - mesure\n", "3:5: unknown step 'mesure' (did you mean 'measure'?)" },
        { HEAD "  - mesure: {}\n", "4:5: unknown step 'mesure' (did you mean 'measure'?)" },
        { HEAD "  - attest: {}\n",
          "4:5: unknown step 'attest' (expected one of: boot, measure, extend, quote, seal, reboot, "
          "unseal)" },
        { HEAD "  - [measure]\n", "4:5: expected a step (KIND: OPTIONS), got a list" },
        { HEAD "  - \"\\tmeasure\\n0123456789012345678901234567890123456789\"\n",
          /* 40 bytes, a tab kept, a newline escaped */
          "4:5: unknown step '\tmeasure\\x0a0123456789012345678901234567890…' (expected one of: "
          "boot, measure, extend, quote, seal, reboot, unseal)" },
        { HEAD "  -\n  - measure\n", "4:4: expected a step (KIND: OPTIONS), got nothing" },
        { HEAD "  - name: m\n    expect: pass\n",
          "4:5: the item names no step (one of boot, measure, extend, quote, seal, reboot, unseal)" },
        { HEAD "  - measure: {}\n    quote: {}\n",
          "5:5: 'quote' is a second step in this item (after 'measure' at line 4); start a new item "
          "with '- '" },
        { HEAD "  - measure: {}\n    measure: {}\n", "5:5: duplicate key 'measure' (first at line 4)" },
        { HEAD "  - measure: {}\n    expct: fail\n",
          "5:5: unknown key 'expct' beside 'measure' (did you mean 'expect'?)" },
        { HEAD "  - measure: {}\n    golden: auto\n",
          "5:5: 'golden' is an option of measure: indent it under 'measure:'" },
        { HEAD "  - measure: []\n", "4:14: measure: expected a mapping of options, got a list" },
        { HEAD "  - measure: auto\n", "4:14: measure: expected a mapping of options, got 'auto'" },
        { HEAD "  - measure: {gloden: auto}\n",
          "4:15: unknown option 'gloden' for measure (did you mean 'golden'?)" },
        { HEAD "  - measure: {foo: 1}\n",
          "4:15: unknown option 'foo' for measure (expected one of: golden, expect, name, step-name)" },
        { HEAD "  - measure: {golden: auto, golden: x}\n", "4:29: duplicate key 'golden' (first at line 4)" },
        { HEAD "  - measure: {golden: ''}\n", "4:23: golden: the path is empty" },
        { HEAD "  - measure: {name: a}\n    name: b\n",
          "5:5: the step's name is given twice (also at line 4, column 15)" },
        { HEAD "  - measure: {name: a, step-name: b}\n",
          "4:24: the step's name is given twice (also at line 4, column 15)" },
        { HEAD "  - measure: {expect: fail}\n    expect: fail\n",
          "5:5: 'expect' is given twice (also at line 4, column 15)" },
        { HEAD "  - measure: {expect: maybe}\n",
          "4:23: expect: expected pass or fail (or refused), got 'maybe'" },
        { HEAD "  - measure: {expect: fial}\n",
          "4:23: expect: expected pass or fail (or refused), got 'fial' (did you mean 'fail'?)" },
        { HEAD "  - measure: {expect: released}\n",
          "4:23: expect: 'released' applies to unseal steps only (use pass)" },
        { HEAD "  - measure: {name: \"two\\nlines\"}\n",
          "4:21: name: 'two\\x0alines' is not a step name (one line of 1 to 128 bytes)" },
        /* step order */
        { "name: t\nsteps:\n  - measure\n",
          "3:5: measure: the first step must be boot (no guest is running yet)" },
        { HEAD "  - boot\n", "4:5: boot: only the first step boots; use reboot to boot again" },
        { "name: t\nsteps:\n  - boot: {expect: fail}\n",
          "3:20: expect: a boot cannot be expected to fail (a guest that does not come up is an "
          "infrastructure failure)" },
        { HEAD "  - reboot:\n    expect: refused\n",
          "5:13: expect: a reboot cannot be expected to fail (a guest that does not come up is an "
          "infrastructure failure)" },
        /* boot and reboot options */
        { "name: t\nsteps:\n  - boot: {memroy: 2G}\n",
          "3:12: unknown option 'memroy' for boot (did you mean 'memory'?)" },
        { "name: t\nsteps:\n  - boot: {memory: 2Q}\n",
          "3:20: memory: '2Q' is not a size (e.g. 2G, 2048M, 1GiB or a byte count)" },
        { "name: t\nsteps:\n  - boot: {memory: 0}\n",
          "3:20: memory: '0' is not a size (e.g. 2G, 2048M, 1GiB or a byte count)" },
        { "name: t\nsteps:\n  - boot: {memory: 2048}\n",
          "3:20: memory: 2048 bytes is not a whole number of MiB (for MiB write 2048M)" },
        { "name: t\nsteps:\n  - boot: {memory: 4097K}\n",
          "3:20: memory: '4097K' is not a whole number of MiB" },
        { "name: t\nsteps:\n  - boot: {memory: [2G]}\n",
          "3:20: memory: expected a size (e.g. 2G, 2048M, 1GiB or a byte count), got a list" },
        { "name: t\nsteps:\n  - boot: {memory: 99999999999999999999999G}\n",
          "3:20: memory: '99999999999999999999999G' is not a size (e.g. 2G, 2048M, 1GiB or a byte "
          "count)" },
        { "name: t\nsteps:\n  - boot: {vcpus: two}\n",
          "3:19: vcpus: expected an integer from 1 to 512, got 'two'" },
        { "name: t\nsteps:\n  - boot: {vcpus: 0}\n",
          "3:19: vcpus: expected an integer from 1 to 512, got '0'" },
        { "name: t\nsteps:\n  - boot: {vcpus: 513}\n",
          "3:19: vcpus: expected an integer from 1 to 512, got '513'" },
        { "name: t\nsteps:\n  - boot: {vcpus: -1}\n",
          "3:19: vcpus: expected an integer from 1 to 512, got '-1'" },
        { "name: t\nsteps:\n  - boot: {vcpus: 99999999999999999999}\n",
          "3:19: vcpus: expected an integer from 1 to 512, got '99999999999999999999'" },
        { "name: t\nsteps:\n  - boot:\n      vcpus:\n",
          "4:7: vcpus: expected an integer from 1 to 512, got nothing" },
        { "name: t\nsteps:\n  - boot: {timeout: 0}\n",
          "3:21: timeout: expected a number of seconds from 1 to 86400, got '0'" },
        { "name: t\nsteps:\n  - boot: {timeout: 86401}\n",
          "3:21: timeout: expected a number of seconds from 1 to 86400, got '86401'" },
        { "name: t\nsteps:\n  - boot: {cmdline: [a]}\n", "3:21: cmdline: expected a string, got a list" },
        { "name: t\nsteps:\n  - boot: {kernel: {a: b}}\n", "3:20: kernel: expected a string, got a mapping" },
        { "name: t\nsteps:\n  - boot: {initrd: ''}\n", "3:20: initrd: the path is empty" },
        { "name: t\nsteps:\n  - boot:\n    memory: 2G\n",
          "4:5: 'memory' is an option of boot: indent it under 'boot:'" },
        /* extend */
        { HEAD "  - extend: {}\n", "4:13: extend: needs one of data, digest or file" },
        { HEAD "  - extend\n", "4:5: extend: needs one of data, digest or file" },
        { HEAD "  - extend:\n", "4:5: extend: needs one of data, digest or file" },
        { HEAD "  - extend: {data: a, file: b}\n",
          "4:23: 'data' and 'file' both given; an extend takes exactly one of data, digest or file" },
        { HEAD "  - extend: {rtmr: 2, data: a}\n",
          "4:20: rtmr: expected 3 (a guest can extend only RTMR3), got '2'" },
        { HEAD "  - extend: {rtmr: three, data: a}\n",
          "4:20: rtmr: expected 3 (a guest can extend only RTMR3), got 'three'" },
        { HEAD "  - extend: {digest: 0011}\n",
          "4:22: digest: expected 96 hex digits (a SHA-384 digest), got 4 characters" },
        { HEAD "  - extend: {digest: '0x" HEX96 "'}\n",
          "4:22: digest: expected 96 hex digits (a SHA-384 digest), got 98 characters" },
        { HEAD "  - extend: {digest: " HEX96 "a}\n",
          "4:22: digest: expected 96 hex digits (a SHA-384 digest), got 97 characters" },
        { HEAD "  - extend: {digest: " HEX95 "g}\n",
          "4:22: digest: expected 96 hex digits (a SHA-384 digest); character 96 is not a hex digit" },
        { HEAD "  - extend: {data: [a]}\n", "4:20: data: expected a string, got a list" },
        { HEAD "  - extend: {data:}\n",
          "4:18: found unexpected ':' (while scanning a plain scalar at line 4, column 14)" },
        { HEAD "  - extend: {data: a, event: {}}\n", "4:30: event: expected a string, got a mapping" },
        { HEAD "  - extend: {data: a, evnt: x}\n",
          "4:23: unknown option 'evnt' for extend (did you mean 'event'?)" },
        /* quote */
        { HEAD "  - quote: {report_data: xyz}\n",
          "4:26: report_data: expected random or 128 hex digits (64 bytes), got 3 characters" },
        { HEAD "  - quote: {report_data: " HEX96 "}\n",
          "4:26: report_data: expected random or 128 hex digits (64 bytes), got 96 characters" },
        { HEAD "  - quote: {report-data: random}\n",
          "4:13: unknown option 'report-data' for quote (did you mean 'report_data'?)" },
        { HEAD "  - quote: {report_data: [1]}\n",
          "4:26: report_data: expected random or 128 hex digits (64 bytes), got a list" },
        /* seal and unseal */
        { HEAD "  - seal: {mode: kbs}\n", "4:11: seal: missing the secret's 'name'" },
        { HEAD "  - seal\n", "4:5: seal: missing the secret's 'name'" },
        { HEAD "  - seal:\n    name: k\n",
          "4:5: seal: missing the secret's 'name' (the 'name' at line 5 beside 'seal' names the "
          "step; indent it under 'seal:' to name the secret)" },
        { HEAD "  - seal: {name: a/b}\n",
          "4:18: name: 'a/b' is not a secret name (1 to 64 of A-Z a-z 0-9 . _ -)" },
        { HEAD "  - seal: {name: ''}\n",
          "4:18: name: '' is not a secret name (1 to 64 of A-Z a-z 0-9 . _ -)" },
        { HEAD "  - seal: {name: k, mode: tmp}\n",
          "4:27: mode: expected kbs or tpm, got 'tmp' (did you mean 'tpm'?)" },
        { HEAD "  - seal: {name: k, mode: sgx}\n", "4:27: mode: expected kbs or tpm, got 'sgx'" },
        { HEAD "  - seal: {name: k, policy: []}\n",
          "4:29: policy: the list is empty (leave policy out for the default: mrtd, rtmr0, rtmr1, "
          "rtmr2)" },
        { HEAD "  - seal: {name: k, policy: mrtd}\n",
          "4:29: policy: expected a list of registers (mrtd, rtmr0, rtmr1, rtmr2, rtmr3), got 'mrtd'" },
        { HEAD "  - seal: {name: k, policy: [mrtd, rtmr4]}\n",
          "4:36: policy: 'rtmr4' is not one of mrtd, rtmr0, rtmr1, rtmr2, rtmr3" },
        { HEAD "  - seal: {name: k, policy: [mrtd, {a: b}]}\n",
          "4:36: policy: a mapping is not one of mrtd, rtmr0, rtmr1, rtmr2, rtmr3" },
        { HEAD "  - seal: {name: k, policy: [rtmr1, rtmr1]}\n", "4:37: policy: 'rtmr1' is listed twice" },
        { HEAD "  - seal: {name: k, polcy: [mrtd]}\n",
          "4:21: unknown option 'polcy' for seal (did you mean 'policy'?)" },
        { HEAD "  - seal: {name: k}\n  - unseal: {name: k, policy: [mrtd]}\n",
          "5:23: policy: an unseal step takes no policy (the seal step fixed it)" },
        { HEAD "  - unseal: {name: k}\n", "4:20: unseal: no earlier seal step seals 'k' with mode kbs" },
        { HEAD "  - seal: {name: k, mode: tpm}\n  - unseal: {name: k}\n",
          "5:20: unseal: no earlier seal step seals 'k' with mode kbs" },
        { HEAD "  - seal: {name: k}\n  - unseal: {name: k, expect: fial}\n",
          "5:31: expect: expected pass or fail (or refused, released), got 'fial' (did you mean "
          "'fail'?)" },
        { HEAD "  - seal: {name: k}\n  - unseal: {name: k, name: j}\n",
          "5:23: duplicate key 'name' (first at line 5)" },
        { "name: t\nmatrix: {memroy: [1G]}\nsteps: [boot]\n",
          "2:10: unknown key 'memroy' in matrix (did you mean 'memory'?)" },
        { "name: t\nmatirx: {memory: [1G]}\nsteps: [boot]\n",
          "2:1: unknown key 'matirx' (did you mean 'matrix'?)" },
        { "name: t\nmatrix: [1G]\nsteps: [boot]\n",
          "2:9: matrix: expected a mapping of memory, vcpus, profile or image to lists of values, "
          "got a list" },
        { "name: t\nmatrix: {memory: 1G}\nsteps: [boot]\n",
          "2:18: matrix: memory: expected a non-empty list of values, got '1G'" },
        { "name: t\nmatrix: {memory: [1G, 2Q]}\nsteps: [boot]\n",
          "2:23: memory: '2Q' is not a size (e.g. 2G, 2048M, 1GiB or a byte count)" },
        { "name: t\nmatrix: {vcpus: [1, 0]}\nsteps: [boot]\n",
          "2:21: vcpus: expected a vCPU count from 1 to 512, got '0'" },
        { "name: t\nmatrix: {profile: [fake, 'a b']}\nsteps: [boot]\n",
          "2:26: profile: 'a b' is not a profile name (1 to 64 of A-Z a-z 0-9 . _ -, starting with "
          "a letter or digit)" },
        { "name: t\nmatrix: {memory: [1G, 1G]}\nsteps: [boot]\n",
          "2:23: matrix: memory: '1G' is listed twice" },
};

START_TEST(test_scenario_refuses_broken_input_with_its_place)
{
        const struct broken_case *bc = &broken[_i];
        struct scenario s = { 0 };
        struct tdxh_err e = { 0 };
        char want[1024];
        int r;

        r = scenario_parse(FILE_NAME, bc->yaml, strlen(bc->yaml), &s, &e);
        snprintf(want, sizeof(want), FILE_NAME ":%s", bc->msg);
        ck_assert_msg(r == -EINVAL, "case %d: got %d (%s)\n--- input:\n%s", _i, r, e.msg, bc->yaml);
        ck_assert_msg(strcmp(e.msg, want) == 0, "case %d:\n got: %s\nwant: %s\n--- input:\n%s", _i,
                      e.msg, want, bc->yaml);
        ck_assert_int_eq(e.code, -EINVAL);
        ck_assert_ptr_null(s.steps); /* *ret untouched on failure */
}
END_TEST

/* ---- the platform a boot gets ---- */

START_TEST(test_scenario_boot_platform_takes_the_step_then_the_file_defaults)
{
        static const char text[] =
                "name: t\nplatform: {memory: 2G, vcpus: 2, cmdline: base, initrd: /i, timeout: 60}\n"
                "steps:\n  - boot\n  - reboot: {memory: 1G, cmdline: changed}\n"
                "  - reboot: {initrd: tampered}\n  - measure\n";
        struct scenario s = { 0 };
        struct step_platform p;

        parse_ok(text, &s);
        scenario_boot_platform(&s, &s.steps[0], &p);
        ck_assert_uint_eq(p.memory, 2ull << 30);
        ck_assert_uint_eq(p.vcpus, 2);
        ck_assert_str_eq(p.cmdline, "base");
        ck_assert_str_eq(p.initrd, "/i");
        ck_assert(!p.initrd_tampered);
        ck_assert_uint_eq(p.timeout_s, 60);
        ck_assert_ptr_null(p.kernel);
        scenario_boot_platform(&s, &s.steps[1], &p);
        ck_assert_uint_eq(p.memory, 1ull << 30);
        ck_assert_str_eq(p.cmdline, "changed");
        /* not sticky: the next reboot is back to the file's defaults */
        scenario_boot_platform(&s, &s.steps[2], &p);
        ck_assert_uint_eq(p.memory, 2ull << 30);
        ck_assert_str_eq(p.cmdline, "base");
        ck_assert_str_eq(p.initrd, "/i");
        ck_assert(p.initrd_tampered);
        scenario_boot_platform(&s, &s.steps[3], &p);
        ck_assert_uint_eq(p.memory, 0);
        ck_assert_ptr_null(p.cmdline);
        scenario_free(&s);
}
END_TEST

START_TEST(test_scenario_names_of_kinds_and_registers)
{
        static const char *const regs[] = { "mrtd", "rtmr0", "rtmr1", "rtmr2", "rtmr3" };

        ck_assert_str_eq(step_kind_name(STEP_BOOT), "boot");
        ck_assert_str_eq(step_kind_name(STEP_MEASURE), "measure");
        ck_assert_str_eq(step_kind_name(STEP_EXTEND), "extend");
        ck_assert_str_eq(step_kind_name(STEP_QUOTE), "quote");
        ck_assert_str_eq(step_kind_name(STEP_SEAL), "seal");
        ck_assert_str_eq(step_kind_name(STEP_REBOOT), "reboot");
        ck_assert_str_eq(step_kind_name(STEP_UNSEAL), "unseal");
        ck_assert_str_eq(step_kind_name((enum step_kind)99), "unknown");
        for (unsigned i = 0; i < 5; i++) {
                ck_assert_uint_eq(policy_reg_from_name(regs[i]), 1u << i);
                ck_assert_str_eq(policy_reg_name(1u << i), regs[i]);
        }
        ck_assert_uint_eq(policy_reg_from_name("RTMR0"), 0);
        ck_assert_uint_eq(policy_reg_from_name(NULL), 0);
        ck_assert_ptr_null(policy_reg_name(POLICY_MRTD | POLICY_RTMR0));
        ck_assert_ptr_null(policy_reg_name(0));
}
END_TEST

/* ---- robustness: every prefix and many one-byte changes of a full file ---- */

static const char full[] =
        "name: full\ndescription: every step\nplatform: {memory: 2G}\nsteps:\n"
        "  - boot: {vcpus: 1, cmdline: \"a b\"}\n  - measure: {golden: auto}\n"
        "  - extend: {data: x, event: e}\n  - extend: {digest: " HEX96 "}\n"
        "  - quote: {report_data: random}\n  - seal: {mode: kbs, name: k, policy: [mrtd]}\n"
        "  - reboot: {initrd: tampered}\n  - unseal: {name: k, expect: fail}\n    name: n\n";

static void parse_any(const char *text, size_t len)
{
        struct scenario s = { 0 };
        struct tdxh_err e = { 0 };
        int r = scenario_parse(FILE_NAME, text, len, &s, &e);

        if (r == 0) {
                ck_assert_uint_ge(s.n_steps, 1);
                scenario_free(&s);
                return;
        }
        ck_assert_msg(r == -EINVAL, "got %d for:\n%.*s", r, (int)len, text);
        ck_assert_msg(strncmp(e.msg, FILE_NAME ":", strlen(FILE_NAME ":")) == 0, "message: %s", e.msg);
        ck_assert_msg(!strchr(e.msg, '\n'), "message of more than one line: %s", e.msg);
}

START_TEST(test_scenario_survives_every_prefix_and_byte_change)
{
        static const char swaps[] = { '\0', '\n', ':', '-', '{', '[', '"', '\'', '&', '*', '!', ' ',
                                      '#', '\t', '\xff', 'x' };
        struct scenario whole = { 0 };
        char buf[sizeof(full)];

        parse_ok(full, &whole); /* the unchanged file is valid */
        ck_assert_uint_eq(whole.n_steps, 8);
        scenario_free(&whole);
        for (size_t len = 0; len <= strlen(full); len++)
                parse_any(full, len);
        for (size_t i = 0; i < strlen(full); i++) {
                for (size_t k = 0; k < sizeof(swaps); k++) {
                        memcpy(buf, full, sizeof(full));
                        buf[i] = swaps[k];
                        parse_any(buf, strlen(full));
                }
        }
}
END_TEST

int main(void)
{
        Suite *s = suite_create("scenario");
        TCase *tc = tcase_create("scenario");

        tcase_add_loop_test(tc, test_scenario_reads_every_step_form_with_defaults, 0,
                            (int)(sizeof(valid) / sizeof(valid[0])));
        tcase_add_loop_test(tc, test_scenario_reads_every_size_form, 0,
                            (int)(sizeof(sizes) / sizeof(sizes[0])));
        tcase_add_loop_test(tc, test_scenario_refuses_broken_input_with_its_place, 0,
                            (int)(sizeof(broken) / sizeof(broken[0])));
        tcase_add_test(tc, test_scenario_boot_platform_takes_the_step_then_the_file_defaults);
        tcase_add_test(tc, test_scenario_names_of_kinds_and_registers);
        tcase_add_test(tc, test_scenario_survives_every_prefix_and_byte_change);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
