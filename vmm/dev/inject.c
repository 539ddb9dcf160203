// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include "record/record.h"
#include "replay/replay.h"
#include "vm/vcpu.h"
#include "inject.h"
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

/*
 * INIT and SIPI as the messages an ICR write would send (delivery mode 5
 * and 6, edge, physical APIC ID = vCPU index): the in-kernel LAPIC and ours
 * take them the same way, so the AP's state machine is the host's own.
 */
static int inject_init_sipi(struct vm *vm, const struct injection *inj, char *err, size_t errlen)
{
	struct injection msg = *inj;

	msg.kind = INJ_MSI;
	msg.delivery = inj->kind == INJ_INIT ? LAPIC_DM_INIT : LAPIC_DM_STARTUP;
	msg.vector = inj->kind == INJ_INIT ? 0 : inj->vector;
	msg.level = false;
	return inject_msi(vm, &msg, err, errlen);
}

static int inject_exception(struct vcpu *v, const struct injection *inj, char *err, size_t errlen)
{
	struct vm *vm = v->vm;
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
		e.exception_has_payload = inj->pending && (inj->has_cr2 || inj->has_dr6);
		e.exception_payload = inj->has_cr2 ? inj->cr2 : inj->dr6;
	}
	if (!inj->pending && vcpu__apply_payload(v, inj->has_cr2 ? &inj->cr2 : NULL,
						 inj->has_dr6 ? &inj->dr6 : NULL) < 0)
		FAIL("exception %u: its CR2/DR6 payload: %s", inj->vector, strerror(errno));
	if (v->ops->set_events(v, &e) < 0)
		FAIL("KVM_SET_VCPU_EVENTS exception %u: %s", inj->vector, strerror(errno));
	return 0;
}

/* The INJECT record: every parameter, so that a replay can make the same injection */
static void record_injection(struct vm *vm, const struct injection *inj, const struct vcpu *t,
			     const struct vcpu *self)
{
	struct itr_record rec = {
		.type = ITR_INJECT, .vector = inj->vector,
		.a = inj->kind | (inj->kind == INJ_PIN ? inj->pin : inj->dest & 0xff) << 8 |
		     (uint32_t)inj->action << 16,
		.b = vm->inject_point, .err = inj->has_error ? inj->error_code : 0xffffffffu,
		.rsp = inj->dest | (uint64_t)(inj->delivery & 7) << 32 |
		       (inj->level ? ITR_INJ_LEVEL : 0) | (inj->has_cr2 ? ITR_INJ_HAS_CR2 : 0) |
		       (inj->has_dr6 ? ITR_INJ_HAS_DR6 : 0) | (inj->pending ? ITR_INJ_PENDING : 0) |
		       (inj->by_guest ? ITR_INJ_BY_GUEST : 0),
		.rip = inj->has_cr2 ? inj->cr2 : inj->has_dr6 ? inj->dr6 : 0,
	};

	evlog__add(&vm->log, "inject %s vector %#x pin %u", inject__kind_name(inj->kind), inj->vector,
		   inj->pin);
	if (!record__on(vm))
		return;
	rec.vcpu = t ? t->id : self ? self->id : 0;
	record__host(vm, &rec);
}

int inject__do(struct vm *vm, const struct injection *inj, char *err, size_t errlen)
{
	struct vcpu *t = NULL, *self = vcpu__current();
	bool immediate;
	int r;

	if (inj->kind != INJ_MSI && inj->kind != INJ_PIN) {
		if (inj->dest >= vm->nr_vcpus)
			FAIL("%s: vCPU %u does not exist (%u vCPUs)", inject__kind_name(inj->kind),
			     inj->dest, vm->nr_vcpus);
		t = &vm->vcpus[inj->dest];
	}
	if (inj->kind == INJ_EXCEPTION && t != self) {
		/* KVM_SET_VCPU_EVENTS on another vCPU would wait for its KVM_RUN: hand it over */
		if (t->nreq == VCPU_REQ_MAX)
			FAIL("%s: vCPU %u has %u injections queued already", inject__kind_name(inj->kind),
			     t->id, VCPU_REQ_MAX);
		t->req[t->nreq++] = (struct vcpu_req){ .inj = inj, .point = vm->inject_point };
		vcpu__kick(t);
		return 0;
	}
	/*
	 * An MSI or a pin line reaches another vCPU's LAPIC at once (in-kernel
	 * irqchip), and that vCPU may take it and record its ENTRY before this
	 * thread writes anything more: the record goes first. One that fails
	 * stops the run, and END says why.
	 */
	immediate = inj->kind == INJ_MSI || inj->kind == INJ_PIN;
	if (immediate)
		record_injection(vm, inj, t, self);
	switch (inj->kind) {
	case INJ_MSI:
		r = inject_msi(vm, inj, err, errlen);
		if (r == 0)
			replay__msi_made(vm, inj);	/* a place of a merged one may wait for it */
		break;
	case INJ_PIN: r = inject_pin(vm, inj, err, errlen); break;
	case INJ_NMI:
		/* the vCPU's own thread issues KVM_NMI before its next entry, as for an NMI IPI */
		t->nr_nmi++;
		vcpu__kick(t);
		r = 0;
		break;
	case INJ_EXCEPTION:
		t->halted = false;
		r = inject_exception(t, inj, err, errlen);
		break;
	case INJ_INIT:
	case INJ_SIPI: r = inject_init_sipi(vm, inj, err, errlen); break;
	case INJ_SPURIOUS:
		if (vm->opts.irqchip != IRQCHIP_USER)
			FAIL("spurious: only the userspace LAPIC (--irqchip=user) can produce the INTA-race vector");
		ulapic__spurious(t);
		replay__msi_made(vm, inj);	/* one owed at a time: a place of merged ones may wait */
		r = 0;
		break;
	default:
		FAIL("injection kind %d unknown", inj->kind);
	}
	if (r == 0 && !immediate)
		record_injection(vm, inj, t, self);
	return r;
}

void inject__run_queued(struct vcpu *v)
{
	static char why[256];
	char err[200];

	for (unsigned i = 0; i < v->nreq && !v->vm->done; i++) {
		v->vm->inject_point = v->req[i].point;
		if (inject__do(v->vm, v->req[i].inj, err, sizeof(err)) < 0) {
			snprintf(why, sizeof(why), "scenario injection (config line %u) on vCPU %u: %s",
				 v->req[i].inj->line, v->id, err);
			vm__stop(v->vm, VMM_GUEST_FAILED, why);
		}
	}
	v->nreq = 0;
}
