/* A guest started through libvirt: the libvirt backend's counterpart of a
 * QEMU child. It connects to any libvirt URI (qemu:///system,
 * qemu:///session, qemu+ssh://host/system, qemu+unix:///session?socket=…,
 * test:///default for the tests), starts the domain XML as a transient
 * domain (gone from libvirt once destroyed), reads the domain libvirt
 * defined back and refuses it when launchSecurity lost a child
 * (libvirt_check.h), and records what ran: libvirt's and the hypervisor's
 * versions and the defined XML. QEMU's command line as libvirt generates it
 * is libvirt_domain_qemu_argv().
 *
 * Lifecycle:
 *   struct libvirt_domain d = LIBVIRT_DOMAIN_INIT;
 *   libvirt_domain_start(&d, uri, xml, &e)   connected, domain running
 *   ... the agent's channel (the socket the XML names) ...
 *   libvirt_domain_destroy(&d)               domain destroyed, connection closed
 * libvirt_domain_destroy() is the cleanup (_cleanup_libvirt_domain_): the
 * domain never outlives its owner on any path, errors and SIGINT included
 * (the command's signal watch turns a SIGINT into an orderly return).
 *
 * libvirt reports errors by printing them unless told otherwise; this
 * module installs a handler that keeps them quiet, and turns the last one
 * into the one-line message of e. */
#pragma once

#include <libvirt/libvirt.h>
#include <stdbool.h>

#include "core/err.h"

struct libvirt_domain {
        virConnectPtr conn;
        virDomainPtr dom;
        char *uri;            /* the URI as libvirt resolved it */
        char *defined_xml;    /* virDomainGetXMLDesc of the running domain */
        unsigned long lib_version;  /* major * 1,000,000 + minor * 1,000 + release */
        unsigned long hv_version;   /* the hypervisor's (QEMU's), same encoding; 0: unknown */
};
#define LIBVIRT_DOMAIN_INIT { 0 }

/* Connects to uri and starts xml as a transient domain. On failure nothing
 * is left running and d stays idle: -ECONNREFUSED (no connection), -EINVAL
 * (libvirt refused the XML; its message names the element), -EPROTO (it
 * dropped part of launchSecurity), each with one line in e. */
int libvirt_domain_start(struct libvirt_domain *d, const char *uri, const char *xml,
                         struct tdxh_err *e);

/* QEMU's command line for the defined domain as libvirt would generate it
 * (virConnectDomainXMLToNative, "qemu-argv"), one string; -ENOTSUP when the
 * driver has no such conversion. */
int libvirt_domain_qemu_argv(struct libvirt_domain *d, char **ret, struct tdxh_err *e);

/* Is the domain still known to libvirt (running)? */
bool libvirt_domain_running(struct libvirt_domain *d);

/* Destroys the domain (if any), closes the connection, frees; safe on
 * LIBVIRT_DOMAIN_INIT and twice. */
void libvirt_domain_destroy(struct libvirt_domain *d);
#define _cleanup_libvirt_domain_ __attribute__((cleanup(libvirt_domain_destroy)))

/* The URI tdxh connects to when none is given: qemu:///session for a user
 * (that user's own daemon, started on demand, whose QEMU runs as the user
 * and so reaches tdxh's run and runtime directories), qemu:///system for
 * root (libvirt serves root's session URI from the system daemon anyway,
 * so that is the name of what runs). */
const char *libvirt_default_uri(void);

/* "9.0.0" from a libvirt version number. */
void libvirt_version_format(unsigned long v, char *out, size_t len);
