// SPDX-License-Identifier: MIT
/*
 * The libvirt target's domain XML (vmm/target/libvirt_xml.c, pure): every
 * element the target relies on, values escaped, and a buffer too small or a
 * missing path refused with nothing half-written; and QEMU's last log line
 * (libvirt.c) that names why a domain did not start.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "target/target_priv.h"
#include "tap.h"

static void test_xml(void)
{
	const struct lv_domain d = { .name = "vmm-conformance-42-7",
				     .kernel = "/var/lib/libvirt/images/vmm-conformance-42-1/guest.elf",
				     .cmdline = "test=conformance only=#DE-cpl0,#UD-cpl3",
				     .console = "/var/lib/libvirt/images/vmm-conformance-42-1/c.console" };
	char buf[4096];

	ok(target_libvirt__xml(buf, sizeof(buf), &d), "the XML fits in 4 KiB");
	ok(strstr(buf, "<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>") == buf,
	   "a TCG domain (type qemu) with the qemu: namespace for the passthrough");
	ok(strstr(buf, "<name>vmm-conformance-42-7</name>") != NULL, "its name");
	ok(strstr(buf, "<memory unit='MiB'>64</memory>") && strstr(buf, "<vcpu>1</vcpu>"),
	   "64 MiB, one vCPU");
	ok(strstr(buf, "machine='microvm'>hvm</type>") != NULL, "QEMU microvm, as qemu-tcg");
	ok(strstr(buf, "<kernel>/var/lib/libvirt/images/vmm-conformance-42-1/guest.elf</kernel>") != NULL,
	   "the kernel booted directly");
	ok(strstr(buf, "<cmdline>test=conformance only=#DE-cpl0,#UD-cpl3</cmdline>") != NULL,
	   "the command line");
	ok(strstr(buf, "<on_poweroff>destroy</on_poweroff>") != NULL, "poweroff destroys the domain");
	ok(strstr(buf, "<qemu:arg value='file:/var/lib/libvirt/images/vmm-conformance-42-1/c.console'/>") &&
	   strstr(buf, "<qemu:arg value='-debugcon'/>"), "the debug console to the file");
	ok(strstr(buf, "<qemu:arg value='isa-debug-exit,iobase=0xf4'/>") != NULL, "isa-debug-exit at 0xf4");
	ok(!strstr(buf, "<disk") && !strstr(buf, "<interface") && !strstr(buf, "<graphics"),
	   "no disk, network or display");
	ok(strstr(buf, "<memballoon model='none'/>") && strstr(buf, "<controller type='usb' model='none'/>"),
	   "no balloon, no USB (microvm has no PCI bus for them)");
}

static void test_escape(void)
{
	const struct lv_domain d = { .name = "a&b", .kernel = "/k<1>", .cmdline = "x='y' \"z\"",
				     .console = "/c'd" };
	char buf[4096];

	ok(target_libvirt__xml(buf, sizeof(buf), &d), "odd characters: written");
	ok(strstr(buf, "<name>a&amp;b</name>") != NULL, "& escaped");
	ok(strstr(buf, "<kernel>/k&lt;1&gt;</kernel>") != NULL, "< and > escaped");
	ok(strstr(buf, "<cmdline>x=&apos;y&apos; &quot;z&quot;</cmdline>") != NULL, "quotes escaped");
	ok(strstr(buf, "value='file:/c&apos;d'") != NULL, "a quote in an attribute value escaped");
}

static void test_refused(void)
{
	struct lv_domain d = { .name = "n", .kernel = "/k", .cmdline = NULL, .console = "/c" };
	char buf[4096], small[64];
	size_t len;

	ok(target_libvirt__xml(buf, sizeof(buf), &d) && strstr(buf, "<cmdline></cmdline>"),
	   "no command line: an empty one");
	len = strlen(buf);
	ok(target_libvirt__xml(buf, len + 1, &d), "a buffer of exactly its length plus NUL: fits");
	ok(!target_libvirt__xml(buf, len, &d) && buf[0] == 0, "one byte less: refused, empty");
	ok(!target_libvirt__xml(small, sizeof(small), &d) && small[0] == 0, "64 bytes: refused, empty");
	ok(!target_libvirt__xml(buf, 0, &d), "no buffer: refused");
	d.kernel = "";
	ok(!target_libvirt__xml(buf, sizeof(buf), &d) && buf[0] == 0, "no kernel: refused");
	d.kernel = "/k";
	d.console = NULL;
	ok(!target_libvirt__xml(buf, sizeof(buf), &d), "no console: refused");
	d.console = "/c";
	d.name = NULL;
	ok(!target_libvirt__xml(buf, sizeof(buf), &d), "no name: refused");
}

/* QEMU's last log line, libvirt's own closing line skipped (a domain QEMU failed to start) */
static void test_log_tail(void)
{
	char path[] = "/tmp/test_libvirt.XXXXXX", out[256], small[16];
	int fd = mkstemp(path);
	FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;

	ok(f != NULL, "log tail: a log file");
	if (!f)
		return;
	fputs("2026-12-03 12:00:00.123+0000: starting up libvirt version: 9.0.0, qemu version: 7.2.0\n"
	      "LC_ALL=C /usr/bin/qemu-system-x86_64 -name guest=vmm-conformance-42-1 -machine microvm\n"
	      "qemu-system-x86_64: -accel kvm: Could not access KVM kernel module: Permission denied\n"
	      "\n"
	      "2026-12-03 12:00:01.456+0000: shutting down, reason=failed\n", f);
	fclose(f);
	target_libvirt__log_tail(path, out, sizeof(out));
	ok(!strcmp(out, "qemu-system-x86_64: -accel kvm: Could not access KVM kernel module: Permission denied"),
	   "log tail: QEMU's own last line, not libvirt's shutting-down line or a blank one (%s)", out);
	target_libvirt__log_tail(path, small, sizeof(small));
	ok(strlen(small) == sizeof(small) - 1 && !strncmp(small, "qemu-system-x86", sizeof(small) - 1),
	   "log tail: cut to the buffer, terminated (%s)", small);
	unlink(path);
	strcpy(out, "stale");
	target_libvirt__log_tail(path, out, sizeof(out));
	ok(out[0] == 0, "log tail: no log file, no tail (%s)", out);
}

int main(void)
{
	test_xml();
	test_escape();
	test_refused();
	test_log_tail();
	return tap_done();
}
