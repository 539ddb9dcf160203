// SPDX-License-Identifier: MIT
/*
 * PCI bus 0: the i440FX host bridge that QEMU's default "pc" machine (the one
 * kvm-unit-tests' runner asks for) shows at 00:00.0, and QEMU's pci-testdev
 * when asked. vmm has no firmware, so the bus comes up as firmware leaves it:
 * pci-testdev's BARs at IVM_PCI_MMIO_BASE and IVM_PCI_IO_BASE (include/abi.h),
 * I/O and memory decoding on. Its tests are counted here, on the exit: vmm
 * has no ioeventfds (model/pci_testdev.h).
 */
#include "model/evlog.h"
#include "pci.h"

static const struct pci_dev_info host_bridge = {
	.slot = PCI_HOST_SLOT, .vendor = 0x8086, .device = 0x1237,	/* 82441FX PMC */
	.class = 0x060000, .revision = 0x02, .subsys_vendor = 0x1af4, .subsys = 0x1100,
};

static const struct pci_dev_info testdev = {
	.slot = PCI_TESTDEV_SLOT, .vendor = PCI_TESTDEV_VENDOR, .device = PCI_TESTDEV_DEVICE,
	.class = PCI_TESTDEV_CLASS, .subsys_vendor = 0x1af4, .subsys = 0x1100,
	.bar = {
		[PCI_TESTDEV_BAR_MMIO] = { PCI_TESTDEV_MMIO_SIZE, PCI_SPACE_MEM, IVM_PCI_MMIO_BASE },
		[PCI_TESTDEV_BAR_IO] = { PCI_TESTDEV_IO_SIZE, PCI_SPACE_IO, IVM_PCI_IO_BASE },
	},
	.command = PCI_COMMAND_IO | PCI_COMMAND_MEMORY,
};

void pci__init(struct vm *vm)
{
	pci_bus__init(&vm->pci);
	pci_testdev__reset(&vm->pci_testdev);
	pci_bus__add(&vm->pci, &host_bridge);
	if (vm->opts.pci_testdev)
		pci_bus__add(&vm->pci, &testdev);
}

uint32_t pci_port__read(struct vm *vm, uint16_t off, unsigned size)
{
	return pci_bus__port_read(&vm->pci, off, size);
}

int pci_port__write(struct vm *vm, uint16_t off, unsigned size, uint32_t val)
{
	pci_bus__port_write(&vm->pci, off, size, val);
	return EXIT_RESUME;
}

/* An access a BAR of @slot decoded: only pci-testdev has BARs */
static void bar_access(struct vm *vm, int slot, unsigned bar, uint32_t off, unsigned size,
		       bool write, uint32_t *val)
{
	if (slot != PCI_TESTDEV_SLOT) {
		if (!write)
			*val = 0xffffffffu;
		return;
	}
	if (write)
		pci_testdev__write(&vm->pci_testdev, bar, off, size, *val);
	else
		*val = pci_testdev__read(&vm->pci_testdev, bar, off, size);
}

bool pci__pio(struct vm *vm, uint16_t port, bool out, unsigned size, uint32_t *val)
{
	unsigned bar;
	uint32_t off;
	int slot = pci_bus__decode(&vm->pci, PCI_SPACE_IO, port, size, &bar, &off);

	if (slot < 0)
		return false;
	bar_access(vm, slot, bar, off, size, out, val);
	return true;
}

bool pci__mmio(struct vm *vm, uint64_t addr, unsigned len, bool write, uint32_t *val)
{
	unsigned bar, size = len > 4 ? 4 : len;
	uint32_t off;
	int slot = pci_bus__decode(&vm->pci, PCI_SPACE_MEM, addr, size, &bar, &off);

	if (slot < 0)
		return false;
	if (len > 4)
		evlog__add(&vm->log, "pci: %u-byte MMIO at %#llx taken as 4 bytes", len,
			   (unsigned long long)addr);
	bar_access(vm, slot, bar, off, size, write, val);
	return true;
}
