// SPDX-License-Identifier: MIT
/* Device and system-vector interrupts: count them; EOI is a hook for later. */
#include "guest.h"

uint64_t irq_count[NR_VECTORS];
uint64_t spurious_count;

/* Hook for the interrupt controller driver (LAPIC EOI); nothing yet. */
__attribute__((weak)) void irq_ack(unsigned int vector)
{
	(void)vector;
}

void common_interrupt(struct pt_regs *regs, unsigned int vector)
{
	/* int $n self-test cases arrive here too */
	if (selftest_trap(regs, true))
		return;
	irq_count[vector]++;
	irq_ack(vector);
}

void spurious_interrupt(struct pt_regs *regs, unsigned int vector)
{
	if (selftest_trap(regs, true))
		return;
	irq_count[vector]++;
	spurious_count++;
	/* Linux acks only the spurious APIC vector's neighbours; we ack all */
	irq_ack(vector);
}
