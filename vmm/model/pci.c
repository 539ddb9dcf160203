// SPDX-License-Identifier: MIT
#include <string.h>
#include "pci.h"

static void put_le(uint8_t *p, uint32_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get_le(const uint8_t *p, unsigned n)
{
	uint32_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint32_t)p[i] << (8 * i);
	return v;
}

void pci_bus__init(struct pci_bus *b)
{
	memset(b, 0, sizeof(*b));
}

static bool pow2(uint32_t x)
{
	return x && !(x & (x - 1));
}

/* The index of the device in @slot, or -1 */
static int find(const struct pci_bus *b, unsigned slot)
{
	for (unsigned i = 0; i < b->ndev; i++)
		if (b->dev[i].slot == slot)
			return (int)i;
	return -1;
}

int pci_bus__add(struct pci_bus *b, const struct pci_dev_info *info)
{
	struct pci_dev *d;

	if (info->slot >= PCI_SLOTS || b->ndev >= PCI_BUS_MAX_DEVS || find(b, info->slot) >= 0)
		return -1;
	for (unsigned i = 0; i < PCI_NR_BARS; i++) {
		uint32_t sz = info->bar[i].size;

		if (sz && (!pow2(sz) || sz < (info->bar[i].space == PCI_SPACE_IO ? 4u : 16u) ||
			   (info->bar[i].addr & (sz - 1))))
			return -1;
	}
	d = &b->dev[b->ndev++];
	memset(d, 0, sizeof(*d));
	d->slot = info->slot;
	put_le(&d->cfg[PCI_VENDOR_ID], info->vendor, 2);
	put_le(&d->cfg[PCI_DEVICE_ID], info->device, 2);
	d->cfg[PCI_REVISION_ID] = info->revision;
	put_le(&d->cfg[PCI_CLASS_PROG], info->class, 3);
	d->cfg[PCI_HEADER_TYPE] = 0;	/* type 0, one function */
	put_le(&d->cfg[PCI_SUBSYSTEM_VENDOR_ID], info->subsys_vendor, 2);
	put_le(&d->cfg[PCI_SUBSYSTEM_ID], info->subsys, 2);
	put_le(&d->wmask[PCI_COMMAND], PCI_COMMAND_WRITABLE, 2);
	put_le(&d->cfg[PCI_COMMAND], info->command & PCI_COMMAND_WRITABLE, 2);
	d->wmask[PCI_CACHE_LINE_SIZE] = 0xff;
	d->wmask[PCI_LATENCY_TIMER] = 0xff;
	d->wmask[PCI_INTERRUPT_LINE] = 0xff;
	for (unsigned i = 0; i < PCI_NR_BARS; i++) {
		uint32_t sz = info->bar[i].size, reg = PCI_BASE_ADDRESS_0 + 4 * i;
		bool io = info->bar[i].space == PCI_SPACE_IO;

		d->bar_size[i] = sz;
		d->bar_space[i] = info->bar[i].space;
		if (!sz)
			continue;
		/* the address bits at and above the size take a write; the type bits never */
		put_le(&d->wmask[reg], ~(sz - 1) & (io ? PCI_BAR_IO_MASK : PCI_BAR_MEM_MASK), 4);
		put_le(&d->cfg[reg], info->bar[i].addr | (io ? PCI_BAR_IO : 0), 4);
	}
	return 0;
}

/* The index of the device @bus/@slot/@fn answers as, or -1: nothing there. */
static int target(const struct pci_bus *b, unsigned bus, unsigned slot, unsigned fn)
{
	if (bus != 0 || fn != 0 || slot >= PCI_SLOTS)
		return -1;
	return find(b, slot);
}

static bool good_size(unsigned size)
{
	return size == 1 || size == 2 || size == 4;
}

/* @size bytes at @reg: a width the bus takes, wholly inside the 256-byte space */
static bool in_space(unsigned reg, unsigned size)
{
	return good_size(size) && reg < PCI_CFG_SIZE && size <= PCI_CFG_SIZE - reg;
}

uint32_t pci_bus__cfg_read(const struct pci_bus *b, unsigned bus, unsigned slot, unsigned fn,
			   unsigned reg, unsigned size)
{
	int i = target(b, bus, slot, fn);

	if (i < 0 || !in_space(reg, size))
		return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
	return get_le(&b->dev[i].cfg[reg], size);
}

void pci_bus__cfg_write(struct pci_bus *b, unsigned bus, unsigned slot, unsigned fn,
			unsigned reg, unsigned size, uint32_t val)
{
	int n = target(b, bus, slot, fn);
	struct pci_dev *d;

	if (n < 0 || !in_space(reg, size))
		return;
	d = &b->dev[n];
	for (unsigned i = 0; i < size; i++) {
		uint8_t m = d->wmask[reg + i], v = (uint8_t)(val >> (8 * i));

		d->cfg[reg + i] = (uint8_t)((d->cfg[reg + i] & ~m) | (v & m));
	}
}

/* CONFIG_DATA at byte @o (0..3), @size bytes: the register and whether it is one */
static bool data_reg(const struct pci_bus *b, unsigned o, unsigned size, unsigned *bus,
		     unsigned *slot, unsigned *fn, unsigned *reg)
{
	uint32_t a = b->config_address;

	if (!(a & PCI_CONFIG_ENABLE) || !good_size(size) || o + size > 4)
		return false;
	*bus = (a >> 16) & 0xff;
	*slot = (a >> 11) & 0x1f;
	*fn = (a >> 8) & 0x7;
	*reg = (a & 0xff) | o;	/* QEMU's: the latch's bits 1:0 too (pci.h) */
	return true;
}

uint32_t pci_bus__port_read(struct pci_bus *b, unsigned off, unsigned size)
{
	unsigned bus, slot, fn, reg;

	if (off == 0 && size == 4)
		return b->config_address;
	if (off < 4 || off >= PCI_PORT_CONFIG_LEN ||
	    !data_reg(b, off - 4, size, &bus, &slot, &fn, &reg))
		return 0xffffffffu;
	return pci_bus__cfg_read(b, bus, slot, fn, reg, size);
}

void pci_bus__port_write(struct pci_bus *b, unsigned off, unsigned size, uint32_t val)
{
	unsigned bus, slot, fn, reg;

	if (off == 0 && size == 4) {
		b->config_address = val;
		return;
	}
	if (off < 4 || off >= PCI_PORT_CONFIG_LEN ||
	    !data_reg(b, off - 4, size, &bus, &slot, &fn, &reg))
		return;
	pci_bus__cfg_write(b, bus, slot, fn, reg, size, val);
}

uint32_t pci_bus__bar_addr(const struct pci_bus *b, unsigned slot, unsigned bar)
{
	int n = find(b, slot);
	const struct pci_dev *d;
	uint32_t v;

	if (n < 0 || bar >= PCI_NR_BARS || !b->dev[n].bar_size[bar])
		return 0;
	d = &b->dev[n];
	v = get_le(&d->cfg[PCI_BASE_ADDRESS_0 + 4 * bar], 4);
	return v & (d->bar_space[bar] == PCI_SPACE_IO ? PCI_BAR_IO_MASK : PCI_BAR_MEM_MASK);
}

int pci_bus__decode(const struct pci_bus *b, enum pci_space space, uint64_t addr, unsigned size,
		    unsigned *bar, uint32_t *off)
{
	uint16_t enable = space == PCI_SPACE_IO ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY;

	if (!size)
		return -1;
	for (unsigned i = 0; i < b->ndev; i++) {
		const struct pci_dev *d = &b->dev[i];

		if (!(get_le(&d->cfg[PCI_COMMAND], 2) & enable))
			continue;
		for (unsigned n = 0; n < PCI_NR_BARS; n++) {
			uint64_t base = pci_bus__bar_addr(b, d->slot, n), sz = d->bar_size[n];

			if (!sz || d->bar_space[n] != space)
				continue;
			if (space == PCI_SPACE_IO && base + sz > 0x10000)
				continue;
			if (addr < base || addr - base >= sz || size > sz - (addr - base))
				continue;
			*bar = n;
			*off = (uint32_t)(addr - base);
			return d->slot;
		}
	}
	return -1;
}
