/* libFuzzer target for the event-log readers: every input is parsed with
 * each format hint (detect, CCEL, TPM, JSON), and what parses is replayed
 * and rendered as JSON, so the decoders run on the fuzzed event data too. */
#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "evidence/eventlog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
        static const int hints[] = { -1, EVLOG_CCEL, EVLOG_TPM, EVLOG_JSON };

        for (size_t i = 0; i < sizeof(hints) / sizeof(hints[0]); i++) {
                struct evlog l = { 0 };
                struct tdxh_err e = { 0 };
                uint8_t reg[4][48];
                json_object *o = NULL;

                if (evlog_parse(data, size, hints[i], &l, &e) < 0)
                        continue;
                (void)evlog_replay(&l, reg, &e);
                if (evlog_to_json(&l, &o) == 0)
                        json_object_put(o);
                evlog_free(&l);
        }
        return 0;
}
