/* SPDX-License-Identifier: MIT */
/*
 * P2's floor guest: bare injection, no tracing. A plain ELF64 kernel (the
 * loader's long-mode entry, 4 GiB identity map) that sets up the LAPIC, the
 * IOAPIC pins of its kind and an IDT whose handlers are the minimum (count,
 * EOI, IRET), keeps IF=1, and makes NSYNC sync hypercalls: the scenario
 * bench/p2_deliveries.sh writes injects the same flood at each as the traced
 * run's (IVM_STORM_* vectors and pins of include/abi.h). It reports the
 * milestone "first" once sync 1's deliveries are counted, "last" after the
 * last sync's, prints its counts, and exits by isa-debug-exit.
 *
 * Built by the bench with -DKIND=1..4 (msi, edge, level, self-IPI) -DNSYNC=N.
 * -DLATE: the storm program's discipline instead (IF=0 at the sync, sti after
 * it, a wait that reads IRR), to show what PVM-5's late delivery costs.
 * -DTRACED: the traced floor, what full tracing costs with no irq layer at
 * all: the guest registers an event ring and writes the records a traced
 * delivery needs, with the product's own macros (guest/ev_asm.h): SYNC at
 * each sync point, and in each handler ENTRY, IPI before an ICR write (the
 * self-IPI kind's), EOI before its EOI write, and IRET. Built with -Iinclude
 * -Iguest. -DTRACED -DFRAME_ONLY: ENTRY and IRET alone, what every traced
 * delivery writes at least (an exception's too), for P6's bound.
 * %r15 holds the xAPIC base, %r14 the IOAPIC's, for the whole run.
 */
#define HCALL_PORT	0x1000		/* IVM_PORT_HCALL */
#define EXIT_PORT	0xf4		/* IVM_PORT_EXIT */
#define TESTDEV_PORT	0x2000		/* IVM_PORT_TESTDEV_IOAPIC: + pin, 0 drops the line */
#define APIC_EOI	0xb0
#define APIC_SPIV	0xf0
#define APIC_IRR	0x210		/* the IRR word of vectors 0x20-0x3f */
#define APIC_ICR	0x300
#define APIC_LVT0	0x350
#define WAIT_LOOPS	400000		/* bound on one wait: ~1 s of emulated CPL0 */

#ifdef TRACED
/* the handler's frame (TRACED_IN): six registers, the vector, the CPU's frame */
#define PTR_VECTOR	(6 * 8)
#define PTR_IP		(7 * 8)
#define PTR_CS		(8 * 8)
#define PTR_FLAGS	(9 * 8)
#define PTR_SP		(10 * 8)
#define PTR_SS		(11 * 8)
#define PTR_TOP		(12 * 8)
#define STACK_SHIFT	13		/* one stack and no IST: EV_STACK_ID says SAME */
#define STACK_UNKNOWN	15
#define N_IST_STACKS	0
#include "ev_asm.h"

/* a record with no frame (SYNC, EOI), as guest/trace.c's ev_write fills one */
.macro EV_PLAIN kind, vector, arg
	EV_RESERVE .Lpl_drop\@
	movb	$\kind, EV_KIND(%rcx)
	movb	\vector, EV_VECTOR(%rcx)
	movl	irq_depth, %eax
	movb	%al, EV_DEPTH(%rcx)
	movb	$0, EV_CPL(%rcx)
	movl	\arg, EV_ARG(%rcx)
	xor	%eax, %eax		/* no frame: the slot may hold an old one */
	movq	%rax, EV_RIP(%rcx)
	movq	%rax, EV_RSP(%rcx)
	movq	%rax, EV_RFLAGS(%rcx)	/* + CS, SS */
	movl	%eax, EV_STACK(%rcx)
	EV_PUBLISH .Lpl_drop\@
.endm

.macro TRACED_IN vector
	pushq	$\vector
	push	%rax
	push	%rcx
	push	%rdx
	push	%rsi
	push	%r8
	push	%r9
	mov	$\vector, %esi
	EV_ENTRY 0
.endm
#ifdef FRAME_ONLY
.macro TRACED_EOI
	movl	$0, APIC_EOI(%r15)
.endm
.macro TRACED_IPI vector, icr
.endm
#else
.macro TRACED_EOI			/* ESI: the vector, from TRACED_IN */
	EV_PLAIN IVM_EV_EOI, %sil, $0
	movl	$0, APIC_EOI(%r15)
.endm
.macro TRACED_IPI vector, icr		/* as guest/apic.c records every ICR write */
	EV_PLAIN IVM_EV_IPI, $\vector, $\icr
.endm
#endif
.macro TRACED_OUT
	EV_IRET
	pop	%r9
	pop	%r8
	pop	%rsi
	pop	%rdx
	pop	%rcx
	pop	%rax
	add	$8, %rsp
	iretq
.endm
#else
.macro TRACED_IN vector
.endm
.macro TRACED_IPI vector, icr
.endm
.macro TRACED_EOI
	movl	$0, APIC_EOI(%r15)
.endm
.macro TRACED_OUT
	iretq
.endm
#endif

#if KIND == 3
#define PER_SYNC	2		/* a level device drops its line on its second service */
#else
#define PER_SYNC	1
#endif

	.code64
	.text
	.globl _start
_start:	mov $stack_top, %rsp
	mov $0xfee00000, %r15d
	mov $0xfec00000, %r14d
	mov %cs, %r13d
#ifdef TRACED
	movl $IVM_PAGE_MAGIC, ivm_page
	movl $IVM_PAGE_VERSION, ivm_page + 4
	mov $hc_register, %eax
	mov $HCALL_PORT, %dx
	out %eax, %dx
#endif
#if KIND == 1
	mov $0x41, %edi
	mov $plain, %eax
	call gate
#elif KIND == 2
	mov $0x58, %edi
	mov $plain, %eax
	call gate
#elif KIND == 3
	mov $0x78, %edi
	mov $level, %eax
	call gate
#else
	mov $0x74, %edi
	mov $sender, %eax
	call gate
	mov $0xdd, %edi
	mov $plain, %eax
	call gate
#endif
	lidt idtr
	mov $0xff, %al			/* both 8259s masked */
	out %al, $0x21
	out %al, $0xa1
	movl $0x1ff, APIC_SPIV(%r15)	/* LAPIC software-enabled */
	movl $0x10000, APIC_LVT0(%r15)	/* LINT0 (ExtINT) masked */
#if KIND == 2
	mov $3, %edi			/* pin 3: edge, vector 0x58 */
	mov $0x58, %eax
	call route
#elif KIND == 3
	mov $5, %edi			/* pin 5: level, active high, vector 0x78 */
	mov $0x8078, %eax
	call route
#endif
	sti

	mov $1, %ebx			/* sync point */
1:
#if defined(TRACED) && !defined(FRAME_ONLY)
	EV_PLAIN IVM_EV_SYNC, $0, %ebx
#endif
#ifdef LATE
	cli				/* LATE: the storm program's discipline, */
#endif
	mov %rbx, hc_sync + 8
	mov $hc_sync, %eax
	mov $HCALL_PORT, %dx
	out %eax, %dx
#ifdef LATE
	sti				/* IF=0 at the sync, then sti */
#endif
	imul $PER_SYNC, %ebx, %ecx
	mov $WAIT_LOOPS, %esi
2:	cmp %ecx, count
	jae 3f
#ifdef LATE
	mov APIC_IRR(%r15), %r12d	/* and a wait that reads IRR */
#else
	push %rdx			/* on PVM a late delivery waits for an exit (PVM-5): */
	mov $HCALL_PORT, %dx		/* a read of the hypercall port, the cheapest one */
	in %dx, %eax
	pop %rdx
#endif
	pause
	dec %esi
	jnz 2b
3:	cmp $1, %ebx
	jne 4f
	mov count, %eax
	mov %eax, count_first
	mov $hc_first, %eax
	mov $HCALL_PORT, %dx
	out %eax, %dx
4:	inc %ebx
	cmp $NSYNC, %ebx
	jbe 1b
	mov $hc_last, %eax
	mov $HCALL_PORT, %dx
	out %eax, %dx

	cli
	mov count, %eax
	mov $msg_count + 10, %edi
	call put10
	mov count_first, %eax
	mov $msg_first + 10, %edi
	call put10
	mov $hc_print, %eax
	mov $HCALL_PORT, %dx
	out %eax, %dx
	mov $hc_done, %eax
	out %eax, %dx
	xor %eax, %eax
	out %al, $EXIT_PORT
	hlt

/* gate: IDT entry %edi -> handler %eax, a 64-bit interrupt gate, DPL 0 */
gate:	shl $4, %edi
	add $idt, %edi
	mov %ax, (%rdi)
	mov %r13w, 2(%rdi)
	movw $0x8e00, 4(%rdi)
	shr $16, %eax
	mov %ax, 6(%rdi)
	ret

/* route: IOAPIC pin %edi -> low word %eax (vector, trigger), unmasked, to APIC ID 0 */
route:	lea 0x11(,%rdi,2), %ecx
	mov %ecx, (%r14)
	movl $0, 0x10(%r14)
	dec %ecx
	mov %ecx, (%r14)
	mov %eax, 0x10(%r14)
	ret

/* put10: %eax as 10 decimal digits ending before %rdi */
put10:	mov $10, %ecx
	mov $10, %esi
1:	xor %edx, %edx
	div %ecx
	add $'0', %dl
	dec %rdi
	mov %dl, (%rdi)
	dec %esi
	jnz 1b
	ret

/* ---- the handlers ---- */
#if KIND == 1
plain:	TRACED_IN 0x41
#elif KIND == 2
plain:	TRACED_IN 0x58
#else
plain:	TRACED_IN 0xdd
#endif
	incl count
	TRACED_EOI
	TRACED_OUT

/* a level device (pin 5): its line drops on every second service, as the storm program's */
level:	TRACED_IN 0x78
	incl count
	btcl $0, served
	jnc 1f
	push %rax
	push %rdx
	mov $TESTDEV_PORT + 5, %dx
	xor %eax, %eax
	out %al, %dx
	pop %rdx
	pop %rax
1:	TRACED_EOI
	TRACED_OUT

/* MSI 0x74: a self-IPI of 0xdd (shorthand self, fixed), as the storm program's handler */
sender:	TRACED_IN 0x74
	TRACED_IPI 0xdd, 0x440dd	/* IVM_IPI_ARG(0x440dd, 0) */
	movl $0x440dd, APIC_ICR(%r15)
	TRACED_EOI
	TRACED_OUT

	.data
	.balign 16
idtr:	.word 256 * 16 - 1
	.quad idt
	.balign 64
hc_sync:	.long 6, 0		/* struct ivm_hcall: IVM_HC_SYNC, len; args[0] = N */
	.quad 0, 0, 0, 0
	.fill 240
	.balign 64
hc_first:	.long 5, 5		/* IVM_HC_MILESTONE */
	.quad 1, 0, 0, 0
	.ascii "first"
	.fill 240 - 5
	.balign 64
hc_last:	.long 5, 4
	.quad 2, 0, 0, 0
	.ascii "last"
	.fill 240 - 4
	.balign 64
hc_done:	.long 8, 0		/* IVM_HC_SCENARIO_DONE: ran to the end */
	.quad 0, 0, 0, 0
	.fill 240
	.balign 64
hc_print:	.long 1, msg_end - msg	/* IVM_HC_PRINT */
	.quad 0, 0, 0, 0
msg:	.ascii "p2 floor: counted "
msg_count:	.ascii "0000000000 first "
msg_first:	.ascii "0000000000\n"
msg_end:	.fill 240 - (msg_end - msg)
count:	.long 0
count_first:	.long 0
served:	.long 0
#ifdef TRACED
irq_depth:	.long 0
	.balign 64
hc_register:	.long 7, 0		/* IVM_HC_REGISTER: args[0] = the page's GPA */
	.quad ivm_page, 0, 0, 0
	.fill 240
#endif

	.bss
	.balign 4096
idt:	.fill 256 * 16
#ifdef TRACED
cpu_stacks:			/* EV_STACK_ID's stacks: the one stack */
#endif
	.fill 16384
stack_top:
#ifdef TRACED
	.balign 4096
ivm_page:	.fill PG_EV + EV_SIZE * IVM_EV_RING	/* struct ivm_guest_page */
#endif
