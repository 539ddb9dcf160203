// SPDX-License-Identifier: MIT
/* IDT built from tables like Linux arch/x86/kernel/idt.c. */
#include "guest.h"

#define GATE_INTERRUPT	0xe

struct gate_struct {
	uint16_t offset_low;
	uint16_t segment;
	uint16_t bits;		/* ist:3 zero:5 type:4 zero:1 dpl:2 p:1 */
	uint16_t offset_middle;
	uint32_t offset_high;
	uint32_t reserved;
};

struct idt_data {
	uint8_t vector;
	uint8_t dpl;
	uint8_t ist;		/* IST index + 1, 0 = no stack switch */
	const void *addr;
};

#define G(_v, _a, _ist, _dpl) { .vector = _v, .dpl = _dpl, .ist = _ist, .addr = _a }
#define INTG(v, a)		G(v, a, 0, 0)
#define SYSG(v, a)		G(v, a, 0, 3)
#define ISTG(v, a, ist)		G(v, a, (ist) + 1, 0)

#define EXC(n)	extern char asm_exc_##n[]
EXC(0); EXC(1); EXC(2); EXC(3); EXC(4); EXC(5); EXC(6); EXC(7);
EXC(8); EXC(9); EXC(10); EXC(11); EXC(12); EXC(13); EXC(14); EXC(15);
EXC(16); EXC(17); EXC(18); EXC(19); EXC(21);
EXC(0x80);

extern char asm_sysvec_apic_timer_interrupt[], asm_sysvec_spurious_apic_interrupt[],
	asm_sysvec_error_interrupt[], asm_sysvec_reschedule_ipi[],
	asm_sysvec_call_function[], asm_sysvec_call_function_single[],
	asm_sysvec_thermal[], asm_sysvec_threshold[], asm_sysvec_reboot[],
	asm_sysvec_x86_platform_ipi[], asm_sysvec_irq_work[],
	asm_sysvec_deferred_error[];

/* entry.S: external vectors pre-set to irq_entries_start/spurious_entries_start */
extern struct gate_struct idt_table[NR_VECTORS];
static uint64_t system_vectors[NR_VECTORS / 64];

/* Linux early_idts: set before the rest so #DB/#BP work early */
static const struct idt_data early_idts[] = {
	INTG(X86_TRAP_DB, asm_exc_1),
	SYSG(X86_TRAP_BP, asm_exc_3),
};

static const struct idt_data early_pf_idts[] = {
	INTG(X86_TRAP_PF, asm_exc_14),
};

/*
 * As Linux: vectors 20, 22..31 stay not-present (a stray one arrives as
 * #NP with error code vector*8+3, which panics with that code).
 */
static const struct idt_data def_idts[] = {
	INTG(X86_TRAP_DE, asm_exc_0),
	ISTG(X86_TRAP_NMI, asm_exc_2, IST_INDEX_NMI),
	INTG(X86_TRAP_BR, asm_exc_5),
	INTG(X86_TRAP_UD, asm_exc_6),
	INTG(X86_TRAP_NM, asm_exc_7),
	INTG(X86_TRAP_OLD_MF, asm_exc_9),
	INTG(X86_TRAP_TS, asm_exc_10),
	INTG(X86_TRAP_NP, asm_exc_11),
	INTG(X86_TRAP_SS, asm_exc_12),
	INTG(X86_TRAP_GP, asm_exc_13),
	INTG(X86_TRAP_SPURIOUS, asm_exc_15),
	INTG(X86_TRAP_MF, asm_exc_16),
	INTG(X86_TRAP_AC, asm_exc_17),
	INTG(X86_TRAP_XF, asm_exc_19),
	INTG(X86_TRAP_CP, asm_exc_21),
	ISTG(X86_TRAP_DF, asm_exc_8, IST_INDEX_DF),
	ISTG(X86_TRAP_DB, asm_exc_1, IST_INDEX_DB),
	ISTG(X86_TRAP_MC, asm_exc_18, IST_INDEX_MCE),
	SYSG(X86_TRAP_OF, asm_exc_4),
	SYSG(X86_TRAP_BP, asm_exc_3),
};

static const struct idt_data ia32_idt[] = {
	SYSG(IA32_SYSCALL_VECTOR, asm_exc_0x80),
};

static const struct idt_data apic_idts[] = {
	INTG(LOCAL_TIMER_VECTOR, asm_sysvec_apic_timer_interrupt),
	INTG(SPURIOUS_APIC_VECTOR, asm_sysvec_spurious_apic_interrupt),
	INTG(ERROR_APIC_VECTOR, asm_sysvec_error_interrupt),
	INTG(RESCHEDULE_VECTOR, asm_sysvec_reschedule_ipi),
	INTG(CALL_FUNCTION_VECTOR, asm_sysvec_call_function),
	INTG(CALL_FUNCTION_SINGLE_VECTOR, asm_sysvec_call_function_single),
	INTG(THERMAL_APIC_VECTOR, asm_sysvec_thermal),
	INTG(THRESHOLD_APIC_VECTOR, asm_sysvec_threshold),
	INTG(REBOOT_VECTOR, asm_sysvec_reboot),
	INTG(X86_PLATFORM_IPI_VECTOR, asm_sysvec_x86_platform_ipi),
	INTG(IRQ_WORK_VECTOR, asm_sysvec_irq_work),
	INTG(DEFERRED_ERROR_VECTOR, asm_sysvec_deferred_error),
};

/* Two 64-bit stores per gate: fewer emulated instructions than field by field */
static void set_gate(unsigned int n, const void *addr, unsigned int dpl, unsigned int ist)
{
	uint64_t a = (uint64_t)addr;
	uint64_t bits = ist | (GATE_INTERRUPT << 8) | (dpl << 13) | (1 << 15);
	uint64_t *g = (uint64_t *)&idt_table[n];

	g[0] = (a & 0xffff) | (KERNEL_CS << 16) | (bits << 32) | ((a & 0xffff0000) << 32);
	g[1] = a >> 32;
}

static void idt_setup_from_table(const struct idt_data *t, size_t e, bool sys)
{
	for (; e; e--, t++) {
		set_gate(t->vector, t->addr, t->dpl, t->ist);
		if (sys)
			system_vectors[t->vector / 64] |= 1ull << (t->vector % 64);
	}
}

/*
 * Linux points every non-system vector >= 0x20 at irq_entries_start or
 * spurious_entries_start here; entry.S has those gates pre-built, so only
 * the system vectors are installed (over them).
 */
static void idt_setup_apic_and_irq_gates(void)
{
	idt_setup_from_table(apic_idts, ARRAY_SIZE(apic_idts), true);
}

void idt_set_present(unsigned int vector, bool present)
{
	if (present)
		idt_table[vector].bits |= 1 << 15;
	else
		idt_table[vector].bits &= ~(1 << 15);
}

static const struct {
	uint16_t limit;
	uint64_t base;
} __attribute__((packed)) idtr = { sizeof(idt_table) - 1, (uint64_t)idt_table };

/* Every CPU shares the one IDT (as Linux does) */
void idt_load(void)
{
	asm volatile("lidt %0" : : "m"(idtr));
}

void idt_init(void)
{
	/* Same phases as Linux; loaded once since nothing faults in between */
	idt_setup_from_table(early_idts, ARRAY_SIZE(early_idts), true);
	idt_setup_from_table(early_pf_idts, ARRAY_SIZE(early_pf_idts), true);
	idt_setup_from_table(def_idts, ARRAY_SIZE(def_idts), true);
	idt_setup_from_table(ia32_idt, ARRAY_SIZE(ia32_idt), true);
	idt_setup_apic_and_irq_gates();
	idt_load();
}
