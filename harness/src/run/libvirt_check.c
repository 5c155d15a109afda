/* The read-back check of a defined domain's launch security; see
 * libvirt_check.h. */
#include "run/libvirt_check.h"

#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <string.h>

#include "core/cleanup.h"

static void xml_doc_freep(xmlDocPtr *d)
{
        if (*d)
                xmlFreeDoc(*d);
}

static xmlDocPtr parse(const char *text)
{
        return xmlReadMemory(text, (int)strlen(text), "domain.xml", NULL,
                             XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                                     XML_PARSE_NOBLANKS);
}

static xmlNodePtr child(xmlNodePtr parent, const xmlChar *name)
{
        for (xmlNodePtr n = parent ? parent->children : NULL; n; n = n->next)
                if (n->type == XML_ELEMENT_NODE && xmlStrEqual(n->name, name))
                        return n;
        return NULL;
}

/* The element's own text, trimmed of the blanks around it; "" when none. */
static bool same_text(xmlNodePtr a, xmlNodePtr b)
{
        xmlChar *ta = xmlNodeGetContent(a), *tb = xmlNodeGetContent(b);
        const char *sa = ta ? (const char *)ta : "", *sb = tb ? (const char *)tb : "";
        size_t la, lb;
        bool same;

        sa += strspn(sa, " \t\n");
        sb += strspn(sb, " \t\n");
        la = strlen(sa);
        lb = strlen(sb);
        while (la && strchr(" \t\n", sa[la - 1]))
                la--;
        while (lb && strchr(" \t\n", sb[lb - 1]))
                lb--;
        same = la == lb && memcmp(sa, sb, la) == 0;
        xmlFree(ta);
        xmlFree(tb);
        return same;
}

/* Every attribute of w has the same value on d. */
static const xmlChar *missing_attr(xmlNodePtr w, xmlNodePtr d)
{
        for (xmlAttrPtr a = w->properties; a; a = a->next) {
                xmlChar *vw = xmlGetProp(w, a->name), *vd = xmlGetProp(d, a->name);
                bool same = vw && vd && xmlStrEqual(vw, vd);

                xmlFree(vw);
                xmlFree(vd);
                if (!same)
                        return a->name;
        }
        return NULL;
}

int libvirt_launch_security_check(const char *written, const char *defined, struct tdxh_err *e)
{
        _cleanup_(xml_doc_freep) xmlDocPtr w = parse(written), d = parse(defined);
        const xmlChar *ls = (const xmlChar *)"launchSecurity";
        xmlNodePtr wl, dl;

        if (!w || !d)
                return err_setf(e, -EINVAL, "libvirt: %s domain XML does not parse",
                                !w ? "the written" : "the defined");
        wl = child(xmlDocGetRootElement(w), ls);
        if (!wl)
                return 0;
        dl = child(xmlDocGetRootElement(d), ls);
        if (!dl)
                return err_setf(e, -EPROTO, "libvirt dropped <launchSecurity>: the domain it "
                                            "defined is not a TD");
        if (missing_attr(wl, dl))
                return err_setf(e, -EPROTO, "libvirt changed <launchSecurity %s=…>",
                                (const char *)missing_attr(wl, dl));
        for (xmlNodePtr n = wl->children; n; n = n->next) {
                xmlNodePtr m;
                const xmlChar *attr;

                if (n->type != XML_ELEMENT_NODE)
                        continue;
                m = child(dl, n->name);
                if (!m)
                        return err_setf(e, -EPROTO,
                                        "libvirt dropped <launchSecurity><%s>: this libvirt does "
                                        "not know it (TDX needs libvirt >= 11.6)",
                                        (const char *)n->name);
                attr = missing_attr(n, m);
                if (attr)
                        return err_setf(e, -EPROTO,
                                        "libvirt changed <launchSecurity><%s %s=…>",
                                        (const char *)n->name, (const char *)attr);
                if (!same_text(n, m))
                        return err_setf(e, -EPROTO, "libvirt changed <launchSecurity><%s>",
                                        (const char *)n->name);
        }
        return 0;
}
