/* The fake-platform VM of the agent's integration tests (agent_vm.c). */
#pragma once

#include <check.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#define VM_QEMU "/usr/bin/qemu-system-x86_64"
#define VM_SWTPM "/usr/bin/swtpm"
#define VM_SWTPM_SETUP "/usr/bin/swtpm_setup"
#define VM_OVMF "/usr/share/ovmf/OVMF.fd"
#define VM_MEMORY "1G"

/* QEMU, swtpm and OVMF are installed. */
bool vm_platform_present(void);

/* Creates the VM's directory and arranges that everything is stopped and
 * removed when the process exits. */
void vm_init(void);
/* A file in the VM's directory (malloc'd path). */
char *vm_path(const char *name);
void vm_write_file(const char *name, const void *data, size_t len);

/* Starts swtpm and QEMU booting image (a directory with vmlinuz, initrd.img,
 * cmdline), MRTD and TD attributes in fw_cfg opt/tdxh/, and connects to the
 * agent port. Requests wait for the agent to come up. */
void vm_start(const char *image, const uint8_t mrtd[48], const uint8_t td_attributes[8]);
double vm_now(void);
double vm_started_at(void);

/* Sends one request line and returns the parsed response (owned); fails the
 * test when none arrives within timeout_s. */
json_object *vm_call(const char *request, int timeout_s);

/* Waits for QEMU to exit; false when it still runs after timeout_s. */
bool vm_wait_exit(double timeout_s, int *ret_status);

/* Response checks. */
const char *resp_str(json_object *o, const char *key);
void resp_expect_ok(json_object *o);
void resp_expect_errno(json_object *o, int err);
void resp_hex48(json_object *o, const char *key, uint8_t out[48]);

char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
