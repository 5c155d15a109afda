/* TPM2_PCR_Read over a data channel handed to swtpm; see swtpm_pcr.h. The
 * command and answer layouts are TPM 2.0 Part 3, 22.4 (TPM2_PCR_Read). */
#include "run/swtpm_pcr.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "run/unix_sock.h"

#define CMD_SET_DATAFD 0x10u
#define TPM_ST_NO_SESSIONS 0x8001u
#define TPM_CC_PCR_READ 0x0000017Eu
#define TPM_ALG_SHA384_ID 0x000Cu
#define PCR_SELECT_BYTES 3
#define TPM_HEADER_LEN 10
#define TPM_ANSWER_MAX 4096

static void put_be16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)(v >> 8);
        p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
        put_be16(p, (uint16_t)(v >> 16));
        put_be16(p + 2, (uint16_t)v);
}

static uint16_t be16_at(const uint8_t *p)
{
        return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32_at(const uint8_t *p)
{
        return (uint32_t)be16_at(p) << 16 | be16_at(p + 2);
}

static int recv_exact(int fd, uint8_t *buf, size_t len, const char *what,
                      const struct deadline *d, const struct wait_watch *w, struct tdxh_err *e)
{
        while (len) {
                ssize_t n = recv(fd, buf, len, 0);
                int r;

                if (n > 0) {
                        buf += n;
                        len -= (size_t)n;
                        continue;
                }
                if (n == 0)
                        return err_setf(e, -ECONNRESET, "swtpm: %s: the connection closed", what);
                if (errno == EINTR)
                        continue;
                if (errno != EAGAIN)
                        return err_setf(e, -errno, "swtpm: %s: %s", what, strerror(errno));
                r = wait_fd(fd, POLLIN, d, w, NULL);
                if (r < 0)
                        return err_setf(e, r, "swtpm: %s: %s", what,
                                        r == -ETIMEDOUT ? "deadline passed" : strerror(-r));
        }
        return 0;
}

/* Hands data_fd to swtpm over the control connection. */
static int set_datafd(int ctrl, int data_fd, const struct deadline *d, const struct wait_watch *w,
                      struct tdxh_err *e)
{
        uint8_t cmd[4], res[4];
        char control[CMSG_SPACE(sizeof(int))] = { 0 };
        struct iovec iov = { .iov_base = cmd, .iov_len = sizeof(cmd) };
        struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = control,
                              .msg_controllen = sizeof(control) };
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        int r;

        put_be32(cmd, CMD_SET_DATAFD);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &data_fd, sizeof(int));
        for (;;) {
                r = wait_fd(ctrl, POLLOUT, d, w, NULL);
                if (r < 0)
                        return err_setf(e, r, "swtpm: CMD_SET_DATAFD: %s", strerror(-r));
                if (sendmsg(ctrl, &msg, MSG_NOSIGNAL) == (ssize_t)sizeof(cmd))
                        break;
                if (errno != EAGAIN && errno != EINTR)
                        return err_setf(e, -errno, "swtpm: CMD_SET_DATAFD: %s", strerror(errno));
        }
        r = recv_exact(ctrl, res, sizeof(res), "CMD_SET_DATAFD", d, w, e);
        if (r < 0)
                return r;
        if (be32_at(res) != 0)
                return err_setf(e, -EIO, "swtpm: CMD_SET_DATAFD refused (result 0x%x; does "
                                "another client still hold the TPM?)", be32_at(res));
        return 0;
}

/* One TPM2_PCR_Read; *got is the mask the TPM answered for. */
static int pcr_read_once(int fd, uint32_t mask, uint32_t *got, uint8_t out[][SHA384_LEN],
                         const struct deadline *d, const struct wait_watch *w, struct tdxh_err *e)
{
        uint8_t cmd[20], ans[TPM_ANSWER_MAX];
        size_t len, off;
        uint32_t n, rc;
        int r;

        put_be16(cmd, TPM_ST_NO_SESSIONS);
        put_be32(cmd + 2, sizeof(cmd));
        put_be32(cmd + 6, TPM_CC_PCR_READ);
        put_be32(cmd + 10, 1);
        put_be16(cmd + 14, TPM_ALG_SHA384_ID);
        cmd[16] = PCR_SELECT_BYTES;
        for (int i = 0; i < PCR_SELECT_BYTES; i++)
                cmd[17 + i] = (uint8_t)(mask >> (8 * i));
        r = unix_send_all(fd, cmd, sizeof(cmd), d, w, NULL);
        if (r < 0)
                return err_setf(e, r, "swtpm: TPM2_PCR_Read: %s", strerror(-r));
        r = recv_exact(fd, ans, TPM_HEADER_LEN, "TPM2_PCR_Read", d, w, e);
        if (r < 0)
                return r;
        len = be32_at(ans + 2);
        rc = be32_at(ans + 6);
        if (len < TPM_HEADER_LEN || len > sizeof(ans))
                return err_setf(e, -EPROTO, "swtpm: TPM2_PCR_Read: answer size %zu", len);
        r = recv_exact(fd, ans + TPM_HEADER_LEN, len - TPM_HEADER_LEN, "TPM2_PCR_Read", d, w, e);
        if (r < 0)
                return r;
        if (rc != 0)
                return err_setf(e, -EIO, "swtpm: TPM2_PCR_Read failed: TPM code 0x%x", rc);
        /* pcrUpdateCounter, then the selection the TPM answered for. */
        off = TPM_HEADER_LEN + 4;
        if (off + 4 > len)
                return err_setf(e, -EPROTO, "swtpm: TPM2_PCR_Read: answer ends at %zu", len);
        n = be32_at(ans + off);
        off += 4;
        *got = 0;
        for (uint32_t i = 0; i < n; i++) {
                uint16_t alg;
                uint8_t size;

                if (off + 3 > len || off + 3 + ans[off + 2] > len)
                        return err_setf(e, -EPROTO, "swtpm: TPM2_PCR_Read: selection at %zu", off);
                alg = be16_at(ans + off);
                size = ans[off + 2];
                for (uint8_t b = 0; b < size && b < 4 && alg == TPM_ALG_SHA384_ID; b++)
                        *got |= (uint32_t)ans[off + 3 + b] << (8 * b);
                off += 3u + size;
        }
        *got &= mask;
        if (off + 4 > len)
                return err_setf(e, -EPROTO, "swtpm: TPM2_PCR_Read: no digest list at %zu", off);
        n = be32_at(ans + off);
        off += 4;
        if (n != (uint32_t)__builtin_popcount(*got))
                return err_setf(e, -EPROTO, "swtpm: TPM2_PCR_Read: %u digests for %d PCRs", n,
                                __builtin_popcount(*got));
        for (uint32_t pcr = 0; pcr < SWTPM_PCR_COUNT; pcr++) {
                if (!(*got & (1u << pcr)))
                        continue;
                if (off + 2 > len || be16_at(ans + off) != SHA384_LEN ||
                    off + 2 + SHA384_LEN > len)
                        return err_setf(e, -EPROTO, "swtpm: TPM2_PCR_Read: digest at %zu", off);
                memcpy(out[pcr], ans + off + 2, SHA384_LEN);
                off += 2 + SHA384_LEN;
        }
        return 0;
}

int swtpm_read_pcrs(const char *ctrl_path, uint32_t mask, uint8_t ret[SWTPM_PCR_COUNT][SHA384_LEN],
                    const struct deadline *d, const struct wait_watch *w, struct tdxh_err *e)
{
        _cleanup_close_ int ctrl = -1, mine = -1, theirs = -1;
        int sv[2], r;

        r = unix_connect_wait(ctrl_path, d, w, NULL, &ctrl);
        if (r < 0)
                return err_setf(e, r, "swtpm: %s: %s", ctrl_path, strerror(-r));
        if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) < 0)
                return err_setf(e, -errno, "swtpm: socketpair: %s", strerror(errno));
        mine = sv[0];
        theirs = sv[1];
        r = set_datafd(ctrl, theirs, d, w, e);
        if (r < 0)
                return r;
        while (mask) {
                uint32_t got = 0;

                r = pcr_read_once(mine, mask, &got, ret, d, w, e);
                if (r < 0)
                        return r;
                if (!got)
                        return err_setf(e, -EIO, "swtpm: TPM2_PCR_Read: no SHA-384 values for "
                                        "PCR mask 0x%06x (is the SHA-384 bank active?)", mask);
                mask &= ~got;
        }
        return 0;
}
