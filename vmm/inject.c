// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include "exit.h"
#include "inject.h"
#include "record.h"
#include "uioapic.h"
#include "ulapic.h"

static const char *const kind_names[] = {
	[INJ_MSI] = "msi", [INJ_PIN] = "pin", [INJ_NMI] = "nmi", [INJ_EXCEPTION] = "exception",
	[INJ_INIT] = "init", [INJ_SIPI] = "sipi", [INJ_SPURIOUS] = "spurious",
};

const char *inject__kind_name(enum inj_kind k)
{
	return (unsigned)k < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[k] : "?";
}

#define FAIL(...) do { snprintf(err, errlen, __VA_ARGS__); return -1; } while (0)

/* MSI address/data as the SDM (10.11) lays them out; physical destination. */
static void msi_encode(const struct injection *inj, struct kvm_msi *msi)
{
	memset(msi, 0, sizeof(*msi));
	msi->address_lo = 0xfee00000u | (inj->dest & 0xff) << 12;
	msi->data = inj->vector | (uint32_t)inj->delivery << 8 | (inj->level ? 1u << 15 | 1u << 14 : 0);
}

static int inject_msi(struct vm *vm, const struct injection *inj, char *err, size_t errlen)
{
	struct kvm_msi msi;
	int r;

	msi_encode(inj, &msi);
	if (vm->opts.irqchip == IRQCHIP_USER) {
		ulapic__msi(vm, msi.address_lo, msi.data);
		return 0;
	}
	r = ioctl(vm->vm_fd, KVM_SIGNAL_MSI, &msi);
	if (r < 0)
		FAIL("KVM_SIGNAL_MSI vector %#x: %s", inj->vector, strerror(errno));
	if (r == 0)
		evlog__add(&vm->log, "msi vector %#x: blocked by the guest (no APIC accepted it)",
			   inj->vector);
	return 0;
}

static int irq_line(struct vm *vm, unsigned pin, int level, char *err, size_t errlen)
{
	struct kvm_irq_level irq = { .irq = pin, .level = level };

	if (ioctl(vm->vm_fd, KVM_IRQ_LINE, &irq) < 0)
		FAIL("KVM_IRQ_LINE pin %u level %d: %s", pin, level, strerror(errno));
	return 0;
}

static int inject_pin(struct vm *vm, const struct injection *inj, char *err, size_t errlen)
{
	if (vm->opts.irqchip != IRQCHIP_KERNEL) {
		/* our IOAPIC: a pulse is a rising then a falling edge of the line */
		if (inj->action != PIN_DEASSERT && uioapic__set_irq(vm, inj->pin, 1, err, errlen) < 0)
			return -1;
		if (inj->action != PIN_ASSERT && uioapic__set_irq(vm, inj->pin, 0, err, errlen) < 0)
			return -1;
		return 0;
	}
	switch (inj->action) {
	case PIN_ASSERT: return irq_line(vm, inj->pin, 1, err, errlen);
	case PIN_DEASSERT: return irq_line(vm, inj->pin, 0, err, errlen);
	default:
		if (irq_line(vm, inj->pin, 1, err, errlen) < 0)
			return -1;
		return irq_line(vm, inj->pin, 0, err, errlen);
	}
}

static int inject_nmi(struct vm *vm, const struct injection *inj, char *err, size_t errlen)
{
	if (ioctl(vm->vcpu.fd, KVM_NMI, 0) < 0)
		FAIL("KVM_NMI: %s", strerror(errno));
	return 0;
}

static int inject_exception(struct vm *vm, const struct injection *inj, char *err, size_t errlen)
{
	struct vcpu *v = &vm->vcpu;
	struct kvm_vcpu_events e;

	if (inj->pending && !vm->exception_payload)
		FAIL("exception: pending injection needs KVM_CAP_EXCEPTION_PAYLOAD");
	if (v->ops->get_events(v, &e) < 0)
		FAIL("KVM_GET_VCPU_EVENTS: %s", strerror(errno));
	e.flags = 0;
	e.exception.injected = !inj->pending;
	e.exception.pending = inj->pending;
	e.exception.nr = inj->vector;
	e.exception.has_error_code = inj->has_error;
	e.exception.error_code = inj->error_code;
	if (vm->exception_payload) {
		e.flags = KVM_VCPUEVENT_VALID_PAYLOAD;
		e.exception_has_payload = inj->has_cr2 || inj->has_dr6;
		e.exception_payload = inj->has_cr2 ? inj->cr2 : inj->dr6;
	}
	if (!vm->exception_payload && inj->has_cr2)
		return vcpu__inject_exception(v, inj->vector, inj->has_error, inj->error_code, 1, inj->cr2);
	if (v->ops->set_events(v, &e) < 0)
		FAIL("KVM_SET_VCPU_EVENTS exception %u: %s", inj->vector, strerror(errno));
	return 0;
}

int inject__do(struct vm *vm, const struct injection *inj, char *err, size_t errlen)
{
	int r;

	switch (inj->kind) {
	case INJ_MSI: r = inject_msi(vm, inj, err, errlen); break;
	case INJ_PIN: r = inject_pin(vm, inj, err, errlen); break;
	case INJ_NMI: r = inject_nmi(vm, inj, err, errlen); break;
	case INJ_EXCEPTION: r = inject_exception(vm, inj, err, errlen); break;
	case INJ_INIT:
	case INJ_SIPI:
		FAIL("%s: a second vCPU is not supported yet", inject__kind_name(inj->kind));
	case INJ_SPURIOUS:
		if (vm->opts.irqchip != IRQCHIP_USER)
			FAIL("spurious: only the userspace LAPIC (--irqchip=user) can produce the INTA-race vector");
		r = ulapic__spurious(vm, err, errlen);
		break;
	default:
		FAIL("injection kind %d unknown", inj->kind);
	}
	if (r == 0) {
		evlog__add(&vm->log, "inject %s vector %#x pin %u", inject__kind_name(inj->kind),
			   inj->vector, inj->pin);
		if (record__on(vm)) {
			struct itr_record rec = {
				.type = ITR_INJECT, .vector = inj->vector,
				.a = inj->kind | (inj->kind == INJ_PIN ? inj->pin : inj->dest & 0xff) << 8 |
				     (uint32_t)inj->action << 16,
				.b = vm->inject_point, .err = inj->has_error ? inj->error_code : 0xffffffffu,
			};

			record__host(vm, &rec);
		}
	}
	return r;
}
