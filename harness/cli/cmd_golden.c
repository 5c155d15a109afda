/* tdxh golden: compute golden measurements from a TD's parts (compute), or
 * record them from a known-good run's evidence (record). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "options.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/event_type.h"
#include "core/hex.h"
#include "core/json_util.h"
#include "core/log.h"
#include "golden/golden.h"
#include "check/golden_acpi.h"
#include "predict/golden_compute.h"
#include "run/signals.h"

static void compute_usage(FILE *f)
{
        fputs("Usage: tdxh golden compute --profile P --firmware F --memory SIZE\n"
              "                           [--kernel K] [--initrd I] [--cmdline S] [--vcpus N]\n"
              "                           [--disk D]\n"
              "                           [--page-add per-page|two-pass]\n"
              "                           [--acpi-from-log L | --acpi-dir D |\n"
              "                            --qemu QEMU [--acpi-dump D]]\n"
              "                           [--option-rom BDF=FILE]... [-o golden.json] [--json]\n"
              "\n"
              "Predicts MRTD and RTMR0-2, with the events that produce them, for a TD\n"
              "booted from these parts, and writes a golden file. A register whose inputs\n"
              "were not all given is written as null with the reason.\n"
              "\n"
              "  --profile P        platform profile ('tdxh golden profiles' lists them)\n"
              "  --firmware F       the OVMF/TDVF image given to QEMU with -bios\n"
              "  --memory SIZE      guest memory as for QEMU -m (2G, 1536M, 2.5G)\n"
              "  --kernel K         the bzImage given with -kernel\n"
              "  --initrd I         the initrd given with -initrd\n"
              "  --cmdline S        the command line given with -append\n"
              "  --disk D           a raw GPT disk booted from its ESP (shim, GRUB, kernel;\n"
              "                     fake profile only) instead of --kernel\n"
              "  --vcpus N          vCPU count (recorded; it changes only the ACPI tables)\n"
              "  --page-add P       the host's page-add pattern for MRTD (default: profile's)\n"
              "  --acpi-from-log L  take the three ACPI DATA digests from a reference log\n"
              "  --acpi-dir D       hash the ACPI blobs D/table-loader, D/rsdp, D/tables\n"
              "  --qemu QEMU        read the ACPI blobs from this QEMU binary, started paused\n"
              "                     (no guest code runs) with the profile's machine shape,\n"
              "                     --memory and --vcpus (default 1); the fake profile only\n"
              "                     while QEMU cannot build a TD's machine\n"
              "  --acpi-dump D      with --qemu: also write the blobs as D/table-loader,\n"
              "                     D/rsdp, D/tables (what --acpi-dir reads)\n"
              "  --option-rom BDF=FILE  the expansion ROM of PCI device BDF (00:02.0), as\n"
              "                     QEMU's romfile= or a NIC's default iPXE ROM\n"
              "                     (/usr/lib/ipxe/qemu/efi-virtio.rom): its EFI drivers\n"
              "                     are predicted in RTMR1; repeat for each device\n"
              "  -o FILE            write the golden file (atomically) to FILE\n"
              "  --json             print the golden file on stdout (the default without -o\n"
              "                     is a summary for a person)\n",
              f);
}

static void print_summary(const struct golden *g, FILE *f)
{
        fprintf(f, "profile %s\n", g->profile_name);
        for (int i = 0; i < GOLDEN_NREGS; i++) {
                const struct golden_register *r = &g->regs[i];
                char hex[97];

                if (!r->present)
                        continue;
                if (r->known) {
                        hex_encode(r->value, SHA384_LEN, hex);
                        fprintf(f, "%-6s %s\n", golden_reg_name((enum golden_reg)i), hex);
                } else {
                        fprintf(f, "%-6s unknown: %s\n", golden_reg_name((enum golden_reg)i),
                                r->unknown_reason);
                }
        }
        fprintf(f, "events:\n");
        for (size_t i = 0; i < g->n_events; i++) {
                const struct golden_event *ev = &g->events[i];
                char type[40], hex[97] = "(unknown)";

                event_type_format(ev->type, type);
                if (ev->digest_known)
                        hex_encode(ev->digest, 16, hex);
                fprintf(f, "  rtmr%d %-34s %-32s %-16s %s\n", ev->rtmr, type, hex, ev->what,
                        ev->detail ? ev->detail : "");
        }
}

/* --qemu: the blobs from QEMU itself (check/golden_acpi.h). A profile this
 * QEMU cannot build the machine of is an infrastructure failure (exit 3),
 * not a value. */
static int acpi_from_qemu(const struct golden_compute_params *p, const char *qemu,
                          const char *dump, uint8_t ret[ACPI_BLOB_COUNT][SHA384_LEN])
{
        struct golden_acpi_params ap = { .profile = &p->profile, .qemu = qemu,
                                         .firmware = p->firmware, .memory = p->memory,
                                         .vcpus = p->vcpus, .dump_dir = dump };
        struct signal_watch sw = SIGNAL_WATCH_INIT;
        struct tdxh_err e = { 0 };
        const char *note = NULL;
        int r;

        /* QEMU would say so too, but as a failure to start */
        if (access(p->firmware, R_OK) < 0) {
                log_error("golden compute: --firmware: %s: %s", p->firmware, strerror(errno));
                return TDXH_EXIT_BAD_INPUT;
        }
        r = cli_watch_signals(&sw);
        if (r != TDXH_EXIT_OK)
                return r;
        ap.sig = &sw;
        r = golden_acpi_from_qemu(&ap, ret, &note, &e);
        signal_watch_end(&sw);
        /* a QEMU (or swtpm) that is missing, cannot run or cannot build the
         * machine is the host's failure, as for tdxh boot */
        if (r == -EOPNOTSUPP || r == -ENOENT || r == -EACCES || r == -ENOEXEC || r == -EPROTO) {
                log_error("%s", e.msg);
                return TDXH_EXIT_INFRA;
        }
        if (r < 0)
                return cli_report(r, &e);
        if (note)
                log_info("golden compute: --qemu: %s", note);
        if (!profile_has_acpi_events(&p->profile))
                log_info("golden compute: --qemu: profile %s measures no ACPI blob into RTMR0 "
                         "(edk2 < 202302 or TPM mode): the digests do not change it",
                         p->profile.name);
        return TDXH_EXIT_OK;
}

/* BDF=FILE: the device's address and its ROM file. */
static int option_rom_arg(const struct cli_getopt *g, char *text, struct golden_option_rom *roms,
                          size_t *n)
{
        char *eq = strchr(text, '=');
        struct tdxh_err e = { 0 };

        if (!eq || !eq[1])
                return cli_opt_error(g, "'%s': expected BDF=FILE, such as 00:02.0=%s", text,
                                     "/usr/lib/ipxe/qemu/efi-virtio.rom");
        if (*n == GOLDEN_OPTION_ROM_MAX)
                return cli_opt_error(g, "more than %d devices", GOLDEN_OPTION_ROM_MAX);
        *eq = '\0';
        if (pci_bdf_parse(text, &roms[*n].bdf, &e) < 0)
                return cli_opt_error(g, "%s", e.msg);
        roms[*n].path = eq + 1;
        ++*n;
        return 0;
}

static int golden_compute_main(int argc, char **argv)
{
        enum { OPT_PROFILE = 0x100, OPT_FIRMWARE, OPT_KERNEL, OPT_INITRD, OPT_CMDLINE, OPT_MEMORY,
               OPT_VCPUS, OPT_PAGE_ADD, OPT_ACPI_LOG, OPT_ACPI_DIR, OPT_QEMU, OPT_ACPI_DUMP,
               OPT_OPTION_ROM, OPT_JSON, OPT_DISK };
        static const struct option opts[] = {
                { "profile", required_argument, NULL, OPT_PROFILE },
                { "firmware", required_argument, NULL, OPT_FIRMWARE },
                { "kernel", required_argument, NULL, OPT_KERNEL },
                { "initrd", required_argument, NULL, OPT_INITRD },
                { "cmdline", required_argument, NULL, OPT_CMDLINE },
                { "disk", required_argument, NULL, OPT_DISK },
                { "memory", required_argument, NULL, OPT_MEMORY },
                { "vcpus", required_argument, NULL, OPT_VCPUS },
                { "page-add", required_argument, NULL, OPT_PAGE_ADD },
                { "acpi-from-log", required_argument, NULL, OPT_ACPI_LOG },
                { "acpi-dir", required_argument, NULL, OPT_ACPI_DIR },
                { "qemu", required_argument, NULL, OPT_QEMU },
                { "acpi-dump", required_argument, NULL, OPT_ACPI_DUMP },
                { "option-rom", required_argument, NULL, OPT_OPTION_ROM },
                { "output", required_argument, NULL, 'o' },
                { "json", no_argument, NULL, OPT_JSON },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct cli_getopt g = CLI_GETOPT_INIT("golden compute", "+o:h", opts);
        struct golden_compute_params p = { 0 };
        struct golden_option_rom roms[GOLDEN_OPTION_ROM_MAX];
        _cleanup_golden_ struct golden gold = { 0 };
        struct tdxh_err e = { 0 };
        const char *profile = NULL, *page_add = NULL, *out = NULL, *qemu = NULL, *dump = NULL;
        uint8_t acpi[ACPI_BLOB_COUNT][SHA384_LEN];
        bool json = false;
        int c, r;

        while ((c = cli_getopt_next(&g, argc, argv)) != CLI_OPT_END) {
                switch (c) {
                case OPT_PROFILE:
                        profile = optarg;
                        break;
                case OPT_FIRMWARE:
                        p.firmware = optarg;
                        break;
                case OPT_KERNEL:
                        p.kernel = optarg;
                        break;
                case OPT_INITRD:
                        p.initrd = optarg;
                        cli_opt_warn_empty_file(&g, optarg);
                        break;
                case OPT_CMDLINE:
                        p.cmdline = optarg;
                        break;
                case OPT_DISK:
                        p.disk = optarg;
                        break;
                case OPT_MEMORY:
                        r = cli_opt_size(&g, optarg, &p.memory);
                        if (r)
                                return r;
                        break;
                case OPT_VCPUS:
                        r = cli_opt_uint(&g, optarg, 1, 4096, "a vCPU count", &p.vcpus);
                        if (r)
                                return r;
                        break;
                case OPT_PAGE_ADD:
                        page_add = optarg;
                        break;
                case OPT_ACPI_LOG:
                        p.acpi_from_log = optarg;
                        break;
                case OPT_ACPI_DIR:
                        p.acpi_dir = optarg;
                        break;
                case OPT_QEMU:
                        qemu = optarg;
                        break;
                case OPT_ACPI_DUMP:
                        dump = optarg;
                        break;
                case OPT_OPTION_ROM:
                        r = option_rom_arg(&g, optarg, roms, &p.n_option_roms);
                        if (r)
                                return r;
                        p.option_roms = roms;
                        break;
                case 'o':
                        out = optarg;
                        break;
                case OPT_JSON:
                        json = true;
                        break;
                case 'h':
                        compute_usage(stdout);
                        return TDXH_EXIT_OK;
                default:
                        return TDXH_EXIT_BAD_INPUT;
                }
        }
        r = cli_opt_no_more_args(&g, argc, argv, 0);
        if (r)
                return r;
        if (!profile)
                return cli_usage_error("golden compute", "--profile is required");
        if (!p.firmware)
                return cli_usage_error("golden compute", "--firmware is required");
        if (!p.memory)
                return cli_usage_error("golden compute", "--memory is required");
        if ((p.initrd || p.cmdline) && !p.kernel)
                return cli_usage_error("golden compute",
                                       "--initrd and --cmdline need --kernel (direct kernel boot)");
        if (p.disk && p.kernel)
                return cli_usage_error("golden compute",
                                       "--disk and --kernel exclude each other (the disk holds "
                                       "the kernel)");
        if (p.disk && p.n_option_roms)
                return cli_usage_error("golden compute",
                                       "--option-rom with --disk: the boot options a NIC adds "
                                       "are not predicted");
        if (!!p.acpi_from_log + !!p.acpi_dir + !!qemu > 1)
                return cli_usage_error("golden compute", "--acpi-from-log, --acpi-dir and "
                                                         "--qemu exclude each other");
        if (dump && !qemu)
                return cli_usage_error("golden compute", "--acpi-dump needs --qemu");
        log_set_machine_output(json);
        r = profile_lookup(profile, &p.profile, &e);
        if (r < 0) {
                fprintf(stderr, "tdxh golden compute: --profile: %s\n", e.msg);
                return TDXH_EXIT_BAD_INPUT;
        }
        if (page_add && page_add_parse(page_add, &p.profile.page_add) < 0)
                return cli_usage_error("golden compute",
                                       "--page-add: '%s' is not per-page or two-pass", page_add);
        if (qemu) {
                r = acpi_from_qemu(&p, qemu, dump, acpi);
                if (r != TDXH_EXIT_OK)
                        return r;
                p.acpi_digests = (const uint8_t(*)[SHA384_LEN])acpi;
        }
        r = golden_compute(&p, &gold, &e);
        if (r < 0)
                return cli_report(r, &e);
        if (out) {
                r = golden_save(&gold, out, &e);
                if (r < 0)
                        return cli_report(r, &e);
                if (json)
                        return cli_report(golden_save(&gold, NULL, &e), &e);
                if (log_get_level() >= LOG_INFO)
                        print_summary(&gold, stdout);
                return TDXH_EXIT_OK;
        }
        if (json)
                return cli_report(golden_save(&gold, NULL, &e), &e);
        print_summary(&gold, stdout);
        return TDXH_EXIT_OK;
}

static void profiles_usage(FILE *f)
{
        fputs("Usage: tdxh golden profiles [--json]\n"
              "\n"
              "Describes the platform profiles that golden files and 'tdxh golden compute\n"
              "--profile' name: each profile's name alone on a line, then its edk2 and QEMU\n"
              "generations and what it measures that other profiles do not.\n"
              "\n"
              "  --json   print {\"schema\": \"tdxh-profiles/1\", \"profiles\": [...]} instead\n"
              "           (the keys are listed in reports/SCHEMA.md)\n",
              f);
}

static int print_profiles_json(struct tdxh_err *e)
{
        _cleanup_json_ json_object *root = json_object_new_object(), *list = json_object_new_array();
        const char *const *names = profile_names();
        int r;

        if (!root || !list)
                return -ENOMEM;
        r = json_add_string(root, "schema", "tdxh-profiles/1");
        for (size_t i = 0; names[i] && r >= 0; i++) {
                json_object *one = NULL;
                struct profile p;

                r = profile_lookup(names[i], &p, e);
                if (r >= 0)
                        r = profile_to_json(&p, &one);
                if (r >= 0)
                        r = json_array_add(list, one);
        }
        if (r >= 0)
                r = json_add(root, "profiles", TAKE_PTR(list));
        return r < 0 ? r : json_write(root, NULL, e);
}

static int print_profiles_text(struct tdxh_err *e)
{
        const char *const *names = profile_names();
        _cleanup_buf_ struct buf b = BUF_INIT;
        int r = 0;

        for (size_t i = 0; names[i] && r >= 0; i++) {
                struct profile p;

                r = profile_lookup(names[i], &p, e);
                if (r >= 0)
                        r = buf_printf(&b, "%s\n  platform: %s\n  edk2 %s: %s\n  QEMU %s: %s\n  measures: ",
                                       p.name, profile_platform_description(&p), edk2_gen_name(p.edk2),
                                       edk2_gen_description(p.edk2), qemu_gen_name(p.qemu),
                                       qemu_gen_description(p.qemu));
                if (r >= 0)
                        r = profile_describe_measures(&p, &b);
                if (r >= 0)
                        r = buf_puts(&b, "\n");
        }
        if (r < 0)
                return r;
        fputs(b.data, stdout);
        return fflush(stdout) == 0 ? 0 : err_setf(e, -EIO, "cannot write to standard output");
}

static int golden_profiles_main(int argc, char **argv)
{
        enum { OPT_JSON = 0x100 };
        static const struct option opts[] = {
                { "help", no_argument, NULL, 'h' },
                { "json", no_argument, NULL, OPT_JSON },
                {}
        };
        struct cli_getopt g = CLI_GETOPT_INIT("golden profiles", "+h", opts);
        struct tdxh_err e = { 0 };
        bool json = false;
        int c, r;

        while ((c = cli_getopt_next(&g, argc, argv)) != CLI_OPT_END) {
                switch (c) {
                case 'h':
                        profiles_usage(stdout);
                        return TDXH_EXIT_OK;
                case OPT_JSON:
                        json = true;
                        break;
                default:
                        return TDXH_EXIT_BAD_INPUT;
                }
        }
        r = cli_opt_no_more_args(&g, argc, argv, 0);
        if (r)
                return r;
        r = json ? print_profiles_json(&e) : print_profiles_text(&e);
        return cli_report(r, &e);
}

static void golden_usage(FILE *f)
{
        fputs("Usage: tdxh golden compute [OPTIONS]   predict MRTD/RTMR0-2 from a TD's parts\n"
              "       tdxh golden record OBSERVED... --profile P -o GOLDEN\n"
              "                                       record a known-good run's evidence\n"
              "       tdxh golden search OBSERVED... --golden GOLDEN\n"
              "                                       find the inputs that reproduce evidence\n"
              "       tdxh golden profiles [--json]   describe the platform profiles\n"
              "       tdxh golden publish GOLDEN... --key KEY.pem -o DIR\n"
              "                                       sign an image's reference values\n"
              "       tdxh golden verify-published DIR --pubkey PUB.pem\n"
              "                                       check a published artifact\n"
              "Run 'tdxh golden SUBCOMMAND --help' for the options.\n",
              f);
}

int cmd_golden(int argc, char **argv)
{
        if (argc < 2) {
                golden_usage(stderr);
                return TDXH_EXIT_BAD_INPUT;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                golden_usage(stdout);
                return TDXH_EXIT_OK;
        }
        if (strcmp(argv[1], "compute") == 0)
                return golden_compute_main(argc - 1, argv + 1);
        if (strcmp(argv[1], "profiles") == 0)
                return golden_profiles_main(argc - 1, argv + 1);
        if (strcmp(argv[1], "record") == 0)
                return cmd_golden_record(argc - 1, argv + 1);
        if (strcmp(argv[1], "search") == 0)
                return cmd_golden_search(argc - 1, argv + 1);
        if (strcmp(argv[1], "publish") == 0)
                return cmd_golden_publish(argc - 1, argv + 1);
        if (strcmp(argv[1], "verify-published") == 0)
                return cmd_golden_verify_published(argc - 1, argv + 1);
        if (argv[1][0] == '-')
                return cli_usage_error("golden", "unknown option '%s'", argv[1]);
        return cli_usage_error("golden", "unknown subcommand '%s'", argv[1]);
}
