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

/* As trace diff compares them: the arithmetic flags belong to the interrupted code's data. */
#define RFLAGS_CONTROL (0x3fffffu & ~0x8d5u)

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

/*
 * The slots the guest has reserved in its ring so far: the records that come
 * before anything it records next, in the order the trace has them, even when
 * the delivery lands between a record's reservation and its publication.
 */
static uint32_t reserved(const struct vcpu *v)
{
	const struct ivm_guest_page *g = v->ring.gpa ? gmem__ptr(&v->vm->mem, v->ring.gpa, sizeof(*g)) : NULL;

	return g ? __atomic_load_n(&g->ev_reserved, __ATOMIC_ACQUIRE) : 0;
}

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
	count = reserved(v);
	if ((int32_t)(count - (uint32_t)p->count) > 0) {
		snprintf(why, sizeof(why), "replay: cpu %u went past the place of recorded record %" PRIu64
			 " (%s v=%02x after %" PRIu64 " guest ring slots at RIP %#" PRIx64 "): it has made %"
			 PRIu64 " slots and the delivery did not come", v->id, p->seq,
			 p->how == ITR_DELIVER_NMI ? "NMI" : "interrupt", p->vector, p->count, p->rip,
			 (uint64_t)count);
		vm__stop(v->vm, VMM_GUEST_FAILED, why);
		return REPLAY_PAST;
	}
	if (v->ops->get_regs(v, &regs) < 0)
		regs.rip = 0;
	if (count == (uint32_t)p->count && regs.rip == p->rip && regs.rsp == p->rsp &&
	    !((regs.rflags ^ p->rflags) & RFLAGS_CONTROL) &&
	    (p->how != ITR_DELIVER_STOP || (record__drain_rings(v->vm), v->ring.tail == p->published))) {
		if (p->how != how) {
			/* here, but another kind's: its caller acts, or the access exit does; if none
			 * does before KVM_RUN, a step lets the instruction run instead of the breakpoint */
			arm(v, p->rip, regs.rip);
			return REPLAY_NOT_YET;
		}
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
	if (p->how != ITR_DELIVER_TIMER || reserved(v) != (uint32_t)p->count ||
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

	rp->placed += rp->cpu[v->id].p[rp->cpu[v->id].next].how <= ITR_DELIVER_NMI;
	rp->cpu[v->id].next++;
	rp->cpu[v->id].delivered_exit = v->nr_exits + 1;
	/* the next place may come before the next exit: inside the handler this delivery starts */
	arm(v, rp->cpu[v->id].next < rp->cpu[v->id].n ? rp->cpu[v->id].p[rp->cpu[v->id].next].rip : 0, 0);
}
