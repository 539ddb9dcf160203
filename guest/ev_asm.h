/* SPDX-License-Identifier: MIT */
/*
 * The event ring's ENTRY and IRET records, for assembly: include/abi.h's
 * protocol (reserve a slot with one CMPXCHG, fill it, publish it by its seq)
 * in macros, so entry.S and bench/p2_floor.S's traced floor write the very
 * same instructions.
 *
 * The includer defines where the frame is, relative to %rsp: PTR_VECTOR (the
 * vector, a byte), PTR_ORIG_AX (an exception's error code), PTR_IP, PTR_CS,
 * PTR_FLAGS, PTR_SP, PTR_SS and PTR_TOP (the end of the hardware frame); the
 * stacks: STACK_SHIFT, STACK_UNKNOWN, N_IST_STACKS and the symbol
 * cpu_stacks; and the symbols ivm_page (this CPU's struct ivm_guest_page)
 * and irq_depth (a 32-bit nesting count).
 */
#ifndef IVM_GUEST_EV_ASM_H
#define IVM_GUEST_EV_ASM_H

#include "abi.h"

/* struct ivm_guest_page offsets (trace.c asserts them) */
#define PG_RESERVED	8
#define PG_DROPPED	12
#define PG_TAIL		16
#define PG_VCOUNT	24
#define PG_EV		2672
#define EV_SIZE		56		/* IVM_EVENT_SIZE (C-only in abi.h) */
#define EV_KIND		(ivm_page + PG_EV + 0)
#define EV_VECTOR	(ivm_page + PG_EV + 1)
#define EV_DEPTH	(ivm_page + PG_EV + 2)
#define EV_CPL		(ivm_page + PG_EV + 3)
#define EV_ARG		(ivm_page + PG_EV + 4)
#define EV_TSC		(ivm_page + PG_EV + 8)
#define EV_RIP		(ivm_page + PG_EV + 16)
#define EV_RSP		(ivm_page + PG_EV + 24)
#define EV_RFLAGS	(ivm_page + PG_EV + 32)
#define EV_CS		(ivm_page + PG_EV + 36)
#define EV_SS		(ivm_page + PG_EV + 38)
#define EV_STACK	(ivm_page + PG_EV + 40)
#define EV_SEQ		(ivm_page + PG_EV + 44)
#define EV_AUX		(ivm_page + PG_EV + 48)

/*
 * Event ring records, on every delivery and before every iretq. They clobber
 * RAX/RCX/RDX/R8/R9 (entry.S runs them with pt_regs saved); the image is
 * linked below 2 GiB, so absolute disp32 addressing reaches the page. Every
 * instruction here is emulated on PVM (~0.25-0.75 us), hence no calls.
 *
 * The protocol is include/abi.h's: EV_RESERVE reserves a slot with one
 * CMPXCHG on ev_reserved (an NMI or exception that records in between
 * takes the next slot and we retry) and leaves the slot's offset in RCX,
 * the index of the EV_* addresses above; EV_PUBLISH writes seq last. R9
 * carries the seq value (reservation + 1) from one to the other.
 *
 * EV_SLOT is EV_RESERVE, then a copy of the hardware frame (the one just
 * pushed, or the one about to be restored): RIP, RSP (left in R8), RFLAGS,
 * CS, SS. The SS store is 32 bits wide so it also zeroes the stack byte (and
 * pad[0]): IRET records keep 0 there, EV_ENTRY overwrites it only when the
 * stack is not SAME.
 */
.macro EV_RESERVE drop
	movl	ivm_page + PG_RESERVED(%rip), %eax
.Lev_retry\@:
	movl	%eax, %ecx
	subl	ivm_page + PG_TAIL(%rip), %ecx
	cmpl	$IVM_EV_RING, %ecx		/* signed: a stale EAX may be behind the tail */
	jge	\drop
	leal	1(%rax), %r9d
	cmpxchgl %r9d, ivm_page + PG_RESERVED(%rip)	/* else EAX = the newer value */
	jne	.Lev_retry\@
	andl	$(IVM_EV_RING - 1), %eax
	imull	$EV_SIZE, %eax, %ecx
.endm

.macro EV_SLOT drop
	EV_RESERVE \drop
	movq	PTR_IP(%rsp), %rax
	movq	%rax, EV_RIP(%rcx)
	movq	PTR_SP(%rsp), %r8
	movq	%r8, EV_RSP(%rcx)
	movl	PTR_FLAGS(%rsp), %eax
	movl	%eax, EV_RFLAGS(%rcx)
	movzwl	PTR_SS(%rsp), %eax
	movl	%eax, EV_SS(%rcx)		/* + stack = 0 */
	movl	PTR_CS(%rsp), %eax
	movw	%ax, EV_CS(%rcx)
	andb	$3, %al
	movb	%al, EV_CPL(%rcx)
	movl	irq_depth(%rip), %eax
	movb	%al, EV_DEPTH(%rcx)
.endm

.macro EV_PUBLISH drop
	rdtsc
	movl	%eax, EV_TSC(%rcx)
	movl	%edx, EV_TSC + 4(%rcx)
	movl	%r9d, EV_SEQ(%rcx)		/* publish: the slot is complete */
	jmp	.Lev_done\@
\drop:
	incl	ivm_page + PG_DROPPED(%rip)	/* one instruction: NMI-safe */
.Lev_done\@:
.endm

/*
 * Which stack the handler runs on (selftest.c stack_id(), by the frame's
 * address). In: R8 = interrupted RSP. SAME, the common case (CPL0, IST 0):
 * the CPU aligned RSP down to 16 and pushed the frame below it, so
 * PTR_TOP(%rsp) == R8 & ~15: four instructions, the byte is already 0.
 * Otherwise the frame ends at a known top: cpu_stacks is RSP0 then IST1..n,
 * each 1 << STACK_SHIFT bytes, so (top - cpu_stacks) rotated right by
 * STACK_SHIFT is the enum ivm_stack_id (1..N_IST_STACKS + 1) exactly when
 * the frame is at one of those tops; anything else is UNKNOWN.
 */
.macro EV_STACK_ID
	leaq	PTR_TOP(%rsp), %rdx
	subq	%rdx, %r8
	cmpq	$15, %r8
	jbe	.Lst_done\@
	subq	$cpu_stacks, %rdx
	jz	.Lst_unknown\@
	rorq	$STACK_SHIFT, %rdx
	cmpq	$N_IST_STACKS + 1, %rdx
	jbe	.Lst_store\@
.Lst_unknown\@:
	movb	$STACK_UNKNOWN, %dl
.Lst_store\@:
	movb	%dl, EV_STACK(%rcx)
.Lst_done\@:
.endm

/* In: ESI = vector. Arg = error code (exceptions) or -1 (irqs). */
.macro EV_ENTRY exc
	incq	ivm_page + PG_VCOUNT(,%rsi,8)
	incl	irq_depth(%rip)
	EV_SLOT	.Lev_drop\@
	movb	$IVM_EV_ENTRY, EV_KIND(%rcx)
	movb	%sil, EV_VECTOR(%rcx)
	.if \exc
	movl	PTR_ORIG_AX(%rsp), %eax
	movl	%eax, EV_ARG(%rcx)
	cmpb	$X86_TRAP_PF, %sil		/* #PF: CR2 too, before a nested #PF changes it */
	jne	.Lev_nocr2\@
	movq	%cr2, %rax
	movq	%rax, EV_AUX(%rcx)
.Lev_nocr2\@:
	.else
	movl	$-1, EV_ARG(%rcx)
	.endif
	EV_STACK_ID
	EV_PUBLISH .Lev_drop\@
.endm

/* RSP = pt_regs; depth is the entry's, then dropped by one */
.macro EV_IRET
	EV_SLOT	.Lev_drop\@
	movb	$IVM_EV_IRET, EV_KIND(%rcx)
	movb	PTR_VECTOR(%rsp), %al
	movb	%al, EV_VECTOR(%rcx)
	movl	$0, EV_ARG(%rcx)
	EV_PUBLISH .Lev_drop\@
	decl	irq_depth(%rip)
.endm

#endif /* IVM_GUEST_EV_ASM_H */
