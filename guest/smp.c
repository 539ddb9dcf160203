// SPDX-License-Identifier: MIT
/*
 * SMP bring-up, after arch/x86/kernel/smpboot.c much reduced: the BSP puts
 * the real-mode trampoline below 1 MiB and wakes an AP with INIT, SIPI,
 * SIPI; the AP comes through head.S (real -> protected -> long mode) into
 * ap_main() on its own per-CPU window, sets up its GDT/TSS, IDT, event
 * ring and LAPIC, says it is online and idles in sti; hlt.
 */
#include "guest.h"

unsigned int cpu_number __percpu;
uint64_t percpu_offset __percpu;
volatile unsigned int cpus_online = 1;	/* bit 0: the BSP */
static volatile unsigned int ap_boot_cpu;	/* which CPU the trampoline is starting */

extern const char ap_trampoline[], ap_trampoline_end[];

#define SIPI_DELAY_TSC	1000000ull	/* ~0.3-1 ms between INIT and each SIPI */
#define ONLINE_WAIT_TSC	3000000000ull	/* ~1-3 s: the AP runs real mode emulated on some hosts */

static void tsc_delay(uint64_t cycles)
{
	uint64_t t0 = rdtsc();

	while (rdtsc() - t0 < cycles)
		cpu_relax();
}

void smp_prepare_cpu(unsigned int cpu)
{
	memcpy((void *)AP_TRAMPOLINE_PA, ap_trampoline, ap_trampoline_end - ap_trampoline);
	ap_boot_cpu = cpu;
	asm volatile("mfence" : : : "memory");
}

bool smp_wait_online(unsigned int cpu)
{
	uint64_t t0 = rdtsc();

	while (!(cpus_online & (1u << cpu)))
		if (rdtsc() - t0 > ONLINE_WAIT_TSC)
			return false;
		else
			cpu_relax();
	return true;
}

bool smp_boot_cpu(unsigned int cpu)
{
	smp_prepare_cpu(cpu);
	/* INIT assert then de-assert (level), as Linux wakeup_secondary_cpu_via_init() */
	apic_send_ipi(cpu, APIC_DM_INIT | APIC_INT_ASSERT | APIC_INT_LEVELTRIG);
	apic_send_ipi(cpu, APIC_DM_INIT | APIC_INT_LEVELTRIG);
	tsc_delay(SIPI_DELAY_TSC);
	for (int i = 0; i < 2 && !(cpus_online & (1u << cpu)); i++) {
		apic_send_ipi(cpu, APIC_DM_STARTUP | (AP_TRAMPOLINE_PA >> 12));
		tsc_delay(SIPI_DELAY_TSC);
	}
	return smp_wait_online(cpu);
}

void ap_main(void);
__noreturn void ap_main(void)
{
	unsigned int cpu = ap_boot_cpu;

	/* first: virt_to_phys() of this CPU's window depends on it */
	cpu_number = cpu;
	percpu_offset = (uint64_t)cpu * PERCPU_SIZE;
	gdt_init();
	idt_load();
	trace_init();
	apic_init_ap(cpu);
	__atomic_or_fetch(&cpus_online, 1u << cpu, __ATOMIC_SEQ_CST);
	for (;;) {
		/* Linux safe_halt(): sti; hlt, the IF change recorded first like local_irq_enable() */
		ev_record(IVM_EV_IF, 0, 1);
		asm volatile("sti; hlt" : : : "memory");
		local_irq_disable();
	}
}
