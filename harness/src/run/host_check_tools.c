/* The checks of the host probe that run programs: QEMU (its version and
 * whether it offers the tdx-guest object) and libvirt (virsh's version and
 * whether its domain capabilities report TDX). Each program runs as a
 * child without a shell, with a deadline, and is reaped on every path
 * (child_run_capture). See host_check.h. */
#include "run/host_check.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/xpath.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "run/child.h"
#include "run/deadline.h"

#define TOOL_OUTPUT_MAX (1u << 20)
#define TOOL_TIMEOUT_MS 10000

static int run_tool(const struct host_check_opts *o, const char *const *argv,
                    struct signal_watch *sw, char **ret, struct tdxh_err *e)
{
        struct deadline d = deadline_in_ms(o->timeout_ms ? o->timeout_ms : TOOL_TIMEOUT_MS);

        return child_run_capture(argv, TOOL_OUTPUT_MAX, &d, sw, ret, e);
}

/* "X.Y.Z" after the word "version" ("QEMU emulator version 10.1.0 (…)"),
 * or the first line when it starts with a digit (virsh --version). */
static int parse_version(const char *out, unsigned *major, unsigned *minor, char **ret)
{
        const char *v = strstr(out, "version ");
        size_t n;

        v = v ? v + 8 : out;
        if (*v < '0' || *v > '9' || sscanf(v, "%u.%u", major, minor) != 2)
                return -EINVAL;
        n = strspn(v, "0123456789.");
        *ret = strndup(v, n);
        return *ret ? 0 : -ENOMEM;
}

static bool at_least(unsigned major, unsigned minor, unsigned want_major, unsigned want_minor)
{
        return major > want_major || (major == want_major && minor >= want_minor);
}

/* A line of `-object help` naming the type exactly ("  tdx-guest"). */
static bool lists_object(const char *out, const char *type)
{
        size_t n = strlen(type);

        for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
                const char *s = p + strspn(p, " ");

                if (strncmp(s, type, n) == 0 && (s[n] == '\n' || s[n] == '\0' || s[n] == ' '))
                        return true;
        }
        return false;
}

static void last_line(const char *msg, char *out, size_t len)
{
        snprintf(out, len, "%s", msg);
        out[strcspn(out, "\n")] = '\0';
}

static int check_qemu(const struct host_check_opts *o, struct signal_watch *sw,
                      struct host_check *hc)
{
        struct host_check_item *it = &hc->items[HC_QEMU];
        const char *qemu = o->qemu ? o->qemu : "qemu-system-x86_64";
        const char *version_argv[] = { qemu, "--version", NULL };
        const char *help_argv[] = { qemu, "-object", "help", NULL };
        _cleanup_free_ char *out = NULL, *objects = NULL;
        struct tdxh_err te = { 0 };
        unsigned major = 0, minor = 0;
        char line[256];
        int r;

        r = run_tool(o, version_argv, sw, &out, &te);
        if (r == -ECANCELED || r == -ENOMEM)
                return r;
        if (r < 0)
                return host_check_set(it, HOST_CHECK_FAIL,
                                      "install QEMU >= 10.1 (qemu-system-x86) or give --qemu",
                                      "%s --version: %s", qemu, te.msg);
        r = parse_version(out, &major, &minor, &hc->qemu_version);
        if (r == -ENOMEM)
                return r;
        last_line(out, line, sizeof(line));
        if (r < 0)
                return host_check_set(it, HOST_CHECK_UNKNOWN, "give the QEMU binary with --qemu",
                                      "%s --version: no version in '%s'", qemu, line);
        err_clear(&te);
        r = run_tool(o, help_argv, sw, &objects, &te);
        if (r == -ECANCELED || r == -ENOMEM)
                return r;
        if (r < 0)
                return host_check_set(it, HOST_CHECK_UNKNOWN, "check that QEMU runs on this host",
                                      "%s -object help: %s", qemu, te.msg);
        if (!lists_object(objects, "tdx-guest"))
                return host_check_set(it, HOST_CHECK_FAIL,
                                      at_least(major, minor, HOST_CHECK_QEMU_MIN_MAJOR,
                                               HOST_CHECK_QEMU_MIN_MINOR)
                                              ? "use a QEMU built with TDX support (x86_64 with KVM)"
                                              : "install QEMU >= 10.1 (upstream TDX) or give --qemu",
                                      "%s: '%s'; -object help lists no tdx-guest", qemu, line);
        /* Vendor QEMUs before 10.1 (Canonical's 8.2) carry an out-of-tree
         * tdx-guest whose quote-service option is spelt differently; the
         * command line of this backend is upstream's. */
        if (!at_least(major, minor, HOST_CHECK_QEMU_MIN_MAJOR, HOST_CHECK_QEMU_MIN_MINOR))
                return host_check_set(it, HOST_CHECK_FAIL,
                                      "install QEMU >= 10.1: an older tdx-guest (vendor patches) "
                                      "takes other options than the command line tdxh builds",
                                      "%s: '%s'; -object help lists tdx-guest, but QEMU is older "
                                      "than 10.1",
                                      qemu, line);
        return host_check_set(it, HOST_CHECK_PASS, NULL, "%s: '%s'; -object help lists tdx-guest",
                              qemu, line);
}

/* Does a domain capabilities document report TDX? libvirt lists the
 * launch security types it can start as <launchSecurity><enum
 * name='sectype'><value>tdx</value> (formatdomaincaps, "Launch security",
 * libvirt >= 10.5; tdx from 11.6); a <tdx supported='yes'/> feature is
 * accepted too. 1 yes, 0 no, -EINVAL not XML. */
static int domcaps_has_tdx(const char *xml)
{
        xmlDocPtr doc = xmlReadMemory(xml, (int)strlen(xml), "domcapabilities.xml", NULL,
                                      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
        xmlXPathContextPtr ctx = doc ? xmlXPathNewContext(doc) : NULL;
        xmlXPathObjectPtr res = NULL;
        int r = -EINVAL;

        if (ctx)
                res = xmlXPathEvalExpression(
                        (const xmlChar *)"boolean(//launchSecurity[not(@supported='no')]"
                                         "/enum[@name='sectype']/value[normalize-space()='tdx'] | "
                                         "//features/tdx[@supported='yes'])",
                        ctx);
        if (res && res->type == XPATH_BOOLEAN)
                r = res->boolval ? 1 : 0;
        xmlXPathFreeObject(res);
        xmlXPathFreeContext(ctx);
        xmlFreeDoc(doc);
        return r;
}

static int check_libvirt(const struct host_check_opts *o, struct signal_watch *sw,
                         struct host_check *hc)
{
        struct host_check_item *it = &hc->items[HC_LIBVIRT];
        const char *uri = o->connect ? o->connect : HOST_CHECK_LIBVIRT_URI;
        _cleanup_free_ char *virsh = NULL, *out = NULL, *caps = NULL, *version = NULL;
        struct tdxh_err te = { 0 };
        unsigned major = 0, minor = 0;
        int r;

        r = child_resolve_program(o->virsh ? o->virsh : "virsh", &virsh, &te);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return host_check_set(it, HOST_CHECK_UNKNOWN,
                                      "install libvirt-clients for the libvirt backend (qemu-tdx "
                                      "does not need it)",
                                      "virsh: %s", te.msg);
        {
                const char *argv[] = { virsh, "--version", NULL };

                r = run_tool(o, argv, sw, &out, &te);
        }
        if (r == -ECANCELED || r == -ENOMEM)
                return r;
        if (r >= 0)
                r = parse_version(out, &major, &minor, &version);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return host_check_set(it, HOST_CHECK_UNKNOWN, "check the libvirt installation",
                                      "%s --version: %s", virsh, te.msg[0] ? te.msg : "no version");
        if (!at_least(major, minor, HOST_CHECK_LIBVIRT_MIN_MAJOR, HOST_CHECK_LIBVIRT_MIN_MINOR))
                return host_check_set(it, HOST_CHECK_FAIL,
                                      "install libvirt >= 11.6 for the libvirt backend (qemu-tdx "
                                      "does not need it)",
                                      "virsh --version: %s (TDX needs >= %d.%d)", version,
                                      HOST_CHECK_LIBVIRT_MIN_MAJOR, HOST_CHECK_LIBVIRT_MIN_MINOR);
        err_clear(&te);
        {
                const char *argv[] = { virsh, "-c", uri, "domcapabilities", "--virttype", "kvm",
                                       NULL };

                r = run_tool(o, argv, sw, &caps, &te);
        }
        if (r == -ECANCELED || r == -ENOMEM)
                return r;
        if (r < 0)
                return host_check_set(it, HOST_CHECK_UNKNOWN,
                                      "start libvirt's daemon (virtqemud) or give --connect",
                                      "virsh %s, -c %s domcapabilities: %s", version, uri, te.msg);
        r = domcaps_has_tdx(caps);
        if (r < 0)
                return host_check_set(it, HOST_CHECK_UNKNOWN, "check the libvirt installation",
                                      "virsh -c %s domcapabilities: not XML", uri);
        if (r == 0)
                return host_check_set(it, HOST_CHECK_FAIL,
                                      "libvirt sees no TDX: check the checks above, then restart "
                                      "virtqemud so it probes QEMU again",
                                      "virsh %s, -c %s domcapabilities: no tdx launch security",
                                      version, uri);
        return host_check_set(it, HOST_CHECK_PASS, NULL,
                              "virsh %s, -c %s domcapabilities: tdx launch security", version, uri);
}

int host_check_tools(const struct host_check_opts *o, struct signal_watch *sw,
                     struct host_check *hc, struct tdxh_err *e)
{
        int r = check_qemu(o, sw, hc);

        if (r >= 0)
                r = check_libvirt(o, sw, hc);
        if (r == -ECANCELED)
                return err_setf(e, r, "host-check: interrupted");
        return r;
}
