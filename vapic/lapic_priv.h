/* SPDX-License-Identifier: MIT */
/* Private to vapic/lapic*.c: what the register and timer files share. */
#ifndef VAPIC_LAPIC_PRIV_H
#define VAPIC_LAPIC_PRIV_H

#include <stdbool.h>
#include <stdint.h>

#include "lapic.h"

#define NSEC_PER_SEC	1000000000ull

static inline void emit(struct lapic *l, enum lapic_event ev, uint32_t a, uint32_t b)
{
	if (l->cfg.event)
		l->cfg.event(l->cfg.opaque, ev, a, b);
}

static inline bool tsc_deadline_supported(const struct lapic *l)
{
	return l->cfg.tsc_hz != 0;
}

static inline unsigned timer_mode(const struct lapic *l)
{
	return (l->lvt[LAPIC_LVT_I_TIMER] >> LAPIC_TIMER_MODE_SHIFT) & 3;
}

/* Timer internals the register file calls (lapic_timer.c). */
void lapic_timer_disarm(struct lapic *l);
uint32_t lapic_timer_current(const struct lapic *l, uint64_t now);
void lapic_timer_start(struct lapic *l, uint64_t now);
void lapic_timer_write_tdcr(struct lapic *l, uint32_t val, uint64_t now);
void lapic_timer_set_tsc_deadline(struct lapic *l, uint64_t val);

#endif
