/* The agent's request handling on the host, against the file provider: every
 * operation's result fields, the RTMR3 log, bad requests (each answered with
 * the protocol's errno, never ending the agent), the line framing with its
 * 1 MiB limit, and the fake platform's TPM log fold on a log captured from a
 * boot of the minimal image (tests/data/fake_tpm_eventlog.bin, whose PCR
 * replay the agent had checked against swtpm's PCRs). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent.h"
#include "channel.h"
#include "core/base64.h"
#include "core/buf.h"
#include "core/digest.h"
#include "core/hex.h"
#include "evidence/eventlog.h"
#include "evidence/tpm_fold.h"
#include "testutil.h"

struct fixture {
        char *dir;
        struct agent a;
};

static void put(const char *dir, const char *name, const void *data, size_t len)
{
        char *path = NULL;
        FILE *f;

        ck_assert_int_ge(asprintf(&path, "%s/%s", dir, name), 0);
        f = fopen(path, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(data, 1, len, f), len);
        fclose(f);
        free(path);
}

/* A platform directory with MRTD = 0x11.., RTMRi = 0x20+i.., attributes. */
static void fixture_open(struct fixture *fx)
{
        struct provider prov;
        struct tdxh_err e = { 0 };
        uint8_t reg[48], attr[8] = { 0, 0, 0, 0x10 };
        char name[8];

        fx->dir = tmpdir_make();
        memset(reg, 0x11, sizeof(reg));
        put(fx->dir, "mrtd", reg, sizeof(reg));
        for (int i = 0; i < 3; i++) {
                memset(reg, 0x20 + i, sizeof(reg));
                snprintf(name, sizeof(name), "rtmr%d", i);
                put(fx->dir, name, reg, sizeof(reg));
        }
        put(fx->dir, "td_attributes", attr, sizeof(attr));
        ck_assert_msg(provider_open("file", "", fx->dir, &prov, &e) == 0, "%s", e.msg);
        agent_init(&fx->a, &prov);
}

static void fixture_close(struct fixture *fx)
{
        agent_done(&fx->a);
        tmpdir_remove(fx->dir);
}

static json_object *handle(struct fixture *fx, const char *line)
{
        json_object *r = agent_handle_line(&fx->a, line, strlen(line));

        ck_assert_ptr_nonnull(r);
        return r;
}

static const char *get_str(json_object *o, const char *key)
{
        json_object *v;

        ck_assert_msg(json_object_object_get_ex(o, key, &v) && v, "no %s in %s", key,
                      json_object_to_json_string(o));
        return json_object_get_string(v);
}

static void assert_ok(json_object *o)
{
        json_object *v;

        ck_assert_msg(json_object_object_get_ex(o, "ok", &v) && json_object_get_boolean(v),
                      "not ok: %s", json_object_to_json_string(o));
}

/* The response is an error with err; id is checked when want_id >= 0, and
 * must be JSON null when want_id is -1. */
static void assert_error(struct fixture *fx, const char *line, int err, int want_id)
{
        json_object *r = handle(fx, line), *v;

        ck_assert_msg(json_object_object_get_ex(r, "errno", &v) && json_object_get_int(v) == err,
                      "%s: expected errno %d, got %s", line, err, json_object_to_json_string(r));
        ck_assert(json_object_object_get_ex(r, "ok", &v) && !json_object_get_boolean(v));
        ck_assert(json_object_object_get_ex(r, "error", &v) && json_object_get_string_len(v) > 0);
        ck_assert(json_object_object_get_ex(r, "id", &v));
        if (want_id < 0)
                ck_assert_ptr_null(v);
        else
                ck_assert_int_eq(json_object_get_int(v), want_id);
        json_object_put(r);
}

START_TEST(test_agent_hello_and_registers_from_files)
{
        struct fixture fx;
        json_object *r;
        uint8_t reg[48];
        char hex[97];

        fixture_open(&fx);
        r = handle(&fx, "{\"id\":1,\"op\":\"hello\"}");
        assert_ok(r);
        ck_assert_str_eq(get_str(r, "provider"), "file");
        ck_assert_str_eq(get_str(r, "protocol"), "1");
        ck_assert_str_eq(get_str(r, "id"), "1");
        json_object_put(r);

        r = handle(&fx, "{\"id\":2,\"op\":\"registers\"}");
        assert_ok(r);
        memset(reg, 0x11, sizeof(reg));
        hex_encode(reg, sizeof(reg), hex);
        ck_assert_str_eq(get_str(r, "mrtd"), hex);
        memset(reg, 0x22, sizeof(reg));
        hex_encode(reg, sizeof(reg), hex);
        ck_assert_str_eq(get_str(r, "rtmr2"), hex);
        memset(reg, 0, sizeof(reg));
        hex_encode(reg, sizeof(reg), hex);
        ck_assert_str_eq(get_str(r, "rtmr3"), hex);
        ck_assert_str_eq(get_str(r, "td_attributes"), "0000001000000000");
        {
                json_object *xfam;

                ck_assert(json_object_object_get_ex(r, "xfam", &xfam));
                ck_assert_ptr_null(xfam);
        }
        json_object_put(r);
        fixture_close(&fx);
}
END_TEST

START_TEST(test_agent_extend_keeps_rtmr3_log)
{
        struct fixture fx;
        uint8_t d[48], file_digest[48], rtmr3[48] = { 0 }, got[48];
        char *line = NULL, *file = NULL, hex[97];
        json_object *r, *log, *ev;

        fixture_open(&fx);
        memset(d, 0x5a, sizeof(d));
        hex_encode(d, sizeof(d), hex);
        ck_assert_int_ge(asprintf(&line, "{\"id\":3,\"op\":\"extend\",\"rtmr\":3,\"digest\":\"%s\","
                                  "\"event\":\"app\"}", hex), 0);
        r = handle(&fx, line);
        assert_ok(r);
        rtmr_extend(rtmr3, d);
        ck_assert_int_eq(hex_decode_exact(get_str(r, "rtmr3"), got, 48), 0);
        ck_assert_mem_eq(got, rtmr3, 48);
        json_object_put(r);
        free(line);

        /* A file is extended by its SHA-384, and named in the log. */
        ck_assert_int_ge(asprintf(&file, "%s/payload", fx.dir), 0);
        put(fx.dir, "payload", "payload bytes", 13);
        ck_assert_int_eq(digest_buf(DIGEST_SHA384, "payload bytes", 13, file_digest), 0);
        ck_assert_int_ge(asprintf(&line, "{\"id\":4,\"op\":\"extend\",\"rtmr\":3,\"file\":\"%s\"}",
                                  file), 0);
        r = handle(&fx, line);
        assert_ok(r);
        rtmr_extend(rtmr3, file_digest);
        ck_assert_int_eq(hex_decode_exact(get_str(r, "rtmr3"), got, 48), 0);
        ck_assert_mem_eq(got, rtmr3, 48);
        json_object_put(r);
        free(line);

        put(fx.dir, "eventlog", "\x01\x02\x03", 3);
        r = handle(&fx, "{\"id\":5,\"op\":\"event-log\"}");
        assert_ok(r);
        ck_assert_str_eq(get_str(r, "format"), "ccel");
        ck_assert_str_eq(get_str(r, "log"), "AQID");
        ck_assert(json_object_object_get_ex(r, "rtmr3_log", &log));
        ck_assert_uint_eq(json_object_array_length(log), 2);
        ev = json_object_array_get_idx(log, 0);
        hex_encode(d, sizeof(d), hex);
        ck_assert_str_eq(get_str(ev, "digest"), hex);
        ck_assert_str_eq(get_str(ev, "event"), "app");
        ck_assert_str_eq(get_str(json_object_array_get_idx(log, 1), "event"), file);
        json_object_put(r);

        /* The value on "disk" is what registers reports. */
        r = handle(&fx, "{\"id\":6,\"op\":\"registers\"}");
        hex_encode(rtmr3, sizeof(rtmr3), hex);
        ck_assert_str_eq(get_str(r, "rtmr3"), hex);
        json_object_put(r);
        free(file);
        fixture_close(&fx);
}
END_TEST

#define ZERO48 "000000000000000000000000000000000000000000000000" \
               "000000000000000000000000000000000000000000000000"
#define ZERO64 ZERO48 "00000000000000000000000000000000"

START_TEST(test_agent_rejects_bad_requests_and_keeps_serving)
{
        struct fixture fx;
        static const char nul_line[] = "{\"id\":1,\0\"op\":\"hello\"}";
        json_object *r, *v;

        fixture_open(&fx);
        assert_error(&fx, "not json", EINVAL, -1);
        assert_error(&fx, "[1,2]", EINVAL, -1);
        assert_error(&fx, "{\"id\":1,\"op\":\"hello\"} trailing", EINVAL, -1);
        assert_error(&fx, "{\"id\":\"seven\",\"op\":\"hello\"}", EINVAL, -1);
        assert_error(&fx, "{\"id\":7}", EINVAL, 7);
        assert_error(&fx, "{\"id\":8,\"op\":\"frobnicate\"}", ENOSYS, 8);
        assert_error(&fx, "{\"id\":9,\"op\":\"extend\",\"rtmr\":2,\"digest\":\"" ZERO48 "\"}",
                     EINVAL, 9);
        assert_error(&fx, "{\"id\":10,\"op\":\"extend\",\"rtmr\":3,\"digest\":\"abcd\"}", EINVAL,
                     10);
        assert_error(&fx, "{\"id\":11,\"op\":\"extend\",\"rtmr\":3,\"digest\":\"" ZERO48
                          "\",\"file\":\"/etc/hostname\"}", EINVAL, 11);
        assert_error(&fx, "{\"id\":12,\"op\":\"extend\",\"rtmr\":3}", EINVAL, 12);
        assert_error(&fx, "{\"id\":13,\"op\":\"extend\",\"rtmr\":3,\"file\":\"/no/such\"}", ENOENT,
                     13);
        assert_error(&fx, "{\"id\":14,\"op\":\"digest\",\"path\":\"/no/such\"}", ENOENT, 14);
        assert_error(&fx, "{\"id\":15,\"op\":\"digest\"}", EINVAL, 15);
        assert_error(&fx, "{\"id\":16,\"op\":\"report\",\"report_data\":\"00\"}", EINVAL, 16);
        assert_error(&fx, "{\"id\":17,\"op\":\"report\",\"report_data\":\"" ZERO64 "\"}",
                     EOPNOTSUPP, 17);
        assert_error(&fx, "{\"id\":18,\"op\":\"quote\",\"report_data\":\"" ZERO64 "\"}",
                     EOPNOTSUPP, 18);
        assert_error(&fx, "{\"id\":19,\"op\":\"seal\",\"name\":\"k\",\"data\":\"AQID\"}",
                     EOPNOTSUPP, 19);
        assert_error(&fx, "{\"id\":20,\"op\":\"seal\",\"name\":\"k\",\"data\":\"AQID\","
                          "\"policy\":[\"rtmr9\"]}", EINVAL, 20);
        assert_error(&fx, "{\"id\":21,\"op\":\"seal\",\"name\":\"\",\"data\":\"AQID\"}", EINVAL, 21);
        assert_error(&fx, "{\"id\":22,\"op\":\"unseal\",\"name\":\"k\",\"blob\":\"not base64!\"}",
                     EINVAL, 22);
        assert_error(&fx, "{\"id\":23,\"op\":\"event-log\"}", ENOENT, 23);
        /* TPM attestation: fields are checked before the provider is asked. */
        assert_error(&fx, "{\"id\":24,\"op\":\"tpm-ak\"}", EOPNOTSUPP, 24);
        assert_error(&fx, "{\"id\":25,\"op\":\"tpm-quote\",\"nonce\":\"0011\"}", EOPNOTSUPP,
                     25);
        assert_error(&fx, "{\"id\":26,\"op\":\"tpm-quote\"}", EINVAL, 26);
        assert_error(&fx, "{\"id\":27,\"op\":\"tpm-quote\",\"nonce\":\"001\"}", EINVAL, 27);
        assert_error(&fx, "{\"id\":28,\"op\":\"tpm-quote\",\"nonce\":\"\"}", EINVAL, 28);
        assert_error(&fx, "{\"id\":29,\"op\":\"tpm-quote\",\"nonce\":\"" ZERO64
                          "00\"}", EINVAL, 29); /* 65 bytes */
        assert_error(&fx, "{\"id\":30,\"op\":\"tpm-quote\",\"nonce\":\"00\",\"pcrs\":[24]}",
                     EINVAL, 30);
        assert_error(&fx, "{\"id\":31,\"op\":\"tpm-quote\",\"nonce\":\"00\",\"pcrs\":[]}",
                     EINVAL, 31);
        assert_error(&fx, "{\"id\":32,\"op\":\"tpm-quote\",\"nonce\":\"00\",\"bank\":\"md5\"}",
                     EINVAL, 32);
        assert_error(&fx, "{\"id\":33,\"op\":\"tpm-activate\",\"credential_blob\":\"AQID\"}",
                     EINVAL, 33);
        assert_error(&fx, "{\"id\":34,\"op\":\"tpm-activate\",\"credential_blob\":\"AQID\","
                          "\"encrypted_secret\":\"\"}", EINVAL, 34);
        assert_error(&fx, "{\"id\":35,\"op\":\"tpm-activate\",\"credential_blob\":\"AQID\","
                          "\"encrypted_secret\":\"AQID\"}", EOPNOTSUPP, 35);
        r = agent_handle_line(&fx.a, nul_line, sizeof(nul_line) - 1);
        ck_assert(json_object_object_get_ex(r, "errno", &v) && json_object_get_int(v) == EINVAL);
        json_object_put(r);
        /* Still serving, and no request asked it to stop. */
        r = handle(&fx, "{\"id\":40,\"op\":\"hello\"}");
        assert_ok(r);
        json_object_put(r);
        ck_assert_int_eq(fx.a.exit_request, AGENT_EXIT_NONE);
        fixture_close(&fx);
}
END_TEST

START_TEST(test_agent_report_carries_report_data)
{
        struct fixture fx;
        uint8_t rep[1024], *got = NULL, rd[64];
        json_object *r;
        const char *b64;
        size_t len = 0;

        fixture_open(&fx);
        memset(rep, 0x77, sizeof(rep));
        put(fx.dir, "tdreport", rep, sizeof(rep));
        memset(rd, 0xab, sizeof(rd));
        r = handle(&fx, "{\"id\":1,\"op\":\"report\",\"report_data\":\""
                        "abababababababababababababababababababababababababababababababab"
                        "abababababababababababababababababababababababababababababababab\"}");
        assert_ok(r);
        b64 = get_str(r, "tdreport");
        ck_assert_int_eq(base64_decode(b64, strlen(b64), &got, &len), 0);
        ck_assert_uint_eq(len, 1024);
        ck_assert_mem_eq(got + 128, rd, 64);
        ck_assert_mem_eq(got, rep, 128);
        ck_assert_mem_eq(got + 192, rep + 192, 1024 - 192);
        free(got);
        json_object_put(r);
        fixture_close(&fx);
}
END_TEST

START_TEST(test_agent_poweroff_and_reboot_set_exit_request)
{
        struct fixture fx;
        json_object *r;

        fixture_open(&fx);
        r = handle(&fx, "{\"id\":1,\"op\":\"reboot\"}");
        assert_ok(r);
        json_object_put(r);
        ck_assert_int_eq(fx.a.exit_request, AGENT_EXIT_REBOOT);
        r = handle(&fx, "{\"id\":2,\"op\":\"poweroff\"}");
        assert_ok(r);
        json_object_put(r);
        ck_assert_int_eq(fx.a.exit_request, AGENT_EXIT_POWEROFF);
        fixture_close(&fx);
}
END_TEST

/* Feeds text through a file (reads of up to 64 KiB, like a port). */
static int feed(const char *dir, const char *text, size_t len)
{
        char *path = NULL;
        int fd;

        put(dir, "input", text, len);
        ck_assert_int_ge(asprintf(&path, "%s/input", dir), 0);
        fd = open(path, O_RDONLY);
        ck_assert_int_ge(fd, 0);
        free(path);
        return fd;
}

START_TEST(test_line_reader_discards_overlong_lines)
{
        char *dir = tmpdir_make(), *text, *line = NULL;
        size_t huge = 200000, len = 0, n = 0;
        struct line_reader lr;
        int fd;

        /* "a", a line of 200 bytes, one of 200000 bytes (several reads), "b". */
        text = malloc(huge + 400);
        ck_assert_ptr_nonnull(text);
        n += (size_t)sprintf(text, "a\n");
        memset(text + n, 'x', 200);
        n += 200;
        text[n++] = '\n';
        memset(text + n, 'y', huge);
        n += huge;
        text[n++] = '\n';
        n += (size_t)sprintf(text + n, "b\npartial");
        fd = feed(dir, text, n);
        line_reader_init(&lr, fd, 100);
        ck_assert_int_eq(line_reader_next(&lr, &line, &len), 1);
        ck_assert_str_eq(line, "a");
        ck_assert_int_eq(line_reader_next(&lr, &line, &len), -E2BIG);
        ck_assert_int_eq(line_reader_next(&lr, &line, &len), -E2BIG);
        ck_assert_int_eq(line_reader_next(&lr, &line, &len), 1);
        ck_assert_str_eq(line, "b");
        ck_assert_uint_eq(len, 1);
        /* A last line without its newline is dropped at end of input. */
        ck_assert_int_eq(line_reader_next(&lr, &line, &len), 0);
        ck_assert_uint_le(lr.cap, 100 + 2 * 65536 + 2);
        line_reader_done(&lr);
        close(fd);
        free(text);
        tmpdir_remove(dir);
}
END_TEST

START_TEST(test_base64_round_trip_and_strictness)
{
        const uint8_t in[] = { 0x00, 0xff, 0x10, 0x80, 0x7f };
        uint8_t *out = NULL;
        size_t len = 0;
        char *enc;

        for (size_t n = 0; n <= sizeof(in); n++) {
                enc = base64_encode(in, n);
                ck_assert_ptr_nonnull(enc);
                ck_assert_uint_eq(strlen(enc), 4 * ((n + 2) / 3));
                ck_assert_int_eq(base64_decode(enc, strlen(enc), &out, &len), 0);
                ck_assert_uint_eq(len, n);
                ck_assert(n == 0 || memcmp(out, in, n) == 0);
                free(out);
                free(enc);
        }
        ck_assert_int_eq(base64_decode("AQI", 3, &out, &len), -EINVAL);
        ck_assert_int_eq(base64_decode(" AQI", 4, &out, &len), -EINVAL);
        ck_assert_int_eq(base64_decode("A=QI", 4, &out, &len), -EINVAL);
        ck_assert_int_eq(base64_decode("AQ=I", 4, &out, &len), -EINVAL);
        ck_assert_int_eq(base64_decode("AQ==", 4, &out, &len), 0);
        ck_assert_uint_eq(len, 1);
        free(out);
}
END_TEST

START_TEST(test_tpm_fold_of_a_fake_platform_boot)
{
        static const char *const want[3] = {
                "38a5e4f408442b043d9aac5732e3431b467c5e9682d41d84093ce10658a3d736"
                "9a71af48b04716fec12deaa08406139e",
                "f3163e39c271028f50ddbe73fc4b40c41161a3b793f04d8ceb6b21e663748ff3"
                "57ab2deb6e7db1321d9fca674abfaafb",
                "936b4d6cc9489679b5cf7a79cb90641619b36cfaa3983353e83e75804da7ea45"
                "fb1775478e21a2bf31b7488b82c2add2",
        };
        char *path = test_data_path("fake_tpm_eventlog.bin");
        struct tdxh_err e = { 0 };
        struct tpm_fold f;
        uint8_t *log;
        size_t len;
        char hex[97];

        log = slurp(path, &len);
        ck_assert_msg(tpm_fold_log(log, len, &f, &e) == 0, "%s", e.msg);
        for (int i = 0; i < 3; i++) {
                hex_encode(f.rtmr[i], 48, hex);
                ck_assert_str_eq(hex, want[i]);
        }
        /* PCR 0-7 and 9 (the stub's command line and initrd) are in the log. */
        ck_assert_uint_eq(f.pcr_extended, 0x2ffu);
        /* The full event-log reader folds the same log to the same values. */
        {
                _cleanup_evlog_ struct evlog l = { 0 };
                uint8_t reg[4][48];

                ck_assert_msg(evlog_parse(log, len, EVLOG_TPM, &l, &e) == 0, "%s", e.msg);
                ck_assert_msg(evlog_replay(&l, reg, &e) == 0, "%s", e.msg);
                for (int i = 0; i < 3; i++)
                        ck_assert_mem_eq(reg[i], f.rtmr[i], 48);
        }
        /* Cut anywhere inside a record, the log is refused with an offset. */
        err_clear(&e);
        ck_assert_int_eq(tpm_fold_log(log, len - 7, &f, &e), -EINVAL);
        ck_assert_ptr_nonnull(strstr(e.msg, "offset 0x"));
        free(log);
        free(path);
}
END_TEST

static void put_event(struct buf *b, uint32_t pcr, uint32_t type, const uint8_t *sha256,
                      const uint8_t *sha384, const void *data, uint32_t data_len)
{
        ck_assert_int_ge(buf_put_le32(b, pcr), 0);
        ck_assert_int_ge(buf_put_le32(b, type), 0);
        ck_assert_int_ge(buf_put_le32(b, sha384 ? 2 : 1), 0);
        ck_assert_int_ge(buf_put_le16(b, 0x000b), 0);
        ck_assert_int_ge(buf_append(b, sha256, 32), 0);
        if (sha384) {
                ck_assert_int_ge(buf_put_le16(b, 0x000c), 0);
                ck_assert_int_ge(buf_append(b, sha384, 48), 0);
        }
        ck_assert_int_ge(buf_put_le32(b, data_len), 0);
        ck_assert_int_ge(buf_append(b, data, data_len), 0);
}

/* The Spec ID header: a SHA-1-format record listing SHA-256 and, when
 * with_sha384, SHA-384. */
static void put_header(struct buf *b, bool with_sha384)
{
        static const uint8_t zero20[20];
        struct buf ev = BUF_INIT;

        ck_assert_int_ge(buf_append(&ev, "Spec ID Event03", 16), 0);
        ck_assert_int_ge(buf_put_le32(&ev, 0), 0);
        ck_assert_int_ge(buf_append(&ev, "\x00\x02\x00\x02", 4), 0);
        ck_assert_int_ge(buf_put_le32(&ev, with_sha384 ? 2 : 1), 0);
        ck_assert_int_ge(buf_put_le16(&ev, 0x000b), 0);
        ck_assert_int_ge(buf_put_le16(&ev, 32), 0);
        if (with_sha384) {
                ck_assert_int_ge(buf_put_le16(&ev, 0x000c), 0);
                ck_assert_int_ge(buf_put_le16(&ev, 48), 0);
        }
        ck_assert_int_ge(buf_putc(&ev, 0), 0);
        ck_assert_int_ge(buf_put_le32(b, 0), 0);
        ck_assert_int_ge(buf_put_le32(b, 0x3), 0);
        ck_assert_int_ge(buf_append(b, zero20, 20), 0);
        ck_assert_int_ge(buf_put_le32(b, (uint32_t)ev.len), 0);
        ck_assert_int_ge(buf_append(b, ev.data, ev.len), 0);
        buf_free(&ev);
}

START_TEST(test_tpm_fold_maps_pcrs_and_skips_ima)
{
        uint8_t s256[32] = { 0 }, a[48], c[48], d[48], pcr0[48] = { 0 }, r0[48] = { 0 },
                r1[48] = { 0 }, zero[48] = { 0 };
        struct buf b = BUF_INIT;
        struct tdxh_err e = { 0 };
        struct tpm_fold f;

        memset(a, 0xa1, sizeof(a));
        memset(c, 0xc3, sizeof(c));
        memset(d, 0xd4, sizeof(d));
        put_header(&b, true);
        put_event(&b, 0, 0x3, s256, a, "StartupLocality\0\x03", 17);
        put_event(&b, 0, 0x8, s256, a, "v", 1);
        put_event(&b, 10, 0xd, s256, d, "ima", 3);
        put_event(&b, 7, 0x80000001, s256, c, "sb", 2);
        put_event(&b, 4, 0x80000003, s256, d, "k", 1);
        /* Zero padding after the last record ends the log. */
        ck_assert_int_ge(buf_append(&b, zero, 16), 0);
        ck_assert_msg(tpm_fold_log((uint8_t *)b.data, b.len, &f, &e) == 0, "%s", e.msg);
        pcr0[47] = 3; /* StartupLocality 3 */
        rtmr_extend(pcr0, a);
        ck_assert_mem_eq(f.pcr[0], pcr0, 48);
        rtmr_extend(r0, c);
        ck_assert_mem_eq(f.rtmr[0], r0, 48);
        rtmr_extend(r1, d);
        ck_assert_mem_eq(f.rtmr[1], r1, 48);
        ck_assert_mem_eq(f.rtmr[2], zero, 48); /* PCR 10 folds into nothing */
        ck_assert_uint_eq(f.pcr_extended, (1u << 0) | (1u << 4) | (1u << 7) | (1u << 10));
        ck_assert_int_eq(tpm_fold_rtmr_of_pcr(10), -1);
        ck_assert_int_eq(tpm_fold_rtmr_of_pcr(0), -1);
        ck_assert_int_eq(tpm_fold_rtmr_of_pcr(9), 2);
        ck_assert_int_eq(tpm_fold_rtmr_of_pcr(16), -1);
        buf_free(&b);

        /* A log without a SHA-384 bank cannot be folded. */
        put_header(&b, false);
        put_event(&b, 4, 0x80000003, s256, NULL, "k", 1);
        ck_assert_int_eq(tpm_fold_log((uint8_t *)b.data, b.len, &f, NULL), -ENODATA);
        buf_free(&b);
}
END_TEST

/* The agent program as the tdxh-agent service runs it: a host poweroff or
 * reboot becomes `systemctl poweroff|reboot` (a stand-in systemctl on PATH
 * records its arguments), and without --power-action systemd the exit
 * status tells /init what to do, as in the minimal image. */
START_TEST(test_agent_power_action)
{
        static const struct {
                const char *action, *request;
                int status;
                const char *systemctl; /* its arguments, or NULL: not run */
        } cases[] = {
                { "systemd", "poweroff", 0, "poweroff\n" },
                { "systemd", "reboot", 0, "reboot\n" },
                { "exit", "reboot", 100, NULL },
                { "exit", "poweroff", 0, NULL },
                { "halt", "poweroff", 2, NULL },
        };
        char *dir = tmpdir_make();

        {
                static const char script[] = "#!/bin/sh\necho \"$@\" >\"$TDXH_TEST_RECORD\"\n";
                char *p = NULL;

                put(dir, "systemctl", script, sizeof(script) - 1);
                ck_assert_int_ge(asprintf(&p, "%s/systemctl", dir), 0);
                ck_assert_int_eq(chmod(p, 0755), 0);
                free(p);
        }
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *record = NULL, *req = NULL, *action = NULL;
                int in[2], status;
                pid_t pid;

                ck_assert_int_ge(asprintf(&record, "%s/record-%zu", dir, i), 0);
                ck_assert_int_ge(asprintf(&req, "{\"id\":1,\"op\":\"%s\"}\n", cases[i].request), 0);
                ck_assert_int_ge(asprintf(&action, "--power-action=%s", cases[i].action), 0);
                ck_assert_int_eq(pipe(in), 0);
                pid = fork();
                ck_assert_int_ge(pid, 0);
                if (pid == 0) {
                        int null = open("/dev/null", O_WRONLY);

                        dup2(in[0], STDIN_FILENO);
                        dup2(null, STDOUT_FILENO);
                        dup2(null, STDERR_FILENO);
                        close(in[1]);
                        setenv("PATH", dir, 1);
                        setenv("TDXH_TEST_RECORD", record, 1);
                        execl(TDXH_AGENT_BIN, "tdxh-agent", "--stdio", "--provider", "none", action,
                              (char *)NULL);
                        _exit(127);
                }
                close(in[0]);
                ck_assert_int_eq(write(in[1], req, strlen(req)), (ssize_t)strlen(req));
                close(in[1]);
                ck_assert_int_eq(waitpid(pid, &status, 0), pid);
                ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == cases[i].status,
                              "case %zu: status %d", i, status);
                if (cases[i].systemctl) {
                        size_t len;
                        char *got = (char *)slurp(record, &len);

                        ck_assert_str_eq(got, cases[i].systemctl);
                        free(got);
                } else {
                        ck_assert_msg(access(record, F_OK) != 0, "case %zu ran systemctl", i);
                }
                free(record);
                free(req);
                free(action);
        }
        tmpdir_remove(dir);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("agent");
        TCase *tc = tcase_create("requests");

        tcase_add_test(tc, test_agent_hello_and_registers_from_files);
        tcase_add_test(tc, test_agent_extend_keeps_rtmr3_log);
        tcase_add_test(tc, test_agent_rejects_bad_requests_and_keeps_serving);
        tcase_add_test(tc, test_agent_report_carries_report_data);
        tcase_add_test(tc, test_agent_poweroff_and_reboot_set_exit_request);
        tcase_add_test(tc, test_agent_power_action);
        tcase_add_test(tc, test_line_reader_discards_overlong_lines);
        tcase_add_test(tc, test_base64_round_trip_and_strictness);
        tcase_add_test(tc, test_tpm_fold_of_a_fake_platform_boot);
        tcase_add_test(tc, test_tpm_fold_maps_pcrs_and_skips_ima);
        suite_add_tcase(s, tc);
        return run_suite(s);
}
