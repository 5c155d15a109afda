/* Choosing and opening a provider, and what every provider shares. */
#include "provider.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const reg_names[AGENT_REG_COUNT] = {
        [AGENT_REG_MRTD] = "mrtd",   [AGENT_REG_RTMR0] = "rtmr0", [AGENT_REG_RTMR1] = "rtmr1",
        [AGENT_REG_RTMR2] = "rtmr2", [AGENT_REG_RTMR3] = "rtmr3",
};

int agent_reg_parse(const char *name)
{
        for (int i = 0; i < AGENT_REG_COUNT; i++)
                if (strcmp(name, reg_names[i]) == 0)
                        return i;
        return -EINVAL;
}

const char *agent_reg_name(enum agent_reg reg)
{
        return reg < AGENT_REG_COUNT ? reg_names[reg] : NULL;
}

void agent_registers_done(struct agent_registers *r)
{
        if (r->check)
                json_object_put(r->check);
        r->check = NULL;
}

char *provider_path(const struct provider *p, const char *abs_path)
{
        char *s = NULL;

        if (asprintf(&s, "%s%s", p->root ? p->root : "", abs_path) < 0)
                return NULL;
        return s;
}

const struct provider_ops provider_none_ops = {
        .name = "none",
};

static const struct provider_ops *const probe_order[] = {
        &provider_tdx_ops,
        &provider_vtpm_ops,
};

static const struct provider_ops *const by_name[] = {
        &provider_tdx_ops,
        &provider_vtpm_ops,
        &provider_file_ops,
        &provider_none_ops,
};

int provider_open(const char *name, const char *root, const char *dir, struct provider *ret,
                  struct tdxh_err *e)
{
        const struct provider_ops *ops = NULL;
        struct provider p = { 0 };
        int r;

        if (strcmp(name, "auto") == 0) {
                ops = &provider_none_ops;
                for (size_t i = 0; i < sizeof(probe_order) / sizeof(probe_order[0]); i++)
                        if (probe_order[i]->probe(root) == 0) {
                                ops = probe_order[i];
                                break;
                        }
        } else {
                for (size_t i = 0; i < sizeof(by_name) / sizeof(by_name[0]); i++)
                        if (strcmp(name, by_name[i]->name) == 0)
                                ops = by_name[i];
                if (!ops)
                        return err_setf(e, -EINVAL, "unknown provider \"%s\" (auto, tdx, vtpm, "
                                        "file or none)", name);
        }
        if (ops == &provider_file_ops && !dir)
                return err_setf(e, -EINVAL, "the file provider needs a directory");
        p.ops = ops;
        p.root = strdup(root);
        p.dir = dir ? strdup(dir) : NULL;
        if (!p.root || (dir && !p.dir)) {
                provider_close(&p);
                return -ENOMEM;
        }
        if (ops->open) {
                r = ops->open(&p, e);
                if (r < 0) {
                        p.ops = NULL; /* open() released what it had taken */
                        provider_close(&p);
                        return r;
                }
        }
        *ret = p;
        return 0;
}

void provider_close(struct provider *p)
{
        if (p->ops && p->ops->close)
                p->ops->close(p);
        free(p->root);
        free(p->dir);
        *p = (struct provider){ 0 };
}
