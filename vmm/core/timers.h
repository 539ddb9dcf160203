/* SPDX-License-Identifier: MIT */
/*
 * Host-side time, serviced by vCPU 0's thread for the whole VM: scenario
 * delay steps, our LAPIC timers, the IOAPIC storm guard, and the interrupt
 * window poll; one POSIX timer (SIG_TIMER) armed for the earliest of them.
 */
#ifndef VMM_TIMERS_H
#define VMM_TIMERS_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include "vm/vm.h"

struct host_timer {
	bool on;		/* the mode or the scenario has host-side time at all */
	timer_t id;
	uint64_t t0;		/* delay steps count from here */
	uint32_t steps_done;	/* bit per delay step (in order) already performed */
};

/* Decide whether @vm needs host time and create the timer; -1 if it can't be created. */
int timers__init(struct host_timer *ht, struct vm *vm);
void timers__destroy(struct host_timer *ht);
/* Run what is due, note the next deadline in vm->next_deadline_ns. */
void timers__service(struct vm *vm, struct host_timer *ht);
/* A delay step, now: its injections, and in the trace where vCPU 0 stood (on its thread). */
void timers__make_step(struct vm *vm, const struct step *st);
/* Arm the timer for that deadline, or a window poll, if it moved. */
void timers__arm(struct vm *vm, struct host_timer *ht);
/* The earlier of two deadlines, 0 meaning none. */
uint64_t timers__min(uint64_t a, uint64_t b);

#endif
