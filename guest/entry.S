/* SPDX-License-Identifier: MIT */
/*
 * Interrupt and exception entry. Every stub pushes an error-code slot
 * (hardware error code, -1, or the vector for irqs) and the vector, then the
 * common code saves the GPRs into a struct pt_regs and calls C. Kept short:
 * each instruction at CPL0 is emulated on the target KVM.
 */
#include "abi.h"
#include "x86.h"

/* pt_regs offsets (see guest.h) */
#define PTR_VECTOR	(15 * 8)
#define PTR_ORIG_AX	(16 * 8)
#define PTR_IP		(17 * 8)
#define PTR_CS		(18 * 8)
#define PTR_FLAGS	(19 * 8)
#define PTR_SP		(20 * 8)
#define PTR_SS		(21 * 8)
#define PTR_TOP		(22 * 8)	/* end of the hardware frame */

#define STACK_SHIFT	13		/* log2 of the RSP0/IST stack size */
#define STACK_UNKNOWN	15		/* IVM_STACK_UNKNOWN (an enum in abi.h) */

#include "ev_asm.h"

.macro PUSH_REGS
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	pushq	%rcx
	pushq	%rax
	pushq	%r8
	pushq	%r9
	pushq	%r10
	pushq	%r11
	pushq	%rbx
	pushq	%rbp
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
.endm

.macro POP_REGS
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbp
	popq	%rbx
	popq	%r11
	popq	%r10
	popq	%r9
	popq	%r8
	popq	%rax
	popq	%rcx
	popq	%rdx
	popq	%rsi
	popq	%rdi
.endm

	.text

/* ---- Exceptions 0..31 (and int $0x80): asm_exc_<n> ---- */
.macro IDTENTRY vec has_err
	.globl	asm_exc_\vec
	.balign	8
asm_exc_\vec:
	.if \has_err == 0
	pushq	$-1
	.endif
	pushq	$\vec
	jmp	exc_common
.endm

/* SDM: error code for DF TS NP SS GP PF AC CP VC SX */
	IDTENTRY 0, 0
	IDTENTRY 1, 0
	IDTENTRY 2, 0
	IDTENTRY 3, 0
	IDTENTRY 4, 0
	IDTENTRY 5, 0
	IDTENTRY 6, 0
	IDTENTRY 7, 0
	IDTENTRY 8, 1
	IDTENTRY 9, 0
	IDTENTRY 10, 1
	IDTENTRY 11, 1
	IDTENTRY 12, 1
	IDTENTRY 13, 1
	IDTENTRY 14, 1
	IDTENTRY 15, 0
	IDTENTRY 16, 0
	IDTENTRY 17, 1
	IDTENTRY 18, 0
	IDTENTRY 19, 0
	IDTENTRY 20, 0
	IDTENTRY 21, 1
	IDTENTRY 22, 0
	IDTENTRY 23, 0
	IDTENTRY 24, 0
	IDTENTRY 25, 0
	IDTENTRY 26, 0
	IDTENTRY 27, 0
	IDTENTRY 28, 0
	IDTENTRY 29, 1
	IDTENTRY 30, 1
	IDTENTRY 31, 0

	/* int $0x80 (SYSG, like Linux's ia32 int80 entry) */
	IDTENTRY 0x80, 0

exc_common:
	PUSH_REGS
	cld
	movzbl	PTR_VECTOR(%rsp), %esi
	EV_ENTRY 1
	movq	%rsp, %rdi
	call	handle_exception
	EV_IRET
	POP_REGS
	addq	$16, %rsp
	iretq

/* ---- Device interrupts 0x20..FIRST_SYSTEM_VECTOR-1 ---- */
	/* 2 KiB aligned so all stubs share the gate's offset bits 16..63 */
	.balign	2048
	.globl	irq_entries_start
irq_entries_start:
	vector = FIRST_EXTERNAL_VECTOR
	.rept	FIRST_SYSTEM_VECTOR - FIRST_EXTERNAL_VECTOR
	.byte	0x6a, vector		/* pushq $vector (sign-extended) */
	jmp	asm_common_interrupt
	.balign	IDT_ALIGN, 0xcc
	vector = vector + 1
	.endr
	.globl	irq_entries_end
irq_entries_end:

/* ---- Unassigned system vectors FIRST_SYSTEM_VECTOR..0xff ---- */
	.globl	spurious_entries_start
spurious_entries_start:
	vector = FIRST_SYSTEM_VECTOR
	.rept	NR_VECTORS - FIRST_SYSTEM_VECTOR
	.byte	0x6a, vector
	jmp	asm_spurious_interrupt
	.balign	IDT_ALIGN, 0xcc
	vector = vector + 1
	.endr

/* ---- Assigned system vectors: asm_sysvec_<name> ---- */
.macro SYSVEC vec name
	.globl	asm_sysvec_\name
	.balign	IDT_ALIGN
asm_sysvec_\name:
	.byte	0x6a, \vec
	jmp	asm_common_interrupt
.endm
	SYSVEC	LOCAL_TIMER_VECTOR, apic_timer_interrupt
	SYSVEC	SPURIOUS_APIC_VECTOR, spurious_apic_interrupt
	SYSVEC	ERROR_APIC_VECTOR, error_interrupt
	SYSVEC	RESCHEDULE_VECTOR, reschedule_ipi
	SYSVEC	CALL_FUNCTION_VECTOR, call_function
	SYSVEC	CALL_FUNCTION_SINGLE_VECTOR, call_function_single
	SYSVEC	THERMAL_APIC_VECTOR, thermal
	SYSVEC	THRESHOLD_APIC_VECTOR, threshold
	SYSVEC	REBOOT_VECTOR, reboot
	SYSVEC	X86_PLATFORM_IPI_VECTOR, x86_platform_ipi
	SYSVEC	IRQ_WORK_VECTOR, irq_work
	SYSVEC	DEFERRED_ERROR_VECTOR, deferred_error

/*
 * Stack on entry: vector (in the error-code slot), hardware frame.
 * Non-nested interrupts run on irq_stack (Linux run_irq_on_irqstack_cond),
 * from kernel or user mode: the RSP0 stack a CPL3 delivery lands on is too
 * small for a storm's nesting. A nested one stays where it is.
 */
.macro IRQ_COMMON name handler
\name:
	pushq	(%rsp)			/* vector slot = orig_ax */
	PUSH_REGS
	cld
	movq	%rsp, %rdi
	movzbl	PTR_VECTOR(%rsp), %esi
	EV_ENTRY 0
	cmpb	$0, irq_stack_inuse(%rip)
	jne	1f
	movb	$1, irq_stack_inuse(%rip)
	movq	%rsp, %rbx		/* callee-saved; restored by POP_REGS */
	leaq	irq_stack + IRQ_STACK_SIZE(%rip), %rsp
	call	\handler
	movq	%rbx, %rsp
	movb	$0, irq_stack_inuse(%rip)
	jmp	2f
1:	call	\handler
2:	EV_IRET
	POP_REGS
	addq	$16, %rsp
	iretq
.endm
	IRQ_COMMON asm_common_interrupt, common_interrupt
	IRQ_COMMON asm_spurious_interrupt, spurious_interrupt

/*
 * The IDT, with the 224 external-vector gates already built by the
 * assembler (a C loop over them costs ~2000 emulated instructions at
 * boot). idt.c then installs the exception, int80 and system-vector gates
 * from Linux-style tables over the top. The image lies in the 64 KiB at
 * 0x100000 (guest.ld checks), so offset bits 16..31 are 0x0010.
 */
#define IMAGE_BASE	0x100000
.macro IRQ_GATE stub
	.word	\stub - IMAGE_BASE
	.word	KERNEL_CS
	.word	0x8e00			/* P, DPL0, interrupt gate, IST 0 */
	.word	IMAGE_BASE >> 16
	.long	0, 0
.endm

	.section .data.idt, "aw"
	.balign	4096
	.globl	idt_table
idt_table:
	.fill	FIRST_EXTERNAL_VECTOR * 2, 8, 0	/* .fill sizes stop at 8 */
	i = 0
	.rept	FIRST_SYSTEM_VECTOR - FIRST_EXTERNAL_VECTOR
	IRQ_GATE irq_entries_start+i*IDT_ALIGN
	i = i + 1
	.endr
	i = 0
	.rept	NR_VECTORS - FIRST_SYSTEM_VECTOR
	IRQ_GATE spurious_entries_start+i*IDT_ALIGN
	i = i + 1
	.endr
	.globl	idt_table_end
idt_table_end:

/*
 * The TSS stacks, contiguous so EV_STACK_ID can tell them apart with a
 * subtract and a rotate: RSP0 first, then IST1..N_IST_STACKS (the TSS.ISTn
 * slot is index + 1), each 1 << STACK_SHIFT bytes.
 */
.if RSP0_STACK_SIZE != (1 << STACK_SHIFT) || IST_STACK_SIZE != (1 << STACK_SHIFT)
.error "EV_STACK_ID needs RSP0 and IST stacks of 1 << STACK_SHIFT bytes"
.endif
	.section .percpu, "aw"
	.balign	4096
cpu_stacks:
	.globl	rsp0_stack
rsp0_stack:
	.skip	RSP0_STACK_SIZE
	.globl	ist_stacks
ist_stacks:
	.skip	N_IST_STACKS * IST_STACK_SIZE

	/* per CPU, like the stacks: each CPU's window has its own */
	.section .percpu, "aw"
	.globl	irq_stack_inuse
irq_stack_inuse:
	.byte	0
	/* Nesting depth of this CPU's deliveries */
	.balign	4
	.globl	irq_depth
irq_depth:
	.long	0

	.section .note.GNU-stack, "", @progbits
