/* The one QEMU command-line builder; see qemu_argv.h. */
#include "run/qemu_argv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/buf.h"
#include "core/cleanup.h"
#include "core/json_util.h"
#include "core/size.h"
#include "measure/disk_image.h"

/* A value inside a QEMU option list, where ',' separates options and ",,"
 * stands for a literal comma. */
static char *opt_escape(const char *value)
{
        struct buf b = BUF_INIT;

        if (buf_puts(&b, "") < 0)
                return NULL;
        for (const char *p = value; *p; p++)
                if (buf_putc(&b, *p) < 0 || (*p == ',' && buf_putc(&b, ',') < 0)) {
                        buf_free(&b);
                        return NULL;
                }
        return buf_detach(&b, NULL);
}

/* Pushes OPTION, then PREFIX, the path escaped for the option list, SUFFIX
 * as one argument. */
static int push_opt(struct strv *v, const char *option, const char *prefix, const char *path,
                    const char *suffix)
{
        _cleanup_free_ char *esc = opt_escape(path);

        if (!esc)
                return -ENOMEM;
        if (strv_push(v, option) < 0 || strv_pushf(v, "%s%s%s", prefix, esc, suffix) < 0)
                return -ENOMEM;
        return 0;
}

static int push2(struct strv *v, const char *a, const char *b)
{
        return strv_push(v, a) < 0 || strv_push(v, b) < 0 ? -ENOMEM : 0;
}

/* mrconfigid, mrowner, mrownerconfig: QEMU takes each as the base64 of
 * the 48-byte value ([Q] target/i386/kvm/tdx.c, qapi/qom.json
 * TdxGuestProperties; TDX-REFERENCE §8.2); unset ones are left out (zero). */
static int add_mr(json_object *o, const char *key, const struct platform_mr *mr)
{
        _cleanup_free_ char *b64 = NULL;

        if (!mr->set)
                return 0;
        b64 = base64_encode(mr->v, sizeof(mr->v));
        return b64 ? json_add_string(o, key, b64) : -ENOMEM;
}

/* The tdx-guest object in JSON form, which QEMU needs for the
 * quote-generation-socket (a QAPI SocketAddress, §8.2). QEMU's
 * docs/system/i386/tdx.rst, "Launching a TD": -object tdx-guest,id=tdx0;
 * "TD attributes": the raw 64-bit "attributes" property (bit 28
 * SEPT_VE_DISABLE is QEMU's default, bit 0 DEBUG is "Debugging"). */
static int tdx_object(const struct platform *p, char **ret)
{
        _cleanup_json_ json_object *o = json_object_new_object(), *qgs = NULL;
        char num[16];
        char *text;

        if (!o || json_add_string(o, "qom-type", "tdx-guest") < 0 ||
            json_add_string(o, "id", "tdx0") < 0)
                return -ENOMEM;
        if (p->td_attributes != PLATFORM_DEFAULT_TD_ATTRIBUTES &&
            json_add(o, "attributes", json_object_new_uint64(p->td_attributes)) < 0)
                return -ENOMEM;
        if (add_mr(o, "mrconfigid", &p->mrconfigid) < 0 || add_mr(o, "mrowner", &p->mrowner) < 0 ||
            add_mr(o, "mrownerconfig", &p->mrownerconfig) < 0)
                return -ENOMEM;
        if (p->qgs_unix || p->qgs_vsock_port) {
                qgs = json_object_new_object();
                if (!qgs)
                        return -ENOMEM;
                if (p->qgs_unix) {
                        if (json_add_string(qgs, "type", "unix") < 0 ||
                            json_add_string(qgs, "path", p->qgs_unix) < 0)
                                return -ENOMEM;
                } else {
                        /* SocketAddress's vsock cid and port are strings. */
                        snprintf(num, sizeof(num), "%u", p->qgs_vsock_cid);
                        if (json_add_string(qgs, "type", "vsock") < 0 ||
                            json_add_string(qgs, "cid", num) < 0)
                                return -ENOMEM;
                        snprintf(num, sizeof(num), "%u", p->qgs_vsock_port);
                        if (json_add_string(qgs, "port", num) < 0)
                                return -ENOMEM;
                }
                if (json_add(o, "quote-generation-socket", TAKE_PTR(qgs)) < 0)
                        return -ENOMEM;
        }
        text = strdup(json_object_to_json_string_ext(
                o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        if (!text)
                return -ENOMEM;
        *ret = text;
        return 0;
}

static int build(const struct platform *p, struct strv *v)
{
        bool tdx = p->backend == BACKEND_QEMU_TDX;
        bool kvm = p->accel == ACCEL_KVM;
        _cleanup_free_ char *object = NULL;
        char mem[32];
        int r;

        size_format(p->memory, mem);
        /* TDX (tdx.rst, "Launching a TD" and "Restrictions"): the machine names
         * the tdx-guest object, kernel-irqchip must be split and SMM is not
         * supported; QEMU >= 10.1 also refuses a PIC. Each is spelt out, not
         * left to "auto", because they shape the ACPI tables RTMR0 measures
         * (TDX-REFERENCE §8.2). The memory is a plain -m: private memory
         * always comes from guest_memfd, which QEMU sets up itself. */
        if (strv_push(v, platform_qemu(p)) < 0 ||
            push2(v, "-machine",
                  tdx ? "q35,confidential-guest-support=tdx0,kernel-irqchip=split,smm=off,"
                        "pic=off,hpet=off"
                      : "q35") < 0 ||
            push2(v, "-accel", kvm ? "kvm" : "tcg") < 0 || (kvm && push2(v, "-cpu", "host") < 0) ||
            push2(v, "-m", mem) < 0 || strv_push(v, "-smp") < 0 ||
            strv_pushf(v, "%u", p->vcpus) < 0)
                return -ENOMEM;
        if (tdx) {
                r = tdx_object(p, &object);
                if (r < 0 || push2(v, "-object", object) < 0)
                        return -ENOMEM;
        }
        if (push2(v, "-bios", p->firmware) < 0 || strv_push(v, "-nodefaults") < 0 ||
            strv_push(v, "-nographic") < 0 || strv_push(v, "-no-reboot") < 0 ||
            push_opt(v, "-chardev", "file,id=serial0,path=", p->serial_log, "") < 0 ||
            push2(v, "-serial", "chardev:serial0") < 0)
                return -ENOMEM;
        if (!tdx && (push_opt(v, "-chardev", "socket,id=chrtpm,path=", p->tpm_socket, "") < 0 ||
                     push2(v, "-tpmdev", "emulator,id=tpm0,chardev=chrtpm") < 0 ||
                     push2(v, "-device", "tpm-crb,tpmdev=tpm0") < 0))
                return -ENOMEM;
        if (!tdx && p->qmp_socket &&
            (push_opt(v, "-chardev", "socket,id=qmp,path=", p->qmp_socket,
                      ",server=on,wait=off") < 0 ||
             push2(v, "-mon", "chardev=qmp,mode=control") < 0 ||
             push2(v, "-action", "shutdown=pause") < 0))
                return -ENOMEM;
        if (push2(v, "-device", "virtio-serial-pci,id=virtio-serial0") < 0 ||
            push_opt(v, "-chardev", "socket,id=agent,path=", p->agent_socket,
                     ",server=on,wait=off") < 0 ||
            push2(v, "-device",
                  "virtserialport,bus=virtio-serial0.0,chardev=agent,name=" AGENT_PORT_NAME) < 0)
                return -ENOMEM;
        if (p->nic_model) {
                /* No netdev: the NIC is there for what the firmware does
                 * with it (its option ROM), and the guest reaches no network. */
                _cleanup_free_ char *dev = NULL;

                if (asprintf(&dev, "%s,addr=0x%x%s", p->nic_model, PLATFORM_NIC_SLOT,
                             p->nic_romfile ? ",romfile=" : "") < 0)
                        return -ENOMEM;
                if (push_opt(v, "-device", dev, p->nic_romfile ? p->nic_romfile : "", "") < 0)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < p->n_fw_cfg; i++) {
                _cleanup_free_ char *prefix = NULL;

                if (asprintf(&prefix, "name=%s,file=", p->fw_cfg[i].name) < 0)
                        return -ENOMEM;
                if (push_opt(v, "-fw_cfg", prefix, p->fw_cfg[i].file, "") < 0)
                        return -ENOMEM;
        }
        /* A disk: OVMF boots it from its EFI system partition. readonly=on
         * (QEMU's -drive) keeps the image unwritten whatever the guest does,
         * without the temporary overlay a snapshot would leave in $TMPDIR.
         * bootindex=1 and -boot strict=on are what libvirt gives its first
         * disk: OVMF then puts the disk's option first in BootOrder, which it
         * measures, so both backends measure the same. */
        if (p->disk) {
                _cleanup_free_ char *prefix = NULL, *dev = NULL;

                if (asprintf(&prefix, "if=none,id=disk0,readonly=on,format=%s,file=",
                             p->disk_format) < 0 ||
                    asprintf(&dev, "virtio-blk-pci,drive=disk0,addr=0x%x,bootindex=1",
                             DISK_IMAGE_PCI_SLOT) < 0 ||
                    push_opt(v, "-drive", prefix, p->disk, "") < 0 || push2(v, "-device", dev) < 0 ||
                    push2(v, "-boot", "strict=on") < 0)
                        return -ENOMEM;
                return 0;
        }
        if (push2(v, "-kernel", p->kernel) < 0 ||
            (p->initrd && push2(v, "-initrd", p->initrd) < 0) ||
            (p->cmdline && push2(v, "-append", p->cmdline) < 0))
                return -ENOMEM;
        return 0;
}

int qemu_argv_build(const struct platform *p, struct strv *ret, struct tdxh_err *e)
{
        _cleanup_strv_ struct strv v = STRV_INIT;
        int r;

        r = platform_validate_resolved(p, "the QEMU command line", e);
        if (r < 0)
                return r;
        r = build(p, &v);
        if (r < 0)
                return r;
        strv_free(ret);
        *ret = v;
        v = (struct strv)STRV_INIT;
        return 0;
}
