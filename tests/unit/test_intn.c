// SPDX-License-Identifier: MIT
/* intn__deliver: hand-computed frames and faults on a tiny hand-built 64-bit guest. */
#include <stdlib.h>

#include "abi.h"
#include "emu/intn.h"
#include "tap.h"

#define RAM		(4ull << 20)
#define P		(1ull << 0)
#define RW		(1ull << 1)
#define US		(1ull << 2)

#define PML4		0x1000
#define PDPT		0x2000
#define PD		0x3000
#define PT		0x4000
#define GDT		0x5000
#define IDT		0x6000
#define TSS		0x7000
#define RSP0		0x9000
#define IST1		0xa000
#define IST2		0xb008	/* unaligned on purpose: the CPU aligns it */
#define IST3		0xc000
#define USTACK		0x10f88	/* in the user page 0x10000 */
#define HOLE		0x30000	/* page left unmapped */

#define RIP0		0x401000
#define HANDLER(v)	(0xffffffff81000000ull + (v) * 0x10)

#define RFLAGS_FIXED	0x2ull
#define TF		(1ull << 8)
#define IF		(1ull << 9)
#define NT		(1ull << 14)
#define RF		(1ull << 16)
#define AC		(1ull << 18)

static struct gmem mem;
static uint8_t *snapshot;

static void set64(uint64_t gpa, uint64_t v)
{
	memcpy(mem.base + gpa, &v, 8);
}

static uint64_t get64(uint64_t gpa)
{
	uint64_t v;

	memcpy(&v, mem.base + gpa, 8);
	return v;
}

static void gate(unsigned v, uint16_t sel, uint64_t off, unsigned type, unsigned dpl,
		 bool present, unsigned ist)
{
	uint8_t *g = mem.base + IDT + v * 16;

	memset(g, 0, 16);
	g[0] = off;
	g[1] = off >> 8;
	g[2] = sel;
	g[3] = sel >> 8;
	g[4] = ist;
	g[5] = type | dpl << 5 | (present ? 0x80 : 0);
	g[6] = off >> 16;
	g[7] = off >> 24;
	set64(IDT + v * 16 + 8, off >> 32);
}

static void build(void)
{
	unsigned i;

	mem.size = RAM;
	mem.base = calloc(1, RAM);
	snapshot = malloc(RAM);

	/* Identity map the first 2 MiB, supervisor, except the user stack and a hole. */
	set64(PML4, PDPT | P | RW | US);
	set64(PDPT, PD | P | RW | US);
	set64(PD, PT | P | RW | US);
	for (i = 1; i < 512; i++)
		set64(PT + i * 8, (uint64_t)i << 12 | P | RW);
	set64(PT + 0x10 * 8, 0x10000 | P | RW | US);
	set64(PT + (HOLE >> 12) * 8, 0);
	/* The handler range at -2 GiB: PML4[511] -> PDPT[510], absent (never fetched). */

	set64(GDT + 0x08, 0x00cf9a000000ffffull);	/* 32-bit code, DPL0 */
	set64(GDT + 0x10, 0x00af9a000000ffffull);	/* 64-bit code, DPL0 */
	set64(GDT + 0x18, 0x00cf92000000ffffull);	/* data, DPL0 */
	set64(GDT + 0x20, 0x00af1a000000ffffull);	/* 64-bit code, not present */
	set64(GDT + 0x28, 0x00cff2000000ffffull);	/* data, DPL3 */
	set64(GDT + 0x30, 0x00affa000000ffffull);	/* 64-bit code, DPL3 */
	set64(GDT + 0x38, 0x00af9e000000ffffull);	/* 64-bit conforming code, DPL0 */
	/* 0x40: 64-bit available TSS at TSS, limit 0x67. */
	set64(GDT + 0x40, 0x0000890000000067ull | (uint64_t)TSS << 16);
	set64(GDT + 0x48, 0);

	set64(TSS + 0x04, RSP0);
	set64(TSS + 0x24, IST1);
	set64(TSS + 0x2c, IST2);
	set64(TSS + 0x34, IST3);

	gate(0x01, 0x10, HANDLER(0x01), 0xe, 0, true, 0);
	gate(0x03, 0x10, HANDLER(0x03), 0xe, 3, true, 0);
	gate(0x41, 0x10, HANDLER(0x41), 0xe, 0, true, 0);
	gate(0x42, 0x10, HANDLER(0x42), 0xf, 0, true, 0);
	gate(0x43, 0x10, HANDLER(0x43), 0xe, 3, true, 0);
	gate(0x44, 0x10, HANDLER(0x44), 0xe, 0, true, 2);
	gate(0x45, 0x10, HANDLER(0x45), 0xe, 3, false, 0);
	gate(0x46, 0x10, HANDLER(0x46), 0xc, 3, true, 0);	/* call gate */
	gate(0x47, 0x10, HANDLER(0x47), 0x6, 3, true, 0);	/* 16-bit interrupt gate */
	gate(0x48, 0x18, HANDLER(0x48), 0xe, 0, true, 0);	/* data segment */
	gate(0x49, 0x00, HANDLER(0x49), 0xe, 0, true, 0);	/* null selector */
	gate(0x4a, 0x10, 0x0000800000000000ull, 0xe, 0, true, 0);	/* non-canonical */
	gate(0x4b, 0x08, HANDLER(0x4b), 0xe, 0, true, 0);	/* 32-bit code */
	gate(0x4c, 0x20, HANDLER(0x4c), 0xe, 0, true, 0);	/* code not present */
	gate(0x4d, 0x33, HANDLER(0x4d), 0xe, 0, true, 0);	/* DPL3 code */
	gate(0x4e, 0x10, HANDLER(0x4e), 0xe, 3, true, 3);	/* IST3, user-callable */
	gate(0x4f, 0x38, HANDLER(0x4f), 0xe, 3, true, 0);	/* conforming code */
	gate(0x50, 0x50, HANDLER(0x50), 0xe, 0, true, 0);	/* beyond the GDT limit */
	gate(0x80, 0x10, HANDLER(0x80), 0xf, 3, true, 0);
}

static struct kvm_segment seg(uint16_t sel, unsigned type, unsigned dpl, bool l)
{
	struct kvm_segment s;

	memset(&s, 0, sizeof(s));
	s.selector = sel;
	s.limit = 0xffffffff;
	s.type = type;
	s.present = 1;
	s.dpl = dpl;
	s.db = !l;
	s.s = 1;
	s.l = l;
	s.g = 1;
	return s;
}

static void cpu(struct kvm_regs *r, struct kvm_sregs *s, unsigned cpl)
{
	memset(r, 0, sizeof(*r));
	memset(s, 0, sizeof(*s));
	r->rip = RIP0;
	r->rflags = RFLAGS_FIXED | IF;
	r->rax = 0x1111;
	s->cr0 = 0x80010001;	/* PG, WP, PE */
	s->cr3 = PML4;
	s->cr4 = 0x20;		/* PAE */
	s->efer = 0xd00;	/* NXE, LMA, LME */
	s->gdt.base = GDT;
	s->gdt.limit = 0x4f;
	s->idt.base = IDT;
	s->idt.limit = 0x81 * 16 - 1;
	s->tr.selector = 0x40;
	s->tr.base = TSS;
	s->tr.limit = 0x67;
	s->tr.type = 11;
	s->tr.present = 1;
	s->ldt.unusable = 1;
	if (cpl == 0) {
		r->rsp = 0x8f38;
		s->cs = seg(0x10, 11, 0, true);
		s->ss = seg(0x18, 3, 0, false);
	} else {
		r->rsp = USTACK;
		s->cs = seg(0x33, 11, 3, true);
		s->ss = seg(0x2b, 3, 3, false);
	}
	s->ds = s->es = s->ss;
}

/* Deliver and check that a fault left registers and all of RAM untouched. */
static void expect_fault(enum intn_kind kind, uint8_t v, unsigned cpl, uint8_t vec,
			 bool has_err, uint32_t err, const char *name)
{
	struct kvm_regs r, r0;
	struct kvm_sregs s, s0;
	struct x86_fault f;
	enum intn_status st;

	cpu(&r, &s, cpl);
	r0 = r;
	s0 = s;
	memcpy(snapshot, mem.base, RAM);
	memset(&f, 0xee, sizeof(f));
	st = intn__deliver(&r, &s, &mem, kind, v, 2, &f, NULL);
	is_u64(st, INTN_FAULT, "%s: faults", name);
	is_u64(f.vector, vec, "%s: vector", name);
	is_u64(f.has_error, has_err, "%s: has error code", name);
	if (has_err)
		is_u64(f.error, err, "%s: error code", name);
	ok(!f.has_cr2, "%s: no cr2", name);
	ok(!memcmp(&r, &r0, sizeof(r)) && !memcmp(&s, &s0, sizeof(s)),
	   "%s: regs/sregs untouched", name);
	ok(!memcmp(snapshot, mem.base, RAM), "%s: memory untouched", name);
}

static void test_same_privilege(void)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct intn_frame_info info;
	struct x86_fault f;

	/* int $0x41 at CPL0, RSP 0x8f38 -> aligned 0x8f30, frame at 0x8f08. */
	cpu(&r, &s, 0);
	r.rflags |= TF | NT | RF | AC;
	is_u64(intn__deliver(&r, &s, &mem, INTN_INT_N, 0x41, 2, &f, &info), INTN_DELIVERED,
	       "int $0x41 CPL0: delivered");
	is_u64(get64(0x8f28), 0x18, "  pushed SS");
	is_u64(get64(0x8f20), 0x8f38, "  pushed RSP (unaligned original)");
	is_u64(get64(0x8f18), RFLAGS_FIXED | IF | TF | NT | RF | AC, "  pushed RFLAGS");
	is_u64(get64(0x8f10), 0x10, "  pushed CS");
	is_u64(get64(0x8f08), RIP0 + 2, "  pushed RIP is the next instruction");
	is_u64(r.rsp, 0x8f08, "  RSP");
	is_u64(r.rip, HANDLER(0x41), "  RIP = gate offset");
	is_u64(r.rflags, RFLAGS_FIXED | AC, "  IF, TF, NT, RF cleared; AC kept");
	is_u64(r.rax, 0x1111, "  GPRs kept");
	is_u64(s.cs.selector, 0x10, "  CS");
	ok(s.cs.l && !s.cs.db && s.cs.present && s.cs.dpl == 0 && s.cs.type == 11 && s.cs.s,
	   "  CS attributes: 64-bit DPL0 accessed code");
	is_u64(s.ss.selector, 0x18, "  SS kept");
	ok(s.ss.present && !s.ss.unusable, "  SS still usable");
	is_u64(info.new_rsp, 0x8f08, "  info.new_rsp");
	is_u64(info.stack, IVM_STACK_SAME, "  info.stack");
	is_u64(info.handler, HANDLER(0x41), "  info.handler");
	is_u64(info.handler_cs, 0x10, "  info.handler_cs");

	/* Same through a trap gate: IF stays. */
	cpu(&r, &s, 0);
	r.rsp = 0x8f40;
	r.rflags |= TF;
	is_u64(intn__deliver(&r, &s, &mem, INTN_INT_N, 0x42, 2, &f, &info), INTN_DELIVERED,
	       "int $0x42 trap gate: delivered");
	is_u64(r.rflags, RFLAGS_FIXED | IF, "  IF kept, TF cleared");
	is_u64(r.rsp, 0x8f40 - 40, "  aligned RSP stays");
	is_u64(get64(0x8f38), 0x18, "  pushed SS");
	is_u64(get64(0x8f28), RFLAGS_FIXED | IF | TF, "  pushed RFLAGS");
	is_u64(get64(0x8f18), RIP0 + 2, "  pushed RIP");

	/* int3 at CPL0 through a DPL3 gate: no DPL problem, 1-byte instruction. */
	cpu(&r, &s, 0);
	is_u64(intn__deliver(&r, &s, &mem, INTN_INT3, 0x99, 1, &f, &info), INTN_DELIVERED,
	       "int3 CPL0: delivered to vector 3");
	is_u64(r.rip, HANDLER(0x03), "  handler of vector 3");
	is_u64(get64(0x8f08), RIP0 + 1, "  pushed RIP + 1");
}

static void test_privilege_change(void)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct intn_frame_info info;
	struct x86_fault f;

	/* int3 at CPL3 through a DPL3 gate to CS 0x10: RSP0 stack, null SS. */
	cpu(&r, &s, 3);
	r.rflags = RFLAGS_FIXED | IF | 0x46;
	is_u64(intn__deliver(&r, &s, &mem, INTN_INT3, 0, 1, &f, &info), INTN_DELIVERED,
	       "int3 CPL3: delivered");
	is_u64(get64(RSP0 - 8), 0x2b, "  pushed old SS 0x2b");
	is_u64(get64(RSP0 - 16), USTACK, "  pushed old RSP");
	is_u64(get64(RSP0 - 24), RFLAGS_FIXED | IF | 0x46, "  pushed RFLAGS");
	is_u64(get64(RSP0 - 32), 0x33, "  pushed old CS 0x33");
	is_u64(get64(RSP0 - 40), RIP0 + 1, "  pushed RIP");
	is_u64(r.rsp, RSP0 - 40, "  RSP on the RSP0 stack");
	is_u64(r.rflags, RFLAGS_FIXED | 0x46, "  IF cleared");
	is_u64(s.cs.selector, 0x10, "  CS 0x10");
	is_u64(s.cs.dpl, 0, "  CS.DPL 0");
	is_u64(s.ss.selector, 0, "  SS null, RPL 0");
	ok(s.ss.unusable && !s.ss.present && s.ss.dpl == 0, "  SS unusable, DPL 0");
	is_u64(info.stack, IVM_STACK_RSP0, "  info.stack RSP0");
	is_u64(info.new_rsp, RSP0 - 40, "  info.new_rsp");

	/* int $0x80 at CPL3 through a DPL3 trap gate. */
	cpu(&r, &s, 3);
	is_u64(intn__deliver(&r, &s, &mem, INTN_INT_N, 0x80, 2, &f, &info), INTN_DELIVERED,
	       "int $0x80 CPL3: delivered");
	is_u64(r.rip, HANDLER(0x80), "  handler");
	is_u64(r.rflags, RFLAGS_FIXED | IF, "  trap gate keeps IF");
	is_u64(get64(RSP0 - 40), RIP0 + 2, "  pushed RIP");

	/* INT1 at CPL3 through a DPL0 gate: no DPL check for INT1. */
	cpu(&r, &s, 3);
	is_u64(intn__deliver(&r, &s, &mem, INTN_INT1, 0, 1, &f, &info), INTN_DELIVERED,
	       "INT1 CPL3 through DPL0 gate: delivered");
	is_u64(r.rip, HANDLER(0x01), "  vector 1 handler");
	is_u64(get64(RSP0 - 40), RIP0 + 1, "  pushed RIP");

	/* Conforming code: CPL stays 3, no stack switch, CS RPL 3. */
	cpu(&r, &s, 3);
	is_u64(intn__deliver(&r, &s, &mem, INTN_INT_N, 0x4f, 2, &f, &info), INTN_DELIVERED,
	       "conforming target from CPL3: delivered");
	is_u64(s.cs.selector, 0x3b, "  CS 0x38 with RPL 3");
	is_u64(s.ss.selector, 0x2b, "  SS kept");
	is_u64(r.rsp, (USTACK & ~0xfull) - 40, "  same (user) stack");
	is_u64(info.stack, IVM_STACK_SAME, "  info.stack SAME");
	is_u64(get64((USTACK & ~0xfull) - 8), 0x2b, "  pushed SS");
}

static void test_ist(void)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct intn_frame_info info;
	struct x86_fault f;

	cpu(&r, &s, 0);
	is_u64(intn__deliver(&r, &s, &mem, INTN_INT_N, 0x44, 2, &f, &info), INTN_DELIVERED,
	       "IST2 gate at CPL0: delivered");
	is_u64(r.rsp, 0xb000 - 40, "  IST2 (0xb008) aligned to 0xb000");
	is_u64(get64(0xb000 - 8), 0x18, "  pushed SS");
	is_u64(get64(0xb000 - 16), 0x8f38, "  pushed old RSP");
	is_u64(s.ss.selector, 0x18, "  SS kept at same privilege");
	is_u64(info.stack, IVM_STACK_IST1 + 1, "  info.stack IST2");

	cpu(&r, &s, 3);
	is_u64(intn__deliver(&r, &s, &mem, INTN_INT_N, 0x4e, 2, &f, &info), INTN_DELIVERED,
	       "IST3 gate from CPL3: delivered");
	is_u64(r.rsp, IST3 - 40, "  IST3 wins over RSP0");
	is_u64(get64(IST3 - 8), 0x2b, "  pushed SS");
	is_u64(s.ss.selector, 0, "  SS null");
	is_u64(info.stack, IVM_STACK_IST1 + 2, "  info.stack IST3");
}

static void test_faults(void)
{
	struct kvm_regs r, r0;
	struct kvm_sregs s, s0;
	struct x86_fault f;

	expect_fault(INTN_INT_N, 0x41, 3, 13, true, 0x41 * 8 + 2, "CPL3 through DPL0 gate: #GP");
	gate(0x03, 0x10, HANDLER(0x03), 0xe, 0, true, 0);
	expect_fault(INTN_INT3, 0, 3, 13, true, 0x1a, "INT3 CPL3 through DPL0 gate: #GP(0x1a)");
	gate(0x03, 0x10, HANDLER(0x03), 0xe, 3, true, 0);
	expect_fault(INTN_INT_N, 0x45, 0, 11, true, 0x45 * 8 + 2, "not-present gate: #NP");
	expect_fault(INTN_INT_N, 0x90, 0, 13, true, 0x90 * 8 + 2, "beyond IDT limit: #GP");
	expect_fault(INTN_INT_N, 0x46, 0, 13, true, 0x46 * 8 + 2, "call gate: #GP");
	expect_fault(INTN_INT_N, 0x47, 0, 13, true, 0x47 * 8 + 2, "16-bit gate: #GP");
	expect_fault(INTN_INT_N, 0x60, 0, 13, true, 0x60 * 8 + 2, "empty IDT entry: #GP");
	expect_fault(INTN_INTO, 0, 0, 6, false, 0, "INTO in 64-bit mode: #UD");
	expect_fault(INTN_INT_N, 0x48, 0, 13, true, 0x18, "gate to data segment: #GP(sel)");
	expect_fault(INTN_INT_N, 0x49, 0, 13, true, 0, "null target selector: #GP(0)");
	expect_fault(INTN_INT_N, 0x4a, 0, 13, true, 0, "non-canonical handler: #GP(0)");
	expect_fault(INTN_INT_N, 0x4b, 0, 13, true, 0x08, "32-bit target code: #GP(sel)");
	expect_fault(INTN_INT_N, 0x4c, 0, 11, true, 0x20, "target code absent: #NP(sel)");
	expect_fault(INTN_INT_N, 0x4d, 0, 13, true, 0x30, "target DPL3 > CPL0: #GP(sel)");
	expect_fault(INTN_INT_N, 0x50, 0, 13, true, 0x50, "target beyond GDT limit: #GP(sel)");

	/* INT1 sets EXT: a not-present vector 1 gate gives #NP(1*8+2+1). */
	mem.base[IDT + 16 + 5] &= 0x7f;
	expect_fault(INTN_INT1, 0, 0, 11, true, 0x0b, "INT1, absent gate: #NP with EXT");
	mem.base[IDT + 16 + 5] |= 0x80;
	mem.base[IDT + 16 + 2] = 0;
	expect_fault(INTN_INT1, 0, 0, 13, true, 0x01, "INT1, null selector: #GP(EXT)");
	mem.base[IDT + 16 + 2] = 0x10;

	/* RSP0 read beyond the TSS limit: #TS(TR). */
	cpu(&r, &s, 3);
	s.tr.limit = 0x0a;
	r0 = r;
	s0 = s;
	is_u64(intn__deliver(&r, &s, &mem, INTN_INT3, 0, 1, &f, NULL), INTN_FAULT,
	       "TSS limit too small for RSP0");
	ok(f.vector == 10 && f.has_error && f.error == 0x40, "  #TS(0x40)");
	ok(!memcmp(&r, &r0, sizeof(r)) && !memcmp(&s, &s0, sizeof(s)), "  state untouched");

	/* Non-canonical RSP: #SS(0). */
	cpu(&r, &s, 0);
	r.rsp = 0x0000900000000000ull;
	is_u64(intn__deliver(&r, &s, &mem, INTN_INT_N, 0x41, 2, &f, NULL), INTN_FAULT,
	       "non-canonical RSP");
	ok(f.vector == 12 && f.has_error && f.error == 0, "  #SS(0)");
}

static void test_stack_pf(void)
{
	struct kvm_regs r, r0;
	struct kvm_sregs s, s0;
	struct x86_fault f;
	enum intn_status st;

	/*
	 * RSP 0x31010: SS and RSP slots (0x31008, 0x31000) are mapped, RFLAGS at
	 * 0x30ff8 is in the hole. Nothing may be written, not even the first pushes.
	 */
	cpu(&r, &s, 0);
	r.rsp = 0x31010;
	set64(0x31008, 0xcafef00dcafef00dull);
	set64(0x31000, 0xcafef00dcafef00dull);
	r0 = r;
	s0 = s;
	memcpy(snapshot, mem.base, RAM);
	st = intn__deliver(&r, &s, &mem, INTN_INT_N, 0x41, 2, &f, NULL);
	is_u64(st, INTN_FAULT, "stack page absent: faults");
	is_u64(f.vector, 14, "  #PF");
	ok(f.has_error && f.error == 0x2, "  error code W (not present, supervisor write)");
	ok(f.has_cr2 && f.cr2 == 0x30ff8, "  cr2 is the first push that faults");
	is_u64(get64(0x31008), 0xcafef00dcafef00dull, "  canary at the SS slot intact");
	ok(!memcmp(snapshot, mem.base, RAM), "  memory untouched");
	ok(!memcmp(&r, &r0, sizeof(r)) && !memcmp(&s, &s0, sizeof(s)), "  state untouched");

	/* RSP0 points at a supervisor page that is read-only with WP=1. */
	set64(PT + 8 * 8, 0x8000 | P);
	cpu(&r, &s, 3);
	set64(TSS + 0x04, 0x9000 - 0x800);
	st = intn__deliver(&r, &s, &mem, INTN_INT3, 0, 1, &f, NULL);
	ok(st == INTN_FAULT && f.vector == 14 && f.error == 0x3 && f.cr2 == 0x87f8,
	   "RSP0 on a read-only page: #PF(P|W), cr2 at the SS slot");
	set64(TSS + 0x04, RSP0);
	set64(PT + 8 * 8, 0x8000 | P | RW);

	/* IDT entry on an absent page: #PF on the implicit supervisor read. */
	cpu(&r, &s, 0);
	s.idt.base = HOLE;
	st = intn__deliver(&r, &s, &mem, INTN_INT_N, 0x41, 2, &f, NULL);
	ok(st == INTN_FAULT && f.vector == 14 && f.error == 0 && f.cr2 == HOLE + 0x410,
	   "IDT on an absent page: #PF(0) at the gate");
}

static void test_unsupported(void)
{
	struct kvm_regs r, r0;
	struct kvm_sregs s, s0;
	struct x86_fault f;

	cpu(&r, &s, 0);
	s.cs.l = 0;
	s.cs.db = 1;
	r0 = r;
	s0 = s;
	is_u64(intn__deliver(&r, &s, &mem, INTN_INT_N, 0x41, 2, &f, NULL), INTN_UNSUPPORTED,
	       "compatibility mode: unsupported");
	ok(!memcmp(&r, &r0, sizeof(r)) && !memcmp(&s, &s0, sizeof(s)), "  state untouched");

	cpu(&r, &s, 0);
	s.efer = 0;
	s.cr0 = 1;
	is_u64(intn__deliver(&r, &s, &mem, INTN_INTO, 0, 1, &f, NULL), INTN_UNSUPPORTED,
	       "protected mode (no LMA), even INTO: unsupported");

	/* A stack outside RAM cannot be emulated (2 MiB page at 4 MiB, past RAM). */
	set64(PD + 2 * 8, 0x400000 | P | RW | (1ull << 7));
	cpu(&r, &s, 0);
	r.rsp = 0x400100;
	is_u64(intn__deliver(&r, &s, &mem, INTN_INT_N, 0x41, 2, &f, NULL), INTN_UNSUPPORTED,
	       "stack mapped outside RAM: unsupported");
	set64(PD + 2 * 8, 0);
}

/*
 * A frame that lands on its own page tables: VA page 0x1fe000 maps the PT
 * page, so the first pushes overwrite the PTE of the page the last ones go
 * to. They still go where the probe found them, and none is lost (found by
 * fuzz_intn: the old code wrote through mmu__write, faulted half-way and
 * reported "unsupported" with the frame half written).
 */
static void test_frame_over_ptes(void)
{
	struct kvm_regs r;
	struct kvm_sregs s;
	struct x86_fault f;

	cpu(&r, &s, 0);
	r.rsp = 0x1ff010;
	set64(PT + 510 * 8, PT | P | RW);
	is_u64(intn__deliver(&r, &s, &mem, INTN_INT_N, 0x41, 2, &f, NULL), INTN_DELIVERED,
	       "frame over its own PTEs: delivered");
	is_u64(get64(0x1ff008), 0x18, "  SS and RSP where the probe found them");
	is_u64(get64(0x1ff000), 0x1ff010, "  pushed RSP");
	is_u64(get64(PT + 511 * 8), RFLAGS_FIXED | IF, "  RFLAGS over PTE 511");
	is_u64(get64(PT + 510 * 8), 0x10, "  CS over PTE 510");
	is_u64(get64(PT + 509 * 8), RIP0 + 2, "  RIP over PTE 509");
	is_u64(r.rsp, 0x1fefe8, "  RSP");
	for (unsigned i = 509; i < 512; i++)
		set64(PT + i * 8, (uint64_t)i << 12 | P | RW);
}

int main(void)
{
	build();
	test_same_privilege();
	test_privilege_change();
	test_ist();
	test_faults();
	test_stack_pf();
	test_unsupported();
	test_frame_over_ptes();
	free(snapshot);
	free(mem.base);
	return tap_done();
}
