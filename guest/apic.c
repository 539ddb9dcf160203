// SPDX-License-Identifier: MIT
/*
 * Local APIC (xAPIC MMIO or x2APIC MSRs) and the legacy 8259 pair, set up
 * like Linux's setup_local_APIC() and legacy_pic->init(). Every register
 * access is an exit on the target, so no polling loops beyond what the
 * architecture requires.
 */
#include "guest.h"

#define APICBASE_EXTD		(1u << 10)
#define APICBASE_ENABLE		(1u << 11)
#define APIC_BASE_GPA		0xfee00000ul
#define MSR_X2APIC_BASE		0x800
#define MSR_X2APIC_ICR		0x830
#define MSR_TSC_DEADLINE	0x6e0
#define CPUID1_ECX_X2APIC	(1u << 21)
#define CPUID1_ECX_TSC_DL	(1u << 24)
#define APIC_SPIV_ENABLE	(1u << 8)
#define APIC_TIMER_PERIODIC	(1u << 17)
#define APIC_TIMER_TSC_DL	(2u << 17)
#define APIC_TDR_DIV_1		0xb
#define APIC_ICR_BUSY		(1u << 12)

bool apic_enabled, x2apic_mode;
static uint32_t cpuid1_ecx;

/* Mapped uncached by head.S (pd3: 0xfec00000..0xff000000 with PCD) */
static volatile uint32_t *const xapic = (volatile uint32_t *)APIC_BASE_GPA;

uint32_t apic_read(uint32_t reg)
{
	if (x2apic_mode)
		return rdmsr(MSR_X2APIC_BASE + (reg >> 4));
	return xapic[reg / 4];
}

void apic_write(uint32_t reg, uint32_t v)
{
	if (x2apic_mode)
		wrmsr(MSR_X2APIC_BASE + (reg >> 4), v);
	else
		xapic[reg / 4] = v;
}

static bool apic_test(uint32_t base, unsigned int vector)
{
	return apic_read(base + (vector / 32) * 0x10) >> (vector % 32) & 1;
}

bool apic_isr_test(unsigned int vector)
{
	return apic_enabled && apic_test(APIC_ISR, vector);
}

/*
 * IRR is the host's timing (what came due, and when), an input a replay must
 * give back (trace version 7). Each read is made by one of these two
 * instructions and recorded with its address (IVM_EV_READ), so a replay can
 * stop there and answer with the recorded value instead (vmm/replay/read.c).
 * Both are two bytes, their operand in a fixed register.
 */
uint32_t apic_input_mmio(const volatile uint32_t *reg);
uint32_t apic_input_msr(uint32_t msr);
extern const char apic_input_rdmsr[];
asm(".pushsection .text\n"
    ".globl apic_input_mmio\n"
    "apic_input_mmio:\n"
    "	movl (%rdi), %eax\n"		/* 8b 07 */
    "	ret\n"
    ".globl apic_input_msr\n"
    "apic_input_msr:\n"
    "	movl %edi, %ecx\n"
    ".globl apic_input_rdmsr\n"
    "apic_input_rdmsr:\n"
    "	rdmsr\n"			/* 0f 32 */
    "	ret\n"
    ".popsection");

static uint32_t apic_read_input(uint32_t reg)
{
	uint32_t v;

	if (x2apic_mode) {
		v = apic_input_msr(MSR_X2APIC_BASE + (reg >> 4));
		ev_record_read(reg, v, (uint64_t)apic_input_rdmsr);
	} else {
		v = apic_input_mmio(&xapic[reg / 4]);
		ev_record_read(reg, v, (uint64_t)apic_input_mmio);
	}
	return v;
}

/*
 * Bit w set: IRR word w (vectors 32w..32w+31) holds a vector. Under ./vmm the
 * VMM answers (IVM_PORT_IRR): an exit, so on PVM a pending interrupt that
 * can go in does so there (PVM-5), and an answer a replay gives back, as IRR
 * is the host's timing. Elsewhere (QEMU: ~0 from the port) IRR is read.
 */
uint32_t apic_irr_words(void)
{
	uint32_t words = on_ivm ? inl(IVM_PORT_IRR) : ~0u;

	if (words <= 0xff)
		return words;
	words = 0;
	for (unsigned int w = 0; apic_enabled && w < 8; w++)
		words |= (uint32_t)(apic_read(APIC_IRR + w * 0x10) != 0) << w;
	return words;
}

/* IRR word @w (vectors 32w..32w+31), read as an input: the host's timing sets it */
static uint32_t apic_irr_word(unsigned int w)
{
	return apic_enabled && w < 8 ? apic_read_input(APIC_IRR + w * 0x10) : 0;
}

bool apic_irr_test(unsigned int vector)
{
	return apic_irr_word(vector / 32) >> (vector % 32) & 1;
}

bool apic_tmr_test(unsigned int vector)
{
	return apic_enabled && apic_test(APIC_TMR, vector);
}

/* Highest in-service vector: the one an EOI retires. Vectors 0..15 can't be in service. */
/* This CPU's TPR as last written by apic_set_tpr(): the PPR is read against it */
static uint32_t tpr_written __percpu;

/*
 * The highest in-service vector, or 0xff. The PPR is that vector's class when
 * the class is above the TPR's (SDM 10.8.3.1): then one more read, the ISR
 * word of that class, names it. Only a TPR that hides the ISR needs the scan
 * of all eight words (each read an exit under the user irqchip).
 */
unsigned int apic_highest_isr(void)
{
	uint32_t ppr = apic_read(APIC_PROCPRI) & 0xf0, v;
	int i;

	if (ppr > (tpr_written & 0xf0)) {
		v = apic_read(APIC_ISR + (ppr >> 5) * 0x10);
		if (v)
			return (ppr >> 5) * 32 + 31 - __builtin_clz(v);
	} else if (!ppr) {
		return 0xff;	/* nothing in service at all */
	}
	for (i = 7; i >= 0; i--) {
		uint32_t v = apic_read(APIC_ISR + i * 0x10);

		if (v)
			return i * 32 + 31 - __builtin_clz(v);
	}
	return 0xff;
}

/* IRR word @w's highest vector (@v not 0) goes past @ppr: its class above the PPR's (SDM 10.8.3.1) */
static bool irr_top_above_ppr(unsigned int w, uint32_t v, uint32_t ppr)
{
	return ((w * 32 + 31 - __builtin_clz(v)) & 0xf0) > (ppr & 0xf0);
}

/*
 * Whether IRR holds a vector the PPR lets through, of the vectors
 * 0x20-0xff: up to eight reads, each an exit under the user irqchip.
 */
bool apic_deliverable_pending(void)
{
	uint32_t ppr = apic_read(APIC_PROCPRI);

	for (int w = 7; w >= 1; w--) {
		uint32_t v = apic_read(APIC_IRR + w * 0x10);

		if (v)
			return irr_top_above_ppr(w, v, ppr);
	}
	return false;
}

/*
 * Whether the highest vector in IRR words @words (bit w: word w holds one, as
 * apic_irr_words() says) is one the PPR lets through: one read of that word,
 * as an input, and the PPR. Taken meanwhile (the word empty now): true.
 */
bool apic_irr_top_deliverable(uint32_t words)
{
	unsigned int w;
	uint32_t v;

	if (!words)
		return true;
	w = 31 - __builtin_clz(words);
	v = apic_irr_word(w);
	return !v || irr_top_above_ppr(w, v, apic_read(APIC_PROCPRI));
}

void apic_eoi(void)
{
	unsigned int v;
	uint64_t f;

	if (!apic_enabled)
		return;
	/* IF=0 across write and record: what the EOI unblocks is taken after its record */
	f = raw_local_irq_save();
	v = apic_highest_isr();
	apic_write(APIC_EOI, 0);
	ev_record(IVM_EV_EOI, v, 0);
	raw_local_irq_restore(f);
}

void apic_set_tpr(uint32_t tpr)
{
	uint64_t f = raw_local_irq_save();	/* as apic_eoi: a lowered TPR delivers after the record */

	apic_write(APIC_TASKPRI, tpr);
	tpr_written = tpr & 0xff;
	ev_record(IVM_EV_TPR, 0, tpr);
	raw_local_irq_restore(f);
}

uint32_t apic_get_tpr(void)
{
	return apic_read(APIC_TASKPRI) & 0xff;
}

/*
 * @dest: APIC ID; @icr_low: vector | delivery | shorthand | level bits.
 * Every IPI is recorded (IVM_EV_IPI) right before the ICR write, under IF=0
 * as a TPR write is, so a self-IPI becomes pending right after its record
 * and the oracle can place it (nothing but an NMI comes in between); an NMI
 * IPI's record is what explains the target's NMI, and INIT and SIPI are
 * there for the reader of the trace.
 */
void apic_send_ipi(uint32_t dest, uint32_t icr_low)
{
	uint64_t f;
	int i;

	/* every send is recorded, whatever its delivery mode: the oracle owes the target an NMI's too */
	if (x2apic_mode) {
		f = raw_local_irq_save();
		ev_record(IVM_EV_IPI, icr_low & 0xff, IVM_IPI_X2APIC_ARG(icr_low, dest));
		wrmsr(MSR_X2APIC_ICR, (uint64_t)dest << 32 | icr_low);
		raw_local_irq_restore(f);
		return;
	}
	/* xAPIC: wait for the previous IPI to be sent (bounded) */
	for (i = 0; i < 1000 && (xapic[APIC_ICR / 4] & APIC_ICR_BUSY); i++)
		cpu_relax();
	f = raw_local_irq_save();
	xapic[APIC_ICR2 / 4] = dest << 24;
	ev_record(IVM_EV_IPI, icr_low & 0xff, IVM_IPI_ARG(icr_low, dest));
	xapic[APIC_ICR / 4] = icr_low;
	raw_local_irq_restore(f);
}

void apic_self_ipi(unsigned int vector)
{
	apic_send_ipi(0, APIC_DEST_SELF | APIC_INT_ASSERT | APIC_DM_FIXED | vector);
}

void apic_timer_oneshot_vector(uint32_t count, unsigned int vector)
{
	apic_write(APIC_TDCR, APIC_TDR_DIV_1);
	apic_write(APIC_LVTT, vector);
	apic_write(APIC_TMICT, count);
}

void apic_timer_oneshot(uint32_t count)
{
	apic_timer_oneshot_vector(count, LOCAL_TIMER_VECTOR);
}

void apic_timer_periodic(uint32_t count)
{
	apic_write(APIC_TDCR, APIC_TDR_DIV_1);
	apic_write(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_TIMER_PERIODIC);
	apic_write(APIC_TMICT, count);
}

bool apic_timer_tsc_deadline(uint64_t deadline)
{
	if (!(cpuid1_ecx & CPUID1_ECX_TSC_DL))
		return false;
	apic_write(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_TIMER_TSC_DL);
	/* SDM 10.5.4.1: order the xAPIC LVT write before the MSR write */
	asm volatile("mfence" : : : "memory");
	wrmsr(MSR_TSC_DEADLINE, deadline);
	return true;
}

void apic_timer_stop(void)
{
	apic_write(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_MASKED);
	apic_write(APIC_TMICT, 0);
	if (cpuid1_ecx & CPUID1_ECX_TSC_DL)
		wrmsr(MSR_TSC_DEADLINE, 0);
}

/* Remap to 0x20/0x28 (out of the exception range), then mask every line */
void pic_init(void)
{
	outb(0x20, 0x11);	/* ICW1: edge, cascade, ICW4 */
	outb(0xa0, 0x11);
	outb(0x21, 0x20);	/* ICW2: vector bases */
	outb(0xa1, 0x28);
	outb(0x21, 1 << 2);	/* ICW3: slave on IR2 */
	outb(0xa1, 2);
	outb(0x21, 0x01);	/* ICW4: 8086 mode */
	outb(0xa1, 0x01);
	outb(0x21, 0xff);	/* OCW1: mask all */
	outb(0xa1, 0xff);
}

/*
 * RDMSR of the x2APIC version register; traps.c fixes a #GP here up to
 * resume after it with EDX:EAX untouched (~0). A host that advertises
 * x2APIC in CPUID without emulating its MSRs gets xAPIC instead.
 */
__attribute__((noinline)) static uint32_t x2apic_probe(void)
{
	uint32_t lo = ~0u, hi = ~0u;

	asm volatile(".globl x2apic_probe_insn, x2apic_probe_fixup\n"
		     "x2apic_probe_insn: rdmsr\n"
		     "x2apic_probe_fixup:"
		     : "+a"(lo), "+d"(hi) : "c"(MSR_X2APIC_BASE + (APIC_LVR >> 4)) : "memory");
	return lo;
}

/*
 * The registers every CPU sets alike, Linux setup_local_APIC(): flat logical
 * ID bit = CPU number (recorded, IVM_EV_LDR, as x2APIC's derived one is, so
 * the oracle can route logical IPIs), the spurious vector and software enable
 * first, then the LVT entries: LINT0 (ExtINT) masked, LINT1 NMI on the BSP
 * only (unmasked there), then the error vector, unmasked (Linux's
 * lapic_setup_esr: ERROR_APIC_VECTOR), so that an APIC error is a delivery
 * the guest sees (irq.c prints it). Every LVT entry is written after SVR's
 * enable: while the APIC is software-disabled an LVT write can't clear its
 * mask bit (SDM 11.4.7.2), which left LVT error and the BSP's LINT1 masked.
 * The two unmasked entries are read back; a mask that stuck anyway is said
 * ("apic: cpu N: LVT1 reads ..., ... written"), which 20-kvm.t looks for.
 */
static void apic_check_lvt(unsigned int cpu, const char *name, uint32_t reg, uint32_t want)
{
	uint32_t got = apic_read(reg);

	if (got != want)
		printf("apic: cpu %u: %s reads 0x%x, 0x%x written\n", cpu, name, got, want);
}

static void apic_setup_regs(unsigned int cpu)
{
	uint32_t lint1 = APIC_DM_NMI | (cpu ? APIC_LVT_MASKED : 0);

	if (!x2apic_mode) {
		apic_write(APIC_DFR, 0xffffffff);	/* flat model */
		apic_write(APIC_LDR, 1u << (24 + cpu));
		ev_record(IVM_EV_LDR, IVM_LDR_FLAT, 1u << (24 + cpu));
	} else {
		/* read-only: the x2APIC ID's (@cpu, its initial APIC ID) cluster and bit, SDM 11.12.10.2 */
		ev_record(IVM_EV_LDR, IVM_LDR_X2APIC, (cpu >> 4) << 16 | 1u << (cpu & 15));
	}
	apic_write(APIC_TASKPRI, 0);
	tpr_written = 0;
	apic_write(APIC_SPIV, APIC_SPIV_ENABLE | SPURIOUS_APIC_VECTOR);
	apic_write(APIC_LVTT, LOCAL_TIMER_VECTOR | APIC_LVT_MASKED);
	apic_write(APIC_LVT0, APIC_DM_EXTINT | APIC_LVT_MASKED);
	apic_write(APIC_LVT1, lint1);
	/* ESR is updated by a write (xAPIC needs it back to back): clear what came before */
	apic_write(APIC_ESR, 0);
	if (!x2apic_mode)
		apic_write(APIC_ESR, 0);
	apic_write(APIC_LVTERR, ERROR_APIC_VECTOR);
	apic_check_lvt(cpu, "LVT1", APIC_LVT1, lint1);
	apic_check_lvt(cpu, "LVT error", APIC_LVTERR, ERROR_APIC_VECTOR);
}

/* An AP after INIT-SIPI: its APIC is on in xAPIC mode; follow the BSP's mode. */
void apic_init_ap(unsigned int cpu)
{
	if (x2apic_mode)
		wrmsr(MSR_IA32_APICBASE, rdmsr(MSR_IA32_APICBASE) | APICBASE_ENABLE | APICBASE_EXTD);
	apic_setup_regs(cpu);
}

int apic_init(const char *mode)
{
	uint32_t a, b, d;
	uint64_t base;
	bool want_x2;

	cpuid(1, &a, &b, &cpuid1_ecx, &d);
	want_x2 = mode ? !strcmp(mode, "x2apic") : !!(cpuid1_ecx & CPUID1_ECX_X2APIC);
	if (want_x2 && !(cpuid1_ecx & CPUID1_ECX_X2APIC)) {
		printf("apic: no x2APIC on this CPU\n");
		return -ENOSYS;
	}

	pic_init();

	base = rdmsr(MSR_IA32_APICBASE);
	if ((base & ~0xffful) != APIC_BASE_GPA)
		printf("apic: base 0x%lx, expected 0x%lx\n", base & ~0xffful, APIC_BASE_GPA);
	if (!want_x2 && (base & APICBASE_EXTD)) {
		/* x2APIC -> xAPIC must go through disabled (SDM 10.12.5) */
		wrmsr(MSR_IA32_APICBASE, base & ~(uint64_t)(APICBASE_EXTD | APICBASE_ENABLE));
		base &= ~(uint64_t)APICBASE_EXTD;
	}
	base |= APICBASE_ENABLE | (want_x2 ? APICBASE_EXTD : 0);
	wrmsr(MSR_IA32_APICBASE, base);
	if (want_x2 && x2apic_probe() == ~0u) {
		printf("apic: x2APIC MSRs fault; using xAPIC\n");
		wrmsr(MSR_IA32_APICBASE, base & ~(uint64_t)(APICBASE_EXTD | APICBASE_ENABLE));
		base &= ~(uint64_t)APICBASE_EXTD;
		wrmsr(MSR_IA32_APICBASE, base);
		want_x2 = false;
	}
	x2apic_mode = want_x2;
	apic_enabled = true;
	apic_setup_regs(0);

	printf("apic: %s id %u version 0x%x\n", x2apic_mode ? "x2apic" : "xapic",
	       x2apic_mode ? apic_read(APIC_ID) : apic_read(APIC_ID) >> 24,
	       apic_read(APIC_LVR));
	return 0;
}
