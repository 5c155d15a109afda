/* Profile-dependent RTMR0 traits (see rtmr0.h). Kept apart from rtmr0.c so
 * that code using rtmr0_events() with explicit flags does not need the
 * profile table. */
#include "measure/profile.h"
#include "measure/rtmr0.h"

void rtmr0_params_from_profile(struct rtmr0_params *p, const struct profile *prof)
{
        if (prof->platform == PLATFORM_FAKE) {
                /* TPM-mode OVMF: the fold of PCR 1 and 7, with Tcg2Dxe's
                 * ReadyToBoot separator for PCR 1 after the boot variables. */
                p->tpm_mode = true;
                p->secureboot_off_form = true;
                p->separator_in_rtmr0 = true;
                p->fwcfg_cache_events = false;
        } else {
                p->tpm_mode = false;
                p->separator_in_rtmr0 = !profile_separator_in_rtmr1(prof);
                p->fwcfg_cache_events = profile_has_fwcfg_cache_events(prof);
        }
        p->boot_vars_in_rtmr1 = prof->platform == PLATFORM_TDX && prof->edk2 == EDK2_2022;
        p->acpi_events = profile_has_acpi_events(prof);
        p->smbios_event = profile_has_smbios_event(prof);
}
