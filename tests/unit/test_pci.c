// SPDX-License-Identifier: MIT
/*
 * PCI bus 0's configuration space (vmm/model/pci.c) and pci-testdev's
 * register protocol (vmm/model/pci_testdev.c), without /dev/kvm.
 */
#include "model/pci.h"
#include "model/pci_testdev.h"
#include "tap.h"

#define ADDR(bus, slot, fn, reg) \
	(PCI_CONFIG_ENABLE | (bus) << 16 | (slot) << 11 | (fn) << 8 | (reg))

static const struct pci_dev_info host = {
	.slot = 0, .vendor = 0x8086, .device = 0x1237, .class = 0x060000, .revision = 2,
};

static const struct pci_dev_info dev = {
	.slot = 3, .vendor = 0x1b36, .device = 0x0005, .class = 0x00ff00,
	.bar = {
		[0] = { 0x1000, PCI_SPACE_MEM, 0xfe000000 },
		[1] = { 0x100, PCI_SPACE_IO, 0xc000 },
	},
	.command = PCI_COMMAND_IO | PCI_COMMAND_MEMORY,
};

static void bus_up(struct pci_bus *b)
{
	pci_bus__init(b);
	ok(pci_bus__add(b, &host) == 0 && pci_bus__add(b, &dev) == 0, "two devices added");
}

/* CONFIG_ADDRESS then CONFIG_DATA at +@o, as a guest does it */
static uint32_t rd(struct pci_bus *b, unsigned slot, unsigned reg, unsigned o, unsigned size)
{
	pci_bus__port_write(b, 0, 4, ADDR(0u, slot, 0u, reg));
	return pci_bus__port_read(b, 4 + o, size);
}

static void wr(struct pci_bus *b, unsigned slot, unsigned reg, unsigned o, unsigned size,
	       uint32_t v)
{
	pci_bus__port_write(b, 0, 4, ADDR(0u, slot, 0u, reg));
	pci_bus__port_write(b, 4 + o, size, v);
}

static void test_add(void)
{
	struct pci_bus b;
	struct pci_dev_info bad = dev;

	bus_up(&b);
	ok(pci_bus__add(&b, &host) < 0, "a slot taken twice is refused");
	bad.slot = 32;
	ok(pci_bus__add(&b, &bad) < 0, "slot 32 is refused");
	bad = dev;
	bad.slot = 5;
	bad.bar[0].size = 0x1800;
	ok(pci_bus__add(&b, &bad) < 0, "a BAR size not a power of two is refused");
	bad.bar[0].size = 0x1000;
	bad.bar[0].addr = 0xfe000800;
	ok(pci_bus__add(&b, &bad) < 0, "a BAR address not aligned to its size is refused");
	bad.bar[0].addr = 0xfe000000;
	bad.bar[1].size = 2;
	ok(pci_bus__add(&b, &bad) < 0, "an I/O BAR under 4 bytes is refused");
}

static void test_ids(void)
{
	struct pci_bus b;

	bus_up(&b);
	is_u64(rd(&b, 0, 0, 0, 4), 0x12378086, "00:00.0: vendor and device, one dword");
	is_u64(rd(&b, 3, 0, 0, 2), 0x1b36, "00:03.0: vendor, 16-bit at +0");
	is_u64(rd(&b, 3, 0, 2, 2), 0x0005, "00:03.0: device, 16-bit at +2");
	is_u64(rd(&b, 3, 0, 1, 1), 0x1b, "00:03.0: vendor's high byte at +1");
	is_u64(rd(&b, 3, 8, 0, 4), 0x00ff0000, "class 0x00ff, prog-if 0, revision 0");
	is_u64(rd(&b, 0, 8, 0, 4), 0x06000002, "host bridge: class 0x0600, revision 2");
	is_u64(rd(&b, 3, 0x0c, 2, 1), 0, "header type 0");
	is_u64(rd(&b, 3, 0x3c, 1, 1), 0, "interrupt pin 0: none");
	wr(&b, 3, 0, 0, 4, 0);
	is_u64(rd(&b, 3, 0, 0, 4), 0x00051b36, "a write to the IDs is ignored");
	wr(&b, 3, 8, 0, 4, 0xffffffff);
	is_u64(rd(&b, 3, 8, 0, 4), 0x00ff0000, "a write to class and revision is ignored");
	wr(&b, 3, 0x3c, 0, 2, 0xffff);
	is_u64(rd(&b, 3, 0x3c, 0, 2), 0x00ff, "interrupt line writable, pin read-only");
	wr(&b, 3, 0x0c, 0, 4, 0xffffffff);
	is_u64(rd(&b, 3, 0x0c, 0, 4), 0x0000ffff, "cache line and latency writable, header type and BIST not");
	wr(&b, 3, 0x30, 0, 4, 0xffffffff);
	is_u64(rd(&b, 3, 0x30, 0, 4), 0, "no expansion ROM: reads 0 after all ones");
	wr(&b, 3, 0x40, 0, 4, 0x12345678);
	is_u64(rd(&b, 3, 0x40, 0, 4), 0, "device-specific space: zeros, read-only");
}

static void test_absent(void)
{
	struct pci_bus b;

	bus_up(&b);
	is_u64(rd(&b, 1, 0, 0, 4), 0xffffffff, "an empty slot reads all ones");
	is_u64(rd(&b, 31, 0, 0, 2), 0xffff, "slot 31, 16-bit: all ones");
	is_u64(rd(&b, 7, 0, 3, 1), 0xff, "a byte of an empty slot: 0xff");
	pci_bus__port_write(&b, 0, 4, ADDR(0u, 3u, 1u, 0u));
	is_u64(pci_bus__port_read(&b, 4, 4), 0xffffffff, "function 1 of a present device: absent");
	pci_bus__port_write(&b, 0, 4, ADDR(1u, 3u, 0u, 0u));
	is_u64(pci_bus__port_read(&b, 4, 4), 0xffffffff, "bus 1: nothing answers");
	pci_bus__port_write(&b, 0, 4, ADDR(0xffu, 0x1fu, 7u, 0xfcu));
	is_u64(pci_bus__port_read(&b, 4, 4), 0xffffffff, "bus 255 device 31 function 7: all ones");
	pci_bus__port_write(&b, 4, 4, 0);
	is_u64(rd(&b, 3, 0, 0, 4), 0x00051b36, "a write where nothing answers changes nothing");
	is_u64(pci_bus__cfg_read(&b, 0, 3, 0, 0xfe, 4), 0xffffffff,
	       "cfg_read past the 256 bytes: all ones");
	is_u64(pci_bus__cfg_read(&b, 0, 3, 0, 0x1000, 1), 0xff, "cfg_read far past: all ones");
	is_u64(pci_bus__cfg_read(&b, 0, 40, 0, 0, 4), 0xffffffff, "cfg_read of slot 40: all ones");
	is_u64(pci_bus__cfg_read(&b, 0, 3, 0, 0, 3), 0xffffff, "a 3-byte read: refused, all ones");
	pci_bus__cfg_write(&b, 0, 3, 0, 0xff, 4, 0);
	pci_bus__cfg_write(&b, 0, 3, 9, 4, 2, 0);
	is_u64(rd(&b, 3, 4, 0, 2), 3, "hostile cfg_writes (past the end, function 9) change nothing");
}

static void test_config_address(void)
{
	struct pci_bus b;

	bus_up(&b);
	pci_bus__port_write(&b, 0, 4, 0xffffffff);
	is_u64(pci_bus__port_read(&b, 0, 4), 0xffffffff, "CONFIG_ADDRESS reads back as written");
	is_u64(pci_bus__port_read(&b, 4, 4), 0xffffffff, "bus 255, device 31, function 7: all ones");
	pci_bus__port_write(&b, 0, 4, ADDR(0u, 3u, 0u, 0u) | 0x7f000000);
	is_u64(pci_bus__port_read(&b, 4, 4), 0x00051b36, "reserved bits 30:24 do not change the target");
	pci_bus__port_write(&b, 0, 4, ADDR(0u, 3u, 0u, 0u) & ~PCI_CONFIG_ENABLE);
	is_u64(pci_bus__port_read(&b, 4, 4), 0xffffffff, "bit 31 clear: CONFIG_DATA reads all ones");
	pci_bus__port_write(&b, 4, 2, 0);
	pci_bus__port_write(&b, 0, 4, ADDR(0u, 3u, 0u, 4u));
	is_u64(pci_bus__port_read(&b, 4, 2), 3, "bit 31 clear: a CONFIG_DATA write is dropped");
	pci_bus__port_write(&b, 0, 4, ADDR(0u, 3u, 0u, 2u));
	is_u64(pci_bus__port_read(&b, 4, 2), 0x0005,
	       "register bits 1:0 = 2, 16-bit at 0xcfc: the device ID (QEMU's, old kvm-unit-tests')");
	is_u64(pci_bus__port_read(&b, 6, 2), 0x0005, "bits 1:0 = 2, 16-bit at 0xcfe: 2 | 2, the same");
	pci_bus__port_write(&b, 0, 4, ADDR(0u, 0u, 0u, 1u));
	is_u64(pci_bus__port_read(&b, 4, 1), 0x80, "bits 1:0 = 1, a byte at 0xcfc: byte 1 (0x12378086)");
	is_u64(pci_bus__port_read(&b, 6, 1), 0x12, "bits 1:0 = 1, a byte at 0xcfe: byte 1 | 2 = 3");
	pci_bus__port_write(&b, 0, 4, ADDR(0u, 3u, 0u, 0xfeu));
	is_u64(pci_bus__port_read(&b, 4, 4), 0xffffffff,
	       "register 0xfe, 32-bit: past the 256-byte space, all ones");
	pci_bus__port_write(&b, 0, 4, ADDR(0u, 3u, 0u, 6u));
	pci_bus__port_write(&b, 4, 4, 0xffffffff);
	is_u64(pci_bus__cfg_read(&b, 0, 3, 0, 4, 4), 0x00000003,
	       "a 32-bit write at register 6 (status, revision, class): read-only, dropped");
	pci_bus__port_write(&b, 0, 2, 0);
	pci_bus__port_write(&b, 1, 1, 0);
	pci_bus__port_write(&b, 2, 2, 0);
	is_u64(pci_bus__port_read(&b, 0, 4), ADDR(0u, 3u, 0u, 6u),
	       "16- and 8-bit writes at 0xcf8-0xcfb do not touch CONFIG_ADDRESS");
	is_u64(pci_bus__port_read(&b, 0, 2), 0xffffffff, "a 16-bit read at 0xcf8: not ours, all ones");
	is_u64(pci_bus__port_read(&b, 1, 4), 0xffffffff, "a 32-bit read at 0xcf9: all ones");
	is_u64(pci_bus__port_read(&b, 8, 1), 0xffffffff, "offset 8, past the ports: all ones");
}

static void test_odd_data(void)
{
	struct pci_bus b;

	bus_up(&b);
	is_u64(rd(&b, 3, 0, 1, 2), 0x051b, "16-bit at 0xcfd: bytes 1-2 of the dword");
	is_u64(rd(&b, 3, 0, 3, 1), 0x00, "byte at 0xcff: byte 3");
	is_u64(rd(&b, 3, 0, 2, 4), 0xffffffff, "32-bit at 0xcfe runs past 0xcff: all ones");
	is_u64(rd(&b, 3, 0, 3, 2), 0xffffffff, "16-bit at 0xcff runs past 0xcff: all ones");
	wr(&b, 3, 4, 1, 4, 0);
	is_u64(rd(&b, 3, 4, 0, 2), 3, "a 32-bit write at 0xcfd is dropped: command unchanged");
	wr(&b, 3, 4, 0, 1, 0x02);
	is_u64(rd(&b, 3, 4, 0, 2), 2, "a byte write to the command register: I/O off, memory on");
	wr(&b, 3, 4, 0, 2, 0xffff);
	is_u64(rd(&b, 3, 4, 0, 2), PCI_COMMAND_WRITABLE, "only the implemented command bits stick");
	wr(&b, 3, 4, 2, 2, 0xffff);
	is_u64(rd(&b, 3, 4, 2, 2), 0, "status: read-only zeros");
}

static void test_bars(void)
{
	struct pci_bus b;
	unsigned bar = 99;
	uint32_t off = 99;

	bus_up(&b);
	is_u64(rd(&b, 3, 0x10, 0, 4), 0xfe000000, "BAR0 at its power-on address");
	is_u64(rd(&b, 3, 0x14, 0, 4), 0xc001, "BAR1 at its power-on port, the I/O bit set");
	is_u64(pci_bus__decode(&b, PCI_SPACE_MEM, 0xfe000010, 4, &bar, &off), 3,
	       "MMIO in BAR0 decodes to slot 3");
	ok(bar == 0 && off == 0x10, "at BAR 0, offset 0x10");
	is_u64(pci_bus__decode(&b, PCI_SPACE_IO, 0xc0ff, 1, &bar, &off), 3, "port 0xc0ff decodes");
	ok(bar == 1 && off == 0xff, "at BAR 1, offset 0xff");
	ok(pci_bus__decode(&b, PCI_SPACE_IO, 0xc0ff, 2, &bar, &off) < 0,
	   "a 2-byte access across the BAR's end does not");
	ok(pci_bus__decode(&b, PCI_SPACE_MEM, 0xfe001000, 1, &bar, &off) < 0, "past BAR0: nothing");
	ok(pci_bus__decode(&b, PCI_SPACE_MEM, 0xc000, 1, &bar, &off) < 0,
	   "the I/O BAR's address in memory space: nothing");
	ok(pci_bus__decode(&b, PCI_SPACE_MEM, 0xfe000000, 0, &bar, &off) < 0, "a 0-byte access: nothing");

	/* sizing */
	wr(&b, 3, 0x10, 0, 4, 0xffffffff);
	is_u64(rd(&b, 3, 0x10, 0, 4), 0xfffff000, "BAR0 after all ones: the 4 KiB size mask, memory");
	wr(&b, 3, 0x14, 0, 4, 0xffffffff);
	is_u64(rd(&b, 3, 0x14, 0, 4), 0xffffff01, "BAR1 after all ones: the 256-port mask, I/O");
	wr(&b, 3, 0x18, 0, 4, 0xffffffff);
	is_u64(rd(&b, 3, 0x18, 0, 4), 0, "BAR2, not implemented: 0 after all ones");
	ok(pci_bus__decode(&b, PCI_SPACE_IO, 0xff00, 1, &bar, &off) < 0,
	   "an I/O BAR at 0xffffff00 is past port 0xffff: decodes nothing");
	is_u64(pci_bus__decode(&b, PCI_SPACE_MEM, 0xfffff800, 1, &bar, &off), 3,
	       "BAR0 at 0xfffff000 (sizing with decoding on) decodes there");
	wr(&b, 3, 0x10, 0, 4, 0xfe123456);
	is_u64(rd(&b, 3, 0x10, 0, 4), 0xfe123000, "BAR0's low 12 bits stay: aligned to its size");
	wr(&b, 3, 0x14, 2, 1, 0xab);
	is_u64(rd(&b, 3, 0x14, 0, 4), 0xffabff01, "a byte write into BAR1's third byte");
	wr(&b, 3, 0x14, 0, 4, 0xd000);
	is_u64(rd(&b, 3, 0x14, 0, 4), 0xd001, "BAR1 moved to 0xd000");
	is_u64(pci_bus__bar_addr(&b, 3, 1), 0xd000, "bar_addr: 0xd000");
	is_u64(pci_bus__bar_addr(&b, 3, 2), 0, "bar_addr of no BAR: 0");
	is_u64(pci_bus__bar_addr(&b, 9, 0), 0, "bar_addr of no device: 0");
	is_u64(pci_bus__bar_addr(&b, 3, 6), 0, "bar_addr of BAR 6: 0");

	/* the enable bits */
	wr(&b, 3, 4, 0, 2, PCI_COMMAND_MEMORY);
	ok(pci_bus__decode(&b, PCI_SPACE_IO, 0xd000, 1, &bar, &off) < 0, "I/O off: BAR1 silent");
	is_u64(pci_bus__decode(&b, PCI_SPACE_MEM, 0xfe123000, 1, &bar, &off), 3,
	       "memory still on: BAR0 answers");
	wr(&b, 3, 4, 0, 2, PCI_COMMAND_IO);
	ok(pci_bus__decode(&b, PCI_SPACE_MEM, 0xfe123000, 1, &bar, &off) < 0,
	   "memory off: BAR0 silent");
	is_u64(pci_bus__decode(&b, PCI_SPACE_IO, 0xd000, 4, &bar, &off), 3, "I/O on: BAR1 answers");
	wr(&b, 0, 4, 0, 2, 0xffff);
	ok(pci_bus__decode(&b, PCI_SPACE_MEM, 0, 1, &bar, &off) < 0,
	   "the host bridge, enabled, has no BARs to decode");
}

/* kvm-unit-tests' pci_testdev_one over one BAR; the number of tests that passed */
static unsigned kut(struct pci_testdev *t, enum pci_testdev_bar bar)
{
	unsigned nr;

	for (nr = 0;; nr++) {
		uint32_t width, data, off, count;

		pci_testdev__write(t, bar, 0, 1, nr);
		if (pci_testdev__read(t, bar, PCI_TESTDEV_HDR_COUNT, 4) != 0)
			break;
		width = pci_testdev__read(t, bar, 1, 1);
		if (width != 1 && width != 2 && width != 4)
			break;
		data = pci_testdev__read(t, bar, 8, 4);
		off = pci_testdev__read(t, bar, 4, 4);
		for (int i = 0; i < 16; i++)
			pci_testdev__write(t, bar, off, width, data);
		count = pci_testdev__read(t, bar, PCI_TESTDEV_HDR_COUNT, 4);
		if (count != 16)
			break;
	}
	return nr;
}

static void test_testdev(void)
{
	struct pci_testdev t;
	char name[32];
	unsigned i;

	pci_testdev__reset(&t);
	is_u64(pci_testdev__read(&t, PCI_TESTDEV_BAR_MMIO, 0, 4), 0, "nothing selected: reads 0");
	pci_testdev__write(&t, PCI_TESTDEV_BAR_MMIO, 0x800, 1, PCI_TESTDEV_DATA_MATCH);
	is_u64(t.count[0], 0, "nothing selected: a write counts nowhere");
	is_u64(kut(&t, PCI_TESTDEV_BAR_MMIO), 3, "MMIO BAR: kvm-unit-tests' loop passes 3 tests");
	is_u64(kut(&t, PCI_TESTDEV_BAR_IO), 3, "I/O BAR: 3 more, 6 in all");

	pci_testdev__write(&t, PCI_TESTDEV_BAR_IO, 0, 1, 2);
	is_u64(pci_testdev__read(&t, PCI_TESTDEV_BAR_IO, 0, 1), 5, "I/O test 2 is test 5 overall");
	is_u64(pci_testdev__read(&t, PCI_TESTDEV_BAR_IO, 4, 4), 0x85, "its offset: 0x80 + 5");
	is_u64(pci_testdev__read(&t, PCI_TESTDEV_BAR_IO, 8, 4), PCI_TESTDEV_DATA_MATCH, "its data");
	is_u64(pci_testdev__read(&t, PCI_TESTDEV_BAR_IO, 0, 4), 0x0105, "test and width in one dword");
	for (i = 0; i < sizeof(name); i++)
		if (!(name[i] = (char)pci_testdev__read(&t, PCI_TESTDEV_BAR_IO, 16 + i, 1)))
			break;
	ok(i < sizeof(name) && !strcmp(name, "portio-datamatch-eventfd"), "its name: %s", name);
	is_u64(pci_testdev__read(&t, PCI_TESTDEV_BAR_IO, 16 + 25, 4), 0, "past the name: 0");
	is_u64(pci_testdev__read(&t, PCI_TESTDEV_BAR_IO, 0xfffffffe, 4), 0, "offset near 4G: 0, no wrap");
	/* planted mismatches do not count */
	pci_testdev__write(&t, PCI_TESTDEV_BAR_IO, 0x85, 2, PCI_TESTDEV_DATA_MATCH);
	pci_testdev__write(&t, PCI_TESTDEV_BAR_IO, 0x85, 4, PCI_TESTDEV_DATA_MATCH);
	pci_testdev__write(&t, PCI_TESTDEV_BAR_IO, 0x85, 1, 0xfb);
	pci_testdev__write(&t, PCI_TESTDEV_BAR_IO, 0x86, 1, PCI_TESTDEV_DATA_MATCH);
	pci_testdev__write(&t, PCI_TESTDEV_BAR_MMIO, 0x85, 1, PCI_TESTDEV_DATA_MATCH);
	is_u64(t.count[5], 0, "datamatch: wrong width, wrong data, wrong offset, other BAR: no count");
	pci_testdev__write(&t, PCI_TESTDEV_BAR_IO, 0x85, 1, 0x1fa);
	is_u64(t.count[5], 1, "a byte write of the data counts (bits above the width ignored)");
	is_u64(pci_testdev__read(&t, PCI_TESTDEV_BAR_IO, 12, 4), 1, "and reads back in the header");

	pci_testdev__write(&t, PCI_TESTDEV_BAR_MMIO, 0, 4, 0x101);
	is_u64(pci_testdev__read(&t, PCI_TESTDEV_BAR_MMIO, 4, 4), 0x801,
	       "a 32-bit write of 0x101 at 0 selects test 1 (the low byte)");
	pci_testdev__write(&t, PCI_TESTDEV_BAR_MMIO, 0x801, 4, 0x12345678);
	pci_testdev__write(&t, PCI_TESTDEV_BAR_MMIO, 0x801, 2, 0);
	is_u64(t.count[1], 2, "wildcard: any width, any data counts");
	pci_testdev__write(&t, PCI_TESTDEV_BAR_MMIO, 0, 1, 3);
	is_u64(t.current, -1, "test 3 of a BAR: none selected");
	is_u64(pci_testdev__read(&t, PCI_TESTDEV_BAR_MMIO, 1, 1), 0, "none selected: width reads 0");
	pci_testdev__write(&t, 7, 0, 1, 0);
	is_u64(t.current, -1, "a BAR that is not one: ignored");
	ok(pci_testdev__name(6) == NULL && pci_testdev__offset(6) == 0, "test 6: no name, no offset");
}

int main(void)
{
	test_add();
	test_ids();
	test_absent();
	test_config_address();
	test_odd_data();
	test_bars();
	test_testdev();
	return tap_done();
}
