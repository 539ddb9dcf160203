/* SPDX-License-Identifier: MIT */
/*
 * CPL3 runs: user_enter() saves the kernel context and IRETs to user_entry;
 * the user code ends in a ud2 at user_exit_ud2, which the #UD handler
 * recognises (user_exit_check) and returns from with IRET to user_return, at
 * CPL0 on the kernel stack with the RFLAGS user_enter() was called with: the
 * #UD delivery gets its IRET record like any other. user_run() (user.c)
 * records the IF the CPL3 run starts with.
 */
#include "x86.h"

	.text
	.globl	user_enter
user_enter:			/* (fn, arg) */
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushfq
	popq	user_kernel_rflags(%rip)
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

	/* CPL0 again: the #UD handler's IRET lands here (user_exit_check) */
	.globl	user_return
user_return:
	movl	$KERNEL_DS, %eax
	movl	%eax, %ds		/* IRET to CPL3 left DS and ES NULL */
	movl	%eax, %es
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
	.globl	user_kernel_rsp, user_kernel_rflags
user_kernel_rsp:
	.quad	0
user_kernel_rflags:
	.quad	0

	.section .note.GNU-stack, "", @progbits
