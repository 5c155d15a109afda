/* tdxh golden publish / verify-published: the golden files of one image
 * as a signed artifact of reference values to ship with a release, and the
 * check of one (golden/golden_publish.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "core/log.h"
#include "golden/golden_publish.h"
#include "options.h"
#include "tdxh_version.h"

static void publish_usage(FILE *f)
{
        fputs("Usage: tdxh golden publish GOLDEN... --key KEY.pem -o DIR\n"
              "\n"
              "Writes the reference values of one image (one golden file per profile) to DIR:\n"
              "reference-values.json (the image's hashes, each profile's MRTD and RTMR values,\n"
              "'fake' where they come from the fake platform), its detached signature\n"
              "reference-values.json.sig, reference-values.md for release notes, and\n"
              "trustee-rvps-message.json (the genuine values as a trustee RVPS message).\n"
              "\n"
              "Options:\n"
              "  --key FILE          PEM private key (ECDSA or RSA: SHA-384; or Ed25519)\n"
              "  -o, --output DIR    the artifact directory (created if missing)\n"
              "\n"
              "Exit status: 0 written, 2 bad input (golden files of different images, a key\n"
              "that cannot sign).\n",
              f);
}

static void verify_usage(FILE *f)
{
        fputs("Usage: tdxh golden verify-published DIR --pubkey PUB.pem\n"
              "\n"
              "Checks an artifact of 'tdxh golden publish': the signature over\n"
              "reference-values.json, then the SHA-256 of every file it lists.\n"
              "\n"
              "Options:\n"
              "  --pubkey FILE       the publisher's PEM public key\n"
              "\n"
              "Exit status: 0 the artifact is as published, 1 it is not (the file named),\n"
              "2 bad input (no artifact in DIR, a key that cannot be read).\n",
              f);
}

int cmd_golden_publish(int argc, char **argv)
{
        enum { OPT_KEY = 0x100 };
        static const struct option opts[] = {
                { "key", required_argument, NULL, OPT_KEY },
                { "output", required_argument, NULL, 'o' },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct cli_getopt g = CLI_GETOPT_INIT("golden publish", "ho:", opts);
        struct golden_publish_opts o = { .tool_version = TDXH_VERSION };
        struct tdxh_err e = { 0 };
        int c, r;

        while ((c = cli_getopt_next(&g, argc, argv)) != CLI_OPT_END) {
                switch (c) {
                case OPT_KEY:
                        o.key = optarg;
                        break;
                case 'o':
                        o.out_dir = optarg;
                        break;
                case 'h':
                        publish_usage(stdout);
                        return TDXH_EXIT_OK;
                default:
                        return TDXH_EXIT_BAD_INPUT;
                }
        }
        if (optind >= argc)
                return cli_usage_error("golden publish", "no golden file given");
        if (!o.key || !o.out_dir)
                return cli_usage_error("golden publish", "--key and -o DIR are required");
        o.goldens = (const char *const *)argv + optind;
        o.n_goldens = (size_t)(argc - optind);
        r = golden_publish(&o, &e);
        if (r < 0)
                return cli_report(r == -ENOMEM ? r : -EINVAL, &e);
        printf("published %zu profile%s to %s\n", o.n_goldens, o.n_goldens == 1 ? "" : "s", o.out_dir);
        return TDXH_EXIT_OK;
}

int cmd_golden_verify_published(int argc, char **argv)
{
        enum { OPT_PUBKEY = 0x100 };
        static const struct option opts[] = {
                { "pubkey", required_argument, NULL, OPT_PUBKEY },
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct cli_getopt g = CLI_GETOPT_INIT("golden verify-published", "h", opts);
        const char *pubkey = NULL;
        struct tdxh_err e = { 0 };
        int c, r;

        while ((c = cli_getopt_next(&g, argc, argv)) != CLI_OPT_END) {
                switch (c) {
                case OPT_PUBKEY:
                        pubkey = optarg;
                        break;
                case 'h':
                        verify_usage(stdout);
                        return TDXH_EXIT_OK;
                default:
                        return TDXH_EXIT_BAD_INPUT;
                }
        }
        if (optind >= argc)
                return cli_usage_error("golden verify-published", "no artifact directory given");
        r = cli_opt_no_more_args(&g, argc, argv, 1);
        if (r)
                return r;
        if (!pubkey)
                return cli_usage_error("golden verify-published", "--pubkey is required");
        r = golden_verify_published(argv[optind], pubkey, &e);
        if (r < 0)
                return cli_report(r == -ENOMEM ? r : -EINVAL, &e);
        if (r > 0) {
                log_error("%s", e.msg);
                printf("verdict: the artifact is NOT as published\n");
                return TDXH_EXIT_MISMATCH;
        }
        printf("verdict: the artifact is as published (signature and every file checked)\n");
        return TDXH_EXIT_OK;
}
