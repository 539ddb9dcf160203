/* SPDX-License-Identifier: MIT */
/* The guest-to-host call port (IVM_PORT_HCALL), in the spirit of KVM selftests' ucall. */
#ifndef VMM_HCALL_H
#define VMM_HCALL_H

#include <stdint.h>
#include "vm/vm.h"

/* Handle a call whose block the guest placed at @gpa. Returns EXIT_RESUME or EXIT_STOP. */
int hcall__handle(struct vm *vm, uint64_t gpa);

/* IVM_HC_QUIET: what one vCPU's own thread read of it */
struct quiet_view {
	bool halted;		/* KVM_MP_STATE_HALTED (kernel, split); in HLT, not waiting for a SIPI (user) */
	uint64_t rflags, rip;
	uint32_t irr[8], isr[8];	/* KVM_GET_LAPIC's (kernel, split), our model's (user) */
	struct kvm_vcpu_events ev;	/* what KVM holds injected or pending */
	bool queued;		/* the VMM's own for it: exceptions, NMIs, a spurious vector, INIT */
	bool ring_open;		/* after a drain, a slot it reserved is still not published */
	bool irr_held;		/* replay: IRR holds a vector, and it goes in at a later place */
};
/* Pure: the IVM_QUIET_* bits for @q, 0 when it is at a quiet point. */
uint32_t hcall__quiet_judge(const struct quiet_view *q);
/* @v's own thread, the VM lock held: answer a question another vCPU asked of it, if any. */
void hcall__answer_quiet(struct vcpu *v);

/*
 * Replay, @self's own thread, the VM lock held: hold @self while
 * @waits_for(vm, @what) is >= 0 (the vCPU it must wait for, or 0 where no one
 * vCPU is waited for), answering questions about it, at most 10 s. -1: free
 * to go; else what @waits_for last said when the VM stopped or the 10 s ran out.
 */
int hcall__hold_for(struct vcpu *self, int (*waits_for)(const struct vm *vm, const void *what),
		    const void *what);

#endif
