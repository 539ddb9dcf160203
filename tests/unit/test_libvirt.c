// SPDX-License-Identifier: MIT
/*
 * The libvirt target's domain XML (vmm/target/libvirt_xml.c, pure): every
 * element the target relies on, values escaped, and a buffer too small or a
 * missing path refused with nothing half-written.
 */
#include <string.h>
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

int main(void)
{
	test_xml();
	test_escape();
	test_refused();
	return tap_done();
}
