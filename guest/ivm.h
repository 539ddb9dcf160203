/* SPDX-License-Identifier: MIT */
/*
 * The guest library (libivm-guest.a), as a test program sees it: the kernel
 * of guest.h (boot, IDT, GDT/TSS, APIC, IOAPIC, the irq layer of irq.h,
 * softirqs, the event ring, hypercalls) plus the two things a program needs
 * on top: a way to be found by name, and the scenario helpers.
 *
 * A program registers itself with one line, and the library's kmain runs it
 * for the command line that names it:
 *
 *	IVM_SCENARIO("my-test", my_test);	scenario=my-test (a config's guest:)
 *	IVM_TEST("my-check", my_check);		test=my-check, exit status = return
 *	IVM_OPTION("knob", set_knob);		knob=VALUE, before anything runs
 *
 * The registrations are a table in the section .ivm_programs (guest.ld),
 * so the repository's programs and an out-of-tree one are linked the same
 * way: their objects plus the whole library (README "Writing a guest test").
 * The section stays whole in the ELF, so vmm validate --kernel and vmm run
 * read the names from the file (include/abi.h IVM_PROGRAM_*).
 */
#ifndef IVM_H
#define IVM_H

#include "guest.h"
#include "irq.h"
#include "softirq.h"

struct ivm_program {
	const char *name;
	void (*scenario)(void);			/* scenario=NAME */
	int (*test)(void);			/* test=NAME: its return is the exit status */
	void (*option)(const char *v, int len);	/* NAME=VALUE, the value not terminated */
	unsigned int flags;
};

#define IVM_F_IOAPIC	(1u << 0)	/* scenario: set up the IOAPIC too */
#define IVM_F_DEFAULT	(1u << 1)	/* test: the one run when no test= is given */

#define IVM_REGISTER(id, ...)							\
	static const struct ivm_program __ivm_program_##id			\
	__attribute__((used, section(".ivm_programs"), aligned(8))) = { __VA_ARGS__ }

/*
 * A scenario program: interrupts off, the LAPIC (apic=xapic|x2apic), the irq
 * layer and softirqs set up (and the IOAPIC for the _IOAPIC form), then @fn;
 * afterwards the library reports IVM_HC_SCENARIO_DONE and exits 0.
 */
#define IVM_SCENARIO(name, fn)		IVM_REGISTER(fn, name, fn, NULL, NULL, 0)
#define IVM_SCENARIO_IOAPIC(name, fn)	IVM_REGISTER(fn, name, fn, NULL, NULL, IVM_F_IOAPIC)
/* A test mode: @fn returns the guest's exit status (hc_done) */
#define IVM_TEST(name, fn)		IVM_REGISTER(fn, name, NULL, fn, NULL, 0)
#define IVM_TEST_DEFAULT(name, fn)	IVM_REGISTER(fn, name, NULL, fn, NULL, IVM_F_DEFAULT)
/* A command-line option NAME=VALUE of a program's own */
#define IVM_OPTION(name, fn)		IVM_REGISTER(fn, name, NULL, NULL, fn, 0)

extern const struct ivm_program __ivm_programs_start[], __ivm_programs_end[];

/* ---- scenario helpers (guest/ivm.c) ---- */

#define WAIT_TSC	1000000000ull	/* bound on waits: ~0.3-1 s */
#define WINDOW_TSC	200000ull	/* ~0.1 ms grace after the last arrival */
/*
 * Bound for awaited arrivals, ~0.3-0.5 s: on PVM a delivery pending at sti
 * waits for a later host event (docs/DIVERGENCES.md), which a loaded host
 * makes tens of ms late. Only a wait for something that never comes costs it.
 */
#define WAIT_TSC_IRQ	1000000000ull
#define SETTLE_EXITS	2	/* exits with nothing deliverable that end a settle */

/* A fact for the config's `marks` check (include/abi.h IVM_EV_MARK) */
static inline void mark(uint32_t v)
{
	ev_record(IVM_EV_MARK, 0, v);
}

extern uint64_t sc_irqs;	/* device handler runs */
extern bool mark_depth;		/* device handlers mark IVM_MARK_DEPTH | irq_depth */

/* IF=1 until *ctr reaches @target (bounded), then a short grace */
void irq_wait(const uint64_t *ctr, uint64_t target);
/* Wait for @n more device interrupts (0: only the grace), then idle work */
void irq_window(unsigned int n);
/*
 * Wait for @n more device interrupts of what is already pending (injected at
 * a sync point before the wait), ending early once nothing deliverable is
 * left in IRR after a few exits; then the grace and idle work
 */
void irq_settle(unsigned int n);
/* Nothing more may arrive than what is pending: irq_settle() with no count */
void irq_quiet(void);
/* IF=1 until vector @vector was delivered @n times in all; whether it was */
bool wait_vector(unsigned int vector, uint64_t n);
/*
 * A handler for an MSI-like @vector (LAPIC chip, EOI after the handler) or an
 * IOAPIC @pin (irq = pin, active high, masked until enabled when @noauto). The
 * handler records the ISR bit of its vector (the `isr_at_entry` check), marks
 * its depth when mark_depth is set, then calls @hook (may be NULL).
 */
unsigned int sc_msi(unsigned int vector, void (*hook)(void));
void sc_pin(unsigned int pin, unsigned int vector, bool level, bool noauto, void (*hook)(void));

/* Options every program has: apic=xapic|x2apic, count=N */
extern const char *apic_mode_arg;

#endif
