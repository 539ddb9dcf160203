// SPDX-License-Identifier: MIT
/*
 * ivm.h, the library side: a scenario program found by name in the
 * .ivm_programs table, set up the interrupt stack, run it, report the end;
 * and the helpers programs share: device handlers on an MSI vector or an
 * IOAPIC pin, bounded waits with IF=1, marks.
 */
#include "ivm.h"

/* A config's names for numbers (include/abi.h) must be the guest's own values */
#define SCENARIO_NAME_IS(name, value)						\
	_Static_assert((name) == (value), #name ": include/abi.h IVM_SCENARIO_NAMES differs");
IVM_SCENARIO_NAMES(SCENARIO_NAME_IS)

/* The layout vmm validate --kernel reads (include/abi.h IVM_PROGRAM_*) */
_Static_assert(sizeof(struct ivm_program) == IVM_PROGRAM_SIZE, "IVM_PROGRAM_SIZE differs");
_Static_assert(offsetof(struct ivm_program, name) == IVM_PROGRAM_NAME, "IVM_PROGRAM_NAME");
_Static_assert(offsetof(struct ivm_program, scenario) == IVM_PROGRAM_SCENARIO, "IVM_PROGRAM_SCENARIO");
_Static_assert(offsetof(struct ivm_program, test) == IVM_PROGRAM_TEST, "IVM_PROGRAM_TEST");
_Static_assert(offsetof(struct ivm_program, option) == IVM_PROGRAM_OPTION, "IVM_PROGRAM_OPTION");
_Static_assert(offsetof(struct ivm_program, flags) == IVM_PROGRAM_FLAGS, "IVM_PROGRAM_FLAGS");

static void (*vec_hook[NR_VECTORS])(void);
static unsigned int next_msi_irq = IRQ_MSI_BASE;
bool mark_depth;
uint64_t sc_irqs;

/*
 * IF=1 until *ctr reaches @target (bounded), then a short grace for
 * anything unexpected. Measured on KVM/PVM: an interrupt pending at STI
 * is taken only at some later host event (ms), not at the next
 * instruction, so a fixed short window misses it.
 */
void irq_wait(const uint64_t *ctr, uint64_t target)
{
	uint64_t t0 = rdtsc();

	local_irq_enable();
	while (*(volatile const uint64_t *)ctr < target && rdtsc() - t0 < WAIT_TSC_IRQ)
		cpu_relax();
	for (t0 = rdtsc(); rdtsc() - t0 < WINDOW_TSC;)
		cpu_relax();
	local_irq_disable();
}

void irq_window(unsigned int n)
{
	irq_wait(&sc_irqs, sc_irqs + n);
	run_ksoftirqd();
}

/*
 * irq_window(@n) for deliveries the host already made pending: its
 * injections at a sync point are synchronous, the vector is in IRR when
 * hc_sync returns. Once IRR holds nothing the PPR lets through, even after
 * exits (PVM-5 takes a pending event only at an exit), what has not come
 * cannot come, so the wait ends there instead of at its bound.
 */
void irq_settle(unsigned int n)
{
	uint64_t target = sc_irqs + n, t0 = rdtsc();
	unsigned int idle_exits = 0;

	local_irq_enable();
	while (READ_ONCE(sc_irqs) < target && rdtsc() - t0 < WAIT_TSC_IRQ) {
		if (apic_deliverable_pending())
			idle_exits = 0;
		else if (++idle_exits > SETTLE_EXITS)
			break;
		(void)inl(IVM_PORT_HCALL);	/* an exit: a late (PVM-5) delivery lands */
	}
	for (t0 = rdtsc(); rdtsc() - t0 < WINDOW_TSC;)
		cpu_relax();
	local_irq_disable();
	run_ksoftirqd();
}

void irq_quiet(void)
{
	irq_settle(~0u);
}

bool wait_vector(unsigned int vector, uint64_t n)
{
	irq_wait(&ivm_page.vector_count[vector], n);
	return ivm_page.vector_count[vector] >= n;
}

/* Device handler: ISR bit of our vector first (before any EOI), then the hook */
static irqreturn_t sc_handler(int irq, void *dev_id)
{
	unsigned int vector = irq_desc[irq].vector;

	(void)dev_id;
	ev_record(IVM_EV_ISR, vector, apic_isr_test(vector));
	sc_irqs++;
	if (mark_depth)
		mark(IVM_MARK_DEPTH | irq_depth);
	if (vec_hook[vector])
		vec_hook[vector]();
	return IRQ_HANDLED;
}

unsigned int sc_msi(unsigned int vector, void (*hook)(void))
{
	unsigned int irq = next_msi_irq++;
	int ret;

	vec_hook[vector] = hook;
	irq_set_chip_and_handler(irq, &lapic_chip, handle_fasteoi_irq, vector);
	ret = request_irq(irq, sc_handler, 0, "sc-msi", NULL);
	GUEST_ASSERT(!ret);
	return irq;
}

void sc_pin(unsigned int pin, unsigned int vector, bool level, bool noauto, void (*hook)(void))
{
	struct ioapic_route r = { .vector = vector, .level = level, .masked = true };
	int ret;

	vec_hook[vector] = hook;
	ioapic_write_route(pin, &r);
	irq_set_chip_and_handler(pin, &ioapic_chip,
				 level ? handle_fasteoi_irq : handle_edge_irq, vector);
	ret = request_irq(pin, sc_handler,
			  (level ? IRQF_TRIGGER_HIGH : IRQF_TRIGGER_RISING) |
			  (noauto ? IRQF_NO_AUTOEN : 0), "sc-pin", NULL);
	GUEST_ASSERT(!ret);
}

/* scenario=NAME: the program registered under NAME (IVM_SCENARIO) */
void scenario_run(const char *name, int len)
{
	const struct ivm_program *p;

	for (p = __ivm_programs_start; p < __ivm_programs_end; p++)
		if (p->scenario && (int)strlen(p->name) == len && !strncmp(name, p->name, len))
			break;
	if (p == __ivm_programs_end) {
		printf("scenario: unknown '%.*s'\n", len, name);
		hc_scenario_done(1);
		hc_done(1);
	}
	local_irq_disable();
	if (apic_init(apic_mode_arg)) {
		hc_scenario_done(2);
		hc_done(2);
	}
	if (p->flags & IVM_F_IOAPIC)
		ioapic_init();
	irq_init();
	softirq_init();
	printf("scenario %s\n", p->name);
	p->scenario();
	local_irq_disable();
	if (!on_ivm)
		ev_dump(0);
	hc_scenario_done(0);
	hc_done(0);
}

/*
 * The exception self-test's claim on a trap (selftest.c, this tree's
 * programs): a kernel without the self-test claims none.
 */
__attribute__((weak)) bool selftest_trap(struct pt_regs *regs, bool irq_path)
{
	(void)regs;
	(void)irq_path;
	return false;
}
