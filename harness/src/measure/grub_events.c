/* GRUB's measurements; see grub_events.h. Facts from GRUB 2.06 with
 * Debian's patches: the image carries a module area ("mimg" header:
 * grub_module_info64 {u32 magic, u32 padding, u64 offset, u64 size}, then
 * grub_module_header {u32 type, u32 size} records; type 1 memdisk, 3 prefix;
 * include/grub/kernel.h); with a prefix lacking a device, GRUB takes the
 * device it was loaded from (kern/efi/init.c). Commands are measured with
 * the argv joined by single spaces, digest over the text without NUL
 * (commands/tpm.c, script/execute.c); files with their name as opened and
 * a digest over the raw bytes (kern/verifiers.c); "kernel_cmdline: " +
 * path + arguments (lib/cmdline.c). Commands of the memdisk's own loader
 * ("normal (memdisk)/grub.cfg") and memdisk files are not measured, as a
 * real boot of out/disk.img shows. */
#include "measure/grub_events.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/cleanup.h"
#include "core/event_type.h"
#include "core/le.h"
#include "measure/kernel_events.h"

#define RTMR_PCR8_9 2
#define GRUB_CFG_MAX (1u << 20)
#define GRUB_MODULE_MEMDISK 1u
#define GRUB_MODULE_PREFIX 3u
#define GRUB_ARGS_MAX 64

/* debian/build-efi-images of grub2 2.06-13 (the signed images' memdisk
 * grub.cfg), byte for byte. */
static const char debian_embedded_cfg[] =
        "if [ -z \"$prefix\" -o ! -e \"$prefix\" ]; then\n"
        "\tif ! search --file --set=root /.disk/info; then\n"
        "\t\tsearch --file --set=root /.disk/mini-info\n"
        "\tfi\n"
        "\tset prefix=($root)/boot/grub\n"
        "fi\n"
        "if [ -e $prefix/x86_64-efi/grub.cfg ]; then\n"
        "\tsource $prefix/x86_64-efi/grub.cfg\n"
        "elif [ -e $prefix/grub.cfg ]; then\n"
        "\tsource $prefix/grub.cfg\n"
        "else\n"
        "\tsource $cmdpath/grub.cfg\n"
        "fi\n";

struct grub_ctx {
        const struct fat_fs *esp;
        const char *root;
        struct measure_events *l;
        struct tdxh_err *e;
        bool stopped; /* an unknown event was added, or "boot" ran */
};

static int add_text(struct grub_ctx *c, const char *what, const char *prefix, const char *text)
{
        _cleanup_free_ char *data = NULL;
        uint8_t d[SHA384_LEN];
        int r;

        if (asprintf(&data, "%s%s", prefix, text) < 0)
                return -ENOMEM;
        r = digest_buf(DIGEST_SHA384, text, strlen(text), d);
        return r < 0 ? r : measure_events_add(c->l, RTMR_PCR8_9, EV_IPL, d, what, text, data,
                                              strlen(data) + 1);
}

static int add_cmd(struct grub_ctx *c, const char *cmd)
{
        return add_text(c, "grub-cmd", "grub_cmd: ", cmd);
}

/* Stops the prediction here: one event with an unknown digest says why. */
static int add_unknown(struct grub_ctx *c, const char *why)
{
        c->stopped = true;
        return measure_events_add(c->l, RTMR_PCR8_9, EV_IPL, NULL, "grub-cmd", why, NULL, 0);
}

/* The ESP path of a GRUB file name: "(root)/x" or "/x"; NULL for another
 * device. */
static const char *esp_path(const struct grub_ctx *c, const char *name)
{
        size_t n = strlen(c->root);

        if (strncmp(name, c->root, n) == 0)
                return name + n;
        return name[0] == '/' ? name : NULL;
}

/* 1 exists (a file or directory), 0 missing, <0 error. */
static int esp_exists(struct grub_ctx *c, const char *name)
{
        _cleanup_free_ uint8_t *data = NULL;
        const char *p = esp_path(c, name);
        size_t len;
        int r;

        if (!p)
                return -EINVAL;
        r = fat_read_file(c->esp, p, 0, &data, &len, c->e);
        if (r == 0 || r == -EFBIG || r == -EISDIR) {
                err_clear(c->e);
                return 1;
        }
        if (r == -ENOENT) {
                err_clear(c->e);
                return 0;
        }
        return r;
}

/* A file GRUB opens and measures (PCR 9): what names the event. */
static int add_file(struct grub_ctx *c, const char *what, const char *name, uint8_t **ret,
                    size_t *ret_len)
{
        _cleanup_free_ uint8_t *data = NULL;
        const char *p = esp_path(c, name);
        uint8_t d[SHA384_LEN];
        size_t len;
        int r;

        if (!p) {
                char why[512];

                snprintf(why, sizeof(why), "%s: not on the ESP %s: not predicted", name, c->root);
                return add_unknown(c, why);
        }
        r = fat_read_file(c->esp, p, KERNEL_MAX_SIZE, &data, &len, c->e);
        if (r < 0)
                return r;
        r = digest_buf(DIGEST_SHA384, data, len, d);
        if (r >= 0)
                r = measure_events_add(c->l, RTMR_PCR8_9, EV_IPL, d, what, name, name,
                                       strlen(name) + 1);
        if (r >= 0 && ret) {
                *ret = TAKE_PTR(data);
                *ret_len = len;
        }
        return r;
}

static bool word_is_keyword(const char *w)
{
        static const char *const kw[] = { "if",   "then", "else",  "elif",     "fi",
                                          "for",  "do",   "done",  "while",    "until",
                                          "case", "esac", "function", "menuentry", "submenu",
                                          "[",    "[[",   "!",     "source",   ".",
                                          "configfile", "set", "insmod", "search" };

        for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
                if (strcmp(w, kw[i]) == 0)
                        return true;
        return false;
}

/* Executes one straight-line command of grub.cfg. */
static int run_line(struct grub_ctx *c, const char *cfg_name, unsigned lineno, char *line)
{
        char *argv[GRUB_ARGS_MAX], why[600];
        _cleanup_buf_ struct buf joined = BUF_INIT;
        size_t argc = 0;
        int r;

        if (strpbrk(line, "$'\"\\;{}|&<>#`")) {
                snprintf(why, sizeof(why), "%s line %u: quoting, variables or compound syntax "
                         "are not evaluated: %.400s", cfg_name, lineno, line);
                return add_unknown(c, why);
        }
        for (char *save = NULL, *w = strtok_r(line, " \t", &save); w;
             w = strtok_r(NULL, " \t", &save)) {
                if (argc == GRUB_ARGS_MAX) {
                        snprintf(why, sizeof(why), "%s line %u: more than %d words", cfg_name,
                                 lineno, GRUB_ARGS_MAX);
                        return add_unknown(c, why);
                }
                argv[argc++] = w;
        }
        if (argc == 0)
                return 0;
        if (word_is_keyword(argv[0])) {
                snprintf(why, sizeof(why), "%s line %u: '%s' (conditionals, menus, variables "
                         "and sourcing are not evaluated)", cfg_name, lineno, argv[0]);
                return add_unknown(c, why);
        }
        for (size_t i = 0; i < argc; i++)
                if (buf_printf(&joined, "%s%s", i ? " " : "", argv[i]) < 0)
                        return -ENOMEM;
        r = add_cmd(c, joined.data);
        if (r < 0)
                return r;
        if (strcmp(argv[0], "linux") == 0 || strcmp(argv[0], "linuxefi") == 0) {
                if (argc < 2) {
                        snprintf(why, sizeof(why), "%s line %u: %s without a kernel", cfg_name,
                                 lineno, argv[0]);
                        return add_unknown(c, why);
                }
                r = add_file(c, "kernel", argv[1], NULL, NULL);
                if (r < 0 || c->stopped)
                        return r;
                /* lib/cmdline.c: the kernel path as typed, then the arguments. */
                return add_text(c, "cmdline", "kernel_cmdline: ",
                                joined.data + strlen(argv[0]) + 1);
        }
        if (strcmp(argv[0], "initrd") == 0 || strcmp(argv[0], "initrdefi") == 0) {
                for (size_t i = 1; i < argc && !c->stopped; i++) {
                        r = add_file(c, "initrd", argv[i], NULL, NULL);
                        if (r < 0)
                                return r;
                }
                return 0;
        }
        if (strcmp(argv[0], "boot") == 0) {
                c->stopped = true; /* the kernel runs; nothing after it executes */
                return 0;
        }
        if (strcmp(argv[0], "echo") == 0)
                return 0;
        snprintf(why, sizeof(why), "%s line %u: what GRUB command '%s' measures is not "
                 "predicted", cfg_name, lineno, argv[0]);
        return add_unknown(c, why);
}

static int run_cfg(struct grub_ctx *c, const char *cfg_name, char *text, size_t len)
{
        unsigned lineno = 0;
        char *line = text;

        if (memchr(text, '\0', len)) {
                char why[512];

                snprintf(why, sizeof(why), "%s: holds a NUL byte: not evaluated", cfg_name);
                return add_unknown(c, why);
        }
        while (line && !c->stopped) {
                char *nl = strchr(line, '\n');
                int r;

                if (nl)
                        *nl = '\0';
                lineno++;
                while (*line == ' ' || *line == '\t')
                        line++;
                if (*line != '#') {
                        r = run_line(c, cfg_name, lineno, line);
                        if (r < 0)
                                return r;
                }
                line = nl ? nl + 1 : NULL;
        }
        return 0;
}

/* The memdisk and prefix module records of the image. */
static int grub_modules(const uint8_t *img, size_t len, const char *name, const uint8_t **memdisk,
                        size_t *memdisk_len, const char **prefix, struct tdxh_err *e)
{
        for (const uint8_t *m = memmem(img, len, "mimg", 4); m;
             m = memmem(m + 1, len - (size_t)(m + 1 - img), "mimg", 4)) {
                size_t at = (size_t)(m - img);
                uint64_t off, size;

                if (len - at < 24)
                        break;
                off = le64_get(m + 8);
                size = le64_get(m + 16);
                if (off < 24 || off > size || size > len - at)
                        continue; /* the magic also occurs in code */
                for (uint64_t o = off; o + 8 <= size;) {
                        uint32_t type = le32_get(m + o), rsize = le32_get(m + o + 4);

                        if (rsize < 8 || rsize > size - o)
                                return err_setf(e, -EINVAL, "%s: offset 0x%llx: GRUB module "
                                                "record size %u exceeds the module area", name,
                                                (unsigned long long)(at + o + 4), rsize);
                        if (type == GRUB_MODULE_MEMDISK) {
                                *memdisk = m + o + 8;
                                *memdisk_len = rsize - 8;
                        } else if (type == GRUB_MODULE_PREFIX && memchr(m + o + 8, 0, rsize - 8)) {
                                *prefix = (const char *)m + o + 8;
                        }
                        o += rsize;
                }
                return 0;
        }
        return err_setf(e, -EINVAL, "%s: no GRUB module area (\"mimg\"): not a GRUB image", name);
}

/* Debian's embedded configuration with $prefix and $cmdpath known: its
 * conditions are tested on the ESP, then the chosen grub.cfg is sourced. */
static int run_embedded(struct grub_ctx *c, const char *prefix, const char *cmdpath)
{
        _cleanup_free_ char *cmd = NULL, *cfg = NULL, *text = NULL;
        static const char *const tries[] = { "/x86_64-efi/grub.cfg", "/grub.cfg" };
        size_t len;
        int r;

        if (asprintf(&cmd, "[ -z %s -o ! -e %s ]", prefix, prefix) < 0)
                return -ENOMEM;
        r = add_cmd(c, cmd);
        if (r < 0)
                return r;
        r = esp_exists(c, prefix);
        if (r < 0)
                return r;
        if (r == 0) {
                char why[512];

                snprintf(why, sizeof(why), "%s is not on the ESP: GRUB searches for /.disk/info "
                         "(not predicted)", prefix);
                return add_unknown(c, why);
        }
        for (size_t i = 0; i < 2 && !cfg; i++) {
                free(cmd);
                if (asprintf(&cmd, "[ -e %s%s ]", prefix, tries[i]) < 0)
                        return -ENOMEM;
                r = add_cmd(c, cmd);
                if (r < 0)
                        return r;
                if (asprintf(&cfg, "%s%s", prefix, tries[i]) < 0)
                        return -ENOMEM;
                r = esp_exists(c, cfg);
                if (r < 0)
                        return r;
                if (r == 0) {
                        free(cfg);
                        cfg = NULL;
                }
        }
        if (!cfg && asprintf(&cfg, "%s/grub.cfg", cmdpath) < 0)
                return -ENOMEM;
        free(cmd);
        if (asprintf(&cmd, "source %s", cfg) < 0)
                return -ENOMEM;
        r = add_cmd(c, cmd);
        if (r >= 0)
                r = add_file(c, "file", cfg, (uint8_t **)&text, &len);
        if (r < 0 || c->stopped)
                return r;
        return run_cfg(c, cfg, text, len);
}

int grub_events(const struct fat_fs *esp, const char *root, const uint8_t *grub, size_t len,
                const char *name, struct measure_events *l, struct tdxh_err *e)
{
        struct grub_ctx c = { .esp = esp, .root = root, .l = l, .e = e };
        _cleanup_free_ char *prefix = NULL, *cmdpath = NULL;
        const uint8_t *memdisk = NULL;
        const char *pfx = NULL, *slash;
        size_t memdisk_len = 0;
        int r;

        r = grub_modules(grub, len, name, &memdisk, &memdisk_len, &pfx, e);
        if (r < 0)
                return r;
        if (!memdisk || !pfx ||
            !memmem(memdisk, memdisk_len, debian_embedded_cfg, sizeof(debian_embedded_cfg) - 1))
                return add_unknown(&c, "GRUB's embedded configuration is not Debian's "
                                       "build-efi-images one: its commands are not predicted");
        if (asprintf(&prefix, "%s%s", pfx[0] == '(' ? "" : root, pfx) < 0)
                return -ENOMEM;
        /* $cmdpath: the directory GRUB was loaded from, with '/' separators. */
        slash = strrchr(name, '\\');
        if (asprintf(&cmdpath, "%s%.*s", root, slash ? (int)(slash - name) : 0, name) < 0)
                return -ENOMEM;
        for (char *p = cmdpath; *p; p++)
                if (*p == '\\')
                        *p = '/';
        return run_embedded(&c, prefix, cmdpath);
}
