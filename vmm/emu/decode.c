// SPDX-License-Identifier: MIT
/* One-instruction decode with Zydis 4: the class the exit handlers care about, length, text. */
#include <stdio.h>
#include <string.h>

#include <Zydis/Zydis.h>

#include "decode.h"

static enum insn_class classify(const ZydisDecodedInstruction *insn,
				const ZydisDecodedOperand *ops, uint8_t *imm)
{
	switch (insn->mnemonic) {
	case ZYDIS_MNEMONIC_INT:
		/* CD 03 stays INT n: unlike CC it gets the IOPL/VME treatment. */
		*imm = (uint8_t)ops[0].imm.value.u;
		return INSN_INT_N;
	case ZYDIS_MNEMONIC_INT3:
		return INSN_INT3;
	case ZYDIS_MNEMONIC_INTO:
		return INSN_INTO;
	case ZYDIS_MNEMONIC_INT1:
		return INSN_INT1;
	case ZYDIS_MNEMONIC_UD2:
		return INSN_UD2;
	case ZYDIS_MNEMONIC_IRET:
	case ZYDIS_MNEMONIC_IRETD:
	case ZYDIS_MNEMONIC_IRETQ:
		return INSN_IRET;
	case ZYDIS_MNEMONIC_HLT:
		return INSN_HLT;
	case ZYDIS_MNEMONIC_IN:
		return INSN_IN;
	default:
		return INSN_OTHER;
	}
}

static enum insn_fpu fpu_kind(const ZydisDecodedInstruction *insn)
{
	if (insn->mnemonic == ZYDIS_MNEMONIC_FWAIT)
		return FPU_WAIT;
	switch (insn->meta.isa_ext) {
	case ZYDIS_ISA_EXT_X87:
		return FPU_X87;
	case ZYDIS_ISA_EXT_MMX: case ZYDIS_ISA_EXT_SSE: case ZYDIS_ISA_EXT_SSE2:
	case ZYDIS_ISA_EXT_SSE3: case ZYDIS_ISA_EXT_SSSE3: case ZYDIS_ISA_EXT_SSE4:
	case ZYDIS_ISA_EXT_SSE4A: case ZYDIS_ISA_EXT_AVX: case ZYDIS_ISA_EXT_AVX2:
	case ZYDIS_ISA_EXT_AVX2GATHER: case ZYDIS_ISA_EXT_AVX512EVEX: case ZYDIS_ISA_EXT_AVX512VEX:
	case ZYDIS_ISA_EXT_F16C: case ZYDIS_ISA_EXT_FMA: case ZYDIS_ISA_EXT_AES:
	case ZYDIS_ISA_EXT_PCLMULQDQ: case ZYDIS_ISA_EXT_SHA:
		return FPU_SIMD;
	default:
		return FPU_NONE;
	}
}

int decode__one(const uint8_t *bytes, size_t len, unsigned mode, uint64_t rip, struct insn *out)
{
	ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
	ZydisDecodedInstruction insn;
	ZydisFormatter fmt;
	ZydisDecoder dec;
	ZydisMachineMode mm;
	ZydisStackWidth sw;

	memset(out, 0, sizeof(*out));
	snprintf(out->text, sizeof(out->text), "(bad)");

	switch (mode) {
	case 64:
		mm = ZYDIS_MACHINE_MODE_LONG_64;
		sw = ZYDIS_STACK_WIDTH_64;
		break;
	case 32:
		mm = ZYDIS_MACHINE_MODE_LEGACY_32;
		sw = ZYDIS_STACK_WIDTH_32;
		break;
	case 16:
		mm = ZYDIS_MACHINE_MODE_LEGACY_16;
		sw = ZYDIS_STACK_WIDTH_16;
		break;
	default:
		return -1;
	}
	if (!bytes || !len)
		return -1;
	if (ZYAN_FAILED(ZydisDecoderInit(&dec, mm, sw)))
		return -1;
	if (ZYAN_FAILED(ZydisDecoderDecodeFull(&dec, bytes, len, &insn, ops)))
		return -1;

	out->len = insn.length;
	out->cls = classify(&insn, ops, &out->imm);
	out->fpu = fpu_kind(&insn);
	/* Text is for logs only: a formatter failure keeps the decode. */
	if (ZYAN_FAILED(ZydisFormatterInit(&fmt, ZYDIS_FORMATTER_STYLE_INTEL)) ||
	    ZYAN_FAILED(ZydisFormatterFormatInstruction(&fmt, &insn, ops,
							insn.operand_count_visible, out->text,
							sizeof(out->text), rip, NULL)))
		snprintf(out->text, sizeof(out->text), "(unformatted)");
	return 0;
}
