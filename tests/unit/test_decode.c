// SPDX-License-Identifier: MIT
/* decode__one: classes, lengths and text of the instructions the exit handlers look at. */
#include "emu/decode.h"
#include "tap.h"

static void expect(const char *name, const uint8_t *b, size_t n, unsigned mode,
		   enum insn_class cls, unsigned len, const char *text)
{
	struct insn in;
	int r = decode__one(b, n, mode, 0x1000, &in);

	ok(r == 0, "%s: decodes", name);
	is_u64(in.cls, cls, "%s: class", name);
	is_u64(in.len, len, "%s: length", name);
	if (!ok(!strcmp(in.text, text), "%s: text", name))
		printf("#   got '%s', want '%s'\n", in.text, text);
}

int main(void)
{
	static const uint8_t int80[] = { 0xcd, 0x80, 0x90 };
	static const uint8_t int3[] = { 0xcc };
	static const uint8_t int_3[] = { 0xcd, 0x03 };
	static const uint8_t ud2[] = { 0x0f, 0x0b };
	static const uint8_t iretq[] = { 0x48, 0xcf };
	static const uint8_t iretd[] = { 0xcf };
	static const uint8_t hlt[] = { 0xf4 };
	static const uint8_t icebp[] = { 0xf1 };
	static const uint8_t into[] = { 0xce };
	static const uint8_t mov[] = { 0x48, 0x89, 0xd8 };
	static const uint8_t in_dx[] = { 0xed };
	static const uint8_t in_imm16[] = { 0x66, 0xe5, 0x80 };
	static const uint8_t in_seg[] = { 0x2e, 0xec };
	static const uint8_t insd[] = { 0x6d };
	static const uint8_t trunc[] = { 0xcd };
	static const uint8_t bad[] = { 0x0f, 0x0b, 0x00 };
	struct insn in;

	expect("int $0x80", int80, sizeof(int80), 64, INSN_INT_N, 2, "int 0x80");
	ok(decode__one(int80, sizeof(int80), 64, 0, &in) == 0 && in.imm == 0x80, "int $0x80: imm");
	expect("int3", int3, sizeof(int3), 64, INSN_INT3, 1, "int3");
	expect("cd 03", int_3, sizeof(int_3), 64, INSN_INT_N, 2, "int 0x03");
	ok(decode__one(int_3, sizeof(int_3), 64, 0, &in) == 0 && in.imm == 3, "cd 03: imm 3");
	expect("ud2", ud2, sizeof(ud2), 64, INSN_UD2, 2, "ud2");
	expect("iretq", iretq, sizeof(iretq), 64, INSN_IRET, 2, "iretq");
	expect("iretd (32-bit)", iretd, sizeof(iretd), 32, INSN_IRET, 1, "iretd");
	expect("iret (16-bit)", iretd, sizeof(iretd), 16, INSN_IRET, 1, "iret");
	expect("hlt", hlt, sizeof(hlt), 64, INSN_HLT, 1, "hlt");
	expect("icebp", icebp, sizeof(icebp), 64, INSN_INT1, 1, "int1");
	expect("into (32-bit)", into, sizeof(into), 32, INSN_INTO, 1, "into");
	expect("mov rax, rbx", mov, sizeof(mov), 64, INSN_OTHER, 3, "mov rax, rbx");
	/* IN's length, prefixes and all: where the replay stands at an IN's exit (KVM completes it) */
	expect("in eax, dx", in_dx, sizeof(in_dx), 64, INSN_IN, 1, "in eax, dx");
	expect("in ax, 0x80", in_imm16, sizeof(in_imm16), 64, INSN_IN, 3, "in ax, 0x80");
	expect("cs in al, dx", in_seg, sizeof(in_seg), 64, INSN_IN, 2, "in al, dx");
	expect("insd", insd, sizeof(insd), 64, INSN_OTHER, 1, "insd");
	ok(decode__one((const uint8_t[]){ 0xf0, 0xed }, 2, 64, 0, &in) == -1, "lock in is invalid");

	ok(decode__one(into, sizeof(into), 64, 0, &in) == -1 && in.len == 0,
	   "into in 64-bit mode is invalid");
	ok(decode__one(trunc, sizeof(trunc), 64, 0, &in) == -1 && in.len == 0,
	   "truncated int imm8 is invalid");
	/* ud2 with a lock prefix is #UD by encoding. */
	ok(decode__one((const uint8_t[]){ 0xf0, 0x0f, 0x0b }, 3, 64, 0, &in) == -1,
	   "lock ud2 is invalid");
	ok(decode__one(bad, 0, 64, 0, &in) == -1, "zero length is invalid");
	ok(decode__one(bad, sizeof(bad), 48, 0, &in) == -1, "mode 48 is invalid");
	return tap_done();
}
