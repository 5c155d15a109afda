/* The fake platform's endorsement key, as the host learns it: swtpm_setup
 * makes the EK and, with --create-ek-cert, has swtpm_localca certify its
 * public key; --config points it at a swtpm_setup.conf in a per-run
 * directory that names swtpm_localca with a configuration of its own
 * (swtpm-localca.conf(5): statedir, signingkey, issuercert, certserial),
 * whose signing key and issuer certificate tdxh makes for the run with
 * OpenSSL (an ECC P-256 self-signed CA: nothing for swtpm_localca to
 * generate, and nothing of the host's /etc/swtpm-localca.conf used).
 * --write-ek-cert-files leaves the certificates (DER, ek-rsa2048.crt and
 * ek-secp384r1.crt) in the run's tpm/ directory; the RSA one must verify
 * under the run's CA, and its public key, the RSA 2048 EK at 0x81010001, is
 * written as tpm/ek.pem. A state kept across boots keeps a copy of that PEM
 * beside itself (tdxh-ek.pem), since it is not manufactured again. */
#pragma once

#include "core/err.h"

/* In ca_dir: swtpm_setup's configuration, passed with --config. */
#define SWTPM_EK_SETUP_CONF "swtpm_setup.conf"
/* In ek_dir: the certificate of the RSA EK, and its public key. */
#define SWTPM_EK_CERT "ek-rsa2048.crt"
#define SWTPM_EK_PEM "ek.pem"
/* In a kept state directory. */
#define SWTPM_EK_STATE_PEM "tdxh-ek.pem"

/* ca_dir must be absolute and must hold no whitespace, '$' or '=' (the
 * configuration files cannot quote); -EINVAL otherwise. */
int swtpm_ek_check_dir(const char *ca_dir, struct tdxh_err *e);

/* Creates ca_dir (0700) with the CA's key and certificate and both
 * configuration files, and ek_dir. */
int swtpm_ek_prepare(const char *ca_dir, const char *ek_dir, struct tdxh_err *e);

/* After swtpm_setup: checks ek_dir's RSA EK certificate against the CA of
 * ca_dir (-EACCES when another key signed it, -ENOENT when there is none),
 * writes ek_dir/ek.pem and state_dir/tdxh-ek.pem, and returns the PEM text
 * (malloc'd). */
int swtpm_ek_collect(const char *ca_dir, const char *ek_dir, const char *state_dir,
                     char **ret_pem, struct tdxh_err *e);

/* A kept state: state_dir/tdxh-ek.pem to ek_dir/ek.pem. *ret_pem is NULL
 * (and 0 returned) when the state was manufactured without an EK
 * certificate. */
int swtpm_ek_reuse(const char *ek_dir, const char *state_dir, char **ret_pem,
                   struct tdxh_err *e);
