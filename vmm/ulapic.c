// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "exit.h"
#include "uioapic.h"
#include "ulapic.h"

#define MSR_APIC_BASE		0x1b
#define MSR_TSC_DEADLINE	0x6e0

static void send_ipi(void *opaque, const struct lapic_ipi *ipi)
{
	struct vm *vm = opaque;

	/* one vCPU: only IPIs that include ourselves land anywhere */
	if (ipi->shorthand == LAPIC_SH_ALL_INCL ||
	    (ipi->shorthand == LAPIC_SH_NONE && !ipi->logical && ipi->dest == vm->lapic.apic_id)) {
		if (ipi->delivery_mode == LAPIC_DM_NMI)
			ioctl(vm->vcpu.fd, KVM_NMI, 0);
		else if (ipi->delivery_mode == LAPIC_DM_FIXED || ipi->delivery_mode == LAPIC_DM_LOWEST)
			lapic__accept(&vm->lapic, ipi->vector, ipi->level);
		return;
	}
	evlog__add(&vm->log, "ipi to %#x (shorthand %u, mode %u): no such vCPU", ipi->dest,
		   ipi->shorthand, ipi->delivery_mode);
}

static void eoi_broadcast(void *opaque, uint8_t vector)
{
	struct vm *vm = opaque;

	ioapic__eoi(&vm->ioapic, vector, uioapic__now_ns());
}

static void event(void *opaque, enum lapic_event ev, uint32_t a, uint32_t b)
{
	struct vm *vm = opaque;

	evlog__add(&vm->log, "lapic event %d a %#x b %#x", ev, a, b);
}

void vm__lapic_accept(struct vm *vm, const struct ioapic_msg *m)
{
	ulapic__msi(vm, m->msi_addr, m->msi_data);
}

void ulapic__msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	uint32_t dest = (addr >> 12) & 0xff;
	unsigned mode = (data >> 8) & 7;
	bool level = data & (1u << 15);

	if (dest != 0xff && dest != (vm->lapic.apic_id & 0xff)) {
		evlog__add(&vm->log, "msi to APIC %#x: no such vCPU", dest);
		return;
	}
	if (mode == LAPIC_DM_NMI)
		ioctl(vm->vcpu.fd, KVM_NMI, 0);
	else
		lapic__accept(&vm->lapic, data & 0xff, level);
}

/*
 * Route the APIC base and TSC-deadline MSRs to us: a zero bitmap denies, so
 * KVM exits. x2APIC MSRs can't be routed (KVM exempts them from filters), so
 * kvm.c hides x2APIC from CPUID in this mode and the guest uses xAPIC MMIO.
 */
static int msr_filter(struct vm *vm, char *err, size_t errlen)
{
	static uint8_t deny[1];
	struct kvm_enable_cap cap = { .cap = KVM_CAP_X86_USER_SPACE_MSR,
				      .args = { KVM_MSR_EXIT_REASON_FILTER | KVM_MSR_EXIT_REASON_UNKNOWN } };
	struct kvm_msr_filter f = { .flags = KVM_MSR_FILTER_DEFAULT_ALLOW };

	f.ranges[0] = (struct kvm_msr_filter_range){ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
		.nmsrs = 1, .base = MSR_APIC_BASE, .bitmap = deny };
	f.ranges[1] = (struct kvm_msr_filter_range){ .flags = KVM_MSR_FILTER_READ | KVM_MSR_FILTER_WRITE,
		.nmsrs = 1, .base = MSR_TSC_DEADLINE, .bitmap = deny };
	if (ioctl(vm->vm_fd, KVM_ENABLE_CAP, &cap) < 0) {
		snprintf(err, errlen, "KVM_CAP_X86_USER_SPACE_MSR: %s", strerror(errno));
		return -1;
	}
	if (ioctl(vm->vm_fd, KVM_X86_SET_MSR_FILTER, &f) < 0) {
		snprintf(err, errlen, "KVM_X86_SET_MSR_FILTER: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Guest TSC at now_ns == 0, so the model's TSC-deadline timer matches the guest's clock. */
static uint64_t guest_tsc_offset(struct vm *vm, uint64_t tsc_hz)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e;
	} m = { .hdr.nmsrs = 1, .e.index = 0x10 };	/* IA32_TIME_STAMP_COUNTER */
	uint64_t now = uioapic__now_ns();

	if (ioctl(vm->vcpu.fd, KVM_GET_MSRS, &m) != 1)
		return 0;
	return m.e.data - (uint64_t)((unsigned __int128)now * tsc_hz / 1000000000u);
}

int ulapic__init(struct vm *vm, char *err, size_t errlen)
{
	int khz = ioctl(vm->vcpu.fd, KVM_GET_TSC_KHZ, 0);
	uint64_t tsc_hz = khz > 0 ? (uint64_t)khz * 1000 : 0;
	struct lapic_config cfg = {
		.apic_id = 0, .bsp = true, .x2apic = true, .tsc_hz = tsc_hz,
		.tsc_offset = tsc_hz ? guest_tsc_offset(vm, tsc_hz) : 0,
		.send_ipi = send_ipi, .eoi_broadcast = eoi_broadcast, .event = event, .opaque = vm,
	};

	lapic__init(&vm->lapic, &cfg);
	return msr_filter(vm, err, errlen);
}

void ulapic__pre_run(struct vm *vm)
{
	struct kvm_run *run = vm->vcpu.run;
	struct kvm_interrupt irq;

	lapic__timer_tick(&vm->lapic, uioapic__now_ns());
	if (lapic__pending(&vm->lapic) < 0 && !vm->spurious_pending) {
		run->request_interrupt_window = 0;
		return;
	}
	if (!run->ready_for_interrupt_injection || !run->if_flag) {
		run->request_interrupt_window = 1;	/* IF=0 or an STI/MOV SS shadow */
		return;
	}
	if (run->request_interrupt_window && vm->kicked)
		vm->nr_window_polled++;	/* the window was found by our poll, not reported by KVM */
	if (vm->spurious_pending) {
		/* the INTA race: the CPU took INTR, the LAPIC had nothing left to give */
		vm->spurious_pending = false;
		irq.irq = vm->lapic.svr & 0xff;
	} else {
		irq.irq = lapic__ack(&vm->lapic);	/* INTA: the spurious vector if TPR rose */
	}
	run->request_interrupt_window = 0;
	if (ioctl(vm->vcpu.fd, KVM_INTERRUPT, &irq) < 0)
		fprintf(stderr, "vmm: KVM_INTERRUPT vector %#x: %s\n", irq.irq, strerror(errno));
}

int ulapic__msr(struct vm *vm, struct kvm_run *run)
{
	uint32_t idx = run->msr.index;
	uint64_t now = uioapic__now_ns(), val;

	if (idx != MSR_APIC_BASE && idx != MSR_TSC_DEADLINE)
		return -1;
	if (run->exit_reason == KVM_EXIT_X86_RDMSR) {
		run->msr.error = lapic__rdmsr(&vm->lapic, idx, &val, now) < 0;
		run->msr.data = run->msr.error ? 0 : val;
	} else {
		run->msr.error = lapic__wrmsr(&vm->lapic, idx, run->msr.data, now) < 0;
	}
	return 0;
}

/*
 * A spurious vector only exists at INTA, which needs IF=1: queue it for the
 * next interrupt window like any interrupt. (KVM_INTERRUPT itself does not
 * check IF without an in-kernel irqchip; that check is the VMM's.)
 */
int ulapic__spurious(struct vm *vm, char *err, size_t errlen)
{
	vm->spurious_pending = true;
	return 0;
}
