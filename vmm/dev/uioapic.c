// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include "record/record.h"
#include "uioapic.h"
#include "ulapic.h"

/* Push all 24 pin routes to KVM (KVM_SET_GSI_ROUTING replaces the whole table). */
static int set_routes(struct vm *vm)
{
	/* a union, not a struct: C11 forbids a flexible-array struct as a non-last member */
	union {
		struct kvm_irq_routing r;
		char buf[sizeof(struct kvm_irq_routing) +
			 IOAPIC_NUM_PINS * sizeof(struct kvm_irq_routing_entry)];
	} t;
	struct kvm_irq_routing_entry *e = t.r.entries;

	memset(&t, 0, sizeof(t));
	t.r.nr = IOAPIC_NUM_PINS;
	for (unsigned pin = 0; pin < IOAPIC_NUM_PINS; pin++) {
		e[pin].gsi = pin;
		e[pin].type = KVM_IRQ_ROUTING_MSI;
		e[pin].u.msi.address_lo = (uint32_t)vm->route_addr[pin];
		e[pin].u.msi.address_hi = (uint32_t)(vm->route_addr[pin] >> 32);
		e[pin].u.msi.data = vm->route_data[pin];
	}
	return ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, &t.r);
}

static void deliver(void *opaque, unsigned pin, const struct ioapic_msg *m)
{
	struct vm *vm = opaque;
	struct kvm_irq_level line = { .irq = pin, .level = 1 };

	if (vm->opts.irqchip == IRQCHIP_USER) {
		ulapic__accept(vm, m);
		return;
	}
	if (vm->route_addr[pin] != m->msi_addr || vm->route_data[pin] != m->msi_data) {
		vm->route_addr[pin] = m->msi_addr;
		vm->route_data[pin] = m->msi_data;
		if (set_routes(vm) < 0)
			fprintf(stderr, "vmm: KVM_SET_GSI_ROUTING: %s\n", strerror(errno));
	}
	/* an MSI route fires on the rising edge of its GSI: raise, then drop */
	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &line) < 0)
		fprintf(stderr, "vmm: KVM_IRQ_LINE gsi %u: %s\n", pin, strerror(errno));
	line.level = 0;
	ioctl(vm->vm_fd, KVM_IRQ_LINE, &line);
	evlog__add(&vm->log, "ioapic pin %u -> vector %#x%s", pin, m->vector, m->level ? " level" : "");
}

static void event(void *opaque, enum ioapic_event ev, unsigned pin, uint64_t a, uint64_t b)
{
	struct vm *vm = opaque;

	evlog__add(&vm->log, "ioapic %s pin %d a %#llx b %#llx", ioapic__event_name(ev),
		   pin == IOAPIC_NO_PIN ? -1 : (int)pin, (unsigned long long)a, (unsigned long long)b);
	if (record__on(vm)) {
		struct itr_record r = { .type = ITR_IOAPIC, .vector = pin == IOAPIC_NO_PIN ? 0xff : pin,
					.a = ev, .b = a, .rip = b };

		record__host(vm, &r);
	}
}

int uioapic__init(struct vm *vm, char *err, size_t errlen)
{
	ioapic__init(&vm->ioapic, deliver, event, vm);
	if (vm->opts.irqchip == IRQCHIP_SPLIT && set_routes(vm) < 0) {
		snprintf(err, errlen, "KVM_SET_GSI_ROUTING: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int uioapic__set_irq(struct vm *vm, unsigned pin, int level, char *err, size_t errlen)
{
	if (ioapic__set_irq(&vm->ioapic, pin, level) < 0) {
		snprintf(err, errlen, "pin %u: the IOAPIC has pins 0..%u", pin, IOAPIC_NUM_PINS - 1);
		return -1;
	}
	return 0;
}
