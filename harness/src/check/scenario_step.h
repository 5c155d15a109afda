/* Reading one step of a scenario file, and the platform options boot and
 * reboot steps share with `platform:`; for scenario_parse.c only. */
#pragma once

#include <stddef.h>

#include "check/scenario.h"
#include "check/scenario_yaml.h"

struct scn_parser {
        struct scn_ctx c;
        const char *dir; /* of the scenario file: relative paths are joined to it */
};

/* `platform:` (a mapping, or nothing) into *pl. */
int scn_parse_platform(const struct scn_parser *p, const struct scn_node *map,
                       struct step_platform *pl);
/* Item node of the steps list into steps[index], checked against the steps
 * before it. On failure steps[index] may hold some fields: scn_step_free()
 * releases them. */
int scn_parse_step(const struct scn_parser *p, const struct scn_node *node, struct step *steps,
                   size_t index);
void scn_step_free(struct step *st);
/* `matrix:` (a mapping of memory, vcpus, profile, image to lists) into s
 * (scenario_matrix.c); scn_matrix_free() releases it. */
int scn_parse_matrix(const struct scn_parser *p, const struct scn_node *key,
                     const struct scn_node *map, struct scenario *s);
void scn_matrix_free(struct scenario *s);
void scn_platform_free(struct step_platform *pl);
