// SPDX-License-Identifier: MIT
/* MMIO exits: a table of guest-physical windows, each with a device model. */
#include <stdio.h>
#include <string.h>
#include "lib/clock.h"
#include "mmio.h"
#include "pci.h"
#include "uioapic.h"
#include "ulapic.h"

struct mmio_dev {
	uint64_t base, len;
	const char *name;
	bool (*present)(const struct vcpu *v);
	uint32_t (*read)(struct vcpu *v, uint64_t off, unsigned size);
	void (*write)(struct vcpu *v, uint64_t off, unsigned size, uint32_t val);
};

static bool ioapic_present(const struct vcpu *v)
{
	return v->vm->opts.irqchip != IRQCHIP_KERNEL;	/* in kernel mode KVM owns it */
}

static uint32_t ioapic_read(struct vcpu *v, uint64_t off, unsigned size)
{
	return ioapic__mmio_read(&v->vm->ioapic, off, size);
}

static void ioapic_write(struct vcpu *v, uint64_t off, unsigned size, uint32_t val)
{
	ioapic__mmio_write(&v->vm->ioapic, off, size, val, clock__now_ns());
}

/* Each vCPU sees its own LAPIC at the same address. */
static bool lapic_present(const struct vcpu *v)
{
	return v->vm->opts.irqchip == IRQCHIP_USER && lapic__mmio_enabled(&v->lapic) &&
	       lapic__base(&v->lapic) == LAPIC_DEFAULT_BASE;
}

static uint32_t lapic_read(struct vcpu *v, uint64_t off, unsigned size)
{
	ulapic__timer_input(v);
	return size == 4 ? lapic__read(&v->lapic, off, clock__now_ns()) : ~0u;
}

static void lapic_write(struct vcpu *v, uint64_t off, unsigned size, uint32_t val)
{
	ulapic__timer_input(v);
	if (size == 4 && off == LAPIC_ICR_LO)
		ulapic__before_icr(v, val);
	if (size == 4)
		lapic__write(&v->lapic, off, val, clock__now_ns());
}

static const struct mmio_dev mmio_devs[] = {
	{ LAPIC_DEFAULT_BASE, 0x1000, "lapic", lapic_present, lapic_read, lapic_write },
	{ IOAPIC_DEFAULT_BASE, IOAPIC_WINDOW_SIZE, "ioapic", ioapic_present, ioapic_read, ioapic_write },
};

int handle_mmio(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint64_t addr = run->mmio.phys_addr;
	unsigned len = run->mmio.len;
	uint32_t val = 0;

	if (len > sizeof(run->mmio.data))
		len = sizeof(run->mmio.data);
	for (size_t i = 0; i < sizeof(mmio_devs) / sizeof(mmio_devs[0]); i++) {
		const struct mmio_dev *d = &mmio_devs[i];

		if (addr < d->base || addr - d->base >= d->len || !d->present(v))
			continue;
		/* models take 32-bit accesses; anything wider or narrower they reject themselves */
		if (run->mmio.is_write) {
			memcpy(&val, run->mmio.data, len < 4 ? len : 4);
			d->write(v, addr - d->base, len, val);
		} else {
			val = d->read(v, addr - d->base, len);
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
			memcpy(run->mmio.data, &val, len < 4 ? len : 4);
		}
		return EXIT_RESUME;
	}
	/* a PCI BAR that decodes it (the fixed windows above come first) */
	if (run->mmio.is_write)
		memcpy(&val, run->mmio.data, len < 4 ? len : 4);
	if (pci__mmio(v->vm, addr, len, run->mmio.is_write, &val)) {
		if (!run->mmio.is_write) {
			memset(run->mmio.data, 0, sizeof(run->mmio.data));
			memcpy(run->mmio.data, &val, len < 4 ? len : 4);
		}
		return EXIT_RESUME;
	}
	/* No device here: reads float high, writes are dropped. */
	if (!run->mmio.is_write)
		memset(run->mmio.data, 0xff, len);
	evlog__add(&v->vm->log, "mmio %s %#llx len %u: no device", run->mmio.is_write ? "write" : "read",
		   (unsigned long long)addr, run->mmio.len);
	return EXIT_RESUME;
}
