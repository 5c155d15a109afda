/* tdxh version: the harness version and the library versions it runs with. */
#include <json-c/json.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "tdxh_version.h"

int cmd_version(int argc, char **argv)
{
        if (argc > 1) {
                if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                        puts("Usage: tdxh version");
                        return TDXH_EXIT_OK;
                }
                return cli_usage_error("version", "unexpected argument '%s'", argv[1]);
        }
        printf("tdxh %s\n", TDXH_VERSION);
        printf("OpenSSL %s, json-c %s\n", OpenSSL_version(OPENSSL_VERSION_STRING),
               json_c_version());
        return TDXH_EXIT_OK;
}
