// SPDX-License-Identifier: MIT
/* Local APIC timer (SDM 11.5.4): one-shot, periodic and TSC-deadline, driven by now_ns. */
#include "lapic.h"
#include "lapic_priv.h"

typedef unsigned __int128 u128;

/* TDCR bits 0,1,3: 000 -> 2, 001 -> 4, ..., 110 -> 128, 111 -> 1. */
static uint64_t timer_divide(const struct lapic *l)
{
	unsigned v = (l->timer_dcr & 3) | ((l->timer_dcr >> 1) & 4);

	return 1ull << ((v + 1) & 7);
}

/* Duration of @count timer counts, rounded up so the timer never fires early. */
static uint64_t counts_to_ns(const struct lapic *l, uint64_t count)
{
	u128 num = (u128)count * timer_divide(l) * NSEC_PER_SEC;

	return (uint64_t)((num + l->cfg.bus_hz - 1) / l->cfg.bus_hz);
}

/* Counts still to go with @ns left, rounded up: the count drops at each tick's end. */
static uint64_t ns_to_counts(const struct lapic *l, uint64_t ns)
{
	u128 den = (u128)timer_divide(l) * NSEC_PER_SEC;

	return (uint64_t)(((u128)ns * l->cfg.bus_hz + den - 1) / den);
}

void lapic_timer_disarm(struct lapic *l)
{
	l->timer_next_ns = 0;
	l->timer_period_ns = 0;
}

/* Next expiry counted from the last one that passed by @now (periodic). */
static uint64_t timer_next_after(const struct lapic *l, uint64_t now)
{
	uint64_t next = l->timer_next_ns;

	if (now < next || timer_mode(l) != LAPIC_TIMER_PERIODIC || !l->timer_period_ns)
		return next;
	return next + ((now - next) / l->timer_period_ns + 1) * l->timer_period_ns;
}

uint32_t lapic_timer_current(const struct lapic *l, uint64_t now)
{
	uint64_t next, c;

	if (timer_mode(l) == LAPIC_TIMER_TSCDEADLINE || !l->timer_next_ns)
		return 0;
	next = timer_next_after(l, now);
	if (now >= next)
		return 0;
	c = ns_to_counts(l, next - now);
	return c > l->timer_initial ? l->timer_initial : (uint32_t)c;
}

void lapic_timer_start(struct lapic *l, uint64_t now)
{
	if (!l->timer_initial) {
		lapic_timer_disarm(l);
		return;
	}
	l->timer_period_ns = counts_to_ns(l, l->timer_initial);
	l->timer_next_ns = now + l->timer_period_ns;
	if (!l->timer_next_ns)
		l->timer_next_ns = 1;
}

/*
 * Guest TSC value -> now_ns, rounded up; a deadline before now_ns 0 is due at
 * once. The offset is modulo 2^64 so a VMM whose clock started long before
 * the guest's TSC can pass -T0 * tsc_hz / 1e9.
 */
static uint64_t tsc_to_ns(const struct lapic *l, uint64_t tsc)
{
	int64_t ticks = (int64_t)(tsc - l->cfg.tsc_offset);
	uint64_t ns;

	if (ticks <= 0)
		return 1;
	ns = (uint64_t)(((u128)ticks * NSEC_PER_SEC + l->cfg.tsc_hz - 1) / l->cfg.tsc_hz);
	return ns ? ns : 1;
}

void lapic_timer_set_tsc_deadline(struct lapic *l, uint64_t val)
{
	/* SDM 11.5.4.1: ignored outside TSC-deadline mode. */
	if (timer_mode(l) != LAPIC_TIMER_TSCDEADLINE)
		return;
	l->tsc_deadline = val;
	l->timer_period_ns = 0;
	l->timer_next_ns = val ? tsc_to_ns(l, val) : 0;
}

void lapic_timer_write_tdcr(struct lapic *l, uint32_t val, uint64_t now)
{
	uint32_t cur = lapic_timer_current(l, now);
	bool running = l->timer_next_ns && timer_mode(l) != LAPIC_TIMER_TSCDEADLINE &&
		       now < timer_next_after(l, now);

	l->timer_dcr = val & 0xb;
	if (!running)
		return;
	/* The count goes on from where it is, at the new rate. */
	l->timer_period_ns = counts_to_ns(l, l->timer_initial);
	l->timer_next_ns = now + counts_to_ns(l, cur);
}

uint64_t lapic__timer_next(const struct lapic *l)
{
	return l->enabled ? l->timer_next_ns : 0;
}

void lapic__timer_tick(struct lapic *l, uint64_t now_ns)
{
	uint32_t lvt = l->lvt[LAPIC_LVT_I_TIMER];
	uint64_t missed = 0;

	if (!l->enabled || !l->timer_next_ns || now_ns < l->timer_next_ns)
		return;
	if (timer_mode(l) == LAPIC_TIMER_PERIODIC && l->timer_period_ns) {
		/* Expiries the VMM slept through coalesce into one IRR bit. */
		missed = (now_ns - l->timer_next_ns) / l->timer_period_ns;
		l->timer_next_ns += (missed + 1) * l->timer_period_ns;
	} else {
		if (timer_mode(l) == LAPIC_TIMER_TSCDEADLINE)
			l->tsc_deadline = 0;	/* SDM 11.5.4.1: firing disarms */
		lapic_timer_disarm(l);
	}
	emit(l, LAPIC_EV_TIMER, lvt, missed > 0xffffffffu ? 0xffffffffu : (uint32_t)missed);
	if (!(lvt & LAPIC_LVT_MASKED))
		lapic__accept(l, lvt & LAPIC_LVT_VECTOR, false);
}
