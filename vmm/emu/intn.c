// SPDX-License-Identifier: MIT
/*
 * INT n / INT3 / INTO / INT1 delivery through a 64-bit IDT, following the
 * IA-32e-MODE, TRAP-OR-INTERRUPT-GATE and INTER-/INTRA-PRIVILEGE-LEVEL
 * pseudocode of SDM Vol. 2A "INT n/INTO/INT3/INT1" and Vol. 3A 6.12-6.14.
 *
 * Everything is read and checked before anything is written, so a delivery
 * that faults leaves registers and guest memory as they were: the caller
 * injects the fault and the guest sees what a CPU would have shown it.
 *
 * Error codes use the SDM's error_code(num, idt, ext): idt=1 gives
 * (num << 3) | 2 | EXT, idt=0 gives (num & 0xfffc) | EXT. EXT is 0 for the
 * software interrupts INT n, INT3 and INTO and 1 for INT1, which the SDM
 * treats like a hardware exception ("otherwise (including INT1), EXT is 1").
 * The gate DPL check has EXT=0 by definition and does not apply to INT1.
 *
 * Choices where the SDM is loose, aligned with QEMU's do_interrupt64 (our
 * differential reference): a target code segment that is not 64-bit
 * (L=0 or D=1) raises #GP(selector), checked after the present bit; a
 * non-canonical TSS address raises #TS(TR). Unlike QEMU, an IST switch at the
 * same privilege keeps SS, as the INTRA-PRIVILEGE-LEVEL pseudocode says.
 * Not modelled: descriptor accessed-bit writes, shadow stacks (CET), and
 * system structures or stacks outside RAM (INTN_UNSUPPORTED).
 */
#include <string.h>

#include "abi.h"
#include "intn.h"
#include "x86_mmu.h"

#define CR4_LA57	(1ull << 12)
#define EFER_LMA	(1ull << 10)

#define RFLAGS_TF	(1ull << 8)
#define RFLAGS_IF	(1ull << 9)
#define RFLAGS_NT	(1ull << 14)
#define RFLAGS_RF	(1ull << 16)
#define RFLAGS_VM	(1ull << 17)

#define VEC_DB	1
#define VEC_BP	3
#define VEC_UD	6
#define VEC_TS	10
#define VEC_NP	11
#define VEC_SS	12
#define VEC_GP	13
#define VEC_PF	14

#define GATE_INTR	0x0e	/* 64-bit interrupt gate, S=0 */
#define GATE_TRAP	0x0f	/* 64-bit trap gate, S=0 */

/* Access byte and flags nibble of a code/data segment descriptor. */
#define DESC_P		0x80
#define DESC_S		0x10
#define DESC_CODE	0x08
#define DESC_CONFORM	0x04
#define DESC_L		0x20
#define DESC_DB		0x40
#define DESC_G		0x80
#define DESC_AVL	0x10

#define FRAME_SLOTS	5	/* SS, RSP, RFLAGS, CS, RIP; no error code for these */

static bool canonical(const struct kvm_sregs *s, uint64_t va)
{
	unsigned sh = (s->cr4 & CR4_LA57) ? 64 - 57 : 64 - 48;

	return (uint64_t)((int64_t)(va << sh) >> sh) == va;
}

static enum intn_status raise(struct x86_fault *f, uint8_t vector, bool has_error,
			      uint32_t error)
{
	memset(f, 0, sizeof(*f));
	f->vector = vector;
	f->has_error = has_error;
	f->error = error;
	return INTN_FAULT;
}

static enum intn_status raise_pf(struct x86_fault *f, uint32_t pf_err, uint64_t va)
{
	raise(f, VEC_PF, true, pf_err);
	f->has_cr2 = true;
	f->cr2 = va;
	return INTN_FAULT;
}

/*
 * Implicit supervisor read of a system structure (IDT, GDT/LDT, TSS). A
 * non-canonical address raises @vector(@error), as listed for each structure;
 * memory the VMM cannot reach makes the delivery unsupported.
 */
static enum intn_status sys_read(const struct gmem *m, const struct kvm_sregs *s, uint64_t va,
				 void *buf, unsigned len, uint8_t vector, uint32_t error,
				 struct x86_fault *f)
{
	uint32_t pf_err;
	uint64_t fault_va;

	if (!canonical(s, va) || !canonical(s, va + len - 1))
		return raise(f, vector, true, error);
	if (!mmu__read(m, s, va, buf, len, 0, &pf_err, &fault_va))
		return INTN_DELIVERED;
	if (pf_err == MMU_ERR_NOT_PF)
		return INTN_UNSUPPORTED;
	return raise_pf(f, pf_err, fault_va);
}

static uint64_t le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

enum intn_status intn__deliver(struct kvm_regs *regs, struct kvm_sregs *sregs,
			       const struct gmem *m, enum intn_kind kind, uint8_t vector,
			       unsigned insn_len, struct x86_fault *fault,
			       struct intn_frame_info *info)
{
	struct x86_fault scratch;
	struct kvm_segment cs, ss;
	uint8_t gate[16], desc[8], type, access, flags;
	unsigned cpl, dpl, new_cpl, ist, i;
	uint32_t ext, idt_err, sel_err, tbl_limit;
	uint64_t handler, rsp, tbl_base, frame[FRAME_SLOTS], slot_gpa[FRAME_SLOTS], rflags;
	uint16_t sel;
	bool priv_change;
	enum intn_status st;
	int stack;

	if (!fault)
		fault = &scratch;
	if (!(sregs->efer & EFER_LMA) || !sregs->cs.l)
		return INTN_UNSUPPORTED;

	switch (kind) {
	case INTN_INT_N:
		break;
	case INTN_INT3:
		vector = VEC_BP;
		break;
	case INTN_INT1:
		vector = VEC_DB;
		break;
	case INTN_INTO:		/* CE is an invalid opcode in 64-bit mode */
		return raise(fault, VEC_UD, false, 0);
	default:
		return INTN_UNSUPPORTED;
	}
	ext = kind == INTN_INT1;
	cpl = sregs->cs.selector & 3;	/* CPL is CS.RPL */
	idt_err = (uint32_t)vector << 3 | 2 | ext;

	/* IDT gate: limit and type, then DPL (software only), then present. */
	if ((uint32_t)vector * 16 + 15 > sregs->idt.limit)
		return raise(fault, VEC_GP, true, idt_err);
	st = sys_read(m, sregs, sregs->idt.base + (uint64_t)vector * 16, gate, sizeof(gate),
		      VEC_GP, idt_err, fault);
	if (st)
		return st;
	type = gate[5] & 0x1f;
	if (type != GATE_INTR && type != GATE_TRAP)
		return raise(fault, VEC_GP, true, idt_err);
	if (kind != INTN_INT1 && ((gate[5] >> 5) & 3) < cpl)
		return raise(fault, VEC_GP, true, (uint32_t)vector << 3 | 2);
	if (!(gate[5] & DESC_P))
		return raise(fault, VEC_NP, true, idt_err);
	sel = le(gate + 2, 2);
	ist = gate[4] & 7;
	handler = le(gate, 2) | le(gate + 6, 2) << 16 | le(gate + 8, 4) << 32;

	/* Target code segment. */
	if (!(sel & 0xfffc))
		return raise(fault, VEC_GP, true, ext);
	sel_err = (sel & 0xfffc) | ext;
	if (sel & 4) {
		if (sregs->ldt.unusable || !sregs->ldt.present)
			return raise(fault, VEC_GP, true, sel_err);
		tbl_base = sregs->ldt.base;
		tbl_limit = sregs->ldt.limit;
	} else {
		tbl_base = sregs->gdt.base;
		tbl_limit = sregs->gdt.limit;
	}
	if ((uint32_t)(sel | 7) > tbl_limit)
		return raise(fault, VEC_GP, true, sel_err);
	st = sys_read(m, sregs, tbl_base + (sel & ~7u), desc, sizeof(desc), VEC_GP, sel_err,
		      fault);
	if (st)
		return st;
	access = desc[5];
	flags = desc[6];
	dpl = (access >> 5) & 3;
	if ((access & (DESC_S | DESC_CODE)) != (DESC_S | DESC_CODE) || dpl > cpl)
		return raise(fault, VEC_GP, true, sel_err);
	if (!(access & DESC_P))
		return raise(fault, VEC_NP, true, sel_err);
	if (!(flags & DESC_L) || (flags & DESC_DB))
		return raise(fault, VEC_GP, true, sel_err);
	new_cpl = (access & DESC_CONFORM) ? cpl : dpl;
	priv_change = new_cpl < cpl;

	/* Stack: IST wins, else RSPn on a privilege change, else the current one. */
	if (ist || priv_change) {
		uint32_t off = ist ? (ist << 3) + 28 : (new_cpl << 3) + 4;
		uint32_t ts_err = (sregs->tr.selector & 0xfffc) | ext;
		uint8_t raw[8];

		if (off + 7 > sregs->tr.limit)
			return raise(fault, VEC_TS, true, ts_err);
		st = sys_read(m, sregs, sregs->tr.base + off, raw, 8, VEC_TS, ts_err, fault);
		if (st)
			return st;
		rsp = le(raw, 8);
	} else {
		rsp = regs->rsp;
	}
	/* A new SS is null, so the #SS error code holds a null selector: just EXT. */
	if (!canonical(sregs, rsp))
		return raise(fault, VEC_SS, true, ext);
	if (!canonical(sregs, handler))
		return raise(fault, VEC_GP, true, ext);
	rsp &= ~0xfull;

	/* Memory order, lowest address first: RIP, CS, RFLAGS, RSP, SS. */
	frame[0] = regs->rip + insn_len;
	frame[1] = sregs->cs.selector;
	frame[2] = regs->rflags;
	frame[3] = regs->rsp;
	frame[4] = sregs->ss.selector;

	/* Probe every slot in push order (SS first) so no push is half done. */
	for (i = 0; i < FRAME_SLOTS; i++) {
		uint64_t va = rsp - 8 * (i + 1), gpa;
		unsigned acc = MMU_WRITE | (new_cpl == 3 ? MMU_USER : 0);
		uint32_t pf_err;

		if (!canonical(sregs, va))
			return raise(fault, VEC_SS, true, ext);
		if (mmu__translate(m, sregs, va, acc, &gpa, &pf_err)) {
			if (pf_err == MMU_ERR_NOT_PF)
				return INTN_UNSUPPORTED;
			return raise_pf(fault, pf_err, va);
		}
		if (!gmem__ptr(m, gpa, 8))
			return INTN_UNSUPPORTED;
		slot_gpa[i] = gpa;	/* 16-byte aligned RSP: a slot never straddles a page */
	}
	rsp -= 8 * FRAME_SLOTS;
	/*
	 * Push to the probed addresses, as a CPU with the translations cached
	 * would: a frame that lands on its own page tables must not redirect,
	 * or fault, the pushes after it (and leave a half-written frame).
	 */
	for (i = 0; i < FRAME_SLOTS; i++)
		memcpy(gmem__ptr(m, slot_gpa[i], 8), &frame[FRAME_SLOTS - 1 - i], 8);

	/* Commit. */
	memset(&cs, 0, sizeof(cs));
	cs.base = le(desc + 2, 3) | (uint64_t)desc[7] << 24;
	cs.limit = le(desc, 2) | (uint32_t)(flags & 0xf) << 16;
	if (flags & DESC_G)
		cs.limit = cs.limit << 12 | 0xfff;
	cs.selector = (sel & ~3u) | new_cpl;
	cs.type = (access & 0xf) | 1;	/* the CPU sets accessed; VMX insists on it */
	cs.present = 1;
	cs.dpl = dpl;
	cs.s = 1;
	cs.l = 1;
	cs.g = !!(flags & DESC_G);
	cs.avl = !!(flags & DESC_AVL);

	if (priv_change) {
		/* 64-bit mode loads a null SS with RPL = new CPL; KVM shows it unusable. */
		memset(&ss, 0, sizeof(ss));
		ss.selector = new_cpl;
		ss.dpl = new_cpl;
		ss.unusable = 1;
		sregs->ss = ss;
	}
	sregs->cs = cs;

	rflags = regs->rflags & ~(RFLAGS_TF | RFLAGS_NT | RFLAGS_RF | RFLAGS_VM);
	if (type == GATE_INTR)
		rflags &= ~RFLAGS_IF;
	regs->rflags = rflags;
	regs->rsp = rsp;
	regs->rip = handler;

	if (ist)
		stack = IVM_STACK_IST1 + ist - 1;
	else if (priv_change)
		stack = new_cpl == 0 ? IVM_STACK_RSP0 : IVM_STACK_UNKNOWN;
	else
		stack = IVM_STACK_SAME;
	if (info) {
		info->new_rsp = rsp;
		info->stack = stack;
		info->handler = handler;
		info->handler_cs = cs.selector;
	}
	return INTN_DELIVERED;
}
