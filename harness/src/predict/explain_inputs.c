/* The list of input candidates of explain_inputs.h: append, find, free.
 * Filling it from the user's inputs is explain_compute.c. */
#include "predict/explain_inputs.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static void candidate_clear(struct explain_candidate *c)
{
        free(c->what);
        free(c->input);
        free(c->variant);
        free(c->text);
}

int explain_inputs_add(struct explain_inputs *in, const char *what, const char *input,
                       const char *variant, const char *text, const uint8_t digest[SHA384_LEN])
{
        struct explain_candidate c = { .golden_file = -1 }, *v;

        c.what = strdup(what);
        c.input = strdup(input);
        c.variant = variant ? strdup(variant) : NULL;
        c.text = text ? strdup(text) : NULL;
        v = reallocarray(in->v, in->n + 1, sizeof(*v));
        if (!c.what || !c.input || (variant && !c.variant) || (text && !c.text) || !v) {
                candidate_clear(&c);
                if (v)
                        in->v = v;
                return -ENOMEM;
        }
        memcpy(c.digest, digest, SHA384_LEN);
        in->v = v;
        in->v[in->n++] = c;
        return 0;
}

void explain_inputs_free(struct explain_inputs *in)
{
        if (!in)
                return;
        for (size_t i = 0; i < in->n; i++)
                candidate_clear(&in->v[i]);
        free(in->v);
        in->v = NULL;
        in->n = 0;
}

const struct explain_candidate *explain_inputs_find(const struct explain_inputs *in,
                                                    const char *what, const uint8_t *digest)
{
        for (size_t i = 0; in && i < in->n; i++)
                if (strcmp(in->v[i].what, what) == 0 && memcmp(in->v[i].digest, digest, SHA384_LEN) == 0)
                        return &in->v[i];
        return NULL;
}

bool explain_inputs_have(const struct explain_inputs *in, const char *what)
{
        for (size_t i = 0; in && i < in->n; i++)
                if (strcmp(in->v[i].what, what) == 0)
                        return true;
        return false;
}
