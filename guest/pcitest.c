// SPDX-License-Identifier: MIT
/*
 * test=pci-testdev: PCI bus 0 through configuration mechanism #1, and QEMU's
 * pci-testdev driven the way kvm-unit-tests' lib/pci-testdev.c drives it.
 * The walk finds the host bridge at 00:00.0 and the test device; its BARs are
 * sized with decoding off, moved within the BAR window (include/abi.h
 * IVM_PCI_MMIO_BASE, mapped by head.S; IVM_PCI_IO_BASE), then each test of
 * each BAR is selected, its header read, its offset written 16 times, and its
 * count read back. One PASS or FAIL line per check; the exit value is 0 when
 * all pass, 1 when one failed, 2 when there is no pci-testdev.
 */
#include "programs.h"

#define CONFIG_ADDRESS	IVM_PORT_PCI_CONFIG
#define CONFIG_DATA	(IVM_PORT_PCI_CONFIG + 4)
#define NR_WRITES	16
/* where this test moves the BARs: inside the windows, off the VMM's defaults */
#define MMIO_BAR	(IVM_PCI_MMIO_BASE + 0x10000)
#define IO_BAR		(IVM_PCI_IO_BASE + 0x100)

static unsigned nr_fail;

static inline void outw(uint16_t port, uint16_t v)
{
	asm volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint16_t inw(uint16_t port)
{
	uint16_t v;

	asm volatile("inw %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static void check(bool pass, const char *fmt, ...) __printf(2, 3);
static void check(bool pass, const char *fmt, ...)
{
	char buf[160];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	printf("%s pci: %s\n", pass ? "PASS" : "FAIL", buf);
	nr_fail += !pass;
}

static void select_reg(unsigned slot, unsigned fn, unsigned reg)
{
	outl(CONFIG_ADDRESS, 0x80000000u | slot << 11 | fn << 8 | (reg & 0xfc));
}

static uint32_t cfg_read32(unsigned slot, unsigned fn, unsigned reg)
{
	select_reg(slot, fn, reg);
	return inl(CONFIG_DATA);
}

static uint16_t cfg_read16(unsigned slot, unsigned reg)
{
	select_reg(slot, 0, reg);
	return inw(CONFIG_DATA + (reg & 2));
}

static uint8_t cfg_read8(unsigned slot, unsigned reg)
{
	select_reg(slot, 0, reg);
	return inb(CONFIG_DATA + (reg & 3));
}

static void cfg_write32(unsigned slot, unsigned reg, uint32_t v)
{
	select_reg(slot, 0, reg);
	outl(CONFIG_DATA, v);
}

static void cfg_write16(unsigned slot, unsigned reg, uint16_t v)
{
	select_reg(slot, 0, reg);
	outw(CONFIG_DATA + (reg & 2), v);
}

/* the register interface of one BAR: MMIO or ports, as lib/pci-testdev.c's ops */
struct bar {
	bool io;
	uintptr_t base;
};

static uint32_t bar_read(const struct bar *b, uint32_t off, unsigned size)
{
	volatile uint8_t *p = (volatile uint8_t *)(b->base + off);

	if (b->io)
		return size == 1 ? inb(b->base + off) : size == 2 ? inw(b->base + off) :
		       inl(b->base + off);
	return size == 1 ? *p : size == 2 ? *(volatile uint16_t *)p : *(volatile uint32_t *)p;
}

static void bar_write(const struct bar *b, uint32_t off, unsigned size, uint32_t v)
{
	volatile uint8_t *p = (volatile uint8_t *)(b->base + off);

	if (b->io) {
		if (size == 1)
			outb(b->base + off, (uint8_t)v);
		else if (size == 2)
			outw(b->base + off, (uint16_t)v);
		else
			outl(b->base + off, v);
	} else if (size == 1) {
		*p = (uint8_t)v;
	} else if (size == 2) {
		*(volatile uint16_t *)p = (uint16_t)v;
	} else {
		*(volatile uint32_t *)p = v;
	}
}

/* header offsets (QEMU's PCITestDevHdr) */
enum { HDR_TEST = 0, HDR_WIDTH = 1, HDR_OFFSET = 4, HDR_DATA = 8, HDR_COUNT = 12, HDR_NAME = 16 };

/* Test @nr of BAR @b: true (and its name in @name) if the device has it. */
static bool one_test(const struct bar *b, unsigned nr, char *name, size_t n)
{
	uint32_t count, data, off, width;
	bool wildcard;
	unsigned i;

	bar_write(b, HDR_TEST, 1, nr);
	count = bar_read(b, HDR_COUNT, 4);
	width = bar_read(b, HDR_WIDTH, 1);
	if (count != 0 || (width != 1 && width != 2 && width != 4))
		return false;	/* past the last test: nothing selected, the header reads 0 */
	data = bar_read(b, HDR_DATA, 4);
	off = bar_read(b, HDR_OFFSET, 4);
	for (i = 0; i + 1 < n; i++) {
		char c = (char)bar_read(b, HDR_NAME + i, 1);

		if (!c)
			break;
		name[i] = c;
	}
	name[i] = 0;
	for (i = 0; i < NR_WRITES; i++)
		bar_write(b, off, width, data);
	count = bar_read(b, HDR_COUNT, 4);
	check(count == NR_WRITES, "pci-testdev %s: %s: %u of %u writes counted", b->io ? "io" : "mem",
	      name, count, NR_WRITES);
	/* writes that do not match: other data, another width, the next offset; the
	 * wildcard test takes any data and width */
	wildcard = strlen(name) >= 16 && !strcmp(name + strlen(name) - 16, "wildcard-eventfd");
	bar_write(b, off, width, data ^ 0x01);
	bar_write(b, off, width == 1 ? 2 : 1, data);
	bar_write(b, off + 1, width, data);
	count = bar_read(b, HDR_COUNT, 4);
	if (wildcard)
		check(count == NR_WRITES + 2, "pci-testdev %s: %s: any data and width counted (%u), "
		      "another offset not", b->io ? "io" : "mem", name, count);
	else
		check(count == NR_WRITES, "pci-testdev %s: %s: wrong data, width or offset not counted",
		      b->io ? "io" : "mem", name);
	return true;
}

static unsigned all_tests(const struct bar *b)
{
	char name[64];
	unsigned nr;

	for (nr = 0; nr < 8 && one_test(b, nr, name, sizeof(name)); nr++)
		;
	return nr;
}

/* The test device's slot on bus 0, or -1 */
static int scan(void)
{
	unsigned absent = 0, slot;
	int found = -1;

	for (slot = 0; slot < 32; slot++) {
		uint32_t id = cfg_read32(slot, 0, 0);

		if (id == 0xffffffffu) {
			absent++;
			continue;
		}
		printf("pci: 00:%02x.0 %04x:%04x class %06x\n", slot, id & 0xffff, id >> 16,
		       cfg_read32(slot, 0, 8) >> 8);
		if (id == (0x0005u << 16 | 0x1b36))
			found = (int)slot;
	}
	check(absent >= 30, "%u empty slots read all ones", absent);
	return found;
}

static int test_pci_testdev(void)
{
	struct bar mem = { false, MMIO_BAR }, io = { true, IO_BAR };
	unsigned nr;
	int slot;

	outl(CONFIG_ADDRESS, 0x80000000u);
	check(inl(CONFIG_ADDRESS) == 0x80000000u, "CONFIG_ADDRESS reads back (mechanism #1)");
	check(cfg_read32(0, 0, 0) == (0x1237u << 16 | 0x8086), "00:00.0 is the i440FX host bridge");
	check(cfg_read32(0, 0, 8) >> 8 == 0x060000, "00:00.0 class is a host bridge");
	check(cfg_read32(0, 1, 0) == 0xffffffffu, "00:00.1 is absent: all ones");
	outl(CONFIG_ADDRESS, 0x80000000u | 2);
	check(inw(CONFIG_DATA) == 0x1237, "CONFIG_ADDRESS bits 1:0 = 2, inw(0xcfc): the device ID "
	      "(QEMU's; older kvm-unit-tests read it so)");
	outl(CONFIG_ADDRESS, 0);
	check(inl(CONFIG_DATA) == 0xffffffffu, "CONFIG_DATA with bit 31 clear reads all ones");
	slot = scan();
	if (slot < 0) {
		printf("pci-testdev: not found\n");
		return nr_fail ? 1 : 2;
	}
	check(cfg_read16(slot, 0x0a) == 0x00ff, "pci-testdev class 0x00ff (a 16-bit read at +2)");
	check(cfg_read8(slot, 0x0e) == 0, "pci-testdev header type 0 (a byte read at +2)");
	check(cfg_read32(slot, 0, 0x10) == IVM_PCI_MMIO_BASE, "BAR0 at 0x%x, as firmware leaves it",
	      IVM_PCI_MMIO_BASE);
	check(cfg_read32(slot, 0, 0x14) == (IVM_PCI_IO_BASE | 1), "BAR1 at port 0x%x",
	      IVM_PCI_IO_BASE);
	check((cfg_read16(slot, 4) & 3) == 3, "I/O and memory decoding on at power-on");

	/* sizing, decoding off (as Linux does it) */
	cfg_write16(slot, 4, 0);
	cfg_write32(slot, 0x10, 0xffffffffu);
	cfg_write32(slot, 0x14, 0xffffffffu);
	cfg_write32(slot, 0x18, 0xffffffffu);
	check(cfg_read32(slot, 0, 0x10) == 0xfffff000u, "BAR0 sizes as 4 KiB of 32-bit memory");
	check(cfg_read32(slot, 0, 0x14) == 0xffffff01u, "BAR1 sizes as 256 I/O ports");
	check(cfg_read32(slot, 0, 0x18) == 0, "BAR2 is unused: hardwired to 0, all-ones written");
	cfg_write32(slot, 0x10, MMIO_BAR);
	cfg_write32(slot, 0x14, IO_BAR);
	check(cfg_read32(slot, 0, 0x10) == MMIO_BAR && cfg_read32(slot, 0, 0x14) == (IO_BAR | 1),
	      "BARs moved to 0x%x and port 0x%x", MMIO_BAR, IO_BAR);
	bar_write(&mem, HDR_TEST, 1, 0);
	bar_write(&io, HDR_TEST, 1, 0);
	check(bar_read(&mem, HDR_WIDTH, 1) == 0xff && bar_read(&io, HDR_WIDTH, 1) == 0xff,
	      "decoding off: neither BAR answers (all ones)");
	cfg_write32(slot, 0, 0);
	check(cfg_read32(slot, 0, 0) == (0x0005u << 16 | 0x1b36), "the IDs are read-only");
	cfg_write16(slot, 4, 3);
	check((cfg_read16(slot, 4) & 3) == 3, "I/O and memory decoding on again");

	nr = all_tests(&mem);
	nr += all_tests(&io);
	check(nr == 6, "pci-testdev passed %u tests of 6 (kvm-unit-tests' count)", nr);

	cfg_write16(slot, 4, 1);	/* I/O only */
	check(bar_read(&mem, HDR_WIDTH, 1) == 0xff, "memory decoding off: BAR0 does not answer");
	cfg_write16(slot, 4, 3);
	printf("pci-testdev: %s\n", nr_fail ? "FAIL" : "PASS");
	return nr_fail ? 1 : 0;
}

IVM_TEST("pci-testdev", test_pci_testdev);
