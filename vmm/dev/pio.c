// SPDX-License-Identifier: MIT
/* Port I/O exits: a table of port ranges, each with a small device behind it. */
#include <stdio.h>
#include <string.h>
#include "fwcfg.h"
#include "hcall.h"
#include "irrport.h"
#include "pci.h"
#include "pio.h"
#include "testdev.h"
#include "emu/x86_mmu.h"

struct pio_dev {
	uint16_t base, len;
	const char *name;
	uint32_t (*read)(struct vm *vm, uint16_t off, unsigned size);
	int (*write)(struct vm *vm, uint16_t off, unsigned size, uint32_t val);
	/* bit n set: an n-byte IN (OUT) is the device's; PIO_ANY: every size is.
	 * Any other access goes where an unclaimed one does: all ones in, dropped out */
	uint8_t in_sizes, out_sizes;
};

#define PIO_SIZE(n)	(1u << (n))
#define PIO_ANY		0

static uint32_t com1_read(struct vm *vm, uint16_t off, unsigned size)
{
	return serial__read(&vm->com1, off);
}

static int com1_write(struct vm *vm, uint16_t off, unsigned size, uint32_t val)
{
	serial__write(&vm->com1, off, (uint8_t)val);
	return EXIT_RESUME;
}

static uint32_t debugcon_read(struct vm *vm, uint16_t off, unsigned size)
{
	return 0xe9;	/* QEMU's debugcon readback value: lets guests detect it */
}

static int debugcon_write(struct vm *vm, uint16_t off, unsigned size, uint32_t val)
{
	console__putc(&vm->con, (uint8_t)val);
	return EXIT_RESUME;
}

static int exit_write(struct vm *vm, uint16_t off, unsigned size, uint32_t val)
{
	static char why[64];

	/* isa-debug-exit: the process status is (value << 1) | 1, 0 stays 0 for us */
	vm->guest_exit_value = val;
	vm->guest_exited = true;
	snprintf(why, sizeof(why), "guest wrote %#x to the exit port", val);
	vm__stop(vm, val ? (int)((val << 1) | 1) : VMM_OK, val ? why : NULL);
	return EXIT_STOP;
}

static uint32_t hcall_read(struct vm *vm, uint16_t off, unsigned size)
{
	return IVM_HCALL_MAGIC;
}

static int hcall_write(struct vm *vm, uint16_t off, unsigned size, uint32_t val)
{
	if (size != 4 || off) {
		evlog__add(&vm->log, "hcall port: %u-byte write at +%u ignored", size, off);
		return EXIT_RESUME;
	}
	return hcall__handle(vm, val);
}

static const struct pio_dev pio_devs[] = {
	{ IVM_PORT_COM1, 8, "com1", com1_read, com1_write, PIO_ANY, PIO_ANY },
	{ IVM_PORT_DEBUGCON, 1, "debugcon", debugcon_read, debugcon_write, PIO_ANY, PIO_ANY },
	{ IVM_PORT_EXIT, 4, "debug-exit", NULL, exit_write, PIO_ANY, PIO_ANY },
	{ IVM_PORT_HCALL, 4, "hcall", hcall_read, hcall_write, PIO_ANY, PIO_ANY },
	/* which IRR words hold a vector: a 32-bit IN, its answer recorded (ITR_IRR) */
	{ IVM_PORT_IRR, 4, "irr", irrport__read, NULL, PIO_SIZE(4), 0 },
	/* QEMU fw_cfg: a 16-bit OUT selects, a byte IN reads (either port of the two) */
	{ IVM_PORT_FWCFG, FWCFG_PORT_LEN, "fw_cfg", fwcfg_port__read, fwcfg_port__write,
	  PIO_SIZE(1), PIO_SIZE(1) | PIO_SIZE(2) },
	/* QEMU pc-testdev: a byte OUT to 0x2000 + pin sets that IOAPIC pin's line */
	{ IVM_PORT_TESTDEV_IOAPIC, IVM_TESTDEV_IOAPIC_PINS, "pc-testdev", NULL,
	  testdev__ioapic_write, PIO_ANY, PIO_SIZE(1) },
	/* PCI configuration mechanism #1: CONFIG_ADDRESS (32-bit at 0xcf8), CONFIG_DATA */
	{ IVM_PORT_PCI_CONFIG, PCI_PORT_CONFIG_LEN, "pci-config", pci_port__read, pci_port__write,
	  PIO_ANY, PIO_ANY },
};

static const struct pio_dev *pio_find(uint16_t port)
{
	for (size_t i = 0; i < sizeof(pio_devs) / sizeof(pio_devs[0]); i++)
		if (port >= pio_devs[i].base && port - pio_devs[i].base < pio_devs[i].len)
			return &pio_devs[i];
	return NULL;
}

/*
 * Whether the guest's TSS I/O permission bitmap allows @size bytes at @port
 * (SDM 19.5.2): the CPU reads two bytes of the map at base + port / 8, both
 * within the TSS limit, and every bit of the accessed ports must be clear.
 */
static bool tss_allows(struct vcpu *v, const struct kvm_sregs *s, uint16_t port, unsigned size)
{
	uint16_t base, bits;
	uint32_t pf, off;
	uint64_t fva;

	if (s->tr.limit < 0x67 ||
	    mmu__read(&v->vm->mem, s, s->tr.base + 0x66, &base, 2, 0, &pf, &fva) < 0)
		return false;
	off = (uint32_t)base + port / 8;
	if (off + 1 > s->tr.limit ||
	    mmu__read(&v->vm->mem, s, s->tr.base + off, &bits, 2, 0, &pf, &fva) < 0)
		return false;
	return !((bits >> (port % 8)) & ((1u << size) - 1));
}

/* CPL3 port access without IOPL: the SDM says #GP(0) unless the TSS bitmap allows it. */
static void note_user_port(struct vcpu *v, uint16_t port, unsigned size)
{
	struct kvm_sregs s;
	struct kvm_regs r;
	unsigned cpl, iopl;

	if (v->ops->get_sregs(v, &s) < 0 || v->ops->get_regs(v, &r) < 0)
		return;
	cpl = s.cs.selector & 3;
	iopl = (r.rflags >> 12) & 3;
	if (cpl > iopl && !tss_allows(v, &s, port, size))
		fprintf(stderr, "vmm: divergence (PVM-3): port %#x accessed at CPL%u with "
			"IOPL %u exited to the VMM; the SDM requires #GP(0) unless the TSS I/O bitmap "
			"allows it\n", port, cpl, iopl);
}

/* No device at @port, or one that does not take this access (@dev): logged once per port. */
static void unclaimed(struct vcpu *v, uint16_t port, bool out, unsigned size,
		      const struct pio_dev *dev)
{
	struct vm *vm = v->vm;

	if (vm->port_warned[port / 8] & (1u << (port % 8)))
		return;
	vm->port_warned[port / 8] |= 1u << (port % 8);
	if (dev)
		evlog__add(&vm->log, "port %#x %u-byte %s: %s does not take it", port, size,
			   out ? "write" : "read", dev->name);
	else
		evlog__add(&vm->log, "port %#x %s: no device", port, out ? "write" : "read");
	note_user_port(v, port, size);
}

static bool claims(const struct pio_dev *dev, bool out, unsigned size)
{
	uint8_t sizes = out ? dev->out_sizes : dev->in_sizes;

	return (out ? dev->write != NULL : dev->read != NULL) && (!sizes || (sizes & PIO_SIZE(size)));
}

int handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	unsigned size = run->io.size, count = run->io.count;
	uint16_t port = run->io.port;
	const struct pio_dev *dev;
	uint8_t *data;

	/* KVM fills these, but check them like any other input before use. */
	if ((size != 1 && size != 2 && size != 4) || !count ||
	    run->io.data_offset >= v->run_size ||
	    (uint64_t)size * count > v->run_size - run->io.data_offset) {
		vm__stop(v->vm, VMM_HOST_ERROR, "malformed KVM_EXIT_IO");
		return EXIT_STOP;
	}
	data = (uint8_t *)run + run->io.data_offset;
	dev = pio_find(port);
	for (unsigned i = 0; i < count; i++, data += size) {
		bool out = run->io.direction == KVM_EXIT_IO_OUT;
		uint32_t val = 0;

		if (!dev && out) {
			memcpy(&val, data, size);
			if (pci__pio(v->vm, port, true, size, &val))
				continue;
		} else if (!dev && pci__pio(v->vm, port, false, size, &val)) {
			memcpy(data, &val, size);
			continue;
		}
		if (!dev || !claims(dev, out, size)) {
			unclaimed(v, port, out, size, dev);
			if (!out) {
				val = 0xffffffff;	/* nothing drives the bus */
				memcpy(data, &val, size);
			}
			continue;
		}
		if (out) {
			memcpy(&val, data, size);
			if (dev->write(v->vm, port - dev->base, size, val) == EXIT_STOP)
				return EXIT_STOP;
		} else {
			val = dev->read(v->vm, port - dev->base, size);
			memcpy(data, &val, size);
		}
	}
	return EXIT_RESUME;
}
