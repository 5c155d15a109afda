/* tdxh version: the harness version, the library versions it runs with, and
 * the data directory it reads scenarios and reference golden files from. */
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <stdio.h>

#include "cli.h"
#include "core/cleanup.h"
#include "core/datadir.h"
#include "options.h"
#include "tdxh_version.h"

int cmd_version(int argc, char **argv)
{
        static const struct option opts[] = {
                { "help", no_argument, NULL, 'h' },
                {}
        };
        struct cli_getopt g = CLI_GETOPT_INIT("version", "+h", opts);
        struct tdxh_err e = { 0 };
        _cleanup_free_ char *data = NULL;
        int c, r;

        while ((c = cli_getopt_next(&g, argc, argv)) != CLI_OPT_END) {
                if (c != 'h')
                        return TDXH_EXIT_BAD_INPUT;
                puts("Usage: tdxh version\n"
                     "\n"
                     "Prints the version of tdxh, the versions of OpenSSL and json-c it runs with,\n"
                     "and the data directory it reads the scenario library and the reference\n"
                     "golden files from (TDXH_DATADIR overrides it).");
                return TDXH_EXIT_OK;
        }
        r = cli_opt_no_more_args(&g, argc, argv, 0);
        if (r)
                return r;
        printf("tdxh %s\n", TDXH_VERSION);
        printf("OpenSSL %s, json-c %s\n", OpenSSL_version(OPENSSL_VERSION_STRING),
               json_c_version());
        if (datadir_find(&data, &e) < 0)
                printf("data: none (%s)\n", e.msg);
        else
                printf("data: %s\n", data);
        return TDXH_EXIT_OK;
}
