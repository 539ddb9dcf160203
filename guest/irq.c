// SPDX-License-Identifier: MIT
/*
 * Vector dispatch (arch/x86/kernel/irq.c): per-CPU vector_irq[] maps a
 * vector to its irq_desc; system vectors have their own handlers. Wrapped
 * in irq_enter()/irq_exit() so softirqs run on the way out of the
 * outermost hardirq.
 */
#include "guest.h"

/* Linux's markers for a vector with no descriptor */
#define VECTOR_UNUSED		NULL
#define VECTOR_SHUTDOWN		((struct irq_desc *)(intptr_t)-EINVAL)
#define VECTOR_RETRIGGERED	((struct irq_desc *)(intptr_t)-ENOSYS)

struct irq_desc *vector_irq[NR_VECTORS] __percpu;
uint64_t no_handler_count;
bool irq_quiet_unused;
unsigned int hardirq_count __percpu;
void (*ipi_hook)(unsigned int vector);
void (*local_timer_handler)(void);

static inline void irq_enter(void)
{
	hardirq_count++;
}

static inline void irq_exit(void)
{
	/* the softirq state is not per CPU here: the boot CPU runs it, as ksoftirqd does */
	if (!--hardirq_count && softirq_pending && cpu_number == 0)
		irq_exit_softirq();
}

/* Linux handle_spurious_interrupt: ack only if it really is in service */
static void handle_spurious(unsigned int vector)
{
	bool isr = apic_isr_test(vector);

	ivm_page.spurious_count++;
	ev_record(IVM_EV_ISR, vector, isr);
	if (isr)
		apic_eoi();
}

static void sysvec_dispatch(unsigned int vector)
{
	uint32_t esr;

	switch (vector) {
	case LOCAL_TIMER_VECTOR:
		apic_eoi();
		if (local_timer_handler)
			local_timer_handler();
		break;
	case SPURIOUS_APIC_VECTOR:
		handle_spurious(vector);
		break;
	case ERROR_APIC_VECTOR:
		if (!x2apic_mode)
			apic_write(APIC_ESR, 0);	/* latch the errors into ESR */
		esr = apic_read(APIC_ESR);
		apic_write(APIC_ESR, 0);
		apic_eoi();
		printf("APIC error on CPU%u: %02x\n", cpu_number, esr);
		break;
	case RESCHEDULE_VECTOR:
	case CALL_FUNCTION_VECTOR:
	case CALL_FUNCTION_SINGLE_VECTOR:
		apic_eoi();	/* Linux acks first, then runs the IPI's work */
		if (ipi_hook)
			ipi_hook(vector);
		break;
	default:
		/* IPIs we never send: ack so the ISR does not stay blocked */
		apic_eoi();
		break;
	}
}

void common_interrupt(struct pt_regs *regs, unsigned int vector)
{
	struct irq_desc *desc;

	/* int $n self-test cases arrive here too */
	if (selftest_trap(regs, true))
		return;
	irq_enter();
	if (vector >= FIRST_SYSTEM_VECTOR) {
		sysvec_dispatch(vector);
	} else {
		desc = vector_irq[vector];
		if ((uintptr_t)desc + 4096 > 4096) {	/* not NULL, not an errno */
			desc->handle_irq(desc);
		} else {
			apic_eoi();
			if (desc == VECTOR_UNUSED) {
				no_handler_count++;
				if (!irq_quiet_unused)
					printf("common_interrupt: 0.%u No irq handler for vector (%lu)\n",
					       vector, no_handler_count);
			} else {
				vector_irq[vector] = VECTOR_UNUSED;
			}
		}
	}
	irq_exit();
}

/* Unassigned system vectors (spurious_entries_start) */
void spurious_interrupt(struct pt_regs *regs, unsigned int vector)
{
	if (selftest_trap(regs, true))
		return;
	irq_enter();
	handle_spurious(vector);
	irq_exit();
}
