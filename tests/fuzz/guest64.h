/* SPDX-License-Identifier: MIT */
/*
 * The valid 64-bit guest fuzz_intn.c and fuzz_exit.c start every run from,
 * so that mutations begin at deliveries that work: page tables mapping the
 * first 64 KiB 1:1 (user-accessible), a GDT, a TSS with RSP0 and IST1-7, an
 * IDT whose 256 gates all deliver (DPL3), and registers at CPL0 or CPL3.
 * Plus the register fields an input may overwrite.
 */
#ifndef TESTS_FUZZ_GUEST64_H
#define TESTS_FUZZ_GUEST64_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <linux/kvm.h>

#define G64_PML4	0x1000
#define G64_PDPT	0x2000
#define G64_PD		0x3000
#define G64_PT		0x4000
#define G64_GDT		0x5000
#define G64_IDT		0x6000
#define G64_TSS		0x7000
#define G64_LDT		0x7800
#define G64_RSP0	0x9000
#define G64_IST1	0xa000
#define G64_CODE	0xc000
#define G64_HANDLER	0xd000
#define G64_USTACK	0xf000
#define G64_MAPPED	0x10000u	/* bytes mapped 1:1 */

static inline void g64__put(uint8_t *mem, uint64_t gpa, uint64_t v)
{
	memcpy(mem + gpa, &v, 8);
}

/*
 * Tables into @mem (at least G64_MAPPED bytes, zeroed first). @variant:
 * gate n uses IST n % 8, and odd gates a code segment in the LDT.
 */
static inline void g64__tables(uint8_t *mem, bool variant)
{
	g64__put(mem, G64_PML4, G64_PDPT | 7);
	g64__put(mem, G64_PDPT, G64_PD | 7);
	g64__put(mem, G64_PD, G64_PT | 7);
	for (unsigned i = 0; i < G64_MAPPED >> 12; i++)
		g64__put(mem, G64_PT + i * 8, (uint64_t)i << 12 | 7);
	g64__put(mem, G64_GDT + 0x10, 0x00af9a000000ffffull);	/* 64-bit code, DPL0 */
	g64__put(mem, G64_GDT + 0x18, 0x00cf92000000ffffull);	/* data, DPL0 */
	g64__put(mem, G64_GDT + 0x28, 0x00cff2000000ffffull);	/* data, DPL3 */
	g64__put(mem, G64_GDT + 0x30, 0x00affa000000ffffull);	/* 64-bit code, DPL3 */
	g64__put(mem, G64_GDT + 0x38, 0x00af9e000000ffffull);	/* conforming 64-bit code */
	g64__put(mem, G64_GDT + 0x40, 0x0000890000000067ull | (uint64_t)G64_TSS << 16);
	g64__put(mem, G64_LDT + 0x08, 0x00af9a000000ffffull);	/* LDT: 64-bit code, DPL0 */
	g64__put(mem, G64_TSS + 0x04, G64_RSP0);
	for (unsigned i = 0; i < 7; i++)	/* odd ISTs misaligned: the CPU aligns them */
		g64__put(mem, G64_TSS + 0x24 + 8 * i, G64_IST1 + 0x200 * i + (i & 1) * 8);
	for (unsigned v = 0; v < 256; v++) {
		uint8_t *g = mem + G64_IDT + v * 16;
		uint64_t off = G64_HANDLER + v * 16;

		memset(g, 0, 16);
		g[0] = off;
		g[1] = off >> 8;
		g[2] = variant && v & 1 ? 0x0c : 0x10;
		g[4] = variant ? v % 8 : v == 8;	/* #DF on IST1, as Linux has it */
		g[5] = (v & 2 ? 0xf : 0xe) | 3 << 5 | 0x80;
		g[6] = off >> 16;
	}
}

static inline struct kvm_segment g64__seg(uint16_t sel, unsigned type, unsigned dpl, bool l)
{
	return (struct kvm_segment){ .selector = sel, .limit = 0xffffffff, .type = type,
				     .present = 1, .dpl = dpl, .db = !l, .s = 1, .l = l, .g = 1 };
}

/* Registers at the start of G64_CODE, CPL3 with @user; @cpu picks its own RSP0 stack. */
static inline void g64__regs(struct kvm_regs *r, struct kvm_sregs *s, bool user, bool variant,
			     unsigned cpu)
{
	memset(r, 0, sizeof(*r));
	memset(s, 0, sizeof(*s));
	r->rip = G64_CODE;
	r->rsp = user ? G64_USTACK : G64_RSP0 - 0x100 * (cpu + 1);
	r->rflags = 0x202;
	s->cr0 = 0x80050033;
	s->cr3 = G64_PML4;
	s->cr4 = 0x20;
	s->efer = 0xd00;
	s->cs = user ? g64__seg(0x33, 0xb, 3, true) : g64__seg(0x10, 0xb, 0, true);
	s->ss = user ? g64__seg(0x2b, 0x3, 3, false) : g64__seg(0x18, 0x3, 0, false);
	s->gdt.base = G64_GDT;
	s->gdt.limit = 0x4f;
	s->idt.base = G64_IDT;
	s->idt.limit = 0xfff;
	s->tr = (struct kvm_segment){ .selector = 0x40, .base = G64_TSS, .limit = 0x67, .type = 0xb,
				      .present = 1 };
	s->ldt = (struct kvm_segment){ .selector = 0x50, .base = G64_LDT, .limit = 0xf, .type = 2,
				       .present = variant, .unusable = !variant };
}

#define G64_NR_FIELDS	(12 + 4 * 4)

/* Overwrite register field @f (< G64_NR_FIELDS) with @v, or part of it. */
static inline void g64__set_field(struct kvm_regs *r, struct kvm_sregs *s, unsigned f, uint64_t v)
{
	struct kvm_segment *sg[4] = { &s->cs, &s->ss, &s->tr, &s->ldt }, *g;

	switch (f) {
	case 0: r->rip = v; return;
	case 1: r->rsp = v; return;
	case 2: r->rflags = v; return;
	case 3: s->cr0 = v; return;
	case 4: s->cr3 = v; return;
	case 5: s->cr4 = v; return;
	case 6: s->efer = v; return;
	case 7: s->idt.base = v; return;
	case 8: s->idt.limit = v; return;
	case 9: s->gdt.base = v; return;
	case 10: s->gdt.limit = v; return;
	case 11: r->rax = v; return;
	}
	g = sg[(f - 12) / 4 % 4];
	switch ((f - 12) % 4) {
	case 0:
		g->selector = v;
		break;
	case 1:
		g->base = v;
		break;
	case 2:
		g->limit = v;
		break;
	default:	/* the attributes, one byte each */
		g->type = v & 15;
		g->present = v >> 8 & 1;
		g->dpl = v >> 16 & 3;
		g->db = v >> 24 & 1;
		g->s = v >> 32 & 1;
		g->l = v >> 40 & 1;
		g->g = v >> 48 & 1;
		g->unusable = v >> 56 & 1;
	}
}

#endif
