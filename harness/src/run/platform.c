/* Platform descriptions; see platform.h. */
#include "run/platform.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "core/cleanup.h"
#include "run/unix_sock.h"

void platform_init(struct platform *p, enum platform_backend backend)
{
        *p = (struct platform){
                .backend = backend,
                .memory = PLATFORM_DEFAULT_MEMORY,
                .vcpus = 1,
                .td_attributes = PLATFORM_DEFAULT_TD_ATTRIBUTES,
        };
}

void platform_free(struct platform *p)
{
        char **strings[] = { &p->qemu,         &p->firmware,   &p->kernel,
                             &p->disk,         &p->disk_format,
                             &p->initrd,       &p->cmdline,    &p->serial_log,
                             &p->agent_socket, &p->tpm_socket, &p->qgs_unix,
                             &p->nic_model,    &p->nic_romfile, &p->qmp_socket };

        for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
                free(*strings[i]);
                *strings[i] = NULL;
        }
        for (size_t i = 0; i < p->n_fw_cfg; i++) {
                free(p->fw_cfg[i].name);
                free(p->fw_cfg[i].file);
        }
        free(p->fw_cfg);
        p->fw_cfg = NULL;
        p->n_fw_cfg = 0;
}

int platform_set(char **field, const char *value)
{
        char *copy = NULL;

        if (value) {
                copy = strdup(value);
                if (!copy)
                        return -ENOMEM;
        }
        free(*field);
        *field = copy;
        return 0;
}

int platform_add_fw_cfg(struct platform *p, const char *name, const char *file)
{
        struct fw_cfg_item *v = realloc(p->fw_cfg, (p->n_fw_cfg + 1) * sizeof(*v));
        struct fw_cfg_item item = { strdup(name), strdup(file) };

        if (v)
                p->fw_cfg = v;
        if (!v || !item.name || !item.file) {
                free(item.name);
                free(item.file);
                return -ENOMEM;
        }
        p->fw_cfg[p->n_fw_cfg++] = item;
        return 0;
}

int platform_set_boot_paths(struct platform *p, const char *boot_dir, const char *runtime_dir)
{
        _cleanup_free_ char *serial = NULL, *agent = NULL, *tpm = NULL;

        if (asprintf(&serial, "%s/console.log", boot_dir) < 0 ||
            asprintf(&agent, "%s/agent.sock", runtime_dir) < 0 ||
            (p->backend == BACKEND_FAKE && asprintf(&tpm, "%s/swtpm.sock", runtime_dir) < 0))
                return -ENOMEM;
        if (platform_set(&p->serial_log, serial) < 0 || platform_set(&p->agent_socket, agent) < 0 ||
            (tpm && platform_set(&p->tpm_socket, tpm) < 0))
                return -ENOMEM;
        return 0;
}

static int need(const char *value, const char *field, struct tdxh_err *e)
{
        if (!value || !*value)
                return err_setf(e, -EINVAL, "platform: %s is required", field);
        return 0;
}

static int check_socket(const char *path, const char *field, struct tdxh_err *e)
{
        int r = need(path, field, e);

        if (r < 0)
                return r;
        if (strlen(path) > UNIX_PATH_MAX_LEN)
                return err_setf(e, -EINVAL, "platform: %s: socket path longer than %d bytes: %s",
                                field, UNIX_PATH_MAX_LEN, path);
        return 0;
}

int platform_validate(const struct platform *p, struct tdxh_err *e)
{
        bool tdx = p->backend == BACKEND_QEMU_TDX;
        int r;

        if ((r = need(p->firmware, "firmware", e)) < 0 ||
            (!p->disk && (r = need(p->kernel, "kernel", e)) < 0) ||
            (r = need(p->serial_log, "serial_log", e)) < 0 ||
            (r = check_socket(p->agent_socket, "agent_socket", e)) < 0)
                return r;
        if (p->disk && (p->kernel || p->initrd || p->cmdline))
                return err_setf(e, -EINVAL, "platform: disk: a disk boots through OVMF, without "
                                "kernel, initrd or cmdline");
        if (p->disk && (!p->disk_format || (strcmp(p->disk_format, "raw") != 0 &&
                                            strcmp(p->disk_format, "qcow2") != 0)))
                return err_setf(e, -EINVAL, "platform: disk_format: '%s' is not raw or qcow2",
                                p->disk_format ? p->disk_format : "");
        if (p->memory < (16ull << 20))
                return err_setf(e, -EINVAL, "platform: memory: %llu bytes is below 16 MiB",
                                (unsigned long long)p->memory);
        if (p->vcpus < 1 || p->vcpus > 512)
                return err_setf(e, -EINVAL, "platform: vcpus: %u is outside 1..512", p->vcpus);
        if (tdx && p->accel == ACCEL_TCG)
                return err_setf(e, -EINVAL, "platform: accel: qemu-tdx needs kvm, not tcg");
        if (p->nic_model && (!*p->nic_model || strspn(p->nic_model, "abcdefghijklmnopqrstuvwxyz"
                                                                   "0123456789_-") !=
                                                        strlen(p->nic_model)))
                return err_setf(e, -EINVAL,
                                "platform: nic_model '%s' is not a QEMU device name (a-z, 0-9, _ and -)",
                                p->nic_model);
        if (p->nic_romfile && !p->nic_model)
                return err_setf(e, -EINVAL, "platform: nic_romfile without nic_model");
        if (tdx && p->n_fw_cfg)
                return err_setf(e, -EINVAL, "platform: fw_cfg items are for the fake backend");
        if (tdx && p->qgs_unix && (r = check_socket(p->qgs_unix, "qgs_unix", e)) < 0)
                return r;
        if (!tdx && (p->mrconfigid.set || p->mrowner.set || p->mrownerconfig.set))
                return err_setf(e, -EINVAL, "platform: mrconfigid, mrowner and mrownerconfig are "
                                            "for a TD (qemu-tdx), not the fake");
        if (!tdx && (r = check_socket(p->tpm_socket, "tpm_socket", e)) < 0)
                return r;
        if (!tdx && p->qmp_socket && (r = check_socket(p->qmp_socket, "qmp_socket", e)) < 0)
                return r;
        for (size_t i = 0; i < p->n_fw_cfg; i++) {
                const char *n = p->fw_cfg[i].name;

                if (strncmp(n, "opt/", 4) != 0 || strlen(n) > FW_CFG_NAME_MAX || strchr(n, ','))
                        return err_setf(e, -EINVAL,
                                        "platform: fw_cfg name '%s' must start with opt/, have "
                                        "no comma and at most %d bytes",
                                        n, FW_CFG_NAME_MAX);
                if ((r = need(p->fw_cfg[i].file, "fw_cfg file", e)) < 0)
                        return r;
        }
        return 0;
}

int platform_validate_resolved(const struct platform *p, const char *what, struct tdxh_err *e)
{
        int r = platform_validate(p, e);

        if (r < 0)
                return r;
        if (p->accel == ACCEL_AUTO)
                return err_setf(e, -EINVAL, "platform: accel must be resolved before building %s",
                                what);
        return 0;
}

static bool cpu_has_virt_flag(void)
{
        _cleanup_fclose_ FILE *f = fopen("/proc/cpuinfo", "re");
        char line[4096];

        while (f && fgets(line, sizeof(line), f)) {
                if (strncmp(line, "flags", 5) != 0)
                        continue;
                return strstr(line, " vmx") || strstr(line, " svm");
        }
        return false;
}

bool kvm_usable(void)
{
        _cleanup_close_ int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);

        return fd >= 0 && ioctl(fd, KVM_GET_API_VERSION, 0) == KVM_API_VERSION &&
               cpu_has_virt_flag();
}

void platform_resolve_accel(struct platform *p)
{
        if (p->accel != ACCEL_AUTO)
                return;
        if (p->backend == BACKEND_QEMU_TDX)
                p->accel = ACCEL_KVM;
        else
                p->accel = kvm_usable() ? ACCEL_KVM : ACCEL_TCG;
}

const char *platform_backend_name(enum platform_backend b)
{
        return b == BACKEND_QEMU_TDX ? "qemu-tdx" : "fake";
}

const char *platform_accel_name(enum platform_accel a)
{
        switch (a) {
        case ACCEL_TCG:
                return "tcg";
        case ACCEL_KVM:
                return "kvm";
        case ACCEL_AUTO:
        default:
                return "auto";
        }
}

int platform_backend_parse(const char *text, enum platform_backend *ret)
{
        if (strcmp(text, "fake") == 0)
                *ret = BACKEND_FAKE;
        else if (strcmp(text, "qemu-tdx") == 0)
                *ret = BACKEND_QEMU_TDX;
        else
                return -EINVAL;
        return 0;
}

int platform_accel_parse(const char *text, enum platform_accel *ret)
{
        static const enum platform_accel all[] = { ACCEL_AUTO, ACCEL_TCG, ACCEL_KVM };

        for (size_t i = 0; i < ELEMENTSOF(all); i++)
                if (strcmp(text, platform_accel_name(all[i])) == 0) {
                        *ret = all[i];
                        return 0;
                }
        return -EINVAL;
}
