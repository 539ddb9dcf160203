// SPDX-License-Identifier: MIT
/*
 * Split irqchip: each level EOI reaches the VMM's IOAPIC where the recording's
 * did. KVM reports one (KVM_EXIT_IOAPIC_EOI) at the vCPU's entry after its
 * next return to the VMM, and on PVM makes it at acceptance (PVM-4): a
 * replay's own stop at a placed handler is such a return, so the report comes
 * sooner than recorded, and the IOAPIC would send a level vector again before
 * the handler dropped its line. Each report is held until the vCPU stands
 * where the recording's EOI exit came: that EXIT's RIP, the vCPU's ring slots
 * and IRR questions there.
 */
#include <inttypes.h>
#include "model/evring.h"
#include "replay.h"

bool replay__hold_eoi(struct vcpu *v, uint8_t vector)
{
	struct replay *rp = v->vm->replay;
	struct replay_cpu *c;

	if (!rp || !rp->give_eois)
		return false;
	c = &rp->cpu[v->id];
	if (c->nheld == sizeof(c->held))
		return false;	/* can't be: each pin's remote IRR holds it until its EOI is made */
	c->held[c->nheld++] = vector;
	return true;
}

/* The first held EOI leaves the queue: its vector */
static int take(struct replay_cpu *c)
{
	int vector = c->held[0];

	c->nheld--;
	for (unsigned i = 0; i < c->nheld; i++)
		c->held[i] = c->held[i + 1];
	return vector;
}

/*
 * After an exit KVM completes at the next entry (an IN, an MMIO read), RIP still
 * names the instruction: the recording's EOI exit, at that entry, had it past it
 */
static bool completes_to(const struct vcpu *v, uint64_t rip, uint64_t want)
{
	const struct kvm_run *run = v->run;
	bool reads = (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_IN) ||
		     (run->exit_reason == KVM_EXIT_MMIO && !run->mmio.is_write);

	return reads && want > rip && want - rip <= 15;
}

/* @v stands at its next point's place, which the recording reached after @e */
static bool waits_after(const struct vcpu *v, const struct replay_eoi *e, uint32_t count, uint64_t rip)
{
	const struct replay_point *p = replay__next(v);

	return p && (uint32_t)p->count == count && p->rip == rip && p->seq > e->seq;
}

/* The recording's next exit of @v's own after @e: this one (before its work) */
static bool next_exit(struct vcpu *v, const struct replay_eoi *e, uint32_t count, uint32_t irrs)
{
	struct kvm_regs regs;

	if (e->next_reason != v->run->exit_reason || (uint32_t)e->next_count != count ||
	    e->next_irrs != irrs)
		return false;
	/* the EXIT records' RIP: the registers KVM gave back at this exit (record.c) */
	if (v->run->kvm_valid_regs & KVM_SYNC_X86_REGS)
		return e->next_rip == v->run->s.regs.regs.rip;
	return v->ops->get_regs(v, &regs) == 0 && e->next_rip == regs.rip;
}

int replay__eoi_due(struct vcpu *v, bool at_exit)
{
	struct replay *rp = v->vm->replay;
	struct replay_cpu *c;
	const struct replay_eoi *e;
	struct kvm_regs regs;
	uint32_t count, irrs;
	int32_t d;

	if (!rp || !rp->give_eois || !rp->cpu[v->id].nheld)
		return -1;
	c = &rp->cpu[v->id];
	if (c->next_eoi >= c->neois || !c->eois[c->next_eoi].rip) {
		c->next_eoi += c->next_eoi < c->neois;
		rp->eois_live++;
		evlog__add(&v->vm->log, "replay: cpu %u: a level EOI the recording had no place for", v->id);
		return take(c);
	}
	e = &c->eois[c->next_eoi];
	count = evring__reserved(&v->ring, &v->vm->mem);
	irrs = replay__irrs_at(v, count);
	d = (int32_t)(count - (uint32_t)e->count);
	if (at_exit && next_exit(v, e, count, irrs)) {
		c->next_eoi++;
		rp->eois_placed++;	/* no guest instruction in between could tell */
		return take(c);
	}
	if (d < 0 || (d == 0 && irrs < e->irrs))
		return -1;	/* not there yet */
	if (d == 0 && irrs == e->irrs) {
		/* at an exit, RIP may be its own place, the EOI due after the exit's work */
		if (at_exit || v->ops->get_regs(v, &regs) < 0)
			return -1;
		if (regs.rip == e->rip || completes_to(v, regs.rip, e->rip)) {
			c->next_eoi++;
			rp->eois_placed++;
			return take(c);
		}
		if (!waits_after(v, e, count, regs.rip))
			return -1;	/* at its ring slot count, not at its instruction yet */
	}
	c->next_eoi++;
	rp->eois_late++;
	evlog__add(&v->vm->log, "replay: cpu %u: the level EOI of recorded record %" PRIu64 " (RIP %#"
		   PRIx64 " after %" PRIu64 " guest ring slots) is made now: the vCPU went past its place",
		   v->id, e->seq, e->rip, e->count);
	return take(c);
}
