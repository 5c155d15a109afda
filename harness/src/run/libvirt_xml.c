/* The libvirt domain XML of a platform; see libvirt_xml.h. */
#include "run/libvirt_xml.h"

#include <errno.h>
#include <libxml/tree.h>
#include <libxml/xmlsave.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/base64.h"
#include "core/cleanup.h"
#include "measure/disk_image.h"
#include "run/qemu_argv.h"

static void xml_doc_freep(xmlDocPtr *d)
{
        if (*d)
                xmlFreeDoc(*d);
}

/* A child element with optional text; NULL on allocation failure. */
static xmlNodePtr add(xmlNodePtr parent, const char *name, const char *text)
{
        return xmlNewTextChild(parent, NULL, (const xmlChar *)name, (const xmlChar *)text);
}

/* Attributes as name/value pairs, NULL-terminated; false on failure. */
static bool attrs(xmlNodePtr n, ...)
{
        va_list ap;
        const char *k;
        bool ok = n != NULL;

        va_start(ap, n);
        while (ok && (k = va_arg(ap, const char *))) {
                const char *v = va_arg(ap, const char *);

                ok = xmlNewProp(n, (const xmlChar *)k, (const xmlChar *)v) != NULL;
        }
        va_end(ap);
        return ok;
}

static bool add_mr(xmlNodePtr ls, const char *name, const struct platform_mr *mr)
{
        _cleanup_free_ char *b64 = NULL;

        if (!mr->set)
                return true;
        b64 = base64_encode(mr->v, sizeof(mr->v));
        return b64 && add(ls, name, b64);
}

static bool launch_security(xmlNodePtr dom, const struct platform *p)
{
        xmlNodePtr ls = add(dom, "launchSecurity", NULL);
        char policy[24];

        snprintf(policy, sizeof(policy), "0x%llx", (unsigned long long)p->td_attributes);
        if (!attrs(ls, "type", "tdx", NULL) || !add(ls, "policy", policy) ||
            !add_mr(ls, "mrConfigId", &p->mrconfigid) || !add_mr(ls, "mrOwner", &p->mrowner) ||
            !add_mr(ls, "mrOwnerConfig", &p->mrownerconfig))
                return false;
        /* A path-less element asks for libvirt's default, Intel QGS's socket. */
        if (p->qgs_unix)
                return attrs(add(ls, "quoteGenerationService", NULL), "path", p->qgs_unix, NULL);
        return true;
}

static bool os_element(xmlNodePtr dom, const struct platform *p)
{
        xmlNodePtr os = add(dom, "os", NULL);

        return attrs(add(os, "type", "hvm"), "arch", "x86_64", "machine", "q35", NULL) &&
               /* type='rom' is -bios: the firmware as QEMU's fake and TDX
                * command lines load it (a TDVF goes through -bios only). */
               attrs(add(os, "loader", p->firmware), "type", "rom", "readonly", "yes", NULL) &&
               (p->disk || add(os, "kernel", p->kernel)) &&
               (!p->initrd || add(os, "initrd", p->initrd)) &&
               (!p->cmdline || add(os, "cmdline", p->cmdline));
}

/* A disk image as QEMU's -drive readonly=on on a virtio-blk device in the
 * slot OVMF's measured boot option names (measure/disk_image.h). */
static bool disk_element(xmlNodePtr dev, const struct platform *p)
{
        xmlNodePtr d = add(dev, "disk", NULL);
        char slot[8];

        snprintf(slot, sizeof(slot), "0x%02x", DISK_IMAGE_PCI_SLOT);
        return attrs(d, "type", "file", "device", "disk", NULL) &&
               attrs(add(d, "driver", NULL), "name", "qemu", "type", p->disk_format, NULL) &&
               attrs(add(d, "source", NULL), "file", p->disk, NULL) &&
               attrs(add(d, "target", NULL), "dev", "vda", "bus", "virtio", NULL) &&
               add(d, "readonly", NULL) &&
               attrs(add(d, "address", NULL), "type", "pci", "domain", "0x0000", "bus", "0x00",
                     "slot", slot, "function", "0x0", NULL);
}

static bool features(xmlNodePtr dom, bool tdx)
{
        xmlNodePtr f = add(dom, "features", NULL);

        if (!f || !add(f, "acpi", NULL) || !add(f, "apic", NULL))
                return false;
        /* The split irqchip and no SMM a TD needs (QEMU tdx.rst, "Restrictions"). */
        return !tdx || (attrs(add(f, "ioapic", NULL), "driver", "qemu", NULL) &&
                        attrs(add(f, "smm", NULL), "state", "off", NULL));
}

static bool devices(xmlNodePtr dom, const struct platform *p, bool tdx)
{
        xmlNodePtr dev = add(dom, "devices", NULL), n;

        if (!dev)
                return false;
        /* libvirt wants an absolute emulator; a bare name is left to its default. */
        if (p->qemu && p->qemu[0] == '/' && !add(dev, "emulator", p->qemu))
                return false;
        if (p->disk && !disk_element(dev, p))
                return false;
        n = add(dev, "serial", NULL);
        if (!attrs(n, "type", "file", NULL) ||
            !attrs(add(n, "source", NULL), "path", p->serial_log, NULL) ||
            !attrs(add(n, "target", NULL), "port", "0", NULL))
                return false;
        n = add(dev, "channel", NULL);
        if (!attrs(n, "type", "unix", NULL) ||
            !attrs(add(n, "source", NULL), "mode", "bind", "path", p->agent_socket, NULL) ||
            !attrs(add(n, "target", NULL), "type", "virtio", "name", AGENT_PORT_NAME, NULL))
                return false;
        if (!tdx) {
                xmlNodePtr be;

                /* The swtpm tdxh started (its EK is the one the run's
                 * attestation trusts), not one libvirt would start with a
                 * state of its own. */
                n = add(dev, "tpm", NULL);
                be = attrs(n, "model", "tpm-crb", NULL) ? add(n, "backend", NULL) : NULL;
                if (!attrs(be, "type", "external", "version", "2.0", NULL) ||
                    !attrs(add(be, "source", NULL), "type", "unix", "mode", "connect", "path",
                           p->tpm_socket, NULL))
                        return false;
        }
        return attrs(add(dev, "controller", NULL), "type", "usb", "model", "none", NULL) &&
               attrs(add(dev, "memballoon", NULL), "model", "none", NULL);
}

/* The fake TDX module's files, as QEMU's -fw_cfg name=…,file=… . */
static bool sysinfo_fwcfg(xmlNodePtr dom, const struct platform *p)
{
        xmlNodePtr si;

        if (!p->n_fw_cfg)
                return true;
        si = add(dom, "sysinfo", NULL);
        if (!attrs(si, "type", "fwcfg", NULL))
                return false;
        for (size_t i = 0; i < p->n_fw_cfg; i++)
                if (!attrs(add(si, "entry", NULL), "name", p->fw_cfg[i].name, "file",
                           p->fw_cfg[i].file, NULL))
                        return false;
        return true;
}

static bool build(xmlNodePtr dom, const struct platform *p, const char *name)
{
        bool tdx = p->backend == BACKEND_QEMU_TDX, kvm = p->accel == ACCEL_KVM;
        char mem[32], vcpus[16];

        snprintf(mem, sizeof(mem), "%llu", (unsigned long long)(p->memory >> 10));
        snprintf(vcpus, sizeof(vcpus), "%u", p->vcpus);
        if (!attrs(dom, "type", kvm ? "kvm" : "qemu", NULL) || !add(dom, "name", name) ||
            !attrs(add(dom, "memory", mem), "unit", "KiB", NULL) || !add(dom, "vcpu", vcpus) ||
            !sysinfo_fwcfg(dom, p) || !os_element(dom, p) || !features(dom, tdx))
                return false;
        if (kvm && !attrs(add(dom, "cpu", NULL), "mode", "host-passthrough", NULL))
                return false;
        {
                xmlNodePtr clock = add(dom, "clock", NULL);

                if (!attrs(clock, "offset", "utc", NULL) ||
                    (tdx && !attrs(add(clock, "timer", NULL), "name", "hpet", "present", "no", NULL)))
                        return false;
        }
        if (!add(dom, "on_poweroff", "destroy") || !add(dom, "on_reboot", "destroy") ||
            !add(dom, "on_crash", "destroy") || !devices(dom, p, tdx))
                return false;
        return !tdx || launch_security(dom, p);
}

/* Indented, UTF-8, without an XML declaration: what virsh dumpxml prints,
 * and a document a comment may precede (the dry run names each boot). */
static int dump(xmlDocPtr doc, char **ret)
{
        xmlBufferPtr b = xmlBufferCreate();
        xmlSaveCtxtPtr ctx = b ? xmlSaveToBuffer(b, "UTF-8", XML_SAVE_FORMAT | XML_SAVE_NO_DECL)
                               : NULL;
        int r = -ENOMEM;

        if (ctx && xmlSaveDoc(ctx, doc) >= 0 && xmlSaveClose(ctx) >= 0) {
                ctx = NULL;
                *ret = strdup((const char *)xmlBufferContent(b));
                r = *ret ? 0 : -ENOMEM;
        }
        if (ctx)
                xmlSaveClose(ctx);
        if (b)
                xmlBufferFree(b);
        return r;
}

int libvirt_domain_xml(const struct platform *p, const char *name, char **ret,
                       struct tdxh_err *e)
{
        _cleanup_(xml_doc_freep) xmlDocPtr doc = NULL;
        xmlNodePtr dom;
        int r;

        r = platform_validate_resolved(p, "the domain XML", e);
        if (r < 0)
                return r;
        if (p->nic_model)
                return err_setf(e, -EINVAL, "platform: nic_model: the domain XML has no NIC");
        doc = xmlNewDoc((const xmlChar *)"1.0");
        dom = doc ? xmlNewNode(NULL, (const xmlChar *)"domain") : NULL;
        if (!dom)
                return -ENOMEM;
        xmlDocSetRootElement(doc, dom);
        if (!build(dom, p, name))
                return -ENOMEM;
        return dump(doc, ret);
}
