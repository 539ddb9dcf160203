// SPDX-License-Identifier: MIT
/*
 * The guest's reads of LAPIC registers the host's timing sets (IRR), given
 * back as recorded (rr emulates RDTSC the same way). Under the kernel and
 * split irqchips such a read makes no exit to the VMM: what KVM's LAPIC held
 * then was decided by the host clock, and the guest branches on it. The guest
 * makes each with one of two instructions and records the value and the
 * instruction's address (ITR_READ, trace version 7); a breakpoint there (DR3)
 * stops the vCPU before it, and the VMM makes the read instead: the recorded
 * value in EAX (and EDX = 0, as RDMSR leaves it), RIP past the instruction.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include "lib/gmem.h"
#include "model/evring.h"
#include "vm/lapic_state.h"
#include "replay.h"

#define X2APIC_MSR_BASE	0x800u

uint64_t replay__read_rip(const struct vcpu *v)
{
	const struct replay *rp = v->vm->replay;

	return rp->give_reads && rp->cpu[v->id].next_read < rp->cpu[v->id].nreads ?
	       rp->cpu[v->id].reads[rp->cpu[v->id].next_read].rip : 0;
}

/* The two bytes at @gva, -1 when they can't be read (unmapped, or across a page) */
static int insn_word(struct vcpu *v, uint64_t gva)
{
	struct kvm_translation tr = { .linear_address = gva };
	const uint8_t *g;

	if ((gva & 0xfff) == 0xfff || ioctl(v->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid ||
	    !(g = gmem__ptr(&v->vm->mem, tr.physical_address, 2)))
		return -1;
	return g[0] << 8 | g[1];
}

/* Whether @regs' RIP is a read of @reg: MOV (%rdi),%eax at its xAPIC offset, or RDMSR of its MSR */
static bool reads_reg(struct vcpu *v, const struct kvm_regs *regs, uint8_t reg)
{
	int w = insn_word(v, regs->rip);

	return (w == 0x8b07 && (regs->rdi & 0xfff) == (uint64_t)reg << 4) ||
	       (w == 0x0f32 && (uint32_t)regs->rcx == X2APIC_MSR_BASE + reg);
}

/* What KVM's LAPIC holds in @reg now (for the log: whether the recorded value mattered); -1: unknown */
static int64_t live_value(struct vcpu *v, uint8_t reg)
{
	struct kvm_lapic_state s;

	if ((size_t)reg * 16 + 4 > sizeof(s.regs) || ioctl(v->fd, KVM_GET_LAPIC, &s) < 0)
		return -1;
	return lapic_state__get(&s, (unsigned)reg * 16);
}

static enum replay_where diverged(struct vcpu *v, const struct replay_read *r, uint32_t count,
				  const char *what)
{
	static char why[320];

	snprintf(why, sizeof(why), "replay: cpu %u stands at the LAPIC read of recorded record %" PRIu64
		 " (register %#x at RIP %#" PRIx64 " after %" PRIu64 " guest ring slots) after %" PRIu32
		 " slots%s", v->id, r->seq, (unsigned)r->reg << 4, r->rip, r->count, count, what);
	vm__stop_now(v->vm, VMM_GUEST_FAILED, why);
	return REPLAY_PAST;
}

enum replay_where replay__read(struct vcpu *v)
{
	struct replay *rp = v->vm->replay;
	const struct replay_read *r;
	struct kvm_regs regs;
	uint32_t count;
	int64_t live;

	if (!rp->give_reads)
		return REPLAY_NONE;
	/* something goes in at this entry: its handler runs before the instruction at RIP */
	if (rp->cpu[v->id].delivered_exit == v->nr_exits + 1)
		return REPLAY_NOT_YET;
	if (rp->cpu[v->id].next_read >= rp->cpu[v->id].nreads)
		return REPLAY_NOT_YET;	/* one more read is the guest's own: the diff shows its record */
	r = &rp->cpu[v->id].reads[rp->cpu[v->id].next_read];
	/* only a breakpoint or a step stops it there (the instruction before it makes no exit):
	 * no KVM_GET_REGS on every other entry */
	if (v->run->exit_reason != KVM_EXIT_DEBUG || v->ops->get_regs(v, &regs) < 0 || regs.rip != r->rip) {
		replay__rearm(v);	/* DR3 on it, whatever else is armed */
		return REPLAY_NOT_YET;
	}
	count = evring__reserved(&v->ring, &v->vm->mem);
	if (count != (uint32_t)r->count)
		return diverged(v, r, count, ": the guest went another way");
	if (!reads_reg(v, &regs, r->reg))
		return diverged(v, r, count, ", but the instruction there is not that read");
	live = live_value(v, r->reg);
	regs.rax = r->value;
	if (insn_word(v, regs.rip) == 0x0f32)
		regs.rdx = 0;
	regs.rip += 2;
	if (v->ops->set_regs(v, &regs) < 0)
		return diverged(v, r, count, ": KVM_SET_REGS failed");
	rp->cpu[v->id].next_read++;
	rp->reads_given++;
	if (live >= 0 && live != r->value) {
		rp->reads_differed++;
		evlog__add(&v->vm->log, "replay: cpu %u: LAPIC register %#x read %#" PRIx32 " as recorded "
			   "(record %" PRIu64 "); KVM's LAPIC held %#" PRIx64, v->id, (unsigned)r->reg << 4,
			   r->value, r->seq, (uint64_t)live);
	}
	replay__rearm(v);	/* DR3 on the next one */
	return REPLAY_HERE;
}
