/* tdxh diff: golden file against observed evidence, register by register and
 * event by event, without the explanations (cmd_explain.c does both; this
 * is the same engine with explanations and input options turned off). */
#include "cli.h"

int cmd_diff(int argc, char **argv)
{
        return cli_compare(argc, argv, false);
}
