/* Reading the SHA-384 PCR bank from the fake platform's swtpm after QEMU
 * is gone, so that a guest without an agent still has its PCRs read from
 * the TPM itself rather than replayed from a log.
 *
 * QEMU's tpm-emulator backend sends CMD_SHUTDOWN on the control channel
 * when it finalizes, which ends swtpm ([Q] backends/tpm/tpm_emulator.c,
 * tpm_emulator_inst_finalize); a QEMU killed with SIGKILL sends nothing.
 * swtpm started with `--ctrl type=unixio` and without `terminate` keeps
 * running when its control client and its data connection hang up: it
 * drops the data fd and accepts the next control client ([S]
 * src/swtpm/mainloop.c). A new client hands it a data channel with
 * CMD_SET_DATAFD (0x10, a 4-byte big-endian command with the fd as
 * SCM_RIGHTS; answer: a 4-byte big-endian result, 0 for success; [S]
 * include/swtpm/tpm_ioctl.h, src/swtpm/ctrlchannel.c), over which plain
 * TPM 2.0 commands run. The TPM was never stopped, so its PCRs are the
 * ones the guest left. */
#pragma once

#include <stdint.h>

#include "core/digest.h"
#include "core/err.h"
#include "run/wait.h"

#define SWTPM_PCR_COUNT 24

/* Reads the SHA-384 value of every PCR in mask (bit i: PCR i) through the
 * control socket at ctrl_path. -EPROTO with the field for a malformed
 * answer; -EIO when swtpm or the TPM refuses (its code in the message). */
int swtpm_read_pcrs(const char *ctrl_path, uint32_t mask, uint8_t ret[SWTPM_PCR_COUNT][SHA384_LEN],
                    const struct deadline *d, const struct wait_watch *w, struct tdxh_err *e);
