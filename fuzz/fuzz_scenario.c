/* libFuzzer target: scenario_parse() on arbitrary text. Whatever parses must
 * start with a boot and free cleanly; whatever is refused must be refused
 * with -EINVAL and one line that starts with the file's name (or -ENOMEM). */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check/scenario.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const char name[] = "fuzz/s.yaml";
        struct tdxh_err e = { 0 };
        struct scenario s;
        int r;

        r = scenario_parse(name, (const char *)data, size, &s, &e);
        if (r == 0) {
                if (!s.name || s.n_steps == 0 || s.steps[0].kind != STEP_BOOT)
                        abort();
                scenario_free(&s);
                return 0;
        }
        if (r == -ENOMEM)
                return 0;
        if (r != -EINVAL || strncmp(e.msg, name, strlen(name)) != 0 || e.msg[strlen(name)] != ':' ||
            strchr(e.msg, '\n'))
                abort();
        return 0;
}
