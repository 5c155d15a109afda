/* tdxh host-check: can this host run TDs (TDX-REFERENCE §8.1)? Prints each
 * check of the probe (run/host_check.h) with its evidence and what to do;
 * exits 0 only when TDs can run, else 3. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "core/cleanup.h"
#include "core/json_util.h"
#include "options.h"
#include "run/host_check.h"
#include "run/signals.h"

static void usage(FILE *f)
{
        fputs("Usage: tdxh host-check [--json] [--qemu BIN] [--firmware F] [--qgs-socket PATH]\n"
              "                       [--connect URI]\n"
              "\n"
              "Checks whether this host can run TDX guests (TDs): the CPU's tdx_host_platform\n"
              "flag, kvm_intel's tdx parameter, the TDX VM type of /dev/kvm, free TDX KeyIDs in\n"
              "the misc cgroup, a QEMU (>= 10.1) with the tdx-guest object, and a TDVF firmware.\n"
              "The quote generation service's socket and libvirt (virsh domcapabilities) are\n"
              "reported too, but a TD runs without them. Each check prints pass, fail or\n"
              "unknown, the evidence it read, and what to do.\n"
              "\n"
              "  --json            print the result as JSON\n"
              "  --qemu BIN        QEMU binary (default qemu-system-x86_64)\n"
              "  --firmware F      the TDVF to check (default: the usual OVMF.inteltdx.fd and\n"
              "                    OVMF.fd paths)\n"
              "  --qgs-socket PATH the QGS socket (default " HOST_CHECK_QGS_SOCKET ")\n"
              "  --connect URI     libvirt URI for domcapabilities (default " HOST_CHECK_LIBVIRT_URI ")\n"
              "\n"
              "Exit status: 0 TDs can run here, 2 bad usage, 3 TDs cannot run here (or a\n"
              "required check could not tell).\n",
              f);
}

static void print_text(const struct host_check *hc)
{
        printf("tdxh host-check: %s\n",
               hc->can_run_tds ? "this host can run TDs" : "this host cannot run TDs");
        for (size_t i = 0; i < HC_COUNT; i++) {
                const struct host_check_item *it = &hc->items[i];

                printf("%-8s %-11s %s%s\n", host_check_status_name(it->status),
                       host_check_name((enum host_check_id)i), it->evidence,
                       it->required ? "" : " (optional)");
                if (it->advice)
                        printf("%-20s to do: %s\n", "", it->advice);
        }
}

int cmd_host_check(int argc, char **argv)
{
        enum { OPT_JSON = 0x100, OPT_QEMU, OPT_FIRMWARE, OPT_QGS, OPT_CONNECT };
        static const struct option opts[] = {
                { "json", no_argument, NULL, OPT_JSON },
                { "qemu", required_argument, NULL, OPT_QEMU },
                { "firmware", required_argument, NULL, OPT_FIRMWARE },
                { "qgs-socket", required_argument, NULL, OPT_QGS },
                { "connect", required_argument, NULL, OPT_CONNECT },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct cli_getopt g = CLI_GETOPT_INIT("host-check", "+h", opts);
        _cleanup_signal_watch_ struct signal_watch sw = SIGNAL_WATCH_INIT;
        _cleanup_host_check_ struct host_check hc = { 0 };
        struct host_check_opts o = { 0 };
        struct tdxh_err e = { 0 };
        bool json = false;
        int c, r;

        while ((c = cli_getopt_next(&g, argc, argv)) != CLI_OPT_END) {
                switch (c) {
                case OPT_JSON:
                        json = true;
                        break;
                case OPT_QEMU:
                        o.qemu = optarg;
                        break;
                case OPT_FIRMWARE:
                        o.firmware = optarg;
                        break;
                case OPT_QGS:
                        o.qgs_socket = optarg;
                        break;
                case OPT_CONNECT:
                        o.connect = optarg;
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
        r = cli_watch_signals(&sw);
        if (r)
                return r;
        r = host_check_run(&o, &sw, &hc, &e);
        if (r < 0)
                return r == -ECANCELED ? 130 : cli_report(r, &e);
        if (json) {
                _cleanup_json_ json_object *j = NULL;

                if (host_check_json(&hc, &j) < 0)
                        return cli_report(-ENOMEM, NULL);
                puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE));
        } else {
                print_text(&hc);
        }
        return hc.can_run_tds ? TDXH_EXIT_OK : TDXH_EXIT_INFRA;
}
