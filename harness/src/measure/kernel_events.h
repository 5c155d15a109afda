/* The RTMR1 and RTMR2 events of a direct kernel boot (TDX-REFERENCE §4.1,
 * §4.3): the kernel's Authenticode digest and the boot-manager and
 * ExitBootServices actions into RTMR1; the LoadOptions command line and the
 * initrd, measured by the Linux EFI stub, into RTMR2. Which variant applies
 * (patched header, where the separators are, how LoadOptions is built) comes
 * in explicit flags; mapping a platform profile to them is the caller's job:
 * for TDX, header_patched = profile_kernel_header_patched(), separators =
 * profile_separator_in_rtmr1() ? RTMR1_SEPARATOR_ONE : RTMR1_SEPARATORS_NONE,
 * initrd_prefix = profile_cmdline_initrd_prefix(); for the fake (QEMU 7.2,
 * OVMF 2022.11 in TPM mode) header_patched, RTMR1_SEPARATORS_PCR2_6 and the
 * suffix form, which a real capture confirmed (tests/data/fake-boot).
 *
 * Memory: the kernel is mapped read-only (at most KERNEL_MAX_SIZE) and hashed
 * through a view with a patched copy of its first 8 KiB; the initrd is
 * streamed through digest_file() and never loaded. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "measure/event.h"
#include "measure/linux_setup.h"

/* EV_EFI_ACTION strings (logged without a NUL; the digest is over the text). */
#define ACTION_CALLING_EFI_APP "Calling EFI Application from Boot Option"
#define ACTION_EXIT_BOOT_SERVICES "Exit Boot Services Invocation"
#define ACTION_EXIT_BOOT_SERVICES_OK "Exit Boot Services Returned with Success"

/* TCG_PCClientTaggedEvent ids the Linux EFI stub uses (EV_EVENT_TAG). */
#define TAGGED_EVENT_LOAD_OPTIONS 0x8F3B22EDu
#define TAGGED_EVENT_INITRD 0x8F3B22ECu

/* Largest kernel image accepted (it is mapped, not read). */
#define KERNEL_MAX_SIZE (512u << 20)

/* The direct-boot inputs, as given to QEMU. */
struct kernel_boot {
        const char *kernel_path; /* -kernel */
        const char *initrd_path; /* -initrd, or NULL */
        const char *cmdline;     /* -append, or NULL for none */
        uint64_t ram_size;       /* -m, bytes */
        uint64_t max_ram_below_4g; /* 0: QEMU's default */
};

/* Where the ReadyToBoot separators fall, if in RTMR1 at all. */
enum rtmr1_separators {
        RTMR1_SEPARATORS_NONE,   /* TDX, edk2 < 202411: the separator is in RTMR0 */
        RTMR1_SEPARATOR_ONE,     /* TDX, edk2 >= 202411: one separator */
        RTMR1_SEPARATORS_PCR2_6, /* fake (TPM mode): one per PCR 2, 3, 4, 5, 6 */
};

struct rtmr1_flags {
        bool header_patched;              /* QEMU's setup-header patch is in the measured bytes */
        enum rtmr1_separators separators;
};

struct rtmr2_flags {
        bool initrd_prefix; /* edk2 >= 202508: "initrd=initrd " first, else " initrd=initrd" last */
        bool shim;          /* OVMF loads shim first: "kernel " prefix */
};

/* Authenticode SHA-384 of the kernel as the firmware receives it: with
 * QEMU's setup-header patch for `patch` when non-NULL, the file as it is when
 * NULL. ret_info (optional, only with a patch) says what QEMU decided.
 * Errors name the file and the offset/field. */
int kernel_image_digest(const char *kernel_path, const struct linux_setup_params *patch,
                        uint8_t ret_digest[48], struct linux_setup_info *ret_info,
                        struct tdxh_err *e);

/* Builds OVMF's LoadOptions for a command line (NULL = none) and whether a
 * non-empty initrd is served: *ret_text is the ASCII string, *ret_utf16 its
 * byte-wise widening to UTF-16LE with a UTF-16 NUL, *ret_size the byte count
 * the firmware passes as LoadOptionsSize. Returns 1 and sets all three, or 0
 * with NULL/0 when LoadOptionsSize would be 0 (no command line and no
 * initrd: nothing is measured), or -ENOMEM. */
int kernel_load_options(const char *cmdline, bool initrd, const struct rtmr2_flags *f,
                        char **ret_text, uint8_t **ret_utf16, size_t *ret_size);

/* Appends the RTMR1 events (rtmr 1) to l, in extend order:
 *   kernel  EV_EFI_BOOT_SERVICES_APPLICATION  what "kernel", detail = file name
 *   action  EV_EFI_ACTION  "Calling EFI Application from Boot Option"
 *   separator(s)  EV_SEPARATOR  per f->separators (detail "PCR n" for the fake)
 *   action  EV_EFI_ACTION  "Exit Boot Services Invocation"
 *   action  EV_EFI_ACTION  "Exit Boot Services Returned with Success"
 * On failure l is unchanged. */
int kernel_rtmr1_events(const struct kernel_boot *b, const struct rtmr1_flags *f,
                        struct measure_events *l, struct tdxh_err *e);

/* The firmware's own RTMR1 events of any boot, whatever it loads: at
 * ReadyToBoot the "Calling EFI Application" action and the separators per
 * f->separators; at ExitBootServices its two actions. 0 or -ENOMEM (events
 * already appended stay). */
int rtmr1_ready_to_boot_events(const struct rtmr1_flags *f, struct measure_events *l);
int rtmr1_exit_boot_services_events(struct measure_events *l);

/* The Linux EFI stub's own events (rtmr 2), in extend order: LoadOptions
 * (when load_options is non-NULL: its SHA-384, text the detail) and the
 * initrd it loads through LoadFile2 (when initrd_digest is non-NULL). 0 or
 * -ENOMEM (events already appended stay). */
int kernel_stub_events(const uint8_t *load_options, size_t load_options_size, const char *text,
                       const uint8_t *initrd_digest, const char *initrd_name,
                       struct measure_events *l);

/* Appends the RTMR2 events (rtmr 2) to l, in extend order:
 *   cmdline  EV_EVENT_TAG  SHA-384 of LoadOptions, detail = the LoadOptions text
 *            (absent when LoadOptionsSize would be 0)
 *   initrd   EV_EVENT_TAG  SHA-384 of the whole file, detail = file name
 *            (absent without an initrd or with an empty one: OVMF serves none)
 * On failure l is unchanged. */
int kernel_rtmr2_events(const struct kernel_boot *b, const struct rtmr2_flags *f,
                        struct measure_events *l, struct tdxh_err *e);
