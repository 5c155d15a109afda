/* The value parsers of the scenario format (sizes, counts, hex, names, paths,
 * policies, expect), shared by scenario_parse.c. Each takes the key node
 * (whose text names the value in the message) and the value node (whose
 * position the message points at; for an empty value, the key's), fills
 * *ret only on success and otherwise records one "FILE:LINE:COLUMN: KEY: …"
 * line and returns -EINVAL (or -ENOMEM). */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "check/scenario.h"
#include "check/scenario_yaml.h"

/* The candidate closest to word when word looks like a typo of it (an edit
 * distance of at most 2, transpositions counting 1), else NULL. */
const char *scn_suggest(const char *word, const char *const *candidates, size_t n);

/* Index of word in names[], or -1. */
int scn_find(const char *word, const char *const *names, size_t n);
/* names joined with ", " into out (truncated to size). */
void scn_join(const char *const *names, size_t n, char *out, size_t size);
/* Refuses key k: "unknown WHAT 'K'CONTEXT (did you mean 'X'?)", or with the
 * list of valid names when none is close. -EINVAL. */
int scn_unknown(const struct scn_ctx *c, const struct scn_node *k, const char *what,
                const char *context, const char *const *names, size_t n);
/* Key i of map is a string and not a repeat of an earlier key of map. Keys
 * are checked in order and each is known before the next is looked at, so
 * the earlier ones are few and this stays linear. */
int scn_check_key(const struct scn_ctx *c, const struct scn_node *map, size_t i);

/* Where a message about value val of key belongs. */
const struct scn_node *scn_where(const struct scn_node *key, const struct scn_node *val);

/* Any scalar, borrowed from the tree; nothing, a list or a mapping is refused. */
int scn_string(const struct scn_ctx *c, const struct scn_node *key, const struct scn_node *val,
               const char **ret);
int scn_string_dup(const struct scn_ctx *c, const struct scn_node *key,
                   const struct scn_node *val, char **ret);
/* A path, not empty; a relative one is joined to dir (NULL or "": kept). */
int scn_path(const struct scn_ctx *c, const struct scn_node *key, const struct scn_node *val,
             const char *dir, char **ret);
/* A decimal integer from min to max; what says it in the message ("an
 * integer from 1 to 512"). */
int scn_uint(const struct scn_ctx *c, const struct scn_node *key, const struct scn_node *val,
             unsigned min, unsigned max, const char *what, unsigned *ret);
/* A memory size: 2G, 2048M, 1GiB, 2.5G or a plain count of bytes; a whole
 * number of MiB. */
int scn_size(const struct scn_ctx *c, const struct scn_node *key, const struct scn_node *val,
             uint64_t *ret);
/* Exactly 2*len hex digits; what names the value ("a SHA-384 digest"). */
int scn_hex(const struct scn_ctx *c, const struct scn_node *key, const struct scn_node *val,
            uint8_t *out, size_t len, const char *what);
/* The scenario's name: 1 to 64 of A-Z a-z 0-9 . _ -, starting with a letter
 * or digit. */
int scn_scenario_name(const struct scn_ctx *c, const struct scn_node *key,
                      const struct scn_node *val, char **ret);
/* A golden profile's name: as a scenario name. */
int scn_profile_name(const struct scn_ctx *c, const struct scn_node *key,
                     const struct scn_node *val, char **ret);
/* A step's name: one line of 1 to 128 bytes. */
int scn_step_name(const struct scn_ctx *c, const struct scn_node *key,
                  const struct scn_node *val, char **ret);
/* A secret's name: 1 to 64 of A-Z a-z 0-9 . _ -. */
int scn_secret_name(const struct scn_ctx *c, const struct scn_node *key,
                    const struct scn_node *val, char **ret);
/* A seal policy: a non-empty list of distinct register names; POLICY_* bits. */
int scn_policy(const struct scn_ctx *c, const struct scn_node *key, const struct scn_node *val,
               unsigned *ret);
/* pass or fail (refused: fail; released: pass, for unseal only). */
int scn_expect(const struct scn_ctx *c, const struct scn_node *key, const struct scn_node *val,
               enum step_kind kind, bool *ret_fail);
/* kbs or tpm. */
/* quote `inject:` wrong-report-data or lying-guest. */
int scn_quote_inject(const struct scn_ctx *c, const struct scn_node *key,
                     const struct scn_node *val, enum quote_inject *ret);
int scn_seal_mode(const struct scn_ctx *c, const struct scn_node *key,
                  const struct scn_node *val, enum seal_mode *ret);
