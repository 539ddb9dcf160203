// SPDX-License-Identifier: MIT
/*
 * KVM_EXIT_INTERNAL_ERROR, the userspace half of KVM's handle_exception_nmi /
 * handle_ud: when the host's instruction emulator gives up, decode the
 * instruction ourselves. Software interrupts (INT n, INT3, INTO, INT1) are
 * delivered through the guest IDT by intn.c (PVM-1, docs/DIVERGENCES.md);
 * anything else gets #UD, as KVM's handle_ud does when emulation fails.
 *
 * The forced-emulation prefix (ud2; .ascii "kvm" = 0f 0b 6b 76 6d) is KVM's
 * test hook: with kvm.force_emulation_prefix set, KVM skips it and emulates
 * the next instruction. If that emulation fails and the exit reaches us with
 * RIP at the prefix, we treat it the same way: skip the 5 bytes and handle
 * the instruction after it, so a prefixed INT n is delivered by the VMM.
 */
#include <stdio.h>
#include <string.h>
#include "emu/decode.h"
#include "emu/intn.h"
#include "emu/x86_mmu.h"
#include "record/record.h"
#include "vm/vcpu.h"
#include "exit.h"

static const uint8_t kvm_fep[5] = { 0x0f, 0x0b, 0x6b, 0x76, 0x6d };

/* A guest retrying what the host can't emulate would spin forever: stop it. */
#define EMUL_STORM_LIMIT 1000
/* Say it on stderr for the first few; the rest are counted and in the event log. */
#define EMUL_PRINT_LIMIT 8

/* Fetch up to 15 bytes at CS:RIP, stopping at the first unmapped byte. */
static unsigned fetch_insn(struct vcpu *v, const struct kvm_sregs *s, uint64_t rip,
			   uint8_t *buf, unsigned max)
{
	unsigned acc = MMU_FETCH | ((s->cs.selector & 3) == 3 ? MMU_USER : 0);
	uint32_t pf;
	uint64_t fva;
	unsigned n = 0;

	for (; n < max; n++)
		if (mmu__read(&v->vm->mem, s, s->cs.base + rip + n, buf + n, 1, acc, &pf, &fva) < 0)
			break;
	return n;
}

static int stop_host(struct vcpu *v, const char *why)
{
	vm__stop(v->vm, VMM_HOST_ERROR, why);
	return EXIT_STOP;
}

static enum intn_kind intn_kind_of(enum insn_class c)
{
	switch (c) {
	case INSN_INT3: return INTN_INT3;
	case INSN_INTO: return INTN_INTO;
	case INSN_INT1: return INTN_INT1;
	default: return INTN_INT_N;
	}
}

static int deliver_soft_int(struct vcpu *v, struct kvm_regs *r, struct kvm_sregs *s,
			    const struct insn *in, uint64_t insn_rip)
{
	struct intn_frame_info info;
	struct x86_fault f;
	uint8_t vec = in->cls == INSN_INT_N ? in->imm : in->cls == INSN_INT3 ? 3 :
		      in->cls == INSN_INT1 ? 1 : 4;
	enum intn_status st;

	r->rip = insn_rip;
	st = intn__deliver(r, s, &v->vm->mem, intn_kind_of(in->cls), vec, in->len, &f, &info);
	switch (st) {
	case INTN_DELIVERED:
		if (v->ops->set_sregs(v, s) < 0 || v->ops->set_regs(v, r) < 0)
			return stop_host(v, "KVM_SET_REGS/SREGS failed after INT n delivery");
		evlog__add(&v->vm->log, "vmm delivered %s (vector %#x) at %#llx -> %#x:%#llx, rsp %#llx",
			   in->text, vec, (unsigned long long)insn_rip, info.handler_cs,
			   (unsigned long long)info.handler, (unsigned long long)info.new_rsp);
		selftest__note_vmm_delivery(&v->vm->st, vec);
		v->vm->nr_vmm_deliveries++;
		if (record__on(v->vm)) {
			struct itr_record rec = { .type = ITR_VMM_DELIVERY, .vcpu = v->id, .vector = vec,
						  .rip = insn_rip, .b = info.handler, .rsp = info.new_rsp,
						  .cs = info.handler_cs, .stack = (uint8_t)info.stack };

			record__host(v->vm, &rec);
		}
		return EXIT_RESUME;
	case INTN_FAULT:
		evlog__add(&v->vm->log, "vmm delivery of %s at %#llx raised vector %u error %#x",
			   in->text, (unsigned long long)insn_rip, f.vector, f.error);
		/* the fault is reported at the INT instruction itself */
		if (v->ops->set_regs(v, r) < 0)
			return stop_host(v, "KVM_SET_REGS failed");
		if (vcpu__inject_exception(v, f.vector, f.has_error, f.error, f.has_cr2, f.cr2) < 0)
			return stop_host(v, "KVM_SET_VCPU_EVENTS failed");
		return EXIT_RESUME;
	default:
		/* not IA-32e mode, or IDT/GDT/TSS/stack outside RAM: nothing to deliver through */
		evlog__add(&v->vm->log, "%s at %#llx: delivery impossible (not 64-bit mode, or "
			   "tables outside RAM): #UD", in->text, (unsigned long long)insn_rip);
		if (vcpu__inject_exception(v, 6, 0, 0, 0, 0) < 0)
			return stop_host(v, "KVM_SET_VCPU_EVENTS failed");
		return EXIT_RESUME;
	}
}

#define CR0_MP (1ull << 1)
#define CR0_EM (1ull << 2)
#define CR0_TS (1ull << 3)

/*
 * The CPU checks CR0.EM/TS before it executes an x87/MMX/SSE instruction.
 * When the host's emulator gives up on such an instruction, that check is
 * still ours to make: #NM (or #UD for SIMD with EM) is the architectural
 * result, not the #UD of an unemulatable opcode. Returns 0 when no rule applies.
 */
static uint8_t fpu_fault(const struct insn *in, uint64_t cr0)
{
	switch (in->fpu) {
	case FPU_X87: return cr0 & (CR0_EM | CR0_TS) ? 7 : 0;
	case FPU_WAIT: return (cr0 & (CR0_TS | CR0_MP)) == (CR0_TS | CR0_MP) ? 7 : 0;
	case FPU_SIMD: return cr0 & CR0_EM ? 6 : cr0 & CR0_TS ? 7 : 0;
	default: return 0;
	}
}

int handle_internal_error(struct vcpu *v)
{
	static char why[256];
	struct kvm_regs r;
	struct kvm_sregs s;
	uint8_t bytes[20];
	struct insn in;
	unsigned n, skip = 0, mode;
	uint64_t rip;

	if (v->run->internal.suberror != KVM_INTERNAL_ERROR_EMULATION) {
		snprintf(why, sizeof(why), "KVM internal error, suberror %u",
			 v->run->internal.suberror);
		return stop_host(v, why);
	}
	if (v->ops->get_regs(v, &r) < 0 || v->ops->get_sregs(v, &s) < 0)
		return stop_host(v, "KVM_GET_REGS/SREGS failed after emulation failure");
	mode = s.cs.l ? 64 : s.cs.db ? 32 : 16;
	n = fetch_insn(v, &s, r.rip, bytes, sizeof(bytes));
	if (n >= sizeof(kvm_fep) && !memcmp(bytes, kvm_fep, sizeof(kvm_fep)))
		skip = sizeof(kvm_fep);
	rip = r.rip + skip;
	if (decode__one(bytes + skip, n - skip, mode, rip, &in) < 0) {
		in.cls = INSN_OTHER;
		snprintf(in.text, sizeof(in.text), "(undecodable, %u bytes readable)", n);
	}
	v->vm->nr_emul_failures++;
	if (v->storm_count && v->storm_rip == r.rip) {
		if (++v->storm_count >= EMUL_STORM_LIMIT) {
			snprintf(why, sizeof(why), "emulation-failure storm: %u consecutive failures "
				 "at %#llx (%s)", v->storm_count, (unsigned long long)r.rip, in.text);
			vm__stop(v->vm, VMM_GUEST_DIED, why);
			return EXIT_STOP;
		}
	} else {
		v->storm_rip = r.rip;
		v->storm_count = 1;
	}
	switch (in.cls) {
	case INSN_INT_N:
	case INSN_INT3:
	case INSN_INTO:
	case INSN_INT1:
		return deliver_soft_int(v, &r, &s, &in, rip);
	default:
		if (fpu_fault(&in, s.cr0)) {
			uint8_t vec = fpu_fault(&in, s.cr0);

			evlog__add(&v->vm->log, "emulation failure at %#llx: %s with cr0 %#llx: "
				   "vector %u (CR0.EM/TS check)", (unsigned long long)r.rip, in.text,
				   (unsigned long long)s.cr0, vec);
			selftest__note_vmm_delivery(&v->vm->st, vec);
			if (vcpu__inject_exception(v, vec, 0, 0, 0, 0) < 0)
				return stop_host(v, "KVM_SET_VCPU_EVENTS failed");
			return EXIT_RESUME;
		}
		/* KVM's handle_ud: what can't be emulated is an invalid opcode (a note, not an error:
		 * --quiet hides it; the event log and a death report still have it) */
		if (!v->vm->opts.quiet && v->vm->nr_emul_failures <= EMUL_PRINT_LIMIT)
			fprintf(stderr, "vmm: emulation failure at %#llx: %s%s: injecting #UD as KVM's "
				"handle_ud does%s\n", (unsigned long long)r.rip,
				skip ? "(kvm prefix) " : "", in.text,
				v->vm->nr_emul_failures == EMUL_PRINT_LIMIT ?
				" (further ones are counted, not printed)" : "");
		evlog__add(&v->vm->log, "emulation failure at %#llx: %s: #UD",
			   (unsigned long long)r.rip, in.text);
		if (vcpu__inject_exception(v, 6, 0, 0, 0, 0) < 0)
			return stop_host(v, "KVM_SET_VCPU_EVENTS failed");
		return EXIT_RESUME;
	}
}
