// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include <stdio.h>
#include "dev/mmio.h"
#include "dev/pio.h"
#include "dev/uioapic.h"
#include "dev/ulapic.h"
#include "lib/clock.h"
#include "record/record.h"
#include "replay/replay.h"
#include "exit.h"

static int handle_hlt(struct vcpu *v)
{
	struct kvm_vcpu_events e;
	struct kvm_regs r;

	if (v->ops->get_regs(v, &r) < 0 || v->ops->get_events(v, &e) < 0) {
		vm__stop(v->vm, VMM_HOST_ERROR, "KVM_GET_REGS or KVM_GET_VCPU_EVENTS failed after HLT");
		return EXIT_STOP;
	}
	/*
	 * An NMI KVM still holds (given at an entry inside sti's shadow, which
	 * KVM may honour for NMIs too) ends HLT, IF or not: it is taken on the
	 * next entry, so the vCPU must not sleep on our LAPIC.
	 */
	if (e.nmi.pending || e.nmi.injected)
		return EXIT_RESUME;
	/*
	 * User irqchip: the run loop sleeps until our LAPIC has something for it;
	 * with IF=0 only an NMI or INIT ends the HLT (SDM, HLT), which another
	 * vCPU or a host step may still send (run.c says when none can).
	 */
	if (v->vm->opts.irqchip == IRQCHIP_USER) {
		v->halted = true;
		v->halted_if0 = !(r.rflags & (1u << 9));
		return EXIT_RESUME;
	}
	/* KVM's LAPIC sleeps in KVM: a HLT that exits here has nothing to wake it. */
	vm__stop(v->vm, VMM_GUEST_DIED, (r.rflags & (1u << 9)) ?
		 "guest halted and no interrupt source is configured to wake it" :
		 "guest halted with interrupts disabled (hlt with IF=0)");
	return EXIT_STOP;
}

static int handle_shutdown(struct vcpu *v)
{
	vm__stop(v->vm, VMM_GUEST_DIED, "triple fault (KVM_EXIT_SHUTDOWN)");
	return EXIT_STOP;
}

static int handle_fail_entry(struct vcpu *v)
{
	static char why[96];

	snprintf(why, sizeof(why), "VM entry failed: hardware reason %#llx",
		 (unsigned long long)v->run->fail_entry.hardware_entry_failure_reason);
	vm__stop(v->vm, VMM_HOST_ERROR, why);
	return EXIT_STOP;
}

static int handle_system_event(struct vcpu *v)
{
	static char why[96];

	snprintf(why, sizeof(why), "system event %u (%s)", v->run->system_event.type,
		 v->run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN ? "shutdown" :
		 v->run->system_event.type == KVM_SYSTEM_EVENT_RESET ? "reset" :
		 v->run->system_event.type == KVM_SYSTEM_EVENT_CRASH ? "crash" : "other");
	vm__stop(v->vm, VMM_GUEST_DIED, why);
	return EXIT_STOP;
}

static int handle_debug(struct vcpu *v)
{
	struct kvm_debug_exit_arch *d = &v->run->debug.arch;

	evlog__add(&v->vm->log, "debug exit: exception %u pc %#llx dr6 %#llx", d->exception,
		   (unsigned long long)d->pc, (unsigned long long)d->dr6);
	return EXIT_RESUME;
}

static int handle_exception(struct vcpu *v)
{
	static char why[96];

	/* Only pre-2.6.3x kernels report guest exceptions this way; never expected. */
	snprintf(why, sizeof(why), "KVM_EXIT_EXCEPTION: exception %u error %#x",
		 v->run->ex.exception, v->run->ex.error_code);
	vm__stop(v->vm, VMM_HOST_ERROR, why);
	return EXIT_STOP;
}

static int handle_irq_window_open(struct vcpu *v)
{
	v->run->request_interrupt_window = 0;
	return EXIT_RESUME;
}

/* Split irqchip: the in-kernel LAPIC EOI'd a level vector routed from our IOAPIC. */
static int handle_ioapic_eoi(struct vcpu *v)
{
	uint8_t vector = (uint8_t)v->run->eoi.vector;

	if (replay__hold_eoi(v, vector)) {
		evlog__add(&v->vm->log, "ioapic eoi exit: vector %#x, held for its recorded place", vector);
		return EXIT_RESUME;	/* replay: made where replay/eoi.c finds its place */
	}
	evlog__add(&v->vm->log, "ioapic eoi exit: vector %#x", vector);
	ioapic__eoi(&v->vm->ioapic, vector, clock__now_ns());
	return EXIT_RESUME;
}

static int handle_msr(struct vcpu *v)
{
	if (v->vm->opts.irqchip == IRQCHIP_USER && ulapic__msr(v, v->run) == 0)
		return EXIT_RESUME;
	/* Unclaimed MSR: error makes KVM inject #GP(0), as hardware would. */
	evlog__add(&v->vm->log, "%s msr %#x: #GP", v->run->exit_reason == KVM_EXIT_X86_RDMSR ?
		   "rdmsr" : "wrmsr", v->run->msr.index);
	v->run->msr.error = 1;
	return EXIT_RESUME;
}

/*
 * No in-kernel LAPIC: VMX and SVM exit here when the guest lowers CR8, so
 * that an interrupt TPR held back can go in. run->cr8 has the new value;
 * ulapic__pre_run takes it into our TPR before it looks for a vector.
 */
static int handle_set_tpr(struct vcpu *v)
{
	return EXIT_RESUME;
}

static int handle_intr(struct vcpu *v)
{
	return EXIT_RESUME;	/* a signal: the run loop looks at why */
}

struct exit_handler {
	const char *name;
	exit_handler_fn fn;
};

static const struct exit_handler exit_handlers[] = {
	[KVM_EXIT_EXCEPTION]	  = { "EXCEPTION", handle_exception },
	[KVM_EXIT_IO]		  = { "IO", handle_io },
	[KVM_EXIT_DEBUG]	  = { "DEBUG", handle_debug },
	[KVM_EXIT_HLT]		  = { "HLT", handle_hlt },
	[KVM_EXIT_MMIO]		  = { "MMIO", handle_mmio },
	[KVM_EXIT_IRQ_WINDOW_OPEN] = { "IRQ_WINDOW_OPEN", handle_irq_window_open },
	[KVM_EXIT_SET_TPR]	  = { "SET_TPR", handle_set_tpr },
	[KVM_EXIT_SHUTDOWN]	  = { "SHUTDOWN", handle_shutdown },
	[KVM_EXIT_FAIL_ENTRY]	  = { "FAIL_ENTRY", handle_fail_entry },
	[KVM_EXIT_INTR]		  = { "INTR", handle_intr },
	[KVM_EXIT_INTERNAL_ERROR] = { "INTERNAL_ERROR", handle_internal_error },
	[KVM_EXIT_SYSTEM_EVENT]	  = { "SYSTEM_EVENT", handle_system_event },
	[KVM_EXIT_IOAPIC_EOI]	  = { "IOAPIC_EOI", handle_ioapic_eoi },
	[KVM_EXIT_X86_RDMSR]	  = { "X86_RDMSR", handle_msr },
	[KVM_EXIT_X86_WRMSR]	  = { "X86_WRMSR", handle_msr },
};

#define NR_EXIT_HANDLERS (sizeof(exit_handlers) / sizeof(exit_handlers[0]))

const char *exit__name(uint32_t reason)
{
	if (reason < NR_EXIT_HANDLERS && exit_handlers[reason].name)
		return exit_handlers[reason].name;
	return "UNKNOWN";
}

void exit__make_due_eois(struct vcpu *v, bool at_exit)
{
	for (int vec; (vec = replay__eoi_due(v, at_exit)) >= 0;)
		ioapic__eoi(&v->vm->ioapic, (uint8_t)vec, clock__now_ns());
}

int exit__dispatch(struct vcpu *v)
{
	uint32_t reason = v->run->exit_reason;
	static char why[64];

	v->nr_exits++;
	if (reason != KVM_EXIT_INTERNAL_ERROR)
		v->storm_count = 0;	/* the guest made progress */
	v->exits_by_reason[reason < 64 ? reason : 63]++;
	if (v->vm->opts.verbose)
		fprintf(stderr, "vmm: exit #%" PRIu64 " %s (%u)\n", v->nr_exits, exit__name(reason),
			reason);
	if (record__on(v->vm)) {
		struct itr_record r = { .type = ITR_EXIT, .vcpu = v->id, .a = reason };

		record__host(v->vm, &r);
	}
	exit__make_due_eois(v, true);	/* held for before this exit's work */
	if (reason < NR_EXIT_HANDLERS && exit_handlers[reason].fn)
		return exit_handlers[reason].fn(v);
	snprintf(why, sizeof(why), "unhandled exit reason %u (%s)", reason, exit__name(reason));
	vm__stop(v->vm, VMM_HOST_ERROR, why);
	return EXIT_STOP;
}
