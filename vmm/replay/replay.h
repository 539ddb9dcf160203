/* SPDX-License-Identifier: MIT */
/*
 * `vmm replay`: a recorded trace turned back into a run. plan.c reads the
 * trace into what the run needs (how to boot it, each injection at its sync
 * point, each delivery's place); place.c, on a vCPU's own thread, holds an
 * interrupt or NMI until the guest is where the recording delivered it.
 */
#ifndef VMM_REPLAY_H
#define VMM_REPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "scenario/scenario.h"
#include "trace/itr.h"
#include "vm/vm.h"

/*
 * Where a recorded delivery happened: an ITR_DELIVER record (the VMM handed
 * the vector to KVM), placed at the frame of the guest's ENTRY for it (where
 * the CPU took it: for an NMI held by NMI blocking, later than the hand-over).
 */
struct replay_point {
	uint8_t vector;
	uint8_t how;		/* enum itr_deliver_how */
	bool taken;		/* the guest's ENTRY for it was found */
	bool with_prev;		/* an NMI handed over at the same exit as the point before it */
	uint8_t in_batch;	/* NMIs: how many of its hand-over came before it */
	bool no_entry;		/* NMIs: past what KVM keeps of one hand-over (one injected and
				 * one pending; one pending inside an NMI handler): merged */
	unsigned merged;	/* NMIs handed over with it, or while KVM held it pending, that
				 * KVM merged: taken from what was sent, not handed over again
				 * (they made no ENTRY) */
	bool folded;		/* load: one of those, counted in another's @merged */
	bool by_kvm;		/* kernel, split: KVM's LAPIC delivered it (no DELIVER record) */
	unsigned times;		/* handed over this many times at once (NMIs: KVM merges them) */
	uint64_t count;		/* the vCPU's guest records before that ENTRY */
	uint32_t irrs;		/* v8: the vCPU's IVM_PORT_IRR questions at @count before it
				 * (ITR_IRR records): which pass through a place no record
				 * tells apart (a wait loop that asks, then takes it) */
	uint32_t published;	/* ITR_DELIVER_STOP: of those, the ones published then */
	uint64_t rip, rsp;	/* the interrupted context, from the ENTRY's frame */
	uint32_t rflags;
	uint8_t stack;		/* the ENTRY's enum ivm_stack_id */
	bool after_iret;	/* the guest's record before that ENTRY was an interrupt's IRET */
	bool after_nmi;		/* ... was an NMI's IRET */
	/*
	 * Kernel, split: placed before the next point, an NMI, as taken inside its entry
	 * (nested_entry), which the trace can't tell from an NMI in a callee's CLI section
	 * (not a record) with this interrupt after its IRET: reaching the NMI's place first
	 * says the latter, and this one is then reached at @count_after.
	 */
	bool either;
	bool swapped;		/* it was `either`, and the NMI's place came first (settle_either) */
	uint64_t count_after;
	uint32_t irrs_after;
	uint64_t seq;		/* its DELIVER record in the recorded trace, for messages */
	/*
	 * An interrupt whose vector the recording sent to this vCPU by MSI more often than
	 * it took it (two merged in IRR): the MSIs of it made before it goes in, 0 = none
	 * to wait for beyond KVM's IRR (msi.c). Load: those the file has before it.
	 */
	uint32_t msis_needed;
};

/*
 * User irqchip: a fixed IPI the guest sent to another vCPU (an ITR_IPI record,
 * trace version 4), which merges in the target's IRR with one of its vector
 * still there: the replay holds the ICR write until the target has taken as
 * many of that vector as the recording's had when the record was written.
 */
struct replay_ipi {
	uint8_t vector;
	uint8_t dest;		/* the target vCPU (its APIC ID) */
	uint32_t after;		/* the index + 1 of the target's last place of @vector it must be
				 * past, 0: none (load: that count of places + 1) */
	uint64_t seq;		/* its record in the recorded trace, for messages */
};

/* The VMM's answer to one IVM_HC_QUIET of a vCPU (an ITR_QUIET record, trace version 6) */
struct replay_answer {
	uint8_t asked;		/* the vCPU asked about (0xff: 255 or more) */
	uint32_t bits;		/* IVM_QUIET_*, 0: quiet */
	uint64_t rip;		/* the RIP the answer gave */
	uint64_t count;		/* the asker's ring slots reserved then: the question's place */
	uint64_t seq;		/* its record in the recorded trace, for messages */
};

/* The VMM's answer to one IVM_HC_PROGRESS of a vCPU (an ITR_PROGRESS record, trace version 9) */
struct replay_progress {
	uint64_t gpa;		/* the counter asked about */
	uint32_t value;		/* what it held then */
	uint64_t count;		/* the asker's ring slots reserved then: the question's place */
	uint64_t seq;		/* its record in the recorded trace, for messages */
};

/* A guest read of a LAPIC register the host's timing sets (an ITR_READ, trace version 7) */
struct replay_read {
	uint8_t reg;		/* the register's index (offset >> 4) */
	uint32_t value;		/* what it read */
	uint64_t rip;		/* the reading instruction */
	uint64_t count;		/* the vCPU's ring slots before the record: the read's place */
	uint64_t seq;		/* its record in the recorded trace, for messages */
};

/* The VMM's answer to one IN from IVM_PORT_IRR (an ITR_IRR record, trace version 8) */
struct replay_irr {
	uint32_t words;		/* bit w: IRR word w held a vector */
	uint64_t rip;		/* the IN */
	uint64_t count;		/* the vCPU's ring slots reserved then: the question's place */
	uint64_t seq;		/* its record in the recorded trace, for messages */
};

/*
 * Split: where KVM reported one of the vCPU's level EOIs to the VMM's IOAPIC
 * (an EXIT record of KVM_EXIT_IOAPIC_EOI): a replay holds each EOI KVM reports
 * until the vCPU stands there (eoi.c)
 */
struct replay_eoi {
	uint64_t rip;		/* the EXIT's RIP, 0: not known (the EOI is not held) */
	uint64_t count;		/* the vCPU's guest records before it */
	uint32_t irrs;		/* its IVM_PORT_IRR questions at @count before it */
	uint64_t seq;		/* the EXIT record in the recorded trace, for messages */
	/* the vCPU's next exit of its own after it (no such exit: next_reason ~0): the EOI
	 * came before that exit's work, wherever in the code before it KVM reported it */
	uint32_t next_reason;
	uint64_t next_rip, next_count;
	uint32_t next_irrs;
};

struct replay {
	struct itr_header h;
	enum irqchip_mode mode;		/* the recorded irqchip */
	unsigned vcpus;			/* from the header's config */
	uint64_t mem_size;
	enum boot_proto boot;
	bool pci_testdev;		/* v5 config: devices=pci-testdev */
	struct scenario sc;		/* the recorded injections as sync (and delay) steps */
	/* a sync step's visit of its point (1 = the first) the recording made it at; and, as the
	 * replay runs, the visits of that point so far: a step runs at its own visit only */
	uint32_t visit[SC_MAX_PLAN_STEPS], seen[SC_MAX_PLAN_STEPS];
	/*
	 * Each step's injections, in order from first_inj[step]: an MSI to another vCPU
	 * waits until that vCPU is past its last place of that vector the recording had
	 * reached when it was made (inj_after: that place's index + 1 in its vCPU's places;
	 * 0: nothing to wait for), else the two could merge in its IRR where the
	 * recording's did not (order.c). While loading: the count of such places + 1.
	 */
	uint32_t *inj_after;
	uint32_t first_inj[SC_MAX_PLAN_STEPS];
	uint32_t irq_places[VMM_MAX_VCPUS][256];	/* load: each vCPU's interrupt places so far,
							 * by vector */
	unsigned inj_waited;		/* injections that waited so */
	unsigned ipi_waited;		/* user: the guest's IPIs that waited so (replay_ipi) */
	uint32_t msis[VMM_MAX_VCPUS][256];	/* load: merging injections (fixed edge MSIs, spurious
						 * INTAs: replay__merging_vector) to each vCPU so far,
						 * by vector (msi.c) */
	unsigned msi_waited;		/* places that waited for a merged MSI's second half */
	struct { uint64_t n; uint32_t visits; } *syncs;	/* load: guest SYNC records per point */
	size_t nsyncs;
	unsigned ninject;
	struct replay_cpu {
		struct replay_point *p;
		size_t n, next;		/* points, and the first not delivered yet */
		uint64_t armed_rip;	/* the hardware breakpoint set on this vCPU, 0 = none,
					 * ~0 = stepping one instruction off it */
		uint64_t armed_alt;	/* DR2 with it: an `either` point's other place, 0 = none */
		bool armed_block;	/* KVM_GUESTDBG_BLOCKIRQ set with it */
		bool probed;		/* waiting at a place: the last look was a run (wait_here) */
		bool nmi_held;		/* NMIs masked for an interrupt's entry (hold_nmi) */
		uint32_t hidden[8];	/* IRR bits taken out for an interrupt's entry (shape_entry) */
		uint64_t delivered_exit;	/* nr_exits + 1 when something was delivered, 0 = never */
		bool stopped;		/* reached its ITR_DELIVER_STOP place */
		struct replay_answer *ans;	/* its QUIET questions' recorded answers, in order */
		size_t nans, next_ans;		/* how many, and the first not given back yet */
		struct replay_read *reads;	/* its LAPIC reads' recorded values, in order */
		size_t nreads, next_read;	/* how many, and the first not given back yet */
		uint64_t armed_read;		/* DR3: the next read's instruction, 0 = none */
		struct replay_progress *progs;	/* its IVM_HC_PROGRESS answers, in order */
		size_t nprogs, next_prog;	/* how many, and the first not given back yet */
		struct replay_irr *irrs;	/* its IVM_PORT_IRR answers, in order */
		size_t nirrs, next_irr;		/* how many, and the first not given back yet */
		uint64_t irr_count;		/* the ring slot count of its last question, */
		uint32_t irr_asked;		/* and its questions at that count (load: recorded) */
		bool irr_given;			/* one of those got a recorded answer: a loop's
						 * next question there gets it again */
		bool in_nmi;			/* load: between an NMI's ENTRY and its IRET */
		uint64_t cut_off;		/* load: the seq of an UNPUBLISHED record the end
						 * cut off (stopped mid-record); 0 = none */
		uint64_t last_seq;		/* load: the seq of its last record */
		struct replay_eoi *eois;	/* split: its level EOI exits, in order */
		size_t neois, next_eoi;		/* how many, and the first not matched yet (load:
						 * the first without its next exit) */
		/* the vectors of EOIs KVM reported, held: one a pin at most, its remote IRR
		 * set until then */
		uint8_t held[IOAPIC_NUM_PINS];
		unsigned nheld;
		struct replay_ipi *ipis;	/* user: its fixed IPIs to another vCPU, in order */
		size_t nipis, next_ipi;		/* how many, and the first not sent yet */
		uint32_t msis_made[256];	/* merging injections made to it so far, by the
						 * vector they owe (replay__merging_vector) */
		uint64_t msi_wait_since;	/* clock__now_ns() its place began to wait for one,
						 * 0 = not waiting */
	} cpu[VMM_MAX_VCPUS];
	bool give_reads;		/* version 7 or later, placed under kernel or split: LAPIC
					 * reads come from the trace */
	size_t nreads, reads_given;	/* recorded, and given back so far */
	size_t reads_differed;		/* of those, the ones KVM's LAPIC held another value for */
	bool give_irrs;			/* version 8 or later, placed: IVM_PORT_IRR answers come
					 * from the trace */
	size_t nirrs, irrs_given;	/* recorded, and given back so far */
	size_t irrs_again, irrs_skipped;	/* a wait loop the host's clock bounds asked more at
					 * one count than recorded (given the last again), or fewer */
	size_t irrs_live;		/* asked where the recording asked nothing: answered live */
	size_t irrs_differed;		/* of those given, the ones the live LAPIC answered otherwise */
	bool give_eois;			/* split placed: level EOIs reach the IOAPIC at their
					 * recorded places */
	size_t neois, eois_placed;	/* recorded, and made at their place */
	size_t eois_late, eois_live;	/* made once past their place, and made where the
					 * recording has none (or its place is not known) */
	bool answers;			/* version 6 or later: QUIET answers come from the trace */
	size_t nanswers, answered;	/* recorded, and given back so far */
	bool give_progress;		/* version 9 or later: PROGRESS answers come from the trace */
	size_t nprogress, progress_given;	/* recorded, and given back so far */
	unsigned progress_waited;	/* of those, the ones whose counter had not got there yet */
	bool place_irqs;		/* the replay places interrupts: user recorded and replayed, or
					 * kernel or split recorded and replayed in the same mode */
	bool block_irqs;		/* kernel or split placed: KVM's LAPIC delivers only at a place */
	bool kvm_hlt;			/* replayed under kernel or split: KVM runs HLT itself */
	uint64_t placed;		/* deliveries made at their recorded place */
	unsigned stops, stopped;	/* vCPUs with a stop place, and those that reached it */
	unsigned timers;		/* LAPIC timer counts told at LAPIC accesses */
	unsigned steps;			/* delay steps placed where vCPU 0 stood */
	unsigned next_delay;		/* the first step of sc not looked at for delay steps */
};

/*
 * Read @path into @rp: the header (version 3 or later, with its config), then
 * every record. -1 with one line "PATH: ..." in @err for an unreadable,
 * truncated or corrupt trace, or one replay can't use.
 */
int replay__load(const char *path, struct replay *rp, char *err, size_t errlen);
void replay__free(struct replay *rp);
/*
 * The replay runs under irqchip @mode. Interrupts are placed when the replay
 * runs in the recorded mode: under user the VMM delivers them itself; under
 * kernel or split (unless @kvm_delivers) KVM's LAPIC may deliver each only at
 * the place of its recorded ENTRY. Otherwise (another mode, or @kvm_delivers)
 * the interrupt places are dropped and only NMIs (KVM_NMI in every mode) are
 * placed: KVM delivers the injections where it will.
 */
void replay__set_mode(struct replay *rp, enum irqchip_mode mode, bool kvm_delivers);

/*
 * The header's config -> fields: "vcpus=N mem=BYTES boot=PROTO", and from trace
 * version 5 on " devices=none|pci-testdev" after it (older: no devices); -1 if
 * any is missing or bad.
 */
int replay__parse_config(const char *s, unsigned version, unsigned *vcpus, uint64_t *mem,
			 enum boot_proto *boot, bool *pci_testdev);
/* A version 5 header's initrd_sha256: "" (no initrd) or 64 lowercase hex digits. */
bool replay__sha256_ok(const char *s);

enum replay_where {
	REPLAY_NONE,	/* nothing more of this kind was delivered in the recording */
	REPLAY_NOT_YET,	/* not at the place yet: a breakpoint waits there */
	REPLAY_HERE,	/* at the place of the next delivery, which is of this kind */
	REPLAY_PAST,	/* the guest went past it: the run was stopped, diverged */
};

/*
 * On @v's own thread before KVM_RUN: is @v at the place of its next recorded
 * delivery of kind @how? With REPLAY_HERE, *@pt is that delivery; the caller
 * delivers it and calls replay__delivered, or (if the interrupt is not there
 * yet) keeps @v from running until it is.
 */
enum replay_where replay__where(struct vcpu *v, enum itr_deliver_how how,
				const struct replay_point **pt);
void replay__delivered(struct vcpu *v);
/*
 * At a LAPIC access exit: REPLAY_HERE if the next recorded place of @v is a
 * timer count for this access, with the count in *@fires (and it is consumed).
 */
enum replay_where replay__timer(struct vcpu *v, uint32_t *fires);
/*
 * Kernel and split irqchips, block_irqs: on @v's own thread before KVM_RUN.
 * REPLAY_HERE: @v is at the place of its next interrupt and KVM's LAPIC has
 * it in IRR: the coming entry lets KVM deliver it (and stops at its handler);
 * or at the place of an NMI the guest sent (by_kvm) and KVM has it pending.
 * REPLAY_NOT_YET: @v runs on, interrupts held back, or (replay_wait set) it
 * stands at the place (or its HLT) and must not run until KVM holds it.
 * REPLAY_PAST: stopped.
 */
enum replay_where replay__kvm_irq(struct vcpu *v);
/*
 * @v's next point is an interrupt placed before an NMI as taken inside its entry
 * (`either`), and @v, with @regs and @count guest ring slots made, stands at that
 * NMI's place: the NMI came first, in a callee's CLI section, and the interrupt
 * after its IRET. The two swap, the interrupt at its recorded count. True if so.
 */
bool replay__settle_either(struct vcpu *v, const struct kvm_regs *regs, uint32_t count);
/*
 * Kernel, split: @v, with @regs, stands at the HLT before its next place, where
 * the replay plays the HLT itself (hlt_passed) and KVM never sees it: halted,
 * as far as the guest can tell (IVM_HC_QUIET asks). False outside a replay.
 */
bool replay__holds_at_hlt(struct vcpu *v, const struct kvm_regs *regs);
/*
 * Kernel, split: whatever KVM's LAPIC holds in @v's IRR now is held by the
 * replay (BLOCKIRQ) until a later place, @v (with @regs) standing at no
 * interrupt's place: a vector there reached IRR sooner than in the recording
 * (a LAPIC timer tick, by the replay's slower pace) and goes in where the
 * recording took it. False outside a replay, or while one is let in.
 */
bool replay__irr_held(struct vcpu *v, const struct kvm_regs *regs);
/*
 * IVM_HC_QUIET from @v about vCPU @asked. REPLAY_NONE: the trace holds no
 * answers (older than version 6): ask live. REPLAY_HERE: *@a is the recorded
 * answer, @v's next one, to a question about the same vCPU after as many ring
 * slots (given back: the caller answers with it). REPLAY_PAST: another
 * question than the recording's next, or one more: the run was stopped.
 */
enum replay_where replay__answer(struct vcpu *v, uint64_t asked, const struct replay_answer **a);
/*
 * IVM_HC_PROGRESS from @v about the counter at @gpa. REPLAY_NONE: the trace
 * holds no such answers (older than version 9): read it live. REPLAY_HERE:
 * *@p is the recorded answer, @v's next one, about the same counter after as
 * many ring slots (the caller waits until the counter has got there, then
 * answers with it). REPLAY_PAST: another question than the recording's next,
 * or one more: the run was stopped.
 */
enum replay_where replay__progress(struct vcpu *v, uint64_t gpa, const struct replay_progress **p);
/*
 * An IN from IVM_PORT_IRR by @v, whose LAPIC holds @live (its answer, bit w:
 * IRR word w). REPLAY_HERE: *@words is the answer to give: the recording's
 * next question at this ring slot count (earlier ones it made and the guest
 * did not are passed: a wait loop bounded by the host's clock asked fewer),
 * or, asked more at this count than recorded, the last one given here again.
 * REPLAY_NONE: answer @live (answers are not given back: a trace older than
 * version 8, another mode, --kvm-delivers; or the recording asked nothing at
 * this count).
 */
enum replay_where replay__irr(struct vcpu *v, uint32_t live, uint32_t *words);
/* @v's IVM_PORT_IRR questions at ring slot count @count so far (a place's pass) */
uint32_t replay__irrs_at(const struct vcpu *v, uint32_t count);
/*
 * Kernel, split (give_reads): on @v's own thread before KVM_RUN, when nothing is
 * delivered at this entry. @v stands at the instruction of its next recorded
 * LAPIC read: the VMM makes the read, with the recorded value, and moves RIP
 * past it (REPLAY_HERE). REPLAY_PAST: it stands there after more or fewer ring
 * slots than the recording's read, or the instruction is not that read: the
 * run was stopped. Otherwise REPLAY_NOT_YET (REPLAY_NONE: no reads given back).
 */
enum replay_where replay__read(struct vcpu *v);
/*
 * Split, give_eois: KVM reported @v's EOI of level @vector (KVM_EXIT_IOAPIC_EOI).
 * True: it is held for the place of the recording's EOI exit, and
 * replay__eoi_due gives it to the IOAPIC there. False: make it now (no replay,
 * not placed, too many held).
 */
bool replay__hold_eoi(struct vcpu *v, uint8_t vector);
/*
 * On @v's own thread, before KVM_RUN (@at_exit false) or before an exit's own
 * work (@at_exit true): the vector of a held EOI that is due, no longer held,
 * for the caller to make; -1: none due now. Due: where the recording had none;
 * before KVM_RUN, @v stands at its recorded place (RIP, ring slots, IRR
 * questions there; after an IN or MMIO read KVM completes at this entry, at
 * its next instruction), or at the place of a delivery recorded after it; at
 * an exit, the exit is the one the recording made next after it (KVM had
 * reported it inside the code before); at either, @v went past its place.
 */
int replay__eoi_due(struct vcpu *v, bool at_exit);

/*
 * Injection @j of sync step @step of @vm's replay, about to be made by vCPU
 * @self: the vCPU it must wait for, one that has taken fewer of its vector so
 * far than when the recording made it (placed deliveries); -1: make it now
 * (nothing to wait for, not placed, or the target is @self).
 */
int replay__inject_waits_for(const struct vm *vm, unsigned step, unsigned j, unsigned self);

/*
 * User irqchip, replay placing interrupts: vCPU @self writes its ICR, a fixed
 * IPI of @vector to APIC ID @dest, no shorthand. Its next recorded IPI if it
 * is this one (taken: the next write looks at the one after), else NULL.
 */
const struct replay_ipi *replay__ipi_sent(struct vm *vm, unsigned self, uint8_t vector, uint32_t dest);
/* The vCPU @ipi must still wait for (it has taken fewer of its vector than the recording's had), -1: none */
int replay__ipi_waits_for(const struct vm *vm, const struct replay_ipi *ipi);

/*
 * Steps of @rp's plan that send one MSI vector to two vCPUs or more at once:
 * their handlers share the guest's state for that vector (its irq_desc), and
 * which runs first is the vCPUs' pace, which no record holds. The first three
 * into @buf ("v=b9 at sync 42, ..."), their number in *@found; returns the
 * length written.
 */
size_t replay__shared_vectors(const struct replay *rp, char *buf, size_t n, unsigned *found);

/*
 * Interrupts of @rp's plan placed before an NMI as taken inside their entry
 * with the other order still open (`either`): their count in *@planned, those
 * whose NMI's place came first in *@swapped; the first three ("record 1783
 * on cpu 1 (swapped), ...") into @buf; returns the length written.
 */
size_t replay__eithers(const struct replay *rp, char *buf, size_t n, unsigned *planned, unsigned *swapped);

/*
 * msi.c: the vector whose places @inj owes if it can merge with one of it not
 * yet taken, which the count of places says nothing of: a fixed, edge MSI to
 * a vCPU of the run (its vector, merged in IRR), a spurious INTA (the guest's
 * spurious vector: the user LAPIC owes one at a time); -1 for any other.
 * Counted in rp->msis while loading.
 */
int replay__merging_vector(const struct replay *rp, const struct injection *inj);
/* Load, once the places are sorted: each interrupt place's msis_needed (msi.c) */
void replay__msi_needs(struct replay *rp);
/* @inj was made: counted for the places that wait for it (no-op without a replay) */
void replay__msi_made(struct vm *vm, const struct injection *inj);
/*
 * @v stands at @p's place and its vector is in IRR: whether it must still wait
 * for an MSI of it the recording had made by then (two merged in IRR there);
 * stops the run (REPLAY_PAST) once that wait has lasted 10 s.
 */
enum replay_where replay__msi_wait(struct vcpu *v, const struct replay_point *p);

/* DR3 for @v: its next recorded read's instruction while reads are given back, else 0 */
uint64_t replay__read_rip(const struct vcpu *v);
/*
 * Before KVM_RUN: an exception or NMI goes in at this entry (event_at_entry), and
 * @v was left single-stepping: a breakpoint at its next place instead, as the
 * event's frame would take the step's TF (KVM sets it in RFLAGS to step).
 */
void replay__event_going_in(struct vcpu *v);
/* Set @v's breakpoints again as they are, with DR3 where replay__read_rip says now */
void replay__rearm(struct vcpu *v);
/* @v's next place, NULL when none is left. */
const struct replay_point *replay__next(const struct vcpu *v);
/* What each vCPU waits for, "cpu 0: at the place of record N (NMI v=02), ...; cpu 1: ...", into @buf */
size_t replay__waits(const struct vm *vm, char *buf, size_t n);
/*
 * Kernel, split: @v's last KVM_RUN was to make a placed delivery (BLOCKIRQ lifted,
 * a breakpoint on its handler) and ended on a signal before any exit. 1: not made
 * yet, it goes in again as it was, not looked at as if it had run; 0: made (it
 * stands on the handler), now taken as stopped there; -1: no such entry.
 */
int replay__entry_signalled(struct vcpu *v);
/* @v stands at its ITR_DELIVER_STOP place: it runs no more; counted once. */
void replay__stopped(struct vcpu *v);

#endif
