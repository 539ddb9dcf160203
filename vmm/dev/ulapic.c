// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include "lib/clock.h"
#include "record/record.h"
#include "replay/replay.h"
#include "vm/vcpu.h"
#include "hcall.h"
#include "uioapic.h"
#include "ulapic.h"

#define MSR_APIC_BASE		0x1b
#define MSR_TSC_DEADLINE	0x6e0

/*
 * Hand one message to vCPU @t. LAPIC state changes here, under the VM lock;
 * anything that needs @t's own vCPU ioctls (NMI, INIT/SIPI) is left for its
 * thread, which the kick sends back round its loop.
 */
static void deliver(struct vm *vm, struct vcpu *t, unsigned mode, uint8_t vector, bool level,
		    bool assert)
{
	switch (mode) {
	case LAPIC_DM_FIXED:
	case LAPIC_DM_LOWEST:
		lapic__accept(&t->lapic, vector, level);
		break;
	case LAPIC_DM_NMI:
		t->nr_nmi++;
		break;
	case LAPIC_DM_INIT:
		if (!assert)
			return;	/* INIT level de-assert: nothing on P6 and later (SDM 10.6.1) */
		t->init_pending = true;
		t->sipi_vector = -1;
		break;
	case LAPIC_DM_STARTUP:
		/* only a CPU waiting for SIPI takes one; a second SIPI is ignored (SDM 8.4.4.1) */
		if ((t->wait_sipi || t->init_pending) && t->sipi_vector < 0)
			t->sipi_vector = vector;
		break;
	default:
		evlog__add(&vm->log, "cpu %u: delivery mode %u not modelled: dropped", t->id, mode);
		return;
	}
	vcpu__kick(t);
}

/* Lowest priority: the matching LAPIC with the lowest PPR (KVM and QEMU pick alike). */
static struct vcpu *lowest_priority(struct vm *vm, const bool *match)
{
	struct vcpu *best = NULL;

	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (match[i] && (!best || lapic__ppr(&vm->vcpus[i].lapic) < lapic__ppr(&best->lapic)))
			best = &vm->vcpus[i];
	return best;
}

static void route(struct vm *vm, int source, uint32_t dest, bool logical, unsigned shorthand,
		  unsigned mode, uint8_t vector, bool level, bool assert)
{
	bool match[VMM_MAX_VCPUS] = { 0 };
	unsigned n = 0;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct lapic *l = &vm->vcpus[i].lapic;

		switch (shorthand) {
		case LAPIC_SH_SELF: match[i] = (int)i == source; break;
		case LAPIC_SH_ALL_INCL: match[i] = true; break;
		case LAPIC_SH_ALL_EXCL: match[i] = (int)i != source; break;
		default: match[i] = lapic__match_dest(l, dest, logical); break;
		}
		n += match[i];
	}
	if (!n) {
		evlog__add(&vm->log, "message to %#x (logical %d, shorthand %u, mode %u): no such vCPU",
			   dest, logical, shorthand, mode);
		return;
	}
	if (mode == LAPIC_DM_LOWEST && shorthand == LAPIC_SH_NONE) {
		deliver(vm, lowest_priority(vm, match), mode, vector, level, assert);
		return;
	}
	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if (match[i])
			deliver(vm, &vm->vcpus[i], mode, vector, level, assert);
}

static void send_ipi(void *opaque, const struct lapic_ipi *ipi)
{
	struct vcpu *v = opaque;

	route(v->vm, v->id, ipi->dest, ipi->logical, ipi->shorthand, ipi->delivery_mode, ipi->vector,
	      ipi->level, ipi->assert);
}

static void eoi_broadcast(void *opaque, uint8_t vector)
{
	struct vcpu *v = opaque;

	ioapic__eoi(&v->vm->ioapic, vector, clock__now_ns());
}

/*
 * CR8 and TPR are one register (SDM 10.8.6.1). With no in-kernel LAPIC, KVM
 * keeps the guest's CR8 itself, reports it in run->cr8 at each exit and loads
 * it from there at each entry. run->cr8 always holds the model's TPR[7:4] as
 * the model last changed it (cr8_out), so a run->cr8 that differs is the
 * guest's own MOV to CR8 since, which the model takes (cr8_in) before anyone
 * looks at its TPR or PPR. Taking only a change keeps TPR[3:0] that an MMIO
 * write set while CR8 stayed put.
 */
static void cr8_out(struct vcpu *v)
{
	if (v->run)
		v->run->cr8 = lapic__cr8(&v->lapic);
}

static void cr8_in(struct vcpu *v)
{
	if (v->run && (v->run->cr8 & 0xf) != lapic__cr8(&v->lapic))
		lapic__set_cr8(&v->lapic, (uint8_t)v->run->cr8);
}

/*
 * KVM keeps its own IA32_APIC_BASE even with no in-kernel LAPIC, and derives
 * CPUID.1:EDX.APIC from its EN bit (kvm_update_cpuid_runtime): the model's
 * value goes there (a host-initiated write, which the MSR filter does not
 * see), so a guest that disables its APIC reads APIC = 0 in CPUID, as the
 * SDM says. KVM_SET_CPUID2 could not do it: after the first KVM_RUN KVM
 * refuses any CPUID that differs from the one it has (EINVAL).
 */
static void kvm_apic_base(struct vcpu *v)
{
	union {
		struct kvm_msrs hdr;
		char buf[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
	} m = { .hdr.nmsrs = 1 };

	m.hdr.entries[0].index = MSR_APIC_BASE;
	m.hdr.entries[0].data = v->lapic.apic_base;
	if (ioctl(v->fd, KVM_SET_MSRS, &m) != 1)
		evlog__add(&v->vm->log, "cpu %u: KVM_SET_MSRS apic base %#llx failed: CPUID.1:EDX.APIC "
			   "may not follow it", v->id, (unsigned long long)v->lapic.apic_base);
}

/* What the guest's CPUID says of x2APIC (kvm.c hides it in this mode); no CPUID, no x2APIC. */
static bool cpuid_x2apic(struct vcpu *v)
{
	size_t sz = sizeof(struct kvm_cpuid2) + 256 * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *c = calloc(1, sz);
	bool x2apic = false;

	if (!c)
		return false;
	c->nent = 256;
	if (ioctl(v->fd, KVM_GET_CPUID2, c) == 0)
		for (unsigned i = 0; i < c->nent; i++)
			if (c->entries[i].function == 1)
				x2apic = c->entries[i].ecx & (1u << 21);
	free(c);
	return x2apic;
}

static void event(void *opaque, enum lapic_event ev, uint32_t a, uint32_t b)
{
	struct vcpu *v = opaque;

	if (ev == LAPIC_EV_TPR)
		cr8_out(v);	/* an MMIO write to TPR is a MOV to CR8 too */

	/* an expiry counts when it sets IRR: one that coalesces changes nothing the guest sees;
	 * a masked one (or of an illegal vector) sets nothing, and the next accept is not its */
	if (ev == LAPIC_EV_TIMER)
		v->timer_firing = !(a & LAPIC_LVT_MASKED) && (a & LAPIC_LVT_VECTOR) >= 16;
	else if (v->timer_firing && (ev == LAPIC_EV_ACCEPT || ev == LAPIC_EV_COALESCED ||
				     ev == LAPIC_EV_DROPPED)) {
		v->timer_fires += ev == LAPIC_EV_ACCEPT;
		v->timer_firing = false;
	}

	evlog__add(&v->vm->log, "cpu %u lapic event %d a %#x b %#x", v->id, ev, a, b);
}

void ulapic__accept(struct vm *vm, const struct ioapic_msg *m)
{
	ulapic__msi(vm, m->msi_addr, m->msi_data);
}

/* MSI format (SDM 10.11): address 19:12 destination, bit 2 logical; data 10:8 mode, 15 level. */
void ulapic__msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	route(vm, -1, (addr >> 12) & 0xff, addr & (1u << 2), LAPIC_SH_NONE, (data >> 8) & 7,
	      data & 0xff, data & (1u << 15), true);
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
static uint64_t guest_tsc_offset(struct vcpu *v, uint64_t tsc_hz)
{
	/* a union, not a struct: C11 forbids a flexible-array struct as a non-last member */
	union {
		struct kvm_msrs hdr;
		char buf[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
	} m = { .hdr.nmsrs = 1 };
	uint64_t now = clock__now_ns();

	m.hdr.entries[0].index = 0x10;	/* IA32_TIME_STAMP_COUNTER */
	if (ioctl(v->fd, KVM_GET_MSRS, &m) != 1)
		return 0;
	return m.hdr.entries[0].data - (uint64_t)((unsigned __int128)now * tsc_hz / 1000000000u);
}

int ulapic__init(struct vm *vm, char *err, size_t errlen)
{
	uint64_t tsc_hz = (uint64_t)vcpu__tsc_khz(&vm->vcpus[0]) * 1000;
	/* vCPUs of one VM share the TSC (KVM matches their offsets): one offset for all */
	uint64_t tsc_offset = tsc_hz ? guest_tsc_offset(&vm->vcpus[0], tsc_hz) : 0;

	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		/* EXTD is refused (#GP) unless the guest's CPUID offers x2APIC */
		struct lapic_config cfg = {
			.apic_id = i, .bsp = i == 0, .x2apic = cpuid_x2apic(v), .tsc_hz = tsc_hz,
			.tsc_offset = tsc_offset, .send_ipi = send_ipi, .eoi_broadcast = eoi_broadcast,
			.event = event, .opaque = v,
		};

		lapic__init(&v->lapic, &cfg);
		cr8_out(v);
		v->wait_sipi = i != 0;	/* APs sit in wait-for-SIPI after RESET (SDM 8.4.1) */
	}
	return msr_filter(vm, err, errlen);
}

#define HAND_OVER_SPURIOUS	(-2)	/* replay: the spurious vector owed, whatever came since */

/*
 * INTA, then KVM_INTERRUPT for the next entry: @vector (-1: the LAPIC's
 * highest) goes in, the trace says where.
 */
static void hand_over(struct vcpu *v, int vector)
{
	struct kvm_interrupt irq;

	if (vector >= 0) {
		irq.irq = (uint32_t)lapic__ack_vector(&v->lapic, (uint8_t)vector);
	} else if (v->spurious_pending && (vector == HAND_OVER_SPURIOUS || lapic__pending(&v->lapic) < 0)) {
		/* the INTA race: the CPU took INTR, the LAPIC had nothing left to give;
		 * with a vector deliverable, the INTA would have returned that one */
		v->spurious_pending = false;
		irq.irq = v->lapic.svr & 0xff;
	} else {
		irq.irq = lapic__ack(&v->lapic);	/* INTA: the spurious vector if TPR rose */
	}
	record__deliver(v, (uint8_t)irq.irq, ITR_DELIVER_IRQ);
	if (ioctl(v->fd, KVM_INTERRUPT, &irq) < 0)
		fprintf(stderr, "vmm: cpu %u: KVM_INTERRUPT vector %#x: %s\n", v->id, irq.irq,
			strerror(errno));
}

/*
 * Replay: an interrupt goes in only at the place the recording delivered
 * one, and it must be the one the model has for the CPU there (the LAPIC
 * timer's, if due by then, is made due: time is an input of the replay).
 * False: @v is at its place but the interrupt has not arrived yet.
 */
static bool replay_pre_run(struct vcpu *v)
{
	const struct replay_point *p;
	static char why[200];
	bool higher, spurious;
	int pend;

	v->run->request_interrupt_window = 0;	/* windows are not where deliveries go now */
	if (replay__where(v, ITR_DELIVER_IRQ, &p) != REPLAY_HERE)
		return true;
	switch (replay__msi_wait(v, p)) {
	case REPLAY_HERE:
		break;
	case REPLAY_NOT_YET:
		v->replay_wait = REPLAY_WAIT_MSI;	/* the recording merged a later MSI of it */
		return false;
	default:
		return false;	/* stopped */
	}
	pend = lapic__pending(&v->lapic);
	/* a spurious INTA owed goes in at its own place only: another place waits for its vector */
	spurious = v->spurious_pending && p->vector == (v->lapic.svr & 0xff);
	if (pend < 0 && spurious)
		pend = (int)(v->lapic.svr & 0xff);
	/* only a place of the timer's own vector: another's may wait for an IPI, and a tick
	 * made due there would stand in its way */
	if (pend != p->vector && !lapic__deliverable(&v->lapic, p->vector) && lapic__timer_next(&v->lapic) &&
	    (v->lapic.lvt[LAPIC_LVT_I_TIMER] & LAPIC_LVT_VECTOR) == p->vector) {
		lapic__timer_tick(&v->lapic, lapic__timer_next(&v->lapic));
		pend = lapic__pending(&v->lapic);
	}
	/* a higher vector above it came from another vCPU sooner than in the recording (their
	 * pace is the host's): the recorded one goes in, that one at its own place */
	higher = pend > p->vector && lapic__deliverable(&v->lapic, p->vector);
	if (pend < 0 || (pend < p->vector && !spurious)) {
		v->replay_wait = REPLAY_WAIT_IRQ;
		v->replay_vector = p->vector;
		return false;	/* an IPI or MSI still on its way: wait here for it (a lower one waits) */
	}
	v->halted = false;
	/* a vector that came sooner than in the recording stands in the INTA race's way: its own place */
	if ((pend != p->vector && !higher && !spurious) || !v->run->if_flag) {
		char other[48];

		snprintf(other, sizeof(other), "another vector pending (v=%02x)", (unsigned)pend & 0xff);
		snprintf(why, sizeof(why), "replay: cpu %u at the place of recorded record %llu "
			 "(interrupt v=%02x): the LAPIC has %s", v->id, (unsigned long long)p->seq,
			 p->vector, !v->run->if_flag ? "it but IF=0" : other);
		vm__stop(v->vm, VMM_GUEST_FAILED, why);
		return false;
	}
	replay__delivered(v);
	hand_over(v, higher ? p->vector : spurious ? HAND_OVER_SPURIOUS : -1);
	return true;
}

/*
 * An exception or NMI goes in at the next entry. KVM delivers it first and a
 * KVM_INTERRUPT made now on the entry after, whatever IF is by then: into the
 * handler, with IF=0. The interrupt waits for a window instead. Our own flag
 * first: on PVM, KVM_GET_VCPU_EVENTS does not show an exception just set.
 */
static bool event_goes_in(struct vcpu *v)
{
	struct kvm_vcpu_events e;

	if (v->event_at_entry)
		return true;
	if (v->ops->get_events(v, &e) < 0)
		return false;
	return e.exception.injected || e.exception.pending || e.nmi.injected || e.nmi.pending;
}

/*
 * Before KVM_RUN, on @v's own thread: INIT and SIPI first (they change what
 * runs at all), then the highest deliverable vector or a window request.
 * Returns false while @v waits for a SIPI and must not run.
 */
bool ulapic__pre_run(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	char err[160];

	cr8_in(v);	/* the guest's CR8 as KVM left it at the exit: PPR depends on it */
	if (v->init_pending) {
		v->init_pending = false;
		lapic__init_ipi(&v->lapic);
		cr8_out(v);
		v->wait_sipi = true;
		v->halted = false;
		v->nr_nmi = 0;
		v->spurious_pending = false;
		evlog__add(&v->vm->log, "cpu %u: INIT, waiting for SIPI", v->id);
	}
	if (v->wait_sipi) {
		if (v->sipi_vector < 0)
			return false;
		if (vcpu__sipi_reset(v, v->sipi_vector, err, sizeof(err)) < 0) {
			static char why[200];

			snprintf(why, sizeof(why), "cpu %u: %s", v->id, err);
			vm__stop(v->vm, VMM_HOST_ERROR, why);
			return false;
		}
		evlog__add(&v->vm->log, "cpu %u: SIPI vector %#x", v->id, v->sipi_vector);
		v->wait_sipi = false;
		v->sipi_vector = -1;
	}
	if (v->vm->replay && v->vm->replay->place_irqs)
		return replay_pre_run(v);	/* its timer fires where the recording says */
	lapic__timer_tick(&v->lapic, clock__now_ns());
	v->tpr_held = false;
	if (lapic__pending(&v->lapic) < 0 && !v->spurious_pending) {
		run->request_interrupt_window = 0;
		v->tpr_held = lapic__held_by_tpr(&v->lapic);
		return true;
	}
	if (v->halted && v->halted_if0)
		return true;	/* an interrupt does not end a HLT run with IF=0: it sleeps on */
	v->halted = false;	/* HLT ends on INTR (the vCPU halted with IF=1) */
	if (!run->ready_for_interrupt_injection || !run->if_flag) {
		run->request_interrupt_window = 1;	/* IF=0 or an STI/MOV SS shadow */
		return true;
	}
	if (event_goes_in(v)) {
		run->request_interrupt_window = 1;	/* after that event's delivery, if IF is 1 then */
		return true;
	}
	if (run->request_interrupt_window && v->kicked)
		v->vm->nr_window_polled++;	/* the window was found by our poll, not reported by KVM */
	run->request_interrupt_window = 0;
	hand_over(v, -1);
	return true;
}

/*
 * Time as an input: before the guest touches its LAPIC, the trace says how
 * many times the timer has fired by then (if that changed); a replay makes it
 * fire that many times here instead of by the host clock.
 */
void ulapic__timer_input(struct vcpu *v)
{
	static char why[200];
	uint32_t want;

	cr8_in(v);	/* a TPR or PPR read sees the guest's last MOV to CR8 */
	if (!v->vm->replay || !v->vm->replay->place_irqs) {
		if (v->timer_fires != v->timer_fires_told)
			record__timer(v, v->timer_fires);
		v->timer_fires_told = v->timer_fires;
		return;
	}
	if (replay__timer(v, &want) != REPLAY_HERE)
		return;
	/* bounded: an expiry into a vector still in IRR coalesces and counts for nothing */
	for (unsigned i = 0; i < 64 && (int32_t)(want - v->timer_fires) > 0 && lapic__timer_next(&v->lapic); i++)
		lapic__timer_tick(&v->lapic, lapic__timer_next(&v->lapic));
	if (v->timer_fires != want) {
		snprintf(why, sizeof(why), "replay: cpu %u: the recorded LAPIC timer had fired %u times "
			 "here, this one %u and it can't fire again", v->id, want, v->timer_fires);
		vm__stop(v->vm, VMM_GUEST_FAILED, why);
	}
	record__timer(v, v->timer_fires);
}

static int ipi_waits_for(const struct vm *vm, const void *ipi)
{
	return replay__ipi_waits_for(vm, ipi);
}

void ulapic__before_icr(struct vcpu *v, uint32_t icr_low)
{
	const struct replay_ipi *ipi;
	static char why[320];
	uint32_t dest;
	int x;

	if (!v->vm->replay || (icr_low >> LAPIC_LVT_DM_SHIFT & 7) != LAPIC_DM_FIXED ||
	    (icr_low & LAPIC_ICR_LOGICAL) || (icr_low >> LAPIC_ICR_SH_SHIFT & 3) != LAPIC_SH_NONE)
		return;
	dest = lapic__read(&v->lapic, LAPIC_ICR_HI, clock__now_ns()) >> 24;
	ipi = replay__ipi_sent(v->vm, v->id, icr_low & 0xff, dest);
	if (!ipi || replay__ipi_waits_for(v->vm, ipi) < 0)
		return;
	v->vm->replay->ipi_waited++;
	if ((x = hcall__hold_for(v, ipi_waits_for, ipi)) < 0 || v->vm->done)
		return;
	snprintf(why, sizeof(why), "replay: cpu %u's IPI v=%02x to cpu %d (record %llu): when the "
		 "recording sent it, cpu %d had taken more of that vector than it has here after 10 s",
		 v->id, ipi->vector, x, (unsigned long long)ipi->seq, x);
	vm__stop_now(v->vm, VMM_GUEST_FAILED, why);
}

int ulapic__msr(struct vcpu *v, struct kvm_run *run)
{
	uint32_t idx = run->msr.index;
	uint64_t now = clock__now_ns(), val;

	if (idx != MSR_APIC_BASE && idx != MSR_TSC_DEADLINE)
		return -1;
	ulapic__timer_input(v);
	if (run->exit_reason == KVM_EXIT_X86_RDMSR) {
		run->msr.error = lapic__rdmsr(&v->lapic, idx, &val, now) < 0;
		run->msr.data = run->msr.error ? 0 : val;
	} else {
		run->msr.error = lapic__wrmsr(&v->lapic, idx, run->msr.data, now) < 0;
		if (idx == MSR_APIC_BASE && !run->msr.error) {
			cr8_out(v);	/* a disable resets TPR */
			kvm_apic_base(v);
		}
	}
	return 0;
}

/*
 * A spurious vector only exists at INTA, which needs IF=1: queue it for the
 * next interrupt window like any interrupt. (KVM_INTERRUPT itself does not
 * check IF without an in-kernel irqchip; that check is the VMM's.)
 */
void ulapic__spurious(struct vcpu *v)
{
	v->spurious_pending = true;
	vcpu__kick(v);
}
