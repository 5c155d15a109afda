/* tdxh boot: boots an image once on the fake platform, checks what it
 * measured against the image's golden file, and writes the reports. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "options.h"
#include "core/log.h"
#include "check/boot_check.h"
#include "run/signals.h"

static void usage(FILE *f)
{
        fputs("Usage: tdxh boot --image DIR|DISK [--backend fake] [--golden auto|FILE] [--memory SIZE]\n"
              "                 [--vcpus N] [--cmdline S] [--firmware F] [--qemu BIN]\n"
              "                 [--nic MODEL[,romfile=FILE]]\n"
              "                 [--out RUNDIR] [--timeout SECONDS] [--no-agent] [--json]\n"
              "\n"
              "Boots the image once on the fake platform (QEMU + OVMF + swtpm; TCG, or KVM\n"
              "where it works), reads the registers and the event log through the guest agent,\n"
              "powers it off, and compares them with the golden file event by event. Prints\n"
              "the verdict, the explanation of any mismatch and where the reports are.\n"
              "A guest that stops (powers off, resets, panics) before its agent answers has\n"
              "no agent: the host reads the event log from its memory and the PCRs from\n"
              "swtpm, compares those, and reports the agent's steps as skipped.\n"
              "\n"
              "  --image DIR       a built image: vmlinuz, initrd.img, cmdline and golden/\n"
              "                    (make image), booted directly\n"
              "  --image DISK      a raw (GPT) or qcow2 disk image that OVMF boots from its\n"
              "                    EFI system partition, read-only (make image-disk);\n"
              "                    needs --golden FILE\n"
              "  --backend B       the platform: fake (the only one this version boots)\n"
              "  --golden G        'auto' (default): DIR/golden/fake.json; or a golden file\n"
              "  --memory SIZE     guest memory (default 2G)\n"
              "  --vcpus N         vCPUs (default 1)\n"
              "  --cmdline S       replaces the image's command line (not for a disk)\n"
              "  --firmware F      OVMF image (default /usr/share/ovmf/OVMF.fd)\n"
              "  --qemu BIN        QEMU binary (default qemu-system-x86_64)\n"
              "  --nic MODEL[,romfile=FILE]\n"
              "                    adds a PCI NIC (virtio-net-pci, e1000, ...) at 00:02.0,\n"
              "                    with no network behind it; OVMF runs its option ROM:\n"
              "                    QEMU's default for the model, FILE, or none (romfile=)\n"
              "  --out RUNDIR      run directory (default: a new one under $TMPDIR)\n"
              "  --timeout S       seconds from QEMU's start to the agent's hello (default 300);\n"
              "                    with --no-agent, until the guest is read even if it runs\n"
              "  --no-agent        the image has no agent: wait for the guest to stop, then\n"
              "                    read its measurements from the host\n"
              "  --json            print the JSON report on stdout\n"
              "\n"
              "Exit status: 0 match, 1 mismatch, 2 bad input, 3 infrastructure failure.\n",
              f);
}

static void print_result(const struct boot_check_result *res)
{
        printf("verdict: %s\n", res->verdict ? res->verdict : "unknown");
        if (res->reason && res->exit_code != TDXH_EXIT_MISMATCH)
                printf("reason: %s\n", res->reason);
        if (res->explanation.len)
                fputs(res->explanation.data, stdout);
        if (res->run_dir)
                printf("run directory: %s\n", res->run_dir);
        if (res->report_dir)
                cli_print_report_paths(res->report_dir);
        fflush(stdout);
}

/* MODEL[,romfile=FILE]: the model is checked with the platform; romfile=
 * with nothing after it drops the ROM, as in QEMU. */
static int nic_arg(const struct cli_getopt *g, char *text, struct boot_check_opts *o)
{
        char *comma = strchr(text, ',');

        if (comma) {
                if (strncmp(comma + 1, "romfile=", 8) != 0)
                        return cli_opt_error(g, "'%s': expected MODEL or MODEL,romfile=FILE", text);
                *comma = '\0';
                o->nic_romfile = comma + 9;
        }
        if (!*text)
                return cli_opt_error(g, "'%s': the NIC model is empty", text);
        o->nic_model = text;
        return 0;
}

int cmd_boot(int argc, char **argv)
{
        enum { OPT_IMAGE = 0x100, OPT_BACKEND, OPT_GOLDEN, OPT_MEMORY, OPT_VCPUS, OPT_CMDLINE,
               OPT_FIRMWARE, OPT_QEMU, OPT_NIC, OPT_OUT, OPT_TIMEOUT, OPT_JSON, OPT_NO_AGENT };
        static const struct option opts[] = {
                { "image", required_argument, NULL, OPT_IMAGE },
                { "backend", required_argument, NULL, OPT_BACKEND },
                { "golden", required_argument, NULL, OPT_GOLDEN },
                { "memory", required_argument, NULL, OPT_MEMORY },
                { "vcpus", required_argument, NULL, OPT_VCPUS },
                { "cmdline", required_argument, NULL, OPT_CMDLINE },
                { "firmware", required_argument, NULL, OPT_FIRMWARE },
                { "qemu", required_argument, NULL, OPT_QEMU },
                { "nic", required_argument, NULL, OPT_NIC },
                { "out", required_argument, NULL, OPT_OUT },
                { "timeout", required_argument, NULL, OPT_TIMEOUT },
                { "json", no_argument, NULL, OPT_JSON },
                { "no-agent", no_argument, NULL, OPT_NO_AGENT },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        _cleanup_boot_check_result_ struct boot_check_result res = { 0 };
        _cleanup_signal_watch_ struct signal_watch sw = SIGNAL_WATCH_INIT;
        struct cli_getopt g = CLI_GETOPT_INIT("boot", "+h", opts);
        struct boot_check_opts o = { .on_progress = cli_show_progress, .userdata = (void *)"boot" };
        struct tdxh_err e = { 0 };
        bool json = false;
        int c, r, code;

        while ((c = cli_getopt_next(&g, argc, argv)) != CLI_OPT_END) {
                switch (c) {
                case OPT_IMAGE:
                        o.image = optarg;
                        break;
                case OPT_BACKEND:
                        if (strcmp(optarg, "fake") != 0)
                                return cli_opt_error(&g, "'%s' is not available (this version boots "
                                                     "the fake backend)", optarg);
                        break;
                case OPT_GOLDEN:
                        o.golden = optarg;
                        break;
                case OPT_MEMORY:
                        r = cli_opt_size(&g, optarg, &o.memory);
                        if (r)
                                return r;
                        break;
                case OPT_VCPUS:
                        r = cli_opt_uint(&g, optarg, 1, 288, "a vCPU count", &o.vcpus);
                        if (r)
                                return r;
                        break;
                case OPT_CMDLINE:
                        o.cmdline = optarg;
                        break;
                case OPT_FIRMWARE:
                        o.firmware = optarg;
                        break;
                case OPT_QEMU:
                        o.qemu = optarg;
                        break;
                case OPT_NIC:
                        r = nic_arg(&g, optarg, &o);
                        if (r)
                                return r;
                        break;
                case OPT_OUT:
                        o.out_dir = optarg;
                        break;
                case OPT_TIMEOUT:
                        r = cli_opt_uint(&g, optarg, 1, 86400, "a number of seconds", &o.timeout_s);
                        if (r)
                                return r;
                        break;
                case OPT_JSON:
                        json = true;
                        break;
                case OPT_NO_AGENT:
                        o.no_agent = true;
                        break;
                case 'h':
                        usage(stdout);
                        return TDXH_EXIT_OK;
                default:
                        return TDXH_EXIT_BAD_INPUT;
                }
        }
        r = cli_opt_no_more_args(&g, argc, argv, 0);
        if (r)
                return r;
        if (!o.image)
                return cli_usage_error("boot", "--image is required");
        log_set_machine_output(json);
        r = cli_watch_signals(&sw);
        if (r)
                return r;
        code = boot_check_run(&o, &sw, &res, &e);
        if (code != TDXH_EXIT_OK && code != TDXH_EXIT_MISMATCH && e.msg[0])
                log_error("%s", e.msg);
        if (json && res.report_dir && cli_print_report_json(res.report_dir) == 0)
                return code;
        print_result(&res);
        return code;
}
