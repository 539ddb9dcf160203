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
	.balign	16
ac_buf:
	.quad	0, 0

	.section .note.GNU-stack, "", @progbits
