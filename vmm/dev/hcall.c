// SPDX-License-Identifier: MIT
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include "lib/clock.h"
#include "model/console.h"
#include "record/record.h"
#include "replay/replay.h"
#include "vapic/lapic.h"
#include "vm/lapic_state.h"
#include "hcall.h"
#include "inject.h"

static int hc_print(struct vm *vm, struct ivm_hcall *hc)
{
	console__write(&vm->con, hc->msg, hc->len);
	if (!hc->len || hc->msg[hc->len - 1] != '\n')
		console__flush(&vm->con);
	return EXIT_RESUME;
}

static int hc_assert(struct vm *vm, struct ivm_hcall *hc)
{
	static char why[4 * IVM_HCALL_MSG_MAX + 64];
	char msg[4 * IVM_HCALL_MSG_MAX + 1];

	console__escape(msg, sizeof(msg), hc->msg, hc->len);
	snprintf(why, sizeof(why), "guest assertion failed: %s (line %llu)", msg,
		 (unsigned long long)hc->args[0]);
	vm__stop(vm, VMM_GUEST_DIED, why);
	return EXIT_STOP;
}

static int hc_exc_result(struct vm *vm, struct ivm_hcall *hc)
{
	struct ivm_exc_result r;

	if (hc->len != sizeof(r)) {
		evlog__add(&vm->log, "hcall EXC_RESULT: len %u, expected %zu: ignored", hc->len,
			   sizeof(r));
		fprintf(stderr, "vmm: warning: malformed self-test result (len %u) ignored\n", hc->len);
		return EXIT_RESUME;
	}
	memcpy(&r, hc->msg, sizeof(r));
	selftest__add(&vm->st, &r);
	return EXIT_RESUME;
}

static int hc_selftest_done(struct vm *vm, struct ivm_hcall *hc)
{
	vm->st.done = true;
	vm->st.guest_cases = hc->args[0];
	vm->st.guest_failed = hc->args[1];
	return EXIT_RESUME;
}

static int hc_milestone(struct vm *vm, struct ivm_hcall *hc)
{
	char name[4 * IVM_HCALL_MSG_MAX + 1];
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	console__escape(name, sizeof(name), hc->msg, hc->len);
	evlog__add(&vm->log, "milestone %llu %s", (unsigned long long)hc->args[0], name);
	if (record__on(vm)) {
		struct itr_record r = { .type = ITR_MILESTONE, .a = (uint32_t)hc->args[0] };

		record__host(vm, &r);
	}
	if (vm->milestones)
		fprintf(stderr, "vmm: milestone %s at %.3f ms\n", name,
			(ts.tv_sec - vm->t0.tv_sec) * 1e3 + (ts.tv_nsec - vm->t0.tv_nsec) / 1e6);
	return EXIT_RESUME;
}

#define ORDER_WAIT_NS 10000000000ull	/* replay: for another vCPU to take what it had taken */

int hcall__hold_for(struct vcpu *self, int (*waits_for)(const struct vm *vm, const void *what),
		    const void *what)
{
	struct vm *vm = self->vm;
	uint64_t until = clock__now_ns() + ORDER_WAIT_NS;
	int x;

	while ((x = waits_for(vm, what)) >= 0 && !vm->done && clock__now_ns() < until) {
		uint64_t t = clock__now_ns() + 1000000;
		struct timespec ts = { .tv_sec = t / 1000000000ull, .tv_nsec = t % 1000000000ull };

		hcall__answer_quiet(self);	/* it may ask about this one */
		pthread_cond_timedwait(&vm->wake, &vm->lock, &ts);
	}
	return x;
}

struct step_injection {
	unsigned step, j, self;
};

static int injection_waits_for(const struct vm *vm, const void *what)
{
	const struct step_injection *si = what;

	return replay__inject_waits_for(vm, si->step, si->j, si->self);
}

/*
 * Replay: injection @j of step @step goes to another vCPU that, when the
 * recording made it, had taken more of its vector than it has here: wait for
 * it, or the two could merge in its IRR. False: stopped, it never took them.
 */
static bool order_injection(struct vm *vm, unsigned step, unsigned j, uint64_t point)
{
	struct vcpu *self = vcpu__current();
	struct step_injection si = { .step = step, .j = j };
	static char why[320];
	int x;

	if (!self || replay__inject_waits_for(vm, step, j, self->id) < 0)
		return true;
	si.self = self->id;
	vm->replay->inj_waited++;
	if ((x = hcall__hold_for(self, injection_waits_for, &si)) < 0)
		return true;
	if (!vm->done) {
		snprintf(why, sizeof(why), "replay: cpu %u's injection of v=%02x to cpu %d at sync %llu: "
			 "when the recording made it, cpu %d had taken more of that vector than it has "
			 "here after %llu s", self->id,
			 (unsigned)replay__merging_vector(vm->replay, &vm->replay->sc.steps[step].inj[j]), x,
			 (unsigned long long)point, x, ORDER_WAIT_NS / 1000000000ull);
		vm__stop_now(vm, VMM_GUEST_FAILED, why);
	}
	return false;
}

/* Run the scenario's injections for sync point N before the guest resumes. */
static int hc_sync(struct vm *vm, struct ivm_hcall *hc)
{
	const struct scenario *sc = vm->opts.scenario;
	static char why[256];
	char err[200];

	record__drain_rings(vm);	/* guest events so far precede what we inject */
	evlog__add(&vm->log, "sync %llu", (unsigned long long)hc->args[0]);
	vm->inject_point = hc->args[0];
	if (!sc)
		return EXIT_RESUME;
	for (unsigned i = 0; i < sc->nsteps; i++) {
		const struct step *st = &sc->steps[i];

		if (st->at != AT_SYNC || st->n != hc->args[0])
			continue;
		/* a replay makes each recorded visit's injections at that visit only */
		if (vm->replay && sc == &vm->replay->sc && ++vm->replay->seen[i] != vm->replay->visit[i])
			continue;
		for (unsigned j = 0; j < st->ninj; j++) {
			if (vm->replay && sc == &vm->replay->sc && !order_injection(vm, i, j, hc->args[0]))
				return EXIT_STOP;
			if (inject__do(vm, &st->inj[j], err, sizeof(err)) == 0)
				continue;
			snprintf(why, sizeof(why), "scenario step at sync %llu (config line %u): %s",
				 (unsigned long long)hc->args[0], st->inj[j].line, err);
			vm__stop(vm, VMM_GUEST_FAILED, why);
			return EXIT_STOP;
		}
		vm->next_step = i + 1;
	}
	return EXIT_RESUME;
}

static int hc_register(struct vm *vm, struct ivm_hcall *hc)
{
	struct vcpu *v = vcpu__current();
	char err[160];

	if (!v)
		v = &vm->vcpus[0];	/* exit handlers under a test harness */
	v->ring.cpu = v->id;	/* one page per vCPU: the caller's */
	for (unsigned i = 0; i < vm->nr_vcpus; i++) {
		const struct evring *o = &vm->vcpus[i].ring;

		/* two producers on one page would forge each other's records */
		if (o != &v->ring && o->gpa && hc->args[0] < o->gpa + sizeof(struct ivm_guest_page) &&
		    o->gpa < hc->args[0] + sizeof(struct ivm_guest_page)) {
			fprintf(stderr, "vmm: warning: cpu %u: guest page at %#llx overlaps cpu %u's: ignored\n",
				v->id, (unsigned long long)hc->args[0], i);
			evlog__add(&vm->log, "register: overlaps cpu %u's page", i);
			return EXIT_RESUME;
		}
	}
	if (evring__register(&v->ring, &vm->mem, hc->args[0], err, sizeof(err)) < 0) {
		fprintf(stderr, "vmm: warning: %s: ignored\n", err);
		evlog__add(&vm->log, "register: %s", err);
	} else {
		/* the guest's waits in time, not in TSC cycles of a rate it would have to guess */
		evring__set_tsc_khz(&v->ring, &vm->mem, vcpu__tsc_khz(v));
	}
	return EXIT_RESUME;
}

static int hc_scenario_done(struct vm *vm, struct ivm_hcall *hc)
{
	record__drain_rings(vm);
	vm->scenario_done = true;
	vm->scenario_result = hc->args[0];
	return EXIT_RESUME;
}

uint32_t hcall__quiet_judge(const struct quiet_view *q)
{
	uint32_t bits = 0;

	if (!q->halted)
		bits |= IVM_QUIET_RUNNING;
	else if (!(q->rflags & (1u << 9)))
		bits |= IVM_QUIET_IF0;
	for (unsigned i = 0; i < 8; i++) {
		if (q->irr[i])
			bits |= IVM_QUIET_IRR;
		if (q->isr[i])
			bits |= IVM_QUIET_ISR;
	}
	if (q->queued || q->ev.exception.injected || q->ev.exception.pending ||
	    q->ev.interrupt.injected || q->ev.nmi.injected || q->ev.nmi.pending)
		bits |= IVM_QUIET_EVENT;
	if (q->ring_open)
		bits |= IVM_QUIET_RING;
	return bits;
}

/* @v's thread: what KVM (kernel, split) or our model (user) holds for @v now; false if unreadable */
static bool quiet_view(struct vcpu *v, struct quiet_view *q)
{
	struct kvm_regs regs;

	memset(q, 0, sizeof(*q));
	if (v->ops->get_regs(v, &regs) < 0 || v->ops->get_events(v, &q->ev) < 0)
		return false;
	q->rflags = regs.rflags;
	q->rip = regs.rip;
	/* not event_at_entry: a vCPU halted in KVM leaves KVM_RUN only when kicked (EINTR),
	 * so that flag is never cleared once it took what it was given; KVM's events say it */
	q->queued = v->nreq || v->nr_nmi || v->spurious_pending || v->init_pending;
	if (v->vm->opts.irqchip == IRQCHIP_USER) {
		/* HLT exits to us: halted is our own flag; waiting for a SIPI is not halted */
		q->halted = v->halted && !v->wait_sipi;
		memcpy(q->irr, v->lapic.irr, sizeof(q->irr));
		memcpy(q->isr, v->lapic.isr, sizeof(q->isr));
	} else {
		struct kvm_mp_state mp;
		struct kvm_lapic_state s;

		/* KVM_GET_MP_STATE first takes any INIT or SIPI KVM holds (kvm_apic_accept_events) */
		if (vcpu__get_mp_state(v, &mp) < 0 || ioctl(v->fd, KVM_GET_LAPIC, &s) < 0)
			return false;
		q->halted = mp.mp_state == KVM_MP_STATE_HALTED;
		/* regs were read before KVM_GET_MP_STATE took an INIT in: runnable, they still hold */
		if (mp.mp_state == KVM_MP_STATE_RUNNABLE && replay__holds_at_hlt(v, &regs)) {
			q->halted = true;	/* the replay's own HLT: KVM's would report RIP after it */
			q->rip = regs.rip + 1;
		}
		for (unsigned i = 0; i < 8; i++) {
			q->isr[i] = lapic_state__get(&s, LAPIC_ISR + 0x10 * i);
			q->irr[i] = lapic_state__get(&s, LAPIC_IRR + 0x10 * i);
		}
		q->irr_held = lapic_state__irr_words(&s) && replay__irr_held(v, &regs);
	}
	/* every record it made so far is drained: a slot left behind is reserved, not published */
	record__drain_rings(v->vm);
	q->ring_open = v->ring.gpa && v->ring.tail != evring__reserved(&v->ring, &v->vm->mem);
	return true;
}

void hcall__answer_quiet(struct vcpu *v)
{
	struct quiet_view q;

	if (!v->quiet_asked)
		return;
	v->quiet_irr_top = v->quiet_isr_top = -1;
	v->quiet_irr_held = false;
	if (quiet_view(v, &q)) {
		v->quiet_bits = hcall__quiet_judge(&q);
		v->quiet_rip = q.rip;
		v->quiet_irr_top = lapic__highest(q.irr);
		v->quiet_isr_top = lapic__highest(q.isr);
		v->quiet_irr_held = q.irr_held;
	} else {
		v->quiet_bits = IVM_QUIET_NO_ANSWER;
		v->quiet_rip = 0;
	}
	v->quiet_asked = false;
	v->quiet_answered = true;
	evlog__add(&v->vm->log, "quiet: cpu %u answers %#x at %#llx (IRR top %d%s, ISR top %d)", v->id,
		   v->quiet_bits, (unsigned long long)v->quiet_rip, v->quiet_irr_top,
		   v->quiet_irr_held ? ", held by the replay" : "", v->quiet_isr_top);
	pthread_cond_broadcast(&v->vm->wake);
}

#define QUIET_WAIT_NS 100000000ull	/* an answer takes a kick and a loop: far less */
#define QUIET_AGREE_NS 10000000000ull	/* replay: for the vCPU asked to come where it was quiet */

/*
 * Ask vCPU @asked on its own thread (a vCPU ioctl from here would block while
 * it is in KVM_RUN): kick it and wait (the lock released) for its answer.
 * IVM_QUIET_NO_ANSWER about itself, a vCPU that isn't there or not started.
 * @irr_held (a replay's question; NULL for a live one): whether what its IRR
 * holds is the replay's, for a later place.
 */
static uint32_t ask(struct vm *vm, struct vcpu *self, uint64_t asked, uint64_t *rip, bool *irr_held)
{
	uint64_t until = clock__now_ns() + QUIET_WAIT_NS;
	uint32_t bits = IVM_QUIET_NO_ANSWER;
	struct vcpu *t;

	*rip = 0;
	if (irr_held)
		*irr_held = false;
	if (asked >= vm->nr_vcpus)
		return bits;
	t = &vm->vcpus[asked];
	if (t == self || !t->has_thread || t->fd < 0)
		return bits;
	t->quiet_answered = false;
	t->quiet_irr_top = t->quiet_isr_top = -1;
	t->quiet_asked = true;
	vcpu__kick(t);
	while (!vm->done && !t->quiet_answered && clock__now_ns() < until) {
		struct timespec ts = { .tv_sec = until / 1000000000ull,
				       .tv_nsec = until % 1000000000ull };

		hcall__answer_quiet(self);	/* asked at once by the other: in an exit, not quiet */
		pthread_cond_timedwait(&vm->wake, &vm->lock, &ts);
	}
	if (t->quiet_answered) {
		bits = t->quiet_bits;
		*rip = t->quiet_rip;
		if (irr_held)
			*irr_held = t->quiet_irr_held;
	}
	t->quiet_asked = false;
	t->quiet_answered = false;
	return bits;
}

/* Replay: an answer that agrees with a recorded "quiet" (its IRR, if any, held for later places) */
static bool quiet_in_replay(uint32_t bits, bool irr_held)
{
	return !bits || (bits == IVM_QUIET_IRR && irr_held);
}

/*
 * Replay: the recording found vCPU @a->asked quiet here, and the guest goes on
 * as if it is (an INIT, say): ask until it is quiet in the replay too, each
 * millisecond, bounded. A vector in its IRR that the replay holds for a later
 * place is no answer the recording could have seen: there it came after the
 * question. False: stopped, it never came there.
 */
static bool agree_quiet(struct vm *vm, struct vcpu *self, const struct replay_answer *a)
{
	uint64_t until = clock__now_ns() + QUIET_AGREE_NS, rip;
	uint32_t bits;
	bool held;
	static char why[320];

	for (;;) {
		uint64_t t = clock__now_ns() + 1000000;
		struct timespec ts = { .tv_sec = t / 1000000000ull, .tv_nsec = t % 1000000000ull };

		bits = ask(vm, self, a->asked, &rip, &held);
		if (quiet_in_replay(bits, held))
			return true;
		if (vm->done || clock__now_ns() >= until)
			break;
		hcall__answer_quiet(self);
		pthread_cond_timedwait(&vm->wake, &vm->lock, &ts);
	}
	if (!vm->done) {
		/* what it held at its last answer (the recorded index is checked: a trace is input) */
		const struct vcpu *t = a->asked < vm->nr_vcpus ? &vm->vcpus[a->asked] : NULL;

		snprintf(why, sizeof(why), "replay: cpu %u's QUIET question about cpu %u (recorded record %"
			 PRIu64 ") had it quiet in the recording; here it is not (answer %#x, at RIP %#"
			 PRIx64 ", IRR top %d, ISR top %d) after %llu s", self->id, a->asked, a->seq, bits,
			 rip, t ? t->quiet_irr_top : -1, t ? t->quiet_isr_top : -1,
			 QUIET_AGREE_NS / 1000000000ull);
		vm__stop_now(vm, VMM_GUEST_FAILED, why);
	}
	return false;
}

/*
 * IVM_HC_QUIET: the answer, written into the caller's block before it
 * resumes, and recorded (ITR_QUIET). A replay gives the recorded answer back.
 */
static int hc_quiet(struct vm *vm, struct ivm_hcall *hc)
{
	struct vcpu *self = vcpu__current();
	const struct replay_answer *a;

	hc->args[1] = IVM_QUIET_NO_ANSWER;
	hc->args[2] = 0;
	if (!self)
		return EXIT_RESUME;
	switch (vm->replay ? replay__answer(self, hc->args[0], &a) : REPLAY_NONE) {
	case REPLAY_PAST:
		return EXIT_STOP;
	case REPLAY_HERE:
		if (!a->bits && !agree_quiet(vm, self, a))
			return EXIT_STOP;
		hc->args[1] = a->bits;
		hc->args[2] = a->rip;
		break;
	default:
		hc->args[1] = ask(vm, self, hc->args[0], &hc->args[2], NULL);
	}
	record__quiet(self, hc->args[0], (uint32_t)hc->args[1], hc->args[2]);
	return EXIT_RESUME;
}

/* The counter IVM_HC_PROGRESS names: 4 bytes, aligned, in RAM; NULL for anything else */
static const uint32_t *progress_counter(struct vm *vm, uint64_t gpa)
{
	return gpa & 3 ? NULL : gmem__ptr(&vm->mem, gpa, sizeof(uint32_t));
}

struct progress_wait {
	const uint32_t *counter;
	uint32_t value;
};

/*
 * 0 while the counter is short of the recorded value (it counts up: past it
 * is there too; 0 names no vCPU: whichever counts it up), else -1
 */
static int progress_waits_for(const struct vm *vm, const void *what)
{
	const struct progress_wait *w = what;

	(void)vm;
	return (int32_t)(__atomic_load_n(w->counter, __ATOMIC_ACQUIRE) - w->value) >= 0 ? -1 : 0;
}

/*
 * Replay: the guest goes on as if the counter holds @p->value (it sends an IPI
 * that would merge with one not yet taken, say): wait until it does here too.
 * False: stopped, it never got there.
 */
static bool agree_progress(struct vm *vm, struct vcpu *self, const uint32_t *counter,
			   const struct replay_progress *p)
{
	struct progress_wait w = { .counter = counter, .value = p->value };
	static char why[320];

	if (progress_waits_for(vm, &w) < 0)
		return true;
	vm->replay->progress_waited++;
	if (hcall__hold_for(self, progress_waits_for, &w) < 0)
		return true;
	if (!vm->done) {
		snprintf(why, sizeof(why), "replay: cpu %u's PROGRESS question (recorded record %" PRIu64
			 ") read %" PRIu32 " from the counter at %#" PRIx64 " in the recording; here it "
			 "holds %" PRIu32 " after %llu s", self->id, p->seq, p->value, p->gpa,
			 __atomic_load_n(counter, __ATOMIC_ACQUIRE), ORDER_WAIT_NS / 1000000000ull);
		vm__stop_now(vm, VMM_GUEST_FAILED, why);
	}
	return false;
}

/*
 * IVM_HC_PROGRESS: the counter's value, written into the caller's block before
 * it resumes, and recorded (ITR_PROGRESS). A replay gives the recorded value
 * back once the counter has got there.
 */
static int hc_progress(struct vm *vm, struct ivm_hcall *hc)
{
	struct vcpu *self = vcpu__current();
	const uint32_t *counter = progress_counter(vm, hc->args[0]);
	const struct replay_progress *p;
	uint32_t value = counter ? __atomic_load_n(counter, __ATOMIC_ACQUIRE) : 0;

	hc->args[1] = value;
	hc->args[2] = counter ? 0 : IVM_PROGRESS_BAD_GPA;
	if (!self)
		return EXIT_RESUME;
	if (!counter)
		evlog__add(&vm->log, "progress: cpu %u: %#llx is not a counter in RAM", self->id,
			   (unsigned long long)hc->args[0]);
	switch (vm->replay ? replay__progress(self, hc->args[0], &p) : REPLAY_NONE) {
	case REPLAY_PAST:
		return EXIT_STOP;
	case REPLAY_HERE:
		if (counter && !agree_progress(vm, self, counter, p))
			return EXIT_STOP;
		hc->args[1] = p->value;
		break;
	default:
		break;
	}
	record__progress(self, hc->args[0], (uint32_t)hc->args[1]);
	return EXIT_RESUME;
}

typedef int (*hc_fn)(struct vm *vm, struct ivm_hcall *hc);

static const hc_fn hc_handlers[IVM_HC_MAX] = {
	[IVM_HC_PRINT] = hc_print,
	[IVM_HC_ASSERT] = hc_assert,
	[IVM_HC_EXC_RESULT] = hc_exc_result,
	[IVM_HC_SELFTEST_DONE] = hc_selftest_done,
	[IVM_HC_MILESTONE] = hc_milestone,
	[IVM_HC_SYNC] = hc_sync,
	[IVM_HC_REGISTER] = hc_register,
	[IVM_HC_SCENARIO_DONE] = hc_scenario_done,
	[IVM_HC_QUIET] = hc_quiet,
	[IVM_HC_PROGRESS] = hc_progress,
};

int hcall__handle(struct vm *vm, uint64_t gpa)
{
	void *p = gmem__ptr(&vm->mem, gpa, sizeof(struct ivm_hcall));
	struct ivm_hcall hc;
	int r;

	if (!p) {
		fprintf(stderr, "vmm: warning: hypercall block at %#llx is outside guest RAM: ignored\n",
			(unsigned long long)gpa);
		evlog__add(&vm->log, "hcall at %#llx: outside RAM", (unsigned long long)gpa);
		return EXIT_RESUME;
	}
	/* One copy, then validate: the guest can't change it under us afterwards. */
	memcpy(&hc, p, sizeof(hc));
	if (hc.kind >= IVM_HC_MAX || !hc_handlers[hc.kind] || hc.len > IVM_HCALL_MSG_MAX) {
		fprintf(stderr, "vmm: warning: bad hypercall at %#llx (kind %u, len %u): ignored\n",
			(unsigned long long)gpa, hc.kind, hc.len);
		evlog__add(&vm->log, "hcall kind %u len %u: bad", hc.kind, hc.len);
		return EXIT_RESUME;
	}
	vm->nr_hcalls++;
	r = hc_handlers[hc.kind](vm, &hc);
	if (hc.kind == IVM_HC_QUIET || hc.kind == IVM_HC_PROGRESS)	/* the answer, in the caller's block */
		memcpy((char *)p + offsetof(struct ivm_hcall, args), hc.args, sizeof(hc.args));
	return r;
}
