// SPDX-License-Identifier: MIT
/*
 * Local APIC model, Intel SDM Vol. 3A chapter 11: register map (Table 11-1,
 * x2APIC Table 11-6), priorities (11.8.3.1), INTA and the spurious vector
 * (11.9), EOI (11.8.5), errors (11.5.3), IA32_APIC_BASE transitions
 * (11.12.5); the timer is in lapic_timer.c, destination matching in
 * lapic_dest.c. See lapic.h for the choices the SDM leaves open.
 * Written for this project; QEMU's hw/intc/apic.c and KVM's lapic.c were
 * read only to compare interpretations.
 */
#include <string.h>

#include "lapic.h"
#include "lapic_priv.h"

/* Register access classes by offset. */
#define REG_R	1
#define REG_W	2

/* ICR low: vector, delivery mode, dest mode, level, trigger, shorthand. */
#define ICR_LO_WRITABLE	0x000ccfffu
#define LVT_TIMER_BITS	(LAPIC_LVT_VECTOR | LAPIC_LVT_MASKED | (3u << LAPIC_TIMER_MODE_SHIFT))
#define LVT_DM_BITS	(LAPIC_LVT_VECTOR | (7u << LAPIC_LVT_DM_SHIFT) | LAPIC_LVT_MASKED)
#define LVT_LINT_BITS	(LVT_DM_BITS | LAPIC_LVT_POLARITY | LAPIC_LVT_LEVEL)
#define LVT_ERR_BITS	(LAPIC_LVT_VECTOR | LAPIC_LVT_MASKED)

static bool vec_test(const uint32_t *reg, unsigned v)
{
	return reg[v >> 5] & (1u << (v & 31));
}

static void vec_set(uint32_t *reg, unsigned v)
{
	reg[v >> 5] |= 1u << (v & 31);
}

static void vec_clear(uint32_t *reg, unsigned v)
{
	reg[v >> 5] &= ~(1u << (v & 31));
}

/* Highest (or lowest) set vector of a 256-bit register, -1 if none. */
static int vec_scan(const uint32_t *reg, bool lowest)
{
	for (int i = 0; i < 8; i++) {
		int w = lowest ? i : 7 - i;

		if (reg[w])
			return w * 32 + (lowest ? __builtin_ctz(reg[w]) :
						  31 - __builtin_clz(reg[w]));
	}
	return -1;
}

int lapic__highest(const uint32_t reg[8])
{
	return vec_scan(reg, false);
}

/* ISRV of the SDM: 0 when nothing is in service. */
static uint32_t isr_highest(const struct lapic *l)
{
	int v = vec_scan(l->isr, false);

	return v < 0 ? 0 : (uint32_t)v;
}

/* SDM 11.8.3.1: PPR = TPR if TPR[7:4] >= ISRV[7:4], else ISRV[7:4]:0. */
static uint32_t ppr_of(uint32_t tpr, uint32_t isrv)
{
	if ((tpr & 0xf0) >= (isrv & 0xf0))
		return tpr & 0xff;
	return isrv & 0xf0;
}

uint32_t lapic__ppr(const struct lapic *l)
{
	return ppr_of(l->tpr, isr_highest(l));
}

/* SDM Figure 11-15: APR (xAPIC only, informational here). */
static uint32_t apr(const struct lapic *l)
{
	uint32_t tc = l->tpr >> 4, sc = isr_highest(l) >> 4;
	int irrv = vec_scan(l->irr, false);
	uint32_t rc = irrv < 0 ? 0 : (uint32_t)irrv >> 4;
	uint32_t m = tc;

	if (tc >= rc && tc > sc)
		return l->tpr;
	if (sc > m)
		m = sc;
	if (rc > m)
		m = rc;
	return m << 4;
}

static bool sw_enabled(const struct lapic *l)
{
	return l->svr & LAPIC_SVR_ENABLE;
}

static bool directed_eoi(const struct lapic *l)
{
	return (l->version & LAPIC_VERSION_DEOI) && (l->svr & LAPIC_SVR_DEOI);
}

static uint32_t x2apic_ldr(uint32_t id)
{
	return ((id >> 4) << 16) | (1u << (id & 0xf));
}

static void irr_set(struct lapic *l, unsigned vector, bool level)
{
	if (vec_test(l->irr, vector)) {
		emit(l, LAPIC_EV_COALESCED, vector, level);
	} else {
		vec_set(l->irr, vector);
		emit(l, LAPIC_EV_ACCEPT, vector, level);
	}
	if (level)
		vec_set(l->tmr, vector);
	else
		vec_clear(l->tmr, vector);
}

/* Log an error and raise the LVT error interrupt (SDM 11.5.3). */
static void set_error(struct lapic *l, uint32_t bits)
{
	uint32_t lvt = l->lvt[LAPIC_LVT_I_ERROR];
	unsigned vec = lvt & LAPIC_LVT_VECTOR;

	l->esr_pending |= bits;
	emit(l, LAPIC_EV_ERROR, bits, l->esr_pending);
	if (l->in_error || (lvt & LAPIC_LVT_MASKED) || !l->enabled || !sw_enabled(l))
		return;
	/* An illegal error vector is itself an error, reported once, not looped. */
	l->in_error = true;
	if (vec < 16)
		set_error(l, LAPIC_ESR_RECV_ILLEGAL);
	else
		irr_set(l, vec, false);
	l->in_error = false;
}

void lapic__accept(struct lapic *l, uint8_t vector, bool level)
{
	if (!l->enabled || !sw_enabled(l)) {
		emit(l, LAPIC_EV_DROPPED, vector, !l->enabled);
		return;
	}
	if (vector < 16) {
		set_error(l, LAPIC_ESR_RECV_ILLEGAL);
		return;
	}
	irr_set(l, vector, level);
}

int lapic__pending(const struct lapic *l)
{
	int irrv = vec_scan(l->irr, false);
	uint32_t isrv = isr_highest(l), ppr;

	if (!l->enabled || irrv < 0)
		return -1;
	ppr = ppr_of(l->tpr, isrv);
	if (((uint32_t)irrv & 0xf0) <= (ppr & 0xf0))
		return -1;
	return irrv;
}

bool lapic__held_by_tpr(const struct lapic *l)
{
	int irrv = vec_scan(l->irr, false);
	uint32_t isrv = isr_highest(l);

	if (!l->enabled || irrv < 0)
		return false;
	/* above what is in service, at or below the TPR's class */
	return ((uint32_t)irrv & 0xf0) > (isrv & 0xf0) && ((uint32_t)irrv & 0xf0) <= (l->tpr & 0xf0);
}

uint8_t lapic__ack(struct lapic *l)
{
	int vec = lapic__pending(l);
	uint32_t ppr = lapic__ppr(l);

	if (vec < 0) {
		/* SDM 11.9: TPR rose between INTR and INTA; ISR is left alone. */
		int irrv = vec_scan(l->irr, false);

		emit(l, LAPIC_EV_SPURIOUS, l->svr & 0xff,
		     irrv < 0 ? LAPIC_NO_VECTOR : (uint32_t)irrv);
		return l->svr & 0xff;
	}
	vec_clear(l->irr, vec);
	vec_set(l->isr, vec);
	emit(l, LAPIC_EV_DELIVER, vec, ppr);
	return vec;
}

bool lapic__deliverable(const struct lapic *l, uint8_t vector)
{
	return l->enabled && vec_test(l->irr, vector) && (vector & 0xf0) > (lapic__ppr(l) & 0xf0);
}

int lapic__ack_vector(struct lapic *l, uint8_t vector)
{
	uint32_t ppr = lapic__ppr(l);

	if (!lapic__deliverable(l, vector))
		return -1;
	vec_clear(l->irr, vector);
	vec_set(l->isr, vector);
	emit(l, LAPIC_EV_DELIVER, vector, ppr);
	return vector;
}

/* A level LINT entry waits for the EOI of its vector (remote IRR) before re-firing. */
static void lint_level_check(struct lapic *l, int pin)
{
	uint32_t *lvt = &l->lvt[LAPIC_LVT_I_LINT0 + pin];
	bool active = l->lint_in[pin] ^ !!(*lvt & LAPIC_LVT_POLARITY);

	if (!active || (*lvt & (LAPIC_LVT_MASKED | LAPIC_LVT_REMOTE_IRR)) ||
	    !(*lvt & LAPIC_LVT_LEVEL) || ((*lvt >> LAPIC_LVT_DM_SHIFT) & 7) != LAPIC_DM_FIXED)
		return;
	*lvt |= LAPIC_LVT_REMOTE_IRR;
	lapic__accept(l, *lvt & LAPIC_LVT_VECTOR, true);
}

static void eoi(struct lapic *l)
{
	int vec = vec_scan(l->isr, false);
	bool bcast = false;

	if (vec < 0) {
		emit(l, LAPIC_EV_EOI, LAPIC_NO_VECTOR, 0);
		return;
	}
	vec_clear(l->isr, vec);
	if (vec_test(l->tmr, vec) && !directed_eoi(l))
		bcast = true;
	emit(l, LAPIC_EV_EOI, vec, bcast);
	for (int pin = 0; pin < 2; pin++) {
		uint32_t *lvt = &l->lvt[LAPIC_LVT_I_LINT0 + pin];

		if ((*lvt & LAPIC_LVT_REMOTE_IRR) && (*lvt & LAPIC_LVT_VECTOR) == (uint32_t)vec) {
			*lvt &= ~LAPIC_LVT_REMOTE_IRR;
			lint_level_check(l, pin);
		}
	}
	if (bcast && l->cfg.eoi_broadcast)
		l->cfg.eoi_broadcast(l->cfg.opaque, vec);
}

enum lapic_lint lapic__lint(struct lapic *l, int pin, int level)
{
	bool was, now, pol;
	uint32_t lvt;

	if (pin != 0 && pin != 1)
		return LAPIC_LINT_NONE;
	was = l->lint_in[pin];
	l->lint_in[pin] = level != 0;
	if (!l->enabled) {
		/* No APIC: the pins are the CPU's INTR and NMI (SDM 11.4.3). */
		if (pin == 0)
			return level ? LAPIC_LINT_EXTINT : LAPIC_LINT_NONE;
		return level && !was ? LAPIC_LINT_NMI : LAPIC_LINT_NONE;
	}
	lvt = l->lvt[LAPIC_LVT_I_LINT0 + pin];
	pol = lvt & LAPIC_LVT_POLARITY;
	now = l->lint_in[pin] ^ pol;
	was ^= pol;
	if (lvt & LAPIC_LVT_MASKED)
		return LAPIC_LINT_NONE;
	switch ((lvt >> LAPIC_LVT_DM_SHIFT) & 7) {
	case LAPIC_DM_FIXED:
		if (lvt & LAPIC_LVT_LEVEL) {
			if (!now || (lvt & LAPIC_LVT_REMOTE_IRR))
				return LAPIC_LINT_NONE;
			lint_level_check(l, pin);
			return LAPIC_LINT_FIXED;
		}
		if (!now || was)
			return LAPIC_LINT_NONE;
		lapic__accept(l, lvt & LAPIC_LVT_VECTOR, false);
		return LAPIC_LINT_FIXED;
	case LAPIC_DM_EXTINT:
		/* INTR is a level: the VMM asks the PIC while it is asserted. */
		return now ? LAPIC_LINT_EXTINT : LAPIC_LINT_NONE;
	case LAPIC_DM_NMI:
		return now && !was ? LAPIC_LINT_NMI : LAPIC_LINT_NONE;
	case LAPIC_DM_SMI:
		return now && !was ? LAPIC_LINT_SMI : LAPIC_LINT_NONE;
	case LAPIC_DM_INIT:
		return now && !was ? LAPIC_LINT_INIT : LAPIC_LINT_NONE;
	default:
		return LAPIC_LINT_NONE;
	}
}

static void send_icr(struct lapic *l)
{
	unsigned vec = l->icr_lo & 0xff, dm = (l->icr_lo >> 8) & 7;
	unsigned sh = (l->icr_lo >> LAPIC_ICR_SH_SHIFT) & 3;
	struct lapic_ipi ipi;

	if ((dm == LAPIC_DM_FIXED || dm == LAPIC_DM_LOWEST) && vec < 16) {
		set_error(l, LAPIC_ESR_SEND_ILLEGAL);
		return;
	}
	if (sh == LAPIC_SH_SELF) {
		/* SDM 11.6.1: "self" is valid only for fixed, edge; the rest is undefined. */
		if (dm == LAPIC_DM_FIXED)
			lapic__accept(l, vec, false);
		return;
	}
	memset(&ipi, 0, sizeof(ipi));
	ipi.dest = l->x2apic ? l->icr_hi : l->icr_hi >> 24;
	ipi.source = l->apic_id;
	ipi.vector = vec;
	ipi.delivery_mode = dm;
	ipi.shorthand = sh;
	ipi.logical = l->icr_lo & LAPIC_ICR_LOGICAL;
	ipi.assert = l->icr_lo & LAPIC_ICR_ASSERT;
	ipi.level = l->icr_lo & LAPIC_ICR_LEVEL;
	ipi.x2apic = l->x2apic;
	if (l->cfg.send_ipi)
		l->cfg.send_ipi(l->cfg.opaque, &ipi);
}

/* Which registers exist in the current mode, and how they may be accessed. */
static int reg_class(const struct lapic *l, uint32_t off)
{
	bool x2 = l->x2apic;

	if (off >= LAPIC_ISR && off < LAPIC_ESR)
		return REG_R;
	if (off >= LAPIC_LVT_TIMER && off <= LAPIC_LVT_ERR)
		return REG_R | REG_W;
	switch (off) {
	case LAPIC_ID:
	case LAPIC_LDR:
		return x2 ? REG_R : REG_R | REG_W;
	case LAPIC_VER:
	case LAPIC_PPR:
	case LAPIC_TMCCT:
		return REG_R;
	case LAPIC_APR:
	case LAPIC_RRD:
		return x2 ? 0 : REG_R;
	case LAPIC_DFR:
	case LAPIC_ICR_HI:
		return x2 ? 0 : REG_R | REG_W;
	case LAPIC_EOI:
		return REG_W;
	case LAPIC_SELF_IPI:
		return x2 ? REG_W : 0;
	case LAPIC_LVT_CMCI:
		return l->cfg.cmci ? REG_R | REG_W : 0;
	case LAPIC_TPR:
	case LAPIC_SVR:
	case LAPIC_ESR:
	case LAPIC_ICR_LO:
	case LAPIC_TMICT:
	case LAPIC_TDCR:
		return REG_R | REG_W;
	default:
		return 0;
	}
}

static int lvt_index(uint32_t off)
{
	if (off == LAPIC_LVT_CMCI)
		return LAPIC_LVT_I_CMCI;
	return (off - LAPIC_LVT_TIMER) >> 4;
}

static uint64_t reg_get(struct lapic *l, uint32_t off, uint64_t now)
{
	if (off >= LAPIC_ISR && off < LAPIC_TMR)
		return l->isr[(off - LAPIC_ISR) >> 4];
	if (off >= LAPIC_TMR && off < LAPIC_IRR)
		return l->tmr[(off - LAPIC_TMR) >> 4];
	if (off >= LAPIC_IRR && off < LAPIC_ESR)
		return l->irr[(off - LAPIC_IRR) >> 4];
	if ((off >= LAPIC_LVT_TIMER && off <= LAPIC_LVT_ERR) || off == LAPIC_LVT_CMCI)
		return l->lvt[lvt_index(off)];
	switch (off) {
	case LAPIC_ID:
		return l->x2apic ? l->apic_id : l->apic_id << 24;
	case LAPIC_VER:
		return l->version;
	case LAPIC_TPR:
		return l->tpr;
	case LAPIC_APR:
		return apr(l);
	case LAPIC_PPR:
		return lapic__ppr(l);
	case LAPIC_LDR:
		return l->ldr;
	case LAPIC_DFR:
		return l->dfr;
	case LAPIC_SVR:
		return l->svr;
	case LAPIC_ESR:
		return l->esr;
	case LAPIC_ICR_LO:
		return l->x2apic ? ((uint64_t)l->icr_hi << 32) | l->icr_lo : l->icr_lo;
	case LAPIC_ICR_HI:
		return l->icr_hi;
	case LAPIC_TMICT:
		return l->timer_initial;
	case LAPIC_TMCCT:
		return lapic_timer_current(l, now);
	case LAPIC_TDCR:
		return l->timer_dcr;
	default:
		return 0;	/* RRD: remote read is not modelled */
	}
}

static uint32_t lvt_writable(const struct lapic *l, int i)
{
	switch (i) {
	case LAPIC_LVT_I_TIMER:
		return tsc_deadline_supported(l) ? LVT_TIMER_BITS :
						   LVT_TIMER_BITS & ~(2u << LAPIC_TIMER_MODE_SHIFT);
	case LAPIC_LVT_I_LINT0:
	case LAPIC_LVT_I_LINT1:
		return LVT_LINT_BITS;
	case LAPIC_LVT_I_ERROR:
		return LVT_ERR_BITS;
	default:
		return LVT_DM_BITS;
	}
}

static void write_lvt(struct lapic *l, int i, uint32_t val)
{
	uint32_t old = l->lvt[i];

	val &= lvt_writable(l, i);
	if (!sw_enabled(l))
		val |= LAPIC_LVT_MASKED;	/* SDM 11.4.7.2: masks can't be cleared */
	if (i == LAPIC_LVT_I_TIMER) {
		unsigned om = (old >> LAPIC_TIMER_MODE_SHIFT) & 3;
		unsigned nm = (val >> LAPIC_TIMER_MODE_SHIFT) & 3;

		if (nm == 3) {
			/* Reserved mode: keep the old one. */
			val &= ~(3u << LAPIC_TIMER_MODE_SHIFT);
			val |= om << LAPIC_TIMER_MODE_SHIFT;
			nm = om;
		}
		if ((om == LAPIC_TIMER_TSCDEADLINE) != (nm == LAPIC_TIMER_TSCDEADLINE)) {
			l->timer_initial = 0;
			l->tsc_deadline = 0;
			lapic_timer_disarm(l);
		}
	}
	if (i == LAPIC_LVT_I_LINT0 || i == LAPIC_LVT_I_LINT1)
		val |= old & LAPIC_LVT_REMOTE_IRR;
	l->lvt[i] = val;
	if (i == LAPIC_LVT_I_LINT0 || i == LAPIC_LVT_I_LINT1)
		lint_level_check(l, i - LAPIC_LVT_I_LINT0);
}

static void set_tpr(struct lapic *l, uint32_t val)
{
	uint32_t old = l->tpr;

	l->tpr = val & 0xff;
	emit(l, LAPIC_EV_TPR, old, l->tpr);
}

uint8_t lapic__cr8(const struct lapic *l)
{
	return (l->tpr >> 4) & 0xf;
}

void lapic__set_cr8(struct lapic *l, uint8_t cr8)
{
	set_tpr(l, (uint32_t)(cr8 & 0xf) << 4);
}

static void reg_put(struct lapic *l, uint32_t off, uint64_t val, uint64_t now)
{
	uint32_t v = (uint32_t)val;

	if ((off >= LAPIC_LVT_TIMER && off <= LAPIC_LVT_ERR) || off == LAPIC_LVT_CMCI) {
		write_lvt(l, lvt_index(off), v);
		return;
	}
	switch (off) {
	case LAPIC_ID:
		l->apic_id = v >> 24;
		break;
	case LAPIC_TPR:
		set_tpr(l, v);
		break;
	case LAPIC_EOI:
		eoi(l);
		break;
	case LAPIC_LDR:
		l->ldr = v & 0xff000000u;
		break;
	case LAPIC_DFR:
		l->dfr = v | 0x0fffffffu;
		break;
	case LAPIC_SVR: {
		uint32_t mask = 0xff | LAPIC_SVR_ENABLE;

		if (l->version & LAPIC_VERSION_DEOI)
			mask |= LAPIC_SVR_DEOI;
		l->svr = v & mask;
		if (!sw_enabled(l))
			for (int i = 0; i < LAPIC_LVT_NR; i++)
				l->lvt[i] |= LAPIC_LVT_MASKED;
		break;
	}
	case LAPIC_ESR:
		/* SDM 11.5.3: a write latches the errors seen since the last one. */
		l->esr = l->esr_pending;
		l->esr_pending = 0;
		break;
	case LAPIC_ICR_LO:
		if (l->x2apic)
			l->icr_hi = (uint32_t)(val >> 32);
		l->icr_lo = v & ICR_LO_WRITABLE;
		send_icr(l);
		break;
	case LAPIC_ICR_HI:
		l->icr_hi = v & 0xff000000u;
		break;
	case LAPIC_TMICT:
		/* SDM 11.5.4.1: ignored in TSC-deadline mode. */
		if (timer_mode(l) == LAPIC_TIMER_TSCDEADLINE)
			break;
		l->timer_initial = v;
		lapic_timer_start(l, now);
		break;
	case LAPIC_TDCR:
		lapic_timer_write_tdcr(l, v, now);
		break;
	case LAPIC_SELF_IPI:
		/* SDM 11.12.11: a fixed self-IPI, as through the ICR: vectors 0-15 are illegal */
		if ((v & 0xff) < 16)
			set_error(l, LAPIC_ESR_SEND_ILLEGAL);
		else
			lapic__accept(l, v & 0xff, false);
		break;
	}
}

/* Power-up register values (SDM 11.4.7.1), ID and APIC base aside. */
static void regs_reset(struct lapic *l)
{
	l->svr = 0xff;
	l->tpr = 0;
	l->ldr = l->x2apic ? x2apic_ldr(l->apic_id) : 0;
	l->dfr = 0xffffffffu;
	l->esr = 0;
	l->esr_pending = 0;
	memset(l->irr, 0, sizeof(l->irr));
	memset(l->isr, 0, sizeof(l->isr));
	memset(l->tmr, 0, sizeof(l->tmr));
	l->icr_lo = 0;
	l->icr_hi = 0;
	for (int i = 0; i < LAPIC_LVT_NR; i++)
		l->lvt[i] = LAPIC_LVT_MASKED;
	l->in_error = false;
	l->timer_initial = 0;
	l->timer_dcr = 0;
	l->tsc_deadline = 0;
	lapic_timer_disarm(l);
}

void lapic__reset(struct lapic *l)
{
	l->apic_base = LAPIC_DEFAULT_BASE | LAPIC_BASE_EN | (l->cfg.bsp ? LAPIC_BASE_BSP : 0);
	l->enabled = true;
	l->x2apic = false;
	l->apic_id = l->cfg.apic_id & 0xff;
	regs_reset(l);
}

void lapic__init_ipi(struct lapic *l)
{
	regs_reset(l);
}

void lapic__init(struct lapic *l, const struct lapic_config *cfg)
{
	memset(l, 0, sizeof(*l));
	l->cfg = *cfg;
	if (!l->cfg.bus_hz)
		l->cfg.bus_hz = NSEC_PER_SEC;
	if (!l->cfg.phys_bits || l->cfg.phys_bits > 52)
		l->cfg.phys_bits = 52;
	l->version = LAPIC_VERSION;
	if (cfg->directed_eoi)
		l->version |= LAPIC_VERSION_DEOI;
	if (cfg->cmci)
		l->version = (l->version & ~0xff0000u) | (6u << 16);
	lapic__reset(l);
}

bool lapic__mmio_enabled(const struct lapic *l)
{
	return l->enabled && !l->x2apic;
}

uint64_t lapic__base(const struct lapic *l)
{
	return l->apic_base & ~0xfffull;
}

uint32_t lapic__read(struct lapic *l, uint32_t offset, uint64_t now_ns)
{
	int cls;

	if (!lapic__mmio_enabled(l))
		return 0xffffffffu;	/* no xAPIC page decoded: open bus */
	if ((offset & 0xf) || offset >= 0x1000)
		return 0;
	cls = reg_class(l, offset);
	if (!cls) {
		set_error(l, LAPIC_ESR_ILLEGAL_REG);
		return 0;
	}
	if (!(cls & REG_R))
		return 0;
	return (uint32_t)reg_get(l, offset, now_ns);
}

int lapic__write(struct lapic *l, uint32_t offset, uint32_t val, uint64_t now_ns)
{
	int cls;

	if (!lapic__mmio_enabled(l) || (offset & 0xf) || offset >= 0x1000)
		return -1;
	cls = reg_class(l, offset);
	if (!cls) {
		set_error(l, LAPIC_ESR_ILLEGAL_REG);
		return -1;
	}
	if (!(cls & REG_W))
		return -1;
	reg_put(l, offset, val, now_ns);
	return 0;
}

/* SDM 11.12.5: the IA32_APIC_BASE mode transitions, invalid ones #GP. */
static int set_apic_base(struct lapic *l, uint64_t val)
{
	uint64_t rsvd = 0x2ffull | ~((1ull << l->cfg.phys_bits) - 1);
	bool en = val & LAPIC_BASE_EN, extd = val & LAPIC_BASE_EXTD;

	if (!l->cfg.x2apic)
		rsvd |= LAPIC_BASE_EXTD;
	if ((val & rsvd) || (extd && !en))
		return -1;
	if (l->x2apic && en && !extd)
		return -1;	/* x2APIC -> xAPIC */
	if (!l->enabled && extd)
		return -1;	/* disabled -> x2APIC */
	if (l->enabled && !en) {
		l->enabled = false;
		l->x2apic = false;
		l->apic_id = l->cfg.apic_id & 0xff;
		regs_reset(l);
	} else if (!l->enabled && en) {
		l->enabled = true;
	}
	if (extd && !l->x2apic) {
		/* xAPIC -> x2APIC: ID becomes the x2APIC ID, LDR derives from it. */
		l->x2apic = true;
		l->apic_id = l->cfg.apic_id;
		l->ldr = x2apic_ldr(l->apic_id);
	}
	/* BSP is set by hardware at reset, not by software. */
	l->apic_base = (val & ~LAPIC_BASE_BSP) | (l->apic_base & LAPIC_BASE_BSP);
	return 0;
}

int lapic__rdmsr(struct lapic *l, uint32_t msr, uint64_t *val, uint64_t now_ns)
{
	uint32_t off;
	int cls;

	if (msr == MSR_IA32_APIC_BASE) {
		*val = l->apic_base;
		return 0;
	}
	if (msr == MSR_IA32_TSC_DEADLINE) {
		if (!tsc_deadline_supported(l))
			return -1;
		*val = timer_mode(l) == LAPIC_TIMER_TSCDEADLINE ? l->tsc_deadline : 0;
		return 0;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !l->x2apic)
		return -1;
	off = (msr - MSR_X2APIC_FIRST) << 4;
	cls = reg_class(l, off);
	if (!(cls & REG_R))
		return -1;
	*val = reg_get(l, off, now_ns);
	return 0;
}

int lapic__wrmsr(struct lapic *l, uint32_t msr, uint64_t val, uint64_t now_ns)
{
	uint32_t off;
	int cls;

	if (msr == MSR_IA32_APIC_BASE)
		return set_apic_base(l, val);
	if (msr == MSR_IA32_TSC_DEADLINE) {
		if (!tsc_deadline_supported(l))
			return -1;
		lapic_timer_set_tsc_deadline(l, val);
		return 0;
	}
	if (msr < MSR_X2APIC_FIRST || msr > MSR_X2APIC_LAST || !l->x2apic)
		return -1;
	off = (msr - MSR_X2APIC_FIRST) << 4;
	cls = reg_class(l, off);
	if (!(cls & REG_W))
		return -1;
	/* Only the ICR is 64 bits wide; EOI and ESR take nothing but 0 (SDM 11.12.1.2). */
	if (off != LAPIC_ICR_LO && (val >> 32))
		return -1;
	if ((off == LAPIC_EOI || off == LAPIC_ESR) && val)
		return -1;
	reg_put(l, off, val, now_ns);
	return 0;
}
