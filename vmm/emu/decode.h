/* SPDX-License-Identifier: MIT */
/* Instruction decoding for exit handling and register dumps, backed by Zydis. */
#ifndef VMM_DECODE_H
#define VMM_DECODE_H

#include <stddef.h>
#include <stdint.h>

enum insn_class {
	INSN_OTHER = 0,
	INSN_INT_N,	/* int imm8 */
	INSN_INT3,
	INSN_INTO,
	INSN_INT1,
	INSN_UD2,
	INSN_IRET,
	INSN_HLT,
	INSN_IN,	/* in al/ax/eax, imm8 or dx (not the string INS) */
};

/* Which CR0.EM/TS rules apply (SDM Vol. 3A 2.5, table "EM, MP, TS interaction"). */
enum insn_fpu {
	FPU_NONE = 0,
	FPU_X87,	/* EM or TS -> #NM */
	FPU_WAIT,	/* WAIT/FWAIT: TS and MP -> #NM */
	FPU_SIMD,	/* MMX/SSE/AVX: EM -> #UD, TS -> #NM */
};

struct insn {
	enum insn_class cls;
	enum insn_fpu fpu;
	unsigned len;		/* bytes, 0 when undecodable */
	uint8_t imm;		/* vector for INSN_INT_N */
	char text[96];		/* AT&T-free Intel syntax text, for logs */
};

/* Decode one instruction; @mode is 16, 32 or 64. Returns 0, or -1 if invalid. */
int decode__one(const uint8_t *bytes, size_t len, unsigned mode, uint64_t rip, struct insn *out);

#endif
