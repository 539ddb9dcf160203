/* SPDX-License-Identifier: MIT */
/*
 * Pure state-machine model of the x86 local APIC (xAPIC and x2APIC), after
 * Intel SDM Vol. 3A chapter 11, for the "user" irqchip mode: the VMM owns
 * the LAPIC, asks it what is deliverable and injects with KVM_INTERRUPT.
 * This is the architectural EOI the host's in-kernel LAPIC lacks
 * (PVM-4, docs/DIVERGENCES.md): a vector stays in ISR until the guest's EOI.
 *
 * No ioctls, no I/O, no globals, no clock: time is the caller's now_ns.
 * Not thread safe: the caller serialises every call on one struct lapic.
 * Callbacks run after the state update that caused them, so a callback may
 * call lapic__accept() on the same LAPIC (an all-including-self IPI, an
 * IOAPIC re-asserting a level line on EOI broadcast).
 *
 * Decisions where the SDM leaves room (each is tested):
 * - Software-disabled (SVR bit 8 clear, SDM 11.4.7.2): LVTs are forced
 *   masked, new fixed interrupts are discarded (as KVM does), and what is
 *   already in IRR/ISR is held: lapic__pending()/lapic__ack() still deliver
 *   it ("held and require masking or handling by the CPU"), EOI still works.
 * - Globally disabled (IA32_APIC_BASE bit 11 clear): no APIC at all; accept
 *   is dropped, pending is -1, MMIO reads ~0, and LINT0/LINT1 act as the
 *   CPU's INTR/NMI pins (lapic__lint returns EXTINT/NMI). Leaving a mode
 *   for "disabled" resets the registers to their power-up values.
 * - Timer: count units are bus clocks of cfg.bus_hz (default 1 GHz, so one
 *   count at divide-by-1 is 1 ns); one count lasts divide * 1e9 / bus_hz ns.
 *   Only a change into or out of TSC-deadline mode disarms the timer (as
 *   KVM); one-shot <-> periodic takes effect at the next expiry.
 * - Guest TSC = cfg.tsc_offset + now_ns * tsc_hz / 1e9 (mod 2^64: a guest
 *   whose TSC was 0 at now_ns T0 has tsc_offset = -(T0 * tsc_hz / 1e9)).
 * - CMCI LVT (0x2f0 / MSR 0x82f) exists only with cfg.cmci (max LVT 6).
 */
#ifndef VAPIC_LAPIC_H
#define VAPIC_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#define LAPIC_DEFAULT_BASE	0xfee00000ull
#define LAPIC_BASE_BSP		(1ull << 8)
#define LAPIC_BASE_EXTD		(1ull << 10)	/* x2APIC mode */
#define LAPIC_BASE_EN		(1ull << 11)	/* global enable */

#define LAPIC_VERSION		0x50014u	/* xAPIC, max LVT 5 */
#define LAPIC_VERSION_DEOI	(1u << 24)	/* directed EOI (SVR bit 12) offered */

#define MSR_IA32_APIC_BASE	0x1b
#define MSR_IA32_TSC_DEADLINE	0x6e0
#define MSR_X2APIC_FIRST	0x800
#define MSR_X2APIC_LAST		0x8ff

/* xAPIC MMIO offsets (x2APIC MSR = 0x800 + offset / 16). */
#define LAPIC_ID	0x020
#define LAPIC_VER	0x030
#define LAPIC_TPR	0x080
#define LAPIC_APR	0x090
#define LAPIC_PPR	0x0a0
#define LAPIC_EOI	0x0b0
#define LAPIC_RRD	0x0c0
#define LAPIC_LDR	0x0d0
#define LAPIC_DFR	0x0e0
#define LAPIC_SVR	0x0f0
#define LAPIC_ISR	0x100	/* 8 registers, 0x10 apart */
#define LAPIC_TMR	0x180
#define LAPIC_IRR	0x200
#define LAPIC_ESR	0x280
#define LAPIC_LVT_CMCI	0x2f0
#define LAPIC_ICR_LO	0x300
#define LAPIC_ICR_HI	0x310
#define LAPIC_LVT_TIMER	0x320
#define LAPIC_LVT_THERM	0x330
#define LAPIC_LVT_PERF	0x340
#define LAPIC_LVT_LINT0	0x350
#define LAPIC_LVT_LINT1	0x360
#define LAPIC_LVT_ERR	0x370
#define LAPIC_TMICT	0x380
#define LAPIC_TMCCT	0x390
#define LAPIC_TDCR	0x3e0
#define LAPIC_SELF_IPI	0x3f0	/* x2APIC only */

#define LAPIC_SVR_ENABLE	(1u << 8)
#define LAPIC_SVR_DEOI		(1u << 12)	/* suppress EOI broadcast */

/* LVT and ICR fields. */
#define LAPIC_LVT_VECTOR	0xffu
#define LAPIC_LVT_DM_SHIFT	8
#define LAPIC_LVT_STATUS	(1u << 12)
#define LAPIC_LVT_POLARITY	(1u << 13)	/* 1 = active low */
#define LAPIC_LVT_REMOTE_IRR	(1u << 14)
#define LAPIC_LVT_LEVEL		(1u << 15)
#define LAPIC_LVT_MASKED	(1u << 16)
#define LAPIC_TIMER_MODE_SHIFT	17
#define LAPIC_TIMER_ONESHOT	0u
#define LAPIC_TIMER_PERIODIC	1u
#define LAPIC_TIMER_TSCDEADLINE	2u
#define LAPIC_ICR_LOGICAL	(1u << 11)
#define LAPIC_ICR_ASSERT	(1u << 14)
#define LAPIC_ICR_LEVEL		(1u << 15)
#define LAPIC_ICR_SH_SHIFT	18

/* ESR bits (SDM 11.5.3). */
#define LAPIC_ESR_SEND_CS	(1u << 0)
#define LAPIC_ESR_RECV_CS	(1u << 1)
#define LAPIC_ESR_SEND_ACCEPT	(1u << 2)
#define LAPIC_ESR_RECV_ACCEPT	(1u << 3)
#define LAPIC_ESR_REDIR_IPI	(1u << 4)
#define LAPIC_ESR_SEND_ILLEGAL	(1u << 5)
#define LAPIC_ESR_RECV_ILLEGAL	(1u << 6)
#define LAPIC_ESR_ILLEGAL_REG	(1u << 7)

#define LAPIC_NO_VECTOR		(~0u)	/* event argument: no vector */

enum lapic_lvt_index {
	LAPIC_LVT_I_TIMER,
	LAPIC_LVT_I_THERMAL,
	LAPIC_LVT_I_PERF,
	LAPIC_LVT_I_LINT0,
	LAPIC_LVT_I_LINT1,
	LAPIC_LVT_I_ERROR,
	LAPIC_LVT_I_CMCI,
	LAPIC_LVT_NR,
};

enum lapic_dm {
	LAPIC_DM_FIXED = 0,
	LAPIC_DM_LOWEST = 1,
	LAPIC_DM_SMI = 2,
	LAPIC_DM_NMI = 4,
	LAPIC_DM_INIT = 5,
	LAPIC_DM_STARTUP = 6,
	LAPIC_DM_EXTINT = 7,
};

enum lapic_shorthand {
	LAPIC_SH_NONE = 0,
	LAPIC_SH_SELF = 1,
	LAPIC_SH_ALL_INCL = 2,
	LAPIC_SH_ALL_EXCL = 3,
};

/* One ICR write, decoded, for the VMM to route to the destination vCPUs. */
struct lapic_ipi {
	uint32_t dest;		/* xAPIC: ICR[63:56]; x2APIC: ICR[63:32] */
	uint32_t source;	/* sender's APIC ID */
	uint8_t vector;
	uint8_t delivery_mode;	/* enum lapic_dm */
	uint8_t shorthand;	/* enum lapic_shorthand; never SELF here */
	bool logical;		/* destination mode */
	bool assert;		/* level bit: 0 only for INIT level de-assert */
	bool level;		/* trigger mode */
	bool x2apic;		/* dest is a 32-bit x2APIC destination */
};

/* Trace events; a, b per event. */
enum lapic_event {
	LAPIC_EV_ACCEPT,	/* a vector, b level */
	LAPIC_EV_COALESCED,	/* a vector already in IRR, b level */
	LAPIC_EV_DROPPED,	/* a vector, b 0 sw-disabled / 1 hw-disabled */
	LAPIC_EV_DELIVER,	/* a vector moved IRR -> ISR by INTA, b PPR before */
	LAPIC_EV_SPURIOUS,	/* a spurious vector, b highest IRR or LAPIC_NO_VECTOR */
	LAPIC_EV_EOI,		/* a vector or LAPIC_NO_VECTOR, b 1 if broadcast */
	LAPIC_EV_TPR,		/* a old TPR, b new TPR */
	LAPIC_EV_TIMER,		/* a LVT timer value, b periods missed (0 = on time) */
	LAPIC_EV_ERROR,		/* a new error bits, b pending ESR */
};

/* What a LINT pin change asks of the VMM (lapic__lint). */
enum lapic_lint {
	LAPIC_LINT_NONE,	/* masked, no edge, or not asserted */
	LAPIC_LINT_FIXED,	/* vector accepted into IRR: ask lapic__pending */
	LAPIC_LINT_EXTINT,	/* INTR: inject the PIC's vector directly (no IRR/ISR) */
	LAPIC_LINT_NMI,
	LAPIC_LINT_SMI,
	LAPIC_LINT_INIT,
};

struct lapic_config {
	uint32_t apic_id;	/* initial (x2)APIC ID */
	bool bsp;
	bool x2apic;		/* CPUID.1:ECX.21 as the guest sees it: without it, EXTD is
				 * a reserved bit of IA32_APIC_BASE (#GP) */
	bool directed_eoi;	/* version bit 24, SVR bit 12 writable */
	bool cmci;		/* LVT CMCI present: max LVT 6 */
	uint8_t phys_bits;	/* MAXPHYADDR for APIC base checks; 0 = 52 */
	uint64_t bus_hz;	/* timer input clock; 0 = 1 GHz */
	uint64_t tsc_hz;	/* guest TSC rate; 0 = no TSC-deadline mode */
	uint64_t tsc_offset;	/* guest TSC at now_ns == 0, mod 2^64 */
	void (*send_ipi)(void *opaque, const struct lapic_ipi *ipi);
	void (*eoi_broadcast)(void *opaque, uint8_t vector);
	void (*event)(void *opaque, enum lapic_event ev, uint32_t a, uint32_t b);
	void *opaque;
};

struct lapic {
	struct lapic_config cfg;
	uint32_t apic_id;	/* xAPIC: 8 bits (ID reg 31:24); x2APIC: 32 bits */
	uint32_t version;
	uint64_t apic_base;	/* IA32_APIC_BASE */
	bool x2apic;		/* mode: EN and EXTD set */
	bool enabled;		/* IA32_APIC_BASE.EN */
	uint32_t svr, tpr, ldr, dfr;
	uint32_t esr;		/* latched by the last ESR write */
	uint32_t esr_pending;	/* errors since that write */
	uint32_t irr[8], isr[8], tmr[8];
	uint32_t icr_lo, icr_hi;
	uint32_t lvt[LAPIC_LVT_NR];
	bool lint_in[2];	/* raw pin levels */
	bool in_error;		/* delivering the LVT error entry */
	/* timer */
	uint32_t timer_initial;
	uint32_t timer_dcr;
	uint64_t timer_next_ns;	/* next expiry, 0 = disarmed */
	uint64_t timer_period_ns;
	uint64_t tsc_deadline;
};

void lapic__init(struct lapic *l, const struct lapic_config *cfg);
/* RESET: power-up state, xAPIC mode at the default base. */
void lapic__reset(struct lapic *l);
/* INIT: registers reset; ID, APIC base and x2APIC mode kept (SDM 11.4.7.3). */
void lapic__init_ipi(struct lapic *l);

/*
 * xAPIC MMIO (offset inside the 4 KiB page, 32-bit aligned accesses at
 * 16-byte-aligned offsets). Write returns 0 if a writable register took
 * the value, -1 if it was dropped (misaligned, reserved, read-only, not in
 * xAPIC mode); a reserved register access sets ESR "illegal register".
 */
uint32_t lapic__read(struct lapic *l, uint32_t offset, uint64_t now_ns);
int lapic__write(struct lapic *l, uint32_t offset, uint32_t val, uint64_t now_ns);
/* IA32_APIC_BASE, IA32_TSC_DEADLINE, x2APIC 0x800-0x8ff; -1 means #GP. */
int lapic__rdmsr(struct lapic *l, uint32_t msr, uint64_t *val, uint64_t now_ns);
int lapic__wrmsr(struct lapic *l, uint32_t msr, uint64_t val, uint64_t now_ns);
/*
 * CR8, the CPU's window on TPR (SDM 10.8.6.1): a read gives TPR[7:4]; a write
 * sets TPR[7:4] to cr8[3:0] and clears TPR[3:0]. The VMM keeps it in step
 * with kvm_run->cr8 when KVM has no LAPIC of its own.
 */
uint8_t lapic__cr8(const struct lapic *l);
void lapic__set_cr8(struct lapic *l, uint8_t cr8);
/* True when the xAPIC page at lapic__base() decodes to the LAPIC. */
bool lapic__mmio_enabled(const struct lapic *l);
uint64_t lapic__base(const struct lapic *l);

/* Whether an IPI or MSI for @dest (physical or logical mode) selects this LAPIC. */
bool lapic__match_dest(const struct lapic *l, uint32_t dest, bool logical);
/* A fixed interrupt message arrives (IOAPIC, MSI, IPI from another vCPU). */
void lapic__accept(struct lapic *l, uint8_t vector, bool level);
uint32_t lapic__ppr(const struct lapic *l);
/* Highest IRR vector whose class is above PPR's, or -1. */
int lapic__pending(const struct lapic *l);
/* The highest vector set in a 256-bit register (IRR, ISR, TMR: eight words), or -1. */
int lapic__highest(const uint32_t reg[8]);
/* An IRR vector only the TPR holds back: lowering the TPR (a CR8 write) would let it in. */
bool lapic__held_by_tpr(const struct lapic *l);
/* INTA: IRR -> ISR; the spurious vector if nothing is deliverable now. */
uint8_t lapic__ack(struct lapic *l);
/* @vector is in IRR, its class above PPR's (maybe below a higher one in IRR). */
bool lapic__deliverable(const struct lapic *l, uint8_t vector);
/*
 * INTA of @vector, not the highest: replay delivers the recorded one where a
 * higher one another vCPU sent came sooner than in the recording. -1: not
 * deliverable (lapic__deliverable).
 */
int lapic__ack_vector(struct lapic *l, uint8_t vector);
/* LINT0/LINT1 pin level change (pin 0 or 1, level 0 or 1, before polarity). */
enum lapic_lint lapic__lint(struct lapic *l, int pin, int level);

/* Absolute now_ns of the next timer expiry, 0 if none is armed. */
uint64_t lapic__timer_next(const struct lapic *l);
/* Fire the timer if it expired by now_ns, rearm if periodic. */
void lapic__timer_tick(struct lapic *l, uint64_t now_ns);

#endif
