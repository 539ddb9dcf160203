// SPDX-License-Identifier: MIT
/*
 * Placing each delivery where the recording made it. The place is the
 * vCPU's count of guest records plus the registers KVM reported then (RIP,
 * RSP, RFLAGS' control bits): with no instruction counter on the host (no
 * PMU under PVM), a hardware breakpoint at the recorded RIP stops the guest
 * there, and the count and registers pick the right pass through a loop.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include "record/record.h"
#include "replay.h"


/*
 * DR0 on @rip (0: none), through KVM's guest debugging. A vCPU sitting on the
 * breakpoint (@at: its RIP is @rip) steps one instruction first instead: the
 * breakpoint would fire again at once, as nothing sets RF for us.
 */
static void arm(struct vcpu *v, uint64_t rip, uint64_t at)
{
	struct replay *rp = v->vm->replay;
	struct kvm_guest_debug dbg = { 0 };
	uint64_t want = rip && at == rip ? ~0ull : rip;	/* ~0: single-step */

	if (rp->cpu[v->id].armed_rip == want)
		return;
	if (want == ~0ull) {
		dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
	} else if (want) {
		dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
		dbg.arch.debugreg[0] = rip;
		dbg.arch.debugreg[7] = 0x1;	/* L0: execute, one byte */
	}
	if (ioctl(v->fd, KVM_SET_GUEST_DEBUG, &dbg) < 0)
		fprintf(stderr, "vmm: replay: cpu %u: KVM_SET_GUEST_DEBUG: %s\n", v->id, strerror(errno));
	rp->cpu[v->id].armed_rip = want;
}

static const char *const how_names[] = {
	[ITR_DELIVER_IRQ] = "interrupt", [ITR_DELIVER_NMI] = "NMI", [ITR_DELIVER_STOP] = "stop place",
	[ITR_DELIVER_TIMER] = "timer count", [ITR_DELIVER_STEP] = "delay step",
};

enum replay_where replay__where(struct vcpu *v, enum itr_deliver_how how,
				const struct replay_point **pt)
{
	struct replay *rp = v->vm->replay;
	const struct replay_point *p;
	struct kvm_regs regs;
	uint32_t count;
	static char why[320];

	if (rp->cpu[v->id].next >= rp->cpu[v->id].n) {
		arm(v, 0, 0);
		return REPLAY_NONE;
	}
	p = &rp->cpu[v->id].p[rp->cpu[v->id].next];
	count = evring__reserved(&v->ring, &v->vm->mem);
	if ((int32_t)(count - (uint32_t)p->count) > 0) {
		snprintf(why, sizeof(why), "replay: cpu %u went past the place of recorded record %" PRIu64
			 " (%s v=%02x after %" PRIu64 " guest ring slots at RIP %#" PRIx64 "): it has made %"
			 PRIu64 " slots and the delivery did not come", v->id, p->seq,
			 how_names[p->how], p->vector, p->count, p->rip,
			 (uint64_t)count);
		vm__stop(v->vm, VMM_GUEST_FAILED, why);
		return REPLAY_PAST;
	}
	/* another kind's place: its own caller looks (a timer count: the LAPIC access exit) */
	if (p->how != how)
		return REPLAY_NOT_YET;
	if (v->ops->get_regs(v, &regs) < 0)
		regs.rip = 0;
	if (count == (uint32_t)p->count && regs.rip == p->rip && regs.rsp == p->rsp &&
	    !((regs.rflags ^ p->rflags) & ITR_RFLAGS_CONTROL) &&
	    (p->how != ITR_DELIVER_STOP || (record__drain_rings(v->vm), v->ring.tail == p->published))) {
		arm(v, 0, 0);	/* a single-step's TF must not reach the frame it pushes */
		*pt = p;
		return REPLAY_HERE;
	}
	/* just delivered at this exit: the event goes first, so a breakpoint here fires after it */
	arm(v, p->rip, rp->cpu[v->id].delivered_exit == v->nr_exits + 1 ? 0 : regs.rip);
	return REPLAY_NOT_YET;
}

enum replay_where replay__timer(struct vcpu *v, uint32_t *fires)
{
	struct replay *rp = v->vm->replay;
	const struct replay_point *p;
	struct kvm_regs regs;

	if (rp->cpu[v->id].next >= rp->cpu[v->id].n)
		return REPLAY_NONE;
	p = &rp->cpu[v->id].p[rp->cpu[v->id].next];
	if (p->how != ITR_DELIVER_TIMER || evring__reserved(&v->ring, &v->vm->mem) != (uint32_t)p->count ||
	    v->ops->get_regs(v, &regs) < 0 || regs.rip != p->rip)
		return REPLAY_NOT_YET;
	*fires = p->published;	/* the count, in the record's err */
	rp->cpu[v->id].next++;
	return REPLAY_HERE;
}

void replay__stopped(struct vcpu *v)
{
	struct replay *rp = v->vm->replay;

	arm(v, 0, 0);
	if (!rp->cpu[v->id].stopped)
		rp->stopped++;
	rp->cpu[v->id].stopped = true;
}

void replay__delivered(struct vcpu *v)
{
	struct replay *rp = v->vm->replay;
	const struct replay_point *p;

	rp->placed += rp->cpu[v->id].p[rp->cpu[v->id].next].how <= ITR_DELIVER_NMI;
	rp->cpu[v->id].next++;
	rp->cpu[v->id].delivered_exit = v->nr_exits + 1;
	/* the next place may come before the next exit: inside the handler this delivery starts
	 * (a timer count needs no breakpoint: its LAPIC access exits anyway) */
	p = rp->cpu[v->id].next < rp->cpu[v->id].n ? &rp->cpu[v->id].p[rp->cpu[v->id].next] : NULL;
	arm(v, p && p->how != ITR_DELIVER_TIMER ? p->rip : 0, 0);
}
