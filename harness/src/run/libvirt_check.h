/* Did libvirt keep what tdxh asked for? libvirt versions spell the TDX
 * quote-service element differently (upstream 11.6 <quoteGenerationService
 * path=…/>, Canonical's 10.0 a <SocketAddress> child), and a libvirt whose
 * schema does not know an element may drop it silently when it defines the
 * domain. A TD defined without its quote service boots but can never get a
 * quote; one without its owner values measures different ones. So the
 * domain libvirt defined (virDomainGetXMLDesc) is read back and compared
 * with the one written, before the guest runs. */
#pragma once

#include "core/err.h"

/* Every child element of the written domain's <launchSecurity> (and each of
 * its attributes, and its text when it has any) is present in the defined
 * domain's. 0 when they are (or the written domain has no launchSecurity),
 * -EPROTO with e naming the first element libvirt dropped or changed
 * ("libvirt dropped <launchSecurity><quoteGenerationService>"), -EINVAL
 * when either text is not XML. */
int libvirt_launch_security_check(const char *written, const char *defined, struct tdxh_err *e);
