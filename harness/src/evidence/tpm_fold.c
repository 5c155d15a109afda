/* TPM event log fold; see tpm_fold.h. The walk reads only what the fold
 * needs (PCR index, event type, the SHA-384 digest, StartupLocality); the
 * full decoder is evidence/eventlog.h. */
#include "evidence/tpm_fold.h"

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "core/event_type.h"
#include "core/le.h"

#define SPEC_ID_SIGNATURE "Spec ID Event03"
#define STARTUP_LOCALITY "StartupLocality"
#define MAX_ALGS EVLOG_MAX_ALGS

struct spec_alg {
        uint16_t id;
        uint16_t size;
};

int tpm_fold_rtmr_of_pcr(uint32_t pcr)
{
        if (pcr == 1 || pcr == 7)
                return 0;
        if (pcr >= 2 && pcr <= 6)
                return 1;
        if (pcr >= 8 && pcr <= 15 && pcr != 10)
                return 2;
        return -1;
}

static bool tail_is_padding(const uint8_t *p, size_t n)
{
        bool zero = true, ones = true;

        for (size_t i = 0; i < n; i++) {
                zero = zero && p[i] == 0x00;
                ones = ones && p[i] == 0xff;
        }
        return zero || ones;
}

/* The first record is a SHA-1-format TCG_PCR_EVENT carrying the Spec ID
 * event, which lists the digest sizes of every bank in the log. */
static int parse_header(const uint8_t *log, size_t len, struct spec_alg *algs, size_t *n_algs,
                        size_t *ret_off, struct tdxh_err *e)
{
        uint32_t size, count;
        const uint8_t *ev;

        if (len < 32)
                return err_setf(e, -EINVAL, "offset 0x0: log of %zu bytes is shorter than its "
                                "first record", len);
        if (le32_get(log + 4) != EV_NO_ACTION)
                return err_setf(e, -EINVAL, "offset 0x4: first event type 0x%x is not "
                                "EV_NO_ACTION (not a crypto-agile log)", le32_get(log + 4));
        size = le32_get(log + 28);
        if (size > len - 32 || size < 24 + 4 + 1)
                return err_setf(e, -EINVAL, "offset 0x1c: Spec ID event size %u does not fit",
                                size);
        ev = log + 32;
        if (memcmp(ev, SPEC_ID_SIGNATURE, sizeof(SPEC_ID_SIGNATURE)) != 0)
                return err_setf(e, -EINVAL, "offset 0x20: no \"%s\" signature",
                                SPEC_ID_SIGNATURE);
        count = le32_get(ev + 24);
        if (count == 0 || count > MAX_ALGS || 28 + (size_t)count * 4 > size)
                return err_setf(e, -EINVAL, "offset 0x38: Spec ID lists %u algorithms", count);
        for (uint32_t i = 0; i < count; i++) {
                algs[i].id = le16_get(ev + 28 + 4 * i);
                algs[i].size = le16_get(ev + 30 + 4 * i);
                if (algs[i].size == 0 || algs[i].size > DIGEST_MAX_LEN)
                        return err_setf(e, -EINVAL, "offset 0x%zx: digest size %u of algorithm "
                                        "0x%04x", (size_t)(60 + 4 * i), algs[i].size,
                                        algs[i].id);
        }
        *n_algs = count;
        *ret_off = 32 + size;
        return 0;
}

static const struct spec_alg *find_alg(const struct spec_alg *algs, size_t n, uint16_t id)
{
        for (size_t i = 0; i < n; i++)
                if (algs[i].id == id)
                        return &algs[i];
        return NULL;
}

/* Applies one TCG_PCR_EVENT2 whose SHA-384 digest is at sha384 (or NULL). */
static void apply(struct tpm_fold *f, uint32_t pcr, uint32_t type, const uint8_t *sha384,
                  const uint8_t *data, uint32_t data_len)
{
        int rtmr;

        if (type == EV_NO_ACTION) {
                /* StartupLocality sets PCR 0's starting value to the locality
                 * the firmware started in (TCG PC Client PFP). */
                if (pcr == 0 && data_len >= sizeof(STARTUP_LOCALITY) + 1 &&
                    memcmp(data, STARTUP_LOCALITY, sizeof(STARTUP_LOCALITY)) == 0 &&
                    !(f->pcr_extended & 1u)) {
                        memset(f->pcr[0], 0, SHA384_LEN);
                        f->pcr[0][SHA384_LEN - 1] = data[sizeof(STARTUP_LOCALITY)];
                }
                return;
        }
        if (!sha384 || pcr >= TPM_FOLD_NPCR)
                return;
        rtmr_extend(f->pcr[pcr], sha384);
        f->pcr_extended |= 1u << pcr;
        rtmr = tpm_fold_rtmr_of_pcr(pcr);
        if (rtmr >= 0)
                rtmr_extend(f->rtmr[rtmr], sha384);
}

int tpm_fold_log(const uint8_t *log, size_t len, struct tpm_fold *ret, struct tdxh_err *e)
{
        struct spec_alg algs[MAX_ALGS];
        struct tpm_fold f;
        size_t n_algs = 0, off = 0;
        int r;

        memset(&f, 0, sizeof(f));
        r = parse_header(log, len, algs, &n_algs, &off, e);
        if (r < 0)
                return r;
        if (!find_alg(algs, n_algs, TPM_ALG_SHA384))
                return err_setf(e, -ENODATA, "offset 0x20: the log has no SHA-384 bank");
        while (off < len) {
                const uint8_t *rec = log + off, *sha384 = NULL;
                size_t pos = 12;
                uint32_t pcr, type, count, data_len;

                if (tail_is_padding(rec, len - off))
                        break;
                if (len - off < 12)
                        return err_setf(e, -EINVAL, "offset 0x%zx: truncated record header", off);
                pcr = le32_get(rec);
                type = le32_get(rec + 4);
                count = le32_get(rec + 8);
                if (count == 0 || count > n_algs)
                        return err_setf(e, -EINVAL, "offset 0x%zx: digest count %u (the log "
                                        "declares %zu banks)", off + 8, count, n_algs);
                for (uint32_t i = 0; i < count; i++) {
                        const struct spec_alg *a;
                        uint16_t id;

                        if (len - off < pos + 2)
                                return err_setf(e, -EINVAL, "offset 0x%zx: truncated digest",
                                                off + pos);
                        id = le16_get(rec + pos);
                        a = find_alg(algs, n_algs, id);
                        if (!a)
                                return err_setf(e, -EINVAL, "offset 0x%zx: algorithm 0x%04x "
                                                "not declared in the Spec ID event", off + pos,
                                                id);
                        if (len - off < pos + 2 + a->size)
                                return err_setf(e, -EINVAL, "offset 0x%zx: truncated digest",
                                                off + pos);
                        if (id == TPM_ALG_SHA384)
                                sha384 = rec + pos + 2;
                        pos += 2u + a->size;
                }
                if (len - off < pos + 4)
                        return err_setf(e, -EINVAL, "offset 0x%zx: truncated event size",
                                        off + pos);
                data_len = le32_get(rec + pos);
                pos += 4;
                if (data_len > len - off - pos)
                        return err_setf(e, -EINVAL, "offset 0x%zx: event size %u runs past the "
                                        "end of the log", off + pos - 4, data_len);
                if (!sha384 && type != EV_NO_ACTION)
                        return err_setf(e, -ENODATA, "offset 0x%zx: event without a SHA-384 "
                                        "digest", off);
                apply(&f, pcr, type, sha384, rec + pos, data_len);
                f.n_events++;
                off += pos + data_len;
        }
        *ret = f;
        return 0;
}
