/* What shim measures on its own before it loads the next stage (shim 15.7+,
 * mok.c and tpm.c; see docs/disk-images.md): the
 * SbatLevel variable it writes (EV_EFI_VARIABLE_AUTHORITY, PCR 7 -> RTMR0)
 * and its MOK state, MokList, MokListX and MokListTrusted (EV_IPL, PCR 14 ->
 * RTMR2), each computed from the shim binary alone for a fresh variable
 * store (no MokList/MokListX variables, no SbatPolicy) with Secure Boot off. */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "measure/event.h"

/* True when the PE image carries shim's .vendor_cert section. */
int shim_is_shim(const uint8_t *pe, size_t len, const char *name, struct tdxh_err *e);

/* Appends SbatLevel (rtmr 0) and the three MOK events (rtmr 2), in the
 * order shim measures them. name is the file for messages. An input shim's
 * binary does not settle (no vendor certificate, an unknown SbatLevel
 * default) gives an event with an unknown digest and the reason. */
int shim_events(const uint8_t *pe, size_t len, const char *name, struct measure_events *l,
                struct tdxh_err *e);
