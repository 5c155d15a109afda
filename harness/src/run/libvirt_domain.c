/* A guest through the libvirt C API; see libvirt_domain.h. */
#include "run/libvirt_domain.h"

#include <errno.h>
#include <libvirt/virterror.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "run/libvirt_check.h"

/* libvirt's default handler prints every error on stderr; the library
 * never prints, so errors are only collected (virGetLastErrorMessage). */
static void quiet(void *userdata, virErrorPtr err)
{
        (void)userdata;
        (void)err;
}

const char *libvirt_default_uri(void)
{
        return geteuid() == 0 ? "qemu:///system" : "qemu:///session";
}

void libvirt_version_format(unsigned long v, char *out, size_t len)
{
        snprintf(out, len, "%lu.%lu.%lu", v / 1000000, v / 1000 % 1000, v % 1000);
}

static int fail(struct tdxh_err *e, int code, const char *what)
{
        return err_setf(e, code, "libvirt: %s: %s", what, virGetLastErrorMessage());
}

int libvirt_domain_start(struct libvirt_domain *d, const char *uri, const char *xml,
                         struct tdxh_err *e)
{
        struct libvirt_domain n = LIBVIRT_DOMAIN_INIT;
        int r;

        virSetErrorFunc(NULL, quiet);
        n.conn = virConnectOpen(uri);
        if (!n.conn)
                return fail(e, -ECONNREFUSED, uri);
        n.uri = virConnectGetURI(n.conn);
        if (virConnectGetLibVersion(n.conn, &n.lib_version) < 0)
                n.lib_version = 0;
        if (virConnectGetVersion(n.conn, &n.hv_version) < 0)
                n.hv_version = 0;
        n.dom = virDomainCreateXML(n.conn, xml, VIR_DOMAIN_NONE);
        if (!n.dom) {
                r = fail(e, -EINVAL, "starting the domain");
                libvirt_domain_destroy(&n);
                return r;
        }
        n.defined_xml = virDomainGetXMLDesc(n.dom, 0);
        if (!n.defined_xml) {
                r = fail(e, -EIO, "reading the domain back");
                libvirt_domain_destroy(&n);
                return r;
        }
        r = libvirt_launch_security_check(xml, n.defined_xml, e);
        if (r < 0) {
                libvirt_domain_destroy(&n);
                return r;
        }
        *d = n;
        return 0;
}

int libvirt_domain_qemu_argv(struct libvirt_domain *d, char **ret, struct tdxh_err *e)
{
        char *argv = virConnectDomainXMLToNative(d->conn, "qemu-argv", d->defined_xml, 0);
        virErrorPtr err;

        if (!argv) {
                err = virGetLastError();
                if (err && err->code == VIR_ERR_NO_SUPPORT)
                        return err_setf(e, -ENOTSUP, "libvirt: %s: no QEMU command line",
                                        d->uri ? d->uri : "this driver");
                return fail(e, -EIO, "the QEMU command line");
        }
        *ret = argv;
        return 0;
}

bool libvirt_domain_running(struct libvirt_domain *d)
{
        return d->dom && virDomainIsActive(d->dom) == 1;
}

void libvirt_domain_destroy(struct libvirt_domain *d)
{
        if (d->dom) {
                /* A transient domain is gone from libvirt once destroyed. */
                (void)virDomainDestroy(d->dom);
                virDomainFree(d->dom);
        }
        if (d->conn)
                virConnectClose(d->conn);
        free(d->uri);
        free(d->defined_xml);
        *d = (struct libvirt_domain)LIBVIRT_DOMAIN_INIT;
}
