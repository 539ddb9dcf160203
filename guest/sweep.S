/* SPDX-License-Identifier: MIT */
/*
 * test=sweep: the harness and the instruction forms (sweep.c runs them).
 *
 * sweep_exec(form) loads RAX..R11 and the arithmetic flags and DF from
 * sw_in, calls the form, and stores the same registers and RFLAGS into
 * sw_out. It runs unchanged at CPL0 and, through user_run(), at CPL3: the
 * whole image is mapped user-accessible and the guest sets no SMEP/SMAP.
 * A form's memory operands are RIP-relative into sw_scratch (64 bytes,
 * 64-aligned, so cmpxchg16b at +16 is aligned); string forms point RSI/RDI
 * there themselves. A fault resumes at sweep_fault (sweep.c's hook).
 *
 * Each FORM macro emits its table entry (struct sw_form in sweep.c) into
 * .rodata.sweep_forms; the code follows it up to its ret.
 */
#include "x86.h"
#include "sweep.h"

#define IN(r)	sw_in + (r) * 8(%rip)
#define OUT(r)	sw_out + (r) * 8(%rip)

	.text
	.globl	sweep_exec
sweep_exec:				/* (form code) */
	pushq	%rbp
	pushq	%rbx
	pushq	%r12
	pushq	%r13
	pushq	%r14
	pushq	%r15
	pushfq				/* IF as it was, DF=0: restored at the end */
	movq	%rsp, sw_rsp(%rip)
	movq	%rdi, sw_code(%rip)
	pushfq
	popq	%rax
	andq	$~SW_FLAGS, %rax
	orq	IN(SW_RFLAGS), %rax
	pushq	%rax
	movq	IN(SW_RAX), %rax
	movq	IN(SW_RBX), %rbx
	movq	IN(SW_RCX), %rcx
	movq	IN(SW_RDX), %rdx
	movq	IN(SW_RSI), %rsi
	movq	IN(SW_RDI), %rdi
	movq	IN(SW_R8), %r8
	movq	IN(SW_R9), %r9
	movq	IN(SW_R10), %r10
	movq	IN(SW_R11), %r11
	popfq
	call	*sw_code(%rip)
	pushfq
	popq	OUT(SW_RFLAGS)
	movq	%rax, OUT(SW_RAX)
	movq	%rbx, OUT(SW_RBX)
	movq	%rcx, OUT(SW_RCX)
	movq	%rdx, OUT(SW_RDX)
	movq	%rsi, OUT(SW_RSI)
	movq	%rdi, OUT(SW_RDI)
	movq	%r8, OUT(SW_R8)
	movq	%r9, OUT(SW_R9)
	movq	%r10, OUT(SW_R10)
	movq	%r11, OUT(SW_R11)
	.globl	sweep_fault
sweep_fault:				/* a fault in the form lands here */
	movq	sw_rsp(%rip), %rsp
	popfq
	popq	%r15
	popq	%r14
	popq	%r13
	popq	%r12
	popq	%rbx
	popq	%rbp
	ret

	.bss
	.balign	8
sw_rsp:
	.quad	0
sw_code:
	.quad	0

/* The table's ends: the entries come from FORM in assembly order */
	.section .rodata.sweep_forms, "a"
	.balign	8
	.globl	sw_forms
sw_forms:

/* FORM NAME VECTOR-SET [undef= kind= w= cnt= feat= regs= df=]; the form's code follows */
.macro FORM name, vs, undef=0, kind=K_PLAIN, w=0, cnt=0, feat=FT_NONE, regs=0, df=0
	.pushsection .rodata.sweep_names, "a"
9001:	.asciz	"\name"
	.popsection
	.pushsection .rodata.sweep_forms, "a"
	.quad	9001b, 9002f
	.word	\undef, \regs
	.byte	\vs, \feat, \kind, \w, \cnt, \df
	.skip	6
	.popsection
	.text
9002:
.endm

#define S	sw_scratch(%rip)	/* qword 0 (sweep.c fills it from RBX) */
#define S8	sw_scratch+8(%rip)	/* qword 1 (from RAX) */
#define S16	sw_scratch+16(%rip)	/* qword 2 (from RCX), 16-aligned */

#define LOGIC	SW_AF			/* AND/OR/XOR/TEST: AF undefined */
#define MULF	(SW_SF|SW_ZF|SW_AF|SW_PF)
#define DIVF	SW_ARITH
#define BTF	(SW_OF|SW_SF|SW_AF|SW_PF)
#define SCANF	(SW_CF|SW_OF|SW_SF|SW_AF|SW_PF)
#define CNTF	(SW_OF|SW_SF|SW_AF|SW_PF)	/* lzcnt/tzcnt: CF and ZF defined */

/* ---- alu ---- */
.macro ALU op, s, a, b, w, imm, undef=0
	FORM "alu.\op-r\w-r\w", VS_ALU, undef=\undef
	\op\()\s \b, \a
	ret
	FORM "alu.\op-r\w-imm", VS_ALU, undef=\undef
	\op\()\s $\imm, \a
	ret
	FORM "alu.\op-r\w-m\w", VS_ALU, undef=\undef
	\op\()\s S, \a
	ret
	FORM "alu.\op-m\w-r\w", VS_ALU, undef=\undef
	\op\()\s \b, S8
	ret
.endm
.macro ALU4 op, undef=0
	ALU \op, b, %al, %bl, 8, 0x80, \undef
	ALU \op, w, %ax, %bx, 16, 0x8001, \undef
	ALU \op, l, %eax, %ebx, 32, 0x80000001, \undef
	ALU \op, q, %rax, %rbx, 64, -0x7fffffff, \undef
.endm
	ALU4	add
	ALU4	adc
	ALU4	sub
	ALU4	sbb
	ALU4	and, LOGIC
	ALU4	or, LOGIC
	ALU4	xor, LOGIC
	ALU4	cmp

	/* the sign-extended imm8 encodings (0x83) */
	FORM "alu.add-r64-imm8", VS_ALU
	addq	$-1, %rax
	ret
	FORM "alu.sub-r32-imm8", VS_ALU
	subl	$0x7f, %eax
	ret
	FORM "alu.adc-r16-imm8", VS_ALU
	adcw	$-128, %ax
	ret

.macro TEST s, a, b, w, imm
	FORM "alu.test-r\w-r\w", VS_ALU, undef=LOGIC
	test\s	\b, \a
	ret
	FORM "alu.test-r\w-imm", VS_ALU, undef=LOGIC
	test\s	$\imm, \a
	ret
	FORM "alu.test-m\w-r\w", VS_ALU, undef=LOGIC
	test\s	\b, S8
	ret
.endm
	TEST	b, %al, %bl, 8, 0x81
	TEST	w, %ax, %bx, 16, 0x8001
	TEST	l, %eax, %ebx, 32, 0x80000001
	TEST	q, %rax, %rbx, 64, -0x7fffffff

.macro UNARY op
	FORM "alu.\op-r8", VS_ALU
	\op\()b	%al
	ret
	FORM "alu.\op-r16", VS_ALU
	\op\()w	%ax
	ret
	FORM "alu.\op-r32", VS_ALU
	\op\()l	%eax
	ret
	FORM "alu.\op-r64", VS_ALU
	\op\()q	%rax
	ret
	FORM "alu.\op-m8", VS_ALU
	\op\()b	S8
	ret
	FORM "alu.\op-m16", VS_ALU
	\op\()w	S8
	ret
	FORM "alu.\op-m32", VS_ALU
	\op\()l	S8
	ret
	FORM "alu.\op-m64", VS_ALU
	\op\()q	S8
	ret
.endm
	UNARY	inc
	UNARY	dec
	UNARY	neg
	UNARY	not

	/* the high byte registers */
	FORM "alu.add-ah-bh", VS_ALU
	addb	%bh, %ah
	ret
	FORM "alu.adc-ch-dh", VS_ALU
	adcb	%dh, %ch
	ret
	FORM "alu.sub-bh-al", VS_ALU
	subb	%al, %bh
	ret
	FORM "alu.sbb-dh-m8", VS_ALU
	sbbb	sw_scratch+1(%rip), %dh
	ret
	FORM "alu.xor-ah-ch", VS_ALU, undef=LOGIC
	xorb	%ch, %ah
	ret
	FORM "alu.cmp-bh-imm", VS_ALU
	cmpb	$0x7f, %bh
	ret
	FORM "alu.neg-ah", VS_ALU
	negb	%ah
	ret
	FORM "alu.inc-dh", VS_ALU
	incb	%dh
	ret
	FORM "alu.not-bh", VS_ALU
	notb	%bh
	ret

	/* lock-prefixed read-modify-writes */
	FORM "alu.lock-add-m64-r64", VS_ALU
	lock addq %rbx, S8
	ret
	FORM "alu.lock-sub-m32-imm", VS_ALU
	lock subl $0x80000001, S8
	ret
	FORM "alu.lock-adc-m16-r16", VS_ALU
	lock adcw %bx, S8
	ret
	FORM "alu.lock-and-m8-r8", VS_ALU, undef=LOGIC
	lock andb %bl, S8
	ret
	FORM "alu.lock-or-m64-imm", VS_ALU, undef=LOGIC
	lock orq $-0x7fffffff, S8
	ret
	FORM "alu.lock-xor-m32-r32", VS_ALU, undef=LOGIC
	lock xorl %ebx, S8
	ret
	FORM "alu.lock-inc-m64", VS_ALU
	lock incq S8
	ret
	FORM "alu.lock-dec-m8", VS_ALU
	lock decb S8
	ret
	FORM "alu.lock-neg-m32", VS_ALU
	lock negl S8
	ret
	FORM "alu.lock-not-m16", VS_ALU
	lock notw S8
	ret
	FORM "alu.lock-xadd-m64-r64", VS_ALU
	lock xaddq %rbx, S8
	ret
	FORM "alu.lock-xadd-m8-r8", VS_ALU
	lock xaddb %bl, S8
	ret
	FORM "alu.lock-cmpxchg-m64-r64", VS_CX
	lock cmpxchgq %rbx, S16
	ret
	FORM "alu.lock-cmpxchg-m32-r32", VS_CX
	lock cmpxchgl %ebx, S16
	ret

/* ---- shift ---- */
.macro SH op, kind, s, a, w
	FORM "shift.\op-r\w-1", VS_SHIFT, kind=\kind, w=\w, cnt=1
	\op\()\s \a
	ret
	FORM "shift.\op-r\w-imm", VS_SHIFT, kind=\kind, w=\w, cnt=3
	\op\()\s $3, \a
	ret
	FORM "shift.\op-r\w-cl", VS_SHIFT, kind=\kind, w=\w, cnt=CNT_CL
	\op\()\s %cl, \a
	ret
.endm
.macro SH4 op, kind
	SH \op, \kind, b, %al, 8
	SH \op, \kind, w, %ax, 16
	SH \op, \kind, l, %eax, 32
	SH \op, \kind, q, %rax, 64
.endm
	SH4	shl, K_SHIFT
	SH4	shr, K_SHIFT
	SH4	sar, K_SHIFT
	SH4	rol, K_ROT
	SH4	ror, K_ROT
	SH4	rcl, K_ROT
	SH4	rcr, K_ROT

	/* counts the imm forms above miss: 8-bit by 9 and 16-bit by 17 (RCL/RCR rotate by 0) */
	FORM "shift.rcl-r8-imm9", VS_SHIFT, kind=K_ROT, w=8, cnt=9
	rclb	$9, %al
	ret
	FORM "shift.rcr-r16-imm17", VS_SHIFT, kind=K_ROT, w=16, cnt=17
	rcrw	$17, %ax
	ret
	FORM "shift.shl-r8-imm9", VS_SHIFT, kind=K_SHIFT, w=8, cnt=9
	shlb	$9, %al
	ret
	FORM "shift.shr-r16-imm31", VS_SHIFT, kind=K_SHIFT, w=16, cnt=31
	shrw	$31, %ax
	ret
	FORM "shift.sar-r32-imm31", VS_SHIFT, kind=K_SHIFT, w=32, cnt=31
	sarl	$31, %eax
	ret
	FORM "shift.rol-r64-imm63", VS_SHIFT, kind=K_ROT, w=64, cnt=63
	rolq	$63, %rax
	ret

	/* memory destinations */
	FORM "shift.shl-m64-cl", VS_SHIFT, kind=K_SHIFT, w=64, cnt=CNT_CL
	shlq	%cl, S8
	ret
	FORM "shift.sar-m32-imm", VS_SHIFT, kind=K_SHIFT, w=32, cnt=3
	sarl	$3, S8
	ret
	FORM "shift.rcr-m8-1", VS_SHIFT, kind=K_ROT, w=8, cnt=1
	rcrb	S8
	ret
	FORM "shift.rol-m16-cl", VS_SHIFT, kind=K_ROT, w=16, cnt=CNT_CL
	rolw	%cl, S8
	ret
	FORM "shift.rcl-m64-cl", VS_SHIFT, kind=K_ROT, w=64, cnt=CNT_CL
	rclq	%cl, S8
	ret

.macro SHXD op
	FORM "shift.\op-r16-imm", VS_SHIFT, kind=K_SHXD16, w=16, cnt=5
	\op\()w	$5, %bx, %ax
	ret
	FORM "shift.\op-r16-cl", VS_SHIFT, kind=K_SHXD16, w=16, cnt=CNT_CL
	\op\()w	%cl, %bx, %ax
	ret
	FORM "shift.\op-r32-imm", VS_SHIFT, kind=K_SHIFT, w=32, cnt=5
	\op\()l	$5, %ebx, %eax
	ret
	FORM "shift.\op-r32-cl", VS_SHIFT, kind=K_SHIFT, w=32, cnt=CNT_CL
	\op\()l	%cl, %ebx, %eax
	ret
	FORM "shift.\op-r64-imm", VS_SHIFT, kind=K_SHIFT, w=64, cnt=1
	\op\()q	$1, %rbx, %rax
	ret
	FORM "shift.\op-r64-cl", VS_SHIFT, kind=K_SHIFT, w=64, cnt=CNT_CL
	\op\()q	%cl, %rbx, %rax
	ret
	FORM "shift.\op-m64-cl", VS_SHIFT, kind=K_SHIFT, w=64, cnt=CNT_CL
	\op\()q	%cl, %rbx, S8
	ret
.endm
	SHXD	shld
	SHXD	shrd

/* ---- muldiv ---- */
.macro MD1 op, vs, undef
	FORM "muldiv.\op-r8", \vs, undef=\undef
	\op\()b	%bl
	ret
	FORM "muldiv.\op-r16", \vs, undef=\undef
	\op\()w	%bx
	ret
	FORM "muldiv.\op-r32", \vs, undef=\undef
	\op\()l	%ebx
	ret
	FORM "muldiv.\op-r64", \vs, undef=\undef
	\op\()q	%rbx
	ret
	FORM "muldiv.\op-m32", \vs, undef=\undef
	\op\()l	S
	ret
	FORM "muldiv.\op-m64", \vs, undef=\undef
	\op\()q	S
	ret
.endm
	MD1	mul, VS_ALU, MULF
	MD1	imul, VS_ALU, MULF
	MD1	div, VS_DIV, DIVF
	MD1	idiv, VS_IDIV, DIVF

	FORM "muldiv.imul-r16-r16", VS_ALU, undef=MULF
	imulw	%bx, %ax
	ret
	FORM "muldiv.imul-r32-r32", VS_ALU, undef=MULF
	imull	%ebx, %eax
	ret
	FORM "muldiv.imul-r64-r64", VS_ALU, undef=MULF
	imulq	%rbx, %rax
	ret
	FORM "muldiv.imul-r64-m64", VS_ALU, undef=MULF
	imulq	S, %rax
	ret
	FORM "muldiv.imul-r16-r16-imm8", VS_ALU, undef=MULF
	imulw	$-3, %bx, %ax
	ret
	FORM "muldiv.imul-r32-r32-imm", VS_ALU, undef=MULF
	imull	$0x12345, %ebx, %eax
	ret
	FORM "muldiv.imul-r64-r64-imm", VS_ALU, undef=MULF
	imulq	$-0x7fff, %rbx, %rax
	ret
	FORM "muldiv.imul-r64-m64-imm8", VS_ALU, undef=MULF
	imulq	$7, S8, %rdx
	ret

/* ---- bit ---- */
.macro BT op
	FORM "bit.\op-r16-imm", VS_BIT, undef=BTF
	\op\()w	$13, %ax
	ret
	FORM "bit.\op-r32-imm", VS_BIT, undef=BTF
	\op\()l	$29, %eax
	ret
	FORM "bit.\op-r64-imm", VS_BIT, undef=BTF
	\op\()q	$61, %rax
	ret
	FORM "bit.\op-r16-r16", VS_BIT, undef=BTF
	\op\()w	%cx, %ax
	ret
	FORM "bit.\op-r32-r32", VS_BIT, undef=BTF
	\op\()l	%ecx, %eax
	ret
	FORM "bit.\op-r64-r64", VS_BIT, undef=BTF
	\op\()q	%rcx, %rax
	ret
	FORM "bit.\op-m32-imm", VS_BIT, undef=BTF
	\op\()l	$30, S8
	ret
	/* a register offset addresses the bit string beyond the operand */
	FORM "bit.\op-m16-r16", VS_BIT, undef=BTF
	\op\()w	%cx, S
	ret
	FORM "bit.\op-m32-r32", VS_BIT, undef=BTF
	\op\()l	%ecx, S
	ret
	FORM "bit.\op-m64-r64", VS_BIT, undef=BTF
	\op\()q	%rcx, S
	ret
.endm
	BT	bt
	BT	bts
	BT	btr
	BT	btc
	FORM "bit.lock-bts-m64-r64", VS_BIT, undef=BTF
	lock btsq %rcx, S
	ret
	FORM "bit.lock-btr-m32-imm", VS_BIT, undef=BTF
	lock btrl $30, S8
	ret
	FORM "bit.lock-btc-m16-r16", VS_BIT, undef=BTF
	lock btcw %cx, S
	ret

/* bsf/bsr: a zero source leaves the destination undefined (K_SCAN masks it) */
.macro SCAN op, kind, undef, feat
	FORM "bit.\op-r16", VS_SCAN, undef=\undef, kind=\kind, w=16, feat=\feat
	\op\()w	%bx, %ax
	ret
	FORM "bit.\op-r32", VS_SCAN, undef=\undef, kind=\kind, w=32, feat=\feat
	\op\()l	%ebx, %eax
	ret
	FORM "bit.\op-r64", VS_SCAN, undef=\undef, kind=\kind, w=64, feat=\feat
	\op\()q	%rbx, %rax
	ret
.endm
	SCAN	bsf, K_SCAN, SCANF, FT_NONE
	SCAN	bsr, K_SCAN, SCANF, FT_NONE
	SCAN	popcnt, K_PLAIN, 0, FT_POPCNT
	SCAN	lzcnt, K_PLAIN, CNTF, FT_LZCNT
	SCAN	tzcnt, K_PLAIN, CNTF, FT_BMI1
	FORM "bit.bsf-r64-m64", VS_SCAN, undef=SCANF, kind=K_SCAN, w=64
	bsfq	S, %rax
	ret
	FORM "bit.popcnt-r64-m64", VS_SCAN, feat=FT_POPCNT
	popcntq	S, %rax
	ret

	FORM "bit.bswap-r32", VS_ALU
	bswapl	%eax
	ret
	FORM "bit.bswap-r64", VS_ALU
	bswapq	%rax
	ret
	FORM "bit.bswap-r11", VS_ALU
	bswapq	%r11
	ret

/* BMI1: ANDN/BLS* leave AF and PF undefined, BEXTR AF, SF and PF */
.macro BMI op, vs, undef
	FORM "bit.\op-r32", \vs, undef=\undef, feat=FT_BMI1
	\op\()l	%ebx, %eax
	ret
	FORM "bit.\op-r64", \vs, undef=\undef, feat=FT_BMI1
	\op\()q	%rbx, %rax
	ret
	FORM "bit.\op-r64-m64", \vs, undef=\undef, feat=FT_BMI1
	\op\()q	S, %rax
	ret
.endm
	BMI	blsi, VS_SCAN, (SW_AF|SW_PF)
	BMI	blsr, VS_SCAN, (SW_AF|SW_PF)
	BMI	blsmsk, VS_SCAN, (SW_AF|SW_PF)
	FORM "bit.andn-r32", VS_ALU, undef=(SW_AF|SW_PF), feat=FT_BMI1
	andnl	%ecx, %ebx, %eax
	ret
	FORM "bit.andn-r64", VS_ALU, undef=(SW_AF|SW_PF), feat=FT_BMI1
	andnq	%rcx, %rbx, %rax
	ret
	FORM "bit.andn-r64-m64", VS_ALU, undef=(SW_AF|SW_PF), feat=FT_BMI1
	andnq	S, %rcx, %rax
	ret
	FORM "bit.bextr-r32", VS_BIT, undef=(SW_AF|SW_SF|SW_PF), feat=FT_BMI1
	bextrl	%ecx, %ebx, %eax
	ret
	FORM "bit.bextr-r64", VS_BIT, undef=(SW_AF|SW_SF|SW_PF), feat=FT_BMI1
	bextrq	%rcx, %rbx, %rax
	ret
	FORM "bit.bextr-r64-m64", VS_BIT, undef=(SW_AF|SW_SF|SW_PF), feat=FT_BMI1
	bextrq	%rcx, S8, %rax
	ret

	/* ADX: only CF (ADCX) or OF (ADOX) is written */
	FORM "bit.adcx-r32", VS_ALU, feat=FT_ADX
	adcxl	%ebx, %eax
	ret
	FORM "bit.adcx-r64", VS_ALU, feat=FT_ADX
	adcxq	%rbx, %rax
	ret
	FORM "bit.adcx-r64-m64", VS_ALU, feat=FT_ADX
	adcxq	S, %rax
	ret
	FORM "bit.adox-r32", VS_ALU, feat=FT_ADX
	adoxl	%ebx, %eax
	ret
	FORM "bit.adox-r64", VS_ALU, feat=FT_ADX
	adoxq	%rbx, %rax
	ret
	FORM "bit.adox-r64-m64", VS_ALU, feat=FT_ADX
	adoxq	S, %rax
	ret

	FORM "bit.movbe-r16-m16", VS_ALU, feat=FT_MOVBE
	movbew	S, %ax
	ret
	FORM "bit.movbe-r32-m32", VS_ALU, feat=FT_MOVBE
	movbel	S, %eax
	ret
	FORM "bit.movbe-r64-m64", VS_ALU, feat=FT_MOVBE
	movbeq	S, %rax
	ret
	FORM "bit.movbe-m16-r16", VS_ALU, feat=FT_MOVBE
	movbew	%bx, S8
	ret
	FORM "bit.movbe-m32-r32", VS_ALU, feat=FT_MOVBE
	movbel	%ebx, S8
	ret
	FORM "bit.movbe-m64-r64", VS_ALU, feat=FT_MOVBE
	movbeq	%rbx, S8
	ret

	FORM "bit.crc32-r32-r8", VS_ALU, feat=FT_SSE42
	crc32b	%bl, %eax
	ret
	FORM "bit.crc32-r32-r16", VS_ALU, feat=FT_SSE42
	crc32w	%bx, %eax
	ret
	FORM "bit.crc32-r32-r32", VS_ALU, feat=FT_SSE42
	crc32l	%ebx, %eax
	ret
	FORM "bit.crc32-r64-r64", VS_ALU, feat=FT_SSE42
	crc32q	%rbx, %rax
	ret
	FORM "bit.crc32-r32-m8", VS_ALU, feat=FT_SSE42
	crc32b	S, %eax
	ret
	FORM "bit.crc32-r64-m64", VS_ALU, feat=FT_SSE42
	crc32q	S, %rax
	ret

/* ---- move ---- */
.macro MOV s, a, b, w, imm
	FORM "move.mov-r\w-r\w", VS_ALU
	mov\s	\b, \a
	ret
	FORM "move.mov-r\w-imm", VS_ALU
	mov\s	$\imm, \a
	ret
	FORM "move.mov-r\w-m\w", VS_ALU
	mov\s	S, \a
	ret
	FORM "move.mov-m\w-r\w", VS_ALU
	mov\s	\b, S8
	ret
	FORM "move.mov-m\w-imm", VS_ALU
	mov\s	$\imm, S8
	ret
.endm
	MOV	b, %al, %bl, 8, 0x81
	MOV	w, %ax, %bx, 16, 0x8001
	MOV	l, %eax, %ebx, 32, 0x80000001	/* a 32-bit write zeroes bits 63:32 */
	MOV	q, %rax, %rbx, 64, -0x7fffffff
	FORM "move.mov-r64-imm64", VS_ALU
	movabsq	$0x8123456789abcdef, %r9
	ret
	FORM "move.mov-rax-moffs64", VS_ALU
	movabsq	sw_scratch, %rax
	ret
	FORM "move.mov-moffs64-rax", VS_ALU
	movabsq	%rax, sw_scratch+8
	ret
	FORM "move.mov-moffs8-al", VS_ALU
	movabsb	%al, sw_scratch+3
	ret
	FORM "move.mov-ah-bl", VS_ALU
	movb	%bl, %ah
	ret
	FORM "move.mov-dl-ch", VS_ALU
	movb	%ch, %dl
	ret
	FORM "move.mov-bh-m8", VS_ALU
	movb	S, %bh
	ret
	FORM "move.mov-r10-r8", VS_ALU
	movq	%r8, %r10
	ret
	FORM "move.mov-r9d-r11d", VS_ALU
	movl	%r11d, %r9d
	ret

.macro MOVX op, sfx, src, dst, name
	FORM "move.\name", VS_ALU
	\op\sfx	\src, \dst
	ret
.endm
	MOVX	movz, bw, %bl, %ax, movzx-r16-r8
	MOVX	movz, bl, %bl, %eax, movzx-r32-r8
	MOVX	movz, bq, %bl, %rax, movzx-r64-r8
	MOVX	movz, wl, %bx, %eax, movzx-r32-r16
	MOVX	movz, wq, %bx, %rax, movzx-r64-r16
	MOVX	movz, bl, %bh, %eax, movzx-r32-bh
	MOVX	movz, wl, S, %eax, movzx-r32-m16
	MOVX	movz, bq, S, %r10, movzx-r64-m8
	MOVX	movs, bw, %bl, %ax, movsx-r16-r8
	MOVX	movs, bl, %bl, %eax, movsx-r32-r8
	MOVX	movs, bq, %bl, %rax, movsx-r64-r8
	MOVX	movs, wl, %bx, %eax, movsx-r32-r16
	MOVX	movs, wq, %bx, %rax, movsx-r64-r16
	MOVX	movs, bl, %ch, %eax, movsx-r32-ch
	MOVX	movs, wq, S, %rax, movsx-r64-m16
	MOVX	movs, lq, %ebx, %rax, movsxd-r64-r32
	MOVX	movs, lq, S, %rdx, movsxd-r64-m32

	FORM "move.lea-r64-bisd", VS_ALU
	leaq	8(%rbx,%rcx,4), %rax
	ret
	FORM "move.lea-r32-bi", VS_ALU
	leal	(%rbx,%rcx), %eax
	ret
	FORM "move.lea-r16-bd", VS_ALU
	leaw	-1(%rbx), %ax
	ret
	FORM "move.lea-r64-isd", VS_ALU
	leaq	-1(,%rcx,8), %rax
	ret
	FORM "move.lea-r64-rip", VS_ALU
	leaq	sw_scratch+5(%rip), %rax
	ret
	FORM "move.lea-r64-addr32", VS_ALU
	addr32 leaq 0x10(%ebx,%edx,2), %rax
	ret

	FORM "move.xchg-rax-rbx", VS_ALU
	xchgq	%rbx, %rax
	ret
	FORM "move.xchg-r32-r32", VS_ALU
	xchgl	%ecx, %edx
	ret
	FORM "move.xchg-eax-eax", VS_ALU	/* 0x87 c0: zeroes bits 63:32 (0x90 would not) */
	.byte	0x87, 0xc0
	ret
	FORM "move.xchg-r16-r16", VS_ALU
	xchgw	%bx, %ax
	ret
	FORM "move.xchg-al-bh", VS_ALU
	xchgb	%al, %bh
	ret
	FORM "move.xchg-m64-r64", VS_ALU
	xchgq	%rbx, S8
	ret
	FORM "move.xchg-m8-r8", VS_ALU
	xchgb	%bl, S8
	ret
.macro XADD s, a, b, w
	FORM "move.xadd-r\w-r\w", VS_ALU
	xadd\s	\b, \a
	ret
.endm
	XADD	b, %al, %bl, 8
	XADD	w, %ax, %bx, 16
	XADD	l, %eax, %ebx, 32
	XADD	q, %rax, %rbx, 64
	FORM "move.xadd-m32-r32", VS_ALU
	xaddl	%ebx, S8
	ret
.macro CMPXCHG s, b, c, w
	FORM "move.cmpxchg-r\w-r\w", VS_CX
	cmpxchg\s \b, \c
	ret
	FORM "move.cmpxchg-m\w-r\w", VS_CX
	cmpxchg\s \b, S16
	ret
.endm
	CMPXCHG	b, %bl, %cl, 8
	CMPXCHG	w, %bx, %cx, 16
	CMPXCHG	l, %ebx, %ecx, 32
	CMPXCHG	q, %rbx, %rcx, 64
	FORM "move.cmpxchg8b-m64", VS_CX
	cmpxchg8b S16
	ret
	FORM "move.lock-cmpxchg8b-m64", VS_CX
	lock cmpxchg8b S16
	ret
	FORM "move.cmpxchg16b-m128", VS_CX, feat=FT_CX16
	cmpxchg16b S16
	ret
	FORM "move.lock-cmpxchg16b-m128", VS_CX, feat=FT_CX16
	lock cmpxchg16b S16
	ret

	FORM "move.cbw", VS_ALU
	cbtw
	ret
	FORM "move.cwde", VS_ALU
	cwtl
	ret
	FORM "move.cdqe", VS_ALU
	cltq
	ret
	FORM "move.cwd", VS_ALU
	cwtd
	ret
	FORM "move.cdq", VS_ALU
	cltd
	ret
	FORM "move.cqo", VS_ALU
	cqto
	ret
	FORM "move.lahf", VS_ALU, feat=FT_LAHF
	lahf
	ret
	FORM "move.sahf", VS_ALU, feat=FT_LAHF
	sahf
	ret

	/* the stack: values, never addresses, reach the outputs */
	FORM "move.push-pop-r64", VS_ALU
	pushq	%rbx
	popq	%rax
	ret
	FORM "move.push-pop-r16", VS_ALU
	pushw	%bx
	popw	%ax
	ret
	FORM "move.push-pop-r9-r10", VS_ALU
	pushq	%r9
	popq	%r10
	ret
	FORM "move.push-imm8", VS_ALU
	pushq	$-5
	popq	%rcx
	ret
	FORM "move.push-imm32", VS_ALU
	pushq	$0x12345678
	popq	%rdx
	ret
	FORM "move.push-pop-m64", VS_ALU
	pushq	S
	popq	S8
	ret
	/* pushf of the arithmetic flags and DF only (IF differs by CPL); AND leaves AF undefined */
	FORM "move.pushf", VS_ALU, undef=SW_AF
	pushfq
	popq	%rbx
	andl	$SW_FLAGS, %ebx
	ret
	/* popf of the arithmetic flags only (RBX could hold TF or IF) */
	FORM "move.popf", VS_ALU
	andl	$SW_ARITH, %ebx
	pushfq
	andq	$~SW_ARITH, (%rsp)
	orq	%rbx, (%rsp)
	popfq
	ret
	/* AL is cut to the scratch area's 64 bytes first (AF undefined after AND) */
	FORM "move.xlat", VS_ALU, undef=SW_AF
	andl	$0x3f, %eax
	leaq	sw_scratch(%rip), %rbx
	xlatb
	ret

/* ---- cond ---- */
	.irp cc, o,no,b,ae,e,ne,be,a,s,ns,p,np,l,ge,le,g
	FORM "cond.set\cc", VS_COND
	set\cc	%al
	ret
	FORM "cond.cmov\cc-r64", VS_COND
	cmov\cc\()q %rbx, %rax
	ret
	/* a 32-bit CMOVcc zeroes bits 63:32 even when the condition is false */
	FORM "cond.cmov\cc-r32", VS_COND
	cmov\cc\()l %ebx, %eax
	ret
	FORM "cond.j\cc", VS_COND		/* R8 records taken (2) or not (1) */
	j\cc	1f
	movl	$1, %r8d
	ret
1:	movl	$2, %r8d
	ret
	.endr
	FORM "cond.sete-m8", VS_COND
	sete	S8
	ret
	FORM "cond.setg-bh", VS_COND
	setg	%bh
	ret
	FORM "cond.cmovne-r64-m64", VS_COND
	cmovneq	S, %rax
	ret
	FORM "cond.cmovl-r16-r16", VS_COND
	cmovlw	%bx, %ax
	ret
	FORM "cond.jrcxz", VS_COND
	jrcxz	1f
	movl	$1, %r8d
	ret
1:	movl	$2, %r8d
	ret
	FORM "cond.jecxz", VS_COND
	jecxz	1f
	movl	$1, %r8d
	ret
1:	movl	$2, %r8d
	ret
	/* LEA counts the rounds without touching the flags LOOPE/LOOPNE read */
	FORM "cond.loop", VS_LOOP
1:	leaq	1(%r8), %r8
	loop	1b
	ret
	FORM "cond.loope", VS_LOOP
1:	leaq	1(%r8), %r8
	loope	1b
	ret
	FORM "cond.loopne", VS_LOOP
1:	leaq	1(%r8), %r8
	loopne	1b
	ret

/* ---- string ---- */
/*
 * Up to 5 elements of W bytes each way within the 64-byte scratch area:
 * DF=0 from the bottom (RSI) and the top (RDI), DF=1 down from the top
 * (RSI) and from element 4 (RDI).
 */
.macro STR op, s, wd, pre, pn, df
	FORM "string.\pn\op\s-df\df", VS_STR, df=\df
	.if \df
	leaq	sw_scratch+64-\wd(%rip), %rsi
	leaq	sw_scratch+4*\wd(%rip), %rdi
	.else
	leaq	sw_scratch(%rip), %rsi
	leaq	sw_scratch+64-5*\wd(%rip), %rdi
	.endif
	\pre \op\s
	ret
.endm
.macro STR4 op, pre, pn, df
	STR \op, b, 1, \pre, \pn, \df
	STR \op, w, 2, \pre, \pn, \df
	STR \op, l, 4, \pre, \pn, \df
	STR \op, q, 8, \pre, \pn, \df
.endm
	.irp df, 0, 1
	STR4	movs, , , \df
	STR4	movs, rep, rep-, \df
	STR4	stos, , , \df
	STR4	stos, rep, rep-, \df
	STR4	lods, , , \df
	STR4	lods, rep, rep-, \df
	STR4	cmps, , , \df
	STR4	cmps, repe, repe-, \df
	STR4	cmps, repne, repne-, \df
	STR4	scas, , , \df
	STR4	scas, repe, repe-, \df
	STR4	scas, repne, repne-, \df
	.endr

	.section .rodata.sweep_forms, "a"
	.globl	sw_forms_end
sw_forms_end:

	.section .note.GNU-stack, "", @progbits
