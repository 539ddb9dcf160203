// SPDX-License-Identifier: MIT
/*
 * PCI bus 0's configuration decoder (vmm/model/pci.c) and pci-testdev
 * (vmm/model/pci_testdev.c) under a hostile guest: the host bridge and the
 * test device as dev/pci.c adds them, then operations from the input, op % 6:
 *   0 a port write at 0xcf8 + (0..7), 1, 2 or 4 bytes (or a bad size)
 *   1 a port read there       2 cfg_write at any bus/slot/function/register/size
 *   3 cfg_read likewise       4 pci_bus__decode of any space, address and size
 *   5 a pci-testdev access (either BAR, any offset, size and value)
 * Checked after each: the IDs, class and header type never change; a BAR keeps
 * its type bits and stays aligned to its size; the command register holds only
 * the implemented bits; a read where
 * nothing answers is all ones; a decode lies wholly inside an enabled BAR.
 */
#include "model/pci.h"
#include "model/pci_testdev.h"
#include "fuzz.h"

static const struct pci_dev_info host = {
	.slot = 0, .vendor = 0x8086, .device = 0x1237, .class = 0x060000, .revision = 2,
};

static const struct pci_dev_info dev = {
	.slot = 1, .vendor = PCI_TESTDEV_VENDOR, .device = PCI_TESTDEV_DEVICE,
	.class = PCI_TESTDEV_CLASS,
	.bar = {
		[0] = { PCI_TESTDEV_MMIO_SIZE, PCI_SPACE_MEM, 0xfe000000 },
		[1] = { PCI_TESTDEV_IO_SIZE, PCI_SPACE_IO, 0xc000 },
	},
	.command = PCI_COMMAND_IO | PCI_COMMAND_MEMORY,
};

static uint32_t all_ones(unsigned size)
{
	return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

static void check_dev(const struct pci_bus *b, const struct pci_dev_info *info)
{
	uint32_t cmd = pci_bus__cfg_read(b, 0, info->slot, 0, PCI_COMMAND, 2);

	fuzz_assert(pci_bus__cfg_read(b, 0, info->slot, 0, 0, 4) ==
		    ((uint32_t)info->device << 16 | info->vendor));
	fuzz_assert(pci_bus__cfg_read(b, 0, info->slot, 0, 8, 4) >> 8 == info->class);
	fuzz_assert(pci_bus__cfg_read(b, 0, info->slot, 0, PCI_HEADER_TYPE, 1) == 0);
	fuzz_assert(!(cmd & ~PCI_COMMAND_WRITABLE));
	for (unsigned i = 0; i < PCI_NR_BARS; i++) {
		uint32_t v = pci_bus__cfg_read(b, 0, info->slot, 0, PCI_BASE_ADDRESS_0 + 4 * i, 4);
		uint32_t sz = info->bar[i].size;

		if (!sz) {
			fuzz_assert(v == 0);
			continue;
		}
		if (info->bar[i].space == PCI_SPACE_IO)
			fuzz_assert((v & 3) == PCI_BAR_IO && !(v & (sz - 1) & ~3u));
		else
			fuzz_assert(!(v & (sz - 1)));
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned sizes[8] = { 1, 2, 4, 4, 1, 2, 3, 0 };
	struct fuzz_in in = { data, size };
	struct pci_testdev t;
	struct pci_bus b;

	pci_bus__init(&b);
	pci_testdev__reset(&t);
	fuzz_assert(pci_bus__add(&b, &host) == 0 && pci_bus__add(&b, &dev) == 0);
	for (unsigned n = 0; n < 256 && in.left; n++) {
		uint8_t op = fuzz_in__u8(&in), k = fuzz_in__u8(&in);
		unsigned sz = sizes[k & 7], off = (k >> 3) & 7, bar;
		uint32_t val = fuzz_in__u32(&in), o;
		unsigned bus = fuzz_in__u8(&in), slot = fuzz_in__u8(&in), fn = k >> 5;
		unsigned reg = fuzz_in__u16(&in);
		uint64_t addr;
		int s;

		switch (op % 6) {
		case 0:
			pci_bus__port_write(&b, off, sz, val);
			break;
		case 1: {
			uint32_t a = pci_bus__port_read(&b, 0, 4), r = pci_bus__port_read(&b, off, sz);

			if (off >= 4 && !(a & PCI_CONFIG_ENABLE))
				fuzz_assert(r == 0xffffffffu);
			break;
		}
		case 2:
			pci_bus__cfg_write(&b, bus, slot, fn, reg, sz, val);
			break;
		case 3: {
			uint32_t r = pci_bus__cfg_read(&b, bus, slot, fn, reg, sz);

			if (bus || fn || (slot != 0 && slot != 1) || reg + sz > PCI_CFG_SIZE ||
			    (sz != 1 && sz != 2 && sz != 4))
				fuzz_assert(r == all_ones(sz));
			break;
		}
		case 4:
			addr = fuzz_in__u64(&in);
			s = pci_bus__decode(&b, k & 1 ? PCI_SPACE_IO : PCI_SPACE_MEM, addr, sz, &bar, &o);
			if (s >= 0) {
				uint32_t base = pci_bus__bar_addr(&b, (unsigned)s, bar);
				uint32_t cmd = pci_bus__cfg_read(&b, 0, (unsigned)s, 0, PCI_COMMAND, 2);

				fuzz_assert(s == 1 && bar < 2 && (bar == 1) == (k & 1));
				fuzz_assert(cmd & (k & 1 ? PCI_COMMAND_IO : PCI_COMMAND_MEMORY));
				fuzz_assert((uint64_t)base + o == addr && sz &&
					    o + sz <= (bar ? PCI_TESTDEV_IO_SIZE : PCI_TESTDEV_MMIO_SIZE));
			}
			break;
		default:
			if (k & 0x80)
				pci_testdev__write(&t, k & 1, val >> 20, sz, val);
			else
				(void)pci_testdev__read(&t, k & 1, (uint32_t)reg << (k & 16), sz);
			fuzz_assert(t.current >= -1 && t.current < 2 * PCI_TESTDEV_TESTS);
			break;
		}
		check_dev(&b, &host);
		check_dev(&b, &dev);
	}
	return 0;
}
