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
#include "lib/gmem.h"
#include "lib/strbuf.h"
#include "record/record.h"
#include "vm/lapic_state.h"
#include "replay.h"

/*
 * Whether the instruction before @rip may be a HLT (its last byte is f4). KVM
 * runs an in-kernel HLT itself (kernel and split irqchips), and on PVM a
 * breakpoint on the instruction it wakes to does not fire: such a place is also
 * watched at the HLT (DR1; if f4 is only the tail of another instruction, DR1
 * never fires and DR0 does). Standing at that HLT is standing at the place, for
 * an interrupt or an NMI, KVM's or the VMM's (the replay plays the HLT once the
 * delivery is held: play_hlt), or a stop place.
 */
static bool after_hlt(struct vcpu *v, uint64_t rip)
{
	uint8_t b;

	return rip > 1 && vcpu__fetch(v, rip - 1, &b, 1) == 1 && b == 0xf4;
}

/*
 * DR0 on @want (0: none, ~0: one single step), through KVM's guest debugging,
 * and DR3 on the next recorded LAPIC read (read.c). A vCPU sitting on the
 * breakpoint steps one instruction first instead (arm()): the breakpoint
 * would fire again at once, as nothing sets RF for us. While a
 * kernel or split recording's interrupts are placed (block_irqs), KVM's LAPIC
 * may deliver none (KVM_GUESTDBG_BLOCKIRQ, which holds back NMIs too) until the
 * vCPU stands at the place of the next one: replay__kvm_irq lifts it for that
 * one entry.
 */
static void set_debug(struct vcpu *v, uint64_t want, uint64_t alt, bool block)
{
	struct replay *rp = v->vm->replay;
	struct kvm_guest_debug dbg = { 0 };
	uint64_t read = replay__read_rip(v);	/* DR3, kept whatever else is armed */

	if (rp->cpu[v->id].armed_rip == want && rp->cpu[v->id].armed_alt == alt &&
	    rp->cpu[v->id].armed_block == block && rp->cpu[v->id].armed_read == read)
		return;
	if (want == ~0ull) {
		dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_SINGLESTEP;
	} else if (want) {
		dbg.control = KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
		dbg.arch.debugreg[0] = want;
		dbg.arch.debugreg[7] = 0x1;	/* L0: execute, one byte */
		if (rp->kvm_hlt && after_hlt(v, want)) {
			dbg.arch.debugreg[1] = want - 1;
			dbg.arch.debugreg[7] |= 0x4;	/* L1 */
		}
		if (alt) {
			dbg.arch.debugreg[2] = alt;
			dbg.arch.debugreg[7] |= 0x10;	/* L2 */
		}
	}
	if (read) {	/* a recorded LAPIC read's instruction (replay__read), while stepping too */
		dbg.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP;
		dbg.arch.debugreg[3] = read;
		dbg.arch.debugreg[7] |= 0x40;	/* L3 */
	}
	if (block)
		dbg.control |= KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_BLOCKIRQ;
	if (ioctl(v->fd, KVM_SET_GUEST_DEBUG, &dbg) < 0)
		fprintf(stderr, "vmm: replay: cpu %u: KVM_SET_GUEST_DEBUG: %s\n", v->id, strerror(errno));
	rp->cpu[v->id].armed_rip = want;
	rp->cpu[v->id].armed_alt = want == ~0ull ? 0 : alt;
	rp->cpu[v->id].armed_block = block;
	rp->cpu[v->id].armed_read = read;
}

void replay__event_going_in(struct vcpu *v)
{
	const struct replay *rp = v->vm->replay;
	const struct replay_point *p = replay__next(v);

	if (v->event_at_entry && rp->cpu[v->id].armed_rip == ~0ull)
		set_debug(v, p && p->how != ITR_DELIVER_TIMER ? p->rip : 0, 0, rp->cpu[v->id].armed_block);
}

void replay__rearm(struct vcpu *v)
{
	const struct replay *rp = v->vm->replay;

	set_debug(v, rp->cpu[v->id].armed_rip, rp->cpu[v->id].armed_alt, rp->cpu[v->id].armed_block);
}

/* The other place an `either` point at @rip may turn out to be reached at first: its NMI's */
static uint64_t either_rip(const struct vcpu *v, uint64_t rip)
{
	const struct replay *rp = v->vm->replay;
	const struct replay_point *p = replay__next(v);

	return rip && p && p->either && p->rip == rip && rp->cpu[v->id].next + 1 < rp->cpu[v->id].n ?
	       p[1].rip : 0;
}

static void arm(struct vcpu *v, uint64_t rip, uint64_t at)
{
	struct replay *rp = v->vm->replay;
	/* past the last place too: any delivery KVM would make now is one the recording lacks */
	bool block = rp->block_irqs;
	uint64_t alt;

	if (block && rp->cpu[v->id].delivered_exit == v->nr_exits + 1)
		return;	/* let through at this exit, stopping at its handler: the next one re-arms */
	alt = either_rip(v, rip);

	/* ~0: single-step (off DR0 or DR2, or off the HLT DR1 watches); not while an exception or
	 * NMI goes in at this entry: it goes first, and its frame would take the step's TF */
	if (rip && !v->event_at_entry && (at == rip || (alt && at == alt) || (rp->kvm_hlt && at + 1 == rip && after_hlt(v, rip))))
		set_debug(v, ~0ull, 0, block);
	else
		set_debug(v, rip, alt, block);
}

/*
 * Whether KVM holds @p's delivery for @v: its vector in the in-kernel LAPIC's
 * IRR, or (an NMI) an NMI pending; -1: KVM would not say.
 */
static int kvm_has(struct vcpu *v, const struct replay_point *p)
{
	struct kvm_lapic_state s;
	struct kvm_vcpu_events ev;

	if (p->how == ITR_DELIVER_NMI)
		return v->ops->get_events(v, &ev) < 0 ? -1 : ev.nmi.pending != 0;
	if (ioctl(v->fd, KVM_GET_LAPIC, &s) < 0)
		return -1;
	return lapic_state__get(&s, LAPIC_IRR + 0x10 * (p->vector / 32)) >> (p->vector % 32) & 1;
}

const struct replay_point *replay__next(const struct vcpu *v)
{
	const struct replay *rp = v->vm->replay;

	return rp->cpu[v->id].next < rp->cpu[v->id].n ? &rp->cpu[v->id].p[rp->cpu[v->id].next] : NULL;
}

/*
 * @v stands at @p's place, a tick of KVM's own LAPIC timer, and KVM has not
 * raised it: the VMM does, as the timer would, by an MSI to this vCPU with the
 * timer's vector (LVTT's), where the timer can't:
 * - right after another exit (an OUT, a HLT: no run can stop there, see
 *   wait_here), while the timer runs (LVTT unmasked, a count or TSC-deadline
 *   mode): the recording took one there (that exit outlasted the period); a
 *   later tick of its own merges in IRR or waits, held, for the next place;
 * - at the place or its HLT once the guest has stopped it (LVTT masked, or no
 *   count): the guest stands where it stood in the recording, so there too
 *   the timer was stopped with this tick owed in IRR, fired by the host clock
 *   before the stop; here the guest got to the stop sooner, and no tick will
 *   ever come;
 * - at the place, after a run that went no further than it (wait_here's probe:
 *   a tick due then reached IRR), once a one-shot timer ran out (TMCCT 0, which
 *   KVM_GET_LAPIC reports live): the recording took two ticks of two armings
 *   apart, here both reached IRR before the first was taken (the replay runs
 *   slower by the host's clock) and merged; it fires no more (split storm
 *   seed 1, 1 recording in 5);
 * - at the place right after another exit, once a one-shot timer ran out: its
 *   tick waits in KVM's timer, which puts it in IRR only inside KVM_RUN, and
 *   no run can stop there (kernel storm seed 28: armed for 500 counts in a
 *   window, taken at the entry after the sync OUT; the replay waited for it
 *   until the watchdog). KVM's own, put in IRR at that entry, merges with it.
 * @at_place: RIP is the place's (not its HLT's). True if raised.
 */
static bool raise_tick(struct vcpu *v, const struct replay_point *p, bool at_place)
{
	struct kvm_lapic_state s;
	struct kvm_msi msi = { .address_lo = 0xfee00000u | (uint32_t)v->id << 12, .data = p->vector };
	uint32_t lvtt, tmict, tmcct;
	bool stopped, ran_out;

	if (!v->vm->replay->block_irqs || p->how != ITR_DELIVER_IRQ || !p->by_kvm ||
	    ioctl(v->fd, KVM_GET_LAPIC, &s) < 0)
		return false;
	lvtt = lapic_state__get(&s, LAPIC_LVT_TIMER);
	tmict = lapic_state__get(&s, LAPIC_TMICT);
	tmcct = lapic_state__get(&s, LAPIC_TMCCT);
	stopped = lvtt & 0x10000 || (!tmict && (lvtt >> 17 & 3) != 2);
	ran_out = !stopped && (lvtt >> 17 & 3) == 0 && !tmcct;
	if ((lvtt & 0xff) != p->vector)
		return false;
	if (ran_out ? !at_place || (!v->vm->replay->cpu[v->id].probed && v->run->exit_reason == KVM_EXIT_DEBUG) :
	    !stopped && (!at_place || v->run->exit_reason == KVM_EXIT_DEBUG))
		return false;
	if (ioctl(v->vm->vm_fd, KVM_SIGNAL_MSI, &msi) <= 0)
		return false;
	evlog__add(&v->vm->log, "replay: cpu %u: timer tick v=%02x raised at its place %s "
		   "(recorded record %" PRIu64 ")", v->id, p->vector,
		   stopped ? "after the guest stopped the timer, owed" :
		   ran_out ? "after the one-shot timer ran out, owed" : "after an exit", p->seq);
	return true;
}

/*
 * @v stands at the HLT before @p's place (DR1 fired) but not at the place: an
 * earlier pass, where the recorded HLT woke and the guest went on without a
 * delivery (on PVM a wake's interrupt waits for a later exit, PVM-5). Stepping
 * a HLT would leave KVM's vCPU halted behind our back, so the VMM plays it:
 * it waits for what woke it (the next place's interrupt or NMI in KVM when
 * those are placed, else anything KVM holds), then moves RIP past it. False
 * while it waits; hlt_wakes() -1: KVM would not say, taken as woken.
 */
/*
 * @v stands at a place (or its HLT) and KVM does not hold the delivery yet:
 * it waits there, not running on (the place may be one the guest passes only
 * once, as an NMI's at a handler's IRET). Every other look is a run that goes
 * no further than the breakpoint it sits on: KVM takes in what came due in
 * the meantime (its LAPIC timer's ticks reach IRR only inside KVM_RUN). Where
 * another exit left it, it only waits: a timer tick due there never comes.
 */
static void wait_here(struct vcpu *v, uint64_t rip)
{
	struct replay *rp = v->vm->replay;

	/* only a breakpoint it stopped at fires again at once: on PVM one on the instruction another
	 * exit (an OUT, a HLT) resumes to does not, and that run would go on past the place */
	rp->cpu[v->id].probed = !rp->cpu[v->id].probed && v->run->exit_reason == KVM_EXIT_DEBUG;
	if (rp->cpu[v->id].probed)
		set_debug(v, rip, 0, true);
	else
		v->replay_wait = REPLAY_WAIT_KVM_IRQ;
}

static int hlt_wakes(struct vcpu *v, const struct replay_point *p)
{
	struct kvm_lapic_state s;
	struct kvm_vcpu_events ev;

	if (v->vm->replay->block_irqs && (p->how == ITR_DELIVER_IRQ || p->by_kvm))
		return kvm_has(v, p);
	/* KVM delivers where it will: any interrupt or NMI it holds wakes the HLT */
	if (ioctl(v->fd, KVM_GET_LAPIC, &s) < 0 || v->ops->get_events(v, &ev) < 0)
		return -1;
	return lapic_state__irr_words(&s) || ev.nmi.pending;
}

/*
 * Whether an INIT KVM held for @v woke its HLT instead (the storm's init kind:
 * CPU 0 restarts CPU 1 halted there), and took it in: the vCPU is reset, waiting
 * for its SIPI or at the SIPI's vector already (@regs read again). Only KVM_RUN
 * or KVM_GET_MP_STATE (kvm_apic_accept_events) lets an INIT in, and a vCPU the
 * replay holds at its HLT makes neither: it waited for the next place's
 * interrupt, which comes only after the restart, while CPU 0 gave CPU 1 up.
 */
static bool init_woke(struct vcpu *v, struct kvm_regs *regs)
{
	struct kvm_mp_state mp;
	uint64_t rip = regs->rip;

	if (vcpu__get_mp_state(v, &mp) < 0 || v->ops->get_regs(v, regs) < 0)
		return false;
	if (mp.mp_state != KVM_MP_STATE_INIT_RECEIVED && regs->rip == rip)
		return false;
	evlog__add(&v->vm->log, "replay: cpu %u: an INIT woke its HLT at %#" PRIx64, v->id, rip);
	return true;
}

static bool hlt_passed(struct vcpu *v, const struct replay_point *p, struct kvm_regs *regs)
{
	if (init_woke(v, regs))
		return true;	/* KVM_RUN waits for the SIPI, or runs from its vector */
	if (hlt_wakes(v, p) == 0) {
		wait_here(v, p->rip);
		return false;
	}
	regs->rip++;
	if (v->ops->set_regs(v, regs) < 0)
		fprintf(stderr, "vmm: replay: cpu %u: KVM_SET_REGS: %s\n", v->id, strerror(errno));
	return true;
}

static const char *const how_names[] = {
	[ITR_DELIVER_IRQ] = "interrupt", [ITR_DELIVER_NMI] = "NMI", [ITR_DELIVER_STOP] = "stop place",
	[ITR_DELIVER_TIMER] = "timer count", [ITR_DELIVER_STEP] = "delay step",
};

size_t replay__waits(const struct vm *vm, char *buf, size_t n)
{
	size_t k = 0;

	if (n)
		buf[0] = 0;
	for (unsigned i = 0; i < vm->nr_vcpus && k + 1 < n; i++) {
		const struct vcpu *v = &vm->vcpus[i];
		const struct replay_point *p = replay__next(v);
		const struct replay_cpu *c = &vm->replay->cpu[i];

		if (!p)
			k = strbuf__appendf(buf, n, k, "%scpu %u: past its last place", k ? "; " : "", i);
		else
			k = strbuf__appendf(buf, n, k, "%scpu %u: at the place of record %" PRIu64 " (%s v=%02x)%s",
					    k ? "; " : "", i, p->seq, how_names[p->how], p->vector,
					    v->replay_wait == REPLAY_WAIT_NMI ? ", no NMI sent to it yet" :
					    v->replay_wait == REPLAY_WAIT_IRQ ? ", not in its LAPIC (nor a higher one)" :
					    v->replay_wait == REPLAY_WAIT_MSI ? ", for an MSI of it the recording merged" :
					    v->replay_wait == REPLAY_WAIT_END ? ", where the recording ended" :
					    v->replay_wait == REPLAY_WAIT_FINISH ? ", ended, waiting for the others" : "");
		if (c->nheld && c->next_eoi < c->neois)
			k = strbuf__appendf(buf, n, k, ", %u level EOI%s held, the first for the place of record %"
					    PRIu64, c->nheld, c->nheld == 1 ? "" : "s", c->eois[c->next_eoi].seq);
		else if (c->nheld)
			k = strbuf__appendf(buf, n, k, ", %u level EOI%s held", c->nheld, c->nheld == 1 ? "" : "s");
	}
	return k;
}

/*
 * @v stands at the HLT before its place, the delivery held: the VMM plays the
 * HLT, which would wake at once (RIP to the place, past it; STI's shadow, which
 * ends at the HLT, cleared), and the delivery goes in at the next entry, where
 * the recording took it. Run by KVM instead, the HLT wakes but on PVM the wake's
 * delivery may wait for a later exit (PVM-5): the guest went round its idle loop
 * first, now and then. 0, or -1 (KVM refused).
 */
static int play_hlt(struct vcpu *v, struct kvm_regs *regs, uint64_t place)
{
	struct kvm_vcpu_events ev;

	if (v->ops->get_events(v, &ev) < 0)
		return -1;
	if (ev.interrupt.shadow) {
		ev.flags = KVM_VCPUEVENT_VALID_SHADOW;
		ev.interrupt.shadow = 0;
		if (v->ops->set_events(v, &ev) < 0)
			return -1;
	}
	regs->rip = place;
	return v->ops->set_regs(v, regs);
}

/*
 * Where @v stands for a delivery at its next entry: RIP (@regs), but at an
 * IN's exit KVM completes the IN first and only then injects (the frame has
 * the next RIP), so there it stands past the IN: a delivery recorded at the
 * IN's own RIP came before it ran (59-storm.t kernel seed 9), one recorded
 * after it goes in at this exit, as the recording's did. On PVM the RIP KVM
 * reports at an IN's exit is now and then past the IN already (sync regs and
 * KVM_GET_REGS alike): the instruction at RIP says which (an IN right after
 * an IN would be taken for the first). An MMIO read's exit is taken at its
 * RIP as reported (which of the two it names can't be told).
 */
static uint64_t where_rip(struct vcpu *v, const struct kvm_regs *regs)
{
	const struct kvm_run *run = v->run;
	unsigned n;

	if (run->exit_reason == KVM_EXIT_IO && run->io.direction == KVM_EXIT_IO_IN &&
	    (n = vcpu__in_len(v, regs->rip)))
		return regs->rip + n;
	return regs->rip;
}

/*
 * Whether @v, with @regs, standing at @at (where_rip: computed once a look, a
 * KVM_GET_SREGS and a page walk at an IN's exit) and @count guest ring slots
 * made, stands at @p's place (or its HLT)
 */
static bool stands_at(struct vcpu *v, const struct replay_point *p, const struct kvm_regs *regs,
		      uint64_t at, uint32_t count)
{
	const struct replay *rp = v->vm->replay;

	return count == (uint32_t)p->count && regs->rsp == p->rsp &&
	       (!rp->give_irrs || replay__irrs_at(v, count) == p->irrs) &&
	       (at == p->rip || (rp->kvm_hlt && at + 1 == p->rip && after_hlt(v, p->rip))) &&
	       !((regs->rflags ^ p->rflags) & ITR_RFLAGS_CONTROL) &&
	       (p->how != ITR_DELIVER_STOP || (record__drain_rings(v->vm), v->ring.tail == p->published));
}

bool replay__holds_at_hlt(struct vcpu *v, const struct kvm_regs *regs)
{
	const struct replay *rp = v->vm->replay;
	const struct replay_point *p;

	/* at its place (waiting for the delivery) or an earlier pass (hlt_passed waits for a wake) */
	return rp && rp->kvm_hlt && (p = replay__next(v)) && regs->rip + 1 == p->rip &&
	       after_hlt(v, p->rip);
}

bool replay__irr_held(struct vcpu *v, const struct kvm_regs *regs)
{
	const struct replay *rp = v->vm->replay;
	const struct replay_point *p;

	if (!rp || !rp->block_irqs || rp->cpu[v->id].delivered_exit == v->nr_exits + 1)
		return false;
	p = replay__next(v);
	return !p || p->how != ITR_DELIVER_IRQ ||
	       !stands_at(v, p, regs, where_rip(v, regs), evring__reserved(&v->ring, &v->vm->mem));
}

bool replay__settle_either(struct vcpu *v, const struct kvm_regs *regs, uint32_t count)
{
	struct replay *rp = v->vm->replay;
	struct replay_point *p = rp->cpu[v->id].p + rp->cpu[v->id].next, t;

	if (rp->cpu[v->id].next + 1 >= rp->cpu[v->id].n || !p->either || !stands_at(v, &p[1], regs, where_rip(v, regs), count))
		return false;
	t = *p;
	t.either = false;
	t.swapped = true;
	t.count = t.count_after;
	t.irrs = t.irrs_after;
	*p = p[1];
	p[1] = t;
	evlog__add(&v->vm->log, "replay: cpu %u: the NMI of recorded record %" PRIu64 " came before the "
		   "interrupt v=%02x (recorded record %" PRIu64 "), not inside its entry", v->id, p->seq,
		   t.vector, t.seq);
	return true;
}

size_t replay__eithers(const struct replay *rp, char *buf, size_t n, unsigned *planned, unsigned *swapped)
{
	size_t k = 0;

	*planned = *swapped = 0;
	if (n)
		buf[0] = 0;
	for (unsigned c = 0; c < rp->vcpus; c++)
		for (size_t i = 0; i < rp->cpu[c].n; i++) {
			const struct replay_point *p = &rp->cpu[c].p[i];

			if (!p->either && !p->swapped)
				continue;
			*swapped += p->swapped;
			if (++*planned <= 3)
				k = strbuf__appendf(buf, n, k, "%srecord %" PRIu64 " on cpu %u%s", k ? ", " : "",
						    p->seq, c, p->swapped ? " (swapped)" : "");
		}
	return k;
}

enum replay_where replay__where(struct vcpu *v, enum itr_deliver_how how,
				const struct replay_point **pt)
{
	struct replay *rp = v->vm->replay;
	const struct replay_point *p;
	struct kvm_regs regs;
	uint64_t at;
	uint32_t count;
	static char why[320];

	if (rp->cpu[v->id].next >= rp->cpu[v->id].n) {
		arm(v, 0, 0);
		return REPLAY_NONE;
	}
	p = &rp->cpu[v->id].p[rp->cpu[v->id].next];
	count = evring__reserved(&v->ring, &v->vm->mem);
	if ((int32_t)(count - (uint32_t)p->count) > 0 ||
	    (rp->give_irrs && count == (uint32_t)p->count && replay__irrs_at(v, count) > p->irrs)) {
		snprintf(why, sizeof(why), "replay: cpu %u went past the place of recorded record %" PRIu64
			 " (%s v=%02x after %" PRIu64 " guest ring slots and %" PRIu32 " IRR questions "
			 "there, at RIP %#" PRIx64 "): it has made %" PRIu32 " slots and %" PRIu32
			 " questions and the delivery did not come", v->id, p->seq, how_names[p->how],
			 p->vector, p->count, p->irrs, p->rip, count, replay__irrs_at(v, count));
		vm__stop_now(v->vm, VMM_GUEST_FAILED, why);
		return REPLAY_PAST;
	}
	/* another kind's place: its own caller looks (a timer count: the LAPIC access exit) */
	if (p->how != how)
		return REPLAY_NOT_YET;
	if (v->ops->get_regs(v, &regs) < 0)
		regs.rip = 0;
	at = where_rip(v, &regs);
	if (stands_at(v, p, &regs, at, count)) {
		/* an NMI the VMM hands over, its place past a HLT: the replay plays the HLT */
		if (how == ITR_DELIVER_NMI && !p->by_kvm && at != p->rip &&
		    play_hlt(v, &regs, p->rip) < 0)
			fprintf(stderr, "vmm: replay: cpu %u: stepping over the HLT: %s\n", v->id, strerror(errno));
		arm(v, 0, 0);	/* a single-step's TF must not reach the frame it pushes */
		*pt = p;
		return REPLAY_HERE;
	}
	if (rp->kvm_hlt && regs.rip + 1 == p->rip && after_hlt(v, p->rip) && !hlt_passed(v, p, &regs))
		return REPLAY_NOT_YET;	/* it sleeps at the HLT until what woke it comes */
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

/*
 * The first instruction of @vector's handler, from the guest's IDT (guest
 * memory: checked like any guest value); 0 when there is none to be found.
 */
static uint64_t handler_of(struct vcpu *v, uint8_t vector)
{
	struct kvm_translation tr = { 0 };
	struct kvm_sregs s;
	const uint8_t *g;

	if (v->ops->get_sregs(v, &s) < 0 || (uint32_t)vector * 16 + 15 > s.idt.limit)
		return 0;
	tr.linear_address = s.idt.base + (uint64_t)vector * 16;
	if (ioctl(v->fd, KVM_TRANSLATE, &tr) < 0 || !tr.valid || (tr.physical_address & 0xfff) > 0xff0 ||
	    !(g = gmem__ptr(&v->vm->mem, tr.physical_address, 16)) || !(g[5] & 0x80))
		return 0;	/* unmapped, split across pages, outside RAM, or not present */
	return (uint64_t)g[0] | (uint64_t)g[1] << 8 | (uint64_t)g[6] << 16 | (uint64_t)g[7] << 24 |
	       (uint64_t)g[8] << 32 | (uint64_t)g[9] << 40 | (uint64_t)g[10] << 48 | (uint64_t)g[11] << 56;
}

/*
 * Lifting BLOCKIRQ for an interrupt's entry lets a pending NMI in too, and
 * first: @hold masks NMIs (as an NMI handler runs) for that entry unless they
 * are masked already, whether or not one is pending now (another vCPU's may
 * come before the entry); !@hold unmasks what it masked. Masked, KVM keeps
 * one NMI pending, not two: a guest that has two in flight to one vCPU may
 * lose one here, as it would on hardware in an NMI handler (ring-stress
 * passes one NMI back and forth).
 */
static void hold_nmi(struct vcpu *v, bool hold)
{
	struct replay *rp = v->vm->replay;
	struct kvm_vcpu_events ev;

	if (v->ops->get_events(v, &ev) < 0 || (hold && ev.nmi.masked))
		return;
	ev.flags = 0;
	ev.nmi.masked = hold;
	if (v->ops->set_events(v, &ev) < 0)
		fprintf(stderr, "vmm: replay: cpu %u: KVM_SET_VCPU_EVENTS: %s\n", v->id, strerror(errno));
	rp->cpu[v->id].nmi_held = hold;
}

/*
 * KVM delivers the highest vector in IRR first. One above @p's that the
 * recording delivered later (another vCPU's IPI that came sooner than it did
 * then: the vCPUs' pace is the host's) is taken out of IRR for @p's entry
 * (KVM_SET_LAPIC) and raised again after it (show_hidden, by an MSI to this
 * vCPU). Only edge-triggered ones (TMR clear): a level interrupt stays and the
 * replay reports the divergence. Other vCPUs are held out meanwhile
 * (vm__hold_others), so no IPI can be lost between the get and the set.
 *
 * @p a tick of KVM's periodic LAPIC timer: the next tick is put a whole
 * period after this entry (TMCCT = TMICT, which KVM_SET_LAPIC restarts the
 * timer from). KVM's timer runs by the host clock, and a replay that waited
 * at the place would otherwise find the next tick already in IRR inside the
 * handler, where a guest that looks (timer-periodic reads IRR as it stops the
 * timer) sees one the recording did not. If the recording had the next tick
 * pending there (its ENTRY right after this one's IRET, at the same frame),
 * it is raised after the entry instead.
 */
static void shape_entry(struct vcpu *v, const struct replay_point *p)
{
	struct replay *rp = v->vm->replay;
	const struct replay_point *np = p + 1 < rp->cpu[v->id].p + rp->cpu[v->id].n ? p + 1 : NULL;
	struct kvm_lapic_state s;
	uint32_t irr, tmr, lvtt, tmict, take[8] = { 0 };
	bool any = false, tick, owed = false;

	if (p->how != ITR_DELIVER_IRQ || ioctl(v->fd, KVM_GET_LAPIC, &s) < 0)
		return;
	for (unsigned i = p->vector / 32; i < 8; i++) {
		irr = lapic_state__get(&s, LAPIC_IRR + 0x10 * i);
		tmr = lapic_state__get(&s, LAPIC_TMR + 0x10 * i);
		take[i] = irr & ~tmr;
		if (i == p->vector / 32)
			take[i] &= p->vector % 32 == 31 ? 0 : ~0u << (p->vector % 32 + 1);
		if (!take[i])
			continue;
		irr &= ~take[i];
		lapic_state__set(&s, LAPIC_IRR + 0x10 * i, irr);
		any = true;
	}
	lvtt = lapic_state__get(&s, LAPIC_LVT_TIMER);
	tmict = lapic_state__get(&s, LAPIC_TMICT);
	tick = p->by_kvm && (lvtt & 0xff) == p->vector && !(lvtt & 0x10000) && (lvtt >> 17 & 3) == 1 && tmict;
	if (tick) {
		lapic_state__set(&s, LAPIC_TMCCT, tmict);
		owed = np && np->how == ITR_DELIVER_IRQ && np->by_kvm && np->vector == p->vector &&
		       np->after_iret && np->rip == p->rip && np->rsp == p->rsp;
	}
	if (!any && !tick)
		return;
	if (ioctl(v->fd, KVM_SET_LAPIC, &s) < 0) {
		fprintf(stderr, "vmm: replay: cpu %u: KVM_SET_LAPIC: %s\n", v->id, strerror(errno));
		return;
	}
	memcpy(rp->cpu[v->id].hidden, take, sizeof(take));
	if (owed)	/* show_hidden raises it after the entry, with the others */
		rp->cpu[v->id].hidden[p->vector / 32] |= 1u << (p->vector % 32);
}

static void show_hidden(struct vcpu *v)
{
	struct replay *rp = v->vm->replay;

	for (unsigned vec = 0; vec < 256; vec++) {
		struct kvm_msi msi = { .address_lo = 0xfee00000u | (uint32_t)v->id << 12, .data = vec };

		if (!(rp->cpu[v->id].hidden[vec / 32] >> (vec % 32) & 1))
			continue;
		if (ioctl(v->vm->vm_fd, KVM_SIGNAL_MSI, &msi) <= 0)
			fprintf(stderr, "vmm: replay: cpu %u: raising v=%02x again failed\n", v->id, vec);
	}
	memset(rp->cpu[v->id].hidden, 0, sizeof(rp->cpu[v->id].hidden));
}

enum replay_where replay__kvm_irq(struct vcpu *v)
{
	struct replay *rp = v->vm->replay;
	const struct replay_point *p, *np;
	enum replay_where w;
	struct kvm_regs regs;
	static char why[320];
	uint64_t handler, at;
	int irr;

	/* an NMI the VMM hands over goes in at this entry (replay_nmi), stopping at its handler:
	 * a wait for the next place here would put BLOCKIRQ back and hold it out */
	if (rp->cpu[v->id].delivered_exit == v->nr_exits + 1)
		return REPLAY_NOT_YET;
	np = replay__next(v);
	if (np && np->either && v->ops->get_regs(v, &regs) == 0)
		replay__settle_either(v, &regs, evring__reserved(&v->ring, &v->vm->mem));
	np = replay__next(v);
	w = replay__where(v, np && np->by_kvm && np->how == ITR_DELIVER_NMI ? ITR_DELIVER_NMI : ITR_DELIVER_IRQ,
			  &p);

	if (rp->cpu[v->id].nmi_held && rp->cpu[v->id].delivered_exit != v->nr_exits + 1)
		hold_nmi(v, false);	/* the interrupt went in: the NMI waits for its own place */
	if (rp->cpu[v->id].delivered_exit != v->nr_exits + 1)
		show_hidden(v);		/* as do the vectors above it */
	if (w != REPLAY_HERE)
		return w;
	if (v->ops->get_regs(v, &regs) < 0)
		regs.rip = p->rip;
	irr = kvm_has(v, p);
	at = where_rip(v, &regs);
	if (irr == 0 && raise_tick(v, p, at == p->rip))
		irr = kvm_has(v, p);
	if (irr > 0 && (w = replay__msi_wait(v, p)) != REPLAY_HERE) {
		if (w == REPLAY_NOT_YET)	/* the recording merged a later MSI of it into this one */
			v->replay_wait = REPLAY_WAIT_MSI;
		return w;
	}
	if (irr == 0) {
		/* not raised yet (a timer, another vCPU's IPI): it waits here, at the place or its HLT */
		wait_here(v, p->rip);
		return REPLAY_NOT_YET;
	}
	handler = irr < 0 ? 0 : handler_of(v, p->how == ITR_DELIVER_NMI ? 2 : p->vector);
	if (handler && at != p->rip && play_hlt(v, &regs, p->rip) < 0)
		handler = 0;	/* at the HLT, the delivery pending: the replay plays the HLT */
	if (!handler) {
		snprintf(why, sizeof(why), "replay: cpu %u at the place of recorded record %" PRIu64
			 " (interrupt v=%02x): %s", v->id, p->seq, p->vector, irr < 0 ?
			 "KVM_GET_LAPIC failed" : "the guest's IDT has no present gate for it, or "
			 "its HLT can't be stepped over");
		vm__stop_now(v->vm, VMM_GUEST_FAILED, why);
		return REPLAY_PAST;
	}
	if (p->how == ITR_DELIVER_IRQ) {
		/* another vCPU's IPI that reached IRR after shape_entry would go in first, and
		 * one between its get and set would be lost: none runs until this entry is done */
		if (v->vm->nr_vcpus > 1)
			vm__hold_others(v);
		hold_nmi(v, true);	/* an NMI held too would go in first */
		shape_entry(v, p);	/* and so would a higher vector; a timer tick paced */
	}
	rp->placed++;
	rp->cpu[v->id].next++;
	rp->cpu[v->id].delivered_exit = v->nr_exits + 1;
	/*
	 * KVM delivers it at this entry and its handler's first instruction stops the vCPU (an
	 * interrupt gate: IF=0 there, nothing else can come) before another exit could deliver
	 * more. BLOCKIRQ holds back NMIs too: both are let through for this one entry only.
	 */
	set_debug(v, handler, 0, false);
	return REPLAY_HERE;
}

int replay__entry_signalled(struct vcpu *v)
{
	struct replay *rp = v->vm->replay;
	struct kvm_regs regs;

	if (!rp || !rp->block_irqs || rp->cpu[v->id].delivered_exit != v->nr_exits + 1)
		return -1;
	/*
	 * Delivered before the signal ended the run: the vCPU stands on its handler's first
	 * instruction, whose breakpoint (armed_rip) won't fire on PVM now that another exit
	 * resumes there. The entry is done, as if it had stopped there: BLOCKIRQ back on.
	 */
	if (v->ops->get_regs(v, &regs) == 0 && !rp->cpu[v->id].armed_block &&
	    regs.rip == rp->cpu[v->id].armed_rip) {
		rp->cpu[v->id].delivered_exit = v->nr_exits;
		return 0;
	}
	return 1;
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
	if (rp->block_irqs && rp->cpu[v->id].p[rp->cpu[v->id].next - 1].how == ITR_DELIVER_NMI) {
		/* BLOCKIRQ holds back a KVM_NMI too: let it through for this entry, and stop at its
		 * handler (gate 2 clears IF) as replay__kvm_irq does */
		set_debug(v, handler_of(v, 2), 0, false);
		return;
	}
	/* the next place may come before the next exit: inside the handler this delivery starts
	 * (a timer count needs no breakpoint: its LAPIC access exits anyway) */
	p = rp->cpu[v->id].next < rp->cpu[v->id].n ? &rp->cpu[v->id].p[rp->cpu[v->id].next] : NULL;
	arm(v, p && p->how != ITR_DELIVER_TIMER ? p->rip : 0, 0);
}
