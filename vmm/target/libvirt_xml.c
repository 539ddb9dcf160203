// SPDX-License-Identifier: MIT
/*
 * Pure: the libvirt target's domain XML. A transient QEMU TCG domain
 * (-M microvm, 64 MiB, one vCPU) that boots the kernel directly, with no
 * disk, network or display; the debug console (port 0xe9) goes to a file
 * and isa-debug-exit sits at 0xf4, both through <qemu:commandline>, since
 * libvirt has no element for either.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "target_priv.h"

struct xbuf {
	char *p;
	size_t n, len;
	bool full;
};

static void put(struct xbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct xbuf *b, const char *fmt, ...)
{
	va_list ap;
	int r;

	if (b->full)
		return;
	va_start(ap, fmt);
	r = vsnprintf(b->p + b->len, b->n - b->len, fmt, ap);
	va_end(ap);
	if (r < 0 || (size_t)r >= b->n - b->len) {
		b->full = true;
		return;
	}
	b->len += (size_t)r;
}

/* @s as XML character data or a quoted attribute value */
static void esc(struct xbuf *b, const char *s)
{
	for (; *s && !b->full; s++) {
		switch (*s) {
		case '&': put(b, "&amp;"); break;
		case '<': put(b, "&lt;"); break;
		case '>': put(b, "&gt;"); break;
		case '\'': put(b, "&apos;"); break;
		case '"': put(b, "&quot;"); break;
		default: put(b, "%c", *s); break;
		}
	}
}

bool target_libvirt__xml(char *buf, size_t n, const struct lv_domain *d)
{
	struct xbuf b = { .p = buf, .n = n };

	if (!n)
		return false;
	buf[0] = 0;
	if (!d->name || !d->name[0] || !d->kernel || !d->kernel[0] || !d->console || !d->console[0])
		return false;
	put(&b, "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
		"  <name>");
	esc(&b, d->name);
	put(&b, "</name>\n"
		"  <memory unit='MiB'>64</memory>\n"
		"  <vcpu>1</vcpu>\n"
		"  <os>\n"
		"    <type arch='x86_64' machine='microvm'>hvm</type>\n"
		"    <kernel>");
	esc(&b, d->kernel);
	put(&b, "</kernel>\n    <cmdline>");
	esc(&b, d->cmdline ? d->cmdline : "");
	put(&b, "</cmdline>\n"
		"  </os>\n"
		"  <on_poweroff>destroy</on_poweroff>\n"
		"  <on_reboot>destroy</on_reboot>\n"
		"  <on_crash>destroy</on_crash>\n"
		"  <devices>\n"
		"    <controller type='usb' model='none'/>\n"
		"    <memballoon model='none'/>\n"
		"  </devices>\n"
		"  <qemu:commandline>\n"
		"    <qemu:arg value='-debugcon'/>\n"
		"    <qemu:arg value='file:");
	esc(&b, d->console);
	put(&b, "'/>\n"
		"    <qemu:arg value='-device'/>\n"
		"    <qemu:arg value='isa-debug-exit,iobase=0xf4'/>\n"
		"  </qemu:commandline>\n"
		"</domain>\n");
	if (b.full) {
		buf[0] = 0;
		return false;
	}
	return true;
}
