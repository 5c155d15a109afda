/* TDREPORT_STRUCT (1024 bytes, TDX-REFERENCE §6.1). */
#pragma once

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define TDREPORT_LEN 1024

struct tdreport {
        /* REPORTMACSTRUCT */
        uint8_t report_type[4]; /* type 0x81, subtype, version, reserved */
        uint8_t cpusvn[16];
        uint8_t tee_tcb_info_hash[48];
        uint8_t tee_info_hash[48];
        uint8_t report_data[64];
        uint8_t mac[32];
        /* TEE_TCB_INFO */
        uint8_t tcb_valid[8];
        uint8_t tee_tcb_svn[16];
        uint8_t mr_seam[48];
        uint8_t mrsigner_seam[48];
        uint8_t seam_attributes[8];
        uint8_t tee_tcb_svn2[16];
        /* TDINFO */
        uint8_t td_attributes[8];
        uint8_t xfam[8];
        uint8_t mr_td[48];
        uint8_t mr_config_id[48];
        uint8_t mr_owner[48];
        uint8_t mr_owner_config[48];
        uint8_t rtmr[4][48];
        uint8_t servtd_hash[48];
        /* consistency of the hashes with the content */
        bool tee_tcb_info_hash_ok;
        bool tee_info_hash_ok;
};

/* Parses exactly TDREPORT_LEN bytes; checks the report type and computes the
 * two hash checks (a mismatch is reported in the flags, not as an error). */
int tdreport_parse(const uint8_t *data, size_t len, struct tdreport *ret, struct tdxh_err *e);

/* JSON for `tdxh inspect --json`: kind "tdreport" and the same register keys
 * as quote_to_json(). */
int tdreport_to_json(const struct tdreport *r, json_object **ret);
