// SPDX-License-Identifier: MIT
#include <signal.h>
#include <stdio.h>
#include "dev/inject.h"
#include "lib/clock.h"
#include "record/record.h"
#include "replay/replay.h"
#include "signals.h"
#include "timers.h"

uint64_t timers__min(uint64_t a, uint64_t b)
{
	return a && (!b || a < b) ? a : b;
}

/*
 * Host-side time: scenario delay steps, our LAPIC timers, the IOAPIC storm
 * guard. Run what is due, then note the earliest next one for the host timer.
 * vCPU 0's thread does this for all; a vCPU with something new is kicked.
 */
void timers__make_step(struct vm *vm, const struct step *st)
{
	static char why[256];
	char err[200];

	/* on vCPU 0's thread: where it stood, the place a replay makes this step at */
	record__deliver(&vm->vcpus[0], 0, ITR_DELIVER_STEP);
	vm->inject_point = 1ull << 63 | st->n;
	for (unsigned j = 0; j < st->ninj; j++) {
		if (inject__do(vm, &st->inj[j], err, sizeof(err)) < 0) {
			snprintf(why, sizeof(why), "scenario step at %llu us (config line %u): %s",
				 (unsigned long long)st->n, st->inj[j].line, err);
			vm__stop(vm, VMM_GUEST_FAILED, why);
			return;
		}
	}
}

void timers__service(struct vm *vm, struct host_timer *ht)
{
	uint64_t t0 = ht->t0;
	uint32_t *done = &ht->steps_done;
	const struct scenario *sc = vm->opts.scenario;
	uint64_t now = clock__now_ns(), next = 0;
	/* the host timer went off: its window poll is for every vCPU, not only this one */
	bool polled = vm->armed_deadline_ns && vm->armed_deadline_ns <= now;

	/* a replay makes them where the recording did (run.c) */
	for (unsigned i = 0, k = 0; sc && !vm->replay && i < sc->nsteps && !vm->done; i++) {
		const struct step *st = &sc->steps[i];
		uint64_t due = t0 + st->n * 1000;
		uint32_t bit;

		if (st->at != AT_DELAY_US)
			continue;
		bit = k < 32 ? 1u << k : 0;	/* scenario__parse allows 32 steps */
		k++;
		if (!bit || *done & bit)
			continue;
		if (due > now) {
			next = timers__min(due, next);
			continue;
		}
		*done |= bit;
		timers__make_step(vm, st);
	}
	if (vm->opts.irqchip != IRQCHIP_KERNEL) {
		ioapic__tick(&vm->ioapic, now);
		next = timers__min(ioapic__next_deadline(&vm->ioapic), next);
	}
	/* a replay's timers fire where the recording says, not by this clock */
	for (unsigned i = 0; vm->opts.irqchip == IRQCHIP_USER && !(vm->replay && vm->replay->place_irqs) &&
			     i < vm->nr_vcpus; i++) {
		struct vcpu *v = &vm->vcpus[i];
		uint64_t due = lapic__timer_next(&v->lapic);

		lapic__timer_tick(&v->lapic, now);
		next = timers__min(lapic__timer_next(&v->lapic), next);
		/* only news is worth a kick (an exit each): its timer fired, or the poll is due */
		if ((due && due <= now) || (polled && (v->run->request_interrupt_window || v->tpr_held)))
			vcpu__kick(v);
	}
	vm->next_deadline_ns = next;
}

/*
 * While an interrupt waits for a window or behind the TPR (user mode), poll:
 * a host that is late to report KVM_EXIT_IRQ_WINDOW_OPEN, or makes no
 * KVM_EXIT_SET_TPR when CR8 is lowered (both seen on PVM), must not hold it back.
 */
#define WINDOW_POLL_NS 50000ull

void timers__arm(struct vm *vm, struct host_timer *ht)
{
	struct itimerspec its = { 0 };
	uint64_t now = clock__now_ns(), next = vm->next_deadline_ns, d;

	for (unsigned i = 0; i < vm->nr_vcpus; i++)
		if ((vm->vcpus[i].run->request_interrupt_window || vm->vcpus[i].tpr_held) &&
		    (!next || next > now + WINDOW_POLL_NS))
			next = now + WINDOW_POLL_NS;
	/* one syscall per exit adds up: re-arm only when the deadline moved */
	if (next == vm->armed_deadline_ns && (!next || next > now))
		return;
	vm->armed_deadline_ns = next;
	if (next) {
		d = next > now ? next - now : 1000;
		its.it_value.tv_sec = d / 1000000000ull;
		its.it_value.tv_nsec = d % 1000000000ull;
	}
	timer_settime(ht->id, 0, &its, NULL);	/* zero disarms */
}

int timers__init(struct host_timer *ht, struct vm *vm)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIG_TIMER };
	const struct scenario *sc = vm->opts.scenario;

	ht->on = vm->opts.irqchip != IRQCHIP_KERNEL;
	ht->t0 = clock__now_ns();
	ht->steps_done = 0;
	for (unsigned i = 0; sc && i < sc->nsteps; i++)
		ht->on |= sc->steps[i].at == AT_DELAY_US;
	if (ht->on && timer_create(CLOCK_MONOTONIC, &sev, &ht->id) < 0) {
		ht->on = false;
		return -1;
	}
	return 0;
}

void timers__destroy(struct host_timer *ht)
{
	if (ht->on)
		timer_delete(ht->id);
	ht->on = false;
}
