/* Reference values to publish: the golden files of one image, for one or
 * more profiles, turned into an artifact a release can ship and anyone can
 * check (`tdxh golden publish`, `tdxh golden verify-published`).
 *
 * The artifact is a directory:
 *   reference-values.json      schema "tdxh-published/1" (reports/SCHEMA.md):
 *                              the image's inputs and their hashes, each
 *                              profile's MRTD and RTMR values, the tdxh
 *                              version, "fake" where values come from the
 *                              fake platform, and the SHA-256 of the other
 *                              files below
 *   reference-values.json.sig  a detached signature over the JSON's bytes
 *                              (ECDSA or RSA with SHA-384, or Ed25519): what
 *                              `openssl dgst -sha384 -verify` checks too
 *   reference-values.md        the same values for release notes
 *   trustee-rvps-message.json  the genuine (non-fake) values as a message of
 *                              trustee's Reference Value Provider Service,
 *                              "sample" provenance, under the names its
 *                              default policy queries (mr_td, rtmr_0..3);
 *                              not written when every profile is fake
 *
 * Every file is written through a temporary file and a rename. */
#pragma once

#include <stddef.h>

#include "core/err.h"

#define GOLDEN_PUBLISHED_SCHEMA "tdxh-published/1"

struct golden_publish_opts {
        const char *const *goldens; /* golden file paths, one per profile */
        size_t n_goldens;
        const char *key;            /* PEM private key */
        const char *out_dir;        /* created if missing */
        const char *tool_version;   /* recorded in the JSON */
};

/* 0, or a negative errno with a message naming the file (golden files of
 * different images, a key that cannot sign, an unwritable directory). */
int golden_publish(const struct golden_publish_opts *o, struct tdxh_err *e);

/* Checks DIR against the public key: the signature over the JSON, then the
 * SHA-256 of every file the JSON lists. Returns 0 when all hold, 1 when
 * one does not (e says which), or a negative errno for input that cannot be
 * read at all. */
int golden_verify_published(const char *dir, const char *pubkey, struct tdxh_err *e);
