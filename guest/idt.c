// SPDX-License-Identifier: MIT
/* IDT built from tables like Linux arch/x86/kernel/idt.c, by the assembler. */
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

/*
 * The gates of Linux's tables (early_idts, early_pf_idts, def_idts,
 * ia32_idt, apic_idts), each vector's last one where Linux installs it
 * twice (#DB on its IST stack, #BP at DPL3). Linux writes them at boot;
 * every such write is an emulated CPL0 instruction on the target (~1100 for
 * these 35 gates), so here the assembler builds them in runs of consecutive
 * vectors and idt_init() copies each run over entry.S's idt_table (~100
 * instructions). A run lists its vectors in ascending order (.org refuses
 * to go back); a vector it skips stays a not-present gate, as Linux leaves
 * 20 and 22..31 (a stray one arrives as #NP with error code vector*8+3,
 * which panics with that code).
 *
 * A gate as set_gate() would write it: offset bits 16..63 are 0x0010 as the
 * image lies in the 64 KiB at 0x100000 (guest.ld checks; entry.S relies on
 * it too), so the assembler can split the address.
 */
#define __stringify_1(x)	#x
#define __stringify(x)		__stringify_1(x)
#define IMAGE_BASE		0x100000

asm(".macro IDT_RUN name, first\n"
    "	.balign	16\n"
    "	.globl	\\name\n"
    "\\name:\n"
    "	.set	idt_run_start, \\name\n"
    "	.set	idt_run_first, \\first\n"
    ".endm\n"
    ".macro IDT_GATE vector, entry, ist, dpl\n"
    "	.org	idt_run_start + (\\vector - idt_run_first) * 16\n"
    "	.word	\\entry - " __stringify(IMAGE_BASE) "\n"
    "	.word	" __stringify(KERNEL_CS) "\n"
    "	.word	0x8000 | (" __stringify(GATE_INTERRUPT) " << 8) | ((\\dpl) << 13) | (\\ist)\n"
    "	.word	" __stringify(IMAGE_BASE) " >> 16\n"
    "	.long	0, 0\n"
    ".endm\n"
    /* pads the run with not-present gates up to its last vector */
    ".macro IDT_RUN_END last\n"
    "	.org	idt_run_start + (\\last + 1 - idt_run_first) * 16\n"
    ".endm\n");

/* Linux's INTG, SYSG and ISTG (ist: the IST_INDEX_*, the gate holds it + 1) */
#define G(v, a, ist, dpl)	"	IDT_GATE (" __stringify(v) "), " #a ", " ist ", " #dpl "\n"
#define INTG(v, a)		G(v, a, "0", 0)
#define SYSG(v, a)		G(v, a, "0", 3)
#define ISTG(v, a, ist)		G(v, a, "(" __stringify(ist) "+1)", 0)

#define EXC_FIRST	X86_TRAP_DE
#define EXC_LAST	X86_TRAP_CP
#define APIC_FIRST	IRQ_WORK_VECTOR		/* 0xf6..0xff, all assigned */

asm("	.pushsection .rodata.idt, \"a\"\n"
    "	IDT_RUN exc_gates, " __stringify(EXC_FIRST) "\n"
    INTG(X86_TRAP_DE, asm_exc_0)
    ISTG(X86_TRAP_DB, asm_exc_1, IST_INDEX_DB)
    ISTG(X86_TRAP_NMI, asm_exc_2, IST_INDEX_NMI)
    SYSG(X86_TRAP_BP, asm_exc_3)
    SYSG(X86_TRAP_OF, asm_exc_4)
    INTG(X86_TRAP_BR, asm_exc_5)
    INTG(X86_TRAP_UD, asm_exc_6)
    INTG(X86_TRAP_NM, asm_exc_7)
    ISTG(X86_TRAP_DF, asm_exc_8, IST_INDEX_DF)
    INTG(X86_TRAP_OLD_MF, asm_exc_9)
    INTG(X86_TRAP_TS, asm_exc_10)
    INTG(X86_TRAP_NP, asm_exc_11)
    INTG(X86_TRAP_SS, asm_exc_12)
    INTG(X86_TRAP_GP, asm_exc_13)
    INTG(X86_TRAP_PF, asm_exc_14)
    INTG(X86_TRAP_SPURIOUS, asm_exc_15)
    INTG(X86_TRAP_MF, asm_exc_16)
    INTG(X86_TRAP_AC, asm_exc_17)
    ISTG(X86_TRAP_MC, asm_exc_18, IST_INDEX_MCE)
    INTG(X86_TRAP_XF, asm_exc_19)
    INTG(X86_TRAP_CP, asm_exc_21)
    "	IDT_RUN_END " __stringify(EXC_LAST) "\n"

    "	IDT_RUN ia32_gate, " __stringify(IA32_SYSCALL_VECTOR) "\n"
    SYSG(IA32_SYSCALL_VECTOR, asm_exc_0x80)

    "	IDT_RUN timer_gate, " __stringify(LOCAL_TIMER_VECTOR) "\n"
    INTG(LOCAL_TIMER_VECTOR, asm_sysvec_apic_timer_interrupt)

    "	IDT_RUN deferred_error_gate, " __stringify(DEFERRED_ERROR_VECTOR) "\n"
    INTG(DEFERRED_ERROR_VECTOR, asm_sysvec_deferred_error)

    "	IDT_RUN apic_gates, " __stringify(APIC_FIRST) "\n"
    INTG(IRQ_WORK_VECTOR, asm_sysvec_irq_work)
    INTG(X86_PLATFORM_IPI_VECTOR, asm_sysvec_x86_platform_ipi)
    INTG(REBOOT_VECTOR, asm_sysvec_reboot)
    INTG(THRESHOLD_APIC_VECTOR, asm_sysvec_threshold)
    INTG(THERMAL_APIC_VECTOR, asm_sysvec_thermal)
    INTG(CALL_FUNCTION_SINGLE_VECTOR, asm_sysvec_call_function_single)
    INTG(CALL_FUNCTION_VECTOR, asm_sysvec_call_function)
    INTG(RESCHEDULE_VECTOR, asm_sysvec_reschedule_ipi)
    INTG(ERROR_APIC_VECTOR, asm_sysvec_error_interrupt)
    INTG(SPURIOUS_APIC_VECTOR, asm_sysvec_spurious_apic_interrupt)
    "	IDT_RUN_END (" __stringify(NR_VECTORS - 1) ")\n"
    "	.popsection\n");

extern const struct gate_struct exc_gates[], ia32_gate[], timer_gate[], deferred_error_gate[],
	apic_gates[];

/* entry.S: external vectors pre-set to irq_entries_start/spurious_entries_start */
extern struct gate_struct idt_table[NR_VECTORS];

static void set_gates(unsigned int first, const struct gate_struct *g, unsigned int last)
{
	memcpy(&idt_table[first], g, (last - first + 1) * sizeof(*g));
}

void idt_set_present(unsigned int vector, bool present)
{
	if (present)
		idt_table[vector].bits |= 1 << 15;
	else
		idt_table[vector].bits &= ~(1 << 15);
}

void idt_set_dpl(unsigned int vector, unsigned int dpl)
{
	idt_table[vector].bits = (idt_table[vector].bits & ~(3u << 13)) | (dpl & 3) << 13;
}

/* 0xe: interrupt gate (clears IF), 0xf: trap gate (leaves it) */
void idt_set_type(unsigned int vector, unsigned int type)
{
	idt_table[vector].bits = (idt_table[vector].bits & ~(0xfu << 8)) | (type & 0xf) << 8;
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
	/*
	 * Linux points every non-system vector >= 0x20 at irq_entries_start or
	 * spurious_entries_start; entry.S has those gates pre-built, so only
	 * the exception, int80 and system-vector gates go over them.
	 */
	set_gates(EXC_FIRST, exc_gates, EXC_LAST);
	set_gates(IA32_SYSCALL_VECTOR, ia32_gate, IA32_SYSCALL_VECTOR);
	set_gates(LOCAL_TIMER_VECTOR, timer_gate, LOCAL_TIMER_VECTOR);
	set_gates(DEFERRED_ERROR_VECTOR, deferred_error_gate, DEFERRED_ERROR_VECTOR);
	set_gates(APIC_FIRST, apic_gates, NR_VECTORS - 1);
	idt_load();
}
