/* In-memory evidence for tests, built from real TDX data: the event log of
 * harness/tests/data/real/trustee/CCEL_data_ovmf as rendered (parsed) by trustee in
 * CCEL_data_ovmf_out.json: 20 events of an OVMF direct kernel boot, labelled
 * the way the event-log readers label them. Tests then change one thing (a
 * digest, an event) to build a mismatch from real values. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "evidence/eventlog.h"
#include "golden/golden.h"
#include "report/model.h"

/* The replayed registers of that log (fixtures/README.md). */
extern const char *const fixture_trustee_rtmr_hex[4];

/* Loads the log; aborts the test on failure. Free with fixture_log_free(). */
void fixture_trustee_log(struct evlog *ret);
void fixture_log_free(struct evlog *l);

/* Index of the first event labelled what (aborts when absent). */
size_t fixture_find(const struct evlog *l, const char *what);

/* Edits: replace a digest; remove an event; insert a copy of ev at position
 * at (what/detail duplicated). Indexes are renumbered. */
void fixture_set_digest(struct evlog *l, size_t i, const uint8_t digest[48]);
void fixture_set_detail(struct evlog *l, size_t i, const char *detail);
void fixture_remove(struct evlog *l, size_t i);
/* what: a static string (the log does not own labels). */
void fixture_insert(struct evlog *l, size_t at, int rtmr, uint32_t type, const uint8_t digest[48],
                    const char *what, const char *detail);

/* A golden file model whose events and registers are exactly the log's
 * (profile "tdx-edk2-202302-qemu-10.1", 2 GiB, 2 vCPUs: the log has the ACPI events
 * of edk2 >= stable202302 and the ReadyToBoot separator in RTMR0, as before
 * stable202411). Free with fixture_golden_free(). */
void fixture_golden_from_log(const struct evlog *l, struct golden *ret);
void fixture_golden_free(struct golden *g);

/* SHA-384 of the UTF-16LE form of an ASCII command line and its NUL, as the
 * LoadOptions event measures it (TDX-REFERENCE §4.3). */
void fixture_cmdline_digest(const char *cmdline, uint8_t ret[48]);

/* Text with markup characters, quotes and bytes that are not UTF-8. */
#define FIXTURE_NASTY "<script>alert(1)</script> & \"q\" 'a' \xff\xfe ]]> `|*_"

/* A report of two scenarios: "measure" (the trustee log with the kernel
 * digest changed and FIXTURE_NASTY in its text, diff and causes attached,
 * a passed "boot" check) and "seal FIXTURE_NASTY" (a failed, an errored and
 * a skipped check). Free with report_free(). */
void fixture_report(struct report *rep);
