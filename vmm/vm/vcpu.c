// SPDX-License-Identifier: MIT
/* vCPU helpers shared by exit handlers: exception injection and the death report. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include "emu/decode.h"
#include "emu/x86_mmu.h"
#include "vcpu.h"

/*
 * KVM applies a payload only to a pending exception; an injected one is past
 * that point and KVM drops its payload. So the VMM applies it as KVM would
 * (kvm_deliver_exception_payload): CR2 for #PF; for #DB the payload is in the
 * pending-debug-exceptions format (B0-B3, BD, BS active high): DR6's B0-B3
 * cleared, its fixed-1 bits set, the payload's bits set, RTM (active low) flipped.
 */
int vcpu__apply_payload(struct vcpu *v, const uint64_t *cr2, const uint64_t *dr6)
{
	if (cr2) {
		struct kvm_sregs s;

		if (v->ops->get_sregs(v, &s) < 0)
			return -1;
		s.cr2 = *cr2;
		if (v->ops->set_sregs(v, &s) < 0)
			return -1;
	}
	if (dr6) {
		struct kvm_debugregs d;
		uint64_t active_low = 0xffff0ff0;	/* DR6_ACTIVE_LOW: fixed 1s and RTM */

		if (ioctl(v->fd, KVM_GET_DEBUGREGS, &d) < 0)
			return -1;
		d.dr6 = (((d.dr6 & ~0xfull) | active_low | *dr6) ^ (*dr6 & active_low)) & 0xffffffffull;
		if (ioctl(v->fd, KVM_SET_DEBUGREGS, &d) < 0)
			return -1;
	}
	return 0;
}

int vcpu__inject_exception(struct vcpu *v, uint8_t vector, int has_error, uint32_t error,
			   int has_cr2, uint64_t cr2)
{
	struct kvm_vcpu_events e;

	if (has_cr2 && vcpu__apply_payload(v, &cr2, NULL) < 0)
		return -1;
	if (v->ops->get_events(v, &e) < 0)
		return -1;
	e.exception.injected = 1;
	e.exception.pending = 0;
	e.exception.nr = vector;
	e.exception.has_error_code = !!has_error;
	e.exception.error_code = error;
	e.flags = 0;	/* only the exception; leave NMI, SIPI and shadow state alone */
	evlog__add(&v->vm->log, "inject exception %u%s%#x", vector, has_error ? " error " : " ",
		   has_error ? error : 0);
	return v->ops->set_events(v, &e);
}

static void dump_seg(FILE *f, const char *name, const struct kvm_segment *s)
{
	fprintf(f, "  %-3s %04x base %016llx limit %08x type %x dpl %u p %u l %u db %u\n", name,
		s->selector, (unsigned long long)s->base, s->limit, s->type, s->dpl, s->present,
		s->l, s->db);
}

/* Up to @max instruction bytes at @rip of @v with @s (CS base, its page tables); how many were readable */
static unsigned fetch(struct vcpu *v, const struct kvm_sregs *s, uint64_t rip, uint8_t *bytes, unsigned max)
{
	unsigned n = 0;

	for (; n < max; n++) {
		uint32_t pf;
		uint64_t fva;

		if (mmu__read(&v->vm->mem, s, s->cs.base + rip + n, bytes + n, 1, MMU_FETCH, &pf, &fva) < 0)
			break;
	}
	return n;
}

unsigned vcpu__fetch(struct vcpu *v, uint64_t rip, uint8_t *bytes, unsigned max)
{
	struct kvm_sregs s;

	return v->ops->get_sregs(v, &s) < 0 ? 0 : fetch(v, &s, rip, bytes, max);
}

int vcpu__get_mp_state(struct vcpu *v, struct kvm_mp_state *mp)
{
	v->regs_synced = false;
	return ioctl(v->fd, KVM_GET_MP_STATE, mp);
}

unsigned vcpu__in_len(struct vcpu *v, uint64_t rip)
{
	struct kvm_sregs s;
	uint8_t bytes[15];
	struct insn in;
	unsigned n;

	if (v->ops->get_sregs(v, &s) < 0 || !(n = fetch(v, &s, rip, bytes, sizeof(bytes))))
		return 0;
	/* a page end may cut the fetch short: Zydis then refuses what runs past it */
	if (decode__one(bytes, n, s.cs.l ? 64 : s.cs.db ? 32 : 16, rip, &in) < 0 || in.cls != INSN_IN)
		return 0;
	return in.len;
}

void vcpu__dump(struct vcpu *v, FILE *f)
{
	static const char *const gpr[] = { "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "rsp", "rbp",
					   "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };
	struct kvm_regs r;
	struct kvm_sregs s;
	uint64_t vals[16];
	uint8_t bytes[15];
	struct insn in;
	unsigned n = 0;

	if (v->ops->get_regs(v, &r) < 0 || v->ops->get_sregs(v, &s) < 0) {
		fprintf(f, "  (registers unavailable)\n");
		return;
	}
	memcpy(vals, &r, sizeof(vals));	/* kvm_regs starts with the 16 GPRs in this order */
	fprintf(f, "  rip %016llx  rflags %08llx  cpl %u\n", (unsigned long long)r.rip,
		(unsigned long long)r.rflags, s.cs.selector & 3);
	for (int i = 0; i < 16; i++)
		fprintf(f, "  %-3s %016" PRIx64 "%s", gpr[i], vals[i], i % 4 == 3 ? "\n" : "");
	fprintf(f, "  cr0 %08llx cr2 %016llx cr3 %016llx cr4 %08llx efer %llx\n",
		(unsigned long long)s.cr0, (unsigned long long)s.cr2, (unsigned long long)s.cr3,
		(unsigned long long)s.cr4, (unsigned long long)s.efer);
	fprintf(f, "  idt base %016llx limit %04x  gdt base %016llx limit %04x\n",
		(unsigned long long)s.idt.base, s.idt.limit, (unsigned long long)s.gdt.base,
		s.gdt.limit);
	dump_seg(f, "cs", &s.cs);
	dump_seg(f, "ss", &s.ss);
	dump_seg(f, "tr", &s.tr);
	n = fetch(v, &s, r.rip, bytes, sizeof(bytes));
	if (n && decode__one(bytes, n, s.cs.l ? 64 : s.cs.db ? 32 : 16, r.rip, &in) == 0)
		fprintf(f, "  insn at rip: %s\n", in.text);
	else
		fprintf(f, "  insn at rip: (%u bytes readable, not decodable)\n", n);
	fprintf(f, "  exits: %llu; emulation failures: %llu; VMM-delivered software interrupts: %llu\n",
		(unsigned long long)v->nr_exits, (unsigned long long)v->vm->nr_emul_failures,
		(unsigned long long)v->vm->nr_vmm_deliveries);
	fprintf(f, "  last guest events:\n");
	evlog__dump(&v->vm->log, f, 16, "    ");
}
