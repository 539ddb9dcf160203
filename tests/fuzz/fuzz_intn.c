// SPDX-License-Identifier: MIT
/*
 * INT n delivery (vmm/emu/intn.c) and the guest page walk under it
 * (vmm/emu/x86_mmu.c), pure: hostile registers, IDT, GDT/LDT, TSS and page
 * tables in a 64 KiB guest RAM. Each run starts from a valid 64-bit guest
 * (guest64.h, every gate present) and the input edits it:
 *   bytes 0-2  kind (INT n, INT3, INTO, INT1), vector, instruction length
 *   byte  3    start at CPL3 (bit 0), in the IST/LDT variant (bit 1)
 *   then ops:  0x00-0x7f  set register field op % G64_NR_FIELDS to a u64
 *              0x80-0xff  write (op & 15) + 1 input bytes at a u16 RAM offset
 * Checked: a fault or an unsupported delivery changes nothing (registers
 * and RAM, as intn.c promises); a delivery leaves a 16-byte-aligned frame
 * of the old state at the new RSP, at no higher privilege, IF clear for an
 * interrupt gate.
 */
#include "abi.h"
#include "fuzz.h"
#include "guest64.h"
#include "emu/intn.h"
#include "emu/x86_mmu.h"

#define RAM	G64_MAPPED

static struct gmem mem;
static uint8_t *before;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_in in = { data, size };
	struct kvm_regs r, r0;
	struct kvm_sregs s, s0;
	struct intn_frame_info info;
	struct x86_fault f;
	enum intn_kind kind;
	enum intn_status st;
	uint8_t vector, opt;
	unsigned len, old_cpl;

	if (!mem.base) {
		mem.base = malloc(RAM);	/* exact size: ASan sees a write past guest RAM */
		mem.size = RAM;
		before = malloc(RAM);
	}
	kind = (enum intn_kind)(fuzz_in__u8(&in) % 4);
	vector = fuzz_in__u8(&in);
	len = fuzz_in__u8(&in) % 16;
	opt = fuzz_in__u8(&in);
	memset(mem.base, 0, RAM);
	g64__tables(mem.base, opt & 2);
	g64__regs(&r, &s, opt & 1, opt & 2, 0);
	while (in.left) {
		uint8_t op = fuzz_in__u8(&in);

		if (op < 0x80) {
			g64__set_field(&r, &s, op % G64_NR_FIELDS, fuzz_in__u64(&in));
		} else {
			uint16_t off = fuzz_in__u16(&in);
			uint8_t buf[16];
			unsigned n = (op & 15) + 1;

			fuzz_in__bytes(&in, buf, n);
			for (unsigned i = 0; i < n; i++)	/* wraps inside RAM */
				mem.base[(uint16_t)(off + i) % RAM] = buf[i];
		}
	}
	memcpy(before, mem.base, RAM);
	r0 = r;
	s0 = s;
	old_cpl = s.cs.selector & 3;

	st = intn__deliver(&r, &s, &mem, kind, vector, len, &f, &info);
	if (st != INTN_DELIVERED) {
		fuzz_assert(st == INTN_FAULT || st == INTN_UNSUPPORTED);
		fuzz_assert(!memcmp(&r, &r0, sizeof(r)) && !memcmp(&s, &s0, sizeof(s)));
		fuzz_assert(!memcmp(before, mem.base, RAM));
		if (st == INTN_FAULT) {
			fuzz_assert(f.vector == 6 || (f.vector >= 10 && f.vector <= 14));
			fuzz_assert(f.has_cr2 == (f.vector == 14) && f.has_error == (f.vector != 6));
		}
		return 0;
	}
	{
		const struct gmem pre = { before, RAM };
		const uint64_t want[5] = { r0.rip + len, s0.cs.selector, r0.rflags, r0.rsp,
					   s0.ss.selector };
		unsigned acc = MMU_WRITE | ((s.cs.selector & 3) == 3 ? MMU_USER : 0);

		fuzz_assert((r.rsp & 15) == 8 && r.rsp == info.new_rsp && r.rip == info.handler);
		fuzz_assert((s.cs.selector & 3) <= old_cpl && s.cs.l && s.cs.present);
		fuzz_assert(!(r.rflags & (1u << 8)) && !(r.rflags & (1u << 14)));
		/* each slot holds the old state at the GPA the page tables gave before the push */
		for (unsigned i = 0; i < 5; i++) {
			uint64_t gpa, got;
			uint32_t pf;

			fuzz_assert(!mmu__translate(&pre, &s0, r.rsp + 8 * i, acc, &gpa, &pf));
			fuzz_assert(gpa + 8 <= RAM);
			memcpy(&got, mem.base + gpa, 8);
			fuzz_assert(got == want[i]);
		}
	}
	return 0;
}
