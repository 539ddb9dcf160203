/* SPDX-License-Identifier: MIT */
/* test=sweep: constants shared by the form table (sweep.S) and its runner (sweep.c). */
#ifndef GUEST_SWEEP_H
#define GUEST_SWEEP_H

/* RFLAGS bits the harness loads and compares: the arithmetic flags and DF */
#define SW_CF		0x001
#define SW_PF		0x004
#define SW_AF		0x010
#define SW_ZF		0x040
#define SW_SF		0x080
#define SW_DF		0x400
#define SW_OF		0x800
#define SW_ARITH	(SW_CF | SW_PF | SW_AF | SW_ZF | SW_SF | SW_OF)
#define SW_FLAGS	(SW_ARITH | SW_DF)

/* Registers in struct sw_state order; a form's undefined ones are a bit mask of these */
#define SW_RAX		0
#define SW_RBX		1
#define SW_RCX		2
#define SW_RDX		3
#define SW_RSI		4
#define SW_RDI		5
#define SW_R8		6
#define SW_R9		7
#define SW_R10		8
#define SW_R11		9
#define SW_NREGS	10
#define SW_RFLAGS	10	/* qword index of rflags in struct sw_state */
#define SW_MEM		88	/* byte offset of the scratch copy in struct sw_state */
#define SW_MEM_SIZE	64
#define SW_STATE_SIZE	(SW_MEM + SW_MEM_SIZE)

/* Input vector sets (sweep.c vec_sets[]) */
#define VS_ALU		0	/* carries, overflow, zero, sign at every width */
#define VS_SHIFT	1	/* CL = 0, 1, 63, 65 */
#define VS_DIV		2	/* unsigned divisions that never fault */
#define VS_IDIV		3	/* signed divisions that never fault */
#define VS_BIT		4	/* bit offsets in RCX within the scratch area */
#define VS_CX		5	/* compare-exchange: equal and unequal */
#define VS_COND		6	/* flag combinations for the 16 conditions */
#define VS_STR		7	/* string counts 0..5 */
#define VS_LOOP		8	/* RCX 0..5 for loop/jrcxz */
#define VS_SCAN		9	/* zero and nonzero sources for bsf/bsr/lzcnt/tzcnt */
#define VS_COUNT	10

/* How a form's undefined outputs depend on its inputs */
#define K_PLAIN		0	/* the form's fixed masks only */
#define K_SHIFT		1	/* shl/shr/sar/shld/shrd: count-dependent */
#define K_ROT		2	/* rol/ror/rcl/rcr: count-dependent */
#define K_SCAN		3	/* bsf/bsr: RAX undefined when RBX (width bits) is zero */
#define K_SHXD16	4	/* shld/shrd 16-bit: count > 16 leaves result and flags undefined */

#define CNT_CL		0xff	/* the count is CL */

/* CPUID features a form needs (sweep.c has_feature) */
#define FT_NONE		0
#define FT_POPCNT	1
#define FT_LZCNT	2
#define FT_BMI1		3
#define FT_ADX		4
#define FT_MOVBE	5
#define FT_SSE42	6
#define FT_CX16		7
#define FT_LAHF		8

#define SW_FORM_SIZE	32

#endif /* GUEST_SWEEP_H */
