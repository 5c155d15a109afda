/* The libvirt backend's part of a boot (boot.h): the fake platform's domain
 * XML, the domain started through libvirt where the direct backend spawns
 * QEMU, a record of what libvirt ran, and the domain's way down. swtpm, the
 * fake TDX module's files and the agent channel stay boot.c's. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/cleanup.h"
#include "core/file.h"
#include "core/json_util.h"
#include "run/boot_internal.h"
#include "run/libvirt_domain.h"
#include "run/libvirt_xml.h"

#define DOMAIN_GONE_TICK_MS 100

/* The runtime directory's random suffix (/tmp/tdxh-XXXXXX): two runs of
 * one scenario, or two cases at once, never ask one daemon for the same
 * domain name. */
static const char *unique_suffix(const struct boot_session *s)
{
        const char *dash = strrchr(s->dir.runtime, '-'), *slash = strrchr(s->dir.runtime, '/');

        return dash && dash > slash ? dash + 1 : slash ? slash + 1 : s->dir.runtime;
}

static int write_text(const struct boot_session *s, const char *name, const char *text,
                      struct tdxh_err *e)
{
        _cleanup_free_ char *path = rundir_file(&s->dir, name);

        if (!path)
                return -ENOMEM;
        return file_write_atomic(path, text, strlen(text), 0644, e);
}

int boot_domain_xml(struct boot_session *s, struct tdxh_err *e)
{
        _cleanup_free_ char *name = NULL;
        int r;

        if (asprintf(&name, "%s-%s", s->opts.domain_name ? s->opts.domain_name : "tdxh",
                     unique_suffix(s)) < 0)
                return -ENOMEM;
        r = libvirt_domain_xml(&s->platform, name, &s->domain_xml, e);
        if (r < 0)
                return r;
        return write_text(s, "domain.xml", s->domain_xml, e);
}

/* facts.libvirt: where and with what the domain ran. QEMU's command line
 * is what libvirt would generate for the defined domain; a driver without
 * that conversion leaves a reason in its place, not a failed boot. */
static int record(struct boot_session *s, struct tdxh_err *e)
{
        struct libvirt_domain *d = s->domain;
        _cleanup_json_ json_object *o = json_object_new_object();
        _cleanup_free_ char *argv = NULL;
        struct tdxh_err ae = { 0 };
        char lib[32], hv[32];
        int r;

        if (!o)
                return -ENOMEM;
        r = write_text(s, "domain-defined.xml", d->defined_xml, e);
        if (r < 0)
                return r;
        libvirt_version_format(d->lib_version, lib, sizeof(lib));
        libvirt_version_format(d->hv_version, hv, sizeof(hv));
        if (json_add_string(o, "uri", d->uri ? d->uri : s->opts.libvirt_uri) < 0 ||
            json_add_string(o, "version", d->lib_version ? lib : NULL) < 0 ||
            json_add_string(o, "qemu_version", d->hv_version ? hv : NULL) < 0 ||
            json_add_string(o, "domain", virDomainGetName(d->dom)) < 0 ||
            json_add_string(o, "xml", "domain.xml") < 0 ||
            json_add_string(o, "defined_xml", "domain-defined.xml") < 0)
                return -ENOMEM;
        r = libvirt_domain_qemu_argv(d, &argv, &ae);
        if (r == -ENOMEM || json_add_string(o, "qemu_argv", r < 0 ? NULL : argv) < 0 ||
            (r < 0 && json_add_string(o, "qemu_argv_error", ae.msg) < 0))
                return -ENOMEM;
        return json_add(s->facts, "libvirt", TAKE_PTR(o));
}

int boot_domain_start(struct boot_session *s, const struct deadline *d, struct tdxh_err *e)
{
        struct wait_watch w = { .sig = s->sig, .children = { &s->tpm.proc } };
        int r;

        s->domain = calloc(1, sizeof(*s->domain));
        if (!s->domain)
                return boot_fail(s, BOOT_FAIL_SETUP, -ENOMEM, e);
        s->qemu_started_ns = mono_now_ns();
        r = libvirt_domain_start(s->domain, s->opts.libvirt_uri, s->domain_xml, e);
        if (r < 0)
                return boot_fail(s, BOOT_FAIL_LIBVIRT, r, e);
        r = record(s, e);
        if (r < 0)
                return boot_fail(s, BOOT_FAIL_SETUP, r, e);
        /* libvirt returns once QEMU runs, its chardevs made: the socket
         * accepts at once unless QEMU died right away. */
        return boot_agent_socket_connect(s, d, &w, "waiting for the domain's agent socket", e);
}

bool boot_domain_running(struct boot_session *s)
{
        return s->domain && libvirt_domain_running(s->domain);
}

void boot_domain_stop(struct boot_session *s, uint64_t grace_ms)
{
        struct deadline d = deadline_in_ms(grace_ms);

        if (!s->domain)
                return;
        /* libvirt tells of the domain's end through an event loop tdxh does
         * not run; asking in short ticks costs one round trip each. */
        while (boot_domain_running(s) && !deadline_expired(&d)) {
                struct deadline tick = deadline_min(deadline_in_ms(DOMAIN_GONE_TICK_MS), d);

                (void)wait_fd(-1, 0, &tick, NULL, NULL);
        }
        if (!s->domain_stopped_by)
                s->domain_stopped_by = boot_domain_running(s) ? "destroy" : "poweroff";
        boot_domain_destroy(s);
}

void boot_domain_destroy(struct boot_session *s)
{
        if (!s->domain)
                return;
        if (!s->domain_stopped_by)
                s->domain_stopped_by = "destroy";
        libvirt_domain_destroy(s->domain);
        free(s->domain);
        s->domain = NULL;
}

int boot_domain_summary(const struct boot_session *s, json_object *o)
{
        _cleanup_json_ json_object *d = json_object_new_object();

        if (!d || json_add_string(d, "uri", s->opts.libvirt_uri) < 0 ||
            json_add_string(d, "stopped_by", s->domain_stopped_by) < 0)
                return -ENOMEM;
        return json_add(o, "domain", TAKE_PTR(d));
}
