/* SPDX-License-Identifier: MIT */
/*
 * Self-test triggers (KVM-selftests style labels). Each tc_<name> is a
 * normal function, callable at CPL0 or through user_run() at CPL3:
 * set up, snapshot RFLAGS/RSP, trigger at tc_<name>_trig, and at
 * tc_<name>_resume (where the handler sends faults) snapshot again.
 */
#include "x86.h"

/* struct tc_snap in selftest.c */
#define SNAP_FLAGS0	0
#define SNAP_RSP0	8
#define SNAP_FLAGS1	16
#define SNAP_RSP1	24
#define SNAP_LANDED	32

.macro TC_BEGIN name
	.text
	.balign	16
	.globl	tc_\name
tc_\name:
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
.endm

.macro TC_SNAP
	pushfq
	popq	tc_snap + SNAP_FLAGS0(%rip)
	movq	%rsp, tc_snap + SNAP_RSP0(%rip)
.endm

.macro TC_TRIG name
	.globl	tc_\name\()_trig
tc_\name\()_trig:
.endm

.macro TC_RESUME name
	.globl	tc_\name\()_resume
tc_\name\()_resume:
	pushfq
	popq	tc_snap + SNAP_FLAGS1(%rip)
	movq	%rsp, tc_snap + SNAP_RSP1(%rip)
	movq	$1, tc_snap + SNAP_LANDED(%rip)
.endm

.macro TC_END name
	/* a second fault in the case (cleanup the host can't run) lands here */
	.globl	tc_\name\()_out
tc_\name\()_out:
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret
.endm

TC_BEGIN de
	movl	$1, %eax
	xorl	%edx, %edx
	xorl	%ecx, %ecx
	TC_SNAP
	TC_TRIG de
	divl	%ecx
	TC_RESUME de
TC_END de

/* TF set by popfq: the trap comes after the next instruction */
TC_BEGIN db_tf
	TC_SNAP
	pushfq
	orq	$X86_EFLAGS_TF, (%rsp)
	popfq
	TC_TRIG db_tf
	nop
	TC_RESUME db_tf
TC_END db_tf

/*
 * MOV SS blocks debug exceptions until after the next instruction: the
 * single-step trap TF would raise after the MOV SS comes after the nop.
 */
TC_BEGIN movss_tf
	TC_SNAP
	movl	%ss, %eax
	pushfq
	orq	$X86_EFLAGS_TF, (%rsp)
	popfq
	TC_TRIG movss_tf
	movl	%eax, %ss
	nop
	TC_RESUME movss_tf
TC_END movss_tf

/* a reserved EFER bit (1): #GP(0), and EFER as it was either way */
TC_BEGIN efer_rsvd
	movl	$MSR_EFER, %ecx
	rdmsr
	movl	%eax, %r12d
	movl	%edx, %r13d
	orl	$2, %eax
	TC_SNAP
	TC_TRIG efer_rsvd
	wrmsr
	TC_RESUME efer_rsvd
	movl	$MSR_EFER, %ecx
	movl	%r12d, %eax
	movl	%r13d, %edx
	wrmsr
TC_END efer_rsvd

TC_BEGIN bp
	TC_SNAP
	TC_TRIG bp
	int3
	TC_RESUME bp
TC_END bp

TC_BEGIN ud
	TC_SNAP
	TC_TRIG ud
	ud2
	TC_RESUME ud
TC_END ud

/* CR0.TS is set by the caller */
TC_BEGIN nm
	TC_SNAP
	TC_TRIG nm
	fldz
	TC_RESUME nm
TC_END nm

/* non-canonical address through RBP: #SS(0) */
TC_BEGIN ss
	movabsq	$0x8000000000000000, %rbp
	TC_SNAP
	TC_TRIG ss
	movq	(%rbp), %rax
	TC_RESUME ss
TC_END ss

/* non-canonical address through another base: #GP(0) */
TC_BEGIN gp
	movabsq	$0x8000000000000000, %rax
	TC_SNAP
	TC_TRIG gp
	movq	(%rax), %rax
	TC_RESUME gp
TC_END gp

TC_BEGIN pf_np
	movl	$TEST_PAGE_NP, %eax
	TC_SNAP
	TC_TRIG pf_np
	movq	(%rax), %rax
	TC_RESUME pf_np
TC_END pf_np

TC_BEGIN pf_ro
	movl	$TEST_PAGE_RO, %eax
	TC_SNAP
	TC_TRIG pf_ro
	movl	$1, (%rax)
	TC_RESUME pf_ro
TC_END pf_ro

TC_BEGIN pf_sup
	movl	$TEST_PAGE_SUP, %eax
	TC_SNAP
	TC_TRIG pf_sup
	movl	(%rax), %eax
	TC_RESUME pf_sup
TC_END pf_sup

/* jmp, not call, so RSP is unchanged; the fault's RIP is the NX page */
TC_BEGIN pf_nx
	movl	$TEST_PAGE_NX, %eax
	TC_SNAP
	TC_TRIG pf_nx
	jmp	*%rax
	TC_RESUME pf_nx
TC_END pf_nx

/* x87 1/0 with ZE unmasked; #MF comes at the next waiting instruction */
TC_BEGIN mf
	fninit
	fldcw	fcw_ze_unmasked(%rip)
	fldz
	fld1
	fdiv	%st(1), %st
	TC_SNAP
	TC_TRIG mf
	fwait
	TC_RESUME mf
	fnclex
	fninit
TC_END mf

/* SSE 1/0 with ZE unmasked: #XM on the divss itself */
TC_BEGIN xm
	ldmxcsr	mxcsr_ze_unmasked(%rip)
	movl	$0x3f800000, %eax
	movd	%eax, %xmm0
	xorps	%xmm1, %xmm1
	TC_SNAP
	TC_TRIG xm
	divss	%xmm1, %xmm0
	TC_RESUME xm
	ldmxcsr	mxcsr_default(%rip)
TC_END xm

/* CPL3 with CR0.AM (set by the caller) and RFLAGS.AC: misaligned load */
TC_BEGIN ac
	leaq	ac_buf(%rip), %rbx
	pushfq
	orl	$X86_EFLAGS_AC, (%rsp)
	popfq
	TC_SNAP
	TC_TRIG ac
	movl	1(%rbx), %eax
	TC_RESUME ac
	pushfq
	andl	$~X86_EFLAGS_AC, (%rsp)
	popfq
TC_END ac

TC_BEGIN int80
	TC_SNAP
	TC_TRIG int80
	int	$0x80
	TC_RESUME int80
TC_END int80

TC_BEGIN int41
	TC_SNAP
	TC_TRIG int41
	int	$0x41
	TC_RESUME int41
TC_END int41

/* ---- Conformance cases (test=conformance) ---- */

/* CPL3, IOPL 0, no I/O bitmap: #GP(0); the port is one nothing claims */
TC_BEGIN out_io
	movl	$TC_IO_PORT, %edx
	xorl	%eax, %eax
	TC_SNAP
	TC_TRIG out_io
	outb	%al, %dx
	TC_RESUME out_io
TC_END out_io

TC_BEGIN in_io
	movl	$TC_IO_PORT, %edx
	TC_SNAP
	TC_TRIG in_io
	inb	%dx, %al
	TC_RESUME in_io
TC_END in_io

/* CPL3, IOPL 0, the TSS I/O bitmap on: a byte port whose bit is set */
TC_BEGIN out_io_deny
	movl	$TC_IO_PORT_DENIED, %edx
	xorl	%eax, %eax
	TC_SNAP
	TC_TRIG out_io_deny
	outb	%al, %dx
	TC_RESUME out_io_deny
TC_END out_io_deny

/* ... a word at TC_IO_PORT: its first byte's bit is clear, its second's set */
TC_BEGIN outw_io_span
	movl	$TC_IO_PORT, %edx
	xorl	%eax, %eax
	TC_SNAP
	TC_TRIG outw_io_span
	outw	%ax, %dx
	TC_RESUME outw_io_span
TC_END outw_io_span

TC_BEGIN cli
	TC_SNAP
	TC_TRIG cli
	cli
	TC_RESUME cli
TC_END cli

/* CPL3 with IOPL 3: cli is allowed and clears IF; an int3 says it did not */
TC_BEGIN cli_iopl
	TC_SNAP
	TC_TRIG cli_iopl
	cli
	pushfq			/* popfq puts back the flags the test changes */
	testl	$X86_EFLAGS_IF, (%rsp)
	jz	1f
	int3
1:	popfq
	sti
	TC_RESUME cli_iopl
TC_END cli_iopl

TC_BEGIN hlt
	TC_SNAP
	TC_TRIG hlt
	hlt
	TC_RESUME hlt
TC_END hlt

/* IA32_TIME_STAMP_COUNTER: exists, but rdmsr is CPL0-only */
TC_BEGIN rdmsr_tsc
	movl	$0x10, %ecx
	TC_SNAP
	TC_TRIG rdmsr_tsc
	rdmsr
	TC_RESUME rdmsr_tsc
TC_END rdmsr_tsc

/* an index no CPU or KVM implements */
TC_BEGIN rdmsr_unk
	movl	$TC_UNKNOWN_MSR, %ecx
	TC_SNAP
	TC_TRIG rdmsr_unk
	rdmsr
	TC_RESUME rdmsr_unk
TC_END rdmsr_unk

TC_BEGIN wrmsr_unk
	movl	$TC_UNKNOWN_MSR, %ecx
	xorl	%eax, %eax
	xorl	%edx, %edx
	TC_SNAP
	TC_TRIG wrmsr_unk
	wrmsr
	TC_RESUME wrmsr_unk
TC_END wrmsr_unk

/* ICEBP: #DB as a trap, no DPL check */
TC_BEGIN int1
	TC_SNAP
	TC_TRIG int1
	.byte	0xf1
	TC_RESUME int1
TC_END int1

/* INTO (0xce) is invalid in 64-bit mode */
TC_BEGIN into
	TC_SNAP
	TC_TRIG into
	.byte	0xce
	TC_RESUME into
TC_END into

/* DR0/DR7 set by the caller to break on executing the trigger: a fault */
TC_BEGIN hwbp
	TC_SNAP
	TC_TRIG hwbp
	nop
	TC_RESUME hwbp
TC_END hwbp

/*
 * The caller left a fixed interrupt pending in IRR with IF=0: it must be
 * taken after the instruction following STI, at the trigger label.
 */
TC_BEGIN sti_shadow
	movl	$TC_STI_WAIT, %ecx
	xorl	%eax, %eax	/* known arithmetic flags for both snapshots */
	TC_SNAP
	sti
	nop
	TC_TRIG sti_shadow
1:	decl	%ecx
	jnz	1b
	/* not taken yet: keep IF=1 a while longer so it is still delivered */
	movl	$TC_STI_WAIT_LONG, %ecx
2:	pause
	decl	%ecx
	jnz	2b
	.globl	tc_sti_shadow_resume
tc_sti_shadow_resume:
	xorl	%eax, %eax	/* the loop's DECs changed them */
	cli
	pushfq
	popq	tc_snap + SNAP_FLAGS1(%rip)
	movq	%rsp, tc_snap + SNAP_RSP1(%rip)
	movq	$1, tc_snap + SNAP_LANDED(%rip)
TC_END sti_shadow

/* IF=1 at the trigger: a trap gate leaves it set in the handler */
TC_BEGIN int41_if
	sti
	TC_SNAP
	TC_TRIG int41_if
	int	$0x41
	TC_RESUME int41_if
	cli
TC_END int41_if

/*
 * IRETQ that loads TF: the single-step #DB comes after the first
 * instruction at the return target, as after POPF (SDM 17.3.1.4).
 */
TC_BEGIN iretq_tf
	TC_SNAP
	movq	%rsp, %rbx
	pushfq
	popq	%r13
	orq	$X86_EFLAGS_TF, %r13
	movl	%ss, %eax
	pushq	%rax
	pushq	%rbx
	pushq	%r13
	pushq	$KERNEL_CS
	leaq	tc_iretq_tf_trig(%rip), %rax
	pushq	%rax
	iretq
	ud2
	TC_TRIG iretq_tf
	nop
	TC_RESUME iretq_tf
TC_END iretq_tf

/* IRETQ with a NULL CS selector: #GP(0) at the iretq, the frame still on the stack */
TC_BEGIN iretq_nullcs
	movq	%rsp, %rbx
	movl	%ss, %eax
	pushq	%rax
	pushq	%rbx
	pushfq
	pushq	$0
	leaq	tc_iretq_nullcs_out(%rip), %rax
	pushq	%rax
	TC_SNAP
	TC_TRIG iretq_nullcs
	iretq
	TC_RESUME iretq_nullcs
	movq	%rbx, %rsp
TC_END iretq_nullcs

/* PAT entry 7 with memory type 2 (reserved): #GP(0); PAT as it was either way */
TC_BEGIN pat_rsvd
	movl	$MSR_IA32_CR_PAT, %ecx
	rdmsr
	movl	%eax, %r12d
	movl	%edx, %r13d
	andl	$0x00ffffff, %edx
	orl	$0x02000000, %edx
	TC_SNAP
	TC_TRIG pat_rsvd
	wrmsr
	TC_RESUME pat_rsvd
	movl	$MSR_IA32_CR_PAT, %ecx
	movl	%r12d, %eax
	movl	%r13d, %edx
	wrmsr
TC_END pat_rsvd

/* IA32_APIC_BASE bit 0 (reserved): #GP(0); the MSR as it was either way */
TC_BEGIN apicbase_rsvd
	movl	$MSR_IA32_APICBASE, %ecx
	rdmsr
	movl	%eax, %r12d
	movl	%edx, %r13d
	orl	$1, %eax
	TC_SNAP
	TC_TRIG apicbase_rsvd
	wrmsr
	TC_RESUME apicbase_rsvd
	movl	$MSR_IA32_APICBASE, %ecx
	movl	%r12d, %eax
	movl	%r13d, %edx
	wrmsr
TC_END apicbase_rsvd

/*
 * The caller left a fixed interrupt (class 0xe) pending in IRR with IF=0.
 * With CR8 = 15 it stays masked through IF=1; lowering CR8 to 0 lets it in
 * at the next instruction boundary, the trigger (SDM 10.8.3.1, 10.8.6.1).
 */
TC_BEGIN tpr_lower
	movl	$15, %eax
	movq	%rax, %cr8
	movl	$TC_STI_WAIT, %ecx
	xorl	%eax, %eax	/* known arithmetic flags for both snapshots; RAX = 0 */
	TC_SNAP
	sti
1:	decl	%ecx		/* masked by TPR: nothing may arrive here */
	jnz	1b
	movq	%rax, %cr8
	TC_TRIG tpr_lower
	movl	$TC_STI_WAIT, %ecx
2:	decl	%ecx
	jnz	2b
	/* not taken yet: keep IF=1 a while longer so it is still delivered */
	movl	$TC_STI_WAIT_LONG, %ecx
3:	pause
	decl	%ecx
	jnz	3b
	.globl	tc_tpr_lower_resume
tc_tpr_lower_resume:
	xorl	%eax, %eax
	cli
	pushfq
	popq	tc_snap + SNAP_FLAGS1(%rip)
	movq	%rsp, tc_snap + SNAP_RSP1(%rip)
	movq	$1, tc_snap + SNAP_LANDED(%rip)
	movq	%rax, %cr8	/* TPR 0 whichever way it came here */
TC_END tpr_lower

/*
 * As tpr_lower, through the APIC's TPR register instead of CR8: xAPIC MMIO
 * at 0xfee00080 or the x2APIC MSR 0x808, by the guest's APIC mode. TPR =
 * 0xf0 holds the pending fixed interrupt (class 0xe) through IF=1; writing
 * 0 lets it in at the next instruction boundary: each mode's trigger label
 * is the instruction right after its write (SDM 10.8.3.1, 10.8.6.1).
 */
TC_BEGIN apic_tpr
	movl	$TC_XAPIC_TPR, %ebx
	movl	$0xf0, %eax
	xorl	%edx, %edx
	cmpb	$0, x2apic_mode(%rip)
	jne	5f
	movl	%eax, (%rbx)	/* xAPIC: TPR = 0xf0 */
	movl	$TC_STI_WAIT, %ecx
	xorl	%eax, %eax	/* known arithmetic flags for both snapshots; RAX = 0 */
	TC_SNAP
	sti
1:	decl	%ecx		/* masked by TPR: nothing may arrive here */
	jnz	1b
	movl	%eax, (%rbx)	/* TPR = 0 */
	TC_TRIG apic_tpr
	jmp	6f
5:	movl	$MSR_X2APIC_TPR, %ecx
	wrmsr			/* x2APIC: TPR = 0xf0 */
	movl	$TC_STI_WAIT, %r12d
	xorl	%eax, %eax
	TC_SNAP
	sti
2:	decl	%r12d
	jnz	2b
	wrmsr			/* TPR = 0 (ECX, EDX as above) */
	.globl	tc_apic_tpr_x2_trig
tc_apic_tpr_x2_trig:
6:	movl	$TC_STI_WAIT, %ecx
3:	decl	%ecx
	jnz	3b
	/* not taken yet: keep IF=1 a while longer so it is still delivered */
	movl	$TC_STI_WAIT_LONG, %ecx
4:	pause
	decl	%ecx
	jnz	4b
	.globl	tc_apic_tpr_resume
tc_apic_tpr_resume:
	xorl	%eax, %eax
	cli
	pushfq
	popq	tc_snap + SNAP_FLAGS1(%rip)
	movq	%rsp, tc_snap + SNAP_RSP1(%rip)
	movq	$1, tc_snap + SNAP_LANDED(%rip)
	/* TPR 0 whichever way it came here */
	cmpb	$0, x2apic_mode(%rip)
	jne	7f
	movl	$TC_XAPIC_TPR, %ebx
	movl	%eax, (%rbx)
	jmp	8f
7:	movl	$MSR_X2APIC_TPR, %ecx
	xorl	%edx, %edx
	wrmsr
8:
TC_END apic_tpr

/*
 * IRETQ to CPL0 TC_IRET_ROUNDS times, each frame with CF flipped so RFLAGS
 * is really loaded; tc_iret_good counts rounds with RIP, RSP, RFLAGS right.
 */
TC_BEGIN iretq
	movq	$0, tc_iret_good(%rip)
	movl	$TC_IRET_ROUNDS, %r12d
	TC_SNAP
	TC_TRIG iretq
1:	movq	%rsp, %rbx
	pushfq
	popq	%r13
	xorq	$1, %r13			/* CF */
	movl	%ss, %eax
	pushq	%rax
	pushq	%rbx
	pushq	%r13
	pushq	$KERNEL_CS
	leaq	2f(%rip), %rax
	pushq	%rax
	iretq
	ud2			/* iretq fell through */
2:	pushfq
	popq	%r14
	cmpq	%r13, %r14
	jne	3f
	cmpq	%rsp, %rbx
	jne	3f
	incq	tc_iret_good(%rip)
3:	movq	%rbx, %rsp
	decl	%r12d
	jnz	1b
	/* restore CF as it was for the RFLAGS snapshot */
	pushq	tc_snap + SNAP_FLAGS0(%rip)
	popfq
	TC_RESUME iretq
TC_END iretq

/*
 * #PF while delivering #PF (SDM 6.15, Table 6-5: a page fault, then a page
 * fault during its delivery: #DF). RSP is the top of the not-present test
 * page; the read of that page faults, and the CPU's push of the #PF frame
 * onto it faults again: #DF(0), on IST1. The #DF's IRET brings the bad RSP
 * back, so the resume and the abort path take the real one from R12 (the
 * entry code saves and restores it) before they touch the stack. IF is 0
 * throughout: no interrupt can come in on the bad stack (an NMI has IST2).
 */
TC_BEGIN pf_df
	movq	%rsp, %r12
	movl	$TEST_PAGE_NP, %eax
	TC_SNAP
	movq	$(TEST_PAGE_NP + 4096), %rsp
	TC_TRIG pf_df
	movq	(%rax), %rax
	movq	%r12, %rsp	/* not reached: the read faults */
	.globl	tc_pf_df_resume
tc_pf_df_resume:
	movq	%r12, %rsp
	pushfq
	popq	tc_snap + SNAP_FLAGS1(%rip)
	movq	%rsp, tc_snap + SNAP_RSP1(%rip)
	movq	$1, tc_snap + SNAP_LANDED(%rip)
	.globl	tc_pf_df_out
tc_pf_df_out:
	movq	%r12, %rsp
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

/*
 * A split lock: a locked add to a dword that crosses a 64-byte line, a bus
 * lock on every CPU. With IA32_DEBUGCTL.BUS_LOCK_DETECT set, the CPU raises
 * #DB as a trap after it, DR6.BLD (bit 11) cleared (SDM 18.3.1.6).
 */
TC_BEGIN buslock
	leaq	bl_buf + 62(%rip), %rax
	TC_SNAP
	TC_TRIG buslock
	lock addl	$1, (%rax)
	TC_RESUME buslock
TC_END buslock

	.section .rodata
	.balign	4
fcw_ze_unmasked:
	.word	0x037f & ~0x4
	.balign	4
mxcsr_ze_unmasked:
	.long	0x1f80 & ~0x200
mxcsr_default:
	.long	0x1f80

	.data
	.balign	8
	.globl	tc_iret_good
tc_iret_good:
	.quad	0
	.balign	16
ac_buf:
	.quad	0, 0
	.balign	64
bl_buf:
	.fill	128, 1, 0

	.section .note.GNU-stack, "", @progbits
