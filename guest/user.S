/* SPDX-License-Identifier: MIT */
/*
 * CPL3 runs: user_run() saves the kernel context and IRETs to user_entry;
 * the user code ends in a ud2 at user_exit_ud2, which the #UD handler
 * recognises and turns into user_resume_kernel().
 */
#include "x86.h"

	.text
	.globl	user_run
user_run:			/* (fn, arg) */
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	movq	%rsp, user_kernel_rsp(%rip)
	pushq	$USER_DS
	pushq	$user_stack + USER_STACK_SIZE
	pushq	user_rflags(%rip)
	pushq	$USER_CS
	pushq	$user_entry
	iretq

	/* CPL3 */
user_entry:
	movq	%rdi, %rax
	movq	%rsi, %rdi
	call	*%rax
	.globl	user_exit_ud2
user_exit_ud2:
	ud2

	/* Called on the RSP0 stack by the #UD handler; that frame is dropped */
	.globl	user_resume_kernel
user_resume_kernel:
	movl	$KERNEL_DS, %eax
	movl	%eax, %ss		/* a CPL3->0 delivery left SS = NULL */
	movl	%eax, %ds
	movl	%eax, %es
	movq	user_kernel_rsp(%rip), %rsp
	decl	irq_depth(%rip)		/* the #UD delivery never IRETs */
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

	/* what CPL3 starts with: IF, and the IOPL a self-test case asks for */
	.data
	.balign	8
	.globl	user_rflags
user_rflags:
	.quad	X86_EFLAGS_IF | 2

	.bss
	.balign	8
user_kernel_rsp:
	.quad	0

	.section .note.GNU-stack, "", @progbits
