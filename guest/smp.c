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
unsigned int ap_cpu_limit = NR_CPUS;	/* head.S: an AP at or above it has no window in RAM */

extern const char ap_trampoline[], ap_trampoline_end[];

#define SIPI_DELAY_TSC	1000000ull	/* ~0.3-1 ms between INIT and the SIPI */
#define SIPI_RETRY_TSC	300000000ull	/* ~0.1-0.3 s: the first SIPI was lost, not slow */
#define ONLINE_WAIT_TSC	3000000000ull	/* ~1-3 s: the AP runs real mode emulated on some hosts */

static void tsc_delay(uint64_t cycles)
{
	uint64_t t0 = rdtsc();

	while (rdtsc() - t0 < cycles)
		cpu_relax();
}

/* fw_cfg item @key's first @len (<= 8) bytes, little-endian */
static uint64_t fw_cfg_read(uint16_t key, unsigned int len)
{
	uint64_t v = 0;

	asm volatile("outw %0, %1" : : "a"(key), "Nd"((uint16_t)IVM_PORT_FWCFG));
	for (unsigned int i = 0; i < len; i++)
		v |= (uint64_t)inb(IVM_PORT_FWCFG_DATA) << (8 * i);
	return v;
}

/* The machine's vCPU count, from fw_cfg (QEMU's item 0x05, 2 bytes) */
unsigned int fw_cfg_cpus(void)
{
	return (unsigned int)fw_cfg_read(IVM_FWCFG_NB_CPUS, 2);
}

void smp_prepare_cpu(unsigned int cpu)
{
	uint64_t fit = fw_cfg_read(IVM_FWCFG_RAM_SIZE, 8) / PERCPU_SIZE;

	/* CPU n's window is RAM from (n + 1) * 2 MiB: only CPUs 1..fit-2 have one */
	(void)cpu;	/* any AP: head.S finds its CPU by its APIC ID */
	if (fit >= 2 && fit - 1 < NR_CPUS)
		ap_cpu_limit = (unsigned int)fit - 1;
	/* copied even for an AP without a window: the trampoline is what stops it */
	memcpy((void *)AP_TRAMPOLINE_PA, ap_trampoline, ap_trampoline_end - ap_trampoline);
	asm volatile("mfence" : : : "memory");
}

bool smp_wait_online(unsigned int cpu)
{
	uint64_t t0 = rdtsc();

	if (cpu >= NR_CPUS)
		return false;
	while (!(cpus_online & (1u << cpu)))
		if (rdtsc() - t0 > ONLINE_WAIT_TSC)
			return false;
		else
			cpu_relax();
	return true;
}

bool smp_boot_cpu(unsigned int cpu)
{
	if (cpu == 0 || cpu >= NR_CPUS)
		return false;
	smp_prepare_cpu(cpu);
	if (cpu >= ap_cpu_limit)
		return false;
	/* INIT assert then de-assert (level), as Linux wakeup_secondary_cpu_via_init() */
	apic_send_ipi(cpu, APIC_DM_INIT | APIC_INT_ASSERT | APIC_INT_LEVELTRIG);
	apic_send_ipi(cpu, APIC_DM_INIT | APIC_INT_LEVELTRIG);
	tsc_delay(SIPI_DELAY_TSC);
	/*
	 * A second SIPI only once the first looks lost: KVM takes one to a CPU
	 * already running (which the SDM says it ignores) for a wake-up from HLT
	 * (kvm_vcpu_has_events), and whether it came before the AP's first HLT
	 * was the AP's pace, which no record holds.
	 */
	for (int i = 0; i < 2 && !(cpus_online & (1u << cpu)); i++) {
		uint64_t t0 = rdtsc();

		apic_send_ipi(cpu, APIC_DM_STARTUP | (AP_TRAMPOLINE_PA >> 12));
		while (!(cpus_online & (1u << cpu)) && rdtsc() - t0 < SIPI_RETRY_TSC)
			cpu_relax();
	}
	return smp_wait_online(cpu);
}

/*
 * Start CPUs 1..@n-1 together: INIT, SIPI, SIPI to all but self, as Linux
 * did before x2APIC; head.S finds each AP's CPU (and window) by its APIC ID.
 * Returns the mask of CPUs online.
 */
unsigned int smp_boot_all(unsigned int n)
{
	unsigned int want = (1u << (n < NR_CPUS ? n : NR_CPUS)) - 1;
	uint64_t t0;

	smp_prepare_cpu(1);
	want &= (1u << ap_cpu_limit) - 1;	/* the rest stop in head.S */
	if (want <= 1)
		return cpus_online & want;
	apic_send_ipi(0, APIC_DEST_ALLBUT | APIC_DM_INIT | APIC_INT_ASSERT | APIC_INT_LEVELTRIG);
	apic_send_ipi(0, APIC_DEST_ALLBUT | APIC_DM_INIT | APIC_INT_LEVELTRIG);
	tsc_delay(SIPI_DELAY_TSC);
	for (int i = 0; i < 2 && (cpus_online & want) != want; i++) {	/* as smp_boot_cpu() */
		apic_send_ipi(0, APIC_DEST_ALLBUT | APIC_DM_STARTUP | (AP_TRAMPOLINE_PA >> 12));
		for (t0 = rdtsc(); (cpus_online & want) != want && rdtsc() - t0 < SIPI_RETRY_TSC;)
			cpu_relax();
	}
	for (t0 = rdtsc(); (cpus_online & want) != want && rdtsc() - t0 < ONLINE_WAIT_TSC;)
		cpu_relax();
	return cpus_online & want;
}

void (*ap_idle_hook)(void);

/* @cpu: the AP's initial APIC ID, which head.S checked to be 1..NR_CPUS-1 */
void ap_main(unsigned int cpu);
__noreturn void ap_main(unsigned int cpu)
{
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
		if (ap_idle_hook)
			ap_idle_hook();
	}
}
